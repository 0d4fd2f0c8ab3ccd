"""The committee's workspace pages: the home page (own community only), the ledger (list, filters, adding a
line, exports), opinions (on any supported record, committee only) and the oversight view (street and
district), each with its outsiders and its pinned query count."""

from __future__ import annotations

import datetime
import io
import re
from typing import Any

import docx
import pytest
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from tests.backoffice.test_case_page import logged_in
from tests.conftest import World
from tests.core.test_oversight import (
    FUTURE,
    PAST,
    disclosure,
    inspection,
    new_case,
    rectification,
    term,
    voucher,
)
from yangguang.core.actions import ledger, ledger_export, registry
from yangguang.core.models import Activity, AuditEntry, Household, Inspection, Opinion

WORKSPACE = reverse("backoffice:workspace")
LEDGER = reverse("backoffice:workspace_ledger")
EXPORT = reverse("backoffice:workspace_ledger_export")
OPINIONS = reverse("backoffice:workspace_opinions")
OVERSIGHT = reverse("backoffice:oversight")


def opinion_url(target_type: str, pk: int) -> str:
    return reverse("backoffice:workspace_opinion_add", args=[target_type, pk])


def page(client: Client, url: str, **params: Any) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- the workspace ----------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(db: None) -> None:
    for url in (WORKSPACE, LEDGER, OPINIONS, OVERSIGHT):
        response = Client().get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_member_opens_the_workspace_of_his_community_without_choosing(world: World) -> None:
    html = page(logged_in(world.bob), WORKSPACE)
    assert "阳光社区监委会工作台" in html
    assert f"?tab=overdue&amp;area={world.sunshine.pk}" in html


@pytest.mark.parametrize(
    ("who", "area"),
    [
        ("bob", "peace"),
        ("carol", "sunshine"),
        ("mallory", "sunshine"),
        ("grace", "sunshine"),
        ("bob", "grid"),
    ],
)
def test_outsiders_get_404(world: World, who: str, area: str) -> None:
    client = logged_in(getattr(world, who))
    for url in (WORKSPACE, LEDGER, OPINIONS):
        assert client.get(url, {"area": getattr(world, area).pk}).status_code == 404


def test_users_without_supervision_get_404_without_area(world: World) -> None:
    for who in ("mallory", "grace"):
        assert logged_in(getattr(world, who)).get(WORKSPACE).status_code == 404


def test_a_bad_area_is_404_not_an_error(world: World) -> None:
    client = logged_in(world.bob)
    for bad in ("abc", "999999", "-1"):
        assert client.get(WORKSPACE, {"area": bad}).status_code == 404


def test_street_chooses_among_its_communities(world: World) -> None:
    html = page(logged_in(world.dave), WORKSPACE)
    assert f"?area={world.sunshine.pk}" in html and f"?area={world.peace.pk}" in html
    assert "明月村" not in html
    assert "和平社区监委会工作台" in page(logged_in(world.dave), WORKSPACE, area=world.peace.pk)


def test_workspace_shows_what_is_waiting(world: World) -> None:
    new_case(world.grid, due_at=PAST, reporter_phone="13900000001")
    inspection(world.sunshine, status="planned", held_on=None, title="计划检查")
    rectification(world.sunshine, due_at=PAST)
    voucher(world.sunshine)
    disclosure(world)
    ledger.do_add_opinion(world.bob, world.sunshine, world.person, "请核实该户收入情况")
    html = page(logged_in(world.bob), WORKSPACE)
    assert "请核实该户收入情况" in html and "张*丰" in html and "张三丰" not in html
    assert f"?area={world.sunshine.pk}&amp;status=draft" in html
    assert reverse("backoffice:person_list") in html


def test_workspace_query_count_is_fixed(world: World, django_assert_num_queries: Any) -> None:
    for n in range(3):
        ledger.do_add_opinion(world.bob, world.sunshine, world.person, f"意见{n}")
        rectification(world.sunshine, due_at=FUTURE)
    client = logged_in(world.bob)
    client.get(WORKSPACE)  # warm the session
    # session, user, roles, community list, cases, inspections, rectifications, vouchers, disclosures,
    # opinions, ledger lines
    with django_assert_num_queries(11):
        client.get(WORKSPACE)


def test_staff_does_not_see_a_planned_surprise_visit(world: World) -> None:
    inspection(world.sunshine, status="planned", held_on=None, kind=Inspection.Kind.UNANNOUNCED)
    bob = page(logged_in(world.bob), WORKSPACE)
    alice = page(logged_in(world.alice), WORKSPACE)
    planned = re.compile(r'<div class="num">(\d+)</div><a href="[^"]*">计划中的监督检查')
    assert planned.findall(bob) == ["1"]
    assert planned.findall(alice) == ["0"]


# --- the ledger -------------------------------------------------------------------------------------------


def line_data(**extra: str) -> dict[str, str]:
    return {"on": "2025-03-05", "kind": "meeting", "title": "第一季度例会", "participants": "刘博", **extra}


def test_member_adds_a_line(world: World) -> None:
    client = logged_in(world.bob)
    response = client.post(f"{LEDGER}?area={world.sunshine.pk}", line_data())
    assert response.status_code == 302
    line = Activity.objects.get()
    assert line.title == "第一季度例会" and line.recorded_by == world.bob
    assert "第一季度例会" in page(client, LEDGER)


@pytest.mark.parametrize("who", ["alice", "dave", "erin"])
def test_readers_who_are_not_members_cannot_add_lines(world: World, who: str) -> None:
    client = logged_in(getattr(world, who))
    html = page(client, LEDGER, area=world.sunshine.pk)
    assert "补记台账" not in html
    response = client.post(f"{LEDGER}?area={world.sunshine.pk}", line_data())
    assert response.status_code == 403
    assert not Activity.objects.exists()


def test_outsider_posting_a_line_gets_404(world: World) -> None:
    response = logged_in(world.carol).post(f"{LEDGER}?area={world.sunshine.pk}", line_data())
    assert response.status_code == 404


def test_bad_line_shows_errors_and_saves_nothing(world: World) -> None:
    client = logged_in(world.bob)
    for data in (
        line_data(title=""),
        line_data(kind="inspection"),
        line_data(on="2099-01-01"),
        line_data(on="昨天"),
        {"title": "x" * 500},
    ):
        response = client.post(f"{LEDGER}?area={world.sunshine.pk}", data)
        assert response.status_code == 200
        assert "未能记入台账" in response.content.decode()
    assert not Activity.objects.exists()


def test_ledger_filters_and_query_count(world: World, django_assert_num_queries: Any) -> None:
    for n in range(30):
        ledger_export.check_add_line(
            world.bob,
            world.sunshine,
            kind="visit" if n % 2 else "meeting",
            on=datetime.date(2025, 1, 1) + datetime.timedelta(days=n),
            title=f"事项{n:02d}",
        )
    client = logged_in(world.bob)
    html = page(client, LEDGER, kind="visit", since="2025-01-10", until="2025-01-20")
    # Visits are the odd lines; 1月10日 is line 09, 1月20日 line 19.
    assert "事项09" in html and "事项19" in html
    assert "事项10" not in html and "事项21" not in html and "事项07" not in html
    # A reversed range shows an error and ignores the dates.
    assert "截止日期不能早于起始日期" in page(client, LEDGER, since="2025-02-01", until="2025-01-01")
    with django_assert_num_queries(6):  # session, user, roles, community list, count, page
        client.get(LEDGER, {"page": "2"})


def test_no_url_edits_or_deletes_a_line(world: World) -> None:
    from yangguang.backoffice import urls_workspace

    names = [pattern.name or "" for pattern in urls_workspace.urlpatterns]
    assert not [name for name in names if "edit" in name or "delete" in name]


def test_export_downloads_xlsx_and_docx_and_audits(world: World) -> None:
    ledger_export.check_add_line(
        world.bob, world.sunshine, kind="meeting", on=datetime.date(2025, 2, 1), title="二月例会"
    )
    client = logged_in(world.alice)  # staff read and export, but cannot add
    params = {"area": world.sunshine.pk, "since": "2025-01-01", "until": "2025-12-31"}
    response = client.get(EXPORT, {**params, "fmt": "xlsx"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    assert rows[1][:3] == ["2025-02-01", "会议", "二月例会"]
    response = client.get(EXPORT, {**params, "fmt": "docx"})
    assert response.status_code == 200
    document = docx.Document(io.BytesIO(response.content))
    assert document.tables[0].rows[1].cells[2].text == "二月例会"
    assert AuditEntry.objects.filter(action="export", actor=world.alice).count() == 2


def test_export_with_bad_input_shows_the_form_again(world: World) -> None:
    client = logged_in(world.bob)
    response = client.get(
        EXPORT, {"area": world.sunshine.pk, "since": "2025-02-01", "until": "2025-01-01", "fmt": "pdf"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "截止日期不能早于起始日期" in html and "请选择 Excel 或 Word 格式" in html
    assert not AuditEntry.objects.filter(action="export").exists()


def test_outsider_cannot_export(world: World) -> None:
    params = {"area": world.sunshine.pk, "since": "2025-01-01", "until": "2025-12-31", "fmt": "xlsx"}
    assert logged_in(world.carol).get(EXPORT, params).status_code == 404


# --- opinions ---------------------------------------------------------------------------------------------


def test_member_adds_an_opinion_on_a_case_from_its_page(world: World) -> None:
    case = new_case(world.grid, reporter_phone="13900000001")
    client = logged_in(world.bob)
    detail = reverse("backoffice:case_detail", args=[case.pk])
    html = page(client, detail)
    assert opinion_url("case", case.pk) in html
    response = client.post(opinion_url("case", case.pk), {"body": "请承办单位三日内答复", "next": detail})
    assert response.status_code == 302 and response["Location"] == detail
    opinion = Opinion.objects.get()
    assert opinion.area == world.sunshine and opinion.target_type == "case"
    assert "请承办单位三日内答复" in page(client, detail)
    assert "请承办单位三日内答复" in page(client, OPINIONS)
    assert Activity.objects.get().kind == "opinion"


def test_staff_sees_opinions_but_cannot_add_one(world: World) -> None:
    case = new_case(world.grid, reporter_phone="13900000001")
    ledger.do_add_opinion(world.bob, world.sunshine, case, "请加快办理")
    client = logged_in(world.alice)
    html = page(client, reverse("backoffice:case_detail", args=[case.pk]))
    assert "请加快办理" in html and opinion_url("case", case.pk) not in html
    assert client.post(opinion_url("case", case.pk), {"body": "我也有意见"}).status_code == 403
    assert Opinion.objects.count() == 1


@pytest.mark.parametrize("who", ["dave", "erin"])
def test_oversight_roles_cannot_add_opinions(world: World, who: str) -> None:
    response = logged_in(getattr(world, who)).post(opinion_url("person", world.person.pk), {"body": "意见"})
    assert response.status_code == 403


def test_opinion_on_an_invisible_record_is_404(world: World) -> None:
    client = logged_in(world.bob)
    assert client.post(opinion_url("person", world.other_person.pk), {"body": "意见"}).status_code == 404
    assert client.post(opinion_url("auditentry", 1), {"body": "意见"}).status_code == 404
    assert client.post(opinion_url("case", 999999), {"body": "意见"}).status_code == 404
    assert client.get(opinion_url("person", world.person.pk)).status_code == 405
    assert not Opinion.objects.exists()


def test_opinions_on_each_supported_record(world: World) -> None:
    notice = rectification(world.sunshine, due_at=FUTURE)
    household = registry.do_save_record(
        None, Household(area=world.grid, number="H-0001", dwelling=world.dwelling)
    )
    records = [
        ("person", world.person.pk),
        ("household", household.pk),
        ("inspection", notice.finding.inspection_id),
        ("finding", notice.finding_id),
        ("rectification", notice.pk),
        ("voucher", voucher(world.sunshine).pk),
        ("disclosure", disclosure(world).pk),
        ("committeeterm", term(world.sunshine, ends_on=datetime.date(2027, 1, 1)).pk),
    ]
    client = logged_in(world.bob)
    for target_type, pk in records:
        response = client.post(opinion_url(target_type, pk), {"body": f"对{target_type}的意见"})
        assert response.status_code == 302, target_type
    assert Opinion.objects.filter(area=world.sunshine).count() == len(records)


def test_an_empty_opinion_is_refused_with_a_message(world: World) -> None:
    client = logged_in(world.bob)
    response = client.post(opinion_url("person", world.person.pk), {"body": "   "}, follow=True)
    assert "请填写监督意见" in response.content.decode()
    assert not Opinion.objects.exists()


def test_next_outside_the_site_is_ignored(world: World) -> None:
    response = logged_in(world.bob).post(
        opinion_url("person", world.person.pk), {"body": "意见", "next": "https://evil.example/"}
    )
    assert response["Location"].startswith(OPINIONS)


def test_opinions_page_query_count(world: World, django_assert_num_queries: Any) -> None:
    for n in range(25):
        ledger.do_add_opinion(world.bob, world.sunshine, world.person, f"意见{n}")
    client = logged_in(world.bob)
    client.get(OPINIONS)
    with django_assert_num_queries(6):
        client.get(OPINIONS, {"page": "2"})


# --- oversight ----------------------------------------------------------------------------------------


def test_oversight_is_for_street_and_district(world: World) -> None:
    for who in ("alice", "bob", "carol", "grace", "mallory"):
        assert logged_in(getattr(world, who)).get(OVERSIGHT).status_code == 404
    html = page(logged_in(world.dave), OVERSIGHT)
    assert "阳光社区" in html and "和平社区" in html and "明月村" not in html
    assert "明月村" in page(logged_in(world.erin), OVERSIGHT)


def test_oversight_links_numbers_to_their_lists(world: World) -> None:
    new_case(world.grid, due_at=PAST, reporter_phone="13900000001")
    html = page(logged_in(world.dave), OVERSIGHT)
    assert f'href="{WORKSPACE}?area={world.sunshine.pk}"' in html
    assert f"?tab=overdue&amp;area={world.sunshine.pk}" in html


def test_oversight_period_filter(world: World) -> None:
    inspection(world.sunshine, held_on=datetime.date(2023, 5, 1))
    client = logged_in(world.dave)
    row = f'data-community="{world.sunshine.pk}"'

    def held(html: str) -> str:
        found = re.search(row + r'.*?data-figure="inspections"><a href="[^"]*">(\d+)</a>', html, re.S)
        assert found is not None
        return found.group(1)

    assert held(page(client, OVERSIGHT)) == "0"
    assert held(page(client, OVERSIGHT, since="2023-01-01", until="2023-12-31")) == "1"
    html = page(client, OVERSIGHT, since="2023-12-31", until="2023-01-01")
    assert "截止日期不能早于起始日期" in html
    assert held(page(client, OVERSIGHT, since="垃圾")) == "0"


def test_oversight_query_count_is_fixed(world: World, django_assert_num_queries: Any) -> None:
    client = logged_in(world.erin)
    client.get(OVERSIGHT)
    for name in ("春风社区", "秋月社区", "夏雨社区"):
        area = registry.do_create_area(None, parent=world.street, kind="community", name=name)
        rectification(area, due_at=PAST)
    # session, user, roles, communities, six grouped figures
    with django_assert_num_queries(10):
        client.get(OVERSIGHT)
