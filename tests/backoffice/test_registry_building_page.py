"""The building page: every dwelling by unit and floor with who lives there (masked per role), and the
building's registered, resident and floating population and households."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import World, make_person
from yangguang.core.actions import registry
from yangguang.core.models import Dwelling, Household, Relation


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def building_page(client: Client, world: World) -> Any:
    return client.get(reverse("backoffice:building_detail", args=[world.building.pk]))


@pytest.fixture
def populated(world: World) -> World:
    """3栋 with two units: a family of three in 1单元302, a floating tenant in 2单元601, an empty 1单元101."""
    upper = registry.do_save_record(
        None, Dwelling(building=world.building, unit="2单元", room="601", floor=6)
    )
    registry.do_save_record(None, Dwelling(building=world.building, unit="1单元", room="101", floor=1))
    make_person(world.grid, world.dwelling, "王小明", "430102199006159717", residence_status="resident")
    make_person(world.grid, world.dwelling, "赵丽", "43010219850307332X", residence_status="resident")
    make_person(world.grid, upper, "孙悟", "430102194809091565", residence_status="floating")
    gone = make_person(world.grid, world.dwelling, "钱老", "430103200101204055")
    gone.died_on = datetime.date(2024, 2, 1)
    gone.save()
    household = registry.do_save_record(None, Household(dwelling=world.dwelling, number="FR-3-302"))
    registry.do_set_membership(None, household, world.person, Relation.HEAD, on=datetime.date(2020, 1, 1))
    return world


def test_staff_sees_every_dwelling_with_its_residents(populated: World) -> None:
    response = building_page(logged_in(populated.alice), populated)
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "1单元302",
        "2单元601",
        "1单元101",
        "张三丰",
        "王小明",
        "孙悟",
        "无登记居住人员",
        "户 FR-3-302",
    ):
        assert text in html
    assert "钱老" in html and "（已故）" in html


def test_dwellings_are_grouped_by_unit_then_floor_from_the_top(populated: World) -> None:
    units = building_page(logged_in(populated.alice), populated).context["units"]
    assert [group.unit for group in units] == ["1单元", "2单元"]
    assert [row.floor for row in units[0].floors] == [3, 1]
    assert [d.room for d in units[0].floors[0].dwellings] == ["302"]


def test_population_counts_by_residence_status_and_households(populated: World) -> None:
    population = building_page(logged_in(populated.alice), populated).context["population"]
    # 张三丰 is registered (户籍); 王小明 and 赵丽 resident (常住); 孙悟 floating (流动); 钱老 has died.
    assert population.rows() == [("户籍人口", 1), ("常住人口", 2), ("流动人口", 1)]
    assert population.total == 4
    assert population.households == 1


def test_committee_member_sees_the_building_with_masked_names(populated: World) -> None:
    html = building_page(logged_in(populated.bob), populated).content.decode()
    assert "张*丰" in html
    assert "王*明" in html
    assert "张三丰" not in html
    assert "王小明" not in html
    assert "新增房屋" not in html


def test_grid_worker_sees_masked_names(populated: World) -> None:
    html = building_page(logged_in(populated.grace), populated).content.decode()
    assert "张*丰" in html
    assert "张三丰" not in html


def test_street_secretary_sees_masked_names(populated: World) -> None:
    html = building_page(logged_in(populated.dave), populated).content.decode()
    assert "孙*" in html
    assert "孙悟" not in html


def test_outsider_gets_404_on_building_page(populated: World) -> None:
    assert building_page(logged_in(populated.carol), populated).status_code == 404
    assert building_page(logged_in(populated.mallory), populated).status_code == 404


def test_breadcrumbs_lead_from_the_community_to_the_building(populated: World) -> None:
    crumbs = building_page(logged_in(populated.alice), populated).context["breadcrumbs"]
    labels = [label for label, _url in crumbs]
    assert labels == ["工作台", "示范区", "东风街道", "阳光社区", "一网格", "芙蓉苑", "3栋"]
    urls = dict(crumbs)
    assert urls["东风街道"] is None  # above alice's jurisdiction: shown, not linked
    assert urls["阳光社区"] == reverse("backoffice:area_detail", args=[populated.sunshine.pk])
    assert urls["3栋"] is None  # the current page


def test_grid_worker_sees_the_compound_unlinked(populated: World) -> None:
    crumbs = dict(building_page(logged_in(populated.grace), populated).context["breadcrumbs"])
    assert crumbs["芙蓉苑"] is None
    assert crumbs["一网格"] == reverse("backoffice:area_detail", args=[populated.grid.pk])


def test_building_page_query_count_does_not_grow_with_dwellings(populated: World) -> None:
    client = logged_in(populated.alice)
    with CaptureQueriesContext(connection) as before:
        building_page(client, populated)
    for n, id_number in enumerate(["430102199107072434", "430102199107086078", "430102199107095572"]):
        extra = registry.do_save_record(
            None, Dwelling(building=populated.building, unit="3单元", room=f"{n}02")
        )
        make_person(populated.grid, extra, f"新住户{n}", id_number)
        registry.do_save_record(None, Household(dwelling=extra, number=f"N-{n}"))
    with CaptureQueriesContext(connection) as after:
        building_page(client, populated)
    assert len(after.captured_queries) == len(before.captured_queries)
