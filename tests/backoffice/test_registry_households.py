"""Household pages: members with their relation to the head, adding members, and former members."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import World, make_person
from yangguang.core.actions import registry
from yangguang.core.models import AuditEntry, Household, HouseholdMembership, Person, Relation


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def household(world: World) -> Household:
    return registry.do_save_record(None, Household(dwelling=world.dwelling, number="FR-3-302"))


def add_member(client: Client, household: Household, **data: Any) -> Any:
    url = reverse("backoffice:household_member_add", args=[household.pk])
    return client.post(url, {f"member-{k}": v for k, v in data.items()})


def test_staff_adds_a_resident_of_the_dwelling_as_head(world: World, household: Household) -> None:
    response = add_member(logged_in(world.alice), household, person=world.person.pk, relation="head")
    assert response["Location"] == reverse("backoffice:household_detail", args=[household.pk])
    household.refresh_from_db()
    assert household.head_id == world.person.pk
    membership = HouseholdMembership.objects.get(household=household)
    assert membership.start_date == timezone.localdate()
    assert AuditEntry.objects.filter(target_type="household", actor=world.alice).exists()


def test_member_is_added_by_id_number(world: World, household: Household) -> None:
    spouse = make_person(world.grid, None, "赵丽", "43010219850307332X")
    add_member(logged_in(world.alice), household, id_number="430102 19850307 332x", relation="spouse")
    assert HouseholdMembership.objects.get(household=household).person_id == spouse.pk


def test_person_of_another_community_cannot_be_added(world: World, household: Household) -> None:
    response = add_member(logged_in(world.alice), household, id_number="430102198002022233", relation="child")
    assert "在您的管辖范围内没有找到该身份证号码的居民。" in response.content.decode()
    assert not HouseholdMembership.objects.filter(household=household).exists()


def test_member_form_needs_exactly_one_person(world: World, household: Household) -> None:
    client = logged_in(world.alice)
    neither = add_member(client, household, relation="child")
    assert "请选择居民或输入身份证号。" in neither.content.decode()
    both = add_member(
        client, household, person=world.person.pk, id_number="43010219850307332X", relation="child"
    )
    assert "请选择居民或输入身份证号，二者选一。" in both.content.decode()
    assert not HouseholdMembership.objects.exists()


def test_household_page_shows_members_and_former_members(world: World, household: Household) -> None:
    registry.do_set_membership(None, household, world.person, Relation.HEAD, on=datetime.date(2020, 1, 1))
    child = make_person(world.grid, world.dwelling, "张小丰", "430103200101204055")
    registry.do_set_membership(None, household, child, Relation.CHILD, on=datetime.date(2020, 1, 1))
    own = registry.do_save_record(None, Household(dwelling=world.dwelling, number="FR-3-302-2"))
    registry.do_set_membership(None, own, child, Relation.HEAD, on=datetime.date(2023, 5, 1))
    response = logged_in(world.alice).get(reverse("backoffice:household_detail", args=[household.pk]))
    assert [m.person.name for m in response.context["members"]] == ["张三丰"]
    assert [(m.person.name, m.end_date) for m in response.context["former_members"]] == [
        ("张小丰", datetime.date(2023, 5, 1))
    ]
    html = response.content.decode()
    assert "户主" in html
    assert "历史成员" in html


def test_committee_member_sees_members_masked_and_no_form(world: World, household: Household) -> None:
    registry.do_set_membership(None, household, world.person, Relation.HEAD, on=datetime.date(2020, 1, 1))
    html = (
        logged_in(world.bob).get(reverse("backoffice:household_detail", args=[household.pk])).content.decode()
    )
    assert "张*丰" in html
    assert "张三丰" not in html
    assert "添加或调整户成员" not in html


def test_member_choices_are_the_dwellings_residents_masked_for_the_grid_worker(
    world: World, household: Household
) -> None:
    html = (
        logged_in(world.grace)
        .get(reverse("backoffice:household_detail", args=[household.pk]))
        .content.decode()
    )
    assert "张*丰（430***********123X）" in html
    assert "张三丰" not in html
    assert Person.objects.count() == 2
