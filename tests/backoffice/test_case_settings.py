"""Case settings: only MANAGE_CASE_SETTINGS holders (404 for everyone else); platform-wide settings only
for top-level administrators (403 for a street-level one); categories, time limits with their source and
effective date, routing rules, handling units with members, calendar overrides with this year's holidays.
Every change leaves an audit entry."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.backoffice.test_case_page import logged_in, new_case
from tests.conftest import World, make_user
from yangguang.core.actions import sla
from yangguang.core.models import (
    AuditEntry,
    CalendarOverride,
    Case,
    CaseCategory,
    CaseStatus,
    HandlingUnit,
    RoutingRule,
    SlaPolicy,
)
from yangguang.core.permissions import Role

SECTIONS = ("categories", "sla", "routing", "units", "calendar")


def list_url(section: str) -> str:
    return reverse("backoffice:case_setting_list", args=[section])


def add_url(section: str) -> str:
    return reverse("backoffice:case_setting_add", args=[section])


def edit_url(section: str, pk: int) -> str:
    return reverse("backoffice:case_setting_edit", args=[section, pk])


@pytest.fixture
def street_admin(world: World) -> Any:
    """A district-admin role granted at 东风街道 only: manages area settings there, not platform-wide ones."""
    return make_user("sam", "街道管理员", Role.DISTRICT_ADMIN, world.street)


def every_url(world: World) -> list[str]:
    unit = HandlingUnit.objects.create(area=world.sunshine, name="芙蓉物业", kind="property")
    category = CaseCategory.objects.get(code="parking")
    rule = RoutingRule.objects.create(category=category, area=world.sunshine, unit=unit)
    override = CalendarOverride.objects.create(date=datetime.date(2026, 12, 31), is_workday=False)
    policy = SlaPolicy.objects.first()
    assert policy is not None
    return [
        reverse("backoffice:case_settings"),
        *[list_url(s) for s in SECTIONS],
        *[add_url(s) for s in SECTIONS],
        edit_url("categories", category.pk),
        edit_url("sla", policy.pk),
        edit_url("routing", rule.pk),
        edit_url("units", unit.pk),
        edit_url("calendar", override.pk),
        reverse("backoffice:case_setting_delete", args=["routing", rule.pk]),
        reverse("backoffice:case_setting_delete", args=["calendar", override.pk]),
    ]


def test_anonymous_is_sent_to_login(world: World) -> None:
    for url in every_url(world):
        response = Client().get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("backoffice:login"))


def test_everyone_without_the_capability_gets_404(world: World) -> None:
    urls = every_url(world)
    for user in (world.alice, world.bob, world.carol, world.dave, world.grace, world.mallory):
        client = logged_in(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user.username, url)
    category = CaseCategory.objects.get(code="parking")
    toggle = reverse("backoffice:case_category_toggle", args=[category.pk])
    assert logged_in(world.alice).post(toggle).status_code == 404
    category.refresh_from_db()
    assert category.active


def test_unknown_section_is_404(world: World) -> None:
    assert logged_in(world.erin).get(list_url("nonsense")).status_code == 404


def test_district_admin_sees_every_section(world: World) -> None:
    client = logged_in(world.erin)
    for url in every_url(world):
        assert client.get(url).status_code == 200, url


# --- categories --------------------------------------------------------------------------------------


def test_create_edit_and_deactivate_a_category(world: World) -> None:
    client = logged_in(world.erin)
    response = client.post(
        add_url("categories"),
        {
            "name": "电梯故障",
            "code": "elevator",
            "parent": CaseCategory.objects.get(code="facilities").pk,
            "default_ownership": "community",
            "default_kind": "help",
            "position": 20,
            "active": "on",
        },
    )
    assert response.status_code == 302
    category = CaseCategory.objects.get(code="elevator")
    assert category.parent is not None and category.parent.code == "facilities"
    assert AuditEntry.objects.filter(action="create", target_type="casecategory").exists()

    client.post(
        edit_url("categories", category.pk),
        {
            "name": "电梯",
            "code": "elevator",
            "default_ownership": "government",
            "default_kind": "complaint",
            "position": 1,
            "active": "on",
        },
    )
    category.refresh_from_db()
    assert category.name == "电梯" and category.default_ownership == "government"

    client.post(reverse("backoffice:case_category_toggle", args=[category.pk]))
    category.refresh_from_db()
    assert not category.active
    assert "电梯" not in logged_in(world.alice).get(reverse("backoffice:case_intake")).content.decode()
    assert AuditEntry.objects.filter(action="update", target_type="casecategory").count() == 2


def test_duplicate_category_code_is_refused(world: World) -> None:
    response = logged_in(world.erin).post(
        add_url("categories"),
        {
            "name": "又一个",
            "code": "parking",
            "default_ownership": "community",
            "default_kind": "help",
            "position": 0,
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["code"]


def test_street_level_admin_may_not_change_platform_wide_settings(world: World, street_admin: Any) -> None:
    client = logged_in(street_admin)
    category = CaseCategory.objects.get(code="parking")
    assert client.get(list_url("categories")).status_code == 200
    assert client.get(add_url("categories")).status_code == 403
    assert client.get(edit_url("categories", category.pk)).status_code == 403
    assert client.post(reverse("backoffice:case_category_toggle", args=[category.pk])).status_code == 403
    assert client.get(add_url("calendar")).status_code == 403
    general = SlaPolicy.objects.filter(area__isnull=True).first()
    assert general is not None
    assert client.get(edit_url("sla", general.pk)).status_code == 403


# --- time limits -------------------------------------------------------------------------------------


def test_sla_list_shows_the_seeded_limits_with_source_and_date(world: World) -> None:
    page = logged_in(world.erin).get(list_url("sla")).content.decode()
    assert "广东省12345热线工单办理时限（2022）" in page
    assert "2022-01-01" in page
    assert "15 个工作日" in page and "当日办结" in page


def test_area_time_limit_applies_to_that_area(world: World, street_admin: Any) -> None:
    sanitation = CaseCategory.objects.get(code="sanitation")
    data = {
        "kind": "help",
        "urgency": "normal",
        "category": sanitation.pk,
        "area": world.sunshine.pk,
        "workdays": 5,
        "work_hours": 0,
        "sign_within_hours": 2,
        "remind_before_hours": 4,
        "source": "阳光社区接诉即办承诺（2026）",
        "effective_from": "2026-01-01",
    }
    client = logged_in(street_admin)
    # Without an area the limit would be platform-wide: refused beside the area field.
    refused = client.post(add_url("sla"), {**data, "area": ""})
    assert refused.status_code == 200 and refused.context["form"].errors["area"]
    assert client.post(add_url("sla"), data).status_code == 302
    policy = SlaPolicy.objects.get(area=world.sunshine)
    assert sla.limits_for("help", "normal", sanitation.pk, world.grid).workdays == 5
    assert sla.limits_for("help", "normal", sanitation.pk, world.peace).workdays == 10
    assert client.get(edit_url("sla", policy.pk)).status_code == 200
    # Outside the street, the policy is not found.
    other_admin = make_user("vic", "西湖街道管理员", Role.DISTRICT_ADMIN, world.street2)
    assert logged_in(other_admin).get(edit_url("sla", policy.pk)).status_code == 404


def test_editing_a_general_time_limit_changes_the_limit(world: World) -> None:
    policy = SlaPolicy.objects.get(kind="help", urgency="normal", category__isnull=True, area__isnull=True)
    data = {
        "kind": "help",
        "urgency": "normal",
        "category": "",
        "area": "",
        "workdays": 3,
        "work_hours": 0,
        "sign_within_hours": 4,
        "remind_before_hours": 8,
        "source": "本区接诉即办办法（2026）",
        "effective_from": "2026-01-01",
    }
    assert logged_in(world.erin).post(edit_url("sla", policy.pk), data).status_code == 302
    policy.refresh_from_db()
    assert policy.workdays == 3
    assert (
        sla.limits_for("help", "normal", CaseCategory.objects.get(code="sanitation").pk, world.grid).workdays
        == 3
    )


def test_sla_needs_a_source(world: World) -> None:
    response = logged_in(world.erin).post(
        add_url("sla"),
        {
            "kind": "help",
            "urgency": "normal",
            "workdays": 3,
            "work_hours": 0,
            "sign_within_hours": 4,
            "remind_before_hours": 8,
            "source": "",
            "effective_from": "2026-01-01",
        },
    )
    assert response.context["form"].errors["source"]


# --- routing and units -------------------------------------------------------------------------------


def test_unit_with_members_then_routing_rule_dispatches_to_it(world: World) -> None:
    client = logged_in(world.erin)
    response = client.post(
        add_url("units"),
        {
            "name": "芙蓉物业",
            "kind": "property",
            "area": world.sunshine.pk,
            "members": [world.grace.pk, world.alice.pk],
        },
    )
    assert response.status_code == 302
    unit = HandlingUnit.objects.get(name="芙蓉物业")
    assert set(unit.members.all()) == {world.grace, world.alice}
    assert AuditEntry.objects.filter(target_type="handlingunit", changes__has_key="members").exists()
    assert "葛瑞" in client.get(list_url("units")).content.decode()

    client.post(
        add_url("routing"),
        {
            "category": CaseCategory.objects.get(code="sanitation").pk,
            "area": world.sunshine.pk,
            "unit": unit.pk,
            "ownership": "",
        },
    )
    assert RoutingRule.objects.filter(unit=unit).exists()
    case = new_case(world)
    assert case.status == CaseStatus.DISPATCHED and case.unit == unit

    client.post(
        edit_url("units", unit.pk),
        {"name": "芙蓉物业", "kind": "property", "area": world.sunshine.pk, "members": [world.grace.pk]},
    )
    assert list(unit.members.all()) == [world.grace]


def test_duplicate_routing_rule_and_empty_rule_are_refused(world: World) -> None:
    category = CaseCategory.objects.get(code="parking")
    RoutingRule.objects.create(category=category, area=world.sunshine, ownership="private")
    client = logged_in(world.erin)
    duplicate = client.post(
        add_url("routing"), {"category": category.pk, "area": world.sunshine.pk, "ownership": "community"}
    )
    assert "已有分派规则" in duplicate.content.decode()
    empty = client.post(add_url("routing"), {"category": category.pk, "area": world.peace.pk})
    assert "至少指定" in empty.content.decode()
    assert RoutingRule.objects.count() == 1


def test_routing_rule_unit_must_be_above_or_inside_the_area(world: World) -> None:
    unit = HandlingUnit.objects.create(area=world.peace, name="和平物业", kind="property")
    response = logged_in(world.erin).post(
        add_url("routing"),
        {"category": CaseCategory.objects.get(code="parking").pk, "area": world.sunshine.pk, "unit": unit.pk},
    )
    assert response.context["form"].errors["unit"]


def test_routing_rules_and_units_are_listed_within_the_jurisdiction(world: World, street_admin: Any) -> None:
    HandlingUnit.objects.create(area=world.sunshine, name="芙蓉物业", kind="property")
    HandlingUnit.objects.create(area=world.village, name="明月村委", kind="community_org")
    page = logged_in(street_admin).get(list_url("units")).content.decode()
    assert "芙蓉物业" in page and "明月村委" not in page
    village_unit = HandlingUnit.objects.get(name="明月村委")
    assert logged_in(street_admin).get(edit_url("units", village_unit.pk)).status_code == 404


def test_delete_a_routing_rule(world: World) -> None:
    rule = RoutingRule.objects.create(
        category=CaseCategory.objects.get(code="parking"), area=world.sunshine, ownership="private"
    )
    url = reverse("backoffice:case_setting_delete", args=["routing", rule.pk])
    client = logged_in(world.erin)
    assert "停车管理 @ 阳光社区" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    assert not RoutingRule.objects.exists()
    assert AuditEntry.objects.filter(action="delete", target_type="routingrule").exists()
    # Categories and units are not deleted from here.
    assert client.get(reverse("backoffice:case_setting_delete", args=["categories", 1])).status_code == 404


# --- calendar ----------------------------------------------------------------------------------------


def test_calendar_page_lists_this_years_holidays(world: World) -> None:
    page = logged_in(world.erin).get(list_url("calendar")).content.decode()
    year = timezone.localdate().year
    assert f"{year} 年放假安排" in page
    assert "国庆节" in page and "春节" in page
    assert f"{year}-10-01" in page


def test_calendar_override_changes_the_case_clock(world: World) -> None:
    day = datetime.date(2030, 3, 6)  # a Wednesday
    assert sla.calendar().is_workday(day)
    client = logged_in(world.erin)
    response = client.post(
        add_url("calendar"), {"date": day.isoformat(), "is_workday": "0", "note": "临时调整"}
    )
    assert response.status_code == 302
    assert not sla.calendar().is_workday(day)
    again = client.post(add_url("calendar"), {"date": day.isoformat(), "is_workday": "1"})
    assert "这一天已有调整" in again.content.decode()
    override = CalendarOverride.objects.get(date=day)
    client.post(reverse("backoffice:case_setting_delete", args=["calendar", override.pk]))
    assert sla.calendar().is_workday(day)
    assert AuditEntry.objects.filter(target_type="calendaroverride").count() == 2


def test_a_make_up_working_saturday(world: World) -> None:
    saturday = datetime.date(2030, 3, 9)
    logged_in(world.erin).post(
        add_url("calendar"), {"date": saturday.isoformat(), "is_workday": "1", "note": "调休上班"}
    )
    assert sla.calendar().is_workday(saturday)
    assert Case.objects.count() == 0
