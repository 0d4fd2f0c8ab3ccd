"""Welfare applications: creation from the registry household, member edits, the path through acceptance,
authorisation, survey, democratic review (thresholds), notice and confirmation into enrolment, refusal,
withdrawal, and the close-relatives flag.

The helpers at the top are shared by the other welfare tests.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from tests.conftest import World, make_person
from yangguang.core.actions import registry, welfare
from yangguang.core.actions.welfare import ApplicationInput, MemberInput
from yangguang.core.models import (
    Application,
    ApplicationStatus,
    AuditEntry,
    CadrePost,
    Circumstance,
    CountingRule,
    Enrollment,
    Household,
    Kinship,
    NoticeEntry,
    Objection,
    Person,
    Program,
    ProgramStandard,
    PublicNotice,
    Relation,
)
from yangguang.lib.idnumber import checksum_char

GRAD_REASON = "全日制研究生不属于本科及以下学历的在校学生，不计入共同生活的家庭成员"
STANDARD = Decimal("800.00")


def fake_id(birth: str, seq: str) -> str:
    """A valid ID number of 长沙市芙蓉区 (430102) for a birth date (YYYYMMDD) and 3-digit sequence
    (odd: male, even: female)."""
    first17 = f"430102{birth}{seq}"
    return first17 + checksum_char(first17)


def dibao(world: World, standard: Decimal = STANDARD, **extra: Any) -> Program:
    """低保 of 示范区 with a standard for the whole district from 2020 (set up by erin, district admin)."""
    program = welfare.do_save_program(
        world.erin,
        Program(
            area=world.district,
            code=extra.pop("code", "dibao"),
            name="城市最低生活保障",
            kind="dibao",
            **extra,
        ),
    )
    welfare.do_add_standard(
        world.erin,
        program,
        ProgramStandard(
            area=None,
            effective_from=datetime.date(2020, 1, 1),
            monthly_standard=standard,
            asset_limit_months=24,
            source="长沙市民政局 长沙市财政局关于提高城乡低保标准的通知",
        ),
    )
    return program


@pytest.fixture(autouse=True, name="chinese")
def chinese_fixture() -> Iterator[None]:
    """Messages are asserted in Chinese, whatever language an earlier test left active in this thread."""
    with translation.override("zh-hans"):
        yield


@pytest.fixture(name="household")
def household_fixture(world: World) -> dict[str, Any]:
    """Seed 000: father, mother and their son, a full-time graduate student whose hukou was not moved out."""
    father = make_person(world.grid, world.dwelling, "周建国", fake_id("19680305", "131"))
    mother = make_person(world.grid, world.dwelling, "李秀英", fake_id("19700812", "242"))
    son = make_person(world.grid, world.dwelling, "周明", fake_id("19990101", "353"))
    home = registry.do_save_record(None, Household(area=world.grid, dwelling=world.dwelling, number="H-0001"))
    on = datetime.date(2020, 1, 1)
    registry.do_set_membership(None, home, father, Relation.HEAD, on=on)
    registry.do_set_membership(None, home, mother, Relation.SPOUSE, on=on)
    registry.do_set_membership(None, home, son, Relation.CHILD, on=on)
    return {"father": father, "mother": mother, "son": son, "household": home}


def apply(world: World, program: Program, applicant: Person) -> Application:
    return welfare.check_create_application(
        world.alice, ApplicationInput(program=program, applicant=applicant)
    )


def member_of(application: Application, person: Person) -> Any:
    return application.members.get(person=person)


def survey_member(
    world: World, application: Application, person: Person, circumstance: str, income: str = "0"
) -> None:
    welfare.do_update_member(
        world.alice,
        member_of(application, person),
        MemberInput(
            circumstance=circumstance,
            monthly_income=Decimal(income),
            deposits=Decimal("0"),
            vehicle_value=Decimal("0"),
            properties=1 if circumstance == Circumstance.APPLICANT else 0,
        ),
    )


def graduate_application(world: World, program: Program, household: dict[str, Any]) -> Application:
    """The seed household surveyed: father earns 600, mother 300, the son is a graduate student."""
    application = apply(world, program, household["father"])
    survey_member(world, application, household["father"], Circumstance.APPLICANT, "600")
    survey_member(world, application, household["mother"], Circumstance.SPOUSE, "300")
    survey_member(world, application, household["son"], Circumstance.GRADUATE_STUDENT, "0")
    application.refresh_from_db()
    return application


def step(world: World, application: Application, name: str, **data: Any) -> Application:
    return welfare.do_application_transition(world.alice, application, name, **data)


def reviewed(world: World, application: Application) -> Application:
    """Accepted, authorised, surveyed (with a home visit) and passed by the democratic review."""
    day = timezone.localdate()
    step(world, application, "accept")
    step(world, application, "authorise", authorisation_signed_on=day)
    step(world, application, "survey", survey_on=day, survey_notes="入户走访，核实家庭收入与财产情况")
    return step(
        world, application, "review", review_on=day, review_expected=9, review_present=9, review_approve=9
    )


def noticed(world: World, application: Application, ends_on: datetime.date | None = None) -> NoticeEntry:
    """What the notices part does on publishing: a notice with an entry for the application, then
    `mark_noticed`. By default the notice ended yesterday."""
    day = timezone.localdate()
    notice = PublicNotice.objects.create(
        area=application.area,
        program=application.program,
        title="低保公示",
        starts_on=day - datetime.timedelta(days=8),
        ends_on=ends_on or day - datetime.timedelta(days=1),
        status=PublicNotice.Status.PUBLISHED,
        public_code=f"N{application.pk:06d}",
    )
    entry = NoticeEntry.objects.create(
        notice=notice,
        application=application,
        masked_name="周*国",
        household_size=application.eligibility["counted_size"],
        monthly_amount=Decimal(application.eligibility["monthly_amount"]),
        group_label="阳光社区",
    )
    welfare.mark_noticed(application)
    return entry


# --- creating ------------------------------------------------------------------------------------------


def test_application_prefills_the_household_from_the_registry(
    world: World, household: dict[str, Any]
) -> None:
    application = apply(world, dibao(world), household["father"])
    assert application.status == ApplicationStatus.RECEIVED
    assert application.area == world.sunshine
    assert application.household == household["household"]
    assert application.number.startswith("JZ")
    members = {m.person_id: m for m in application.members.all()}
    assert members[household["father"].pk].circumstance == Circumstance.APPLICANT
    assert members[household["mother"].pk].relation == Relation.SPOUSE
    assert members[household["mother"].pk].circumstance == Circumstance.SPOUSE
    # An adult child is not counted until the survey records why he would be.
    assert members[household["son"].pk].circumstance == Circumstance.OTHER_NOT_COHABITING
    assert AuditEntry.objects.filter(target_type="application", action="create").exists()


def test_relations_are_mapped_to_the_applicant_when_the_applicant_is_not_the_head(
    world: World, household: dict[str, Any]
) -> None:
    application = apply(world, dibao(world), household["mother"])
    members = {m.person_id: m for m in application.members.all()}
    assert members[household["father"].pk].relation == Relation.SPOUSE
    assert members[household["son"].pk].relation == Relation.CHILD


def test_a_second_open_application_of_the_household_is_refused(
    world: World, household: dict[str, Any]
) -> None:
    program = dibao(world)
    first = apply(world, program, household["father"])
    with pytest.raises(ValidationError) as exc:
        apply(world, program, household["mother"])
    assert first.number in str(exc.value)
    assert "不能重复申请" in str(exc.value)


def test_inactive_program_is_refused(world: World, household: dict[str, Any]) -> None:
    program = dibao(world, active=False)
    with pytest.raises(ValidationError, match="已停用"):
        apply(world, program, household["father"])


def test_staff_of_another_community_cannot_apply_for_our_residents(
    world: World, household: dict[str, Any]
) -> None:
    with pytest.raises(PermissionDenied):
        welfare.check_create_application(
            world.carol, ApplicationInput(program=dibao(world), applicant=household["father"])
        )


def test_committee_cannot_create_applications(world: World, household: dict[str, Any]) -> None:
    with pytest.raises(PermissionDenied):
        welfare.check_create_application(
            world.bob, ApplicationInput(program=dibao(world), applicant=household["father"])
        )


# --- the graduate student ------------------------------------------------------------------------------


def test_graduate_student_household_counts_two(world: World, household: dict[str, Any]) -> None:
    application = graduate_application(world, dibao(world), household)
    result = application.eligibility
    assert result["counted_size"] == 2
    son = next(line for line in result["members"] if line["name"] == "周明")
    assert son["counted"] is False
    assert GRAD_REASON in son["reason"]
    assert "民发〔2021〕57号" in son["source"]
    # 补差: per-capita (600 + 300) / 2 = 450; (800 − 450) × 2 = 700.
    assert result["per_capita_income"] == "450.00"
    assert result["monthly_amount"] == "700.00"
    assert result["eligible"] is True
    assert application.monthly_amount == Decimal("700.00")


def test_a_provincial_override_counts_the_graduate_student(world: World, household: dict[str, Any]) -> None:
    welfare.do_add_counting_rule(
        world.erin,
        CountingRule(
            area=world.district,
            circumstance=Circumstance.GRADUATE_STUDENT,
            counted=True,
            reason="本地规定：户口未迁出的全日制研究生计入家庭成员。",
            source="某省最低生活保障实施细则第八条",
            effective_from=datetime.date(2022, 1, 1),
        ),
    )
    application = graduate_application(world, dibao(world), household)
    assert application.eligibility["counted_size"] == 3
    son = next(line for line in application.eligibility["members"] if line["name"] == "周明")
    assert son["counted"] is True
    assert son["source"] == "某省最低生活保障实施细则第八条"


# --- editing members -----------------------------------------------------------------------------------


def test_member_edits_are_audited_and_written_to_the_history(world: World, household: dict[str, Any]) -> None:
    application = graduate_application(world, dibao(world), household)
    actions = [line["action"] for line in application.history]
    assert actions.count("member") == 3
    assert AuditEntry.objects.filter(target_type="application", action="update").count() >= 3


def test_members_cannot_be_edited_after_the_review(world: World, household: dict[str, Any]) -> None:
    application = reviewed(world, graduate_application(world, dibao(world), household))
    with pytest.raises(ValidationError, match="不能修改家庭成员"):
        survey_member(world, application, household["son"], Circumstance.STUDENT_BACHELOR)


def test_adding_and_removing_a_member(world: World, household: dict[str, Any]) -> None:
    application = graduate_application(world, dibao(world), household)
    grandma = welfare.do_add_member(
        world.alice,
        application,
        MemberInput(
            circumstance=Circumstance.SUPPORT_COHABITING,
            monthly_income=Decimal("0"),
            deposits=Decimal("0"),
            vehicle_value=Decimal("0"),
            properties=0,
            relation=Relation.PARENT,
            name="王桂兰",
        ),
    )
    application.refresh_from_db()
    assert application.eligibility["counted_size"] == 3
    with pytest.raises(ValidationError):
        welfare.do_remove_member(world.alice, grandma, "")
    welfare.do_remove_member(world.alice, grandma, "已回老家居住")
    application.refresh_from_db()
    assert application.eligibility["counted_size"] == 2
    with pytest.raises(ValidationError, match="申请人本人"):
        welfare.do_remove_member(world.alice, member_of(application, household["father"]), "测试移除申请人")


# --- the path ------------------------------------------------------------------------------------------


def test_steps_require_their_data(world: World, household: dict[str, Any]) -> None:
    application = graduate_application(world, dibao(world), household)
    step(world, application, "accept")
    with pytest.raises(ValidationError) as exc:
        step(world, application, "authorise")
    assert "authorisation_signed_on" in exc.value.message_dict
    step(world, application, "authorise", authorisation_signed_on=timezone.localdate())
    with pytest.raises(ValidationError) as exc:
        step(world, application, "survey", survey_on=timezone.localdate(), survey_notes="")
    assert "survey_notes" in exc.value.message_dict
    application.refresh_from_db()
    assert application.status == ApplicationStatus.AUTHORISED


def test_a_step_from_the_wrong_status_is_refused(world: World, household: dict[str, Any]) -> None:
    application = graduate_application(world, dibao(world), household)
    with pytest.raises(ValidationError, match="不能执行该操作"):
        step(world, application, "survey", survey_on=timezone.localdate(), survey_notes="入户走访")


def test_a_stale_copy_cannot_step_twice(world: World, household: dict[str, Any]) -> None:
    application = graduate_application(world, dibao(world), household)
    stale = Application.objects.get(pk=application.pk)
    step(world, application, "accept")
    with pytest.raises(ValidationError, match="刚刚被其他人处理过"):
        step(world, stale, "accept")


@pytest.mark.parametrize(
    ("expected", "present", "approve", "passes"),
    [
        (9, 6, 6, True),  # exactly two thirds present and approving: 66.67% rounds to 67%
        (9, 6, 4, True),  # 4 of 6 approve: two thirds
        (9, 5, 5, False),  # 55.6% present
        (20, 13, 13, False),  # 65% present
        (9, 9, 5, False),  # 55.6% approve
        (3, 2, 2, True),  # 2 of 3
    ],
)
def test_democratic_review_thresholds(
    world: World, household: dict[str, Any], expected: int, present: int, approve: int, passes: bool
) -> None:
    application = graduate_application(world, dibao(world), household)
    day = timezone.localdate()
    step(world, application, "accept")
    step(world, application, "authorise", authorisation_signed_on=day)
    step(world, application, "survey", survey_on=day, survey_notes="入户走访，核实收入")
    data = {
        "review_on": day,
        "review_expected": expected,
        "review_present": present,
        "review_approve": approve,
    }
    if passes:
        step(world, application, "review", **data)
        assert application.status == ApplicationStatus.REVIEWED
        assert application.review_present == present
    else:
        with pytest.raises(ValidationError, match="不足"):
            step(world, application, "review", **data)
        application.refresh_from_db()
        assert application.status == ApplicationStatus.SURVEYED
        assert application.review_present is None


def test_reaches_is_integer_arithmetic_with_half_up_rounding() -> None:
    assert welfare.reaches(2, 3, 67)
    assert welfare.reaches(133, 200, 67)
    assert not welfare.reaches(132, 200, 67)
    assert not welfare.reaches(1, 0, 1)


def test_an_ineligible_household_cannot_pass_the_review(world: World, household: dict[str, Any]) -> None:
    application = apply(world, dibao(world), household["father"])
    survey_member(world, application, household["father"], Circumstance.APPLICANT, "5000")
    application.refresh_from_db()
    assert application.eligibility["eligible"] is False
    day = timezone.localdate()
    step(world, application, "accept")
    step(world, application, "authorise", authorisation_signed_on=day)
    step(world, application, "survey", survey_on=day, survey_notes="入户走访，收入较高")
    with pytest.raises(ValidationError, match="不符合条件"):
        step(
            world, application, "review", review_on=day, review_expected=9, review_present=9, review_approve=9
        )
    step(world, application, "refuse", reason="家庭月人均收入高于当地低保标准")
    assert application.status == ApplicationStatus.REFUSED
    assert application.decided_on == day


def test_refusal_needs_a_written_reason(world: World, household: dict[str, Any]) -> None:
    application = graduate_application(world, dibao(world), household)
    with pytest.raises(ValidationError) as exc:
        step(world, application, "refuse", reason=" ")
    assert "reason" in exc.value.message_dict


def test_withdraw(world: World, household: dict[str, Any]) -> None:
    application = graduate_application(world, dibao(world), household)
    step(world, application, "withdraw", note="申请人主动撤回")
    assert application.status == ApplicationStatus.WITHDRAWN
    # A withdrawn application no longer blocks a new one.
    apply(world, application.program, household["father"])


def test_notice_step_only_through_the_notices_part(world: World, household: dict[str, Any]) -> None:
    application = reviewed(world, graduate_application(world, dibao(world), household))
    with pytest.raises(ValidationError, match="公示"):
        step(world, application, "notice")


# --- confirmation --------------------------------------------------------------------------------------


def test_confirm_is_refused_while_the_notice_runs(world: World, household: dict[str, Any]) -> None:
    application = reviewed(world, graduate_application(world, dibao(world), household))
    noticed(world, application, ends_on=timezone.localdate())
    assert application.status == ApplicationStatus.NOTICED
    assert not welfare.notice_ended(application)
    with pytest.raises(ValidationError, match="公示期尚未结束"):
        step(world, application, "confirm")


def test_confirm_is_refused_with_a_pending_objection(world: World, household: dict[str, Any]) -> None:
    application = reviewed(world, graduate_application(world, dibao(world), household))
    entry = noticed(world, application)
    objection = Objection.objects.create(notice=entry.notice, entry=entry, text="他家儿子在读研究生")
    with pytest.raises(ValidationError, match="异议尚在核查中"):
        step(world, application, "confirm")
    objection.resolution = Objection.Resolution.DISMISSED
    objection.save()
    step(world, application, "confirm")
    assert application.status == ApplicationStatus.CONFIRMED


def test_an_ended_notice_counts_as_ended_even_before_its_last_day(
    world: World, household: dict[str, Any]
) -> None:
    application = reviewed(world, graduate_application(world, dibao(world), household))
    entry = noticed(world, application, ends_on=timezone.localdate() + datetime.timedelta(days=3))
    assert not welfare.notice_ended(application)
    PublicNotice.objects.filter(pk=entry.notice_id).update(status=PublicNotice.Status.ENDED)
    assert welfare.notice_ended(application)


def test_confirm_enrols_from_next_month_with_a_review_in_twelve_months(
    world: World, household: dict[str, Any]
) -> None:
    application = reviewed(world, graduate_application(world, dibao(world), household))
    noticed(world, application)
    step(world, application, "confirm")
    enrollment = Enrollment.objects.get(application=application)
    day = timezone.localdate()
    first = welfare.first_of_next_month(day)
    assert first.day == 1 and first > day and (first - day).days <= 31
    assert enrollment.starts_on == first
    assert enrollment.review_due_on == welfare.add_months(first, 12)
    assert enrollment.household_size == 2
    assert enrollment.monthly_amount == Decimal("700.00")
    assert enrollment.head == household["father"]
    assert enrollment.history[0]["source"] == "application"
    assert application.decided_on == day
    assert AuditEntry.objects.filter(target_type="enrollment", action="create").exists()


def test_irregular_income_sets_a_six_month_review(world: World, household: dict[str, Any]) -> None:
    application = reviewed(world, graduate_application(world, dibao(world), household))
    noticed(world, application)
    step(world, application, "confirm", irregular_income=True)
    enrollment = Enrollment.objects.get(application=application)
    assert enrollment.review_due_on == welfare.add_months(enrollment.starts_on, 6)
    assert "收入不稳定" in enrollment.history[0]["review_reason"]
    assert "收入不稳定" in application.history[-1]["review_reason"]


def test_month_arithmetic() -> None:
    assert welfare.first_of_next_month(datetime.date(2024, 12, 15)) == datetime.date(2025, 1, 1)
    assert welfare.add_months(datetime.date(2024, 1, 31), 1) == datetime.date(2024, 2, 29)
    assert welfare.add_months(datetime.date(2024, 3, 1), 12) == datetime.date(2025, 3, 1)


# --- close relatives of cadres -------------------------------------------------------------------------


def test_a_cadres_relative_is_flagged_filed_separately_and_still_confirmable(
    world: World, household: dict[str, Any]
) -> None:
    secretary = make_person(world.grid, None, "赵书记", fake_id("19650505", "171"))
    CadrePost.objects.create(
        area=world.sunshine, person=secretary, body="party", title="书记", starts_on=datetime.date(2021, 1, 1)
    )
    kin = Kinship(area=world.sunshine, cadre=secretary, relative_name="李秀英", relation="sibling")
    kin.set_sealed("relative_id_number", fake_id("19700812", "242"))  # matched by ID number only
    kin.save()
    application = graduate_application(world, dibao(world), household)
    assert application.kin_flag is True
    assert "赵书记" in application.kin_note and "兄弟姐妹" in application.kin_note
    day = timezone.localdate()
    step(world, application, "accept")
    step(world, application, "authorise", authorisation_signed_on=day)
    with pytest.raises(ValidationError, match="近亲属"):
        step(world, application, "survey", survey_on=day, survey_notes="核实了收入情况")
    step(world, application, "survey", survey_on=day, survey_notes="入户走访，核实了收入情况")
    step(world, application, "review", review_on=day, review_expected=9, review_present=9, review_approve=9)
    noticed(world, application)
    step(world, application, "confirm")
    assert application.status == ApplicationStatus.CONFIRMED


def test_a_sitting_cadre_in_the_household_is_flagged(world: World, household: dict[str, Any]) -> None:
    CadrePost.objects.create(
        area=world.sunshine,
        person=household["son"],
        body="staff",
        title="网格员",
        starts_on=datetime.date(2022, 1, 1),
    )
    application = apply(world, dibao(world), household["father"])
    assert application.kin_flag
    assert "本社区干部" in application.kin_note


def test_a_former_cadre_is_not_flagged(world: World, household: dict[str, Any]) -> None:
    CadrePost.objects.create(
        area=world.sunshine,
        person=household["son"],
        body="staff",
        title="网格员",
        starts_on=datetime.date(2019, 1, 1),
        ends_on=datetime.date(2020, 1, 1),
    )
    assert apply(world, dibao(world), household["father"]).kin_flag is False
