"""Inspections and rectification notices: the checklist built from the supervision list, the lifecycle,
findings with evidence, notices tracked as cases, the committee's verification, the report back, and who
may do what. The helpers at the top are shared by the story and view tests."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone

from tests.conftest import World, make_person, make_user
from yangguang.core.actions import cases
from yangguang.core.actions import inspections as insp
from yangguang.core.actions.ledger import evidence_for
from yangguang.core.models import (
    Activity,
    AuditEntry,
    CaseStatus,
    Channel,
    Disclosure,
    Finding,
    HandlingUnit,
    Inspection,
    InspectionCheck,
    Notification,
    Rectification,
    RoutingRule,
    SupervisionItem,
)
from yangguang.core.permissions import Role

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"0" * 64


def png(name: str = "现场.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def pdf(name: str = "台账.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def item(world: World | None = None, code: str = "S-01", **extra: Any) -> SupervisionItem:
    """A supervision item of the platform's list (no area) unless an area is given."""
    values: dict[str, Any] = {
        "code": code,
        "domain": "welfare",
        "name": "低保及帮扶对象资格",
        "checkpoints": ["对象名单经民主评议并公示", "家庭收入与财产核查材料齐全"],
    }
    values.update(extra)
    return SupervisionItem.objects.create(**values)


def in_days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def planned(world: World, **extra: Any) -> Inspection:
    items = extra.pop("items", None)
    return insp.check_plan_inspection(
        world.bob,
        extra.pop("area", world.sunshine),
        kind=extra.pop("kind", Inspection.Kind.TARGETED),
        title=extra.pop("title", "帮扶对象资格专项检查"),
        planned_on=extra.pop("planned_on", in_days(3)),
        items=[item(world)] if items is None else items,
        points=extra.pop("points", ["入户走访核实家庭情况"]),
        **extra,
    )


def started(world: World, **extra: Any) -> Inspection:
    return insp.do_start_inspection(world.bob, planned(world, **extra))


def with_finding(world: World, **extra: Any) -> Finding:
    inspection = started(world, **extra)
    check = inspection.checks.first()
    return insp.check_add_finding(
        world.bob,
        inspection,
        description="帮扶对象中有2户家庭收入超标，不符合帮扶条件",
        severity=Finding.Severity.SERIOUS,
        checkpoint=check,
        uploads=[png()],
    )


def issued(world: World, finding: Finding | None = None, **extra: Any) -> Rectification:
    return insp.check_issue_rectification(
        world.bob,
        finding or with_finding(world),
        requirement=extra.pop("requirement", "取消2户帮扶资格，做好思想工作"),
        deadline=extra.pop("deadline", in_days(14)),
        **({"owner": world.alice} | extra),
    )


def replied_by_owner(world: World, rectification: Rectification, evidence: bool = True) -> None:
    case = rectification.case
    cases.do_transition(world.alice, case, "sign")
    cases.do_transition(
        world.alice, case, "reply", note="已取消2户资格", evidence=[png("整改后.png")] if evidence else []
    )


# --- planning and the checklist -------------------------------------------------------------------------


def test_checklist_is_built_from_the_items_checkpoints_and_free_points(world: World) -> None:
    first = item(world)
    second = item(world, code="S-02", domain="projects", name="惠民项目实施", checkpoints=[])
    inspection = planned(world, items=[first, second], points=["查看晾衣架安装位置", "  "])
    points = list(inspection.checks.values_list("point", "item_id"))
    assert points == [
        ("惠民项目实施", second.pk),  # an item without checkpoints is checked as a whole
        ("对象名单经民主评议并公示", first.pk),
        ("家庭收入与财产核查材料齐全", first.pk),
        ("查看晾衣架安装位置", None),
    ]
    assert set(inspection.items.all()) == {first, second}
    assert inspection.status == Inspection.Status.PLANNED
    assert AuditEntry.objects.filter(target_type="inspection", action="create").count() == 1


def test_items_of_the_district_apply_but_not_another_districts_or_inactive_ones(world: World) -> None:
    from yangguang.core.actions import registry

    own = item(world, code="D-01", area=world.district)
    other_district = registry.do_create_area(None, parent=None, kind="district", name="别区")
    foreign = item(world, code="X-01", area=other_district)
    inactive = item(world, code="S-09", active=False)
    applicable = set(insp.applicable_items(world.sunshine))
    assert own in applicable and foreign not in applicable and inactive not in applicable
    assert planned(world, items=[own], points=[]).checks.count() == 2
    for bad in (foreign, inactive):
        with pytest.raises(ValidationError) as exc:
            planned(world, items=[bad])
        assert "不适用于本社区" in str(exc.value)


def test_plan_needs_something_to_check_and_a_community(world: World) -> None:
    with pytest.raises(ValidationError, match="请至少选择一个监督事项"):
        planned(world, items=[], points=[" "])
    with pytest.raises(ValidationError, match="社区或村"):
        planned(world, area=world.grid)
    with pytest.raises(ValidationError, match="检查方式"):
        planned(world, kind="secret")


def test_only_the_committee_of_the_community_plans(world: World) -> None:
    for actor in (world.alice, world.dave, world.erin, world.carol, None):
        with pytest.raises(PermissionDenied):
            insp.check_plan_inspection(
                actor, world.sunshine, kind="routine", title="日常", planned_on=in_days(1), points=["一"]
            )
    with pytest.raises(PermissionDenied):
        planned(world, area=world.peace)  # bob sits on 阳光社区's committee only


# --- the lifecycle ---------------------------------------------------------------------------------------


def test_completing_with_pending_checks_fails_with_the_list(world: World) -> None:
    inspection = started(world)
    first = inspection.checks.order_by("position").first()
    assert first is not None
    insp.do_record_check(world.bob, first, InspectionCheck.Result.OK, "名单已公示")
    with pytest.raises(ValidationError) as exc:
        insp.do_complete_inspection(world.bob, inspection, "基本规范")
    message = exc.value.messages[0]
    assert "还有2个检查要点未记录结果" in message
    assert "家庭收入与财产核查材料齐全" in message and "入户走访核实家庭情况" in message
    assert "对象名单经民主评议并公示" not in message
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.IN_PROGRESS


def test_completed_inspection_enters_the_ledger(world: World) -> None:
    inspection = started(world)
    for check in inspection.checks.all():
        insp.do_record_check(world.bob, check, InspectionCheck.Result.NA)
    insp.do_complete_inspection(world.bob, inspection, "未发现问题")
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.COMPLETED
    assert inspection.summary == "未发现问题"
    line = Activity.objects.get(source_type="inspection", source_id=str(inspection.pk))
    assert line.kind == Activity.Kind.INSPECTION and line.on == inspection.held_on
    with pytest.raises(ValidationError, match="不能执行该操作"):
        insp.do_complete_inspection(world.bob, inspection, "再来一次")


def test_no_ledger_line_for_a_planned_inspection(world: World) -> None:
    planned(world, kind=Inspection.Kind.UNANNOUNCED)
    assert not Activity.objects.exists()


def test_checks_are_recorded_only_while_in_progress_and_with_a_result(world: World) -> None:
    inspection = planned(world)
    check = inspection.checks.first()
    assert check is not None
    with pytest.raises(ValidationError, match="进行中"):
        insp.do_record_check(world.bob, check, "ok")
    insp.do_start_inspection(world.bob, inspection)
    with pytest.raises(ValidationError, match="请选择检查结果"):
        insp.do_record_check(world.bob, check, "pending")
    with pytest.raises(PermissionDenied):
        insp.do_record_check(world.alice, check, "ok")


def test_cancel_needs_a_reason_and_is_audited(world: World) -> None:
    inspection = planned(world)
    with pytest.raises(ValidationError, match="取消原因"):
        insp.do_cancel_inspection(world.bob, inspection, " ")
    insp.do_cancel_inspection(world.bob, inspection, "与街道检查时间冲突")
    assert inspection.status == Inspection.Status.CANCELLED
    assert AuditEntry.objects.filter(target_type="inspection", reason="与街道检查时间冲突").exists()
    with pytest.raises(ValidationError):
        insp.do_start_inspection(world.bob, inspection)


def test_finding_marks_its_checkpoint_and_keeps_its_evidence(world: World) -> None:
    finding = with_finding(world)
    assert finding.checkpoint is not None
    assert finding.checkpoint.result == InspectionCheck.Result.PROBLEM
    [evidence] = evidence_for(finding)
    assert evidence.content_type == "image/png" and evidence.area == world.sunshine


def test_bad_evidence_saves_nothing(world: World) -> None:
    inspection = started(world)
    fake = SimpleUploadedFile("病毒.png", b"MZ\x90\x00" * 10, content_type="image/png")
    with pytest.raises(ValidationError, match="不是支持的格式"):
        insp.check_add_finding(world.bob, inspection, description="台账缺少签字页", uploads=[pdf(), fake])
    assert not Finding.objects.exists()


def test_finding_on_another_inspections_checkpoint_is_refused(world: World) -> None:
    first = started(world)
    second = started(world, title="第二次")
    with pytest.raises(ValidationError, match="不属于本次检查"):
        insp.check_add_finding(
            world.bob, first, description="台账缺少签字页", checkpoint=second.checks.first()
        )


# --- who sees an unannounced inspection ---------------------------------------------------------------


def test_unannounced_planned_inspection_is_hidden_from_staff(world: World) -> None:
    surprise = planned(world, kind=Inspection.Kind.UNANNOUNCED, title="明察暗访惠民项目")
    routine = planned(world, kind=Inspection.Kind.ROUTINE, title="日常监督")
    assert set(insp.visible_inspections(world.alice)) == {routine}
    with pytest.raises(Http404):
        insp.access_inspection(world.alice, surprise.pk)
    for watcher in (world.bob, world.dave, world.erin):
        assert set(insp.visible_inspections(watcher)) == {surprise, routine}
        assert insp.access_inspection(watcher, surprise.pk) == surprise
    insp.do_start_inspection(world.bob, surprise)
    assert surprise in set(insp.visible_inspections(world.alice))
    assert insp.access_inspection(world.alice, surprise.pk) == surprise


def test_unannounced_inspection_cancelled_before_it_was_held_stays_hidden(world: World) -> None:
    surprise = planned(world, kind=Inspection.Kind.UNANNOUNCED)
    insp.do_cancel_inspection(world.bob, surprise, "改期")
    assert surprise not in set(insp.visible_inspections(world.alice))


def test_outsiders_get_404(world: World) -> None:
    inspection = planned(world)
    for outsider in (world.carol, world.mallory):
        assert not insp.visible_inspections(outsider).exists()
        with pytest.raises(Http404):
            insp.access_inspection(outsider, inspection.pk)
    with pytest.raises(Http404):
        insp.access_inspection(world.bob, "abc")


def test_committee_of_another_community_gets_404(world: World) -> None:
    peace_member = make_user("pm", "和平监委", Role.COMMITTEE_MEMBER, world.peace)
    rectification = issued(world)
    with pytest.raises(Http404):
        insp.access_inspection(peace_member, rectification.finding.inspection.pk)
    with pytest.raises(Http404):
        insp.access_rectification(peace_member, rectification.pk)
    with pytest.raises(PermissionDenied):
        insp.do_verify_rectification(peace_member, rectification, passed=True, note="好")


# --- rectification notices ----------------------------------------------------------------------------


def test_issuing_opens_a_case_dispatched_to_the_owner_with_the_notice_deadline(world: World) -> None:
    deadline = in_days(10)
    rectification = issued(world, deadline=deadline)
    case = rectification.case
    assert rectification.number == f"ZG{timezone.localdate().year}-0001"
    assert case.channel == Channel.INSPECTION
    assert case.category.code == "integrity"
    assert (case.source_type, case.source_id) == ("finding", str(rectification.finding.pk))
    assert "取消2户帮扶资格" in case.description and "收入超标" in case.description
    assert case.status == CaseStatus.DISPATCHED and case.handler == world.alice
    case.refresh_from_db()
    assert case.due_at is not None
    local_due = timezone.localtime(case.due_at)
    assert (local_due.date(), local_due.hour, local_due.minute) == (deadline, 23, 59)
    assert Notification.objects.filter(user=world.alice, subject__startswith="新派单").exists()
    assert Activity.objects.filter(kind="rectification", source_type="rectification").count() == 1
    assert issued(world).number.endswith("-0002")


def test_a_routing_rule_does_not_override_the_committees_owner(world: World) -> None:
    from yangguang.core.models import CaseCategory

    RoutingRule.objects.create(
        category=CaseCategory.objects.get(code="integrity"), area=world.street, handler=world.dave
    )
    case = issued(world).case
    assert case.handler == world.alice and case.status == CaseStatus.DISPATCHED


def test_a_unit_can_own_the_notice(world: World) -> None:
    unit = HandlingUnit.objects.create(area=world.sunshine, name="社区民政专干", kind="community_org")
    elsewhere = HandlingUnit.objects.create(area=world.peace, name="和平物业", kind="property")
    rectification = issued(world, owner=None, unit=unit)
    assert rectification.case.unit == unit and rectification.case.handler is None
    with pytest.raises(ValidationError, match="不在本社区范围内"):
        issued(world, owner=None, unit=elsewhere)


def test_deadline_in_the_past_or_today_is_rejected(world: World) -> None:
    finding = with_finding(world)
    for day in (in_days(-1), in_days(0)):
        with pytest.raises(ValidationError) as exc:
            issued(world, finding, deadline=day)
        assert exc.value.message_dict["deadline"] == ["整改期限须晚于今天。"]
    assert not Rectification.objects.exists()


def test_owner_must_handle_cases_in_the_community(world: World) -> None:
    finding = with_finding(world)
    for owner in (world.carol, world.mallory, world.bob):
        with pytest.raises(ValidationError, match="整改责任人须为本社区"):
            issued(world, finding, owner=owner)
    with pytest.raises(ValidationError, match="二选一"):
        issued(world, finding, owner=None)


def test_one_notice_per_finding(world: World) -> None:
    rectification = issued(world)
    with pytest.raises(ValidationError, match="已下达整改通知"):
        issued(world, rectification.finding)


def test_staff_cannot_issue_or_verify(world: World) -> None:
    finding = with_finding(world)
    with pytest.raises(PermissionDenied):
        insp.check_issue_rectification(
            world.alice, finding, requirement="限期整改到位", deadline=in_days(5), owner=world.alice
        )
    rectification = issued(world, finding)
    replied_by_owner(world, rectification)
    for actor in (world.alice, world.dave, world.erin):
        with pytest.raises(PermissionDenied):
            insp.do_verify_rectification(actor, rectification, passed=True, note="已整改")
        with pytest.raises(PermissionDenied):
            insp.do_report_rectification(actor, rectification, "通报")


def test_verification_waits_for_the_owners_reply(world: World) -> None:
    rectification = issued(world)
    with pytest.raises(ValidationError, match="答复整改情况后才能验收"):
        insp.do_verify_rectification(world.bob, rectification, passed=True, note="好")


def test_verified_passed_closes_and_rates_the_case(world: World) -> None:
    rectification = issued(world)
    replied_by_owner(world, rectification)
    insp.do_verify_rectification(world.bob, rectification, passed=True, note="经入户核实已整改到位")
    rectification.refresh_from_db()
    case = rectification.case
    case.refresh_from_db()
    assert rectification.verdict == Rectification.Verdict.PASSED
    assert rectification.verified_by == world.bob
    assert case.status == CaseStatus.SATISFIED and case.satisfaction == 5
    assert case.events.filter(kind="close", actor=world.bob).exists()
    with pytest.raises(ValidationError, match="已验收通过"):
        insp.do_verify_rectification(world.bob, rectification, passed=True, note="再验")


def test_verified_failed_reopens_to_the_same_handler_with_the_note(world: World) -> None:
    rectification = issued(world)
    replied_by_owner(world, rectification)
    new_deadline = in_days(20)
    insp.do_verify_rectification(
        world.bob, rectification, passed=False, note="仍有1户未取消", new_deadline=new_deadline
    )
    case = rectification.case
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS and case.handler == world.alice
    assert case.redo_count == 1
    assert case.events.filter(kind="reopen", note__contains="仍有1户未取消").exists()
    assert case.due_at is not None and timezone.localtime(case.due_at).date() == new_deadline
    assert Notification.objects.filter(user=world.alice, subject__startswith="诉求需重办").exists()
    rectification.refresh_from_db()
    assert rectification.verdict == Rectification.Verdict.FAILED
    assert rectification.deadline == new_deadline
    # The owner replies again; the committee verifies again.
    cases.do_transition(world.alice, case, "reply", note="已全部取消")
    insp.do_verify_rectification(world.bob, rectification, passed=True, note="已到位")
    case.refresh_from_db()
    assert case.status == CaseStatus.SATISFIED


def test_verification_without_any_evidence_asks_for_photos(world: World) -> None:
    rectification = issued(world)
    replied_by_owner(world, rectification, evidence=False)
    with pytest.raises(ValidationError) as exc:
        insp.do_verify_rectification(world.bob, rectification, passed=True, note="好")
    assert "photos" in exc.value.message_dict
    insp.do_verify_rectification(world.bob, rectification, passed=True, note="好", photos=[png()])
    rectification.case.refresh_from_db()
    assert rectification.case.status == CaseStatus.SATISFIED


def test_report_back_needs_a_verification(world: World) -> None:
    rectification = issued(world)
    with pytest.raises(ValidationError, match="验收后才能反馈通报"):
        insp.do_report_rectification(world.bob, rectification, "通报")


def test_report_back_disclosure_contains_no_personal_data(world: World) -> None:
    resident = make_person(world.sunshine, None, "欧阳明华", "430102197001011239")
    inspection = started(world)
    finding = insp.check_add_finding(
        world.bob,
        inspection,
        description=(
            f"{resident.name}（身份证430102197001011239，电话13812345678）家有车有房仍领取帮扶资金；"
            "张三丰户已迁出"
        ),
    )
    rectification = issued(world, finding, requirement=f"取消{resident.name}帮扶资格，追回资金")
    replied_by_owner(world, rectification)
    insp.do_verify_rectification(world.bob, rectification, passed=True, note="已取消")
    disclosure = insp.do_report_rectification(world.bob, rectification, f"已取消{resident.name}的资格")
    text = str(disclosure.payload) + disclosure.body + disclosure.title
    for secret in ("欧阳明华", "430102197001011239", "13812345678", "张三丰", "王爱丽", "alice"):
        assert secret not in text
    assert "欧**华" in text and "张*丰" in text and "138****5678" in text
    assert disclosure.kind == "rectification_report" and disclosure.status == Disclosure.Status.DRAFT
    assert set(disclosure.payload) >= {"community", "number", "problem", "requirement", "deadline", "outcome"}
    assert disclosure.payload["outcome"] == "整改到位"
    rectification.refresh_from_db()
    assert rectification.reported_at is not None
    with pytest.raises(ValidationError, match="已反馈通报"):
        insp.do_report_rectification(world.bob, rectification, "再报")


def test_cancel_is_refused_once_a_notice_was_issued(world: World) -> None:
    rectification = issued(world)
    with pytest.raises(ValidationError, match="已下达整改通知"):
        insp.do_cancel_inspection(world.bob, rectification.finding.inspection, "取消")


def test_rectifications_are_visible_in_the_jurisdiction_only(world: World) -> None:
    rectification = issued(world)
    for user in (world.alice, world.bob, world.dave, world.erin):
        assert list(insp.visible_rectifications(user)) == [rectification]
    for user in (world.carol, world.mallory, world.grace):
        assert not insp.visible_rectifications(user).exists()


def test_overdue_flag(world: World) -> None:
    rectification = issued(world, deadline=in_days(2))
    assert not insp.rectification_is_overdue(rectification)
    assert insp.rectification_is_overdue(rectification, today=in_days(3))
