"""Composition rules of the supervision committees (`CommitteeRule`) as a district sets them.

Migration 0006 seeds platform defaults (communities 5–7 members, villages 3–5, the thirds, one member with
accounting knowledge). A province may set other numbers, so a district administrator records the rule its
communities follow, with the basis (e.g. the provincial regulation) it comes from:

- a platform default is never changed here (other districts follow it): "为本区设置" makes the district's
  own rule of that area kind, starting from the numbers in force;
- the district's own rules, and rules made for one of its streets, are edited in place; the audit trail
  keeps every earlier version with its basis;
- `committee.rule_for` reads the rules on every check, so the composition checklist and the election
  form use the new numbers at once.

The rules are district-wide supervision settings, like the district's power and supervision lists, so
they need MANAGE_CATALOGUE ("a district edits the catalogue itself") held at a district. MANAGE_COMMITTEE
is community staff's capability (terms, members, elections): the staff whose committee is checked against
a rule must not be able to loosen it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import F, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yangguang.core.actions import audit
from yangguang.core.actions.committee import best_rule
from yangguang.core.models import Area, AreaKind, AuditAction, CommitteeRule
from yangguang.core.permissions import Cap, has_capability, jurisdiction_paths

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    User = AbstractBaseUser | AnonymousUser
    Actor = AbstractBaseUser | AnonymousUser | None

CAPABILITY: Final = Cap.MANAGE_CATALOGUE
AREA_KINDS: Final = (AreaKind.COMMUNITY, AreaKind.VILLAGE)
# A committee has a chair and members: at least 3 (the 2017 guiding opinion says 3–5 for villages, the
# seed says 5–7 for communities); 15 is far above any provincial rule and catches a typo such as 55.
MIN_SIZE: Final = 3
MAX_SIZE: Final = 15
MIN_SOURCE_LENGTH: Final = 4
EDITABLE_FIELDS: Final = (
    "min_size",
    "max_size",
    "require_thirds",
    "min_accounting",
    "source",
    "effective_from",
)


# --- access ----------------------------------------------------------------------------------------------


def rule_districts(user: User) -> models.QuerySet[Area]:
    """The districts whose rules the user sets (MANAGE_CATALOGUE held at the district or above)."""
    return Area.objects.visible_to(user, CAPABILITY).filter(kind=AreaKind.DISTRICT).order_by("path")


def may_set_rules(user: User) -> bool:
    """Whether the user sets some district's rules, without a query: districts are the roots of the area
    tree (`registry` refuses any other kind there), so the capability is held at a district exactly when
    one of its jurisdiction paths has one level ("/3/")."""
    return any(path.count("/") == 2 for path in jurisdiction_paths(user, CAPABILITY))


def access_district(user: User, pk: object) -> Area:
    """A district whose rules the user sets; 404 for anyone else and for any other kind of area."""
    if not user.is_authenticated:
        raise Http404
    try:
        district = Area.objects.get(pk=int(str(pk)), kind=AreaKind.DISTRICT)
    except (Area.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    if not has_capability(user, CAPABILITY, district):
        raise Http404
    return district


def district_of(area: Area) -> Area | None:
    """The district an area belongs to (itself when it is one)."""
    if area.kind == AreaKind.DISTRICT:
        return area
    return Area.objects.filter(pk__in=area.ancestor_ids(), kind=AreaKind.DISTRICT).first()


def access_rule(user: User, pk: object) -> tuple[CommitteeRule, Area]:
    """A rule of a district (or of one of its streets) that the user sets, with its district. Platform
    defaults and other districts' rules answer 404."""
    if not user.is_authenticated:
        raise Http404
    try:
        rule = CommitteeRule.objects.select_related("area").get(pk=int(str(pk)))
    except (CommitteeRule.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    if rule.area is None:
        raise Http404
    district = district_of(rule.area)
    if district is None:
        raise Http404
    if not has_capability(user, CAPABILITY, district):
        raise Http404
    return rule, district


def require_district(actor: Actor, district: Area) -> None:
    if actor is None:
        return
    if district.kind != AreaKind.DISTRICT or not has_capability(actor, CAPABILITY, district):
        raise PermissionDenied(_("只有区级管理员可以设置本区监委会组成规则。"))


# --- the list --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleRow:
    """A rule as the rules page shows it: `state` says whether it is the one in force where it applies."""

    rule: CommitteeRule
    scope: str
    state: str
    in_force: bool
    editable: bool


def _in_force_at(
    rules: list[CommitteeRule], kind: str, ancestor_ids: set[int], on: datetime.date
) -> CommitteeRule | None:
    return best_rule(
        r
        for r in rules
        if r.area_kind == kind and r.effective_from <= on and (r.area_id is None or r.area_id in ancestor_ids)
    )


def district_rules(district: Area, on: datetime.date | None = None) -> list[RuleRow]:
    """The platform defaults, the district's rules and its streets' rules (one query), each with what it
    does today: in force in the district, in force in its street, replaced, or not yet in force."""
    on = on or timezone.localdate()
    rules = list(
        CommitteeRule.objects.filter(Q(area__isnull=True) | Q(area__path__startswith=district.path))
        .select_related("area")
        .order_by("area_kind", F("area__depth").asc(nulls_first=True), "area__path", "-effective_from", "-pk")
    )
    district_ids = {*district.ancestor_ids()}
    rows = []
    for rule in rules:
        if rule.area is None:
            scope = _("平台默认")
            where = district_ids
        else:
            scope = rule.area.name
            where = {*rule.area.ancestor_ids()}
        in_force = _in_force_at(rules, rule.area_kind, where, on) == rule
        if in_force and rule.area is not None and rule.area.kind != AreaKind.DISTRICT:
            state = _("在%(area)s现行") % {"area": rule.area.name}
        elif in_force:
            state = _("本区现行")
        elif rule.effective_from > on:
            state = _("尚未生效")
        elif rule.area is None:
            state = _("已被本区规则替换")
        else:
            state = _("已被较新的规则替换")
        rows.append(RuleRow(rule, scope, state, in_force, editable=rule.area is not None))
    return rows


def kinds_without_own_rule(district: Area) -> list[tuple[str, str]]:
    """Area kinds (value, label) for which the district has no rule of its own yet."""
    taken = set(CommitteeRule.objects.filter(area=district).values_list("area_kind", flat=True))
    return [(kind.value, str(kind.label)) for kind in AREA_KINDS if kind.value not in taken]


def starting_values(district: Area, area_kind: str) -> dict[str, Any]:
    """The numbers in force in the district for a kind of area, to start the district's own rule from;
    the basis is left for the user to write."""
    rules = list(
        CommitteeRule.objects.filter(
            Q(area__isnull=True) | Q(area=district),
            area_kind=area_kind,
            effective_from__lte=timezone.localdate(),
        ).select_related("area")
    )
    current = best_rule(rules)
    values: dict[str, Any] = {"effective_from": timezone.localdate(), "source": ""}
    if current is not None:
        values.update(
            min_size=current.min_size,
            max_size=current.max_size,
            require_thirds=current.require_thirds,
            min_accounting=current.min_accounting,
        )
    return values


# --- changes ---------------------------------------------------------------------------------------------


def rule_label(rule: CommitteeRule) -> str:
    """The rule named for the audit trail and page titles, e.g. 示范区 社区监委会组成规则."""
    scope = rule.area.name if rule.area is not None else _("平台默认")
    return _("%(scope)s %(kind)s监委会组成规则") % {"scope": scope, "kind": rule.get_area_kind_display()}


def clean_rule(data: dict[str, Any]) -> dict[str, Any]:
    """The editable values checked together; a ValidationError names every field that is wrong."""
    errors: dict[str, str] = {}
    min_size = data.get("min_size")
    max_size = data.get("max_size")
    accounting = data.get("min_accounting")
    if not isinstance(min_size, int) or not MIN_SIZE <= min_size <= MAX_SIZE:
        errors["min_size"] = _("最少人数应为%(a)d至%(b)d之间的整数。") % {"a": MIN_SIZE, "b": MAX_SIZE}
    if not isinstance(max_size, int) or not MIN_SIZE <= max_size <= MAX_SIZE:
        errors["max_size"] = _("最多人数应为%(a)d至%(b)d之间的整数。") % {"a": MIN_SIZE, "b": MAX_SIZE}
    elif isinstance(min_size, int) and "min_size" not in errors and max_size < min_size:
        errors["max_size"] = _("最多人数不能少于最少人数（%(n)d人）。") % {"n": min_size}
    if not isinstance(accounting, int) or accounting < 0:
        errors["min_accounting"] = _("具备财会知识的最少人数应为0或正整数。")
    elif isinstance(min_size, int) and "min_size" not in errors and accounting > min_size:
        errors["min_accounting"] = _(
            "具备财会知识的最少人数不能超过最少人数（%(n)d人），否则人数最少的监委会无法达到要求。"
        ) % {"n": min_size}
    source = " ".join(str(data.get("source") or "").split())
    if len(source) < MIN_SOURCE_LENGTH:
        errors["source"] = _("请填写依据，例如省级条例的名称和条款（至少%(n)d个字）。") % {
            "n": MIN_SOURCE_LENGTH
        }
    elif len(source) > 200:
        errors["source"] = _("依据最多200个字。")
    effective_from = data.get("effective_from")
    if not isinstance(effective_from, datetime.date):
        errors["effective_from"] = _("请填写生效日期。")
    elif effective_from > timezone.localdate():
        errors["effective_from"] = _("生效日期不能晚于今天：这里设置的规则保存后立即适用。")
    if errors:
        raise ValidationError(errors)
    return {
        "min_size": min_size,
        "max_size": max_size,
        "require_thirds": bool(data.get("require_thirds")),
        "min_accounting": accounting,
        "source": source,
        "effective_from": effective_from,
    }


def check_create_rule(actor: Actor, district: Area, area_kind: str, data: dict[str, Any]) -> CommitteeRule:
    """The district's own rule for one kind of area; it replaces the platform default in the district."""
    require_district(actor, district)
    if area_kind not in AREA_KINDS:
        raise ValidationError(_("请选择适用区域类型（社区或村）。"))
    values = clean_rule(data)
    if CommitteeRule.objects.filter(area=district, area_kind=area_kind).exists():
        raise ValidationError(
            _("%(area)s已有适用于%(kind)s的规则，请修改该规则。")
            % {"area": district.name, "kind": AreaKind(area_kind).label}
        )
    return do_create_rule(actor, district, area_kind, values)


@transaction.atomic
def do_create_rule(actor: Actor, district: Area, area_kind: str, values: dict[str, Any]) -> CommitteeRule:
    rule = CommitteeRule.objects.create(area=district, area_kind=area_kind, **values)
    audit.record(
        actor,
        AuditAction.CREATE,
        target=rule,
        target_repr=rule_label(rule),
        area=district,
        changes=audit.public(audit.snapshot(rule)),
        reason=rule.source,
    )
    return rule


def check_update_rule(actor: Actor, rule: CommitteeRule, data: dict[str, Any]) -> CommitteeRule:
    """New numbers, basis or date for a district's or street's rule; a platform default is refused."""
    if rule.area is None:
        raise PermissionDenied(_("平台默认规则不能修改，请为本区设置规则。"))
    district = district_of(rule.area)
    if district is None:
        raise PermissionDenied(_("只有区级管理员可以设置本区监委会组成规则。"))
    require_district(actor, district)
    values = clean_rule(data)
    if all(getattr(rule, name) == values[name] for name in EDITABLE_FIELDS):
        raise ValidationError(_("没有修改任何内容。"))
    return do_update_rule(actor, rule, values)


@transaction.atomic
def do_update_rule(actor: Actor, rule: CommitteeRule, values: dict[str, Any]) -> CommitteeRule:
    before = audit.snapshot(rule)
    for name, value in values.items():
        setattr(rule, name, value)
    rule.save(update_fields=list(values))
    audit.record(
        actor,
        AuditAction.UPDATE,
        target=rule,
        target_repr=rule_label(rule),
        area=rule.area,
        changes=audit.diff(before, audit.snapshot(rule)),
        reason=rule.source,
    )
    return rule
