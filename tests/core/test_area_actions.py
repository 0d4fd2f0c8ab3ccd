"""Area management actions (`actions.areas`): creating and renaming areas, and importing the area tree.

Personas from conftest: erin is the district administrator of 示范区 (streets 东风街道 with 阳光社区 › 一网格
and 和平社区; 西湖街道 with 明月村); sam holds the district-admin role at 东风街道 only (a street admin);
alice is community staff of 阳光社区 (no MANAGE_AREAS).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.conftest import World, make_user
from yangguang.core import tabular
from yangguang.core.actions import areas
from yangguang.core.models import Area, AuditEntry
from yangguang.core.permissions import Role
from yangguang.core.tabular import Table

HEADERS = ["街道", "社区/村", "类型", "网格", "编码"]


@pytest.fixture
def sam(world: World) -> Any:
    return make_user("sam", "街道管理员", Role.DISTRICT_ADMIN, world.street)


def sheet(*rows: list[str], headers: list[str] = HEADERS) -> Table:
    """A table as the reader makes it from a file: header, then rows numbered from line 2."""
    return tabular.table_from_rows([headers, *rows], aliases=areas.area_aliases())


def names_under(area: Area) -> list[str]:
    return sorted(Area.objects.filter(parent=area).values_list("name", flat=True))


# --- one area ------------------------------------------------------------------------------------------


def test_district_admin_creates_a_street_with_an_audit_entry(world: World) -> None:
    street = areas.check_create_area(
        world.erin, parent=world.district, kind="street", name="  新华街道 ", code="001"
    )
    assert (street.name, street.code, street.parent, street.depth) == ("新华街道", "001", world.district, 1)
    assert street.path == f"{world.district.path}{street.pk}/"
    entry = AuditEntry.objects.get(target_type="area", target_id=str(street.pk), action="create")
    assert entry.actor == world.erin
    assert entry.area_id == street.pk


def test_street_admin_creates_a_community_in_her_street(world: World, sam: Any) -> None:
    village = areas.check_create_area(sam, parent=world.street, kind="village", name="桃源村")
    assert village.parent == world.street


def test_street_admin_cannot_create_a_street(world: World, sam: Any) -> None:
    with pytest.raises(PermissionDenied):
        areas.check_create_area(sam, parent=world.district, kind="street", name="新华街道")
    assert "新华街道" not in names_under(world.district)


def test_staff_cannot_create_areas(world: World) -> None:
    with pytest.raises(PermissionDenied):
        areas.check_create_area(world.alice, parent=world.sunshine, kind="grid", name="二网格")


def test_the_back_office_cannot_create_a_district(world: World) -> None:
    with pytest.raises(PermissionDenied):
        areas.check_create_area(world.erin, parent=None, kind="district", name="另一个区")


def test_duplicate_name_under_the_same_parent_is_refused_however_it_is_typed(world: World) -> None:
    for typed in ("阳光社区", "阳光　社区", " 阳光 社区"):
        with pytest.raises(ValidationError) as caught:
            areas.check_create_area(world.erin, parent=world.street, kind="community", name=typed)
        assert caught.value.message_dict == {"name": ["“东风街道”下已有名为“阳光社区”的区域。"]}


def test_the_same_name_under_another_parent_is_fine(world: World) -> None:
    grid = areas.check_create_area(world.erin, parent=world.peace, kind="grid", name="一网格")
    assert grid.parent == world.peace


def test_a_kind_that_may_not_sit_under_the_parent_is_refused(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        areas.check_create_area(world.erin, parent=world.street, kind="grid", name="错位网格")
    assert "kind" in caught.value.message_dict


def test_empty_name_and_long_code_are_refused_beside_their_fields(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        areas.check_create_area(world.erin, parent=world.street, kind="community", name="　", code="1" * 21)
    assert caught.value.message_dict == {"name": ["请填写名称。"], "code": ["编码过长（最多20个字符）。"]}


def test_rename_and_new_code_are_audited_old_to_new(world: World) -> None:
    areas.check_update_area(world.erin, world.peace, name="和平新村社区", code="430102001002")
    world.peace.refresh_from_db()
    assert (world.peace.name, world.peace.code) == ("和平新村社区", "430102001002")
    entry = AuditEntry.objects.get(target_type="area", target_id=str(world.peace.pk), action="update")
    assert entry.changes == {"name": ["和平社区", "和平新村社区"], "code": ["", "430102001002"]}
    assert entry.actor == world.erin


def test_rename_to_a_sibling_name_is_refused(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        areas.check_update_area(world.erin, world.peace, name="阳光社区", code="")
    assert caught.value.message_dict["name"] == ["“东风街道”下已有名为“阳光社区”的区域。"]


def test_saving_an_area_unchanged_writes_no_entry(world: World) -> None:
    before = AuditEntry.objects.count()
    areas.check_update_area(world.erin, world.peace, name="和平社区", code="")
    assert AuditEntry.objects.count() == before


def test_a_district_code_is_six_digits(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        areas.check_update_area(world.erin, world.district, name="示范区", code="4301")
    assert "6位数字" in caught.value.message_dict["code"][0]
    areas.check_update_area(world.erin, world.district, name="示范区", code="430103")


def test_street_admin_cannot_rename_areas_outside_her_street(world: World, sam: Any) -> None:
    with pytest.raises(PermissionDenied):
        areas.check_update_area(sam, world.village, name="明日村", code="")


# --- the import ----------------------------------------------------------------------------------------


def test_import_into_a_district_creates_the_tree_once(world: World) -> None:
    table = sheet(
        ["新华街道", "新华社区", "社区", "第一网格", "G1"],
        ["新华街道", "新华社区", "社区", "第二网格", ""],
        ["新华街道", "桃源村", "村", "", "V1"],
        ["新华街道", "", "", "", "430102005"],
    )
    result = areas.check_import_areas(world.erin, world.district, table, "tree.xlsx")
    assert result.applied and not result.rejected
    street = Area.objects.get(parent=world.district, name="新华街道")
    assert street.code == "430102005"
    assert names_under(street) == ["新华社区", "桃源村"]
    assert Area.objects.get(parent=street, name="桃源村").kind == "village"
    community = Area.objects.get(parent=street, name="新华社区")
    assert names_under(community) == ["第一网格", "第二网格"]
    assert Area.objects.get(parent=community, name="第一网格").code == "G1"
    assert dict(result.new_by_kind()) == {"街道/乡镇": 1, "社区": 1, "村": 1, "网格": 2}
    # One entry per area, and one for the import as a whole.
    assert AuditEntry.objects.filter(action="create", target_type="area", actor=world.erin).count() == 5
    entry = AuditEntry.objects.get(action="import", actor=world.erin)
    assert entry.changes["created"] == 5
    assert entry.area_id == world.district.pk


def test_existing_areas_are_matched_by_name_and_left_alone(world: World) -> None:
    table = sheet(
        ["东风街道", "阳光社区", "社区", "一网格", ""],
        ["东风街道", "阳光社区", "", "二网格", ""],
        ["西湖街道", "明月村", "", "", ""],
    )
    result = areas.check_import_areas(world.erin, world.district, table, dry_run=True)
    assert [node.path_label for node in result.new] == ["东风街道 › 阳光社区 › 二网格"]
    assert result.unchanged == 5  # 东风街道, 阳光社区, 一网格, 西湖街道, 明月村
    assert not result.rejected


def test_preview_saves_nothing(world: World) -> None:
    before = Area.objects.count()
    result = areas.check_import_areas(
        world.erin, world.district, sheet(["新华街道", "", "", "", ""]), dry_run=True
    )
    assert len(result.new) == 1 and not result.applied
    assert Area.objects.count() == before


def test_names_lose_padding_but_keep_spaces_between_latin_words() -> None:
    assert areas.clean_name("　新华　社区 ") == "新华社区"
    assert areas.clean_name("Riverside   Park　社区") == "Riverside Park 社区"
    assert areas.clean_name("ＡＢ１网格") == "AB1网格"


def test_messy_cells_are_cleaned_and_matched(world: World) -> None:
    table = sheet(
        ["　东风街道　", "阳光　社区", "", "一网格", ""],  # full-width spaces around and inside
        ["东风街道", "ＡＢ小区社区", "", "", ""],  # full-width letters become half-width
    )
    result = areas.check_import_areas(world.erin, world.district, table)
    assert not result.rejected
    assert [node.name for node in result.new] == ["AB小区社区"]
    assert result.unchanged == 3


def test_bad_rows_are_rejected_with_their_line_and_reason_and_the_rest_applied(world: World) -> None:
    table = sheet(
        ["新华街道", "新华社区", "小区", "", ""],  # line 2: no such kind
        ["新华街道", "", "", "第一网格", ""],  # line 3: grid without community
        ["", "东方社区", "社区", "", ""],  # line 4: no street
        ["西湖街道", "明月村", "社区", "", ""],  # line 5: 明月村 is a village
        ["新华街道", "朝阳社区", "社区", "", ""],  # line 6: fine
    )
    result = areas.check_import_areas(world.erin, world.district, table)
    rejected = {row.line: row.errors for row in result.rejected}
    assert rejected == {
        2: ["类型只能填写“社区”或“村”，不能是“小区”"],
        3: ["填写了网格“第一网格”，但没有填写它所属的社区/村"],
        4: ["街道不能为空"],
        5: ["“明月村”在系统中是村，表中填写为社区"],
    }
    street = Area.objects.get(parent=world.district, name="新华街道")
    assert names_under(street) == ["朝阳社区"]


def test_the_same_new_community_with_two_kinds_is_refused_on_the_later_row(world: World) -> None:
    table = sheet(["新华街道", "桃源", "村", "", ""], ["新华街道", "桃源", "社区", "一组网格", ""])
    result = areas.check_import_areas(world.erin, world.district, table, dry_run=True)
    assert [(row.line, row.errors) for row in result.rejected] == [
        (3, ["“桃源”在第2行是村，这里是社区，前后不一致"])
    ]


def test_a_blank_kind_follows_the_name_or_the_tree(world: World) -> None:
    table = sheet(
        ["新华街道", "桃源村", "", "", ""],
        ["新华街道", "桃源村", "", "一组", ""],
        ["新华街道", "滨江", "", "", ""],
    )
    result = areas.check_import_areas(world.erin, world.district, table, dry_run=True)
    assert [(node.name, node.kind) for node in result.new] == [
        ("新华街道", "street"),
        ("桃源村", "village"),
        ("一组", "grid"),
        ("滨江", "community"),
    ]


def test_conflicting_codes_for_one_new_area_are_refused(world: World) -> None:
    table = sheet(["新华街道", "", "", "", "001"], ["新华街道", "", "", "", "002"])
    result = areas.check_import_areas(world.erin, world.district, table, dry_run=True)
    assert result.rejected[0].errors == ["“新华街道”的编码与第2行填写的“001”不一致"]


def test_a_different_code_for_an_existing_area_is_a_note_not_a_change(world: World) -> None:
    result = areas.check_import_areas(world.erin, world.district, sheet(["东风街道", "", "", "", "999"]))
    assert not result.rejected and not result.new
    assert result.notes == ["第2行：“东风街道”已存在且没有编码，表中的“999”未填入（请在区域页面修改）"]
    world.street.refresh_from_db()
    assert world.street.code == ""
    areas.check_update_area(world.erin, world.street, name="东风街道", code="001")
    result = areas.check_import_areas(world.erin, world.district, sheet(["东风街道", "", "", "", "999"]))
    assert result.notes == ["第2行：“东风街道”已存在，编码保持“001”，未改为“999”（请在区域页面修改）"]


def test_import_into_a_street_takes_communities_and_refuses_other_streets(world: World, sam: Any) -> None:
    table = sheet(
        ["", "滨江社区", "社区", "一网格", ""],
        ["东风街道", "滨江社区", "", "二网格", ""],
        ["西湖街道", "明月村", "村", "", ""],
        headers=HEADERS,
    )
    result = areas.check_import_areas(sam, world.street, table)
    assert [(row.line, row.errors) for row in result.rejected] == [
        (4, ["街道“西湖街道”不是本次导入的“东风街道”；请删去其他街道的行，或在区一级导入"])
    ]
    assert "滨江社区" in names_under(world.street)


def test_street_admin_cannot_import_into_the_district(world: World, sam: Any) -> None:
    with pytest.raises(PermissionDenied):
        areas.check_import_areas(sam, world.district, sheet(["新华街道", "", "", "", ""]))


def test_import_only_into_a_district_or_street(world: World) -> None:
    with pytest.raises(ValidationError):
        areas.check_import_areas(world.erin, world.sunshine, sheet(["", "", "", "二网格", ""]))


def test_a_failure_while_writing_saves_nothing(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from yangguang.core.actions import registry

    real = registry.do_create_area
    calls = {"n": 0}

    def failing_second(*args: Any, **kwargs: Any) -> Area:
        calls["n"] += 1
        if calls["n"] == 2:
            raise ValidationError("磁盘已满")
        return real(*args, **kwargs)

    monkeypatch.setattr(registry, "do_create_area", failing_second)
    before = Area.objects.count()
    with pytest.raises(ValidationError, match="未保存任何数据"):
        areas.check_import_areas(world.erin, world.district, sheet(["新华街道", "新华社区", "", "", ""]))
    assert Area.objects.count() == before
    assert not AuditEntry.objects.filter(action="import").exists()


def test_the_template_has_the_columns_the_reader_expects(world: World) -> None:
    data = areas.area_template("xlsx")
    with pytest.raises(ValidationError, match="只有表头"):
        areas.load_area_table(world.district, data, "模板.xlsx")
    csv = areas.area_template("csv")
    assert csv.decode("utf-8-sig").strip() == ",".join(HEADERS)


def test_more_rows_than_the_cap_are_refused_with_a_clear_message(world: World) -> None:
    rows = [[f"街道{n}", "", "", "", ""] for n in range(areas.MAX_IMPORT_ROWS + 1)]
    data = tabular.write_csv(HEADERS, rows)
    with pytest.raises(ValidationError, match="5000"):
        areas.load_area_table(world.district, data, "big.csv")


def test_a_file_without_the_needed_column_is_refused(world: World) -> None:
    data = tabular.write_csv(["名称", "备注"], [["新华街道", ""]])
    with pytest.raises(ValidationError, match="缺少必填列：街道"):
        areas.load_area_table(world.district, data, "wrong.csv")


def test_the_error_workbook_keeps_the_rows_and_adds_the_reason(world: World) -> None:
    import io

    from python_calamine import CalamineWorkbook

    table = sheet(["新华街道", "新华社区", "小区", "", "X1"], ["新华街道", "", "", "", ""])
    result = areas.check_import_areas(world.erin, world.district, table, dry_run=True)
    data = areas.error_workbook(table, result)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert rows[0] == [*HEADERS, "错误原因"]
    assert rows[1] == ["新华街道", "新华社区", "小区", "", "X1", "类型只能填写“社区”或“村”，不能是“小区”"]
    assert len(rows) == 2
