"""Area navigation: the jurisdiction tree, area pages with their children, compounds and counts."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from tests.conftest import World, make_person
from yangguang.core.actions import registry
from yangguang.core.models import Household, Merchant


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def tree_of(user: Any) -> list[tuple[str, list[Any]]]:
    """The tree as (name, children) pairs."""
    roots = logged_in(user).get(reverse("backoffice:area_list")).context["roots"]

    def walk(nodes: list[Any]) -> list[tuple[str, list[Any]]]:
        return [(node.area.name, walk(node.children)) for node in nodes]

    return walk(roots)


def test_staff_tree_starts_at_her_community(world: World) -> None:
    assert tree_of(world.alice) == [("阳光社区", [("一网格", [])])]


def test_street_tree_holds_both_communities(world: World) -> None:
    assert tree_of(world.dave) == [("东风街道", [("阳光社区", [("一网格", [])]), ("和平社区", [])])]


def test_district_tree_holds_everything(world: World) -> None:
    [(name, streets)] = tree_of(world.erin)
    assert name == "示范区"
    assert [street for street, _children in streets] == ["东风街道", "西湖街道"]


def test_grid_worker_tree_is_her_grid(world: World) -> None:
    assert tree_of(world.grace) == [("一网格", [])]


def test_tree_links_to_area_pages(world: World) -> None:
    html = logged_in(world.alice).get(reverse("backoffice:area_list")).content.decode()
    assert reverse("backoffice:area_detail", args=[world.grid.pk]) in html
    assert "和平社区" not in html


def test_area_page_counts_its_subtree(world: World) -> None:
    make_person(world.sunshine, None, "赵六", "43010219850307332X", residence_status="floating")
    registry.do_save_record(None, Household(dwelling=world.dwelling, number="FR-3-302"))
    registry.do_save_record(None, Merchant(area=world.sunshine, name="阳光药房"))
    response = logged_in(world.alice).get(reverse("backoffice:area_detail", args=[world.sunshine.pk]))
    context = response.context
    assert context["counts"] == {"compounds": 1, "buildings": 1, "dwellings": 1, "merchants": 1}
    assert context["population"].rows() == [("户籍人口", 1), ("常住人口", 0), ("流动人口", 1)]
    assert context["population"].households == 1
    assert [(child.name, total) for child, total in context["children"]] == [("一网格", 1)]
    assert [c.name for c in context["compounds"]] == ["芙蓉苑"]
    assert "芙蓉苑" in response.content.decode()


def test_street_page_lists_its_communities_with_their_population(world: World) -> None:
    response = logged_in(world.dave).get(reverse("backoffice:area_detail", args=[world.street.pk]))
    children = {child.name: total for child, total in response.context["children"]}
    assert children == {"阳光社区": 1, "和平社区": 1}


def test_area_breadcrumbs_link_only_what_the_user_may_open(world: World) -> None:
    alice = dict(
        logged_in(world.alice)
        .get(reverse("backoffice:area_detail", args=[world.grid.pk]))
        .context["breadcrumbs"]
    )
    assert alice["示范区"] is None
    assert alice["阳光社区"] == reverse("backoffice:area_detail", args=[world.sunshine.pk])
    assert alice["一网格"] is None
    erin = dict(
        logged_in(world.erin)
        .get(reverse("backoffice:area_detail", args=[world.grid.pk]))
        .context["breadcrumbs"]
    )
    assert erin["示范区"] == reverse("backoffice:area_detail", args=[world.district.pk])


def test_area_page_of_another_community_is_404(world: World) -> None:
    assert (
        logged_in(world.alice).get(reverse("backoffice:area_detail", args=[world.peace.pk])).status_code
        == 404
    )
    assert (
        logged_in(world.dave).get(reverse("backoffice:area_detail", args=[world.village.pk])).status_code
        == 404
    )


def test_area_pages_need_a_login(world: World, client: Client) -> None:
    assert client.get(reverse("backoffice:area_list")).status_code == 302
    assert client.get(reverse("backoffice:area_detail", args=[world.sunshine.pk])).status_code == 302


def test_user_without_role_has_no_tree(world: World) -> None:
    assert logged_in(world.mallory).get(reverse("backoffice:area_list")).status_code == 404
