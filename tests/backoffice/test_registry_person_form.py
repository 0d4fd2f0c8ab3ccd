"""Registering and editing residents: identity checks beside the fields, sealed phone numbers, tags, moves
with residence history, audit entries with masked values only, and nothing saved on bad input."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import World, make_person
from yangguang.core.actions import registry
from yangguang.core.models import AuditEntry, Dwelling, Person, Residence, Tag
from yangguang.core.sealing import blind_index

NEW_ID = "430102199006159717"  # male, born 1990-06-15
NEW_ID_FEMALE = "43010219850307332X"  # female, born 1985-03-07


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def person_data(world: World, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "王小明",
        "id_number": NEW_ID,
        "sex": "",
        "birth_date": "",
        "phone": "138 1234 5678",
        "residence_status": "resident",
        "ethnicity": "汉族",
        "hukou_place": "湖南省长沙市",
        "dwelling": str(world.dwelling.pk),
        "area": "",
        "notes": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def add_person(client: Client, data: dict[str, Any]) -> Any:
    return client.post(reverse("backoffice:person_add"), data)


def edit_person(client: Client, person: Person, data: dict[str, Any]) -> Any:
    return client.post(reverse("backoffice:person_edit", args=[person.pk]), data)


def edit_data(person: Person, **overrides: Any) -> dict[str, Any]:
    """What the edit form posts back unchanged: name, and blank ID/phone (blank keeps them)."""
    data: dict[str, Any] = {
        "name": person.name,
        "id_number": "",
        "sex": "",
        "birth_date": "",
        "phone": "",
        "residence_status": person.residence_status,
        "ethnicity": person.ethnicity,
        "hukou_place": person.hukou_place,
        "dwelling": str(person.dwelling_id or ""),
        "area": str(person.area_id),
        "notes": person.notes,
        "tags": [t.pk for t in person.tags.all()],
    }
    data.update(overrides)
    return data


# --- registering ---------------------------------------------------------------------------------------


def test_staff_registers_a_resident_with_an_audit_entry_of_masked_values(world: World) -> None:
    veteran = Tag.objects.create(code="veteran", name="退役军人")
    response = add_person(logged_in(world.alice), person_data(world, tags=[veteran.pk]))
    person = Person.objects.get(name="王小明")
    assert response.status_code == 302
    assert response["Location"] == reverse("backoffice:person_detail", args=[person.pk])
    assert person.sex == "M"
    assert person.birth_date == datetime.date(1990, 6, 15)
    assert person.id_number_index == blind_index("core.person", "id_number", NEW_ID)
    assert person.phone_masked == "138****5678"
    assert person.phone_index == blind_index("core.person", "phone", "13812345678")
    assert person.dwelling_id == world.dwelling.pk
    assert person.area_id == world.grid.pk
    assert list(person.tags.all()) == [veteran]
    assert Residence.objects.get(person=person).start_date == timezone.localdate()
    entries = AuditEntry.objects.filter(target_type="person", target_id=str(person.pk), actor=world.alice)
    created = entries.get(action="create")
    assert created.changes["id_number"] == [None, person.id_number_masked]
    assert created.changes["phone"] == [None, "138****5678"]
    assert created.target_repr == "王*明"
    text = json.dumps([e.changes for e in entries], ensure_ascii=False)
    assert NEW_ID not in text
    assert "13812345678" not in text
    assert person.id_number_enc not in text
    assert entries.filter(action="update", changes__has_key="tags").exists()


def test_success_message_is_shown_on_the_detail_page(world: World) -> None:
    response = logged_in(world.alice).post(reverse("backoffice:person_add"), person_data(world), follow=True)
    assert response.redirect_chain[0][1] == 302
    html = response.content.decode()
    assert "已保存。" in html
    assert "王小明" in html


def test_sex_and_birth_date_may_be_given_when_they_agree(world: World) -> None:
    response = add_person(logged_in(world.alice), person_data(world, sex="M", birth_date="1990-06-15"))
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("overrides", "field_message"),
    [
        ({"id_number": ""}, "这个字段是必填项"),
        ({"id_number": "430102199006159718"}, "身份证号码校验位错误"),
        ({"id_number": "43010219900615971"}, "身份证号码长度应为18位"),
        ({"sex": "F"}, "性别与身份证号码不符（号码显示为男）"),
        ({"birth_date": "1990-06-16"}, "出生日期与身份证号码不符（号码显示为1990-06-15）"),
        ({"id_number": "43010219500101123X"}, "该身份证号码已登记在其他居民名下"),
        ({"phone": "12345"}, "请输入以1开头的11位手机号码"),
        ({"phone": "2345678901"}, "请输入以1开头的11位手机号码"),
        ({"name": ""}, "这个字段是必填项"),
        ({"dwelling": "", "area": ""}, "请选择所属区域，或选择房屋"),
    ],
)
def test_bad_input_is_explained_beside_the_field_and_nothing_is_saved(
    world: World, overrides: dict[str, Any], field_message: str
) -> None:
    people, entries = Person.objects.count(), AuditEntry.objects.count()
    response = add_person(logged_in(world.alice), person_data(world, **overrides))
    assert response.status_code == 200
    html = response.content.decode()
    assert field_message in html
    assert '<div role="alert"><ul class="errorlist">' in html
    assert Person.objects.count() == people
    assert AuditEntry.objects.count() == entries


def test_dwelling_of_another_community_is_refused(world: World) -> None:
    response = add_person(logged_in(world.alice), person_data(world, dwelling=str(world.other_dwelling.pk)))
    assert "所选项不存在，或不在您的管辖范围内" in response.content.decode()
    assert not Person.objects.filter(name="王小明").exists()


def test_area_of_another_community_is_refused(world: World) -> None:
    response = add_person(logged_in(world.alice), person_data(world, dwelling="", area=str(world.peace.pk)))
    assert "所选项不存在，或不在您的管辖范围内" in response.content.decode()
    assert not Person.objects.filter(name="王小明").exists()


def test_grid_worker_cannot_place_a_resident_outside_her_grid(world: World) -> None:
    response = add_person(
        logged_in(world.grace), person_data(world, dwelling="", area=str(world.sunshine.pk))
    )
    assert "所选项不存在，或不在您的管辖范围内" in response.content.decode()


def test_resident_without_dwelling_is_placed_in_the_chosen_area(world: World) -> None:
    add_person(logged_in(world.alice), person_data(world, dwelling="", area=str(world.sunshine.pk)))
    person = Person.objects.get(name="王小明")
    assert person.area_id == world.sunshine.pk
    assert person.dwelling_id is None
    assert not Residence.objects.filter(person=person).exists()


def test_landline_is_normalised_and_sealed(world: World) -> None:
    add_person(logged_in(world.alice), person_data(world, phone="０７３１ 8456 1234"))
    person = Person.objects.get(name="王小明")
    assert person.phone_masked == "0731-******34"
    assert person.unseal("phone") == "0731-84561234"


def test_add_form_takes_the_dwelling_from_the_link(world: World) -> None:
    response = logged_in(world.alice).get(reverse("backoffice:person_add"), {"dwelling": world.dwelling.pk})
    assert response.context["form"].initial["dwelling"] == str(world.dwelling.pk)


# --- editing ---------------------------------------------------------------------------------------------


def test_blank_id_number_keeps_it_and_only_the_change_is_audited(world: World) -> None:
    person = Person.objects.get(pk=world.person.pk)
    response = edit_person(logged_in(world.alice), person, edit_data(person, name="张三峰", ethnicity="汉族"))
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.name == "张三峰"
    assert person.id_number_index == blind_index("core.person", "id_number", "43010219500101123X")
    entry = AuditEntry.objects.filter(target_type="person", action="update", actor=world.alice).get()
    assert set(entry.changes) == {"name", "ethnicity"}
    assert entry.changes["ethnicity"] == ["", "汉族"]
    assert "张三丰" not in json.dumps(entry.changes, ensure_ascii=False)


def test_name_change_is_saved_even_when_its_mask_is_unchanged(world: World) -> None:
    # 张三丰 and 张四丰 share the mask 张*丰; the change must still be saved and audited.
    person = Person.objects.get(pk=world.person.pk)
    edit_person(logged_in(world.alice), person, edit_data(person, name="张四丰"))
    person.refresh_from_db()
    assert person.name == "张四丰"
    assert AuditEntry.objects.filter(target_type="person", action="update", actor=world.alice).exists()


def test_edit_checks_a_typed_sex_against_the_stored_number(world: World) -> None:
    person = Person.objects.get(pk=world.person.pk)
    response = edit_person(logged_in(world.alice), person, edit_data(person, sex="F"))
    assert "性别与身份证号码不符" in response.content.decode()


def test_edit_refuses_another_residents_id_number(world: World) -> None:
    other = make_person(world.grid, None, "赵丽", NEW_ID_FEMALE)
    person = Person.objects.get(pk=world.person.pk)
    response = edit_person(
        logged_in(world.alice), person, edit_data(person, id_number=other.id_number_masked)
    )
    assert "身份证号码" in response.content.decode()
    response = edit_person(logged_in(world.alice), person, edit_data(person, id_number=NEW_ID_FEMALE))
    assert "该身份证号码已登记在其他居民名下" in response.content.decode()
    person.refresh_from_db()
    assert person.id_number_index == blind_index("core.person", "id_number", "43010219500101123X")


def test_phone_blank_keeps_it_and_clear_removes_it(world: World) -> None:
    person = Person.objects.get(pk=world.person.pk)
    person.set_sealed("phone", "13987654321")
    person.save()
    client = logged_in(world.alice)
    page = client.get(reverse("backoffice:person_edit", args=[person.pk])).content.decode()
    assert "当前：139****4321" in page
    assert "13987654321" not in page
    edit_person(client, person, edit_data(person, notes="换了备注"))
    person.refresh_from_db()
    assert person.phone_masked == "139****4321"
    edit_person(client, person, edit_data(person, clear_phone="on"))
    person.refresh_from_db()
    assert person.phone_masked == ""
    assert person.phone_enc == ""


def test_moving_to_another_dwelling_keeps_the_residence_history(world: World) -> None:
    new_home = registry.do_save_record(
        None, Dwelling(building=world.building, unit="1单元", room="401", floor=4)
    )
    person = Person.objects.get(pk=world.person.pk)
    edit_person(logged_in(world.alice), person, edit_data(person, dwelling=str(new_home.pk)))
    person.refresh_from_db()
    assert person.dwelling_id == new_home.pk
    history = list(Residence.objects.filter(person=person).order_by("start_date"))
    assert [r.dwelling_id for r in history] == [world.dwelling.pk, new_home.pk]
    assert history[0].end_date == timezone.localdate()


def test_moving_out_keeps_history_and_takes_the_chosen_area(world: World) -> None:
    person = Person.objects.get(pk=world.person.pk)
    edit_person(logged_in(world.alice), person, edit_data(person, dwelling="", area=str(world.sunshine.pk)))
    person.refresh_from_db()
    assert person.dwelling_id is None
    assert person.area_id == world.sunshine.pk
    assert Residence.objects.get(person=person).end_date == timezone.localdate()


def test_grid_worker_edits_without_seeing_the_full_name_and_keeps_sensitive_tags(world: World) -> None:
    disabled = Tag.objects.create(code="disabled", name="残疾人", sensitive=True)
    veteran = Tag.objects.create(code="veteran", name="退役军人")
    person = Person.objects.get(pk=world.person.pk)
    person.tags.add(disabled)
    client = logged_in(world.grace)
    page = client.get(reverse("backoffice:person_edit", args=[person.pk])).content.decode()
    assert "张三丰" not in page
    assert "当前：张*丰" in page
    assert "残疾人" not in page
    response = edit_person(client, person, edit_data(person, name="", tags=[veteran.pk]))
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.name == "张三丰"
    assert set(person.tags.all()) == {disabled, veteran}
    entry = AuditEntry.objects.get(target_type="person", changes__has_key="tags")
    assert entry.changes["tags"] == [["（敏感标签）"], ["退役军人", "（敏感标签）"]]


def test_committee_member_cannot_edit_and_nothing_changes(world: World) -> None:
    person = Person.objects.get(pk=world.person.pk)
    response = edit_person(logged_in(world.bob), person, edit_data(person, name="改名"))
    assert response.status_code == 403
    person.refresh_from_db()
    assert person.name == "张三丰"


# --- deleting --------------------------------------------------------------------------------------------


def test_delete_asks_first_then_deletes_with_an_audit_entry(world: World) -> None:
    client = logged_in(world.alice)
    url = reverse("backoffice:person_delete", args=[world.person.pk])
    confirm = client.get(url).content.decode()
    assert "确定要删除居民“张三丰”吗" in confirm
    response = client.post(url)
    assert response["Location"] == reverse("backoffice:person_list")
    assert not Person.objects.filter(pk=world.person.pk).exists()
    entry = AuditEntry.objects.get(target_type="person", action="delete")
    assert entry.target_repr == "张*丰"
    assert "43010219500101123X" not in json.dumps(entry.changes)
