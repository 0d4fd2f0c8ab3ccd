"""The eligibility engine: the pure `evaluate` (counting, 补差 amount, asset checks, with hypothesis), the
lookups of the standard and counting rule that apply to an area on a date, and the explanation lines."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import World
from tests.core.test_welfare_applications import (
    GRAD_REASON,
    chinese_fixture,  # noqa: F401
    dibao,
)
from yangguang.core.actions import registry, welfare
from yangguang.core.actions.eligibility import (
    MemberFacts,
    RuleTerms,
    StandardTerms,
    counting_rule,
    evaluate,
    explain,
    parse_amount,
    standard_for,
)
from yangguang.core.models import Circumstance, CountingRule, Program, ProgramStandard

DAY = datetime.date(2024, 6, 1)
RULES = {
    Circumstance.APPLICANT: RuleTerms(
        Circumstance.APPLICANT, True, "申请人本人计入家庭成员。", "民发〔2021〕57号"
    ),
    Circumstance.SPOUSE: RuleTerms(Circumstance.SPOUSE, True, "配偶计入。", "民发〔2021〕57号"),
    Circumstance.GRADUATE_STUDENT: RuleTerms(
        Circumstance.GRADUATE_STUDENT, False, GRAD_REASON + "。", "民发〔2021〕57号第七条"
    ),
    Circumstance.MINOR_CHILD: RuleTerms(
        Circumstance.MINOR_CHILD, True, "未成年子女计入。", "民发〔2021〕57号"
    ),
}
STANDARD = StandardTerms(
    monthly_standard=Decimal("800.00"),
    asset_limit_months=24,
    vehicles_allowed=False,
    vehicle_value_limit=None,
    max_properties=1,
    source="某市低保标准通知",
    effective_from=datetime.date(2024, 1, 1),
)
PER_PERSON = Program.Unit.PER_PERSON_MONTH


def member(name: str, circumstance: str, income: str = "0", **extra: object) -> MemberFacts:
    return MemberFacts(
        name=name, relation="other", circumstance=circumstance, monthly_income=Decimal(income), **extra
    )  # type: ignore[arg-type]


def seed_household() -> list[MemberFacts]:
    return [
        member("父", Circumstance.APPLICANT, "600"),
        member("母", Circumstance.SPOUSE, "300"),
        member("子", Circumstance.GRADUATE_STUDENT, "2000"),
    ]


def test_seed_household_is_two_with_the_reason_and_source() -> None:
    result = evaluate(seed_household(), RULES, STANDARD, PER_PERSON, DAY)
    assert result.counted_size == 2
    son = result.members[2]
    assert not son.counted
    assert GRAD_REASON in son.reason
    assert son.source == "民发〔2021〕57号第七条"
    # The graduate student's own income is not household income.
    assert result.total_income == Decimal("900.00")
    assert result.per_capita_income == Decimal("450.00")
    assert result.monthly_amount == (Decimal("800.00") - Decimal("450.00")) * 2
    assert result.eligible


def test_income_at_the_standard_is_ineligible_and_gets_nothing() -> None:
    result = evaluate(
        [member("父", Circumstance.APPLICANT, "800"), member("母", Circumstance.SPOUSE, "800")],
        RULES,
        STANDARD,
        PER_PERSON,
        DAY,
    )
    assert not result.eligible
    assert result.failing == ["income"]
    assert result.monthly_amount == 0


def test_deposits_vehicles_and_properties_are_checked_per_counted_member() -> None:
    rich = [
        member(
            "父",
            Circumstance.APPLICANT,
            "0",
            deposits=Decimal("40000"),
            vehicle_value=Decimal("30000"),
            properties=2,
        ),
        member("母", Circumstance.SPOUSE, "0"),
    ]
    result = evaluate(rich, RULES, STANDARD, PER_PERSON, DAY)
    # 40000 / 2 = 20000 > 800 × 24 = 19200.
    assert set(result.failing) == {"deposits", "vehicle_none", "properties"}
    allowed = StandardTerms(
        **{**STANDARD.__dict__, "vehicles_allowed": True, "vehicle_value_limit": Decimal("50000")}
    )
    assert "vehicle_value" not in evaluate(rich, RULES, allowed, PER_PERSON, DAY).failing


def test_no_standard_and_no_counted_member_are_ineligible() -> None:
    assert evaluate(seed_household(), RULES, None, PER_PERSON, DAY).failing == ["standard"]
    lone = evaluate([member("子", Circumstance.GRADUATE_STUDENT)], RULES, STANDARD, PER_PERSON, DAY)
    assert "members" in lone.failing


def test_a_circumstance_without_a_rule_is_not_counted() -> None:
    result = evaluate([member("某", Circumstance.PRISONER)], RULES, STANDARD, PER_PERSON, DAY)
    assert result.members[0].counted is False
    assert result.counted_size == 0


def test_per_household_programs_pay_the_standard() -> None:
    result = evaluate(seed_household(), RULES, STANDARD, Program.Unit.PER_HOUSEHOLD_MONTH, DAY)
    assert result.monthly_amount == Decimal("800.00")
    assert "income" not in [check.code for check in result.checks]


def test_amount_is_rounded_to_the_fen() -> None:
    # 1000 / 3 = 333.333… → 333.33; (800 − 333.33) × 3 = 1400.01
    household = [
        member("父", Circumstance.APPLICANT, "1000"),
        member("母", Circumstance.SPOUSE),
        member("女", Circumstance.MINOR_CHILD),
    ]
    assert evaluate(household, RULES, STANDARD, PER_PERSON, DAY).monthly_amount == Decimal("1400.01")


amounts = st.decimals(min_value=0, max_value=100000, places=2, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(
    incomes=st.lists(
        st.tuples(st.sampled_from(sorted(RULES) + [Circumstance.PRISONER]), amounts), min_size=0, max_size=8
    ),
    standard=st.decimals(min_value=1, max_value=5000, places=2, allow_nan=False, allow_infinity=False),
)
def test_amount_is_never_negative_and_size_is_the_counted_members(
    incomes: list[tuple[str, Decimal]], standard: Decimal
) -> None:
    members = [member(f"m{i}", circ, str(income)) for i, (circ, income) in enumerate(incomes)]
    terms = StandardTerms(**{**STANDARD.__dict__, "monthly_standard": standard})
    result = evaluate(members, RULES, terms, PER_PERSON, DAY)
    assert result.monthly_amount >= 0
    assert result.counted_size == sum(1 for line in result.members if line.counted)
    assert result.monthly_amount == result.monthly_amount.quantize(Decimal("0.01"))
    if result.eligible:
        assert result.monthly_amount <= standard * result.counted_size


def test_explanation_lines_translate_the_stored_result() -> None:
    data = evaluate(seed_household(), RULES, STANDARD, PER_PERSON, DAY).to_json()
    lines = explain(data)
    assert lines.present and lines.eligible
    assert lines.members[2].counted is False and GRAD_REASON in lines.members[2].reason
    assert lines.members[2].circumstance == "全日制研究生"
    assert "补差" in lines.amount_rule
    assert not explain({}).present


def test_parse_amount_reports_in_chinese() -> None:
    assert parse_amount("1,234.5", "月收入") == Decimal("1234.50")
    assert parse_amount("￥680元", "月收入") == Decimal("680.00")
    assert parse_amount(680.0, "月收入") == Decimal("680.00")
    assert parse_amount("", "月收入") == 0
    with pytest.raises(ValidationError, match="月收入“abc”不是有效的金额"):
        parse_amount("abc", "月收入")
    with pytest.raises(ValidationError, match="不能为负数"):
        parse_amount("-1", "月收入")
    with pytest.raises(ValidationError):
        parse_amount("NaN", "月收入")


# --- which rule applies --------------------------------------------------------------------------------


def test_the_most_specific_area_then_the_latest_date_wins(world: World) -> None:
    program = dibao(world)  # district-wide (area NULL) 800 from 2020
    national = standard_for(program, world.sunshine, DAY)
    assert national is not None and national.monthly_standard == Decimal("800.00")
    welfare.do_add_standard(
        world.erin,
        program,
        ProgramStandard(
            area=world.street,
            effective_from=datetime.date(2023, 1, 1),
            monthly_standard=Decimal("850"),
            source="街道标准",
        ),
    )
    welfare.do_add_standard(
        world.erin,
        program,
        ProgramStandard(
            area=world.street,
            effective_from=datetime.date(2024, 1, 1),
            monthly_standard=Decimal("880"),
            source="街道标准2024",
        ),
    )
    welfare.do_add_standard(
        world.erin,
        program,
        ProgramStandard(
            area=world.street,
            effective_from=datetime.date(2030, 1, 1),
            monthly_standard=Decimal("999"),
            source="未来标准",
        ),
    )
    assert standard_for(program, world.sunshine, DAY).monthly_standard == Decimal("880")  # type: ignore[union-attr]
    assert standard_for(program, world.sunshine, datetime.date(2023, 6, 1)).monthly_standard == Decimal("850")  # type: ignore[union-attr]
    assert standard_for(program, world.village, DAY).monthly_standard == Decimal("800.00")  # type: ignore[union-attr]
    assert standard_for(program, world.sunshine, datetime.date(2019, 1, 1)) is None


def test_counting_rule_override_applies_only_below_its_area(world: World) -> None:
    other_district = registry.do_create_area(None, parent=None, kind="district", name="邻区")
    welfare.do_add_counting_rule(
        world.erin,
        CountingRule(
            area=world.district,
            circumstance=Circumstance.GRADUATE_STUDENT,
            counted=True,
            reason="本地计入",
            source="本省细则",
            effective_from=datetime.date(2022, 1, 1),
        ),
    )
    assert counting_rule(Circumstance.GRADUATE_STUDENT, world.sunshine, DAY).counted is True  # type: ignore[union-attr]
    assert counting_rule(Circumstance.GRADUATE_STUDENT, other_district, DAY).counted is False  # type: ignore[union-attr]
    # Before the override took effect, the national rule applies.
    assert (
        counting_rule(Circumstance.GRADUATE_STUDENT, world.sunshine, datetime.date(2021, 12, 1)).counted
        is False
    )  # type: ignore[union-attr]
