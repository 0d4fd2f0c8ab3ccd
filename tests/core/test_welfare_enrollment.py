"""Enrolment after confirmation: periodic review (continue, adjust, exit), manual adjustment, suspension,
exit (and on death), the committee's finding acted on by staff; and the program settings' permissions."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.conftest import World
from tests.core.test_welfare_applications import (
    chinese_fixture,  # noqa: F401
    dibao,
    graduate_application,
    household_fixture,  # noqa: F401 - registers the fixture
    noticed,
    reviewed,
    survey_member,
)
from yangguang.core.actions import welfare
from yangguang.core.models import (
    AuditEntry,
    Circumstance,
    CountingRule,
    Enrollment,
    Program,
    ProgramStandard,
    Recheck,
)


def enrolled(world: World, household: dict[str, Any]) -> Enrollment:
    application = reviewed(world, graduate_application(world, dibao(world), household))
    noticed(world, application)
    welfare.do_application_transition(world.alice, application, "confirm")
    return Enrollment.objects.select_related("application", "program", "area").get(application=application)


def test_review_with_nothing_changed_continues(world: World, household: dict[str, Any]) -> None:
    enrollment = enrolled(world, household)
    result = welfare.do_review_enrollment(world.alice, enrollment, note="年度复核")
    assert result.outcome == "continue"
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.ACTIVE
    assert enrollment.review_due_on == welfare.add_months(welfare.today(), 12)
    assert enrollment.history[-1]["outcome"] == "continue"


def test_review_adjusts_when_income_changed(world: World, household: dict[str, Any]) -> None:
    enrollment = enrolled(world, household)
    assert enrollment.application is not None
    survey_member(world, enrollment.application, household["mother"], Circumstance.SPOUSE, "500")
    result = welfare.do_review_enrollment(world.alice, enrollment, irregular_income=True)
    assert result.outcome == "adjust"
    enrollment.refresh_from_db()
    # (800 − 550) × 2 = 500
    assert enrollment.monthly_amount == Decimal("500.00")
    assert enrollment.history[-1]["monthly_amount"] == ["700.00", "500.00"]
    assert enrollment.review_due_on == welfare.add_months(welfare.today(), 6)


def test_review_exits_a_household_no_longer_eligible(world: World, household: dict[str, Any]) -> None:
    enrollment = enrolled(world, household)
    assert enrollment.application is not None
    survey_member(world, enrollment.application, household["father"], Circumstance.APPLICANT, "3000")
    result = welfare.do_review_enrollment(world.alice, enrollment)
    assert result.outcome == "exit"
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.EXITED
    assert "不再符合条件" in enrollment.exit_reason


def test_imported_enrolment_cannot_be_reviewed_automatically(world: World, household: dict[str, Any]) -> None:
    program = dibao(world)
    enrollment = Enrollment.objects.create(
        area=world.sunshine,
        program=program,
        head=household["father"],
        household_size=2,
        monthly_amount=Decimal("700"),
        starts_on=datetime.date(2024, 1, 1),
        review_due_on=datetime.date(2025, 1, 1),
    )
    with pytest.raises(ValidationError, match="名册导入"):
        welfare.do_review_enrollment(world.alice, enrollment)


def test_suspend_resume_and_exit(world: World, household: dict[str, Any]) -> None:
    enrollment = enrolled(world, household)
    with pytest.raises(ValidationError):
        welfare.do_suspend_enrollment(world.alice, enrollment, reason="")
    welfare.do_suspend_enrollment(world.alice, enrollment, reason="外出务工，暂停核实")
    assert enrollment.status == Enrollment.Status.SUSPENDED
    with pytest.raises(ValidationError, match="不能执行该操作"):
        welfare.do_suspend_enrollment(world.alice, enrollment, reason="再次暂停")
    welfare.do_resume_enrollment(world.alice, enrollment, reason="核实无误恢复")
    welfare.do_exit_enrollment(world.alice, enrollment, reason="家庭收入提高，主动申请退出")
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.EXITED
    assert enrollment.exited_on == welfare.today()
    assert [line["action"] for line in enrollment.history][-3:] == ["suspend", "resume", "exit"]
    assert AuditEntry.objects.filter(target_type="enrollment", action="update").count() == 3


def test_committee_and_outsiders_cannot_change_an_enrolment(world: World, household: dict[str, Any]) -> None:
    enrollment = enrolled(world, household)
    for user in (world.bob, world.carol, world.dave):
        with pytest.raises(PermissionDenied):
            welfare.do_exit_enrollment(user, enrollment, reason="不应允许的退出")


def test_exit_deceased_ends_the_enrolment(world: World, household: dict[str, Any]) -> None:
    enrollment = enrolled(world, household)
    father = household["father"]
    father.died_on = welfare.today()
    father.save()
    exited = welfare.exit_deceased(father)
    assert [e.pk for e in exited] == [enrollment.pk]
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.EXITED
    assert "死亡" in enrollment.exit_reason


def test_committee_finding_adjusts_through_staff_with_the_recheck_linked(
    world: World,
    household: dict[str, Any],
) -> None:
    enrollment = enrolled(world, household)
    recheck = Recheck.objects.create(
        area=world.sunshine,
        enrollment=enrollment,
        reason="群众反映",
        conclusion=Recheck.Conclusion.ADJUST,
        conclusion_note="家庭人口应为2人，金额应核减",
    )
    with pytest.raises(PermissionDenied):
        welfare.apply_committee_finding(
            world.bob, enrollment, recheck, household_size=2, monthly_amount=Decimal("600")
        )
    welfare.apply_committee_finding(
        world.alice, enrollment, recheck, household_size=2, monthly_amount=Decimal("600")
    )
    enrollment.refresh_from_db()
    recheck.refresh_from_db()
    assert enrollment.monthly_amount == Decimal("600.00")
    assert enrollment.history[-1]["recheck"] == recheck.pk
    assert recheck.acted_on is True
    with pytest.raises(ValidationError, match="已经处理过"):
        welfare.apply_committee_finding(
            world.alice, enrollment, recheck, household_size=2, monthly_amount=Decimal("500")
        )


def test_committee_finding_of_ineligibility_exits(world: World, household: dict[str, Any]) -> None:
    enrollment = enrolled(world, household)
    pending = Recheck.objects.create(area=world.sunshine, enrollment=enrollment, reason="核查中")
    with pytest.raises(ValidationError):
        welfare.apply_committee_finding(world.alice, enrollment, pending)
    recheck = Recheck.objects.create(
        area=world.sunshine,
        enrollment=enrollment,
        reason="群众反映",
        conclusion=Recheck.Conclusion.INELIGIBLE,
        conclusion_note="名下有商铺出租收入",
    )
    welfare.apply_committee_finding(world.alice, enrollment, recheck)
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.EXITED
    assert "名下有商铺出租收入" in enrollment.exit_reason
    assert enrollment.history[-1]["recheck"] == recheck.pk


# --- program settings ----------------------------------------------------------------------------------


def test_only_program_managers_set_up_programs(world: World) -> None:
    with pytest.raises(PermissionDenied):
        welfare.do_save_program(world.alice, Program(area=world.district, code="x", name="X", kind="other"))
    with pytest.raises(ValidationError):
        welfare.do_save_program(world.erin, Program(area=world.sunshine, code="x", name="X", kind="other"))
    dibao(world)
    with pytest.raises(ValidationError, match="已有代码"):
        welfare.do_save_program(
            world.erin, Program(area=world.district, code="dibao", name="重复", kind="dibao")
        )


def test_standards_need_a_source_and_an_area_inside_the_program(world: World) -> None:
    program = dibao(world)
    with pytest.raises(ValidationError) as exc:
        welfare.do_add_standard(
            world.erin,
            program,
            ProgramStandard(
                effective_from=datetime.date(2025, 1, 1), monthly_standard=Decimal("900"), source=" "
            ),
        )
    assert "source" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        welfare.do_add_standard(
            world.alice,
            program,
            ProgramStandard(
                effective_from=datetime.date(2025, 1, 1), monthly_standard=Decimal("900"), source="文件"
            ),
        )


def test_counting_rule_overrides_need_an_area_and_a_source(world: World) -> None:
    rule = CountingRule(
        circumstance=Circumstance.GRADUATE_STUDENT,
        counted=True,
        reason="计入",
        source="文件",
        effective_from=datetime.date(2022, 1, 1),
    )
    with pytest.raises(ValidationError, match="全国规则"):
        welfare.do_add_counting_rule(world.erin, rule)
    rule.area = world.sunshine
    with pytest.raises(PermissionDenied):
        welfare.do_add_counting_rule(world.alice, rule)
