"""Household eligibility, computed and explained line by line (民发〔2021〕57号; DOMAIN.md "低保").

The engine is `evaluate`: a pure function over plain values (the members as surveyed, the counting rules in
force, the program's standard). `assess` is the one place that loads those values for an application; the
lookups `standard_for` and `counting_rule(s)` pick the rule that applies to an area on a date.

Which rule applies: the most specific area wins — the area itself, else its nearest ancestor that has a
row, else the national row (area NULL) — and within that area the latest `effective_from` on or before the
date. A province or city overriding the national rule for graduate students is therefore one more row.

The amount (补差, "making up the difference") for programs paid per person per month (低保):

    monthly amount = (monthly standard − per-capita monthly income) × counted household size

with the per-capita income rounded half-up to 0.01 first, so the amount is exact to the fen; it is never
negative (a household at or above the standard is ineligible and gets 0). Programs paid per household or
once get the standard itself as the amount; their income is shown but not tested against it (the standard
of such a program is a subsidy, not an income line).

The result is stored as JSON in `Application.eligibility` (codes and numbers, no interface text) and turned
into translated lines for display by `explain`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from yangguang.core.models import (
    Application,
    Area,
    Circumstance,
    CountingRule,
    Program,
    ProgramStandard,
    Relation,
)

CENT = Decimal("0.01")
ZERO = Decimal("0")


def money(value: Decimal) -> Decimal:
    """Round to the fen, half up (the rounding of every amount on the platform)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_amount(raw: object, label: str) -> Decimal:
    """A non-negative amount in yuan from what a person typed or a spreadsheet cell held ("1,234.5",
    "￥680", "680元", 680.0). Raises ValidationError with a Chinese message naming `label`."""
    if isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, bool):
        raise ValidationError(_("%(label)s“%(value)s”不是有效的金额。") % {"label": label, "value": raw})
    elif isinstance(raw, int | float):
        value = Decimal(str(raw))
    else:
        text = str(raw or "").strip()
        for junk in (",", "，", "¥", "￥", "元", " ", "\u3000"):
            text = text.replace(junk, "")
        if not text:
            return ZERO
        try:
            value = Decimal(text)
        except InvalidOperation as exc:
            raise ValidationError(
                _("%(label)s“%(value)s”不是有效的金额，请填写数字，如 680 或 680.50。")
                % {"label": label, "value": raw}
            ) from exc
    if not value.is_finite():
        raise ValidationError(_("%(label)s“%(value)s”不是有效的金额。") % {"label": label, "value": raw})
    if value < 0:
        raise ValidationError(_("%(label)s不能为负数。") % {"label": label})
    if value >= Decimal("10000000000"):
        raise ValidationError(_("%(label)s数额过大。") % {"label": label})
    return money(value)


# --- the inputs --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleTerms:
    """A counting rule as the engine needs it."""

    circumstance: str
    counted: bool
    reason: str
    source: str
    area_id: int | None = None


@dataclass(frozen=True)
class StandardTerms:
    """A program standard as the engine needs it."""

    monthly_standard: Decimal
    asset_limit_months: int
    vehicles_allowed: bool
    vehicle_value_limit: Decimal | None
    max_properties: int
    source: str
    effective_from: datetime.date
    area_id: int | None = None


@dataclass(frozen=True)
class MemberFacts:
    """One surveyed member of the applying household."""

    name: str
    relation: str
    circumstance: str
    monthly_income: Decimal = ZERO
    deposits: Decimal = ZERO
    vehicle_value: Decimal = ZERO
    properties: int = 0
    member_id: int | None = None


# --- the result --------------------------------------------------------------------------------------------


@dataclass
class MemberLine:
    name: str
    relation: str
    circumstance: str
    counted: bool
    reason: str
    source: str
    monthly_income: Decimal
    member_id: int | None = None


@dataclass
class Check:
    """One test of the verdict: `code` names it, `value` against `limit`, passed or not."""

    code: str
    passed: bool
    value: str
    limit: str


@dataclass
class Assessment:
    on_date: datetime.date
    unit: str
    members: list[MemberLine] = field(default_factory=list)
    counted_size: int = 0
    total_income: Decimal = ZERO
    per_capita_income: Decimal = ZERO
    standard: StandardTerms | None = None
    checks: list[Check] = field(default_factory=list)
    monthly_amount: Decimal = ZERO

    @property
    def eligible(self) -> bool:
        return self.standard is not None and self.counted_size > 0 and all(c.passed for c in self.checks)

    @property
    def failing(self) -> list[str]:
        return [check.code for check in self.checks if not check.passed]

    def to_json(self) -> dict[str, Any]:
        standard = self.standard
        return {
            "on_date": self.on_date.isoformat(),
            "unit": self.unit,
            "members": [
                {
                    "member_id": line.member_id,
                    "name": line.name,
                    "relation": line.relation,
                    "circumstance": line.circumstance,
                    "counted": line.counted,
                    "reason": line.reason,
                    "source": line.source,
                    "monthly_income": str(line.monthly_income),
                }
                for line in self.members
            ],
            "counted_size": self.counted_size,
            "total_income": str(self.total_income),
            "per_capita_income": str(self.per_capita_income),
            "standard": None
            if standard is None
            else {
                "monthly_standard": str(standard.monthly_standard),
                "asset_limit_months": standard.asset_limit_months,
                "vehicles_allowed": standard.vehicles_allowed,
                "vehicle_value_limit": None
                if standard.vehicle_value_limit is None
                else str(standard.vehicle_value_limit),
                "max_properties": standard.max_properties,
                "source": standard.source,
                "effective_from": standard.effective_from.isoformat(),
            },
            "checks": [
                {"code": c.code, "passed": c.passed, "value": c.value, "limit": c.limit} for c in self.checks
            ],
            "eligible": self.eligible,
            "failing": self.failing,
            "monthly_amount": str(self.monthly_amount),
        }


# --- the engine --------------------------------------------------------------------------------------------

PER_PERSON = Program.Unit.PER_PERSON_MONTH


def evaluate(
    members: Sequence[MemberFacts],
    rules: Mapping[str, RuleTerms],
    standard: StandardTerms | None,
    unit: str,
    on_date: datetime.date,
) -> Assessment:
    """The assessment of one household (pure: no query, no clock). See the module docstring for the rules."""
    result = Assessment(on_date=on_date, unit=unit, standard=standard)
    counted: list[MemberFacts] = []
    for member in members:
        rule = rules.get(member.circumstance)
        if rule is None:
            line = MemberLine(
                member.name,
                member.relation,
                member.circumstance,
                False,
                "",
                "",
                member.monthly_income,
                member.member_id,
            )
        else:
            line = MemberLine(
                member.name,
                member.relation,
                member.circumstance,
                rule.counted,
                rule.reason,
                rule.source,
                member.monthly_income,
                member.member_id,
            )
        if line.counted:
            counted.append(member)
        result.members.append(line)
    size = len(counted)
    result.counted_size = size
    result.total_income = money(sum((m.monthly_income for m in counted), ZERO))
    result.per_capita_income = money(result.total_income / size) if size else ZERO

    result.checks.append(Check("members", size > 0, str(size), "1"))
    if standard is None:
        result.checks.append(Check("standard", False, "", ""))
        return result
    line_value = standard.monthly_standard
    if unit == PER_PERSON:
        result.checks.append(
            Check(
                "income",
                result.per_capita_income < line_value,
                str(result.per_capita_income),
                str(line_value),
            )
        )
    deposits = money(sum((m.deposits for m in counted), ZERO))
    per_person_deposits = money(deposits / size) if size else deposits
    deposit_limit = money(line_value * standard.asset_limit_months)
    result.checks.append(
        Check("deposits", per_person_deposits <= deposit_limit, str(per_person_deposits), str(deposit_limit))
    )
    vehicles = money(sum((m.vehicle_value for m in counted), ZERO))
    if not standard.vehicles_allowed:
        result.checks.append(Check("vehicle_none", vehicles == 0, str(vehicles), "0"))
    elif standard.vehicle_value_limit is not None:
        limit = standard.vehicle_value_limit
        result.checks.append(Check("vehicle_value", vehicles <= limit, str(vehicles), str(limit)))
    properties = sum(m.properties for m in counted)
    result.checks.append(
        Check(
            "properties", properties <= standard.max_properties, str(properties), str(standard.max_properties)
        )
    )
    if result.eligible:
        if unit == PER_PERSON:
            result.monthly_amount = max(ZERO, money((line_value - result.per_capita_income) * size))
        else:
            result.monthly_amount = money(line_value)
    return result


# --- which rule applies ------------------------------------------------------------------------------------


def _specificity(area: Area) -> dict[int | None, int]:
    """Rank of each area a rule may be attached to: the area itself highest, the nation (None) lowest."""
    ranks: dict[int | None, int] = {None: 0}
    for depth, pk in enumerate(area.ancestor_ids(), start=1):
        ranks[pk] = depth
    return ranks


def _pick(rows: Iterable[Any], area: Area) -> Any | None:
    ranks = _specificity(area)
    best = None
    best_key: tuple[int, datetime.date] | None = None
    for row in rows:
        key = (ranks.get(row.area_id, -1), row.effective_from)
        if key[0] < 0:
            continue
        if best_key is None or key > best_key:
            best, best_key = row, key
    return best


def _applicable(area: Area, on_date: datetime.date) -> Q:
    return (Q(area__isnull=True) | Q(area_id__in=area.ancestor_ids())) & Q(effective_from__lte=on_date)


def standard_for(program: Program, area: Area, on_date: datetime.date) -> ProgramStandard | None:
    """The program's standard in force for `area` on `on_date` (one query)."""
    rows = ProgramStandard.objects.filter(_applicable(area, on_date), program=program)
    picked: ProgramStandard | None = _pick(rows, area)
    return picked


def counting_rule(circumstance: str, area: Area, on_date: datetime.date) -> CountingRule | None:
    """The counting rule for one circumstance in force for `area` on `on_date` (one query)."""
    rows = CountingRule.objects.filter(_applicable(area, on_date), circumstance=circumstance)
    picked: CountingRule | None = _pick(rows, area)
    return picked


def counting_rules(area: Area, on_date: datetime.date) -> dict[str, CountingRule]:
    """Every circumstance's rule in force for `area` on `on_date` (one query)."""
    by_circumstance: dict[str, list[CountingRule]] = {}
    for rule in CountingRule.objects.filter(_applicable(area, on_date)):
        by_circumstance.setdefault(rule.circumstance, []).append(rule)
    found: dict[str, CountingRule] = {}
    for circumstance, rows in by_circumstance.items():
        picked = _pick(rows, area)
        if picked is not None:
            found[circumstance] = picked
    return found


def rule_terms(rule: CountingRule) -> RuleTerms:
    return RuleTerms(rule.circumstance, rule.counted, rule.reason, rule.source, rule.area_id)


def standard_terms(standard: ProgramStandard) -> StandardTerms:
    return StandardTerms(
        monthly_standard=standard.monthly_standard,
        asset_limit_months=standard.asset_limit_months,
        vehicles_allowed=standard.vehicles_allowed,
        vehicle_value_limit=standard.vehicle_value_limit,
        max_properties=standard.max_properties,
        source=standard.source,
        effective_from=standard.effective_from,
        area_id=standard.area_id,
    )


def assess(application: Application, on_date: datetime.date) -> Assessment:
    """The assessment of an application's household as surveyed, under the rules in force on `on_date`
    for the application's community (three queries: members, rules, standard)."""
    area = application.area
    members = [
        MemberFacts(
            name=m.name,
            relation=m.relation,
            circumstance=m.circumstance,
            monthly_income=m.monthly_income,
            deposits=m.deposits,
            vehicle_value=m.vehicle_value,
            properties=m.properties,
            member_id=m.pk,
        )
        for m in application.members.all()
    ]
    rules = {key: rule_terms(rule) for key, rule in counting_rules(area, on_date).items()}
    standard = standard_for(application.program, area, on_date)
    return evaluate(
        members,
        rules,
        None if standard is None else standard_terms(standard),
        application.program.unit,
        on_date,
    )


# --- explaining a stored result ----------------------------------------------------------------------------


@dataclass
class ExplainedMember:
    name: str
    relation: str
    circumstance: str
    counted: bool
    reason: str
    source: str
    monthly_income: str


@dataclass
class ExplainedCheck:
    label: str
    value: str
    limit: str
    passed: bool


@dataclass
class Explanation:
    present: bool
    on_date: str = ""
    members: list[ExplainedMember] = field(default_factory=list)
    counted_size: int = 0
    total_income: str = ""
    per_capita_income: str = ""
    standard: str = ""
    standard_source: str = ""
    checks: list[ExplainedCheck] = field(default_factory=list)
    eligible: bool = False
    failing: list[str] = field(default_factory=list)
    monthly_amount: str = ""
    amount_rule: str = ""


def check_labels() -> dict[str, tuple[str, str]]:
    """code → (what is tested, what failing it means), translated per request."""
    return {
        "members": (_("计入的家庭成员人数"), _("没有计入的家庭成员")),
        "standard": (_("适用的保障标准"), _("没有找到适用于该社区、该日期的保障标准")),
        "income": (_("家庭月人均收入低于保障标准"), _("家庭月人均收入不低于保障标准")),
        "deposits": (
            _("人均存款及有价证券不超过上限（保障标准×月数）"),
            _("人均存款及有价证券超过上限"),
        ),
        "vehicle_none": (_("家庭成员名下无机动车"), _("家庭成员名下有机动车")),
        "vehicle_value": (_("机动车价值不超过上限"), _("机动车价值超过上限")),
        "properties": (_("住房套数不超过上限"), _("住房套数超过上限")),
    }


def explain(data: Mapping[str, Any]) -> Explanation:
    """The stored JSON of an assessment as translated display lines (no query)."""
    if not data:
        return Explanation(present=False)
    relations = dict(Relation.choices)
    circumstances = dict(Circumstance.choices)
    labels = check_labels()
    result = Explanation(present=True, on_date=str(data.get("on_date", "")))
    for member in data.get("members", []):
        result.members.append(
            ExplainedMember(
                name=str(member.get("name", "")),
                relation=str(relations.get(member.get("relation", ""), member.get("relation", ""))),
                circumstance=str(
                    circumstances.get(member.get("circumstance", ""), member.get("circumstance", ""))
                ),
                counted=bool(member.get("counted")),
                reason=str(member.get("reason") or _("没有适用的家庭成员认定规则，不计入。")),
                source=str(member.get("source", "")),
                monthly_income=str(member.get("monthly_income", "")),
            )
        )
    result.counted_size = int(data.get("counted_size", 0))
    result.total_income = str(data.get("total_income", ""))
    result.per_capita_income = str(data.get("per_capita_income", ""))
    standard = data.get("standard") or {}
    result.standard = str(standard.get("monthly_standard", ""))
    result.standard_source = str(standard.get("source", ""))
    for check in data.get("checks", []):
        label, failing = labels.get(check.get("code", ""), (check.get("code", ""), check.get("code", "")))
        result.checks.append(
            ExplainedCheck(
                label, str(check.get("value", "")), str(check.get("limit", "")), bool(check.get("passed"))
            )
        )
        if not check.get("passed"):
            result.failing.append(failing)
    result.eligible = bool(data.get("eligible"))
    result.monthly_amount = str(data.get("monthly_amount", ""))
    if data.get("unit") == PER_PERSON:
        result.amount_rule = _(
            "补差：月救助金 =（保障标准 − 家庭月人均收入）× 计入人数，不为负数，精确到分。"
        )
    else:
        result.amount_rule = _("按户或一次性发放：救助金额为项目标准。")
    return result
