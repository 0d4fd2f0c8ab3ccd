"""The seeds' supervision stories replayed end to end (issue #4, "Done when").

Seed 000 (芙蓉区): the committee of 恒达社区 re-checked the households receiving assistance and found two that
did not qualify; the committee of 蓉园社区 checked the 34 clothes racks paid for from the welfare fund and
ordered rectification by a deadline. The overdue story follows DOMAIN.md: a notice past its deadline is
escalated to the street discipline committee (督办).
"""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import World, make_person
from tests.core.test_inspections import in_days, png
from yangguang.core.actions import cases, registry, sla
from yangguang.core.actions import inspections as insp
from yangguang.core.actions.escalation import run_sla_checks
from yangguang.core.actions.ledger import evidence_for
from yangguang.core.models import (
    Activity,
    CaseEvent,
    CaseStatus,
    Disclosure,
    Finding,
    Household,
    Inspection,
    InspectionCheck,
    Notification,
    Rectification,
    SupervisionItem,
    Tag,
)
from yangguang.core.models.people import Relation

# Valid fictional ID numbers (GB 11643 checksums).
HEAD_IDS = [
    "430102197001011239",
    "43010219800505234X",
    "430102197512123451",
    "430102196503034567",
    "430102195003030012",
]
HEAD_NAMES = ["赵一民", "钱二华", "孙三兰", "李四海", "周五福"]


def logged_in(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def assisted_households(world: World) -> tuple[Tag, list[Household]]:
    """Five households of 阳光社区 whose heads are tagged 帮扶对象 (the "五帮扶" list of seed 000)."""
    tag = Tag.objects.create(code="assisted", name="帮扶对象")
    households = []
    for number, (name, id_number) in enumerate(zip(HEAD_NAMES, HEAD_IDS, strict=True), start=1):
        head = make_person(world.sunshine, None, name, id_number)
        head.tags.add(tag)
        household = registry.do_save_record(None, Household(area=world.sunshine, number=f"HD-{number:03d}"))
        registry.do_set_membership(None, household, head, Relation.HEAD, on=datetime.date(2020, 1, 1))
        households.append(household)
    return tag, households


def test_recheck_of_assisted_households_finds_two_ineligible(world: World) -> None:
    tag, households = assisted_households(world)
    welfare = SupervisionItem.objects.create(
        code="ST-WF-01",
        domain="welfare",
        name="帮扶对象资格",
        checkpoints=["帮扶对象名单经民主评议并公示", "入户核实家庭收入和财产"],
    )
    # A resident complains; the committee plans a targeted re-check and holds it.
    inspection = insp.check_plan_inspection(
        world.bob,
        world.sunshine,
        kind=Inspection.Kind.TARGETED,
        title="春节前帮扶对象专项排查",
        planned_on=in_days(1),
        items=[welfare],
        points=[f"逐户核对{len(households)}户帮扶对象"],
        inspectors=[world.bob],
    )
    insp.do_start_inspection(world.bob, inspection)
    checks = list(inspection.checks.order_by("position"))
    insp.do_record_check(world.bob, checks[0], InspectionCheck.Result.OK, "名单已公示")
    insp.do_record_check(world.bob, checks[2], InspectionCheck.Result.OK, "已逐户核对")
    ineligible = households[1:3]
    findings = [
        insp.check_add_finding(
            world.bob,
            inspection,
            description=f"帮扶对象{household.number}户经入户走访、信息比对，家庭收入超过中低收入标准，不符合帮扶条件",
            severity=Finding.Severity.SERIOUS,
            checkpoint=checks[1],
            uploads=[png("入户走访记录.png")],
        )
        for household in ineligible
    ]
    insp.do_complete_inspection(world.bob, inspection, "排查5户帮扶对象，发现2户不符合条件")

    notices = [
        insp.check_issue_rectification(
            world.bob,
            finding,
            requirement="取消该户“五帮扶资金”对象资格，并做好思想工作",
            deadline=in_days(7),
            owner=world.alice,
        )
        for finding in findings
    ]
    # The community's staff member works each notice on the ordinary case page's steps.
    for notice in notices:
        cases.do_transition(world.alice, notice.case, "sign")
        household = notice.finding.description.split("帮扶对象")[1].split("户")[0]
        head = Household.objects.get(number=household).head
        assert head is not None
        head.tags.remove(tag)
        cases.do_transition(
            world.alice, notice.case, "reply", note="已取消帮扶资格", evidence=[png("取消决定.png")]
        )
    for notice in notices:
        insp.do_verify_rectification(world.bob, notice, passed=True, note="经复核已取消资格")
        insp.do_report_rectification(world.bob, notice, "2户不符合条件的帮扶对象已取消资格。")

    assert tag.persons.count() == 3
    assert Finding.objects.filter(inspection=inspection).count() == 2
    assert {n.verdict for n in Rectification.objects.all()} == {Rectification.Verdict.PASSED}
    assert {n.case.status for n in Rectification.objects.select_related("case")} == {CaseStatus.SATISFIED}
    assert Disclosure.objects.filter(kind="rectification_report").count() == 2
    kinds = list(Activity.objects.filter(area=world.sunshine).values_list("kind", flat=True))
    assert kinds.count(Activity.Kind.INSPECTION) == 1
    assert kinds.count(Activity.Kind.RECTIFICATION) == 6  # issued, verified, reported × 2
    for head_name in HEAD_NAMES:
        assert not Disclosure.objects.filter(payload__icontains=head_name).exists()


def test_clothes_rack_project_is_ordered_to_rectify_by_a_deadline(world: World) -> None:
    project = SupervisionItem.objects.create(
        code="ST-XM-01",
        domain="projects",
        name="惠民资金项目实施",
        checkpoints=["实际完成量与报账数量一致", "选址经居民议定"],
    )
    inspection = insp.check_plan_inspection(
        world.bob,
        world.sunshine,
        kind=Inspection.Kind.ROUTINE,
        title="“晾衣架”惠民项目实地察看",
        planned_on=in_days(1),
        items=[project],
        points=["走访居民代表了解项目意见"],
    )
    insp.do_start_inspection(world.bob, inspection)
    quantity, siting, visit = inspection.checks.order_by("position")
    finding = insp.check_add_finding(
        world.bob,
        inspection,
        description="惠民资金报账34副晾衣架，实地清点四区仅安装30副",
        severity=Finding.Severity.SERIOUS,
        checkpoint=quantity,
        uploads=[png("四区晾衣架.png")],
    )
    insp.do_record_check(world.bob, siting, InspectionCheck.Result.OK)
    insp.do_record_check(world.bob, visit, InspectionCheck.Result.OK, "居民代表总体满意")
    insp.do_complete_inspection(world.bob, inspection, "晾衣架安装数量与报账不符")
    quantity.refresh_from_db()
    assert quantity.result == InspectionCheck.Result.PROBLEM
    assert evidence_for(finding).count() == 1

    deadline = in_days(30)
    notice = insp.check_issue_rectification(
        world.bob,
        finding,
        requirement="补装4副晾衣架或退回相应惠民资金，并公开说明",
        deadline=deadline,
        owner=world.alice,
    )
    case = notice.case
    case.refresh_from_db()
    assert case.due_at is not None and timezone.localtime(case.due_at).date() == deadline
    # The owner replies with evidence on the case page.
    alice = logged_in(world.alice)
    for step, data in (
        ("sign", {}),
        ("start", {}),
        ("reply", {"reply-note": "已补装4副晾衣架", "reply-evidence": png("补装后.png")}),
    ):
        response = alice.post(reverse("backoffice:case_step", args=[case.pk, step]), data)
        assert response.status_code == 302, (step, response.content.decode()[:500])
    case.refresh_from_db()
    assert case.status == CaseStatus.REPLIED
    # The committee verifies on site and reports back.
    insp.do_verify_rectification(world.bob, notice, passed=True, note="实地清点34副，已整改到位")
    disclosure = insp.do_report_rectification(world.bob, notice, "晾衣架已按报账数量补装到位。")
    case.refresh_from_db()
    assert case.status == CaseStatus.SATISFIED
    assert disclosure.payload["problem"] == "惠民资金报账34副晾衣架，实地清点四区仅安装30副"
    assert disclosure.payload["deadline"] == deadline.isoformat()
    assert disclosure.payload["outcome"] == "整改到位"


def overdue_story(world: World, *, sign: bool = True) -> tuple[Rectification, datetime.datetime]:
    """An unannounced visit finds a project's box not installed; the notice gives two days. Returns the
    notice and the moment the SLA job should escalate it: the opening of the first working day after the
    deadline, plus an hour."""
    deadline = in_days(2)
    inspection = insp.check_plan_inspection(
        world.bob,
        world.sunshine,
        kind=Inspection.Kind.UNANNOUNCED,
        title="明察暗访惠民项目报箱",
        planned_on=in_days(1),
        points=["报箱是否按期安装"],
    )
    insp.do_start_inspection(world.bob, inspection)
    finding = insp.check_add_finding(world.bob, inspection, description="惠民项目报箱至今未安装")
    notice = insp.check_issue_rectification(
        world.bob, finding, requirement="限期安装报箱", deadline=deadline, owner=world.alice
    )
    if sign:
        cases.do_transition(world.alice, notice.case, "sign")
    opening = sla.calendar().clock_start(insp.end_of_day(deadline) + datetime.timedelta(seconds=1))
    return notice, opening + datetime.timedelta(hours=1)


def assert_escalated_to_dave(world: World, notice: Rectification, when: datetime.datetime) -> None:
    assert run_sla_checks(when - datetime.timedelta(hours=2)).escalated == 0
    assert run_sla_checks(when).escalated == 1
    assert run_sla_checks(when + datetime.timedelta(hours=1)).escalated == 0
    case = notice.case
    case.refresh_from_db()
    assert case.escalated_at is not None
    assert CaseEvent.objects.filter(case=case, kind="escalate").count() == 1
    assert Notification.objects.filter(user=world.dave, subject__startswith="督办").count() == 1
    assert Notification.objects.filter(user=world.alice, subject__contains="督办").count() == 1
    # dave, the street discipline secretary, sees the notice among the escalated ones, and its case.
    dave = logged_in(world.dave)
    listing = dave.get(reverse("backoffice:insp_rect_list"), {"show": "escalated"}).content.decode()
    assert notice.number in listing
    page = dave.get(reverse("backoffice:case_detail", args=[case.pk])).content.decode()
    assert "已转街道督办" in page
    notice_page = dave.get(reverse("backoffice:insp_rect_detail", args=[notice.pk])).content.decode()
    assert "已转街道督办" in notice_page


def test_escalation_job_escalates_an_overdue_rectification_to_the_street(world: World) -> None:
    """The SLA job treats a notice's case like any case: past `due_at`, it is escalated (督办) once."""
    notice, when = overdue_story(world)
    assert_escalated_to_dave(world, notice, when)


def test_overdue_rectification_is_escalated_to_the_street(world: World) -> None:
    notice, when = overdue_story(world)
    case = notice.case
    case.refresh_from_db()
    assert case.due_at == insp.end_of_day(notice.deadline)
    assert_escalated_to_dave(world, notice, when)


def test_notice_never_signed_is_escalated_too(world: World) -> None:
    notice, when = overdue_story(world, sign=False)
    assert run_sla_checks(when).escalated == 1


def test_staff_cannot_record_a_call_back_on_a_rectification_case(world: World) -> None:
    """The committee's verification confirms a rectification; a call-back from the case page would pre-empt it."""
    from django.core.exceptions import PermissionDenied

    from yangguang.core.actions.cases import check_transition_permission

    notice, _when = overdue_story(world)
    with pytest.raises(PermissionDenied, match="居务监督委员会验收"):
        check_transition_permission(world.alice, notice.case, "rate_satisfied")


def test_a_rectification_case_is_not_closed_from_the_case_page(world: World) -> None:
    from django.core.exceptions import PermissionDenied

    from yangguang.core.actions.cases import check_transition_permission

    notice, _when = overdue_story(world)
    for step in ("close", "merge"):
        with pytest.raises(PermissionDenied, match="验收后办结"):
            check_transition_permission(world.alice, notice.case, step)
