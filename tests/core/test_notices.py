"""Public notices (公示): building from reviewed applications with only whitelisted fields, the period in
calendar and working days, visibility, the end of the period, withdrawal; objections opening cases, floods,
idempotency, and their resolution recorded in the outcome; an objection to the whole notice holding every
application until it is answered.

The helpers at the top are shared by the payments, re-check and notice view tests.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.conftest import World, make_person
from tests.core.test_welfare_applications import dibao, fake_id, step, survey_member
from yangguang.core.actions import notices, registry, welfare
from yangguang.core.actions.notices import ObjectionInput
from yangguang.core.actions.welfare import ApplicationInput
from yangguang.core.models import (
    Application,
    ApplicationStatus,
    AuditEntry,
    CalendarOverride,
    CaseCategory,
    CaseStatus,
    Channel,
    Circumstance,
    Enrollment,
    Household,
    Objection,
    Person,
    Program,
    PublicNotice,
    Recheck,
    Relation,
    RoutingRule,
)

KEY = "objection:6f1c2b8e-2f43-4c36-9b67-0c3f6f2a7a11"


# --- helpers (shared) ----------------------------------------------------------------------------------------


def family(world: World, number: str, head: str, spouse: str, seq: int, area: Any = None) -> dict[str, Any]:
    """A registered couple in a household of their own (distinct ID numbers per `seq`)."""
    area = area or world.grid
    dwelling = world.dwelling if area == world.grid else None
    father = make_person(area, dwelling, head, fake_id("19650101", f"{seq:02d}1"))
    mother = make_person(area, dwelling, spouse, fake_id("19680202", f"{seq:02d}2"))
    home = registry.do_save_record(None, Household(area=area, number=number))
    on = datetime.date(2020, 1, 1)
    registry.do_set_membership(None, home, father, Relation.HEAD, on=on)
    registry.do_set_membership(None, home, mother, Relation.SPOUSE, on=on)
    return {"head": father, "spouse": mother, "household": home}


def reviewed_application(
    world: World, program: Program, fam: dict[str, Any], income: str = "300", staff: Any = None
) -> Application:
    """Applied, surveyed (head earning `income`, spouse nothing) and passed by the democratic review."""
    actor = staff or world.alice
    application = welfare.check_create_application(
        actor, ApplicationInput(program=program, applicant=fam["head"])
    )
    survey_member(world, application, fam["head"], Circumstance.APPLICANT, income)
    survey_member(world, application, fam["spouse"], Circumstance.SPOUSE, "0")
    application.refresh_from_db()
    day = timezone.localdate()

    def go(name: str, **data: Any) -> None:
        welfare.do_application_transition(actor, application, name, **data)

    go("accept")
    go("authorise", authorisation_signed_on=day)
    go("survey", survey_on=day, survey_notes="入户走访，核实家庭收入与财产情况")
    go("review", review_on=day, review_expected=9, review_present=9, review_approve=9)
    return application


def published(
    world: World, program: Program, apps: list[Application], starts: datetime.date | None = None
) -> PublicNotice:
    notice = notices.check_create_notice(world.alice, world.sunshine, program, apps)
    return notices.do_publish_notice(world.alice, notice, today=starts or timezone.localdate())


def enrolled(world: World, program: Program, fam: dict[str, Any], income: str = "300") -> Enrollment:
    """Through the whole path: reviewed, noticed (published 10 days ago, ended), confirmed."""
    application = reviewed_application(world, program, fam, income)
    published(world, program, [application], timezone.localdate() - datetime.timedelta(days=10))
    notices.end_due_notices(timezone.localdate())
    application.refresh_from_db()
    step(world, application, "confirm")
    return Enrollment.objects.select_related("head", "program", "area").get(application=application)


def objection(notice: PublicNotice, **extra: Any) -> Objection:
    data = ObjectionInput(
        notice=notice,
        text=extra.pop("text", "该户家里有一辆新买的小汽车，经常开去上班，不符合低保条件。"),
        **extra,
    )
    return notices.check_create_objection(data)


@pytest.fixture
def program(world: World) -> Program:
    return dibao(world)


@pytest.fixture
def couple(world: World) -> dict[str, Any]:
    return family(world, "H-0101", "周建国", "李秀英", 13)


# --- building ------------------------------------------------------------------------------------------------


def test_notice_entries_hold_only_the_whitelisted_fields(world: World, program: Program, couple: Any) -> None:
    application = reviewed_application(world, program, couple)
    notice = notices.check_create_notice(world.alice, world.sunshine, program, [application])
    assert notice.status == PublicNotice.Status.DRAFT
    assert len(notice.public_code) == 10
    entry = notice.entries.get()
    assert entry.masked_name == "周*国"
    assert entry.household_size == 2
    # 低保 800 per person: (800 − 300/2) × 2
    assert entry.monthly_amount == Decimal("1300.00")
    assert entry.group_label == "阳光社区"
    assert AuditEntry.objects.filter(target_type="publicnotice", action="create").exists()


def test_group_label_names_the_grid() -> None:
    from yangguang.core.models import Area

    community = Area(name="阳光社区", kind="community")
    grid = Area(name="一网格", kind="grid", parent=community)
    assert notices.group_label(grid) == "阳光社区一网格"
    assert notices.group_label(community) == "阳光社区"


def test_only_reviewed_applications_of_the_community_can_be_noticed(
    world: World, program: Program, couple: Any
) -> None:
    application = welfare.check_create_application(
        world.alice, ApplicationInput(program=program, applicant=couple["head"])
    )
    with pytest.raises(ValidationError, match="不能公示"):
        notices.check_create_notice(world.alice, world.sunshine, program, [application])
    with pytest.raises(ValidationError, match="至少选择"):
        notices.check_create_notice(world.alice, world.sunshine, program, [])
    with pytest.raises(ValidationError, match="社区或村"):
        notices.check_create_notice(world.alice, world.grid, program, [application])


def test_an_application_is_on_one_notice_at_a_time(world: World, program: Program, couple: Any) -> None:
    application = reviewed_application(world, program, couple)
    notices.check_create_notice(world.alice, world.sunshine, program, [application])
    with pytest.raises(ValidationError, match="不能公示"):
        notices.check_create_notice(world.alice, world.sunshine, program, [application])


def test_only_staff_of_the_community_build_notices(world: World, program: Program, couple: Any) -> None:
    application = reviewed_application(world, program, couple)
    for outsider in (world.carol, world.bob, world.dave, world.mallory):
        with pytest.raises(PermissionDenied):
            notices.check_create_notice(outsider, world.sunshine, program, [application])


# --- the period ----------------------------------------------------------------------------------------------


def test_a_seven_day_notice_is_visible_exactly_its_period(
    world: World, program: Program, couple: Any
) -> None:
    application = reviewed_application(world, program, couple)
    notice = published(world, program, [application], datetime.date(2024, 5, 6))
    assert notice.starts_on == datetime.date(2024, 5, 6)
    assert notice.ends_on == datetime.date(2024, 5, 13)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.NOTICED
    day = datetime.timedelta(days=1)
    assert not notices.publicly_visible(notice, notice.starts_on - day)
    assert notices.publicly_visible(notice, notice.starts_on)
    assert notices.publicly_visible(notice, notice.ends_on)
    assert not notices.publicly_visible(notice, notice.ends_on + day)
    assert list(notices.visible_notices(notice.ends_on)) == [notice]
    assert list(notices.visible_notices(notice.ends_on + day)) == []


def test_five_working_days_skip_the_national_day_holiday(world: World, couple: Any) -> None:
    program = dibao(world, notice_days=5, notice_working_days=True)
    application = reviewed_application(world, program, couple)
    # Friday 27 September 2024: Sunday the 29th is a make-up working day, 1–7 October are holidays.
    notice = published(world, program, [application], datetime.date(2024, 9, 27))
    assert notice.ends_on == datetime.date(2024, 10, 10)


def test_working_days_follow_the_administrators_calendar_overrides(world: World, couple: Any) -> None:
    program = dibao(world, notice_days=5, notice_working_days=True)
    CalendarOverride.objects.create(date=datetime.date(2024, 10, 10), is_workday=False, note="台风停工")
    assert notices.notice_end(program, datetime.date(2024, 9, 27)) == datetime.date(2024, 10, 11)


def test_publishing_twice_is_refused(world: World, program: Program, couple: Any) -> None:
    notice = published(world, program, [reviewed_application(world, program, couple)])
    with pytest.raises(ValidationError, match="草稿"):
        notices.do_publish_notice(world.alice, notice)


def test_end_due_notices_ends_once_and_writes_the_outcome(
    world: World, program: Program, couple: Any
) -> None:
    notice = published(
        world, program, [reviewed_application(world, program, couple)], datetime.date(2024, 5, 6)
    )
    assert notices.end_due_notices(datetime.date(2024, 5, 13)) == 0  # the last day is still shown
    assert notices.end_due_notices(datetime.date(2024, 5, 14)) == 1
    assert notices.end_due_notices(datetime.date(2024, 5, 14)) == 0
    notice.refresh_from_db()
    assert notice.status == PublicNotice.Status.ENDED
    assert notice.outcome == "公示期满，未收到异议。"


def test_a_stale_copy_cannot_be_ended_twice(world: World, program: Program, couple: Any) -> None:
    notice = published(
        world, program, [reviewed_application(world, program, couple)], datetime.date(2024, 5, 6)
    )
    stale = PublicNotice.objects.get(pk=notice.pk)
    notices.end_due_notices(datetime.date(2024, 6, 1))
    assert not notices._claim(stale, [PublicNotice.Status.PUBLISHED], status=PublicNotice.Status.ENDED)


def test_withdrawal_needs_a_reason_and_frees_the_applications(
    world: World, program: Program, couple: Any
) -> None:
    application = reviewed_application(world, program, couple)
    notice = published(world, program, [application])
    with pytest.raises(ValidationError, match="撤回原因"):
        notices.do_withdraw_notice(world.alice, notice, "")
    notices.do_withdraw_notice(world.alice, notice, "金额填写有误，更正后重新公示")
    assert notice.status == PublicNotice.Status.WITHDRAWN
    assert "金额填写有误" in notice.outcome
    assert not notices.publicly_visible(notice, timezone.localdate())
    again = published(world, program, [application])
    assert again.status == PublicNotice.Status.PUBLISHED
    application.refresh_from_db()
    assert application.status == ApplicationStatus.NOTICED


# --- objections ----------------------------------------------------------------------------------------------


def test_an_objection_opens_a_confidential_case_routed_to_the_community(
    world: World, program: Program, couple: Any
) -> None:
    welfare_category = CaseCategory.objects.get(code="welfare")
    RoutingRule.objects.create(category=welfare_category, area=world.sunshine, handler=world.alice)
    notice = published(world, program, [reviewed_application(world, program, couple)])
    entry = notice.entries.get()
    found = objection(notice, entry=entry, name="王大妈", phone="138 1234 5678", ip="10.0.0.1")
    case = found.case
    assert case is not None
    assert case.channel == Channel.OBJECTION
    assert case.category == welfare_category
    assert case.source_type == "objection" and case.source_id == str(found.pk)
    assert case.confidential
    assert case.status == CaseStatus.DISPATCHED and case.handler == world.alice
    assert "周*国" in case.title and "周建国" not in case.description
    assert found.phone_masked == "138****5678"
    assert found.unseal("phone") == "13812345678"
    assert case.reporter_name == "王大妈"


def test_an_anonymous_objection_keeps_no_contact(world: World, program: Program, couple: Any) -> None:
    notice = published(world, program, [reviewed_application(world, program, couple)])
    found = objection(notice, name="王大妈", phone="13812345678", anonymous=True)
    assert found.name == "" and found.phone_enc == ""
    assert found.case is not None and found.case.reporter_name == "" and found.case.anonymous


def test_objections_are_checked(world: World, program: Program, couple: Any) -> None:
    notice = published(world, program, [reviewed_application(world, program, couple)])
    with pytest.raises(ValidationError, match="至少10个字"):
        objection(notice, text="不符合条件")
    with pytest.raises(ValidationError, match="手机号"):
        objection(notice, phone="12345")
    other = published(
        world, program, [reviewed_application(world, program, family(world, "H-0102", "吴大伟", "郑丽", 14))]
    )
    with pytest.raises(ValidationError, match="不在这份公示中"):
        objection(notice, entry=other.entries.get())
    assert not Objection.objects.exists()


def test_no_objection_outside_the_period(world: World, program: Program, couple: Any) -> None:
    notice = published(
        world, program, [reviewed_application(world, program, couple)], datetime.date(2024, 5, 6)
    )
    with pytest.raises(ValidationError, match="不在公示期内"):
        objection(notice)


def test_a_double_submit_records_one_objection(world: World, program: Program, couple: Any) -> None:
    notice = published(world, program, [reviewed_application(world, program, couple)])
    first = objection(notice, idempotency_key=KEY)
    second = objection(notice, idempotency_key=KEY)
    assert first.pk == second.pk
    assert Objection.objects.count() == 1


def test_a_flood_from_one_address_is_refused(
    world: World, program: Program, couple: Any, settings: Any
) -> None:
    settings.CASE_LIMIT_PER_IP_HOUR = 2
    notice = published(world, program, [reviewed_application(world, program, couple)])
    objection(notice, ip="10.0.0.9")
    objection(notice, ip="10.0.0.9")
    with pytest.raises(ValidationError, match="提交过于频繁"):
        objection(notice, ip="10.0.0.9")
    assert Objection.objects.count() == 2
    objection(notice, ip="10.0.0.10")


# --- resolution ----------------------------------------------------------------------------------------------


def test_an_upheld_objection_refuses_the_application_and_answers_the_case(
    world: World, program: Program, couple: Any
) -> None:
    application = reviewed_application(world, program, couple)
    notice = published(world, program, [application], timezone.localdate() - datetime.timedelta(days=3))
    found = objection(notice, entry=notice.entries.get())
    with pytest.raises(PermissionDenied):
        notices.do_resolve_objection(world.bob, found, True, "经入户核查属实")
    with pytest.raises(ValidationError, match="核查情况"):
        notices.do_resolve_objection(world.alice, found, True, "")
    notices.do_resolve_objection(world.alice, found, True, "经入户核查，该户有小汽车一辆，不符合条件")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REFUSED
    assert "公示异议成立" in application.refusal_reason
    assert found.case is not None
    found.case.refresh_from_db()
    assert found.case.status == CaseStatus.REPLIED
    assert found.case.events.filter(kind="reply", note__contains="小汽车").exists()
    with pytest.raises(ValidationError, match="已经处理过"):
        notices.do_resolve_objection(world.alice, found, False, "再次处理")
    assert notices.end_due_notices(timezone.localdate() + datetime.timedelta(days=30)) == 1
    notice.refresh_from_db()
    assert "收到异议1件" in notice.outcome
    assert "针对周*国" in notice.outcome and "异议成立" in notice.outcome and "小汽车" in notice.outcome


def test_a_dismissed_objection_lets_the_household_be_confirmed(
    world: World, program: Program, couple: Any
) -> None:
    application = reviewed_application(world, program, couple)
    notice = published(world, program, [application], timezone.localdate() - datetime.timedelta(days=3))
    found = objection(notice, entry=notice.entries.get())
    notices.end_due_notices(timezone.localdate() + datetime.timedelta(days=30))
    application.refresh_from_db()
    with pytest.raises(ValidationError, match="异议"):
        step(world, application, "confirm")
    notices.do_resolve_objection(world.alice, found, False, "经核查该车辆为亲属所有，异议不成立")
    notice.refresh_from_db()
    assert "异议不成立" in notice.outcome  # the outcome of an ended notice is rewritten
    step(world, application, "confirm")
    assert Enrollment.objects.filter(application=application).exists()


def test_an_objection_upheld_after_enrolment_opens_a_recheck(
    world: World, program: Program, couple: Any
) -> None:
    application = reviewed_application(world, program, couple)
    notice = published(world, program, [application], timezone.localdate() - datetime.timedelta(days=3))
    found = objection(notice, entry=notice.entries.get())
    notices.end_due_notices(timezone.localdate() + datetime.timedelta(days=30))
    # Staff confirmed by mistake before the objection was looked at (forced here through the model).
    Objection.objects.filter(pk=found.pk).update(resolution=Objection.Resolution.DISMISSED)
    application.refresh_from_db()
    step(world, application, "confirm")
    Objection.objects.filter(pk=found.pk).update(resolution=Objection.Resolution.PENDING)
    found.refresh_from_db()
    notices.do_resolve_objection(world.alice, found, True, "复核发现该户隐瞒了经营收入")
    recheck = Recheck.objects.get()
    assert recheck.enrollment == Enrollment.objects.get(application=application)
    assert recheck.case == found.case
    assert recheck.checklist[0]["key"] == "objection" and recheck.checklist[0]["result"] == "problem"
    application.refresh_from_db()
    assert application.status == ApplicationStatus.CONFIRMED


def test_an_objection_to_the_whole_notice_holds_every_application_until_answered(
    world: World, program: Program, couple: Any
) -> None:
    first = reviewed_application(world, program, couple)
    second = reviewed_application(world, program, family(world, "H-0103", "郑强", "王芳", 15))
    notice = published(world, program, [first, second], timezone.localdate() - datetime.timedelta(days=3))
    found = objection(notice, text="这次公示的名单没有经过居民代表会议评议，程序不合规。")
    assert found.entry is None and found.case is not None
    assert welfare.pending_objections(first) == 1 and welfare.pending_objections(second) == 1
    notices.end_due_notices(timezone.localdate() + datetime.timedelta(days=30))
    notice.refresh_from_db()
    assert "针对公示整体" in notice.outcome and "核查中" in notice.outcome
    assert "答复之前本公示中的申请均暂不审批" in notice.outcome
    for application in (first, second):
        application.refresh_from_db()
        with pytest.raises(ValidationError, match="异议尚在核查中"):
            step(world, application, "confirm")
    notices.do_resolve_objection(world.alice, found, False, "经核查，本批申请已于当月召开居民代表会议评议")
    notice.refresh_from_db()
    assert "异议不成立。处理说明：经核查，本批申请已于当月召开居民代表会议评议" in notice.outcome
    assert "暂不审批" not in notice.outcome
    assert found.case.events.filter(kind="reply", note__contains="居民代表会议").exists()
    for application in (first, second):
        step(world, application, "confirm")
    assert Enrollment.objects.filter(application__in=[first, second]).count() == 2


def test_an_upheld_objection_to_the_whole_notice_changes_no_application_by_itself(
    world: World, program: Program, couple: Any
) -> None:
    application = reviewed_application(world, program, couple)
    notice = published(world, program, [application], timezone.localdate() - datetime.timedelta(days=3))
    found = objection(notice, text="公示张贴的位置太偏，很多居民看不到，请重新张贴。")
    notices.do_resolve_objection(world.alice, found, True, "已在小区门口公示栏补贴公示")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.NOTICED  # staff decide on each application
    assert welfare.pending_objections(application) == 0
    assert not Recheck.objects.exists()
    notices.end_due_notices(timezone.localdate() + datetime.timedelta(days=30))
    notice.refresh_from_db()
    assert "针对公示整体" in notice.outcome and "异议成立" in notice.outcome and "补贴公示" in notice.outcome


def test_an_objection_to_the_whole_of_another_notice_holds_nothing_here(
    world: World, program: Program, couple: Any
) -> None:
    here = reviewed_application(world, program, couple)
    published(world, program, [here])
    elsewhere = published(
        world, program, [reviewed_application(world, program, family(world, "H-0104", "冯刚", "陈静", 16))]
    )
    objection(elsewhere, text="另一份公示的名单有问题，请重新核查每一户。")
    assert welfare.pending_objections(here) == 0


def test_person_names_never_reach_the_case_or_the_outcome(
    world: World, program: Program, couple: Any
) -> None:
    notice = published(world, program, [reviewed_application(world, program, couple)])
    found = objection(notice, entry=notice.entries.get())
    assert found.case is not None
    head: Person = couple["head"]
    assert head.name not in found.case.title + found.case.description + notices.outcome_text(notice)
