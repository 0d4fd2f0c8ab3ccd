"""Registry actions: area tree rules, audited saves, moves with history, identity checks."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from yangguang.core.actions import audit, registry
from yangguang.core.models import AuditEntry, Compound, Dwelling, Person, Residence
from yangguang.core.sealing import blind_index


def test_area_paths_nest(world):
    assert world.grid.path.startswith(world.sunshine.path)
    assert world.grid.depth == 3
    assert world.grid.ancestor_ids() == [world.district.pk, world.street.pk, world.sunshine.pk, world.grid.pk]


def test_grid_cannot_sit_under_a_street(world):
    with pytest.raises(ValidationError):
        registry.do_create_area(None, parent=world.street, kind="grid", name="错误网格")


def test_only_districts_are_roots(db):
    with pytest.raises(ValidationError):
        registry.do_create_area(None, parent=None, kind="community", name="孤立社区")


def test_create_writes_audit_entry_with_masked_values(world):
    entry = AuditEntry.objects.filter(
        target_type="person", target_id=str(world.person.pk), action="create"
    ).get()
    assert entry.target_repr == "张*丰"
    assert entry.changes["id_number"][1] == world.person.id_number_masked
    text = str(entry.changes)
    assert "43010219500101123X" not in text
    assert world.person.id_number_enc not in text


def test_update_records_old_and_new(world):
    compound = Compound.objects.get(pk=world.compound.pk)
    before = audit.snapshot(compound)
    compound.property_company = "芙蓉物业"
    registry.do_save_record(world.alice, compound, before=before)
    entry = AuditEntry.objects.filter(target_type="compound", action="update").get()
    assert entry.changes == {"property_company": ["", "芙蓉物业"]}
    assert entry.actor == world.alice


def test_update_without_change_writes_nothing(world):
    compound = Compound.objects.get(pk=world.compound.pk)
    count = AuditEntry.objects.count()
    registry.do_save_record(world.alice, compound, before=audit.snapshot(compound))
    assert AuditEntry.objects.count() == count


def test_dwelling_takes_its_building_area(world):
    assert world.dwelling.area_id == world.grid.pk


def test_delete_protected_record_gives_chinese_message(world):
    with pytest.raises(ValidationError, match="不能删除"):
        registry.do_delete_record(world.alice, world.building)
    assert Dwelling.objects.filter(pk=world.dwelling.pk).exists()


def test_move_keeps_history_and_one_current_residence(world):
    new_home = registry.do_save_record(None, Dwelling(building=world.building, unit="1单元", room="401"))
    registry.do_move_person(world.alice, world.person, new_home, on=datetime.date(2024, 5, 1))
    history = list(Residence.objects.filter(person=world.person).order_by("start_date"))
    assert [r.dwelling_id for r in history] == [world.dwelling.pk, new_home.pk]
    assert history[0].end_date == datetime.date(2024, 5, 1)
    assert history[1].end_date is None
    assert Person.objects.get(pk=world.person.pk).dwelling_id == new_home.pk


def test_move_cannot_end_before_it_began(world):
    new_home = registry.do_save_record(None, Dwelling(building=world.building, unit="1单元", room="402"))
    with pytest.raises(ValidationError):
        registry.do_move_person(world.alice, world.person, new_home, on=datetime.date(2019, 1, 1))


def test_identity_derives_sex_and_birth_date():
    id18, sex, birth = registry.check_identity("43010219500101123x")
    assert (id18, sex, birth) == ("43010219500101123X", "M", datetime.date(1950, 1, 1))


def test_identity_rejects_mismatched_sex():
    with pytest.raises(ValidationError) as info:
        registry.check_identity("43010219500101123X", sex="F")
    assert "性别与身份证号码不符" in str(info.value)


def test_identity_rejects_mismatched_birth_date():
    with pytest.raises(ValidationError) as info:
        registry.check_identity("43010219500101123X", birth_date=datetime.date(1950, 1, 2))
    assert "出生日期与身份证号码不符" in str(info.value)


def test_identity_rejects_bad_checksum():
    with pytest.raises(ValidationError) as info:
        registry.check_identity("430102195001011231")
    assert "校验" in str(info.value)


def test_duplicate_id_number_is_refused(world):
    twin = Person(area=world.peace, name="假冒")
    with pytest.raises(ValidationError) as info:
        registry.set_person_identity(twin, "43010219500101123X")
    assert "已登记" in str(info.value)


def test_id_number_is_encrypted_and_indexed(world):
    person = Person.objects.get(pk=world.person.pk)
    assert person.id_number_enc.startswith("v1:")
    assert "43010219500101123X" not in person.id_number_enc
    assert person.id_number_index == blind_index("core.person", "id_number", "43010219500101123X")
    assert person.id_number_masked == "430***********123X"
    assert person.unseal("id_number") == "43010219500101123X"
