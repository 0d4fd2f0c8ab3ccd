"""The work queue: who sees which cases, the six tabs, filters, search, deadline order, overdue marking,
pagination and a pinned query count."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.backoffice.test_case_page import dispatched, logged_in, new_case, replied
from tests.conftest import World
from yangguang.backoffice.views import cases as case_views
from yangguang.core.actions import cases
from yangguang.core.models import Case, CaseCategory, Channel, HandlingUnit

QUEUE = reverse("backoffice:case_queue")


def queue(client: Client, **params: str) -> str:
    response = client.get(QUEUE, params)
    assert response.status_code == 200
    return response.content.decode()


def test_anonymous_is_sent_to_login(db: None) -> None:
    response = Client().get(QUEUE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("backoffice:login"))


def test_user_without_cases_gets_404(world: World) -> None:
    assert logged_in(world.mallory).get(QUEUE).status_code == 404


def test_each_persona_sees_their_jurisdiction(world: World) -> None:
    sunshine = new_case(world, area=world.sunshine, title="阳光社区的诉求")
    grid = new_case(world, title="一网格的诉求", reporter_phone="13900000001")
    peace = new_case(world, area=world.peace, title="和平社区的诉求", reporter_phone="13900000002")
    village = new_case(world, area=world.village, title="明月村的诉求", reporter_phone="13900000003")
    seen = {
        "carol": {peace},
        "alice": {sunshine, grid},
        "bob": {sunshine, grid},
        "dave": {sunshine, grid, peace},
        "erin": {sunshine, grid, peace, village},
        "grace": {grid},
    }
    every = {sunshine, grid, peace, village}
    for name, expected in seen.items():
        page = queue(logged_in(getattr(world, name)), tab="all")
        for case in every:
            assert (case.number in page) == (case in expected), (name, case.title)


def test_grid_worker_also_sees_what_she_handles(world: World) -> None:
    elsewhere = new_case(world, area=world.sunshine)
    assert elsewhere.number not in queue(logged_in(world.grace), tab="all")
    cases.do_transition(world.alice, elsewhere, "dispatch", handler=world.grace)
    page = queue(logged_in(world.grace))  # the default tab is 我的
    assert elsewhere.number in page


def test_unit_member_without_a_role_sees_the_unit_tab(world: World) -> None:
    worker = User.objects.create_user("wuye", password="x" * 12)
    unit = HandlingUnit.objects.create(area=world.sunshine, name="芙蓉物业", kind="property")
    unit.members.add(worker)
    case = new_case(world)
    cases.do_transition(world.alice, case, "dispatch", unit=unit)
    other = new_case(world, reporter_phone="13900000004")
    page = queue(logged_in(worker), tab="unit")
    assert case.number in page and other.number not in page
    assert other.number not in queue(logged_in(worker), tab="all")


def test_tabs_select_their_cases(world: World) -> None:
    received = new_case(world, title="待派单的")
    mine = dispatched(world, title="派给葛瑞的", reporter_phone="13900000005")
    overdue = dispatched(world, title="超期的", reporter_phone="13900000006")
    cases.do_transition(world.grace, overdue, "sign")
    Case.objects.filter(pk=overdue.pk).update(due_at=timezone.now() - datetime.timedelta(days=3))
    callback = replied(world)
    cases.do_transition(world.alice, callback, "close")
    rated = replied(world)
    cases.do_transition(world.alice, rated, "close")
    cases.do_rate(None, rated, 5)

    alice = logged_in(world.alice)
    dispatch_tab = queue(alice, tab="dispatch")
    assert received.number in dispatch_tab and mine.number not in dispatch_tab
    callback_tab = queue(alice, tab="callback")
    assert callback.number in callback_tab and rated.number not in callback_tab
    overdue_tab = queue(alice, tab="overdue")
    assert overdue.number in overdue_tab and mine.number not in overdue_tab
    assert "已超期" in overdue_tab
    everything = queue(alice, tab="all")
    assert all(c.number in everything for c in (received, mine, overdue, callback, rated))

    grace_mine = queue(logged_in(world.grace), tab="mine")
    assert mine.number in grace_mine and overdue.number in grace_mine
    assert callback.number not in grace_mine  # closed: no longer open work
    assert received.number not in grace_mine
    # The committee takes no cases in: nothing waits for it to dispatch.
    assert received.number not in queue(logged_in(world.bob), tab="dispatch")


def test_tab_labels_show_counts(world: World) -> None:
    new_case(world)
    new_case(world, reporter_phone="13900000007")
    page = queue(logged_in(world.alice), tab="dispatch")
    assert "待派单（2）" in page
    assert 'aria-current="page"' in page
    # 全部 carries no number: counting every case ever visible is what made the queue slow.
    assert re.search(r">全部</a>", page)


def test_callback_count_stops_at_the_cap(world: World, monkeypatch: Any) -> None:
    monkeypatch.setattr(case_views, "COUNT_CAP", 1)
    for _n in range(2):
        case = replied(world)
        cases.do_transition(world.alice, case, "close")
    page = queue(logged_in(world.alice))
    assert "待回访（1+）" in page
    monkeypatch.setattr(case_views, "COUNT_CAP", 2)
    assert "待回访（2）" in queue(logged_in(world.alice))


def test_overdue_rows_are_marked_in_text(world: World) -> None:
    late = dispatched(world)
    cases.do_transition(world.grace, late, "sign")
    Case.objects.filter(pk=late.pk).update(due_at=timezone.now() - datetime.timedelta(days=3))
    on_time = dispatched(world, reporter_phone="13900000008")
    cases.do_transition(world.grace, on_time, "sign")
    page = queue(logged_in(world.grace), tab="mine")
    assert page.count("⚠ 已超期") == 1


def test_queue_tabs_are_sorted_by_due_date(world: World) -> None:
    later = dispatched(world, title="晚到期")
    sooner = dispatched(world, title="早到期", reporter_phone="13900000009")
    for case in (later, sooner):
        cases.do_transition(world.grace, case, "sign")
    now = timezone.now()
    Case.objects.filter(pk=later.pk).update(due_at=now + datetime.timedelta(days=5))
    Case.objects.filter(pk=sooner.pk).update(due_at=now + datetime.timedelta(days=1))
    page = queue(logged_in(world.grace), tab="mine")
    assert page.index(sooner.number) < page.index(later.number)
    # 全部 shows the newest first.
    page = queue(logged_in(world.grace), tab="all")
    assert page.index(sooner.number) < page.index(later.number)


def test_filters_and_search(world: World) -> None:
    parking = CaseCategory.objects.get(code="parking")
    a = new_case(world, title="垃圾没人清", channel=Channel.HOTLINE)
    b = new_case(
        world,
        title="车位被占",
        category=parking,
        urgency="urgent",
        area=world.sunshine,
        reporter_phone="13900000010",
    )
    Case.objects.filter(pk=a.pk).update(created_at=timezone.now() - datetime.timedelta(days=40))
    alice = logged_in(world.alice)

    def only(expected: Case, **params: str) -> None:
        page = queue(alice, tab="all", **params)
        for case in (a, b):
            assert (case.number in page) == (case == expected), params

    only(b, category=str(parking.pk))
    only(b, urgency="urgent")
    only(a, channel="hotline")
    only(a, area=str(world.grid.pk))
    only(b, q="车位")
    only(a, q=a.number)
    only(b, since=(timezone.localdate() - datetime.timedelta(days=7)).isoformat())
    only(a, until=(timezone.localdate() - datetime.timedelta(days=30)).isoformat())
    cases.do_transition(world.alice, b, "dispatch", handler=world.grace)
    only(b, status="dispatched")


def test_area_filter_offers_only_the_jurisdiction(world: World) -> None:
    page = queue(logged_in(world.alice), tab="all")
    assert "阳光社区" in page and "和平社区" not in page
    # An area from elsewhere is refused like an unknown one and filters nothing in.
    other = new_case(world, area=world.peace)
    page = queue(logged_in(world.alice), tab="all", area=str(world.peace.pk))
    assert other.number not in page
    assert "不在您的管辖范围内" in page


def test_pagination_goes_forward_and_back_without_a_total(world: World, settings) -> None:
    settings.PAGE_SIZE = 2
    made = [new_case(world, reporter_phone=f"1390000002{n}") for n in range(3)]
    alice = logged_in(world.alice)
    first = queue(alice, tab="all")
    second = queue(alice, tab="all", page="2")
    assert "第 1 页" in first and "下一页" in first and "上一页" not in first
    assert "第 2 页" in second and "上一页" in second and "下一页" not in second
    assert not re.search(r"共 \d+ 件|/ \d+ 页", first)  # no total: a COUNT over every visible case
    assert sum(c.number in first for c in made) == 2
    assert sum(c.number in second for c in made) == 1
    beyond = queue(alice, tab="all", page="9")
    assert "这一页没有诉求了" in beyond and "上一页" in beyond
    assert "第 1 页" in queue(alice, tab="all", page="x")


def test_query_count_does_not_grow_with_rows(world: World) -> None:
    def count_queries() -> int:
        client = logged_in(world.alice)
        client.get(QUEUE, {"tab": "all"})  # warm the session
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(QUEUE, {"tab": "all", "q": "垃圾"})
        assert response.status_code == 200
        return len(ctx.captured_queries)

    dispatched(world)
    few = count_queries()
    for n in range(8):
        case = new_case(world, reporter_phone=f"1370000001{n}", area=world.sunshine if n % 2 else world.grid)
        cases.do_transition(world.alice, case, "dispatch", handler=world.grace)
    assert count_queries() == few
    # session, user, roles, the user's units and areas, open tab counts, 待回访 count, rows (one more
    # than a page, no page count), the category and area selects
    assert few == 9
