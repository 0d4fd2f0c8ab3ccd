"""Public pages: the index, a community's board and a case's public status page. No personal data."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import World
from tests.portal.helpers import category, closed_case, new_case
from yangguang.core.actions import cases
from yangguang.core.models import Case
from yangguang.portal.views import home

# community, its areas, counts with the indicators (one grouped query), category names, compounds, the
# first page of closures; while they are cached, none (a later page of closures: one)
BOARD_QUERIES = 6


def board_url(world: World) -> str:
    return reverse("portal:board", args=[world.sunshine.pk])


def test_index_links_each_community_board_and_the_report_form(world: World, client: Client) -> None:
    html = client.get(reverse("portal:index")).content.decode()
    assert f'href="{reverse("portal:report")}"' in html and "我要反映问题" in html
    for community in (world.sunshine, world.peace, world.village):
        assert f'href="{reverse("portal:board", args=[community.pk])}"' in html
    assert 'action="/t/"' in html


def test_board_counts_by_status_and_category_and_shows_the_rates(world: World, client: Client) -> None:
    done = closed_case(world)
    cases.do_rate(None, done, 5)
    new_case(world, area=world.grid, category=category("parking"), reporter_phone="13900000001")
    new_case(world, area=world.peace, category=category("parking"), reporter_phone="13900000002")  # not ours
    old = new_case(world, reporter_phone="13900000003")
    Case.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=400))

    html = client.get(board_url(world)).content.decode()
    assert "<h1>阳光社区</h1>" in html
    assert re.search(r"<span class=\"value\">2</span><span class=\"name\">收到诉求", html)
    status_table = re.search(r"<caption>按办理状态</caption>.*?</table>", html, re.S)
    category_table = re.search(r"<caption>按问题分类</caption>.*?</table>", html, re.S)
    assert status_table and category_table
    assert re.search(r"满意</th><td class=\"num\">1<", status_table.group())
    assert re.search(r"已受理</th><td class=\"num\">1<", status_table.group())
    assert re.search(r"环境卫生</th><td class=\"num\">1<", category_table.group())
    assert re.search(r"停车管理</th><td class=\"num\">1<", category_table.group())
    # One dispatched case, signed at once; closed before its deadline; rated 5.
    assert html.count('<span class="value">100%</span>') == 3
    # The closure is listed with its title and date, and no one's name.
    assert reverse("portal:case", args=[done.number]) in html
    assert "王大妈" not in html and "138" not in html and "葛瑞" not in html


def test_board_without_cases_says_no_data(world: World, client: Client) -> None:
    html = client.get(board_url(world)).content.decode()
    assert html.count("暂无数据") == 3
    assert "暂无办结的诉求" in html


def test_board_query_count_does_not_grow_with_cases(
    world: World, client: Client, django_assert_num_queries: Any
) -> None:
    closed_case(world)
    with django_assert_num_queries(BOARD_QUERIES):
        client.get(board_url(world))
    for n in range(3):
        closed_case(world, area=world.grid, reporter_phone=f"1390000000{n}", confidential=n == 1)
        new_case(world, category=category("facilities"), reporter_phone=f"1370000000{n}")
    with django_assert_num_queries(0):
        response = client.get(board_url(world))
    assert response.content.decode().count("办结</span>") == 1  # the board is up to a minute old
    with django_assert_num_queries(1):
        client.get(board_url(world), {"page": 2})
    cache.clear()
    with django_assert_num_queries(BOARD_QUERIES):
        html = client.get(board_url(world)).content.decode()
    assert html.count("办结</span>") == 4
    assert re.search(r"<span class=\"value\">7</span><span class=\"name\">收到诉求", html)


def test_board_counts_are_cached_for_a_minute_per_community(world: World, client: Client) -> None:
    closed_case(world)
    client.get(board_url(world))
    new_case(world, reporter_phone="13900000001")
    html = client.get(board_url(world)).content.decode()
    assert re.search(r"<span class=\"value\">1</span><span class=\"name\">收到诉求", html)
    assert cache.get(f"portal:board:{world.peace.pk}") is None
    # As when the minute is up: the first page's HTML runs out with the summary it was made from.
    cache.delete_many([f"portal:board:{world.sunshine.pk}", f"portal:board-page:{world.sunshine.pk}:zh-hans"])
    html = client.get(board_url(world)).content.decode()
    assert re.search(r"<span class=\"value\">2</span><span class=\"name\">收到诉求", html)


def test_the_first_page_is_kept_no_longer_than_its_summary(
    world: World, client: Client, monkeypatch: Any
) -> None:
    monkeypatch.setattr(home.time, "time", lambda: 1_000_000.0)
    closed_case(world)
    client.get(board_url(world))
    summary = cache.get(f"portal:board:{world.sunshine.pk}")
    assert summary.expires == 1_000_000.0 + home.BOARD_CACHE_SECONDS
    monkeypatch.setattr(home.time, "time", lambda: 1_000_000.0 + home.BOARD_CACHE_SECONDS - 5)
    assert summary.seconds_left() == 5
    monkeypatch.setattr(home.time, "time", lambda: 1_000_000.0 + home.BOARD_CACHE_SECONDS + 5)
    assert summary.seconds_left() == 1


def test_the_first_page_is_kept_per_language(world: World, client: Client) -> None:
    closed_case(world)
    chinese = client.get(board_url(world)).content.decode()
    english = client.get(board_url(world), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "诉求办理情况" in chinese
    assert "诉求办理情况" not in english
    assert cache.get(f"portal:board-page:{world.sunshine.pk}:en") is not None


def test_recent_closures_are_paginated(world: World, client: Client, monkeypatch: Any) -> None:
    monkeypatch.setattr(home, "CLOSURES_PER_PAGE", 2)
    first, second, third = (closed_case(world, reporter_phone=f"1390000000{n}") for n in range(3))
    page1 = client.get(board_url(world)).content.decode()
    page2 = client.get(board_url(world), {"page": 2}).content.decode()
    assert "第 1 页" in page1 and "?page=2#closures" in page1 and "?page=0" not in page1
    assert "第 2 页" in page2 and "?page=1#closures" in page2 and "?page=3" not in page2
    assert reverse("portal:case", args=[third.number]) in page1
    assert reverse("portal:case", args=[first.number]) not in page1
    assert reverse("portal:case", args=[first.number]) in page2
    beyond = client.get(board_url(world), {"page": 7}).content.decode()
    assert "没有更早的办结记录了" in beyond and "?page=6#closures" in beyond


def test_closures_are_paged_only_so_deep(world: World, client: Client, monkeypatch: Any) -> None:
    monkeypatch.setattr(home, "CLOSURES_PER_PAGE", 1)
    monkeypatch.setattr(home, "CLOSURE_PAGES", 2)
    first, second, third = (closed_case(world, reporter_phone=f"1390000000{n}") for n in range(3))
    last = client.get(board_url(world), {"page": 9}).content.decode()
    assert "第 2 页" in last and "?page=3" not in last
    assert reverse("portal:case", args=[second.number]) in last


def test_confidential_closure_is_listed_by_category_only(world: World, client: Client) -> None:
    closed_case(world, confidential=True, description="隔壁302的张某某天天在楼道堆放杂物")
    html = client.get(board_url(world)).content.decode()
    assert "（保密诉求）环境卫生" in html
    assert "张某某" not in html


def test_board_links_the_posters(world: World, client: Client) -> None:
    html = client.get(board_url(world)).content.decode()
    assert "打印二维码海报" in html
    assert reverse("portal:community_poster", args=[world.sunshine.pk]) in html
    assert reverse("portal:compound_poster", args=[world.compound.pk]) in html
    assert reverse("portal:compound_poster", args=[world.other_compound.pk]) not in html


def test_board_of_a_street_or_unknown_area_is_404(world: World, client: Client) -> None:
    assert client.get(reverse("portal:board", args=[world.street.pk])).status_code == 404
    assert client.get(reverse("portal:board", args=[999999])).status_code == 404


def test_public_case_page_shows_progress_and_no_reporter(world: World, client: Client) -> None:
    case = closed_case(world, reporter_name="王大妈", reporter_phone="13812345678")
    cases.do_rate(None, case, 5, "王大妈很满意，电话13812345678")
    html = client.get(reverse("portal:case", args=[case.number])).content.decode()
    assert case.title in html and "垃圾桶满了三天" in html
    assert "阳光社区" in html and "环境卫生" in html and "满意" in html
    assert "已联系环卫公司清运完毕" in html
    for secret in ("王大妈", "13812345678", "138****5678", "葛瑞", case.tracking_code):
        assert secret not in html


def test_public_case_page_masks_numbers_typed_into_the_description(world: World, client: Client) -> None:
    case = new_case(world, description="我家电话13812345678，身份证43010219500101123X，楼道灯坏了")
    html = client.get(reverse("portal:case", args=[case.number])).content.decode()
    assert "13812345678" not in html and "43010219500101123X" not in html
    assert "138****5678" in html and "430***********123X" in html


def test_confidential_case_page_shows_only_category_and_status(world: World, client: Client) -> None:
    case = closed_case(world, confidential=True, description="举报楼下小卖部老板李某某占道经营")
    html = client.get(reverse("portal:case", args=[case.number])).content.decode()
    assert "环境卫生" in html and "已办结" in html
    assert "李某某" not in html and "占道经营" not in html
    assert "已联系环卫公司清运完毕" not in html  # no timeline either
    assert "反映人要求保密" in html


def test_unknown_case_number_is_404(world: World, client: Client) -> None:
    assert client.get(reverse("portal:case", args=["YG20250000001"])).status_code == 404
