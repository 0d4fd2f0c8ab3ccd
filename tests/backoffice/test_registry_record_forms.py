"""Creating, editing and deleting compounds, buildings, dwellings, households and merchants: choices limited
to the editor's jurisdiction, Chinese validation messages, audit entries, and protected deletes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tests.conftest import World
from yangguang.backoffice.forms import normalize_credit_code, normalize_phone
from yangguang.core.actions import registry
from yangguang.core.models import AuditEntry, Building, Compound, Dwelling, Household, Merchant


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def html_of(response: Any) -> str:
    return str(response.content.decode())


# --- compounds -------------------------------------------------------------------------------------------


def test_staff_creates_a_compound_with_an_audit_entry(world: World) -> None:
    data = {"name": "安居苑", "kind": "affordable", "area": world.sunshine.pk, "property_company": "安居物业"}
    response = logged_in(world.alice).post(reverse("backoffice:compound_add"), data)
    compound = Compound.objects.get(name="安居苑")
    assert response["Location"] == reverse("backoffice:compound_detail", args=[compound.pk])
    entry = AuditEntry.objects.get(target_type="compound", target_id=str(compound.pk))
    assert entry.action == "create"
    assert entry.actor == world.alice
    assert entry.changes["property_company"] == [None, "安居物业"]


def test_compound_in_another_community_is_refused(world: World) -> None:
    data = {"name": "安居苑", "kind": "affordable", "area": world.peace.pk}
    response = logged_in(world.alice).post(reverse("backoffice:compound_add"), data)
    assert "所选项不存在，或不在您的管辖范围内" in html_of(response)
    assert not Compound.objects.filter(name="安居苑").exists()


def test_compound_cannot_sit_directly_under_a_street(world: World) -> None:
    data = {"name": "安居苑", "kind": "affordable", "area": world.street.pk}
    response = logged_in(world.erin).post(reverse("backoffice:compound_add"), data)
    assert "所选项不存在" in html_of(response)


def test_duplicate_compound_name_is_explained(world: World) -> None:
    data = {"name": "芙蓉苑", "kind": "old", "area": world.sunshine.pk}
    response = logged_in(world.alice).post(reverse("backoffice:compound_add"), data)
    assert "该区域已有同名小区。" in html_of(response)
    assert Compound.objects.filter(name="芙蓉苑").count() == 1


def test_editing_a_compound_audits_old_and_new(world: World) -> None:
    url = reverse("backoffice:compound_edit", args=[world.compound.pk])
    client = logged_in(world.alice)
    form = client.get(url).context["form"]
    assert form.initial["name"] == "芙蓉苑"
    data = {"name": "芙蓉苑", "kind": "commercial", "area": world.sunshine.pk, "property_company": "芙蓉物业"}
    assert client.post(url, data).status_code == 302
    entry = AuditEntry.objects.get(target_type="compound", action="update")
    assert entry.changes == {"property_company": ["", "芙蓉物业"]}


def test_empty_compound_is_deleted_with_an_audit_entry(world: World) -> None:
    empty = registry.do_save_record(None, Compound(area=world.sunshine, name="空小区", kind="old"))
    response = logged_in(world.alice).post(
        reverse("backoffice:compound_delete", args=[empty.pk]), follow=True
    )
    assert "已删除。" in html_of(response)
    assert not Compound.objects.filter(pk=empty.pk).exists()
    assert AuditEntry.objects.filter(
        target_type="compound", action="delete", target_id=str(empty.pk)
    ).exists()


def test_compound_with_buildings_cannot_be_deleted(world: World) -> None:
    response = logged_in(world.alice).post(reverse("backoffice:compound_delete", args=[world.compound.pk]))
    assert response.status_code == 200
    assert "该记录仍被其他记录引用（例如楼栋下还有房屋），不能删除。" in html_of(response)
    assert Compound.objects.filter(pk=world.compound.pk).exists()
    assert not AuditEntry.objects.filter(action="delete").exists()


# --- buildings -------------------------------------------------------------------------------------------


def test_add_building_link_preselects_the_compound(world: World) -> None:
    url = reverse("backoffice:building_add")
    form = logged_in(world.alice).get(url, {"compound": world.compound.pk}).context["form"]
    assert form.initial["compound"] == str(world.compound.pk)


def test_building_without_area_takes_the_compounds(world: World) -> None:
    data = {"compound": world.compound.pk, "name": "5栋", "area": "", "floors": "18"}
    logged_in(world.alice).post(reverse("backoffice:building_add"), data)
    assert Building.objects.get(name="5栋").area_id == world.sunshine.pk


def test_grid_worker_adds_a_building_of_the_community_compound_in_her_grid(world: World) -> None:
    client = logged_in(world.grace)
    data = {"compound": world.compound.pk, "name": "5栋", "area": world.grid.pk}
    assert client.post(reverse("backoffice:building_add"), data).status_code == 302
    assert Building.objects.get(name="5栋").area_id == world.grid.pk


def test_grid_worker_must_place_the_building_in_her_grid(world: World) -> None:
    data = {"compound": world.compound.pk, "name": "5栋", "area": ""}
    response = logged_in(world.grace).post(reverse("backoffice:building_add"), data)
    assert "“阳光社区”不在您可以修改的范围内。" in html_of(response)
    assert not Building.objects.filter(name="5栋").exists()


def test_building_of_another_communitys_compound_is_refused(world: World) -> None:
    data = {"compound": world.other_compound.pk, "name": "5栋", "area": ""}
    response = logged_in(world.alice).post(reverse("backoffice:building_add"), data)
    assert "所选项不存在，或不在您的管辖范围内" in html_of(response)


def test_building_area_must_lie_within_the_compounds(world: World) -> None:
    elsewhere = registry.do_save_record(None, Compound(area=world.grid, name="网格小区", kind="old"))
    other_grid = registry.do_create_area(None, parent=world.sunshine, kind="grid", name="二网格")
    data = {"compound": elsewhere.pk, "name": "1栋", "area": other_grid.pk}
    response = logged_in(world.alice).post(reverse("backoffice:building_add"), data)
    assert "楼栋所属区域须在小区“网格小区”所在区域之内。" in html_of(response)


def test_building_with_dwellings_cannot_be_deleted(world: World) -> None:
    response = logged_in(world.alice).post(reverse("backoffice:building_delete", args=[world.building.pk]))
    assert "不能删除" in html_of(response)
    assert Building.objects.filter(pk=world.building.pk).exists()


# --- dwellings -------------------------------------------------------------------------------------------


def dwelling_data(building: Building, **overrides: Any) -> dict[str, Any]:
    data = {"building": building.pk, "unit": "2单元", "room": "501", "floor": "5", "floor_area": "89.5"}
    data.update({"use": "residential", "occupancy": "rented"})
    data.update(overrides)
    return data


def test_staff_adds_a_dwelling_which_takes_the_buildings_area(world: World) -> None:
    response = logged_in(world.alice).post(reverse("backoffice:dwelling_add"), dwelling_data(world.building))
    dwelling = Dwelling.objects.get(room="501")
    assert response["Location"] == reverse("backoffice:dwelling_detail", args=[dwelling.pk])
    assert dwelling.area_id == world.grid.pk
    assert AuditEntry.objects.filter(target_type="dwelling", action="create").exists()


def test_dwelling_in_another_communitys_building_is_refused(world: World) -> None:
    response = logged_in(world.alice).post(
        reverse("backoffice:dwelling_add"), dwelling_data(world.other_building)
    )
    assert "所选项不存在，或不在您的管辖范围内" in html_of(response)
    assert not Dwelling.objects.filter(room="501").exists()


def test_duplicate_room_is_explained(world: World) -> None:
    data = dwelling_data(world.building, unit="1单元", room="302")
    response = logged_in(world.alice).post(reverse("backoffice:dwelling_add"), data)
    assert "该楼栋已有相同单元和房号的房屋。" in html_of(response)


def test_bad_number_is_explained_in_chinese(world: World) -> None:
    data = dwelling_data(world.building, floor="三楼")
    response = logged_in(world.alice).post(reverse("backoffice:dwelling_add"), data)
    assert "输入整数" in html_of(response)


# --- households ------------------------------------------------------------------------------------------


def test_household_at_a_dwelling_takes_its_area(world: World) -> None:
    data = {"number": "FR-3-302", "dwelling": world.dwelling.pk, "area": ""}
    logged_in(world.alice).post(reverse("backoffice:household_add"), data)
    household = Household.objects.get(number="FR-3-302")
    assert household.area_id == world.grid.pk
    assert AuditEntry.objects.filter(target_type="household", action="create").exists()


def test_household_number_is_unique_in_its_area(world: World) -> None:
    registry.do_save_record(None, Household(dwelling=world.dwelling, number="FR-3-302"))
    data = {"number": "FR-3-302", "dwelling": world.dwelling.pk, "area": ""}
    response = logged_in(world.alice).post(reverse("backoffice:household_add"), data)
    assert "该区域已有相同户编号的户。" in html_of(response)
    assert Household.objects.count() == 1


def test_household_dwelling_from_another_community_is_refused(world: World) -> None:
    data = {"number": "X-1", "dwelling": world.other_dwelling.pk, "area": ""}
    response = logged_in(world.alice).post(reverse("backoffice:household_add"), data)
    assert "所选项不存在，或不在您的管辖范围内" in html_of(response)


def test_household_is_deleted(world: World) -> None:
    household = registry.do_save_record(None, Household(dwelling=world.dwelling, number="FR-3-302"))
    logged_in(world.alice).post(reverse("backoffice:household_delete", args=[household.pk]))
    assert not Household.objects.exists()


# --- merchants -------------------------------------------------------------------------------------------


def merchant_data(world: World, **overrides: Any) -> dict[str, Any]:
    data = {
        "name": "芙蓉便利店",
        "credit_code": "91350100M000100Y43",
        "category": "零售",
        "operator_name": "周老板",
        "phone": "136-1234-5678",
        "area": "",
        "compound": "",
        "building": world.building.pk,
        "address": "芙蓉苑3栋底商",
    }
    data.update(overrides)
    return data


def test_staff_registers_a_merchant_with_a_sealed_phone(world: World) -> None:
    response = logged_in(world.alice).post(reverse("backoffice:merchant_add"), merchant_data(world))
    merchant = Merchant.objects.get(name="芙蓉便利店")
    assert response.status_code == 302
    assert merchant.area_id == world.grid.pk
    assert merchant.compound_id == world.compound.pk
    assert merchant.phone_masked == "136****5678"
    assert merchant.unseal("phone") == "13612345678"
    entry = AuditEntry.objects.get(target_type="merchant", action="create")
    assert "13612345678" not in json.dumps(entry.changes)


def test_merchant_phone_is_kept_when_left_blank(world: World) -> None:
    client = logged_in(world.alice)
    client.post(reverse("backoffice:merchant_add"), merchant_data(world))
    merchant = Merchant.objects.get(name="芙蓉便利店")
    url = reverse("backoffice:merchant_edit", args=[merchant.pk])
    assert "当前：136****5678" in html_of(client.get(url))
    client.post(url, merchant_data(world, phone="", category="便利店"))
    merchant.refresh_from_db()
    assert merchant.category == "便利店"
    assert merchant.phone_masked == "136****5678"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"credit_code": "91350100M000100Y44"}, "统一社会信用代码校验位错误"),
        ({"credit_code": "ABC"}, "统一社会信用代码应为18位"),
        ({"phone": "110"}, "请输入以1开头的11位手机号码"),
        ({"building": "", "area": ""}, "请选择所属区域，或选择楼栋。"),
    ],
)
def test_bad_merchant_input_is_explained(world: World, overrides: dict[str, Any], message: str) -> None:
    response = logged_in(world.alice).post(
        reverse("backoffice:merchant_add"), merchant_data(world, **overrides)
    )
    assert message in html_of(response)
    assert not Merchant.objects.exists()


def test_merchant_building_must_belong_to_the_compound(world: World) -> None:
    other = registry.do_save_record(None, Compound(area=world.sunshine, name="安居苑", kind="affordable"))
    response = logged_in(world.alice).post(
        reverse("backoffice:merchant_add"), merchant_data(world, compound=other.pk)
    )
    assert "所选楼栋不属于所选小区。" in html_of(response)


def test_merchant_in_another_communitys_building_is_refused(world: World) -> None:
    data = merchant_data(world, building=world.other_building.pk)
    response = logged_in(world.alice).post(reverse("backoffice:merchant_add"), data)
    assert "所选项不存在，或不在您的管辖范围内" in html_of(response)


# --- helpers ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("13812345678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("010-12345678", "010-12345678"),
        ("(0731) 8456 1234", "0731-84561234"),
        ("0755-1234567", "0755-1234567"),
    ],
)
def test_phone_numbers_are_normalised(raw: str, normalised: str) -> None:
    assert normalize_phone(raw) == normalised


@pytest.mark.parametrize("raw", ["12812345678", "1381234567", "0731-123", "021-123456789", "abc"])
def test_bad_phone_numbers_are_refused(raw: str) -> None:
    with pytest.raises(ValidationError, match="请输入"):
        normalize_phone(raw)


def test_credit_codes_are_checked() -> None:
    assert normalize_credit_code(" 91350100m000100y43 ") == "91350100M000100Y43"
    with pytest.raises(ValidationError, match="校验位"):
        normalize_credit_code("91350100M000100Y42")
