"""The supervision committee (居务监督委员会): terms, members and their eligibility, the cadres it must be
independent of (posts and the close-relatives register 近亲属备案), elections and removal motions.

Eligibility (村委会组织法第32条) is computed against the community's register of current post-holders and
their declared close relatives, loaded once (`Register`) so a page can check many people in a few queries.
Each rule gives one line {"rule", "ok", "reason"}; the lines are stored on the member or candidate so the
decision stays explainable after the register changes. Stored lines are written in the platform language,
like audit entries, so they read the same whoever recorded them.

Ballots entered one by one are secret: staff first record who received and cast a ballot (`Elector.
attended`), then enter the ballots from the box without names (`Ballot` has no voter), so no record pairs a
representative with their choices.

Staff (MANAGE_COMMITTEE) make every change here; the committee and the oversight roles only read.
`actor=None` is the system (demo data, management commands) and is not checked.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yangguang.core import tabular
from yangguang.core.actions import accounts, audit, ledger
from yangguang.core.actions.access import access_object
from yangguang.core.models import (
    Activity,
    Area,
    AuditAction,
    Ballot,
    CadreBody,
    CadrePost,
    Candidate,
    CommitteeMember,
    CommitteeRule,
    CommitteeTerm,
    Disclosure,
    Election,
    Elector,
    KinRelation,
    Kinship,
    MemberGroup,
    Person,
    RemovalMotion,
    RoleAssignment,
)
from yangguang.core.permissions import Cap, Role, has_capability
from yangguang.core.sealing import blind_index
from yangguang.lib import idnumber
from yangguang.lib.masking import mask_name
from yangguang.lib.ratios import reaches

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    Actor = AbstractBaseUser | AnonymousUser | None

Line = dict[str, Any]

LAW: Final = "村委会组织法第32条"
# A term lasts five years (组织法第13条); 换届 may be delayed a few months.
MAX_TERM_DAYS: Final = 5 * 366 + 183
DISCLOSURE_KIND: Final = "election_result"

Status = CommitteeMember.Status
ACTIVE: Final = (Status.PROPOSED, Status.SERVING)
# Member lifecycle: transition → (allowed from-statuses, to-status).
MEMBER_TRANSITIONS: Final[dict[str, tuple[frozenset[str], str]]] = {
    "seat": (frozenset({Status.PROPOSED}), Status.SERVING),
    "leave": (frozenset({Status.PROPOSED, Status.SERVING}), Status.LEFT),
    "remove": (frozenset({Status.SERVING}), Status.REMOVED),
}
ES = Election.Status
ELECTION_TRANSITIONS: Final[dict[str, tuple[frozenset[str], str]]] = {
    "open": (frozenset({ES.PLANNED}), ES.VOTING),
    "count": (frozenset({ES.VOTING}), ES.COUNTED),
    "void": (frozenset({ES.VOTING}), ES.VOID),
    "publish": (frozenset({ES.COUNTED}), ES.PUBLISHED),
}


def _platform_language() -> translation.override:
    return translation.override(settings.LANGUAGE_CODE)


def _in(area: Area, prefix: str = "area__") -> Q:
    """Records placed in `area` or below it."""
    return Q(**{f"{prefix}path__startswith": area.path})


def _today() -> datetime.date:
    return timezone.localdate()


def _step(table: dict[str, tuple[frozenset[str], str]], name: str, status: str, label: str) -> str:
    allowed, target = table[name]
    if status not in allowed:
        raise ValidationError(_("当前状态“%(status)s”下不能执行该操作。") % {"status": label})
    return target


# --- access ---------------------------------------------------------------------------------------------


def require_manage(actor: Actor, area: Area) -> None:
    """403 unless the actor is staff of the community (MANAGE_COMMITTEE); the system may always act."""
    if actor is None:
        return
    if not has_capability(actor, Cap.MANAGE_COMMITTEE, area):
        raise PermissionDenied(_("只有本社区工作人员可以管理监委会届期、成员、干部任职和选举。"))


def may_manage(user: Actor, area: Area) -> bool:
    return user is not None and has_capability(user, Cap.MANAGE_COMMITTEE, area)


def _visible(user: AbstractBaseUser | AnonymousUser, area: Area, capability: str) -> None:
    if not user.is_authenticated:
        raise Http404
    if not has_capability(user, capability, area):
        raise Http404


def access_community(
    user: AbstractBaseUser | AnonymousUser, pk: object, capability: str = Cap.VIEW_SUPERVISION
) -> Area:
    area = access_object(user, Area, pk, capability)
    if not area.is_community:
        raise Http404
    return area


def access_term(
    user: AbstractBaseUser | AnonymousUser, pk: object, capability: str = Cap.VIEW_SUPERVISION
) -> CommitteeTerm:
    return access_object(
        user, CommitteeTerm, pk, capability, queryset=CommitteeTerm.objects.select_related("area")
    )


def access_member(
    user: AbstractBaseUser | AnonymousUser, pk: int | str, capability: str = Cap.VIEW_SUPERVISION
) -> CommitteeMember:
    try:
        member = CommitteeMember.objects.select_related("term__area", "person", "user").get(pk=pk)
    except (CommitteeMember.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    _visible(user, member.term.area, capability)
    return member


def access_election(
    user: AbstractBaseUser | AnonymousUser, pk: int | str, capability: str = Cap.VIEW_SUPERVISION
) -> Election:
    try:
        election = Election.objects.select_related("term__area").get(pk=pk)
    except (Election.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    _visible(user, election.term.area, capability)
    return election


def access_motion(
    user: AbstractBaseUser | AnonymousUser, pk: int | str, capability: str = Cap.VIEW_SUPERVISION
) -> RemovalMotion:
    try:
        motion = RemovalMotion.objects.select_related("member__term__area", "member__person").get(pk=pk)
    except (RemovalMotion.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    _visible(user, motion.member.term.area, capability)
    return motion


# --- people --------------------------------------------------------------------------------------------


def normalize_id(raw: str) -> str:
    """An ID number in canonical form, or a ValidationError with the reason."""
    try:
        return idnumber.normalize(raw, today=_today())
    except idnumber.IdNumberError as exc:
        raise ValidationError(str(exc)) from exc


def person_index(id18: str) -> str:
    return blind_index("core.person", "id_number", id18)


def kin_index(id18: str) -> str:
    return blind_index("core.kinship", "relative_id_number", id18)


def find_resident(area: Area, raw_id: str) -> Person:
    """The registry person of `area` (or below) with this ID number; a ValidationError otherwise."""
    id18 = normalize_id(raw_id)
    person = Person.objects.filter(_in(area), id_number_index=person_index(id18)).first()
    if person is None:
        raise ValidationError(_("在%(area)s的登记人口中没有找到该身份证号码的居民。") % {"area": area.name})
    return person


def _person_kin_index(person: Person) -> str:
    """The kinship register's blind index of a person's ID number (the two fields index differently)."""
    if not person.id_number_enc:
        return ""
    return kin_index(person.unseal("id_number"))


# --- eligibility ---------------------------------------------------------------------------------------


def is_current(post: CadrePost, on: datetime.date) -> bool:
    return post.starts_on <= on and (post.ends_on is None or post.ends_on >= on)


def current_posts(area: Area, on: datetime.date) -> Q:
    return _in(area) & Q(starts_on__lte=on) & (Q(ends_on__isnull=True) | Q(ends_on__gte=on))


def post_label(post: CadrePost) -> str:
    return f"{post.get_body_display()}{post.title}"


class Register:
    """The community's current post-holders and their declared close relatives, loaded in two queries."""

    def __init__(self, area: Area, on: datetime.date | None = None) -> None:
        self.area = area
        self.on = on or _today()
        posts = list(
            CadrePost.objects.filter(current_posts(area, self.on)).select_related("person").order_by("pk")
        )
        self.posts_by_person: dict[int, list[CadrePost]] = {}
        for post in posts:
            self.posts_by_person.setdefault(post.person_id, []).append(post)
        lines = Kinship.objects.filter(_in(area), cadre_id__in=list(self.posts_by_person)).select_related(
            "cadre"
        )
        self.kin_by_relative: dict[int, list[Kinship]] = {}
        self.kin_by_index: dict[str, list[Kinship]] = {}
        for line in lines.order_by("pk"):
            if line.relative_id is not None:
                self.kin_by_relative.setdefault(line.relative_id, []).append(line)
            if line.relative_id_number_index:
                self.kin_by_index.setdefault(line.relative_id_number_index, []).append(line)

    def kin_of(self, person: Person) -> list[Kinship]:
        found = {line.pk: line for line in self.kin_by_relative.get(person.pk, [])}
        index = _person_kin_index(person)
        for line in self.kin_by_index.get(index, []) if index else []:
            found.setdefault(line.pk, line)
        return [found[pk] for pk in sorted(found)]

    def eligibility(self, term: CommitteeTerm, person: Person, *, taken: Iterable[int] = ()) -> list[Line]:
        """One line per rule: belongs to the community, alive, holds no post, is no post-holder's close
        relative, does not already sit on this term (`taken`: person ids already on it)."""
        name = person.name
        area = term.area
        lines: list[Line] = []
        if area.contains(person.area):
            lines.append(
                _line("resident", True, _("%(name)s是%(area)s登记居民。") % {"name": name, "area": area.name})
            )
        else:
            lines.append(
                _line(
                    "resident",
                    False,
                    _("%(name)s不是%(area)s的登记居民，不能担任本社区监督委员会成员。")
                    % {"name": name, "area": area.name},
                )
            )
        if person.died_on is None:
            lines.append(_line("alive", True, _("%(name)s未登记死亡。") % {"name": name}))
        else:
            lines.append(
                _line(
                    "alive",
                    False,
                    _("%(name)s已于%(date)s登记死亡。") % {"name": name, "date": person.died_on},
                )
            )
        posts = self.posts_by_person.get(person.pk, [])
        if posts:
            lines.append(
                _line(
                    "no_post",
                    False,
                    _("%(name)s现任%(post)s，不能担任监督委员会成员（%(law)s）。")
                    % {"name": name, "post": "、".join(post_label(p) for p in posts), "law": LAW},
                )
            )
        else:
            lines.append(
                _line("no_post", True, _("%(name)s未在本社区两委或工作人员中任职。") % {"name": name})
            )
        kin = self.kin_of(person)
        if kin:
            reasons = []
            for line in kin:
                post = self.posts_by_person[line.cadre_id][0]
                reasons.append(
                    _("%(name)s是现任%(post)s%(cadre)s的%(relation)s，不能担任监督委员会成员（%(law)s）。")
                    % {
                        "name": name,
                        "post": post_label(post),
                        "cadre": line.cadre.name,
                        "relation": line.get_relation_display(),
                        "law": LAW,
                    }
                )
            lines.append(_line("no_kin", False, "".join(reasons)))
        else:
            lines.append(
                _line("no_kin", True, _("近亲属备案中%(name)s不是现任干部的近亲属。") % {"name": name})
            )
        if person.pk in set(taken):
            lines.append(
                _line("not_serving", False, _("%(name)s已在本届监督委员会名单中。") % {"name": name})
            )
        else:
            lines.append(_line("not_serving", True, _("%(name)s尚未列入本届监督委员会。") % {"name": name}))
        return lines


def _line(rule: str, ok: bool, reason: str, *, warning: bool = False) -> Line:
    line: Line = {"rule": rule, "ok": ok, "reason": reason}
    if warning:
        line["warning"] = True
    return line


def failures(lines: list[Line]) -> list[str]:
    return [line["reason"] for line in lines if not line["ok"] and not line.get("warning")]


def term_people(term: CommitteeTerm) -> set[int]:
    return set(CommitteeMember.objects.filter(term=term).values_list("person_id", flat=True))


def check_eligibility(term: CommitteeTerm, person: Person, *, exclude: int | None = None) -> list[Line]:
    """The checklist of one person for a term (platform language), or ValidationError naming each failure."""
    taken = term_people(term) - ({exclude} if exclude is not None else set())
    with _platform_language():
        lines = Register(term.area).eligibility(term, person, taken=taken)
    reasons = failures(lines)
    if reasons:
        raise ValidationError(reasons)
    return lines


# --- composition ---------------------------------------------------------------------------------------


def best_rule(rules: Iterable[CommitteeRule]) -> CommitteeRule | None:
    """Of rules that all apply to one place and are in force, the one that wins (no query beyond the
    rules' areas, which should be loaded): the most specific area (platform default < district < street),
    then the latest effective date, then the latest created."""
    best: CommitteeRule | None = None
    best_key: tuple[int, datetime.date, int] | None = None
    for rule in rules:
        key = (rule.area.depth if rule.area is not None else -1, rule.effective_from, rule.pk or 0)
        if best_key is None or key > best_key:
            best, best_key = rule, key
    return best


def rule_for(area: Area, on: datetime.date | None = None) -> CommitteeRule | None:
    """The most specific composition rule in force: for the area or its nearest ancestor, else the
    platform default; among equals the latest effective date. Read on every check, so a rule edited on
    the rules page (`committee_rules`) applies at once."""
    on = on or _today()
    rules = CommitteeRule.objects.filter(area_kind=area.kind, effective_from__lte=on).filter(
        Q(area__isnull=True) | Q(area_id__in=area.ancestor_ids())
    )
    return best_rule(rules.select_related("area"))


def composition_checklist(
    term: CommitteeTerm, members: list[CommitteeMember] | None = None, on: datetime.date | None = None
) -> list[Line]:
    """Size, the thirds, accounting knowledge and the chair, counted over proposed and serving members.
    The chair holding a current party-secretary post is a warning, not a blocker."""
    on = on or _today()
    if members is None:
        members = list(term.members.select_related("person"))
    active = [m for m in members if m.status in ACTIVE]
    n = len(active)
    rule = rule_for(term.area, on)
    if rule is None:
        return [
            _line(
                "rule",
                False,
                _("没有适用于%(kind)s的组成规则，请联系区级管理员。")
                % {"kind": term.area.get_kind_display()},
            )
        ]
    lines = [
        _line(
            "rule",
            True,
            _("适用规则：%(rule)s（%(source)s）。") % {"rule": str(rule), "source": rule.source or "—"},
        )
    ]
    params = {"n": n, "min": rule.min_size, "max": rule.max_size}
    if rule.min_size <= n <= rule.max_size:
        lines.append(
            _line("size", True, _("现有成员（含拟任）%(n)d人，符合%(min)d–%(max)d人的要求。") % params)
        )
    else:
        lines.append(_line("size", False, _("现有成员（含拟任）%(n)d人，应为%(min)d–%(max)d人。") % params))
    if rule.require_thirds:
        counts = Counter(m.group for m in active)
        floor = n // 3
        parts = "、".join(f"{label}{counts.get(value, 0)}" for value, label in MemberGroup.choices)
        short = [label for value, label in MemberGroup.choices if counts.get(value, 0) < floor]
        params3 = {"parts": parts, "floor": floor, "n": n}
        if n == 0:
            lines.append(_line("thirds", False, _("尚无成员，无法满足“三个三分之一”的要求。")))
        elif short:
            lines.append(
                _line(
                    "thirds",
                    False,
                    _("%(parts)s人；每类应不少于%(floor)d人（%(n)d人的三分之一，向下取整），%(short)s不足。")
                    % {**params3, "short": "、".join(str(s) for s in short)},
                )
            )
        else:
            lines.append(
                _line(
                    "thirds",
                    True,
                    _("%(parts)s人；每类不少于%(floor)d人（%(n)d人的三分之一，向下取整），符合要求。")
                    % params3,
                )
            )
    accounting = sum(1 for m in active if m.has_accounting)
    params_a = {"n": accounting, "min": rule.min_accounting}
    lines.append(
        _line(
            "accounting",
            accounting >= rule.min_accounting,
            (
                _("具备财会知识的成员%(n)d人，符合至少%(min)d人的要求。")
                if accounting >= rule.min_accounting
                else _("具备财会知识的成员%(n)d人，应至少%(min)d人。")
            )
            % params_a,
        )
    )
    chairs = [m for m in active if m.position == CommitteeMember.Position.CHAIR]
    if not chairs:
        lines.append(_line("chair", False, _("尚未确定主任。")))
    elif len(chairs) > 1:
        lines.append(_line("chair", False, _("主任应为1人，现有%(n)d人。") % {"n": len(chairs)}))
    else:
        chair = chairs[0]
        secretary = CadrePost.objects.filter(
            current_posts(term.area, on), person_id=chair.person_id, is_party_secretary=True
        ).exists()
        if secretary:
            lines.append(
                _line(
                    "chair_secretary",
                    False,
                    _("主任%(name)s现任党组织书记，请核实是否符合本地规定。") % {"name": chair.person.name},
                    warning=True,
                )
            )
        else:
            lines.append(_line("chair", True, _("主任为%(name)s。") % {"name": chair.person.name}))
    return lines


# --- terms ---------------------------------------------------------------------------------------------


def check_create_term(
    actor: Actor, area: Area, *, number: int, starts_on: datetime.date, ends_on: datetime.date
) -> CommitteeTerm:
    require_manage(actor, area)
    errors: dict[str, str] = {}
    if not area.is_community:
        errors["area"] = _("监督委员会只在社区或村设立，“%(area)s”是%(kind)s。") % {
            "area": area.name,
            "kind": area.get_kind_display(),
        }
    if number < 1:
        errors["number"] = _("届次应为正整数。")
    elif CommitteeTerm.objects.filter(area=area, number=number).exists():
        errors["number"] = _("%(area)s已有第%(n)d届。") % {"area": area.name, "n": number}
    if ends_on <= starts_on:
        errors["ends_on"] = _("任期结束日期应晚于开始日期。")
    elif (ends_on - starts_on).days > MAX_TERM_DAYS:
        errors["ends_on"] = _("每届任期五年，换届延期不超过六个月，请核对日期。")
    else:
        overlap = CommitteeTerm.objects.filter(
            area=area, starts_on__lte=ends_on, ends_on__gte=starts_on
        ).first()
        if overlap is not None:
            errors["starts_on"] = _("与已有的%(term)s时间重叠。") % {"term": str(overlap)}
    if errors:
        raise ValidationError(errors)
    return do_create_term(actor, area, number=number, starts_on=starts_on, ends_on=ends_on)


@transaction.atomic
def do_create_term(
    actor: Actor, area: Area, *, number: int, starts_on: datetime.date, ends_on: datetime.date
) -> CommitteeTerm:
    term = CommitteeTerm.objects.create(area=area, number=number, starts_on=starts_on, ends_on=ends_on)
    audit.record(actor, AuditAction.CREATE, target=term, changes=audit.public(audit.snapshot(term)))
    return term


def current_term(area: Area, on: datetime.date | None = None) -> CommitteeTerm | None:
    on = on or _today()
    return CommitteeTerm.objects.filter(area=area, starts_on__lte=on, ends_on__gte=on).first()


# --- members -------------------------------------------------------------------------------------------


def _member_repr(member: CommitteeMember) -> str:
    return f"{member.term} {mask_name(member.person.name)}（{member.get_position_display()}）"


def _check_one_chair(term: CommitteeTerm, position: str, exclude: int | None = None) -> None:
    if position != CommitteeMember.Position.CHAIR:
        return
    chairs = CommitteeMember.objects.filter(term=term, status__in=ACTIVE, position=position)
    if exclude is not None:
        chairs = chairs.exclude(pk=exclude)
    if chairs.exists():
        raise ValidationError({"position": _("本届已有主任，请先为现任主任办理离任或改任。")})


def check_propose_member(
    actor: Actor,
    term: CommitteeTerm,
    person: Person,
    *,
    position: str = CommitteeMember.Position.MEMBER,
    group: str,
    has_accounting: bool = False,
) -> CommitteeMember:
    """Propose a person for a term after the eligibility checklist; refused with every failing reason."""
    require_manage(actor, term.area)
    if group not in MemberGroup.values:
        raise ValidationError({"group": _("请选择身份类别。")})
    if position not in CommitteeMember.Position.values:
        raise ValidationError({"position": _("请选择职务。")})
    lines = check_eligibility(term, person)
    _check_one_chair(term, position)
    return do_propose_member(
        actor, term, person, position=position, group=group, has_accounting=has_accounting, eligibility=lines
    )


@transaction.atomic
def do_propose_member(
    actor: Actor,
    term: CommitteeTerm,
    person: Person,
    *,
    position: str,
    group: str,
    has_accounting: bool,
    eligibility: list[Line],
) -> CommitteeMember:
    member = CommitteeMember.objects.create(
        term=term,
        person=person,
        position=position,
        group=group,
        has_accounting=has_accounting,
        eligibility=eligibility,
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        target=member,
        target_repr=_member_repr(member),
        area=term.area,
        changes={"status": [None, member.status], "position": [None, position], "group": [None, group]},
    )
    return member


@transaction.atomic
def do_seat_member(actor: Actor, member: CommitteeMember, joined_on: datetime.date) -> CommitteeMember:
    """proposed → serving. Eligibility is checked again: the register may have changed since."""
    term = member.term
    require_manage(actor, term.area)
    target = _step(MEMBER_TRANSITIONS, "seat", member.status, member.get_status_display())
    if not term.starts_on <= joined_on <= term.ends_on:
        raise ValidationError(
            {
                "joined_on": _("就任日期应在任期（%(a)s—%(b)s）之内。")
                % {"a": term.starts_on, "b": term.ends_on}
            }
        )
    lines = check_eligibility(term, member.person, exclude=member.person_id)
    before = member.status
    member.status = target
    member.joined_on = joined_on
    member.eligibility = lines
    member.save(update_fields=["status", "joined_on", "eligibility"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        target=member,
        target_repr=_member_repr(member),
        area=term.area,
        changes={"status": [before, target], "joined_on": [None, joined_on.isoformat()]},
    )
    return member


@transaction.atomic
def do_record_leaving(
    actor: Actor, member: CommitteeMember, *, removed: bool, on: datetime.date, reason: str
) -> CommitteeMember:
    """serving (or proposed) → left, or serving → removed, with the date and the reason. A linked account
    loses its committee role at the community when this was its last seat there."""
    term = member.term
    require_manage(actor, term.area)
    reason = reason.strip()
    target = _step(
        MEMBER_TRANSITIONS, "remove" if removed else "leave", member.status, member.get_status_display()
    )
    if not reason:
        raise ValidationError({"reason": _("请填写离任原因。")})
    if member.joined_on is not None and on < member.joined_on:
        raise ValidationError({"on": _("离任日期不能早于就任日期（%(d)s）。") % {"d": member.joined_on}})
    before = member.status
    member.status = target
    member.left_on = on
    member.left_reason = reason[:200]
    member.save(update_fields=["status", "left_on", "left_reason"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        target=member,
        target_repr=_member_repr(member),
        area=term.area,
        changes={"status": [before, target], "left_on": [None, on.isoformat()]},
        reason=reason,
    )
    if member.user_id is not None:
        _revoke_if_last_seat(actor, member.user_id, term.area)
    return member


def _revoke_if_last_seat(actor: Actor, user_id: int, area: Area) -> None:
    still = CommitteeMember.objects.filter(user_id=user_id, status=Status.SERVING, term__area=area).exists()
    if still:
        return
    for assignment in RoleAssignment.objects.filter(
        user_id=user_id, area=area, role=Role.COMMITTEE_MEMBER
    ).select_related("user", "area"):
        accounts.do_revoke_role(actor, assignment)


@transaction.atomic
def do_set_member_position(actor: Actor, member: CommitteeMember, position: str) -> CommitteeMember:
    require_manage(actor, member.term.area)
    if position not in CommitteeMember.Position.values:
        raise ValidationError({"position": _("请选择职务。")})
    if member.status not in ACTIVE:
        raise ValidationError(_("已离任的成员不能调整职务。"))
    _check_one_chair(member.term, position, exclude=member.pk)
    before = member.position
    member.position = position
    member.save(update_fields=["position"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        target=member,
        target_repr=_member_repr(member),
        area=member.term.area,
        changes={"position": [before, position]},
    )
    return member


# Roles that may sit on the committee; any other role in the community, below it or above it (staff, grid
# workers, street and district officials) would make the committee supervise itself.
COMPATIBLE_ROLES: Final = frozenset({Role.COMMITTEE_MEMBER, Role.LIAISON, Role.VOLUNTEER, Role.RESIDENT})


def holds_conflicting_role(user: User, area: Area) -> bool:
    related = Q(area__path__startswith=area.path) | Q(area_id__in=area.ancestor_ids())
    return RoleAssignment.objects.filter(related, user=user).exclude(role__in=COMPATIBLE_ROLES).exists()


@transaction.atomic
def do_set_member_user(actor: Actor, member: CommitteeMember, user: User) -> CommitteeMember:
    """Link a serving member to an account and give it the committee role at the community (through the
    accounts actions, so the grant is audited like any other)."""
    area = member.term.area
    require_manage(actor, area)
    if member.status != Status.SERVING:
        raise ValidationError(_("只有在任成员可以关联系统账号。"))
    if not user.is_active:
        raise ValidationError({"user": _("该账户已停用。")})
    if actor is not None and user.pk == actor.pk:
        raise ValidationError({"user": _("不能把监委会成员身份关联到自己的账号。")})
    if holds_conflicting_role(user, area):
        raise ValidationError({"user": _("该账号担任本社区工作人员或上级管理职务，不能兼任监委会成员。")})
    if CommitteeMember.objects.filter(term=member.term, user=user).exclude(pk=member.pk).exists():
        raise ValidationError({"user": _("该账号已关联本届其他成员。")})
    before = member.user_id
    member.user = user
    member.save(update_fields=["user"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        target=member,
        target_repr=_member_repr(member),
        area=area,
        changes={"user": [before, accounts.user_repr(user)]},
    )
    if not RoleAssignment.objects.filter(user=user, area=area, role=Role.COMMITTEE_MEMBER).exists():
        accounts.do_grant_role(actor, user, area, Role.COMMITTEE_MEMBER)
    return member


# --- cadre posts ---------------------------------------------------------------------------------------


def check_create_cadre_post(
    actor: Actor,
    area: Area,
    person: Person,
    *,
    body: str,
    title: str,
    is_party_secretary: bool = False,
    starts_on: datetime.date,
    ends_on: datetime.date | None = None,
) -> CadrePost:
    require_manage(actor, area)
    title = title.strip()
    errors: dict[str, str] = {}
    if not area.is_community:
        errors["area"] = _("干部任职只登记在社区或村。")
    if not area.contains(person.area):
        errors["person"] = _("%(name)s不是%(area)s的登记居民。") % {"name": person.name, "area": area.name}
    if body not in CadreBody.values:
        errors["body"] = _("请选择所在组织。")
    if not title:
        errors["title"] = _("请填写职务。")
    if is_party_secretary and body != CadreBody.PARTY:
        errors["is_party_secretary"] = _("党组织书记应登记在“社区党组织”。")
    if ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = _("离职日期不能早于任职日期。")
    duplicate = CadrePost.objects.filter(
        area=area, person=person, body=body, title=title, ends_on__isnull=True
    )
    if not errors and duplicate.exists():
        errors["title"] = _("%(name)s已登记该职务且尚未离职。") % {"name": person.name}
    if errors:
        raise ValidationError(errors)
    return do_create_cadre_post(
        actor,
        area,
        person,
        body=body,
        title=title,
        is_party_secretary=is_party_secretary,
        starts_on=starts_on,
        ends_on=ends_on,
    )


@transaction.atomic
def do_create_cadre_post(
    actor: Actor,
    area: Area,
    person: Person,
    *,
    body: str,
    title: str,
    is_party_secretary: bool,
    starts_on: datetime.date,
    ends_on: datetime.date | None,
) -> CadrePost:
    post = CadrePost.objects.create(
        area=area,
        person=person,
        body=body,
        title=title[:50],
        is_party_secretary=is_party_secretary,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        target=post,
        target_repr=f"{mask_name(person.name)} {post_label(post)}",
        changes=audit.public(audit.snapshot(post)),
    )
    return post


@transaction.atomic
def do_end_cadre_post(actor: Actor, post: CadrePost, ends_on: datetime.date) -> CadrePost:
    require_manage(actor, post.area)
    if post.ends_on is not None:
        raise ValidationError(_("该任职已于%(d)s结束。") % {"d": post.ends_on})
    if ends_on < post.starts_on:
        raise ValidationError({"ends_on": _("离职日期不能早于任职日期（%(d)s）。") % {"d": post.starts_on}})
    post.ends_on = ends_on
    post.save(update_fields=["ends_on"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        target=post,
        target_repr=f"{mask_name(post.person.name)} {post_label(post)}",
        changes={"ends_on": [None, ends_on.isoformat()]},
    )
    return post


# --- the close-relatives register ----------------------------------------------------------------------


def _kin_snapshot(line: Kinship) -> dict[str, Any]:
    """Audit values of a register line: the relative is a private person, so their name is masked too."""
    values = audit.public(audit.snapshot(line))
    values["relative_name"] = mask_name(line.relative_name)
    return values


def _kin_repr(line: Kinship) -> str:
    return f"{mask_name(line.cadre.name)} — {line.get_relation_display()} {mask_name(line.relative_name)}"


def _new_kinship(
    area: Area, cadre: Person, relative_name: str, id18: str, relation: str, note: str
) -> tuple[Kinship | None, dict[str, str]]:
    """An unsaved register line and its errors (field → message), matched to the registry by ID number."""
    errors: dict[str, str] = {}
    relative_name = relative_name.strip()
    if not area.contains(cadre.area):
        errors["cadre"] = _("%(name)s不是%(area)s的登记居民。") % {"name": cadre.name, "area": area.name}
    if not relative_name:
        errors["relative_name"] = _("请填写亲属姓名。")
    elif len(relative_name) > 50:
        errors["relative_name"] = _("亲属姓名过长。")
    if relation not in KinRelation.values:
        errors["relation"] = _("请选择关系。")
    if errors:
        return None, errors
    line = Kinship(
        area=area, cadre=cadre, relative_name=relative_name, relation=relation, note=note.strip()[:200]
    )
    line.set_sealed("relative_id_number", id18)
    line.relative = Person.objects.filter(id_number_index=person_index(id18)).first()
    if line.relative_id == cadre.pk:
        return None, {"relative_id_number": _("亲属不能是干部本人。")}
    return line, {}


def check_add_kinship(
    actor: Actor,
    area: Area,
    cadre: Person,
    *,
    relative_name: str,
    relative_id_number: str,
    relation: str,
    note: str = "",
) -> Kinship:
    require_manage(actor, area)
    if not area.is_community:
        raise ValidationError(_("近亲属备案只登记在社区或村。"))
    try:
        id18 = normalize_id(relative_id_number)
    except ValidationError as exc:
        raise ValidationError({"relative_id_number": exc.messages}) from exc
    line, errors = _new_kinship(area, cadre, relative_name, id18, relation, note)
    if line is None:
        raise ValidationError(errors)
    if Kinship.objects.filter(
        area=area, cadre=cadre, relative_id_number_index=line.relative_id_number_index
    ).exists():
        raise ValidationError(
            {"relative_id_number": _("该亲属已在%(name)s名下备案。") % {"name": cadre.name}}
        )
    return do_add_kinship(actor, line)


@transaction.atomic
def do_add_kinship(actor: Actor, line: Kinship) -> Kinship:
    line.save()
    audit.record(
        actor,
        AuditAction.CREATE,
        target=line,
        target_repr=_kin_repr(line),
        changes=_kin_snapshot(line),
    )
    return line


@transaction.atomic
def do_delete_kinship(actor: Actor, line: Kinship, reason: str = "") -> None:
    require_manage(actor, line.area)
    snapshot = _kin_snapshot(line)
    target_repr = _kin_repr(line)
    pk, area = line.pk, line.area
    line.delete()
    audit.record(
        actor,
        AuditAction.DELETE,
        target_type="kinship",
        target_id=str(pk),
        target_repr=target_repr,
        area=area,
        changes={key: [value, None] for key, value in snapshot.items()},
        reason=reason.strip(),
    )


# Cell values are data, not interface text: they stay Chinese whatever the user's language.
RELATION_WORDS: Final[dict[str, tuple[str, ...]]] = {
    KinRelation.SPOUSE: ("配偶", "妻子", "丈夫", "妻", "夫"),
    KinRelation.PARENT: ("父母", "父亲", "母亲", "父", "母"),
    KinRelation.SPOUSE_PARENT: ("配偶的父母", "岳父", "岳母", "公公", "婆婆"),
    KinRelation.SIBLING: ("兄弟姐妹", "哥哥", "弟弟", "姐姐", "妹妹", "兄", "弟", "姐", "妹"),
    KinRelation.SPOUSE_SIBLING: ("配偶的兄弟姐妹",),
    KinRelation.CHILD: ("子女", "儿子", "女儿", "子", "女"),
    KinRelation.CHILD_SPOUSE: ("子女的配偶", "儿媳", "女婿"),
    KinRelation.GRANDPARENT: ("祖父母、外祖父母", "祖父母", "外祖父母", "祖父", "祖母", "外祖父", "外祖母"),
    KinRelation.GRANDCHILD: ("孙子女、外孙子女", "孙子女", "外孙子女", "孙子", "孙女", "外孙", "外孙女"),
    KinRelation.PARENT_SIBLING: (
        "父母的兄弟姐妹",
        "伯父",
        "叔父",
        "姑母",
        "舅父",
        "姨母",
        "叔叔",
        "姑姑",
        "舅舅",
    ),
    KinRelation.ADOPTIVE_STEP: (
        "养父母、继父母及其他拟制血亲",
        "养父母",
        "继父母",
        "养父",
        "养母",
        "继父",
        "继母",
    ),
}
_RELATION_LOOKUP: Final = {word: value for value, words in RELATION_WORDS.items() for word in (value, *words)}

KINSHIP_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "干部身份证号": ("干部身份证号码", "干部证件号码"),
    "干部姓名": ("干部",),
    "亲属姓名": ("近亲属姓名", "姓名"),
    "亲属身份证号": ("亲属身份证号码", "近亲属身份证号", "身份证号", "身份证号码"),
    "关系": ("与干部关系", "亲属关系"),
    "备注": ("说明",),
}
KINSHIP_REQUIRED: Final = ("干部身份证号", "亲属姓名", "亲属身份证号", "关系")


@dataclass
class RowError:
    line: int
    reason: str


@dataclass
class KinshipImport:
    created: int = 0
    rejected: list[RowError] = field(default_factory=list)

    @property
    def read(self) -> int:
        return self.created + len(self.rejected)


def _id_cell(value: tabular.Cell) -> str:
    if isinstance(value, float | int) and not isinstance(value, bool):
        if abs(value) >= 1e15:
            # Excel keeps 15 significant digits: an 18-digit number typed into a General cell lost its tail.
            raise ValidationError(
                _("身份证号被 Excel 存成了数字，末尾几位已丢失，请把该列设为文本后重新填写。")
            )
        return str(int(value))
    return tabular.cell_text(value)


def check_import_kinship(actor: Actor, area: Area, data: bytes, filename: str = "") -> KinshipImport:
    """Import register lines from .xlsx/.csv. Each row stands alone: good rows are kept (one transaction,
    one audit entry), bad ones reported with their row number and reason. Unreadable files are refused."""
    require_manage(actor, area)
    if not area.is_community:
        raise ValidationError(_("近亲属备案只登记在社区或村。"))
    try:
        table = tabular.read_table(
            data,
            filename,
            aliases=KINSHIP_COLUMNS,
            required=KINSHIP_REQUIRED,
            max_bytes=int(settings.IMPORT_MAX_UPLOAD_MB) * 1024 * 1024,
        )
    except tabular.TabularError as exc:
        raise ValidationError(str(exc)) from exc

    def cell(row: list[tabular.Cell], name: str) -> tabular.Cell:
        position = table.column(name)
        return row[position] if position is not None else None

    report = KinshipImport()
    parsed: list[tuple[int, str, str, str, str, str, str]] = []
    for row, line_no in zip(table.rows, table.line_numbers, strict=True):
        try:
            cadre_id = normalize_id(_id_cell(cell(row, "干部身份证号")))
        except ValidationError as exc:
            report.rejected.append(
                RowError(line_no, _("干部身份证号：%(e)s") % {"e": "；".join(exc.messages)})
            )
            continue
        try:
            relative_id = normalize_id(_id_cell(cell(row, "亲属身份证号")))
        except ValidationError as exc:
            report.rejected.append(
                RowError(line_no, _("亲属身份证号：%(e)s") % {"e": "；".join(exc.messages)})
            )
            continue
        word = tabular.cell_text(cell(row, "关系"))
        relation = _RELATION_LOOKUP.get(word)
        if relation is None:
            report.rejected.append(RowError(line_no, _("无法识别的关系“%(w)s”。") % {"w": word}))
            continue
        parsed.append(
            (
                line_no,
                cadre_id,
                tabular.cell_text(cell(row, "干部姓名")),
                tabular.cell_text(cell(row, "亲属姓名")),
                relative_id,
                relation,
                tabular.cell_text(cell(row, "备注")),
            )
        )
    cadres = {
        p.id_number_index: p
        for p in Person.objects.filter(_in(area), id_number_index__in={person_index(r[1]) for r in parsed})
    }
    existing = set(Kinship.objects.filter(area=area).values_list("cadre_id", "relative_id_number_index"))
    lines: list[Kinship] = []
    for line_no, cadre_id, cadre_name, relative_name, relative_id, relation, note in parsed:
        cadre = cadres.get(person_index(cadre_id))
        if cadre is None:
            report.rejected.append(RowError(line_no, _("干部不是%(area)s的登记居民。") % {"area": area.name}))
            continue
        if cadre_name and cadre_name != cadre.name:
            report.rejected.append(RowError(line_no, _("干部姓名与身份证号登记的姓名不一致。")))
            continue
        line, errors = _new_kinship(area, cadre, relative_name, relative_id, relation, note)
        if line is None:
            report.rejected.append(RowError(line_no, "；".join(errors.values())))
            continue
        key = (cadre.pk, line.relative_id_number_index)
        if key in existing:
            report.rejected.append(
                RowError(line_no, _("该亲属已在%(name)s名下备案。") % {"name": cadre.name})
            )
            continue
        existing.add(key)
        lines.append(line)
    with transaction.atomic():
        Kinship.objects.bulk_create(lines)
        report.created = len(lines)
        audit.record(
            actor,
            AuditAction.IMPORT,
            target_type="kinship",
            target_repr=_("%(area)s近亲属备案导入") % {"area": area.name},
            area=area,
            changes={"created": report.created, "rejected": len(report.rejected)},
        )
    report.rejected.sort(key=lambda e: e.line)
    return report


def kinship_template() -> bytes:
    headers = list(KINSHIP_COLUMNS)
    return tabular.write_xlsx(headers, [], text_columns=[0, 3], sheet_name="近亲属备案")


# --- elections -----------------------------------------------------------------------------------------


def _require_status(election: Election, *statuses: str) -> None:
    if election.status not in statuses:
        raise ValidationError(
            _("选举当前状态为“%(status)s”，不能执行该操作。") % {"status": election.get_status_display()}
        )


def check_create_election(
    actor: Actor,
    term: CommitteeTerm,
    *,
    held_on: datetime.date,
    seats: int,
    method: str = Election.Method.BALLOTS,
    quorum_percent: int = 67,
    majority_percent: int = 50,
) -> Election:
    require_manage(actor, term.area)
    errors: dict[str, str] = {}
    if method not in Election.Method.values:
        errors["method"] = _("请选择计票方式。")
    if seats < 1:
        errors["seats"] = _("应选人数至少为1人。")
    rule = rule_for(term.area)
    if rule is not None and seats > rule.max_size:
        errors["seats"] = _("应选人数不能超过%(n)d人。") % {"n": rule.max_size}
    if not 1 <= quorum_percent <= 100:
        errors["quorum_percent"] = _("到会比例应为1至100之间的整数。")
    if not 1 <= majority_percent <= 99:
        errors["majority_percent"] = _("当选得票比例应为1至99之间的整数。")
    if held_on > term.ends_on:
        errors["held_on"] = _("选举日期不能晚于任期结束日期（%(d)s）。") % {"d": term.ends_on}
    if Election.objects.filter(term=term, status__in=[ES.PLANNED, ES.VOTING]).exists():
        errors["held_on"] = _("本届已有筹备中或投票中的选举，请先完成该选举。")
    if errors:
        raise ValidationError(errors)
    return do_create_election(
        actor,
        term,
        held_on=held_on,
        seats=seats,
        method=method,
        quorum_percent=quorum_percent,
        majority_percent=majority_percent,
    )


@transaction.atomic
def do_create_election(
    actor: Actor,
    term: CommitteeTerm,
    *,
    held_on: datetime.date,
    seats: int,
    method: str,
    quorum_percent: int,
    majority_percent: int,
) -> Election:
    election = Election.objects.create(
        term=term,
        held_on=held_on,
        seats=seats,
        method=method,
        quorum_percent=quorum_percent,
        majority_percent=majority_percent,
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        target=election,
        area=term.area,
        changes=audit.public(audit.snapshot(election)),
    )
    return election


@transaction.atomic
def do_add_electors(actor: Actor, election: Election, persons: Iterable[Person]) -> int:
    """Add residents' representatives of the community to the electorate; already listed ones are skipped."""
    area = election.term.area
    require_manage(actor, area)
    _require_status(election, ES.PLANNED)
    listed = set(election.electors.values_list("person_id", flat=True))
    added = []
    for person in persons:
        if not area.contains(person.area):
            raise ValidationError(
                _("%(name)s不是%(area)s的登记居民。") % {"name": person.name, "area": area.name}
            )
        if person.died_on is not None:
            raise ValidationError(_("%(name)s已登记死亡，不能列为选举人。") % {"name": person.name})
        if person.pk in listed:
            continue
        listed.add(person.pk)
        added.append(Elector(election=election, person=person))
    Elector.objects.bulk_create(added)
    if added:
        audit.record(
            actor, AuditAction.UPDATE, target=election, area=area, changes={"electors": [None, len(added)]}
        )
    return len(added)


@transaction.atomic
def do_remove_elector(actor: Actor, elector: Elector) -> None:
    election = elector.election
    require_manage(actor, election.term.area)
    _require_status(election, ES.PLANNED)
    elector.delete()
    audit.record(
        actor, AuditAction.UPDATE, target=election, area=election.term.area, changes={"electors": [1, None]}
    )


def check_add_candidate(
    actor: Actor, election: Election, person: Person, *, group: str, has_accounting: bool = False
) -> Candidate:
    """A candidate passes the same eligibility checklist as a proposed member; refused with the reasons."""
    term = election.term
    require_manage(actor, term.area)
    _require_status(election, ES.PLANNED)
    if group not in MemberGroup.values:
        raise ValidationError({"group": _("请选择身份类别。")})
    if election.candidates.filter(person=person).exists():
        raise ValidationError(_("%(name)s已是本次选举的候选人。") % {"name": person.name})
    lines = check_eligibility(term, person)
    return do_add_candidate(
        actor, election, person, group=group, has_accounting=has_accounting, eligibility=lines
    )


@transaction.atomic
def do_add_candidate(
    actor: Actor,
    election: Election,
    person: Person,
    *,
    group: str,
    has_accounting: bool,
    eligibility: list[Line],
) -> Candidate:
    candidate = Candidate.objects.create(
        election=election, person=person, group=group, has_accounting=has_accounting, eligibility=eligibility
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        target=candidate,
        target_repr=_("%(e)s 候选人 %(name)s") % {"e": str(election), "name": mask_name(person.name)},
        area=election.term.area,
    )
    return candidate


@transaction.atomic
def do_open_voting(actor: Actor, election: Election) -> Election:
    require_manage(actor, election.term.area)
    target = _step(ELECTION_TRANSITIONS, "open", election.status, election.get_status_display())
    if not election.electors.exists():
        raise ValidationError(_("请先登记选举人（居民代表）。"))
    candidates = election.candidates.count()
    if candidates < election.seats:
        raise ValidationError(
            _("候选人（%(c)d人）少于应选人数（%(s)d人）。") % {"c": candidates, "s": election.seats}
        )
    return _set_status(actor, election, target)


def _set_status(actor: Actor, election: Election, target: str, **extra: Any) -> Election:
    before = election.status
    election.status = target
    for name, value in extra.items():
        setattr(election, name, value)
    election.save(update_fields=["status", *extra])
    audit.record(
        actor,
        AuditAction.UPDATE,
        target=election,
        area=election.term.area,
        changes={"status": [before, target]},
    )
    return election


def _ballot_election(actor: Actor, election: Election) -> Election:
    """The election locked for the rest of the transaction, checked to take ballots: recording voters and
    entering ballots are serialised, so the rule "all voters before the first ballot" holds under
    concurrent clicks."""
    require_manage(actor, election.term.area)
    locked = Election.objects.select_for_update().get(pk=election.pk)
    _require_status(locked, ES.VOTING)
    if locked.method != Election.Method.BALLOTS:
        raise ValidationError(_("本次选举按计票结果录入，不能逐张录入选票。"))
    return locked


@transaction.atomic
def check_record_voters(actor: Actor, election: Election, electors: Sequence[Elector]) -> int:
    """Representatives who received and cast a ballot (领票投票): each is marked once, which keeps anyone
    from voting twice. Their ballots are entered afterwards, from the ballot box and without names
    (`check_cast_ballot`).

    The vote is secret: nothing records which ballot is whose. So that not even the order of entries can
    pair a voter with a ballot, every voter is recorded before the first ballot is entered; once ballots
    are being entered no voter can be added."""
    locked = _ballot_election(actor, election)
    if not electors:
        raise ValidationError({"electors": _("请选择领取并投出选票的选举人。")})
    if any(e.election_id != locked.pk for e in electors):
        raise ValidationError({"electors": _("该选举人不属于本次选举。")})
    if locked.ballots.exists():
        raise ValidationError(
            _("已开始录入选票，不能再登记投票人：为保证无记名投票，须在录入第一张选票前登记全部投票人。")
        )
    pks = {e.pk for e in electors}
    already = list(locked.electors.filter(pk__in=pks, attended=True).select_related("person"))
    if already:
        raise ValidationError(
            {
                "electors": _("%(names)s已登记投票，每人只能投一次。")
                % {"names": "、".join(mask_name(e.person.name) for e in already)}
            }
        )
    return do_record_voters(actor, locked, pks)


def do_record_voters(actor: Actor, election: Election, elector_pks: set[int]) -> int:
    marked = election.electors.filter(pk__in=elector_pks, attended=False).update(attended=True)
    audit.record(
        actor,
        AuditAction.UPDATE,
        target=election,
        area=election.term.area,
        changes={"voters": [None, marked]},
    )
    return marked


@transaction.atomic
def check_cast_ballot(actor: Actor, election: Election, candidates: list[Candidate]) -> Ballot:
    """One anonymous ballot from the ballot box: at most `seats` choices, only this election's candidates
    (an empty ballot is a blank vote). There can be no more ballots than recorded voters."""
    locked = _ballot_election(actor, election)
    ids = {c.pk for c in candidates}
    if len(ids) != len(candidates):
        raise ValidationError({"choices": _("同一候选人只能选一次。")})
    if any(c.election_id != locked.pk for c in candidates):
        raise ValidationError({"choices": _("只能选择本次选举的候选人。")})
    if len(ids) > locked.seats:
        raise ValidationError(
            {
                "choices": _("最多可选%(n)d人，本票选了%(k)d人，为无效票。")
                % {"n": locked.seats, "k": len(ids)}
            }
        )
    voters = locked.electors.filter(attended=True).count()
    if voters == 0:
        raise ValidationError(_("请先登记领取并投出选票的选举人，再录入选票。"))
    if locked.ballots.count() >= voters:
        raise ValidationError(
            _("已录入%(n)d张选票，与投票人数相同，不能再录入：选票不能多于投票人数。") % {"n": voters}
        )
    return do_cast_ballot(actor, locked, candidates)


def do_cast_ballot(actor: Actor, election: Election, candidates: list[Candidate]) -> Ballot:
    ballot = Ballot.objects.create(election=election)
    ballot.choices.set(candidates)
    # The entry names the election only, never a voter or the choices.
    audit.record(
        actor,
        AuditAction.CREATE,
        target=ballot,
        target_repr=_("%(e)s 选票") % {"e": str(election)},
        area=election.term.area,
    )
    return ballot


def check_record_tally(
    actor: Actor, election: Election, *, attended: set[int], tallies: dict[int, int]
) -> Election:
    """Attendance and each candidate's votes from a paper count; may be corrected until the count."""
    require_manage(actor, election.term.area)
    _require_status(election, ES.VOTING)
    if election.method != Election.Method.TALLY:
        raise ValidationError(_("本次选举逐张录入选票，不能直接录入计票结果。"))
    electors = set(election.electors.values_list("pk", flat=True))
    if not attended <= electors:
        raise ValidationError({"attended": _("到会人员只能从本次选举的选举人中选择。")})
    candidates = list(election.candidates.select_related("person"))
    errors: list[str] = []
    for candidate in candidates:
        votes = tallies.get(candidate.pk)
        if votes is None or votes < 0:
            errors.append(_("请填写%(name)s的得票数。") % {"name": candidate.person.name})
        elif votes > len(attended):
            errors.append(
                _("%(name)s得%(v)d票，超过到会人数%(a)d人。")
                % {"name": candidate.person.name, "v": votes, "a": len(attended)}
            )
    if not errors and sum(tallies[c.pk] for c in candidates) > len(attended) * election.seats:
        errors.append(_("总票数超过到会人数乘以应选人数，请核对。"))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        election.electors.update(attended=False)
        election.electors.filter(pk__in=attended).update(attended=True)
        for candidate in candidates:
            candidate.tally = tallies[candidate.pk]
        Candidate.objects.bulk_update(candidates, ["tally"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            target=election,
            area=election.term.area,
            changes={
                "attended": [None, len(attended)],
                "tally": [None, sum(tallies[c.pk] for c in candidates)],
            },
        )
    return election


def _percent(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.1f}%" if whole else "—"


def count_result(
    election: Election, electorate: int, attended: int, votes: Sequence[tuple[Candidate, int]]
) -> dict[str, Any]:
    """The result of a count (no query): quorum, the majority threshold, who is elected, a tie at the last
    seat (reported, never broken silently) and an explanation line by line."""
    explanation: list[str] = []
    base = {
        "electorate": electorate,
        "attended": attended,
        "quorum_percent": election.quorum_percent,
        "majority_percent": election.majority_percent,
        "seats": election.seats,
    }
    # Two thirds is written 67 %: the attendance is rounded to a whole percent (yangguang.lib.ratios).
    quorate = reaches(attended, electorate, election.quorum_percent)
    params = {
        "e": electorate,
        "a": attended,
        "rate": _percent(attended, electorate),
        "q": election.quorum_percent,
    }
    if not quorate:
        reason = _("应到选举人%(e)d人，实到%(a)d人（%(rate)s），未达到%(q)d%%的到会要求，选举无效。") % params
        return {
            **base,
            "quorate": False,
            "reason": reason,
            "explanation": [reason],
            "candidates": [],
            "elected": [],
            "tie": [],
            "unfilled": election.seats,
        }
    explanation.append(
        _("应到选举人%(e)d人，实到%(a)d人（%(rate)s），达到%(q)d%%的到会要求，选举有效。") % params
    )
    need = election.majority_percent * attended // 100 + 1
    explanation.append(
        _("当选须获得超过实到人数%(m)d%%的选票，即至少%(need)d票。")
        % {"m": election.majority_percent, "need": need}
    )
    ranked = sorted(votes, key=lambda cv: (-cv[1], cv[0].pk))
    passing = [(c, v) for c, v in ranked if v >= need]
    tie: list[Candidate] = []
    if len(passing) > election.seats and passing[election.seats - 1][1] == passing[election.seats][1]:
        cutoff = passing[election.seats][1]
        elected = [c for c, v in passing if v > cutoff]
        tie = [c for c, v in passing if v == cutoff]
    else:
        elected = [c for c, _v in passing[: election.seats]]
    elected_ids = {c.pk for c in elected}
    tie_ids = {c.pk for c in tie}
    rows = []
    for candidate, count in ranked:
        p = {"name": candidate.person.name, "v": count}
        if candidate.pk in elected_ids:
            explanation.append(_("%(name)s得%(v)d票，当选。") % p)
        elif candidate.pk in tie_ids:
            explanation.append(_("%(name)s得%(v)d票，与其他候选人并列争最后名额，未当选，需另行选举。") % p)
        elif count >= need:
            explanation.append(_("%(name)s得%(v)d票，超过半数但名额已满，未当选。") % p)
        else:
            explanation.append(_("%(name)s得%(v)d票，未超过规定比例，未当选。") % p)
        rows.append(
            {
                "candidate": candidate.pk,
                "person": candidate.person_id,
                "name": candidate.person.name,
                "votes": count,
                "over_majority": count >= need,
                "elected": candidate.pk in elected_ids,
                "tied": candidate.pk in tie_ids,
            }
        )
    unfilled = election.seats - len(elected)
    if unfilled:
        explanation.append(
            _("应选%(s)d人，当选%(k)d人，尚缺%(n)d人，需另行选举。")
            % {"s": election.seats, "k": len(elected), "n": unfilled}
        )
    return {
        **base,
        "quorate": True,
        "need": need,
        "candidates": rows,
        "elected": [c.pk for c in elected],
        "tie": [c.pk for c in tie],
        "unfilled": unfilled,
        "explanation": explanation,
    }


@transaction.atomic
def do_count_election(actor: Actor, election: Election) -> Election:
    """Close the voting and count: counted (with the result), or void when inquorate. Ledger line added."""
    area = election.term.area
    require_manage(actor, area)
    _require_status(election, ES.VOTING)
    candidates = list(election.candidates.select_related("person").annotate(n=Count("ballots")))
    if election.method == Election.Method.TALLY:
        if any(c.tally is None for c in candidates):
            raise ValidationError(_("请先录入所有候选人的得票数。"))
        votes = [(c, int(c.tally or 0)) for c in candidates]
    else:
        votes = [(c, int(getattr(c, "n", 0))) for c in candidates]
    counts = election.electors.aggregate(total=Count("pk"), present=Count("pk", filter=Q(attended=True)))
    with _platform_language():
        result = count_result(election, counts["total"], counts["present"], votes)
    result["counted_on"] = _today().isoformat()
    target = ES.COUNTED if result["quorate"] else ES.VOID
    _set_status(actor, election, target, result=result)
    ledger.record_activity(
        actor,
        area,
        Activity.Kind.ELECTION,
        _("%(term)s监督委员会选举计票") % {"term": str(election.term)},
        on=election.held_on,
        detail="\n".join(result["explanation"]),
        source=election,
    )
    return election


def public_result(election: Election) -> dict[str, Any]:
    """The public projection of a counted result: masked names, votes, date and quorum; no ID numbers."""
    result = election.result
    return {
        "area": election.term.area.name,
        "term": str(election.term),
        "held_on": election.held_on.isoformat(),
        "seats": election.seats,
        "electorate": result.get("electorate"),
        "attended": result.get("attended"),
        "quorum_percent": election.quorum_percent,
        "majority_percent": election.majority_percent,
        "candidates": [
            {
                "name": mask_name(row["name"]),
                "votes": row["votes"],
                "elected": row["elected"],
                "tied": row["tied"],
            }
            for row in result.get("candidates", [])
        ],
        "unfilled": result.get("unfilled", 0),
    }


@transaction.atomic
def check_publish_result(actor: Actor, election: Election) -> Disclosure:
    """Publish a counted result: the elected candidates become serving members of the term, and the
    public notice is drafted as a disclosure for the committee to sign and staff to publish."""
    term = election.term
    require_manage(actor, term.area)
    target = _step(ELECTION_TRANSITIONS, "publish", election.status, election.get_status_display())
    joined_on = max(election.held_on, term.starts_on)
    elected = Candidate.objects.filter(pk__in=election.result.get("elected", [])).select_related("person")
    for candidate in elected:
        existing = CommitteeMember.objects.filter(term=term, person=candidate.person).first()
        if existing is not None and existing.status in ACTIVE:
            if existing.status == Status.PROPOSED:
                do_seat_member(actor, existing, joined_on)
            continue
        if existing is not None:
            raise ValidationError(
                _("%(name)s曾在本届离任或被罢免，不能直接就任。") % {"name": candidate.person.name}
            )
        lines = check_eligibility(term, candidate.person)
        member = do_propose_member(
            actor,
            term,
            candidate.person,
            position=CommitteeMember.Position.MEMBER,
            group=candidate.group,
            has_accounting=candidate.has_accounting,
            eligibility=lines,
        )
        do_seat_member(actor, member, joined_on)
    with _platform_language():
        title = _("%(area)s居务监督委员会%(term)s选举结果公告") % {"area": term.area.name, "term": str(term)}
    disclosure = ledger.do_create_disclosure(
        actor, term.area, DISCLOSURE_KIND, title, public_result(election), source=election
    )
    _set_status(actor, election, target, published_at=timezone.now())
    return disclosure


def election_disclosure(election: Election) -> Disclosure | None:
    key = ledger.target_key(election)
    return (
        Disclosure.objects.filter(kind=DISCLOSURE_KIND, source_type=key[0], source_id=key[1])
        .order_by("-pk")
        .first()
    )


# --- removal motions -----------------------------------------------------------------------------------


def threshold_explanation(motion: RemovalMotion) -> str:
    """Why a motion does or does not reach one fifth of the electorate (integer arithmetic)."""
    need = (motion.electorate + 4) // 5
    params = {"s": motion.signatures, "e": motion.electorate, "need": need}
    if motion.reaches_threshold:
        return _("联名%(s)d人，达到有选举权居民%(e)d人的五分之一（至少%(need)d人）。") % params
    return _("联名%(s)d人，不足有选举权居民%(e)d人的五分之一（至少%(need)d人），罢免要求不成立。") % params


@transaction.atomic
def check_file_removal_motion(
    actor: Actor,
    member: CommitteeMember,
    *,
    filed_on: datetime.date,
    signatures: int,
    electorate: int,
    reason: str,
) -> RemovalMotion:
    """Record a removal motion; below one fifth of the electorate it is recorded as invalid at once."""
    area = member.term.area
    require_manage(actor, area)
    reason = reason.strip()
    errors: dict[str, str] = {}
    if member.status != Status.SERVING:
        raise ValidationError(_("只能对在任成员提出罢免。"))
    if electorate < 1:
        errors["electorate"] = _("请填写有选举权的居民总数。")
    elif signatures > electorate:
        errors["signatures"] = _("联名人数不能超过有选举权的居民总数。")
    if not reason:
        errors["reason"] = _("请填写罢免理由。")
    if RemovalMotion.objects.filter(member=member, outcome=RemovalMotion.Outcome.PENDING).exists():
        errors["reason"] = _("该成员已有待表决的罢免动议。")
    if errors:
        raise ValidationError(errors)
    motion = RemovalMotion(
        member=member, filed_on=filed_on, signatures=signatures, electorate=electorate, reason=reason
    )
    if not motion.reaches_threshold:
        motion.outcome = RemovalMotion.Outcome.INVALID
    motion.save()
    with _platform_language():
        note = threshold_explanation(motion)
    audit.record(
        actor,
        AuditAction.CREATE,
        target=motion,
        target_repr=_("罢免动议：%(m)s") % {"m": _member_repr(member)},
        area=area,
        changes={
            "outcome": [None, motion.outcome],
            "signatures": [None, signatures],
            "electorate": [None, electorate],
        },
        reason=note,
    )
    return motion


@transaction.atomic
def do_decide_removal(
    actor: Actor, motion: RemovalMotion, *, removed: bool, decided_on: datetime.date
) -> RemovalMotion:
    """The vote on a pending motion: removed (the member's seat ends that day) or rejected."""
    member = motion.member
    require_manage(actor, member.term.area)
    if motion.outcome != RemovalMotion.Outcome.PENDING:
        raise ValidationError(_("该罢免动议已有结果（%(o)s）。") % {"o": motion.get_outcome_display()})
    if decided_on < motion.filed_on:
        raise ValidationError({"decided_on": _("表决日期不能早于提出日期。")})
    outcome = RemovalMotion.Outcome.REMOVED if removed else RemovalMotion.Outcome.REJECTED
    motion.outcome = outcome
    motion.decided_on = decided_on
    motion.save(update_fields=["outcome", "decided_on"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        target=motion,
        target_repr=_("罢免动议：%(m)s") % {"m": _member_repr(member)},
        area=member.term.area,
        changes={"outcome": [RemovalMotion.Outcome.PENDING, outcome]},
    )
    if removed:
        with _platform_language():
            why = _("经表决罢免：%(r)s") % {"r": motion.reason}
        do_record_leaving(actor, member, removed=True, on=decided_on, reason=why)
    return motion
