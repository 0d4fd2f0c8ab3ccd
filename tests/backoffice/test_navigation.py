"""The main navigation (yangguang/backoffice/navigation.py, backoffice/_nav.html): each persona sees exactly
its groups and links, the current group and page are marked, and the navigation runs no query of its own.
Also the one pager (backoffice/_pager.html) that every list shares, for counted and uncounted pages."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.core.paginator import Paginator
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tests.conftest import World
from yangguang.backoffice import navigation as nav
from yangguang.core.context_processors import platform
from yangguang.core.paging import UncountedPage

pytestmark = pytest.mark.django_db

HOME = reverse("backoffice:home")


def url(name: str, *args: Any) -> str:
    return reverse(f"backoffice:{name}", args=args)


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def html(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return str(response.content.decode())


def groups_for(user: User, path: str = HOME) -> dict[str, list[str]]:
    """Group label → link labels, as the user sees them on `path`."""
    request = RequestFactory().get(path)
    request.user = user
    return {
        group.label: [link.label for link in group.links] for group in nav.navigation(request, caps(user))
    }


def caps(user: User) -> frozenset[str]:
    request = RequestFactory().get(HOME)
    request.user = user
    return frozenset(platform(request)["CAPS"])


def marked(user: User, path: str) -> tuple[list[str], list[str]]:
    """Labels of the current groups and of the current links on `path`."""
    request = RequestFactory().get(path)
    request.user = user
    groups = nav.navigation(request, caps(user))
    return (
        [group.label for group in groups if group.current],
        [link.label for group in groups for link in group.links if link.current],
    )


SUPERVISION_READ = [
    "监委会工作台",
    "公开事项",
    "监委会",
    "权力清单",
    "监督清单",
    "权力运行",
    "监督检查",
    "整改通知",
    "报账审核",
    "履职评价",
]
WELFARE_READ = ["救助申请", "救助对象", "公示", "发放比对", "复核核查", "惠民项目"]
REGISTRY = ["辖区", "小区", "楼栋", "户", "居民", "商户"]


# --- who sees what ------------------------------------------------------------------------------------------


def test_community_staff_see_their_work_but_no_system_group(world: World) -> None:
    assert groups_for(world.alice) == {
        "首页": ["首页"],
        "诉求": ["诉求办理", "登记诉求", "办理统计", "消息"],
        "居务监督": SUPERVISION_READ,
        "民生资金与项目": WELFARE_READ,
        "基础信息": [*REGISTRY, "导入"],
        "我的账户": ["我的账户"],
    }


def test_committee_member_reads_everything_and_the_audit_trail(world: World) -> None:
    assert groups_for(world.bob) == {
        "首页": ["首页"],
        "诉求": ["诉求办理", "办理统计", "消息"],
        "居务监督": SUPERVISION_READ,
        "民生资金与项目": WELFARE_READ,
        "基础信息": REGISTRY,
        "系统": ["审计记录"],
        "我的账户": ["我的账户"],
    }


def test_street_official_also_oversees(world: World) -> None:
    groups = groups_for(world.dave)
    assert groups["居务监督"] == [
        "监委会工作台",
        "公开事项",
        "监督总览",
        "监委会",
        "权力清单",
        "监督清单",
        "权力运行",
        "监督检查",
        "整改通知",
        "通报",
        "报账审核",
        "履职评价",
    ]
    assert groups["系统"] == ["审计记录"]
    assert groups["基础信息"] == REGISTRY
    assert list(groups) == ["首页", "诉求", "居务监督", "民生资金与项目", "基础信息", "系统", "我的账户"]


def test_district_admin_sees_every_link(world: World) -> None:
    groups = groups_for(world.erin)
    assert groups["系统"] == ["审计记录", "用户与角色", "诉求设置"]
    assert groups["民生资金与项目"] == [*WELFARE_READ[:2], "救助项目设置", *WELFARE_READ[2:]]
    assert groups["基础信息"] == [*REGISTRY, "导入"]
    assert sum(len(links) for links in groups.values()) == sum(len(group.entries) for group in nav.GROUPS)


def test_user_without_a_role_sees_only_home_cases_and_account(world: World) -> None:
    assert groups_for(world.mallory) == {
        "首页": ["首页"],
        "诉求": ["诉求办理", "消息"],
        "我的账户": ["我的账户"],
    }


def test_grid_worker_has_no_import_and_no_supervision(world: World) -> None:
    groups = groups_for(world.grace)
    assert list(groups) == ["首页", "诉求", "基础信息", "我的账户"]
    assert groups["基础信息"] == REGISTRY


def test_a_link_is_hidden_when_its_capability_is_missing(world: World) -> None:
    dave_sees = html(logged_in(world.dave), HOME)
    assert url("audit_list") in dave_sees and url("user_list") not in dave_sees
    assert url("case_settings") not in dave_sees and url("welfare_programs") not in dave_sees
    erin_sees = html(logged_in(world.erin), HOME)
    assert url("user_list") in erin_sees and url("case_settings") in erin_sees
    assert url("welfare_programs") in erin_sees
    mallory_sees = html(logged_in(world.mallory), HOME)
    assert url("workspace") not in mallory_sees and url("person_list") not in mallory_sees
    assert url("case_queue") in mallory_sees and url("account") in mallory_sees


def test_projects_show_for_welfare_or_supervision_readers(db: None) -> None:
    def welfare_group(held: set[str]) -> list[str] | None:
        groups = nav.navigation(RequestFactory().get(HOME), held)
        for group in groups:
            if group.key == "welfare":
                return [link.label for link in group.links]
        return None

    assert welfare_group({"view_supervision"}) == ["惠民项目"]
    assert welfare_group({"view_welfare"}) == WELFARE_READ
    assert welfare_group({"manage_programs"}) == ["救助项目设置"]
    assert welfare_group({"view_cases"}) is None


# --- the current page ----------------------------------------------------------------------------------------


def test_the_current_group_and_link_are_marked_on_the_page(world: World) -> None:
    page = html(logged_in(world.alice), url("person_list"))
    person_link = f'<a href="{url("person_list")}" aria-current="page">居民</a>'
    assert person_link in page
    assert re.search(
        r'<li class="is-current">\s*<details[^>]*>\s*<summary class="navgroup" aria-current="true">'
        r"基础信息</summary>",
        page,
    )
    # The current group's links also show as a second row, named after the group.
    assert '<nav aria-label="基础信息" class="subnav">' in page
    header = page[page.index('<header class="top">') : page.index("</header>")]
    assert header.count('aria-current="page"') == 2  # in the (closed) menu and in the second row
    assert header.count('aria-current="true"') == 1


def test_a_record_page_marks_its_list_link(world: World) -> None:
    assert marked(world.alice, url("person_detail", world.person.pk)) == (["基础信息"], ["居民"])
    assert marked(world.alice, url("dwelling_detail", world.dwelling.pk)) == (["基础信息"], ["楼栋"])


def test_the_longest_matching_link_wins(world: World) -> None:
    assert marked(world.erin, url("case_settings")) == (["系统"], ["诉求设置"])
    assert marked(world.erin, url("case_intake")) == (["诉求"], ["登记诉求"])
    assert marked(world.erin, url("case_queue")) == (["诉求"], ["诉求办理"])
    assert marked(world.erin, url("catalogue_list", "supervision")) == (["居务监督"], ["监督清单"])


def test_home_is_current_only_on_itself(world: World) -> None:
    assert marked(world.alice, HOME) == (["首页"], ["首页"])
    page = html(logged_in(world.alice), HOME)
    assert f'<a class="navgroup" href="{HOME}" aria-current="page">首页</a>' in page
    assert 'class="subnav"' not in page  # a group of one link has no second row
    assert marked(world.alice, url("login")) == ([], [])


def test_a_page_behind_a_missing_capability_marks_nothing(world: World) -> None:
    assert marked(world.grace, url("user_list")) == ([], [])


# --- cost ------------------------------------------------------------------------------------------------------


def test_rendering_the_navigation_runs_no_query_and_keeps_its_markup(world: World) -> None:
    request = RequestFactory().get(url("person_list"))
    everything = caps(world.erin)
    nav._markup.cache_clear()
    with CaptureQueriesContext(connection) as ctx:
        first = nav.navigation_html(request, everything)
        again = nav.navigation_html(request, everything)
    assert len(ctx.captured_queries) == 0
    assert url("user_list") in first and first is again
    assert nav._markup.cache_info().hits == 1
    # Another page in the same group is another current link: its own markup.
    other = nav.navigation_html(RequestFactory().get(url("building_list")), everything)
    assert f'<a href="{url("building_list")}" aria-current="page">' in other
    assert f'<a href="{url("person_list")}" aria-current="page">' not in other


def test_the_page_query_count_does_not_grow_with_the_navigation(world: World) -> None:
    """The district admin's navigation holds every link, the role-less user's three; their inbox pages
    (the same page, both empty) run the same queries."""

    def count(user: User) -> int:
        client = logged_in(user)
        client.get(url("inbox"))
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url("inbox")).status_code == 200
        return len(ctx.captured_queries)

    assert count(world.erin) == count(world.mallory)


def test_links_are_built_once_per_capabilities_and_language(world: World) -> None:
    nav._build.cache_clear()
    request = RequestFactory().get(HOME)
    everything = caps(world.erin)
    nav.navigation(request, everything)
    nav.navigation(request, set(everything))
    assert nav._build.cache_info().misses == 1 and nav._build.cache_info().hits == 1
    with translation.override("en"):
        english = [group.label for group in nav.navigation(request, everything)]
    assert english[0] == "Home" and nav._build.cache_info().misses == 2
    assert [group.label for group in nav.navigation(request, everything)][0] == "首页"


def test_the_navigation_costs_well_under_a_millisecond(world: World) -> None:
    request = RequestFactory().get(url("person_detail", world.person.pk))
    everything = caps(world.erin)
    nav.navigation_html(request, everything)
    started = time.perf_counter()
    for _ in range(200):
        nav.navigation_html(request, everything)
    assert (time.perf_counter() - started) / 200 < 0.0005


def test_anonymous_pages_show_no_navigation(db: None) -> None:
    page = html(Client(), url("login"))
    assert 'class="mainnav"' not in page
    request = RequestFactory().get(HOME)
    request.user = AnonymousUser()
    assert [g.label for g in nav.navigation(request, platform(request)["CAPS"])] == [
        "首页",
        "诉求",
        "我的账户",
    ]


# --- the shared pager ----------------------------------------------------------------------------------------


def pager(page_obj: Any, query: str = "") -> str:
    request = RequestFactory().get(f"/office/list/?{query}")
    return render_to_string("backoffice/_pager.html", {"page_obj": page_obj}, request=request)


def test_counted_pages_show_the_total_and_keep_the_query(db: None) -> None:
    page_obj = Paginator(list(range(50)), 10).page(3)
    text = pager(page_obj, "q=%E9%92%B1&page=3")
    assert '<nav class="pagination" aria-label="分页">' in text
    assert "第 3 / 5 页" in text and "第 3 页，共 5 页" in text  # shown, and read aloud
    assert 'href="?q=%E9%92%B1"' in text  # the first page: no page parameter
    assert 'href="?q=%E9%92%B1&amp;page=2" rel="prev"' in text
    assert 'href="?q=%E9%92%B1&amp;page=4" rel="next"' in text
    assert 'href="?q=%E9%92%B1&amp;page=5">末页' in text


def test_the_second_and_last_pages_do_not_repeat_links(db: None) -> None:
    second = pager(Paginator(list(range(20)), 10).page(2))
    assert "第一页" not in second and "上一页" in second and "下一页" not in second and "末页" not in second
    assert pager(Paginator(list(range(5)), 10).page(1)).strip() == ""


def test_uncounted_pages_show_no_total(db: None) -> None:
    text = pager(UncountedPage([], 4, has_next=True), "tab=all&page=4")
    assert "第 4 页" in text and "共" not in text and "/ " not in text and "末页" not in text
    assert 'href="?tab=all"' in text and 'href="?tab=all&amp;page=5" rel="next"' in text
    assert pager(UncountedPage([], 1, has_next=False)).strip() == ""
