"""Close relatives of cadres and recusal (回避) in welfare handling.

`kin_findings` says why an application's members are cadres or cadres' close relatives (the community's
register and posts), or related to the officers handling it; the application is then flagged (`kin_flag`)
and filed separately, never refused for it. A staff account linked to its registry person (`StaffIdentity`)
is an `Officer`. `recusal_findings` (`application_recusal`, `enrollment_recusal`) says why the acting officer
must stay away from a household, and `check_recusal` refuses the act: every step of the application path,
every member edit, every act on the enrolment, publishing a notice holding the household and upholding an
objection that refuses its application. Re-exported by `welfare`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from yangguang.core.actions import audit
from yangguang.core.actions.welfare_common import today
from yangguang.core.models import (
    Application,
    ApplicationMember,
    Area,
    CadrePost,
    Enrollment,
    HouseholdMembership,
    Kinship,
    Person,
)
from yangguang.core.models.accounts import StaffIdentity
from yangguang.core.sealing import blind_index
from yangguang.lib.masking import mask_name

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    Actor = AbstractBaseUser | AnonymousUser | None

KINSHIP_LABEL = Kinship._meta.label_lower


# --- close relatives of cadres -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Officer:
    """A staff member handling an application and the registry person their account is linked to."""

    label: str  # how the platform names the staff member (histories, audit): full name or username
    person: Person


def linked_officers(user_ids: Sequence[int | None]) -> list[Officer]:
    """The staff accounts among `user_ids` that are linked to a registry person (`StaffIdentity`), one
    query. Unlinked accounts are left out: their holders' own relatives cannot be checked."""
    wanted = {pk for pk in user_ids if pk}
    if not wanted:
        return []
    identities = StaffIdentity.objects.filter(user_id__in=wanted).select_related("user", "person")
    return [Officer(audit.actor_label(i.user), i.person) for i in identities.order_by("user_id")]


def officer_person(actor: Actor) -> Person | None:
    """The registry person behind the acting user, as linked by a user administrator; None for the system,
    an anonymous user or an account that has not been linked (then only the community's register of
    cadres' close relatives applies, as before the link existed)."""
    if actor is None or not actor.is_authenticated:
        return None
    officers = linked_officers([actor.pk])
    return officers[0].person if officers else None


def _member_keys(ids: Sequence[int]) -> tuple[dict[int, str], dict[str, int]]:
    """Members' masked names by person id, and person ids by the register's blind index of their ID
    number (one query). Blind indexes are per model and field: the register's index is computed from the
    plaintext, used here internally and never shown."""
    names: dict[int, str] = {}
    by_index: dict[str, int] = {}
    for person in Person.objects.filter(pk__in=ids).only("pk", "name", "id_number_enc"):
        names[person.pk] = mask_name(person.name)
        id18 = person.unseal("id_number")
        if id18:
            by_index[blind_index(KINSHIP_LABEL, "relative_id_number", id18)] = person.pk
    return names, by_index


def kin_findings(community: Area, person_ids: Sequence[int], officers: Sequence[Officer] = ()) -> list[str]:
    """Why an application's members are close relatives of cadres (or cadres themselves), or of the
    officers handling it, one line each. Three queries, one more when officers are given."""
    ids = [pk for pk in person_ids if pk]
    if not ids:
        return []
    names, by_index = _member_keys(ids)
    lines = _cadre_lines(community, ids, names, by_index)
    lines += _officer_lines(ids, names, by_index, officers)
    return list(dict.fromkeys(lines))


def _cadre_lines(
    community: Area, ids: list[int], names: dict[int, str], by_index: dict[str, int]
) -> list[str]:
    """Members declared in the community's close-relatives register, and members holding a post there."""
    lines: list[str] = []
    kin = Kinship.objects.filter(area=community).filter(
        Q(relative_id__in=ids) | Q(relative_id_number_index__in=list(by_index))
    )
    for row in kin.select_related("cadre").order_by("pk"):
        member = row.relative_id if row.relative_id in names else by_index.get(row.relative_id_number_index)
        lines.append(
            _("%(member)s是干部%(cadre)s的%(relation)s")
            % {
                "member": names.get(member or 0, mask_name(row.relative_name)),
                "cadre": row.cadre.name,
                "relation": row.get_relation_display(),
            }
        )
    day = today()
    posts = CadrePost.objects.filter(area=community, person_id__in=ids, starts_on__lte=day).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=day)
    )
    for post in posts.order_by("pk"):
        lines.append(
            _("%(member)s本人是本社区干部（%(body)s%(title)s）")
            % {"member": names[post.person_id], "body": post.get_body_display(), "title": post.title}
        )
    return lines


def _officer_lines(
    ids: list[int], names: dict[int, str], by_index: dict[str, int], officers: Sequence[Officer]
) -> list[str]:
    """Conflicts of the officers with the members (回避): an officer who is a member, a member whom the
    officer declared as a close relative (in any community's register), or an officer whom a member who
    is a cadre declared as a close relative. One query."""
    if not officers:
        return []
    lines = [
        _("经办人%(officer)s本人是申请家庭成员") % {"officer": officer.label}
        for officer in officers
        if officer.person.pk in names
    ]
    by_person = {officer.person.pk: officer for officer in officers}
    officer_by_index: dict[str, Officer] = {}
    for officer in officers:
        id18 = officer.person.unseal("id_number") if officer.person.id_number_enc else ""
        if id18:
            officer_by_index[blind_index(KINSHIP_LABEL, "relative_id_number", id18)] = officer
    of_members = Q(relative_id__in=ids) | Q(relative_id_number_index__in=list(by_index))
    of_officers = Q(relative_id__in=list(by_person)) | Q(relative_id_number_index__in=list(officer_by_index))
    rows = Kinship.objects.filter(
        (Q(cadre_id__in=list(by_person)) & of_members) | (Q(cadre_id__in=ids) & of_officers)
    )
    for row in rows.order_by("pk"):
        relation = row.get_relation_display()
        declarer = by_person.get(row.cadre_id)
        member = row.relative_id if row.relative_id in names else by_index.get(row.relative_id_number_index)
        if declarer is not None and member is not None:
            lines.append(
                _("%(member)s是经办人%(officer)s的%(relation)s")
                % {"member": names[member], "officer": declarer.label, "relation": relation}
            )
        relative = by_person.get(row.relative_id or 0) or officer_by_index.get(row.relative_id_number_index)
        if row.cadre_id in names and relative is not None:
            lines.append(
                _("经办人%(officer)s是%(member)s的%(relation)s")
                % {"officer": relative.label, "member": names[row.cadre_id], "relation": relation}
            )
    return lines


# --- recusal (回避) -----------------------------------------------------------------------------------------


def member_ids(application: Application) -> list[int]:
    return [pk for pk in application.members.values_list("person_id", flat=True) if pk]


def recusal_findings(actor: Actor, person_ids: Sequence[int]) -> list[str]:
    """Why `actor` must not handle a household with these members (回避), one line each; empty when they
    may (always for an account not linked to a registry person)."""
    ids = [pk for pk in person_ids if pk]
    if not ids or actor is None or not actor.is_authenticated:
        return []
    officers = linked_officers([actor.pk])
    if not officers:
        return []
    names, by_index = _member_keys(ids)
    return list(dict.fromkeys(_officer_lines(ids, names, by_index, officers)))


def application_recusal(actor: Actor, application: Application) -> list[str]:
    """`recusal_findings` for an application's current members."""
    return recusal_findings(actor, member_ids(application))


def enrollment_recusal(actor: Actor, enrollment: Enrollment) -> list[str]:
    """`recusal_findings` for an enrolled household: the members surveyed on its application, or, for an
    imported enrolment, the head and the household's current registry members."""
    if enrollment.application_id is not None:
        ids = list(
            ApplicationMember.objects.filter(
                application_id=enrollment.application_id, person__isnull=False
            ).values_list("person_id", flat=True)
        )
    else:
        ids = [enrollment.head_id]
        if enrollment.household_id is not None:
            current = HouseholdMembership.objects.filter(household_id=enrollment.household_id, end_date=None)
            ids += list(current.values_list("person_id", flat=True))
    return recusal_findings(actor, [pk for pk in ids if pk])


def check_recusal(lines: Sequence[str]) -> None:
    """Refuse the act when the acting officer must stay away from the household."""
    if lines:
        raise ValidationError(
            _("需回避：%(reasons)s。请由其他工作人员办理。") % {"reasons": "；".join(lines)}, code="recusal"
        )
