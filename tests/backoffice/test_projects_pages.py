"""Back-office pages of welfare projects (惠民项目): the list (filters, pagination, pinned queries), the
create/edit form, the project page with its checks, and who may do what: alice (staff) runs the project,
bob (committee) reads it and opens findings but changes nothing, carol (staff elsewhere) and mallory
(no role) get 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.backoffice.test_case_page import logged_in
from tests.conftest import World
from tests.core.test_projects import days_ago, heidi, in_progress, new_project, pay, png, sign
from yangguang.core.actions import projects
from yangguang.core.models import Finding, Project, ProjectQuote, Voucher, VoucherStatus

LIST = reverse("backoffice:projects_list")
NEW = reverse("backoffice:projects_new")


def url(name: str, project: Project, *args: Any) -> str:
    return reverse(f"backoffice:projects_{name}", args=[project.pk, *args])


def page(client: Client, path: str, **params: str) -> str:
    response = client.get(path, params)
    assert response.status_code == 200
    return response.content.decode()


def accepted_with_gap(world: World) -> Project:
    project = in_progress(world)
    sign(world, pay(world, project, "XM-001", "6,000", "20"))
    sign(world, pay(world, project, "XM-002", "4,200", "14"))
    projects.check_add_progress(
        world.alice, project, on=days_ago(3), text="四区全部安装完成", quantity_done="34", photos=[png()]
    )
    projects.check_record_acceptance(
        world.alice,
        project,
        on=days_ago(1),
        quantity_counted="30",
        passed=True,
        participants="两委、居民代表",
    )
    return project


# --- list ---------------------------------------------------------------------------------------------------


def test_list_shows_projects_of_the_jurisdiction_only(world: World) -> None:
    new_project(world, title="四区晾衣架安装")
    new_project(world, area=world.peace, title="和平里健身器材", actor=world.carol)
    alice = page(logged_in(world.alice), LIST)
    assert "四区晾衣架安装" in alice and "和平里健身器材" not in alice
    dave = page(logged_in(world.dave), LIST)
    assert "四区晾衣架安装" in dave and "和平里健身器材" in dave
    bob = page(logged_in(world.bob), LIST)
    assert "四区晾衣架安装" in bob and "新建惠民项目" not in bob


def test_list_filters_by_status_search_and_community(world: World) -> None:
    new_project(world, title="四区晾衣架安装")
    other = new_project(world, title="健身器材升级")
    projects.do_project_transition(world.alice, other, "procure")
    new_project(world, area=world.peace, title="和平里书柜", actor=world.carol)
    client = logged_in(world.dave)
    body = page(client, LIST, status="procurement")
    assert "健身器材升级" in body and "四区晾衣架安装" not in body
    body = page(client, LIST, q="晾衣架")
    assert "四区晾衣架安装" in body and "健身器材升级" not in body
    body = page(client, LIST, area=str(world.peace.pk))
    assert "和平里书柜" in body and "健身器材升级" not in body
    # Bad values are ignored rather than crashing.
    assert "四区晾衣架安装" in page(client, LIST, status="nonsense", area="abc", page="xyz")


def test_list_is_paginated_with_an_empty_state(world: World, settings: Any) -> None:
    client = logged_in(world.alice)
    assert "还没有惠民项目" in page(client, LIST)
    assert "没有符合条件的项目" in page(client, LIST, q="不存在")
    settings.PAGE_SIZE = 2
    for n in range(5):
        new_project(world, title=f"项目{n}")
    first = page(client, LIST)
    assert "第 1 / 3 页" in first and "项目4" in first and "项目0" not in first
    assert "项目0" in page(client, LIST, page="3")


@pytest.mark.parametrize("persona", ["alice", "bob", "dave"])
def test_list_runs_a_fixed_number_of_queries(
    world: World, persona: str, django_assert_num_queries: Any
) -> None:
    for n in range(3):
        project = new_project(world, title=f"项目{n}")
    project = in_progress(world, title="有支出的项目")
    pay(world, project, "XM-001", "1,000", "2")
    client = logged_in(getattr(world, persona))
    client.get(LIST)  # warm up the session
    # session, user, role assignments, count, page rows with communities and spent totals, the community
    # filter's choices
    with django_assert_num_queries(6):
        response = client.get(LIST)
    assert response.status_code == 200
    for n in range(3, 9):
        new_project(world, title=f"项目{n}")
    with django_assert_num_queries(6):
        client.get(LIST)


def test_outsiders_get_404(world: World) -> None:
    project = new_project(world)
    for user in (world.mallory, world.carol):
        client = logged_in(user)
        assert client.get(url("detail", project)).status_code == 404
        assert client.get(url("edit", project)).status_code == 404
        assert client.post(url("quote_add", project), {}).status_code == 404
        assert client.post(url("finding", project), {"key": "decision"}).status_code == 404
        assert client.post(url("step", project, "procure"), {}).status_code == 404
    assert logged_in(world.mallory).get(LIST).status_code == 404
    assert logged_in(world.mallory).get(NEW).status_code == 404
    assert Client().get(url("detail", project)).status_code == 302


def test_committee_reads_but_cannot_change(world: World) -> None:
    project = in_progress(world)
    client = logged_in(world.bob)
    body = page(client, url("detail", project))
    assert "四区晾衣架安装" in body and "登记支出" not in body and "修改项目信息" not in body
    assert "监督意见" in body  # the committee's opinions panel
    assert client.get(url("edit", project)).status_code == 403
    assert client.get(NEW).status_code == 403
    assert client.post(url("step", project, "cancel"), {"cancel-reason": "x"}).status_code == 403
    assert client.post(url("progress_add", project), {"progress-on": "2025-01-01"}).status_code == 403
    assert client.post(url("acceptance", project), {}).status_code == 403
    quote = ProjectQuote.objects.filter(project=project).first()
    assert quote is not None
    assert client.post(url("quote_choose", project, quote.pk)).status_code == 403


# --- create and edit -----------------------------------------------------------------------------------


def form_data(world: World, **extra: str) -> dict[str, str]:
    data = {
        "area": str(world.sunshine.pk),
        "title": "四区晾衣架安装",
        "budget": "10,200",
        "funding_source": "2021年社区惠民资金",
        "meeting_kind": "representatives",
        "meeting_note": "2021年第2次",
        "decided_on": days_ago(30).isoformat(),
        "unit_name": "个",
        "planned_quantity": "34",
        "unit_price": "300",
    }
    data.update(extra)
    return data


def test_staff_create_a_project(world: World) -> None:
    client = logged_in(world.alice)
    assert "新建惠民项目" in page(client, NEW)
    response = client.post(NEW, form_data(world))
    project = Project.objects.get()
    assert response.status_code == 302 and response["Location"] == url("detail", project)
    assert project.decision_meeting == "居（村）民代表会议：2021年第2次"
    assert project.planned_quantity == 34 and project.created_by == world.alice


def test_create_shows_errors_beside_the_fields(world: World) -> None:
    client = logged_in(world.alice)
    response = client.post(NEW, form_data(world, budget="0", unit_price="400", planned_quantity="34"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "预算：金额须大于零。" in body
    assert not Project.objects.exists()
    response = client.post(NEW, form_data(world, budget="10000", unit_price="300"))
    assert "超过预算¥10,000.00" in response.content.decode()
    response = client.post(NEW, form_data(world, area=str(world.peace.pk)))
    assert "不在您的管辖范围内" in response.content.decode()
    assert not Project.objects.exists()


def test_edit_keeps_the_meeting_and_saves_changes(world: World) -> None:
    project = new_project(world)
    client = logged_in(world.alice)
    body = page(client, url("edit", project))
    assert 'value="2021年第2次"' in body and 'value="representatives" selected' in body
    data = form_data(world, title="四区晾衣架安装（二期）")
    data.pop("area")
    response = client.post(url("edit", project), data)
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.title == "四区晾衣架安装（二期）"


# --- the project page ----------------------------------------------------------------------------------


def test_project_page_shows_budget_spending_progress_and_the_gap(world: World) -> None:
    project = accepted_with_gap(world)
    body = page(logged_in(world.alice), url("detail", project))
    assert "已报账 ¥10,200.00 / 预算 ¥10,200.00（100%）" in body
    voucher = Voucher.objects.get(number="XM-001")
    assert reverse("backoffice:finance_voucher_detail", args=[voucher.pk]) in body
    assert "已支付34个，验收清点30个，相差4个" in body
    assert 'data-check="quantity_counted" data-ok="0"' in body
    assert "施工现场照片1" in body and "芙蓉五金有限公司" in body
    assert "立为检查发现" not in body  # staff do not open findings


def test_progress_photo_is_served_to_readers_only(world: World) -> None:
    project = accepted_with_gap(world)
    report = project.progress_reports.get()
    evidence = projects.progress_photos([report])[report.pk][0]
    path = url("progress_photo", project, report.pk, evidence.pk)
    response = logged_in(world.bob).get(path)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert logged_in(world.carol).get(path).status_code == 404
    other = url("progress_photo", project, report.pk, evidence.pk + 999)
    assert logged_in(world.alice).get(other).status_code == 404


def test_committee_opens_a_finding_from_the_gap(world: World) -> None:
    project = accepted_with_gap(world)
    client = logged_in(world.bob)
    body = page(client, url("detail", project))
    assert "立为检查发现" in body
    response = client.post(
        url("finding", project), {"key": "quantity_counted", "severity": "serious", "inspection": ""}
    )
    finding = Finding.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("backoffice:insp_detail", args=[finding.inspection_id])
    assert finding.severity == "serious"
    body = page(client, url("detail", project))
    assert "惠民项目专项检查" in body
    assert finding.project == project
    # The inspection page names the project the finding came from, with a link to it.
    project_link = f'href="{reverse("backoffice:projects_detail", args=[project.pk])}"'
    inspection_page = page(client, reverse("backoffice:insp_detail", args=[finding.inspection_id]))
    assert "来源项目" in inspection_page and project_link in inspection_page
    # Staff cannot open findings.
    assert logged_in(world.alice).post(url("finding", project), {"key": "decision"}).status_code == 403


def test_staff_run_procurement_spending_progress_and_acceptance_through_the_page(world: World) -> None:
    project = new_project(world)
    client = logged_in(world.alice)
    assert client.post(url("step", project, "procure"), {}).status_code == 302
    response = client.post(
        url("quote_add", project),
        {
            "quote-supplier": "芙蓉五金有限公司",
            "quote-amount": "10,200",
            "quote-received_on": days_ago(2).isoformat(),
        },
    )
    assert response.status_code == 302
    quote = ProjectQuote.objects.get()
    client.post(url("quote_choose", project, quote.pk))
    assert client.post(url("step", project, "start"), {}).status_code == 302
    response = client.post(
        url("spending_add", project),
        {
            "spending-description": "晾衣架34个",
            "spending-quantity": "34",
            "spending-number": "XM-001",
            "spending-spent_on": days_ago(1).isoformat(),
            "spending-amount": "10,200",
            "spending-payee": "芙蓉五金有限公司",
            "spending-receipts": png("发票.png"),
        },
    )
    assert response.status_code == 302
    voucher = Voucher.objects.get(number="XM-001")
    assert voucher.status == VoucherStatus.SUBMITTED and voucher.source_id == str(project.pk)
    response = client.post(
        url("progress_add", project),
        {
            "progress-on": days_ago(1).isoformat(),
            "progress-text": "安装完成",
            "progress-quantity_done": "34",
            "progress-public": "on",
            "progress-photos": [png("现场1.png"), png("现场2.png")],
        },
    )
    assert response.status_code == 302
    assert (
        len(projects.progress_photos(list(project.progress_reports.all()))[project.progress_reports.get().pk])
        == 2
    )
    response = client.post(
        url("acceptance", project),
        {
            "acceptance-on": days_ago(0).isoformat(),
            "acceptance-quantity_counted": "34",
            "acceptance-passed": "yes",
            "acceptance-participants": "两委、居民代表",
        },
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == Project.Status.ACCEPTED
    # Closing waits for the committee's signature and says so.
    response = client.post(url("step", project, "close"), {}, follow=True)
    assert "未经居务监督委员会审核签字" in response.content.decode()
    sign(world, project.spendings.get())
    client.post(url("step", project, "close"), {})
    project.refresh_from_db()
    assert project.status == Project.Status.CLOSED
    assert heidi(world)


def test_bad_input_on_the_page_shows_errors_not_a_crash(world: World) -> None:
    project = in_progress(world)
    client = logged_in(world.alice)
    projects.check_add_progress(world.alice, project, on=days_ago(3), text="一半", quantity_done="17")
    response = client.post(
        url("progress_add", project),
        {"progress-on": days_ago(1).isoformat(), "progress-text": "返工", "progress-quantity_done": "10"},
    )
    assert response.status_code == 200
    assert "累计完成数量不能减少" in response.content.decode()
    response = client.post(url("spending_add", project), {"spending-amount": "abc"})
    assert response.status_code == 200 and "请上传至少一张票据" in response.content.decode()
    response = client.post(url("step", project, "cancel"), {"cancel-reason": "不做了"}, follow=True)
    assert "不能执行“取消项目”" in response.content.decode()  # in progress: the table refuses
    planned = new_project(world, title="新项目")
    response = client.post(url("step", planned, "cancel"), {})
    assert response.status_code == 200 and "请填写取消项目的原因" in response.content.decode()
    assert client.post(url("step", project, "nonsense"), {}).status_code == 404
    response = client.post(url("acceptance", project), {"acceptance-on": "yesterday"})
    assert response.status_code == 200 and "请填写正确的日期" in response.content.decode()
