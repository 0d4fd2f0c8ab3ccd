"""The supervision committee (居务监督委员会): terms, members and their eligibility and composition.

Eligibility (村委会组织法第32条) is computed against the community's register of current post-holders and
their declared close relatives, loaded once (`Register`) so a page can check many people in a few queries.
Each rule gives one line {"rule", "ok", "reason"}; the lines are stored on the member or candidate so the
decision stays explainable after the register changes. Stored lines are written in the platform language,
like audit entries, so they read the same whoever recorded them.

Split by area: the cadres the committee must be independent of (posts and the close-relatives register
近亲属备案, with its import) are kept in `cadres`; elections and removal motions in `elections`. Both use
this module's access checks and helpers.

Staff (MANAGE_COMMITTEE) make every change here; the committee and the oversight roles only read.
`actor=None` is the system (demo data, management commands) and is not checked.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yangguang.core.actions import accounts, audit
from yangguang.core.actions.access import access_object
from yangguang.core.models import (
    Area,
    AuditAction,
    CadrePost,
    CommitteeMember,
    CommitteeRule,
    CommitteeTerm,
    Kinship,
    MemberGroup,
    Person,
    RoleAssignment,
)
from yangguang.core.permissions import Cap, Role, has_capability
from yangguang.core.sealing import blind_index
from yangguang.lib import idnumber
from yangguang.lib.masking import mask_name

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    Actor = AbstractBaseUser | AnonymousUser | None

Line = dict[str, Any]

LAW: Final = "村委会组织法第32条"
# A term lasts five years (组织法第13条); 换届 may be delayed a few months.
MAX_TERM_DAYS: Final = 5 * 366 + 183

Status = CommitteeMember.Status
ACTIVE: Final = (Status.PROPOSED, Status.SERVING)
# Member lifecycle: transition → (allowed from-statuses, to-status).
MEMBER_TRANSITIONS: Final[dict[str, tuple[frozenset[str], str]]] = {
    "seat": (frozenset({Status.PROPOSED}), Status.SERVING),
    "leave": (frozenset({Status.PROPOSED, Status.SERVING}), Status.LEFT),
    "remove": (frozenset({Status.SERVING}), Status.REMOVED),
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
