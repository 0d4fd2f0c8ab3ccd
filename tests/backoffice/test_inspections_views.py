"""Inspection, rectification and bulletin pages: who may open them (outsiders 404, readers 403 on the
committee's acts), the forms through POST with errors beside their fields, evidence downloads, the
printable notice, and pinned query counts on the lists."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.conftest import World, make_user
from tests.core.test_inspections import in_days, issued, item, pdf, planned, png, replied_by_owner, started
from tests.core.test_projects import in_progress, pay
from yangguang.core.actions import bulletins, projects
from yangguang.core.actions import inspections as insp
from yangguang.core.actions.ledger import evidence_for
from yangguang.core.models import (
    CaseStatus,
    Disclosure,
    Finding,
    Inspection,
    InspectionCheck,
    Rectification,
)
from yangguang.core.permissions import Role

LIST = reverse("backoffice:insp_list")
PLAN = reverse("backoffice:insp_plan")
RECT_LIST = reverse("backoffice:insp_rect_list")
BULLETINS = reverse("backoffice:insp_bulletin_list")
BULLETIN_NEW = reverse("backoffice:insp_bulletin_new")


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name: str, *args: Any) -> str:
    return reverse(f"backoffice:{name}", args=args)


def body(response: Any) -> str:
    return str(response.content.decode())


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- access ---------------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(world: World) -> None:
    for page in (LIST, RECT_LIST, BULLETINS, PLAN):
        response = Client().get(page)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("backoffice:login"))


def test_users_without_supervision_rights_get_404_on_the_lists(world: World) -> None:
    mallory = logged_in(world.mallory)
    for page in (LIST, RECT_LIST, BULLETINS, PLAN, BULLETIN_NEW):
        assert mallory.get(page).status_code == 404
    assert logged_in(world.grace).get(LIST).status_code == 404
    alice = logged_in(world.alice)
    assert alice.get(LIST).status_code == 200
    assert alice.get(PLAN).status_code == 404  # staff do not plan the committee's inspections
    assert alice.get(BULLETINS).status_code == 404
    assert logged_in(world.bob).get(BULLETINS).status_code == 404


def test_outsiders_get_404_on_every_page_of_a_record(world: World) -> None:
    rectification = issued(world)
    inspection = rectification.finding.inspection
    [evidence] = evidence_for(rectification.finding)
    bulletin = bulletins.check_generate_bulletin(world.erin, world.district, in_days(-7), in_days(0))
    pages = [
        url("insp_detail", inspection.pk),
        url("insp_evidence", inspection.pk, evidence.pk),
        url("insp_rect_detail", rectification.pk),
        url("insp_rect_print", rectification.pk),
    ]
    posts = [
        url("insp_start", inspection.pk),
        url("insp_finding", inspection.pk),
        url("insp_complete", inspection.pk),
        url("insp_cancel", inspection.pk),
        url("insp_check", inspection.pk, inspection.checks.first().pk),  # type: ignore[union-attr]
        url("insp_rectify", inspection.pk, rectification.finding.pk),
        url("insp_rect_verify", rectification.pk),
        url("insp_rect_report", rectification.pk),
    ]
    peace_member = make_user("pm", "和平监委", Role.COMMITTEE_MEMBER, world.peace)
    for outsider in (world.carol, world.mallory, peace_member):
        client = logged_in(outsider)
        for page in pages:
            assert client.get(page).status_code == 404, (outsider, page)
        for page in posts:
            assert client.post(page, {}).status_code == 404, (outsider, page)
    # A bulletin of the district is not the street's to see; nor is it the staff's.
    for reader in (world.dave, world.alice, world.bob):
        assert logged_in(reader).get(url("insp_bulletin_detail", bulletin.pk)).status_code == 404
    assert logged_in(world.erin).get(url("insp_bulletin_detail", bulletin.pk)).status_code == 200
    assert logged_in(world.bob).get(url("insp_detail", 999999)).status_code == 404


def test_unannounced_planned_inspection_is_hidden_from_staff_pages(world: World) -> None:
    surprise = planned(world, kind=Inspection.Kind.UNANNOUNCED, title="明察暗访报箱")
    alice = logged_in(world.alice)
    assert "明察暗访报箱" not in body(alice.get(LIST))
    assert alice.get(url("insp_detail", surprise.pk)).status_code == 404
    assert "明察暗访报箱" in body(logged_in(world.bob).get(LIST))
    assert "明察暗访报箱" in body(logged_in(world.dave).get(LIST))
    insp.do_start_inspection(world.bob, surprise)
    assert alice.get(url("insp_detail", surprise.pk)).status_code == 200


def test_readers_see_no_forms_and_get_403_when_posting(world: World) -> None:
    inspection = started(world)
    page = body(logged_in(world.alice).get(url("insp_detail", inspection.pk)))
    assert "检查清单" in page and "记录问题" not in page and "完成检查" not in page
    check = inspection.checks.first()
    assert check is not None
    for reader in (world.alice, world.dave, world.erin):
        client = logged_in(reader)
        assert client.post(url("insp_check", inspection.pk, check.pk), {"result": "ok"}).status_code == 403
        response = client.post(
            url("insp_finding", inspection.pk),
            {"finding-description": "问题描述很清楚", "finding-severity": "minor"},
        )
        assert response.status_code == 403
    check.refresh_from_db()
    assert check.result == InspectionCheck.Result.PENDING
    assert not Finding.objects.exists()


def test_nav_links_follow_capabilities(world: World) -> None:
    home = reverse("backoffice:home")
    alice = body(logged_in(world.alice).get(home))
    assert LIST in alice and RECT_LIST in alice and BULLETINS not in alice
    dave = body(logged_in(world.dave).get(home))
    assert LIST in dave and BULLETINS in dave
    assert LIST not in body(logged_in(world.mallory).get(home))


# --- planning -------------------------------------------------------------------------------------------


def test_bob_plans_an_inspection_with_items_and_points(world: World) -> None:
    welfare = item(world)
    client = logged_in(world.bob)
    page = body(client.get(PLAN))
    assert welfare.name in page and "阳光社区" in page and "和平社区" not in page
    response = client.post(
        PLAN,
        {
            "area": world.sunshine.pk,
            "kind": "targeted",
            "title": "帮扶对象专项检查",
            "planned_on": in_days(2).isoformat(),
            "items": [welfare.pk],
            "points": "入户走访\n\n查看公示记录",
        },
    )
    inspection = Inspection.objects.get()
    assert response.status_code == 302 and response["Location"] == url("insp_detail", inspection.pk)
    assert inspection.checks.count() == 4
    assert list(inspection.inspectors.all()) == [world.bob]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"title": ""}, "title", "这个字段是必填项"),
        ({"planned_on": "2026-13-45"}, "planned_on", "输入一个有效的日期"),
        ({"area": "abc"}, "area", "所选区域不在您的管辖范围内"),
        ({"items": [], "points": " "}, "items", "请至少选择一个监督事项或填写一个检查要点"),
    ],
)
def test_bad_plans_show_errors_and_save_nothing(
    world: World, data: dict[str, Any], field: str, message: str
) -> None:
    client = logged_in(world.bob)
    base: dict[str, Any] = {
        "area": world.sunshine.pk,
        "kind": "routine",
        "title": "日常监督",
        "planned_on": in_days(1).isoformat(),
        "points": "一",
    }
    response = client.post(PLAN, base | data)
    assert response.status_code == 200
    assert any(message in str(e) for e in response.context["form"].errors.get(field, []))
    assert not Inspection.objects.exists()


def test_another_communitys_area_cannot_be_posted(world: World) -> None:
    response = logged_in(world.bob).post(
        PLAN,
        {
            "area": world.peace.pk,
            "kind": "routine",
            "title": "越权",
            "planned_on": in_days(1).isoformat(),
            "points": "一",
        },
    )
    assert response.status_code == 200 and "area" in response.context["form"].errors
    assert not Inspection.objects.exists()


# --- the inspection page --------------------------------------------------------------------------------


def test_the_committee_holds_the_inspection_through_the_page(world: World) -> None:
    inspection = planned(world)
    client = logged_in(world.bob)
    assert "开始检查" in body(client.get(url("insp_detail", inspection.pk)))
    assert client.post(url("insp_start", inspection.pk)).status_code == 302
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.IN_PROGRESS
    checks = list(inspection.checks.order_by("position"))
    response = client.post(url("insp_check", inspection.pk, checks[0].pk), {"result": "ok", "note": "已公示"})
    assert response.status_code == 302
    response = client.post(url("insp_complete", inspection.pk), {"complete-summary": "基本规范"}, follow=True)
    page = body(response)
    assert "还有2个检查要点未记录结果" in page and "家庭收入与财产核查材料齐全" in page
    response = client.post(
        url("insp_finding", inspection.pk),
        {
            "finding-description": "2户帮扶对象家庭收入超标",
            "finding-severity": "serious",
            "finding-checkpoint": checks[1].pk,
            "finding-evidence": [png(), pdf()],
        },
    )
    assert response.status_code == 302
    finding = Finding.objects.get()
    assert evidence_for(finding).count() == 2
    client.post(url("insp_check", inspection.pk, checks[2].pk), {"result": "na"})
    response = client.post(url("insp_complete", inspection.pk), {"complete-summary": "发现1个问题"})
    assert response.status_code == 302
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.COMPLETED
    page = body(client.get(url("insp_detail", inspection.pk)))
    assert "2户帮扶对象家庭收入超标" in page and "下达整改通知" in page and "现场.png" in page


def test_bad_finding_input_is_shown_beside_the_fields(world: World) -> None:
    inspection = started(world)
    other = started(world, title="另一次")
    client = logged_in(world.bob)
    response = client.post(
        url("insp_finding", inspection.pk),
        {
            "finding-description": "短",
            "finding-severity": "worst",
            "finding-checkpoint": other.checks.first().pk,  # type: ignore[union-attr]
        },
    )
    assert response.status_code == 200
    errors = response.context["finding_form"].errors
    assert set(errors) == {"severity", "checkpoint"}
    response = client.post(
        url("insp_finding", inspection.pk),
        {"finding-description": "短", "finding-severity": "minor"},
    )
    assert "至少5个字" in str(response.context["finding_form"].errors["description"])
    # A text file pretending to be a photo.
    text = SimpleUploadedFile("伪装.png", b"just text, not an image", content_type="image/png")
    response = client.post(
        url("insp_finding", inspection.pk),
        {"finding-description": "台账缺少签字页", "finding-severity": "minor", "finding-evidence": [text]},
    )
    assert response.status_code == 200
    assert "不是支持的格式" in str(response.context["finding_form"].errors)
    assert not Finding.objects.exists()


def test_a_check_of_another_inspection_is_404(world: World) -> None:
    first = started(world)
    second = started(world, title="第二次")
    check = second.checks.first()
    assert check is not None
    response = logged_in(world.bob).post(url("insp_check", first.pk, check.pk), {"result": "ok"})
    assert response.status_code == 404


def test_missing_result_is_a_message_not_a_crash(world: World) -> None:
    inspection = started(world)
    check = inspection.checks.first()
    assert check is not None
    response = logged_in(world.bob).post(
        url("insp_check", inspection.pk, check.pk), {"result": "maybe"}, follow=True
    )
    assert "请选择检查结果。" in messages_of(response)


def test_cancel_through_the_page(world: World) -> None:
    inspection = planned(world)
    client = logged_in(world.bob)
    response = client.post(url("insp_cancel", inspection.pk), {"cancel-reason": ""})
    assert response.status_code == 200 and "reason" in response.context["cancel_form"].errors
    assert client.post(url("insp_cancel", inspection.pk), {"cancel-reason": "改期"}).status_code == 302
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.CANCELLED


def test_evidence_is_served_to_readers_only(world: World) -> None:
    rectification = issued(world)
    inspection = rectification.finding.inspection
    [evidence] = evidence_for(rectification.finding)
    response = logged_in(world.alice).get(url("insp_evidence", inspection.pk, evidence.pk))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")  # type: ignore[attr-defined]
    other = started(world, title="另一次")
    assert logged_in(world.bob).get(url("insp_evidence", other.pk, evidence.pk)).status_code == 404


# --- rectification notices ------------------------------------------------------------------------------


def test_issue_a_notice_from_the_inspection_page(world: World) -> None:
    inspection = started(world)
    finding = insp.check_add_finding(world.bob, inspection, description="晾衣架少装4副")
    client = logged_in(world.bob)
    prefix = f"rect-{finding.pk}"
    response = client.post(
        url("insp_rectify", inspection.pk, finding.pk),
        {
            f"{prefix}-requirement": "补装4副晾衣架",
            f"{prefix}-deadline": in_days(0).isoformat(),
            f"{prefix}-owner": world.alice.pk,
        },
    )
    assert response.status_code == 200
    assert response.context["rows"][0].rectify_form.errors["deadline"] == ["整改期限须晚于今天。"]
    response = client.post(
        url("insp_rectify", inspection.pk, finding.pk),
        {
            f"{prefix}-requirement": "补装4副晾衣架",
            f"{prefix}-deadline": in_days(30).isoformat(),
            f"{prefix}-owner": world.carol.pk,
        },
    )
    assert response.status_code == 200
    assert "owner" in response.context["rows"][0].rectify_form.errors
    response = client.post(
        url("insp_rectify", inspection.pk, finding.pk),
        {
            f"{prefix}-requirement": "补装4副晾衣架",
            f"{prefix}-deadline": in_days(30).isoformat(),
            f"{prefix}-owner": world.alice.pk,
        },
    )
    rectification = Rectification.objects.get()
    assert response.status_code == 302 and response["Location"] == url("insp_rect_detail", rectification.pk)
    staff_page = body(logged_in(world.alice).get(url("insp_rect_detail", rectification.pk)))
    assert rectification.number in staff_page and url("case_detail", rectification.case.pk) in staff_page
    assert "提交验收" not in staff_page


def test_the_notice_of_a_project_finding_links_the_project(world: World) -> None:
    project = in_progress(world)
    pay(world, project, "XM-001", "1,000", "2")
    finding = projects.check_open_finding(world.bob, project, "unsigned")
    notice = insp.check_issue_rectification(
        world.bob, finding, requirement="补齐监委会审核签字", deadline=in_days(14), owner=world.alice
    )
    project_link = f'href="{url("projects_detail", project.pk)}"'
    notice_page = body(logged_in(world.alice).get(url("insp_rect_detail", notice.pk)))
    assert "来源项目" in notice_page and project_link in notice_page and project.title in notice_page
    plain = issued(world)  # a finding of an ordinary inspection names no project
    assert "来源项目" not in body(logged_in(world.alice).get(url("insp_rect_detail", plain.pk)))


def test_staff_cannot_issue_through_the_page(world: World) -> None:
    inspection = started(world)
    finding = insp.check_add_finding(world.bob, inspection, description="晾衣架少装4副")
    prefix = f"rect-{finding.pk}"
    response = logged_in(world.alice).post(
        url("insp_rectify", inspection.pk, finding.pk),
        {
            f"{prefix}-requirement": "补装4副晾衣架",
            f"{prefix}-deadline": in_days(30).isoformat(),
            f"{prefix}-owner": world.alice.pk,
        },
    )
    assert response.status_code == 403
    assert not Rectification.objects.exists()


def test_printable_notice(world: World) -> None:
    rectification = issued(world)
    page = body(logged_in(world.alice).get(url("insp_rect_print", rectification.pk)))
    for text in (rectification.number, "阳光社区", "取消2户帮扶资格", "居务监督委员会", "size: A4", "王爱丽"):
        assert text in page
    assert rectification.deadline.strftime("%Y年") in page
    # The print button works under the Content-Security-Policy: a script file, no onclick attribute.
    assert '<button type="button" data-print>打印</button>' in page and "backoffice/print.js" in page
    assert "onclick" not in page


def test_verify_and_report_back_through_the_page(world: World) -> None:
    rectification = issued(world)
    client = logged_in(world.bob)
    page = body(client.get(url("insp_rect_detail", rectification.pk)))
    assert "提交验收" not in page and "责任人答复整改情况后" in page
    response = client.post(
        url("insp_rect_verify", rectification.pk), {"verify-passed": "1", "verify-note": "好"}, follow=True
    )
    assert any("答复整改情况后才能验收" in m for m in messages_of(response))
    replied_by_owner(world, rectification)
    assert "提交验收" in body(client.get(url("insp_rect_detail", rectification.pk)))
    assert (
        logged_in(world.alice)
        .post(url("insp_rect_verify", rectification.pk), {"verify-passed": "1", "verify-note": "好"})
        .status_code
        == 403
    )
    response = client.post(
        url("insp_rect_verify", rectification.pk), {"verify-passed": "1", "verify-note": ""}
    )
    assert response.status_code == 200 and "note" in response.context["verify_form"].errors
    response = client.post(
        url("insp_rect_verify", rectification.pk), {"verify-passed": "1", "verify-note": "已核实到位"}
    )
    assert response.status_code == 302
    rectification.refresh_from_db()
    assert rectification.verdict == Rectification.Verdict.PASSED
    assert rectification.case.status == CaseStatus.SATISFIED
    response = client.post(url("insp_rect_report", rectification.pk), {"report-text": "已整改到位。"})
    assert response.status_code == 302
    disclosure = Disclosure.objects.get(kind="rectification_report")
    assert disclosure.status == Disclosure.Status.DRAFT
    assert "已整改到位" in body(client.get(url("insp_rect_detail", rectification.pk)))


def test_failed_verification_with_a_new_deadline(world: World) -> None:
    rectification = issued(world)
    replied_by_owner(world, rectification)
    client = logged_in(world.bob)
    response = client.post(
        url("insp_rect_verify", rectification.pk),
        {"verify-passed": "1", "verify-note": "好", "verify-new_deadline": in_days(9).isoformat()},
    )
    assert response.status_code == 200 and "new_deadline" in response.context["verify_form"].errors
    response = client.post(
        url("insp_rect_verify", rectification.pk),
        {"verify-passed": "0", "verify-note": "仍有1户未取消", "verify-new_deadline": in_days(9).isoformat()},
    )
    assert response.status_code == 302
    rectification.refresh_from_db()
    assert rectification.verdict == Rectification.Verdict.FAILED and rectification.deadline == in_days(9)
    assert rectification.case.status == CaseStatus.IN_PROGRESS


def test_rectification_tabs(world: World) -> None:
    open_one = issued(world)
    done = issued(world)
    replied_by_owner(world, done)
    insp.do_verify_rectification(world.bob, done, passed=True, note="好")
    late = issued(world, deadline=in_days(1))
    Rectification.objects.filter(pk=late.pk).update(deadline=in_days(-1))
    client = logged_in(world.dave)

    def shown(tab: str) -> set[str]:
        page = body(client.get(RECT_LIST, {"show": tab}))
        return {r.number for r in (open_one, done, late) if r.number in page}

    assert shown("open") == {open_one.number, late.number}
    assert shown("overdue") == {late.number}
    assert shown("verified") == {done.number}
    assert shown("all") == {open_one.number, done.number, late.number}
    assert shown("nonsense") == {open_one.number, late.number}  # an unknown tab falls back to 整改中
    assert "没有符合条件的整改通知" in body(client.get(RECT_LIST, {"show": "escalated"}))
    assert open_one.number not in body(logged_in(world.carol).get(RECT_LIST, {"show": "all"}))


# --- pinned query counts --------------------------------------------------------------------------------

# session, user, role assignments, community choices of the filter, count, page rows
LIST_QUERIES = 6


def _fill(world: World, n: int) -> None:
    for _ in range(n):
        issued(world)


@pytest.mark.parametrize("page", [LIST, RECT_LIST])
def test_list_query_count_does_not_grow_with_rows(
    world: World, page: str, django_assert_num_queries: Any
) -> None:
    _fill(world, 1)
    client = logged_in(world.bob)
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get(page, {"show": "all"}).status_code == 200
    _fill(world, 3)
    with CaptureQueriesContext(connection) as more:
        response = client.get(page, {"show": "all"})
    assert response.status_code == 200
    assert len(more.captured_queries) == LIST_QUERIES
    assert response.context["page_obj"].paginator.count == 4


def test_bulletin_list_query_count(world: World, django_assert_num_queries: Any) -> None:
    for _ in range(3):
        bulletins.check_generate_bulletin(world.dave, world.street, in_days(-7), in_days(0))
    client = logged_in(world.dave)
    # session, user, role assignments, count, page rows (with their areas)
    with django_assert_num_queries(5):
        response = client.get(BULLETINS)
    assert response.status_code == 200 and response.context["page_obj"].paginator.count == 3


# --- bulletins ------------------------------------------------------------------------------------------


def test_dave_generates_a_bulletin_and_a_disclosure_draft(world: World) -> None:
    rectification = issued(world)
    inspection = rectification.finding.inspection
    for check in inspection.checks.all():
        insp.do_record_check(world.bob, check, "ok")
    insp.do_complete_inspection(world.bob, inspection, "发现问题1个")
    client = logged_in(world.dave)
    page = body(client.get(BULLETIN_NEW))
    assert "东风街道" in page and "西湖街道" not in page and "示范区" not in page
    today = timezone.localdate()
    response = client.post(
        BULLETIN_NEW,
        {"area": world.street.pk, "period_start": in_days(-30).isoformat(), "period_end": today.isoformat()},
    )
    assert response.status_code == 302
    page = body(client.get(response["Location"]))
    assert "阳光社区" in page and "和平社区" in page and "专项检查" in page and "较重" in page
    bulletin_pk = int(response["Location"].rstrip("/").split("/")[-1])
    assert client.post(url("insp_bulletin_disclose", bulletin_pk)).status_code == 302
    assert Disclosure.objects.filter(kind="bulletin").count() == 1
    response = client.post(url("insp_bulletin_disclose", bulletin_pk), follow=True)
    assert any("已生成公开草稿" in m for m in messages_of(response))
    assert "暂无通报" not in body(client.get(BULLETINS))


def test_bad_bulletin_input_shows_errors(world: World) -> None:
    client = logged_in(world.dave)
    response = client.post(
        BULLETIN_NEW,
        {
            "area": world.street.pk,
            "period_start": in_days(0).isoformat(),
            "period_end": in_days(-3).isoformat(),
        },
    )
    assert response.status_code == 200 and "period_end" in response.context["form"].errors
    response = client.post(BULLETIN_NEW, {"area": world.street2.pk, "period_start": "x", "period_end": ""})
    assert set(response.context["form"].errors) == {"area", "period_start", "period_end"}
    assert "暂无通报" in body(client.get(BULLETINS))
