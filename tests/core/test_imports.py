"""The people import (`check_import_people`), the export action, and `manage.py import_people`.

Personas from conftest: alice is staff of 阳光社区 (compound 芙蓉苑, building 3栋 in 一网格, dwelling 1单元302
with 张三丰); carol is staff of 和平社区 (和平里 8栋 2单元101 with 李四); bob sits on 阳光社区's committee.
"""

from __future__ import annotations

import datetime
import io
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from tests.conftest import World
from yangguang.core.actions import exports, imports
from yangguang.core.actions.imports import check_import_people
from yangguang.core.models import (
    AuditEntry,
    Dwelling,
    Household,
    HouseholdMembership,
    ImportRun,
    Person,
    Relation,
    Residence,
    Tag,
)
from yangguang.core.sealing import blind_index
from yangguang.lib import idnumber

ZHANG_ID = "43010219500101123X"  # 张三丰, in 阳光社区 一网格
LI_ID = "430102198002022233"  # 李四, in 和平社区


def fake_id(seed: int, birth: datetime.date = datetime.date(1985, 3, 7), sex: str = "M") -> str:
    return idnumber.make_fake(random.Random(seed), "430102", birth, sex)


def bad_checksum(id18: str) -> str:
    last = "0" if id18[-1] != "0" else "1"
    return id18[:-1] + last


def row(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "姓名": "王小明",
        "身份证号": fake_id(1),
        "性别": "男",
        "出生日期": "1985-03-07",
        "联系电话": "13812345678",
        "人口类型": "常住",
        "小区": "芙蓉苑",
        "楼栋": "3栋",
        "单元": "1单元",
        "房号": "501",
        "户编号": "",
        "与户主关系": "",
        "标签": "",
        "民族": "汉族",
        "户籍地": "湖南省长沙市",
    }
    base.update(overrides)
    return base


def run_import(world: World, rows: list[dict[str, Any]], **kwargs: Any) -> ImportRun:
    return check_import_people(world.alice, world.sunshine, rows, "people.xlsx", "web", **kwargs)


def person(id18: str) -> Person:
    return Person.objects.get(id_number_index=blind_index("core.person", "id_number", id18))


def error_rows(run: ImportRun) -> list[list[Any]]:
    data = imports.error_report_bytes(run)
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()


def reasons(run: ImportRun) -> list[str]:
    return [r[-1] for r in error_rows(run)[1:]]


def assert_totals_add_up(run: ImportRun) -> None:
    assert run.rows_read == run.rows_created + run.rows_updated + run.rows_unchanged + run.rows_rejected


# --- applying valid rows -------------------------------------------------------------------------------


def test_valid_row_creates_person_dwelling_household_and_residence(world):
    run = run_import(world, [row(户编号="H-001", 与户主关系="户主")])
    assert (run.rows_read, run.rows_created, run.rows_rejected) == (1, 1, 0)
    new = person(fake_id(1))
    assert new.name == "王小明"
    assert (new.sex, new.birth_date) == ("M", datetime.date(1985, 3, 7))
    assert new.id_number_masked == fake_id(1)[:3] + "*" * 11 + fake_id(1)[14:]
    assert new.unseal("phone") == "13812345678"
    assert new.phone_masked == "138****5678"
    assert (new.residence_status, new.ethnicity, new.hukou_place) == ("resident", "汉族", "湖南省长沙市")
    dwelling = Dwelling.objects.get(building=world.building, unit="1单元", room="501")
    assert dwelling.area_id == world.grid.pk
    assert (new.dwelling_id, new.area_id) == (dwelling.pk, world.grid.pk)
    assert Residence.objects.get(person=new, end_date__isnull=True).dwelling_id == dwelling.pk
    household = Household.objects.get(number="H-001")
    assert (household.head_id, household.dwelling_id, household.area_id) == (
        new.pk,
        dwelling.pk,
        world.grid.pk,
    )
    assert HouseholdMembership.objects.get(person=new).relation == Relation.HEAD
    assert "新建房屋 1 处" in run.message
    assert "新建户 1 个" in run.message
    assert not run.error_report


def test_existing_dwelling_is_reused(world):
    run_import(world, [row(房号="302")])
    assert person(fake_id(1)).dwelling_id == world.dwelling.pk
    assert Dwelling.objects.filter(building=world.building).count() == 1


def test_full_width_and_numeric_cells_match_registered_names(world):
    run = run_import(world, [row(楼栋="３栋", 房号=302.0, 单元="1 单元")])
    assert run.rows_created == 1
    assert person(fake_id(1)).dwelling_id == world.dwelling.pk


def test_sex_and_birth_date_are_derived_when_left_blank(world):
    female = fake_id(2, datetime.date(1990, 12, 31), "F")
    run_import(world, [row(身份证号=female, 性别="", 出生日期="")])
    assert (person(female).sex, person(female).birth_date) == ("F", datetime.date(1990, 12, 31))


@pytest.mark.parametrize(
    "birth",
    [
        "1985-03-07",
        "1985/3/7",
        "19850307",
        "1985.03.07",
        "1985年3月7日",
        datetime.date(1985, 3, 7),
        31113,
        19850307,
    ],
)
def test_birth_date_formats_are_accepted(world, birth):
    run = run_import(world, [row(出生日期=birth)])
    assert run.rows_created == 1, reasons(run)


def test_fifteen_digit_id_is_upgraded(world):
    old = "430102850307123"
    run = run_import(world, [row(身份证号=old, 出生日期="")])
    assert run.rows_created == 1
    assert person(idnumber.normalize(old)).id_number_masked.endswith(idnumber.normalize(old)[-4:])


def test_landline_is_normalised(world):
    run_import(world, [row(联系电话="0731 8456 1234")])
    assert person(fake_id(1)).unseal("phone") == "0731-84561234"


def test_known_tags_are_set_and_a_filled_cell_replaces_them(world):
    Tag.objects.create(code="elderly", name="独居老人")
    Tag.objects.create(code="veteran", name="退役军人")
    run_import(world, [row(标签="独居老人、退役军人")])
    assert sorted(t.name for t in person(fake_id(1)).tags.all()) == ["独居老人", "退役军人"]
    run = run_import(world, [row(标签="退役军人")])
    assert run.rows_updated == 1
    assert [t.name for t in person(fake_id(1)).tags.all()] == ["退役军人"]
    run = run_import(world, [row(标签="")])
    assert run.rows_unchanged == 1
    assert person(fake_id(1)).tags.count() == 1


# --- updates, moves, memberships -----------------------------------------------------------------------


def test_existing_person_in_area_is_updated_only_where_cells_differ(world):
    run = run_import(world, [row(姓名="张三丰", 身份证号=ZHANG_ID, 出生日期="", 房号="302", 人口类型="")])
    assert (run.rows_updated, run.rows_unchanged) == (1, 0)  # the phone, ethnicity, hukou place were blank
    zhang = person(ZHANG_ID)
    assert zhang.unseal("phone") == "13812345678"
    assert zhang.residence_status == "registered"
    run = run_import(world, [row(姓名="张三丰", 身份证号=ZHANG_ID, 出生日期="", 房号="302", 人口类型="")])
    assert (run.rows_updated, run.rows_unchanged) == (0, 1)
    run = run_import(world, [row(姓名="张三峰", 身份证号=ZHANG_ID, 出生日期="", 房号="302", 联系电话="")])
    assert run.rows_updated == 1
    zhang = person(ZHANG_ID)
    assert zhang.name == "张三峰"
    assert zhang.unseal("phone") == "13812345678"  # blank cell: left as it was


def test_move_closes_old_residence_and_opens_new_one(world):
    run = run_import(world, [row(姓名="张三丰", 身份证号=ZHANG_ID, 出生日期="", 房号="601")])
    assert run.rows_updated == 1
    assert "迁居 1 人" in run.message
    history = list(Residence.objects.filter(person=world.person).order_by("start_date", "id"))
    assert len(history) == 2
    assert history[0].dwelling_id == world.dwelling.pk
    assert history[0].end_date is not None
    assert history[1].end_date is None
    assert person(ZHANG_ID).dwelling_id == history[1].dwelling_id != world.dwelling.pk


def test_membership_moves_between_households_and_head_is_set(world):
    first = [
        row(户编号="H-1", 与户主关系="户主"),
        row(姓名="李小红", 身份证号=fake_id(3, sex="F"), 性别="女", 户编号="H-1", 与户主关系="配偶"),
    ]
    run_import(world, first)
    wife = person(fake_id(3, sex="F"))
    assert HouseholdMembership.objects.get(person=wife).relation == Relation.SPOUSE
    run = run_import(
        world, [row(姓名="李小红", 身份证号=fake_id(3, sex="F"), 性别="女", 户编号="H-2", 与户主关系="户主")]
    )
    assert run.rows_updated == 1
    memberships = list(HouseholdMembership.objects.filter(person=wife).order_by("id"))
    assert [m.household.number for m in memberships] == ["H-1", "H-2"]
    assert memberships[0].end_date is not None
    assert memberships[1].end_date is None
    assert Household.objects.get(number="H-2").head_id == wife.pk
    assert Household.objects.get(number="H-1").head_id == person(fake_id(1)).pk


def test_relation_change_in_same_household_updates_membership(world):
    run_import(world, [row(户编号="H-1", 与户主关系="子女")])
    run = run_import(world, [row(户编号="H-1", 与户主关系="户主")])
    assert run.rows_updated == 1
    membership = HouseholdMembership.objects.get(person=person(fake_id(1)))
    assert membership.relation == Relation.HEAD
    assert Household.objects.get(number="H-1").head_id == membership.person_id


# --- re-import -----------------------------------------------------------------------------------------


def test_reimporting_the_same_file_changes_nothing(world):
    Tag.objects.create(code="party", name="党员")
    rows = [
        row(户编号="H-1", 与户主关系="户主", 标签="党员"),
        row(姓名="李小红", 身份证号=fake_id(3, sex="F"), 性别="女", 户编号="H-1", 与户主关系="配偶"),
        row(姓名="张三丰", 身份证号=ZHANG_ID, 出生日期="", 房号="601", 户编号="H-9", 与户主关系="户主"),
        row(姓名="坏行", 身份证号=bad_checksum(fake_id(4))),
    ]
    first = run_import(world, rows)
    assert (first.rows_created, first.rows_updated, first.rows_rejected) == (2, 1, 1)
    counts = (
        Person.objects.count(),
        Dwelling.objects.count(),
        Household.objects.count(),
        Residence.objects.count(),
        HouseholdMembership.objects.count(),
        Person.tags.through.objects.count(),
    )
    second = run_import(world, rows)
    assert (second.rows_created, second.rows_updated, second.rows_unchanged, second.rows_rejected) == (
        0,
        0,
        3,
        1,
    )
    assert counts == (
        Person.objects.count(),
        Dwelling.objects.count(),
        Household.objects.count(),
        Residence.objects.count(),
        HouseholdMembership.objects.count(),
        Person.tags.through.objects.count(),
    )
    assert "新建房屋 0 处" in second.message


# --- rejected rows -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"身份证号": bad_checksum(fake_id(1))}, "身份证号码校验位错误"),
        ({"身份证号": "43010219850307"}, "长度"),
        ({"身份证号": ""}, "身份证号不能为空"),
        ({"身份证号": 430102198503071234.0}, "存成了数字"),
        ({"姓名": ""}, "姓名不能为空"),
        ({"姓名": "王" * 51}, "姓名过长"),
        ({"性别": "女"}, "性别与身份证号码不符"),
        ({"性别": "未知"}, "性别只能填写"),
        ({"出生日期": "1985-03-08"}, "出生日期与身份证号码不符"),
        ({"出生日期": "三月七日"}, "出生日期“三月七日”无法识别"),
        ({"出生日期": "1985-02-30"}, "无法识别"),
        ({"联系电话": "12345"}, "联系电话“12345”格式不正确"),
        ({"联系电话": "1381234567"}, "格式不正确"),
        ({"人口类型": "外籍"}, "人口类型只能填写"),
        ({"小区": "不存在小区"}, "导入范围内没有小区“不存在小区”"),
        ({"小区": "和平里", "楼栋": "8栋"}, "导入范围内没有小区“和平里”"),
        ({"楼栋": "99栋"}, "小区“芙蓉苑”中没有楼栋“99栋”"),
        ({"房号": ""}, "房号不能为空"),
        ({"与户主关系": "邻居", "户编号": "H-1"}, "与户主关系“邻居”无法识别"),
        ({"与户主关系": "配偶"}, "填写了与户主关系，但没有填写户编号"),
        ({"标签": "不存在的标签"}, "标签不存在：不存在的标签"),
        ({"民族": "汉" * 21}, "民族过长"),
    ],
)
def test_invalid_row_is_rejected_with_its_reason(world, overrides, reason):
    run = run_import(world, [row(**overrides), row(姓名="好人", 身份证号=fake_id(9))])
    assert (run.rows_read, run.rows_created, run.rows_rejected) == (2, 1, 1)
    assert reason in reasons(run)[0]
    assert not Person.objects.filter(
        id_number_index=blind_index("core.person", "id_number", fake_id(1))
    ).exists()


def test_all_reasons_of_a_row_are_listed(world):
    run = run_import(world, [row(联系电话="abc", 人口类型="外籍", 楼栋="99栋")])
    text = reasons(run)[0]
    assert "联系电话" in text
    assert "人口类型" in text
    assert "99栋" in text


def test_duplicate_in_file_points_at_the_first_row(world):
    rows = [row(), row(姓名="别人"), row(姓名="第三人", 身份证号=fake_id(2)), row(姓名="又一个")]
    run = run_import(world, rows)
    assert (run.rows_created, run.rows_rejected) == (2, 2)
    # Row 1 of the sheet is the header, so the first data row is row 2.
    assert reasons(run) == ["与第2行的身份证号码重复", "与第2行的身份证号码重复"]
    assert person(fake_id(1)).name == "王小明"


def test_duplicate_is_detected_even_when_the_first_row_is_rejected_for_sex(world):
    run = run_import(world, [row(性别="女"), row()])
    assert run.rows_rejected == 2
    assert "与第2行的身份证号码重复" in reasons(run)[1]


def test_person_registered_in_another_community_is_rejected_without_saying_where(world):
    run = run_import(world, [row(姓名="李四", 身份证号=LI_ID, 出生日期="", 性别="")])
    assert run.rows_rejected == 1
    assert reasons(run) == ["该身份证号码已在其他社区登记"]
    li = Person.objects.get(pk=world.other_person.pk)
    assert (li.area_id, li.dwelling_id) == (world.peace.pk, world.other_dwelling.pk)


def test_second_head_of_a_household_is_rejected(world):
    rows = [row(户编号="H-1", 与户主关系="户主"), row(身份证号=fake_id(2), 户编号="H-1", 与户主关系="户主")]
    run = run_import(world, rows)
    assert run.rows_rejected == 1
    assert reasons(run) == ["户编号“H-1”已在第2行指定了户主"]


def test_ambiguous_compound_name_at_street_level_is_rejected(world):
    from yangguang.core.actions import registry
    from yangguang.core.models import Building, Compound

    twin = registry.do_save_record(None, Compound(area=world.peace, name="芙蓉苑", kind="old"))
    registry.do_save_record(None, Building(compound=twin, name="3栋"))
    run = check_import_people(world.erin, world.street, [row()], "x.csv")
    assert reasons(run) == ["导入范围内有多个名为“芙蓉苑”的小区，请选择具体的社区后再导入"]


def test_error_workbook_has_the_original_columns_and_a_reason_column(world):
    rows = [row(联系电话="12345", 备注="原样保留"), row(姓名="好人", 身份证号=fake_id(9))]
    run = run_import(world, rows)
    sheet = error_rows(run)
    assert sheet[0] == [*rows[0].keys(), "错误原因"]
    assert sheet[1][:-1] == [str(v) if v != "" else "" for v in rows[0].values()]
    assert len(sheet) == 2
    # Stored encrypted: the ID number is not readable from the stored file.
    with run.error_report.open("rb") as handle:
        assert fake_id(1).encode() not in handle.read()


def test_error_workbook_can_be_fixed_and_imported_again(world):
    run = run_import(world, [row(联系电话="12345")])
    fixed = error_rows(run)
    fixed[1][fixed[0].index("联系电话")] = "13912345678"
    again = check_import_people(world.alice, world.sunshine, _xlsx(fixed), "fixed.xlsx")
    assert (again.rows_created, again.rows_rejected) == (1, 0)


# --- the totals invariant ------------------------------------------------------------------------------

KINDS = (
    "new",
    "existing",
    "outsider",
    "bad_checksum",
    "unknown_building",
    "bad_phone",
    "bad_date",
    "sex_mismatch",
    "duplicate",
)


def _messy_row(kind: str, seed: int, earlier: list[dict[str, Any]]) -> dict[str, Any]:
    new_id = fake_id(seed, datetime.date(1960 + seed % 40, 1 + seed % 12, 1 + seed % 28), "MF"[seed % 2])
    sex = "男" if new_id[16] in "13579" else "女"
    base = row(姓名=f"居民{seed}", 身份证号=new_id, 性别=sex, 出生日期="", 房号=str(100 + seed % 7))
    if kind == "existing":
        return row(
            姓名=f"张三丰{seed % 2}", 身份证号=ZHANG_ID, 出生日期="", 性别="", 房号=str(300 + seed % 3)
        )
    if kind == "outsider":
        return row(身份证号=LI_ID, 出生日期="", 性别="")
    if kind == "bad_checksum":
        return {**base, "身份证号": bad_checksum(new_id)}
    if kind == "unknown_building":
        return {**base, "楼栋": "99栋"}
    if kind == "bad_phone":
        return {**base, "联系电话": "110"}
    if kind == "bad_date":
        return {**base, "出生日期": "去年"}
    if kind == "sex_mismatch":
        return {**base, "性别": "女" if sex == "男" else "男"}
    if kind == "duplicate" and earlier:
        return {**base, "身份证号": earlier[seed % len(earlier)]["身份证号"]}
    return base


def _expected(rows: list[dict[str, Any]], kinds: list[str]) -> tuple[int, set[str]]:
    """Oracle: the number of rejected rows and the ID numbers that must exist as new people."""
    seen: set[str] = set()
    rejected = 0
    created: set[str] = set()
    for data, kind in zip(rows, kinds, strict=True):
        id18 = idnumber.normalize(data["身份证号"]) if idnumber.is_valid(data["身份证号"]) else ""
        duplicate = bool(id18) and id18 in seen
        seen.add(id18)
        # A "duplicate" row always repeats an earlier number, so it is rejected one way or the other.
        own_ok = kind in ("new", "existing") and bool(id18)
        if duplicate or not own_ok:
            rejected += 1
        elif id18 != ZHANG_ID:
            created.add(id18)
    return rejected, created


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 60)), min_size=1, max_size=25))
def test_totals_always_add_up_and_exactly_the_valid_rows_are_stored(world, spec):
    rows: list[dict[str, Any]] = []
    kinds: list[str] = []
    for kind, seed in spec:
        effective = kind if kind != "duplicate" or rows else "new"
        rows.append(_messy_row(effective, seed, rows))
        kinds.append(effective)
    expected_rejected, expected_new = _expected(rows, kinds)
    with transaction.atomic():
        before = set(Person.objects.values_list("id_number_index", flat=True))
        run = run_import(world, rows)
        assert_totals_add_up(run)
        assert run.rows_read == len(rows)
        assert run.rows_rejected == expected_rejected
        assert run.rows_created == len(expected_new)
        after = set(Person.objects.values_list("id_number_index", flat=True))
        assert after - before == {blind_index("core.person", "id_number", i) for i in expected_new}
        assert Person.objects.get(pk=world.other_person.pk).area_id == world.peace.pk
        assert Residence.objects.filter(end_date__isnull=True).count() == Person.objects.count()
        again = run_import(world, rows)
        assert (again.rows_created, again.rows_updated) == (0, 0)
        assert again.rows_unchanged == run.rows_read - run.rows_rejected
        transaction.set_rollback(True)


# --- bad files, permissions, audit, dry run ------------------------------------------------------------


def _xlsx(rows: list[list[Any]], dates: dict[tuple[int, int], datetime.date] | None = None) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet()
    date_format = workbook.add_format({"num_format": "yyyy年m月d日"})
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            if value not in ("", None):
                sheet.write_string(r, c, value) if isinstance(value, str) else sheet.write(r, c, value)
    for (r, c), value in (dates or {}).items():
        sheet.write_datetime(r, c, value, date_format)
    workbook.close()
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"%PDF-1.7\x00\x00binary", "people.pdf", "无法识别的文件格式"),
        (b"", "people.csv", "文件是空的"),
        ("姓名,身份证号,小区,楼栋,房号\n".encode(), "people.csv", "没有数据行"),
        ("姓名,身份证号\n张三,1\n".encode(), "people.csv", "缺少必填列：小区、楼栋、房号"),
        (b"PK\x03\x04not really", "people.xlsx", "无法读取该 Excel 文件"),
    ],
)
def test_bad_file_saves_nothing_and_says_why(world, data, name, message):
    people, audits = Person.objects.count(), AuditEntry.objects.count()
    with pytest.raises(ValidationError, match=message):
        check_import_people(world.alice, world.sunshine, data, name)
    assert ImportRun.objects.count() == 0
    assert (Person.objects.count(), AuditEntry.objects.count()) == (people, audits)


def test_file_over_the_upload_limit_is_refused(world, settings, tmp_path):
    settings.IMPORT_MAX_UPLOAD_MB = 1
    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * (1024 * 1024 + 10))
    with pytest.raises(ValidationError, match="上限为 1 MB"):
        check_import_people(world.alice, world.sunshine, big, "big.csv")
    with pytest.raises(ValidationError, match="上限为 1 MB"):
        check_import_people(world.alice, world.sunshine, io.BytesIO(big.read_bytes()), "big.csv")
    assert ImportRun.objects.count() == 0


def test_outsider_cannot_import_into_another_community(world):
    with pytest.raises(PermissionDenied):
        check_import_people(world.carol, world.sunshine, [row()], "x.csv")
    with pytest.raises(PermissionDenied):
        check_import_people(world.bob, world.sunshine, [row()], "x.csv")
    assert ImportRun.objects.count() == 0


def test_one_audit_entry_summarises_the_import(world):
    before = AuditEntry.objects.count()
    run = run_import(world, [row(), row(身份证号=fake_id(2)), row(身份证号=bad_checksum(fake_id(3)))])
    entries = list(AuditEntry.objects.all()[: AuditEntry.objects.count() - before])
    assert len(entries) == 1
    entry = entries[0]
    assert (entry.action, entry.target_type, entry.target_id) == ("import", "importrun", str(run.pk))
    assert (entry.actor, entry.area_id) == (world.alice, world.sunshine.pk)
    assert entry.changes["created"] == 2
    assert entry.changes["rejected"] == 1
    assert entry.changes["dwellings_created"] == 1
    assert fake_id(1) not in str(entry.changes)


def test_run_records_totals_file_hash_and_source(world):
    run = run_import(world, [row()])
    stored = ImportRun.objects.get(pk=run.pk)
    assert (stored.rows_read, stored.rows_created, stored.kind, stored.source) == (1, 1, "people", "web")
    assert stored.started_by == world.alice
    assert len(stored.file_sha256) == 64
    assert stored.finished_at is not None


def test_dry_run_counts_but_saves_nothing(world):
    people, dwellings, audits = Person.objects.count(), Dwelling.objects.count(), AuditEntry.objects.count()
    run = run_import(world, [row(), row(联系电话="1")], dry_run=True)
    assert (run.pk, run.rows_created, run.rows_rejected) == (None, 1, 1)
    assert (Person.objects.count(), Dwelling.objects.count(), AuditEntry.objects.count()) == (
        people,
        dwellings,
        audits,
    )
    assert ImportRun.objects.count() == 0
    assert "试运行" in run.message
    assert len(reasons(run)) == 1


# --- real files ----------------------------------------------------------------------------------------


def test_gbk_csv_from_excel_is_imported(world):
    header = "姓名,公民身份号码,性别,出生日期,联系电话,人口类型,小区名称,楼栋,单元,房号\r\n"
    line = f"欧阳娜娜,{fake_id(5, sex='F')},女,1985/3/7,138-1234-5678,流动,芙蓉苑,3栋,2单元,101\r\n"
    run = check_import_people(world.alice, world.sunshine, (header + line).encode("gbk"), "导出.csv")
    assert run.rows_created == 1, reasons(run) if run.error_report else ""
    new = person(fake_id(5, sex="F"))
    assert (new.name, new.residence_status) == ("欧阳娜娜", "floating")


def test_xlsx_with_excel_date_cells_is_imported(world):
    headers = ["姓名", "身份证号码", "出生日期", "小区", "楼栋", "单元", "房号", "联系电话"]
    data = _xlsx(
        [headers, ["王小明", fake_id(1), None, "芙蓉苑", "3栋", "1单元", 501, 13812345678]],
        dates={(1, 2): datetime.date(1985, 3, 7)},
    )
    run = check_import_people(world.alice, world.sunshine, data, "people.xlsx")
    assert run.rows_created == 1
    new = person(fake_id(1))
    assert new.birth_date == datetime.date(1985, 3, 7)
    assert new.unseal("phone") == "13812345678"
    assert new.dwelling.room == "501"  # type: ignore[union-attr]


def test_wrong_excel_date_cell_is_rejected(world):
    headers = ["姓名", "身份证号", "出生日期", "小区", "楼栋", "房号"]
    data = _xlsx(
        [headers, ["王小明", fake_id(1), None, "芙蓉苑", "3栋", "501"]], {(1, 2): datetime.date(1985, 3, 8)}
    )
    run = check_import_people(world.alice, world.sunshine, data, "people.xlsx")
    assert "出生日期与身份证号码不符（号码显示为1985-03-07）" in reasons(run)[0]


def test_template_reads_back_with_all_columns(world):
    from yangguang.core import tabular

    for fmt in ("xlsx", "csv"):
        data = imports.people_template(fmt)
        with pytest.raises(tabular.TabularError, match="没有数据行"):
            tabular.read_table(data, f"t.{fmt}", aliases=imports.people_aliases())
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(imports.people_template("xlsx")))
    assert sheet.get_sheet_by_index(0).to_python()[0] == [c.name for c in imports.people_columns()]
    assert sheet.sheet_names[1] == "填写说明"


# --- export --------------------------------------------------------------------------------------------


def _export_rows(result: exports.ExportFile) -> list[list[Any]]:
    if result.filename.endswith(".csv"):
        import csv

        return list(csv.reader(io.StringIO(result.data.decode("utf-8-sig"))))
    return CalamineWorkbook.from_filelike(io.BytesIO(result.data)).get_sheet_by_index(0).to_python()


@pytest.fixture
def populated(world: World) -> World:
    Tag.objects.create(code="sick", name="重病", sensitive=True)
    Tag.objects.create(code="party", name="党员")
    run_import(world, [row(户编号="H-1", 与户主关系="户主", 标签="重病、党员")])
    return world


def test_staff_export_shows_full_names_but_masked_id_and_phone(populated):
    result = exports.do_export(populated.alice, "persons", "xlsx")
    sheet = _export_rows(result)
    assert sheet[0][:3] == ["姓名", "身份证号", "性别"]
    by_name = {r[0]: r for r in sheet[1:]}
    assert set(by_name) == {"张三丰", "王小明"}
    wang = by_name["王小明"]
    assert wang[1] == fake_id(1)[:3] + "*" * 11 + fake_id(1)[14:]
    assert wang[4] == "138****5678"
    assert wang[3] == "1985-03-07"
    assert (wang[8], wang[9], wang[10], wang[11]) == ("1单元", "501", "H-1", "户主")
    assert wang[12] == "重病、党员" or wang[12] == "党员、重病"
    text = result.data.decode("latin-1")
    assert fake_id(1) not in text
    assert "13812345678" not in text


def test_committee_export_masks_names_rooms_and_sensitive_tags(populated):
    result = exports.do_export(populated.bob, "persons", "csv")
    sheet = _export_rows(result)
    names = {r[0] for r in sheet[1:]}
    assert names == {"张*丰", "王*明"}
    wang = next(r for r in sheet[1:] if r[0] == "王*明")
    assert (wang[3], wang[8], wang[9]) == ("1985", "****", "****")
    assert wang[12] == "党员"
    assert "王小明" not in result.data.decode("utf-8-sig")


def test_export_is_scoped_to_the_jurisdiction(populated):
    for kind in exports.KINDS:
        carol_rows = _export_rows(exports.do_export(populated.carol, kind, "xlsx"))
        text = str(carol_rows)
        assert "芙蓉苑" not in text
        assert "阳光社区" not in text
        assert "一网格" not in text
    persons = _export_rows(exports.do_export(populated.carol, "persons", "xlsx"))
    assert [r[0] for r in persons[1:]] == ["李四"]


def test_export_narrowed_by_area_and_query(populated):
    street = _export_rows(exports.do_export(populated.dave, "persons", "csv", area=populated.peace))
    assert [r[0] for r in street[1:]] == ["李*"]
    by_id = _export_rows(exports.do_export(populated.alice, "persons", "csv", q=fake_id(1)))
    assert [r[0] for r in by_id[1:]] == ["王小明"]
    by_name = _export_rows(exports.do_export(populated.alice, "persons", "csv", q="三丰"))
    assert [r[0] for r in by_name[1:]] == ["张三丰"]
    households = _export_rows(exports.do_export(populated.alice, "households", "csv"))
    assert households[1][:3] == ["H-1", "芙蓉苑", "3栋"]
    assert households[1][5:7] == ["王小明", "1"]
    dwellings = _export_rows(exports.do_export(populated.alice, "dwellings", "csv", q="501"))
    assert [r[3] for r in dwellings[1:]] == ["501"]


def test_export_is_audited(populated):
    exports.do_export(populated.bob, "households", "csv", q="H")
    entry = AuditEntry.objects.filter(action="export").get()
    assert (entry.actor, entry.target_type) == (populated.bob, "households")
    assert entry.changes == {"kind": "households", "format": "csv", "rows": 1, "filters": {"q": "H"}}


def test_user_without_export_capability_cannot_export(populated):
    with pytest.raises(PermissionDenied):
        exports.do_export(populated.grace, "persons", "csv")
    with pytest.raises(PermissionDenied):
        exports.do_export(populated.mallory, "persons", "csv")


# --- the management command ----------------------------------------------------------------------------


@pytest.fixture
def people_file(tmp_path: Path) -> Iterator[Path]:
    rows = [row(), row(姓名="坏", 身份证号=bad_checksum(fake_id(2)))]
    headers = list(rows[0])
    path = tmp_path / "people.xlsx"
    path.write_bytes(_xlsx([headers, *[list(r.values()) for r in rows]]))
    yield path


def test_command_imports_and_reports_totals(world, people_file):
    out = io.StringIO()
    call_command("import_people", str(people_file), "--area", "阳光社区", "--user", "alice", stdout=out)
    text = out.getvalue()
    assert "读取 2 行 = 新增 1 + 更新 0 + 无变化 0 + 拒绝 1" in text
    assert "错误报告" in text
    run = ImportRun.objects.get()
    assert (run.source, run.started_by, run.status) == ("cli", world.alice, "done")
    assert person(fake_id(1)).name == "王小明"


def test_command_dry_run_writes_error_workbook_next_to_the_file(world, people_file):
    out = io.StringIO()
    call_command("import_people", str(people_file), "--area", str(world.sunshine.pk), "--dry-run", stdout=out)
    assert ImportRun.objects.count() == 0
    assert Person.objects.count() == 2
    errors = people_file.with_name("people.errors.xlsx")
    assert errors.exists()
    assert str(errors) in out.getvalue()
    sheet = CalamineWorkbook.from_path(str(errors)).get_sheet_by_index(0).to_python()
    assert sheet[1][-1] == "身份证号码校验位错误"


def test_command_refuses_bad_area_user_and_file(world, people_file, tmp_path):
    with pytest.raises(CommandError, match="区域不存在"):
        call_command("import_people", str(people_file), "--area", "无此社区")
    with pytest.raises(CommandError, match="权限"):
        call_command("import_people", str(people_file), "--area", "阳光社区", "--user", "carol")
    with pytest.raises(CommandError, match="用户不存在"):
        call_command("import_people", str(people_file), "--area", "阳光社区", "--user", "nobody")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="文件是空的"):
        call_command("import_people", str(empty), "--area", "阳光社区")
    assert ImportRun.objects.count() == 0


def test_the_example_in_the_user_docs_imports_as_described(world):
    Tag.objects.create(code="party", name="党员")
    text = (Path(__file__).resolve().parents[2] / "docs" / "import.md").read_text(encoding="utf-8")
    block = text.split("## 示例", 1)[1].split("```", 2)[1].strip()
    run = check_import_people(world.alice, world.sunshine, block.encode("utf-8"), "example.csv")
    assert (run.rows_read, run.rows_created, run.rows_rejected) == (2, 2, 0)
    household = Household.objects.get(number="FR-3-501")
    assert household.head is not None
    assert household.head.name == "王小明"
    assert HouseholdMembership.objects.filter(household=household, end_date__isnull=True).count() == 2
