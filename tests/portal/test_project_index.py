"""The district's welfare projects on the portal (`/projects/`): every community's public projects, under
way first, filtered by community and status with a plain GET form, 20 a page, in a fixed number of queries;
the header's 惠民项目 link opens it."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client
from django.urls import reverse

from tests.conftest import World
from tests.core.test_projects import new_project
from yangguang.core.actions import projects
from yangguang.core.models import Project
from yangguang.portal.views.projects import PER_PAGE

INDEX = reverse("portal:project_index")


def titles(html: str) -> list[str]:
    """The project titles listed, in order."""
    return re.findall(r'<a href="/projects/\d+/">([^<]+)</a>', html)


def finished(project: Project, status: str = Project.Status.CLOSED) -> Project:
    # Acceptance and closing have their own stories in tests/core/test_projects.py; here only the status
    # matters for the ordering and the filter.
    Project.objects.filter(pk=project.pk).update(status=status)
    return project


def test_lists_every_community_s_projects_under_way_first_and_never_cancelled_ones(
    world: World, client: Client
) -> None:
    done = finished(new_project(world, title="3栋、5栋楼道照明改造"))
    racks = new_project(world, title="四区晾衣架安装")
    shelves = new_project(
        world, area=world.peace, title="和平里书柜", budget="3,500", unit_price="100", actor=world.carol
    )
    cancelled = new_project(world, title="已取消的项目")
    projects.do_project_transition(world.alice, cancelled, "cancel", "资金未到位")

    html = client.get(INDEX).content.decode()
    # Under way before done, newest first within each.
    assert titles(html) == ["和平里书柜", "四区晾衣架安装", "3栋、5栋楼道照明改造"]
    assert "已取消的项目" not in html
    assert "共 3 个项目" in html
    assert reverse("portal:project", args=[shelves.pk]) in html
    assert "和平社区 · 已立项 · 预算 ¥3,500.00" in html
    assert "阳光社区 · 已立项 · 预算 ¥10,200.00" in html
    assert "阳光社区 · 已结项 · 预算 ¥10,200.00" in html
    assert reverse("portal:project", args=[racks.pk]) in html
    assert reverse("portal:project", args=[done.pk]) in html


def test_filters_by_community_and_by_status(world: World, client: Client) -> None:
    new_project(world, title="四区晾衣架安装")
    finished(new_project(world, title="3栋、5栋楼道照明改造"), Project.Status.ACCEPTED)
    new_project(world, area=world.peace, title="和平里书柜", actor=world.carol)

    html = client.get(INDEX, {"community": str(world.peace.pk), "status": ""}).content.decode()
    assert titles(html) == ["和平里书柜"]
    assert f'<option value="{world.peace.pk}" selected>和平社区</option>' in html
    # Communities are grouped by street, as on the report form.
    assert '<optgroup label="东风街道">' in html and '<optgroup label="西湖街道">' in html

    html = client.get(INDEX, {"community": str(world.sunshine.pk), "status": "accepted"}).content.decode()
    assert titles(html) == ["3栋、5栋楼道照明改造"]
    assert '<option value="accepted" selected>已验收</option>' in html
    # A cancelled project's status is not offered.
    assert 'value="cancelled"' not in html

    html = client.get(INDEX, {"status": "procurement"}).content.decode()
    assert titles(html) == []
    assert "没有符合条件的惠民项目。" in html
    assert f'<a href="{INDEX}">查看全部惠民项目</a>' in html


def test_an_unknown_choice_is_explained_and_left_out(world: World, client: Client) -> None:
    new_project(world, title="四区晾衣架安装")
    cancelled = new_project(world, title="已取消的项目")
    projects.do_project_transition(world.alice, cancelled, "cancel", "资金未到位")

    # A street is not a community; a cancelled project is never public, whatever the address asks.
    response = client.get(INDEX, {"community": str(world.street.pk), "status": "cancelled"})
    html = response.content.decode()
    assert response.status_code == 200
    assert '<p class="error" id="id_community-error">没有这个社区，请重新选择。</p>' in html
    assert '<p class="error" id="id_status-error">没有这个项目状态，请重新选择。</p>' in html
    assert 'aria-invalid="true" aria-describedby="id_community-error"' in html
    assert titles(html) == ["四区晾衣架安装"]

    html = client.get(INDEX, {"community": "abc"}).content.decode()
    assert "没有这个社区，请重新选择。" in html and titles(html) == ["四区晾衣架安装"]


def test_an_empty_district_says_so(world: World, client: Client) -> None:
    html = client.get(INDEX).content.decode()
    assert "暂无惠民项目。" in html and "没有符合条件" not in html
    assert 'class="pager"' not in html


def test_pages_keep_the_filters(world: World, client: Client) -> None:
    for n in range(PER_PAGE + 1):
        new_project(world, title=f"项目{n:02d}")
    new_project(world, area=world.peace, title="和平里书柜", actor=world.carol)

    first = client.get(INDEX, {"community": world.sunshine.pk}).content.decode()
    assert len(titles(first)) == PER_PAGE and titles(first)[0] == "项目20"
    assert "第 1 / 2 页" in first
    assert f'href="?community={world.sunshine.pk}&amp;page=2" rel="next"' in first

    second = client.get(INDEX, {"community": world.sunshine.pk, "page": 2}).content.decode()
    assert titles(second) == ["项目00"]
    assert f'href="?community={world.sunshine.pk}&amp;page=1" rel="prev"' in second
    # Past the last page shows the last page.
    assert titles(client.get(INDEX, {"page": 99}).content.decode()) == ["项目01", "项目00"]


def test_query_count_does_not_grow_with_the_projects(
    world: World, client: Client, django_assert_num_queries: Any
) -> None:
    new_project(world, title="四区晾衣架安装")
    with django_assert_num_queries(3):  # communities, count, page
        client.get(INDEX)
    for n in range(PER_PAGE + 5):
        new_project(world, area=world.peace, title=f"书柜{n}", actor=world.carol)
    with django_assert_num_queries(3):
        client.get(INDEX)
    with django_assert_num_queries(3):
        client.get(INDEX, {"community": str(world.peace.pk), "status": "planned", "page": "2"})


def test_the_header_links_here_and_marks_it_current(world: World, client: Client) -> None:
    link = f'<a href="{INDEX}" aria-current="page">惠民项目</a>'
    assert link in client.get(INDEX).content.decode()
    home = client.get(reverse("portal:index")).content.decode()
    assert f'<a href="{INDEX}">惠民项目</a>' in home and link not in home
    # A community's page keeps its own list; the header link is not marked there.
    community = client.get(reverse("portal:projects", args=[world.sunshine.pk])).content.decode()
    assert f'<a href="{INDEX}">惠民项目</a>' in community
