"""Welfare projects (惠民项目): the clothes-rack story of seed 000 end to end, validation of budgets and
quantities, the procurement rule (三家比价 above ¥50,000), spending through the committee's voucher sign-off,
progress reports, acceptance, the explainable checks, the committee's finding, and residents' feedback.

Personas: alice (staff of 阳光社区) runs the project, bob (committee) signs vouchers and opens the finding,
heidi (a second staff member of 阳光社区) co-signs, carol is staff elsewhere.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.conftest import World, make_user
from yangguang.core.actions import inspections, ledger, project_checks, projects, vouchers
from yangguang.core.models import (
    Activity,
    AuditEntry,
    Evidence,
    Finding,
    Inspection,
    PowerItem,
    PowerUse,
    Project,
    ProjectFeedback,
    Rectification,
    VoucherStatus,
)
from yangguang.core.models.supervision import MeetingType
from yangguang.core.permissions import Role

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"\x00" * 32


def png(name: str = "照片.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def heidi(world: World) -> User:
    existing = User.objects.filter(username="heidi").first()
    return existing or make_user("heidi", "何迪", Role.COMMUNITY_STAFF, world.sunshine)


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


def item(code: str = "QL-XM-03") -> PowerItem:
    return PowerItem.objects.get(area=None, code=code)


def new_project(world: World, **extra: Any) -> Project:
    actor = extra.pop("actor", world.alice)
    data = projects.ProjectInput(
        area=extra.pop("area", world.sunshine),
        title=extra.pop("title", "四区晾衣架安装"),
        budget=extra.pop("budget", "10,200"),
        funding_source=extra.pop("funding_source", "2021年社区惠民资金"),
        description=extra.pop("description", "在四区几个片区安装晾衣架，规范晾衣范围。"),
        power_item=extra.pop("power_item", item()),
        decision_meeting=extra.pop("decision_meeting", "居（村）民代表会议：2021年第2次"),
        decided_on=extra.pop("decided_on", days_ago(60)),
        unit_name=extra.pop("unit_name", "个"),
        planned_quantity=extra.pop("planned_quantity", "34"),
        unit_price=extra.pop("unit_price", "300"),
        **extra,
    )
    return projects.check_create_project(actor, data)


def voucher_input(world: World, number: str, amount: str, **extra: Any) -> vouchers.VoucherInput:
    return vouchers.VoucherInput(
        area=world.sunshine,
        number=number,
        spent_on=extra.pop("spent_on", days_ago(20)),
        amount=amount,
        payee=extra.pop("payee", "芙蓉五金有限公司"),
        purpose=extra.pop("purpose", "四区晾衣架"),
        power_item=extra.pop("power_item", None),
    )


def in_progress(world: World, **extra: Any) -> Project:
    """A project through procurement with three quotes, the cheapest chosen, works started."""
    project = new_project(world, **extra)
    projects.do_project_transition(world.alice, project, "procure")
    quotes = [
        projects.check_add_quote(world.alice, project, supplier=name, amount=amount, received_on=days_ago(40))
        for name, amount in (
            ("芙蓉五金有限公司", "10,200"),
            ("长沙晾晒设备厂", "10,880"),
            ("湘江建材商行", "11,050"),
        )
    ]
    projects.do_choose_quote(world.alice, quotes[0])
    projects.do_project_transition(world.alice, project, "start")
    return project


def pay(world: World, project: Project, number: str, amount: str, quantity: str | None) -> Any:
    return projects.check_add_spending(
        world.alice,
        project,
        voucher_input(world, number, amount),
        description=f"晾衣架 {quantity or ''}个",
        quantity=quantity,
        files=[png("发票.png")],
    )


def sign(world: World, spending: Any) -> None:
    vouchers.do_voucher_transition(world.bob, spending.voucher, "review", "票据齐全，同意")
    vouchers.do_voucher_transition(heidi(world), spending.voucher, "cosign")


def line(project: Project, key: str) -> project_checks.CheckLine:
    found = [entry for entry in project_checks.project_checks(project) if entry.key == key]
    assert found, f"no check line {key}"
    return found[0]


# --- the story --------------------------------------------------------------------------------------------


def test_clothes_rack_story_from_budget_to_rectification(world: World) -> None:
    project = in_progress(world)
    assert project.contractor == "芙蓉五金有限公司"
    assert project.contract_amount == Decimal("10200.00")

    first = pay(world, project, "XM-001", "6,000", "20")
    second = pay(world, project, "XM-002", "4,200", "14")
    assert first.voucher.status == VoucherStatus.SUBMITTED
    assert first.voucher.source_type == "project" and first.voucher.source_id == str(project.pk)
    assert not line(project, "unsigned").ok
    sign(world, first)
    sign(world, second)
    assert line(project, "unsigned").ok
    assert projects.spent_total(project) == Decimal("10200.00")

    progress = projects.check_add_progress(
        world.alice, project, on=days_ago(15), text="一片区安装完成", quantity_done="12", photos=[png()]
    )
    assert [e.name for e in ledger.evidence_for(progress)] == ["照片.png"]
    projects.check_add_progress(
        world.alice, project, on=days_ago(10), text="四区全部安装完成", quantity_done="34"
    )
    projects.check_record_acceptance(
        world.alice,
        project,
        on=days_ago(5),
        quantity_counted="30",
        passed=True,
        notes="晾衣架安装牢固",
        participants="社区两委、居民代表",
    )
    project.refresh_from_db()
    assert project.status == Project.Status.ACCEPTED

    gap = line(project, "quantity_counted")
    assert not gap.ok
    assert gap.text == "已支付34个，验收清点30个，相差4个"
    assert line(project, "budget").ok and line(project, "quotes").ok and line(project, "meeting").ok

    finding = projects.check_open_finding(world.bob, project, "quantity_counted", severity="serious")
    assert "已支付34个，验收清点30个，相差4个" in finding.description
    assert finding.inspection.kind == Inspection.Kind.TARGETED
    assert finding.inspection.status == Inspection.Status.IN_PROGRESS
    assert finding.checkpoint is not None and finding.checkpoint.result == "problem"
    assert finding.project == project
    assert list(projects.project_findings(project)) == [finding]
    assert Activity.objects.filter(source_type="finding", source_id=str(finding.pk)).exists()

    notice = inspections.check_issue_rectification(
        world.bob,
        finding,
        requirement="补装4副晾衣架或退回相应惠民资金，并公开说明",
        deadline=timezone.localdate() + datetime.timedelta(days=14),
        owner=world.alice,
    )
    assert Rectification.objects.get(finding=finding) == notice
    assert notice.case.handler == world.alice

    # The same problem cannot be opened twice.
    with pytest.raises(ValidationError, match="已经立为检查发现"):
        projects.check_open_finding(world.bob, project, "quantity_counted")


def test_finding_can_join_an_inspection_being_held(world: World) -> None:
    project = in_progress(world)
    pay(world, project, "XM-001", "1,000", "2")
    held = inspections.check_plan_inspection(
        world.bob, world.sunshine, kind="routine", title="季度检查", planned_on=days_ago(1), points=["财务"]
    )
    inspections.do_start_inspection(world.bob, held)
    finding = projects.check_open_finding(world.bob, project, "unsigned", inspection=held)
    assert finding.inspection == held
    assert Inspection.objects.count() == 1


def test_a_project_finds_its_findings_by_the_link_not_by_their_text(world: World) -> None:
    project = in_progress(world)
    pay(world, project, "XM-001", "1,000", "2")
    finding = projects.check_open_finding(world.bob, project, "unsigned")
    assert finding.project == project
    # The text is what it always was: nothing new is written into it.
    assert finding.description.startswith(f"惠民项目“{project.title}”{projects.finding_marker(project)}：")
    created = AuditEntry.objects.get(target_type="finding", target_id=str(finding.pk), action="create")
    assert created.changes["project"] == [None, project.pk]
    # A finding that only quotes the marker in its text is not the project's finding.
    inspection = finding.inspection
    quoted = inspections.check_add_finding(
        world.bob, inspection, description=f"另见{projects.finding_marker(project)}的票据问题"
    )
    assert quoted.project is None
    assert list(projects.project_findings(project)) == [finding]
    # The link survives a renamed project.
    Project.objects.filter(pk=project.pk).update(title="更名后的项目")
    assert list(projects.project_findings(project)) == [finding]


def test_a_finding_cannot_name_a_project_of_another_community(world: World) -> None:
    project = in_progress(world)
    other = inspections.check_plan_inspection(
        world.bob, world.sunshine, kind="routine", title="季度检查", planned_on=days_ago(1), points=["财务"]
    )
    inspections.do_start_inspection(world.bob, other)
    Project.objects.filter(pk=project.pk).update(area=world.peace)
    project.refresh_from_db()
    with pytest.raises(ValidationError, match="不属于本次检查的社区"):
        inspections.check_add_finding(world.bob, other, description="票据不全的问题", project=project)
    assert not Finding.objects.exists()


def test_only_the_committee_opens_findings_and_only_on_problems(world: World) -> None:
    project = in_progress(world)
    with pytest.raises(PermissionDenied):
        projects.check_open_finding(world.alice, project, "budget")
    with pytest.raises(ValidationError, match="没有发现问题"):
        projects.check_open_finding(world.bob, project, "budget")
    assert not Finding.objects.exists()


# --- validation -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("budget", "message"),
    [
        ("", "请填写预算"),
        ("0", "预算：金额须大于零"),
        ("-5", "预算：金额须大于零"),
        ("abc", "预算：请填写正确的金额"),
    ],
)
def test_budget_must_be_a_positive_amount(world: World, budget: str, message: str) -> None:
    with pytest.raises(ValidationError) as exc:
        new_project(world, budget=budget)
    assert message in exc.value.message_dict["budget"][0]
    assert not Project.objects.exists()


def test_planned_quantity_times_unit_price_must_fit_the_budget(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        new_project(world, budget="10,000", planned_quantity="34", unit_price="300")
    assert exc.value.message_dict["unit_price"] == [
        "计划数量34个 × 单价¥300.00 = ¥10,200.00，超过预算¥10,000.00，请核对数量、单价或预算。"
    ]


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"planned_quantity": "34", "unit_name": ""}, "unit_name", "请同时填写计量单位"),
        ({"planned_quantity": "", "unit_price": "300"}, "planned_quantity", "请同时填写计划数量"),
        ({"planned_quantity": "3.456"}, "planned_quantity", "最多保留两位小数"),
        ({"planned_quantity": "三十"}, "planned_quantity", "须为数字"),
        ({"decided_on": None}, "decided_on", "请同时填写决策日期"),
        ({"decision_meeting": ""}, "decision_meeting", "哪次会议"),
        ({"title": "  "}, "title", "请填写项目名称"),
    ],
)
def test_project_fields_are_checked_with_clear_errors(
    world: World, extra: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        new_project(world, **extra)
    assert any(message in text for text in exc.value.message_dict[field])


def test_power_item_of_another_district_is_refused(world: World) -> None:
    other_district = world.district.__class__.objects.create(
        name="别区", kind="district", path="/9999/", depth=1
    )
    foreign = PowerItem.objects.create(area=other_district, code="X-1", domain="projects", name="别区事项")
    with pytest.raises(ValidationError) as exc:
        new_project(world, power_item=foreign)
    assert "不适用于本社区" in exc.value.message_dict["power_item"][0]


def test_budget_outside_the_item_band_is_a_warning_not_an_error(world: World) -> None:
    project = new_project(world, power_item=item("QL-XM-02"), budget="10,200")
    assert projects.project_warnings(project)
    assert not line(project, "band").ok


def test_decision_must_be_a_power_use_of_the_community(world: World) -> None:
    use = PowerUse.objects.create(
        area=world.peace, item=item(), title="和平社区项目", decided_on=days_ago(30)
    )
    with pytest.raises(ValidationError) as exc:
        new_project(world, decision=use, decision_meeting="", decided_on=None)
    assert "不属于本社区" in exc.value.message_dict["decision"][0]


def test_decision_gaps_and_meeting_are_explained(world: World) -> None:
    use = PowerUse.objects.create(
        area=world.sunshine,
        item=item(),
        title="晾衣架项目票决",
        decided_on=days_ago(30),
        meeting_held=MeetingType.JOINT,
        steps_done=["征集项目"],
    )
    project = new_project(world, decision=use, decision_meeting="", decided_on=None)
    decision = line(project, "decision")
    assert not decision.ok and "缺少流程步骤" in decision.text
    meeting = line(project, "meeting")
    assert not meeting.ok
    assert "要求召开居（村）民代表会议，实际召开的是两委联席会议" in meeting.text


def test_missing_decision_is_a_problem_line(world: World) -> None:
    project = new_project(world, decision_meeting="", decided_on=None)
    assert not line(project, "decision").ok
    assert not line(project, "meeting").ok


def test_staff_of_another_community_cannot_create_or_edit(world: World) -> None:
    with pytest.raises(PermissionDenied):
        new_project(world, actor=world.carol)
    project = new_project(world)
    data = projects.ProjectInput(area=world.sunshine, title="改名", budget="1", funding_source="x")
    with pytest.raises(PermissionDenied):
        projects.check_update_project(world.carol, project, data)
    with pytest.raises(PermissionDenied):
        projects.check_update_project(world.bob, project, data)


def test_edit_writes_an_audit_entry_with_old_and_new(world: World) -> None:
    project = new_project(world)
    data = projects.ProjectInput(
        area=world.peace,  # ignored: a project never moves
        title="四区晾衣架安装（调整）",
        budget="12000",
        funding_source="2021年社区惠民资金",
        unit_name="个",
        planned_quantity="34",
        decision_meeting=project.decision_meeting,
        decided_on=project.decided_on,
        power_item=project.power_item,
    )
    projects.check_update_project(world.alice, project, data)
    project.refresh_from_db()
    assert project.area == world.sunshine and project.budget == Decimal("12000.00")
    entry = AuditEntry.objects.filter(target_type="project", action="update").latest("id")
    assert entry.changes["budget"] == ["10200.00", "12000.00"]


# --- lifecycle and procurement ---------------------------------------------------------------------------


def test_transitions_follow_the_table(world: World) -> None:
    project = new_project(world)
    with pytest.raises(ValidationError, match="不能执行“开工实施”"):
        projects.do_project_transition(world.alice, project, "start")
    with pytest.raises(ValidationError):
        projects.do_project_transition(world.alice, project, "cancel")  # no reason
    projects.do_project_transition(world.alice, project, "procure")
    with pytest.raises(ValidationError, match="选定承建"):
        projects.do_project_transition(world.alice, project, "start")
    projects.do_project_transition(world.alice, project, "cancel", "资金未到位")
    assert project.status == Project.Status.CANCELLED
    entry = AuditEntry.objects.filter(target_type="project", action="update").latest("id")
    assert entry.changes["status"] == ["procurement", "cancelled"] and entry.reason == "资金未到位"
    with pytest.raises(ValidationError):
        projects.do_project_transition(world.alice, project, "procure")


def test_committee_cannot_move_a_project(world: World) -> None:
    project = new_project(world)
    with pytest.raises(PermissionDenied):
        projects.do_project_transition(world.bob, project, "procure")


def test_fewer_than_three_quotes_above_the_threshold_is_allowed_but_flagged(world: World) -> None:
    project = new_project(world, budget="80,000", planned_quantity="", unit_price="", unit_name="")
    projects.do_project_transition(world.alice, project, "procure")
    quote = projects.check_add_quote(
        world.alice, project, supplier="长沙园林工程有限公司", amount="60,000", received_on=days_ago(3)
    )
    projects.check_add_quote(
        world.alice, project, supplier="湘江建设有限公司", amount="65,000", received_on=days_ago(3)
    )
    projects.do_choose_quote(world.alice, quote)
    quotes = line(project, "quotes")
    assert not quotes.ok
    assert quotes.text == "合同金额¥60,000.00超过¥50,000.00，仅收到2家报价（应至少3家比价）。"


def test_few_quotes_below_the_threshold_are_fine(world: World, settings: Any) -> None:
    project = new_project(world, budget="10,200")
    projects.do_project_transition(world.alice, project, "procure")
    quote = projects.check_add_quote(
        world.alice, project, supplier="芙蓉五金有限公司", amount="9,000", received_on=days_ago(3)
    )
    projects.do_choose_quote(world.alice, quote)
    assert line(project, "quotes").ok
    settings.PROJECT_QUOTE_THRESHOLD = "5000"
    assert not line(project, "quotes").ok


def test_quote_checks(world: World) -> None:
    project = new_project(world)
    projects.check_add_quote(
        world.alice, project, supplier="芙蓉五金有限公司", amount="9000", received_on=days_ago(1)
    )
    with pytest.raises(ValidationError) as exc:
        projects.check_add_quote(
            world.alice, project, supplier="芙蓉五金有限公司", amount="-1", received_on=days_ago(-3)
        )
    errors = exc.value.message_dict
    assert "每家单位只登记一份报价" in errors["supplier"][0]
    assert "金额须大于零" in errors["amount"][0]
    assert "不能晚于今天" in errors["received_on"][0]
    over = projects.check_add_quote(
        world.alice, project, supplier="贵的公司", amount="20000", received_on=days_ago(1)
    )
    with pytest.raises(ValidationError, match="请先“开始采购”"):
        projects.do_choose_quote(world.alice, over)
    projects.do_project_transition(world.alice, project, "procure")
    with pytest.raises(ValidationError, match="超过项目预算"):
        projects.do_choose_quote(world.alice, over)


# --- spending ---------------------------------------------------------------------------------------------


def test_spending_submits_a_voucher_that_cannot_be_disclosed_until_signed(world: World) -> None:
    project = in_progress(world)
    spending = pay(world, project, "XM-001", "6,000", "20")
    voucher = spending.voucher
    assert voucher.status == VoucherStatus.SUBMITTED and not voucher.committee_signed
    assert voucher.area == world.sunshine and list(ledger.evidence_for(voucher))
    month = voucher.spent_on
    with pytest.raises(ValidationError, match="未经监委会审核签字"):
        vouchers.check_create_finance_disclosure(world.alice, world.sunshine, month.year, month.month)
    sign(world, spending)
    vouchers.do_voucher_transition(world.alice, voucher, "post")
    disclosure = vouchers.check_create_finance_disclosure(
        world.alice, world.sunshine, month.year, month.month
    )
    assert disclosure.payload["vouchers"][0]["number"] == "XM-001"


def test_spending_errors_come_back_together_and_nothing_is_saved(world: World) -> None:
    project = in_progress(world)
    with pytest.raises(ValidationError) as exc:
        projects.check_add_spending(
            world.alice,
            project,
            voucher_input(world, "XM-009", "abc"),
            description="",
            quantity="-2",
            files=[],
        )
    errors = exc.value.message_dict
    assert {"description", "quantity", "amount", "receipts"} <= set(errors)
    assert not project.spendings.exists()
    # A valid voucher with a bad line is not kept either.
    with pytest.raises(ValidationError):
        projects.check_add_spending(
            world.alice,
            project,
            voucher_input(world, "XM-010", "100"),
            description="",
            quantity="1",
            files=[png()],
        )
    from yangguang.core.models import Voucher

    assert not Voucher.objects.filter(number="XM-010").exists()


def test_spending_needs_works_started(world: World) -> None:
    project = new_project(world)
    with pytest.raises(ValidationError, match="开工实施后"):
        pay(world, project, "XM-001", "100", "1")


def test_rejected_voucher_does_not_count_as_spent(world: World) -> None:
    project = in_progress(world)
    spending = pay(world, project, "XM-001", "6,000", "20")
    vouchers.do_voucher_transition(world.bob, spending.voucher, "reject", "发票抬头不对")
    assert projects.spent_total(project) == 0
    assert "已退回" in line(project, "unsigned").text


def test_close_waits_for_the_committee_signature(world: World) -> None:
    project = in_progress(world)
    spending = pay(world, project, "XM-001", "10,200", "34")
    projects.check_record_acceptance(
        world.alice, project, on=days_ago(1), quantity_counted="34", passed=True, participants="两委"
    )
    with pytest.raises(ValidationError, match="未经居务监督委员会审核签字"):
        projects.do_project_transition(world.alice, project, "close")
    sign(world, spending)
    projects.do_project_transition(world.alice, project, "close")
    assert project.status == Project.Status.CLOSED
    assert line(project, "quantity_counted").ok


# --- progress and acceptance ------------------------------------------------------------------------------


def test_progress_quantity_cannot_decrease(world: World) -> None:
    project = in_progress(world)
    projects.check_add_progress(world.alice, project, on=days_ago(5), text="安装一半", quantity_done="17")
    with pytest.raises(ValidationError) as exc:
        projects.check_add_progress(world.alice, project, on=days_ago(4), text="返工", quantity_done="15")
    assert exc.value.message_dict["quantity_done"] == [
        "累计完成数量不能减少：上次报告已完成17个，本次填写15个。"
    ]
    with pytest.raises(ValidationError, match="早于上一条"):
        projects.check_add_progress(world.alice, project, on=days_ago(6), text="补记", quantity_done="17")


def test_progress_beyond_plan_needs_a_note(world: World) -> None:
    project = in_progress(world)
    with pytest.raises(ValidationError) as exc:
        projects.check_add_progress(world.alice, project, on=days_ago(1), text="多装", quantity_done="36")
    assert "请说明原因" in exc.value.message_dict["over_note"][0]
    report = projects.check_add_progress(
        world.alice, project, on=days_ago(1), text="多装", quantity_done="36", over_note="居民要求加装2个"
    )
    assert "居民要求加装2个" in report.text


def test_progress_photos_must_be_photos(world: World) -> None:
    project = in_progress(world)
    pdf = SimpleUploadedFile("说明.pdf", PDF, content_type="application/pdf")
    with pytest.raises(ValidationError) as exc:
        projects.check_add_progress(world.alice, project, on=days_ago(1), text="进展", photos=[pdf])
    assert "只能上传 JPG 或 PNG" in exc.value.message_dict["photos"][0]
    assert not Evidence.objects.exists()


def test_failed_acceptance_keeps_the_project_in_progress(world: World) -> None:
    project = in_progress(world)
    with pytest.raises(ValidationError) as exc:
        projects.check_record_acceptance(
            world.alice, project, on=days_ago(1), quantity_counted="", passed=False, participants=""
        )
    assert {"quantity_counted", "participants", "notes"} <= set(exc.value.message_dict)
    projects.check_record_acceptance(
        world.alice,
        project,
        on=days_ago(2),
        quantity_counted="30",
        passed=False,
        notes="少4个",
        participants="两委",
    )
    assert project.status == Project.Status.IN_PROGRESS
    assert not line(project, "acceptance").ok
    projects.check_record_acceptance(
        world.alice,
        project,
        on=days_ago(1),
        quantity_counted="34",
        passed=True,
        participants="两委、居民代表",
    )
    assert project.status == Project.Status.ACCEPTED
    assert project.acceptance.quantity_counted == Decimal("34.00")


# --- feedback ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "comment", "field"),
    [(0, "", "score"), (6, "", "score"), ("abc", "", "score"), (4, "好" * 501, "comment")],
)
def test_feedback_is_validated(world: World, score: object, comment: str, field: str) -> None:
    project = new_project(world)
    with pytest.raises(ValidationError) as exc:
        projects.check_leave_feedback(project, score=score, comment=comment, ip="10.0.0.1")
    assert field in exc.value.message_dict
    assert not ProjectFeedback.objects.exists()


def test_feedback_is_flood_limited_per_ip_and_project(world: World) -> None:
    project = new_project(world)
    other = new_project(world, title="健身器材升级")
    for _n in range(projects.FEEDBACK_LIMIT_PER_HOUR):
        projects.check_leave_feedback(project, score=5, comment="", ip="10.0.0.1")
    with pytest.raises(ValidationError, match="过于频繁"):
        projects.check_leave_feedback(project, score=5, comment="", ip="10.0.0.1")
    projects.check_leave_feedback(project, score=4, comment="", ip="10.0.0.2")
    projects.check_leave_feedback(other, score=4, comment="", ip="10.0.0.1")
    summary = projects.feedback_summary(project)
    assert summary.count == 4 and summary.by_score[5] == 3 and summary.average == Decimal("4.8")


def test_feedback_comment_keeps_no_personal_data(world: World) -> None:
    project = new_project(world)
    feedback = projects.check_leave_feedback(
        project, score=2, comment="张三丰说少装了，电话13812345678", ip="10.0.0.1"
    )
    assert "13812345678" not in feedback.comment and "张三丰" not in feedback.comment


def test_cancelled_project_takes_no_feedback(world: World) -> None:
    project = new_project(world)
    projects.do_project_transition(world.alice, project, "cancel", "取消")
    with pytest.raises(ValidationError, match="已取消"):
        projects.check_leave_feedback(project, score=5, comment="", ip="10.0.0.1")
