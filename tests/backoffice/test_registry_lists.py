"""Registry list pages: jurisdiction, masking per role, search (name, full and masked ID, phone), filters,
pagination, empty states and pinned query counts."""

from __future__ import annotations

import datetime
import itertools
import random
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import World, make_person
from yangguang.core.actions import registry
from yangguang.core.models import Building, Compound, Dwelling, Household, Merchant, Person, Relation, Tag
from yangguang.lib import idnumber

ZHANG_ID = "43010219500101123X"  # 张三丰, the world's person in 阳光社区 一网格


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def person_list(client: Client, **params: str) -> str:
    response = client.get(reverse("backoffice:person_list"), params)
    assert response.status_code == 200
    return response.content.decode()


_fake_ids = random.Random(11)
_birthdays = itertools.count()


def fake_id(sex: str = "F") -> str:
    """A valid fictional ID number, never the same twice (each has its own birth date)."""
    birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=next(_birthdays))
    return idnumber.make_fake(_fake_ids, "430102", birth, sex)


# --- jurisdiction and masking ---------------------------------------------------------------------------


def test_staff_sees_full_names_and_masked_numbers(world: World) -> None:
    html = person_list(logged_in(world.alice))
    assert "张三丰" in html
    assert world.person.id_number_masked in html
    assert ZHANG_ID not in html
    assert "李四" not in html  # 和平社区


def test_committee_member_sees_masked_names(world: World) -> None:
    html = person_list(logged_in(world.bob))
    assert "张*丰" in html
    assert "张三丰" not in html
    assert ZHANG_ID not in html


def test_street_secretary_sees_both_communities_masked_but_not_the_village(world: World) -> None:
    make_person(world.village, None, "王五", fake_id())
    html = person_list(logged_in(world.dave))
    assert "张*丰" in html
    assert "李*" in html
    assert "王*" not in html
    assert "张三丰" not in html


def test_district_admin_sees_everyone_in_full(world: World) -> None:
    make_person(world.village, None, "王五", fake_id())
    html = person_list(logged_in(world.erin))
    assert "张三丰" in html
    assert "李四" in html
    assert "王五" in html


def test_grid_worker_sees_her_grid_only_and_masked(world: World) -> None:
    make_person(world.sunshine, None, "赵六", fake_id())
    html = person_list(logged_in(world.grace))
    assert "张*丰" in html
    assert "赵*" not in html


def test_outsider_staff_lists_only_her_own_community(world: World) -> None:
    client = logged_in(world.carol)
    html = person_list(client)
    assert "李四" in html
    assert "张三丰" not in html
    assert "芙蓉苑" not in client.get(reverse("backoffice:compound_list")).content.decode()
    assert "3栋" not in client.get(reverse("backoffice:building_list")).content.decode()


def test_sensitive_tags_are_shown_only_to_those_who_may_reveal(world: World) -> None:
    world.person.tags.add(
        Tag.objects.create(code="disabled", name="残疾人", sensitive=True),
        Tag.objects.create(code="veteran", name="退役军人"),
    )
    staff = person_list(logged_in(world.alice))
    assert "残疾人" in staff
    assert "退役军人" in staff
    committee = person_list(logged_in(world.bob))
    assert "残疾人" not in committee
    assert "退役军人" in committee


# --- search ----------------------------------------------------------------------------------------------


@pytest.fixture
def neighbours(world: World) -> dict[str, Person]:
    """Three more people of 阳光社区 to search among."""
    wang = make_person(world.grid, world.dwelling, "王小明", "430102199006159717")
    wang.set_sealed("phone", "13987654321")
    wang.save()
    zhao = make_person(world.grid, None, "赵丽", "43010219850307332X")
    zhao.set_sealed("phone", "0731-84561234")
    zhao.save()
    sun = make_person(world.grid, None, "孙悟", "430102194809091565", residence_status="floating")
    return {"wang": wang, "zhao": zhao, "sun": sun}


def test_search_by_name_fragment(world: World, neighbours: dict[str, Person]) -> None:
    html = person_list(logged_in(world.alice), q="小明")
    assert "王小明" in html
    assert "张三丰" not in html


def test_search_by_full_id_number_uses_the_blind_index(world: World, neighbours: dict[str, Person]) -> None:
    # Typed the way people type it: spaces and a lower-case x.
    html = person_list(logged_in(world.alice), q="430102 19500101 123x")
    assert "张三丰" in html
    assert "王小明" not in html


def test_search_by_old_15_digit_id_number(world: World, neighbours: dict[str, Person]) -> None:
    html = person_list(logged_in(world.alice), q="430102900615971")
    assert "王小明" in html
    assert "张三丰" not in html


def test_search_by_last_four_of_the_id_number(world: World, neighbours: dict[str, Person]) -> None:
    html = person_list(logged_in(world.alice), q="332x")
    assert "赵丽" in html
    assert "王小明" not in html


def test_search_by_masked_id_number_copied_from_a_page(world: World, neighbours: dict[str, Person]) -> None:
    html = person_list(logged_in(world.bob), q=neighbours["sun"].id_number_masked)
    assert "孙*" in html
    assert "张*丰" not in html


def test_search_by_full_mobile_number(world: World, neighbours: dict[str, Person]) -> None:
    html = person_list(logged_in(world.alice), q="139 8765 4321")
    assert "王小明" in html
    assert "赵丽" not in html


def test_search_by_full_landline_number(world: World, neighbours: dict[str, Person]) -> None:
    html = person_list(logged_in(world.alice), q="(0731)84561234")
    assert "赵丽" in html
    assert "王小明" not in html


def test_search_by_last_four_of_the_phone(world: World, neighbours: dict[str, Person]) -> None:
    html = person_list(logged_in(world.alice), q="4321")
    assert "王小明" in html
    assert "张三丰" not in html


def test_search_stays_within_jurisdiction(world: World) -> None:
    html = person_list(logged_in(world.alice), q="430102198002022233")  # 李四 of 和平社区
    assert "李四" not in html
    assert "没有符合条件的居民" in html


def test_merchant_search_by_phone(world: World) -> None:
    shop = Merchant(area=world.sunshine, name="阳光药房", category="医药")
    shop.set_sealed("phone", "13612345678")
    registry.do_save_record(None, shop)
    registry.do_save_record(None, Merchant(area=world.sunshine, name="芙蓉便利店"))
    client = logged_in(world.alice)
    for q in ("136 1234 5678", "5678", "药房"):
        html = client.get(reverse("backoffice:merchant_list"), {"q": q}).content.decode()
        assert "阳光药房" in html
        assert "芙蓉便利店" not in html


# --- filters ---------------------------------------------------------------------------------------------


def test_area_filter_takes_the_subtree(world: World) -> None:
    make_person(world.sunshine, None, "赵六", fake_id())
    client = logged_in(world.alice)
    community = person_list(client, area=str(world.sunshine.pk))
    assert "张三丰" in community  # registered in the grid below the community
    assert "赵六" in community
    grid = person_list(client, area=str(world.grid.pk))
    assert "张三丰" in grid
    assert "赵六" not in grid


def test_area_filter_outside_jurisdiction_is_refused_with_a_message(world: World) -> None:
    html = person_list(logged_in(world.alice), area=str(world.peace.pk))
    assert "所选项不存在，或不在您的管辖范围内" in html
    assert "李四" not in html


def test_residence_status_filter(world: World, neighbours: dict[str, Person]) -> None:
    html = person_list(logged_in(world.alice), residence_status="floating")
    assert "孙悟" in html
    assert "张三丰" not in html


def test_tag_filter(world: World, neighbours: dict[str, Person]) -> None:
    veteran = Tag.objects.create(code="veteran", name="退役军人")
    neighbours["zhao"].tags.add(veteran)
    html = person_list(logged_in(world.alice), tag=str(veteran.pk))
    assert "赵丽" in html
    assert "张三丰" not in html


def test_sensitive_tag_filter_is_not_offered_to_the_committee(world: World) -> None:
    disabled = Tag.objects.create(code="disabled", name="残疾人", sensitive=True)
    world.person.tags.add(disabled)
    html = person_list(logged_in(world.bob), tag=str(disabled.pk))
    assert "所选标签不存在" in html
    assert "残疾人" not in html


def test_compound_kind_filter(world: World) -> None:
    registry.do_save_record(None, Compound(area=world.sunshine, name="安居苑", kind="affordable"))
    html = (
        logged_in(world.alice)
        .get(reverse("backoffice:compound_list"), {"kind": "affordable"})
        .content.decode()
    )
    assert "安居苑" in html
    assert "芙蓉苑" not in html


def test_building_list_filters_by_compound_kind(world: World) -> None:
    client = logged_in(world.dave)
    html = client.get(reverse("backoffice:building_list"), {"compound_kind": "old"}).content.decode()
    assert "8栋" in html
    assert "3栋" not in html


# --- pagination and empty states -------------------------------------------------------------------------


def test_pagination_keeps_the_filters(world: World, settings: Any) -> None:
    settings.PAGE_SIZE = 2
    for n in range(4):
        make_person(world.grid, None, f"钱{n}号", fake_id())
    client = logged_in(world.alice)
    first = person_list(client, q="钱")
    assert "第 1 / 2 页" in first
    assert "?q=%E9%92%B1&amp;page=2" in first
    second = person_list(client, q="钱", page="2")
    assert "第 2 / 2 页" in second
    assert "张三丰" not in second


def test_empty_list_says_so_in_chinese(world: World) -> None:
    html = logged_in(world.carol).get(reverse("backoffice:merchant_list")).content.decode()
    assert "您的辖区内还没有登记商户。" in html


def test_search_without_result_says_so(world: World) -> None:
    assert "没有符合条件的居民" in person_list(logged_in(world.alice), q="查无此人")


# --- query counts ----------------------------------------------------------------------------------------


def add_rows(world: World, kind: str, n: int) -> None:
    """`n` more records of a kind in 阳光社区, each with the related rows its list shows."""
    counter = itertools.count()
    for _ in range(n):
        i = next(counter)
        suffix = f"{kind}{Compound.objects.count()}-{i}"
        compound = registry.do_save_record(
            None, Compound(area=world.sunshine, name=f"小区{suffix}", kind="old")
        )
        building = registry.do_save_record(None, Building(compound=compound, area=world.grid, name=f"{i}栋"))
        dwelling = registry.do_save_record(None, Dwelling(building=building, unit="1单元", room=f"{i}01"))
        person = make_person(world.grid, dwelling, f"居民{suffix}", fake_id())
        person.tags.add(Tag.objects.get_or_create(code=f"t{suffix}", name=f"标签{suffix}")[0])
        household = registry.do_save_record(None, Household(dwelling=dwelling, number=f"H{suffix}"))
        registry.do_set_membership(None, household, person, Relation.HEAD, on=datetime.date(2021, 1, 1))
        registry.do_save_record(None, Merchant(building=building, compound=compound, name=f"商户{suffix}"))


# Pinned: session, user, role assignments, count, page rows (+ prefetched tags for people), the filter
# form's area choices (+ tag choices for people). A change here needs a reason.
LIST_QUERIES = {
    "compound": 6,
    "building": 6,
    "dwelling": 6,
    "household": 6,
    "person": 8,
    "merchant": 6,
}


@pytest.mark.parametrize("kind", sorted(LIST_QUERIES))
def test_list_query_count_does_not_grow_with_rows(
    world: World, kind: str, django_assert_num_queries: Any
) -> None:
    add_rows(world, kind, 1)
    client = logged_in(world.alice)
    url = reverse(f"backoffice:{kind}_list")
    with django_assert_num_queries(LIST_QUERIES[kind]):
        assert client.get(url).status_code == 200
    add_rows(world, kind, 4)
    with CaptureQueriesContext(connection) as more:
        response = client.get(url)
    assert response.status_code == 200
    assert len(more.captured_queries) == LIST_QUERIES[kind]
    assert response.context["page_obj"].paginator.count >= 5


def test_area_tree_is_one_query_for_the_areas(world: World, django_assert_num_queries: Any) -> None:
    client = logged_in(world.erin)
    url = reverse("backoffice:area_list")
    # Session, user, role assignments, areas.
    with django_assert_num_queries(4):
        assert client.get(url).status_code == 200
