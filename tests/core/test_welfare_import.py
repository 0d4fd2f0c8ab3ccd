"""Roster import from the civil-affairs spreadsheet: good rows become enrolments (source "import"), bad rows
are reported with their row number and reason in the error workbook, and nothing is half-saved."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from python_calamine import CalamineWorkbook

from tests.conftest import World
from tests.core.test_welfare_applications import (
    chinese_fixture,  # noqa: F401
    dibao,
    household_fixture,  # noqa: F401 - the fixture
)
from yangguang.core import tabular
from yangguang.core.actions import imports
from yangguang.core.actions.welfare_import import check_import_roster, parse_month, roster_template
from yangguang.core.models import AuditEntry, Enrollment

FATHER_ID = "430102196803051314"


def row(name: str, id_number: str, **extra: Any) -> dict[str, Any]:
    values = {
        "姓名": name,
        "身份证号": id_number,
        "项目": "城市最低生活保障",
        "保障人数": "2",
        "月救助金": "700",
        "起始月份": "2024-03",
    }
    values.update(extra)
    return values


def error_rows(run: Any) -> list[list[Any]]:
    data = imports.error_report_bytes(run)
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    return sheet


def test_good_and_bad_rows(world: World, household: dict[str, Any]) -> None:
    dibao(world)
    father, mother, son = household["father"], household["mother"], household["son"]
    rows = [
        row("周建国", father.unseal("id_number")),
        row("李四", "430102198002022233"),  # registered in 和平社区
        row("无名", "430102198002022234"),  # bad checksum
        row("李秀英", mother.unseal("id_number"), 项目="五保"),
        row("李秀英", mother.unseal("id_number"), 月救助金="七百"),
        row("周明", son.unseal("id_number"), 保障人数="0"),
        row("周建国", father.unseal("id_number")),  # duplicate of row 2
        row("周某", son.unseal("id_number")),  # name differs from the registry
    ]
    run = check_import_roster(world.alice, world.sunshine, rows, "名册.xlsx")
    assert (run.rows_read, run.rows_created, run.rows_rejected) == (8, 1, 7)
    enrollment = Enrollment.objects.get()
    assert enrollment.head == father
    assert enrollment.household == household["household"]
    assert enrollment.monthly_amount == Decimal("700.00")
    assert str(enrollment.starts_on) == "2024-03-01"
    assert str(enrollment.review_due_on) == "2025-03-01"
    assert enrollment.history[0]["source"] == "import" and enrollment.history[0]["run"] == run.pk
    sheet = error_rows(run)
    assert sheet[0][-1] == "错误原因"
    reasons = [line[-1] for line in sheet[1:]]
    assert "不是本社区登记的居民" in reasons[0]
    assert "校验" in reasons[1] or "身份证" in reasons[1]
    assert "救助项目“五保”不存在" in reasons[2]
    assert "月救助金“七百”不是有效的金额" in reasons[3]
    assert "保障人数“0”不是正整数" in reasons[4]
    assert "与第2行重复" in reasons[5]
    assert "姓名与登记信息不一致" in reasons[6]
    assert AuditEntry.objects.filter(action="import", target_type="importrun").count() == 1


def test_a_live_enrolment_is_not_imported_twice(world: World, household: dict[str, Any]) -> None:
    dibao(world)
    rows = [row("周建国", household["father"].unseal("id_number"))]
    check_import_roster(world.alice, world.sunshine, rows)
    run = check_import_roster(world.alice, world.sunshine, rows)
    assert run.rows_created == 0 and run.rows_rejected == 1
    assert "已在“城市最低生活保障”救助名册中" in error_rows(run)[1][-1]


def test_xlsx_with_aliased_headers(world: World, household: dict[str, Any]) -> None:
    dibao(world)
    data = tabular.write_xlsx(
        ["户主姓名", "公民身份号码", "救助类别", "保障人口", "月保障金", "享受起始月份"],
        [["周建国", household["father"].unseal("id_number"), "dibao", 2, 700.5, "2024年3月"]],
    )
    run = check_import_roster(world.alice, world.sunshine, data, "roster.xlsx")
    assert run.rows_created == 1
    assert Enrollment.objects.get().monthly_amount == Decimal("700.50")


def test_missing_columns_and_bad_files_save_nothing(world: World) -> None:
    with pytest.raises(ValidationError, match="缺少必填列"):
        check_import_roster(world.alice, world.sunshine, [{"姓名": "张三"}])
    with pytest.raises(ValidationError):
        check_import_roster(world.alice, world.sunshine, b"\x00\x01not a sheet", "x.xlsx")
    assert not Enrollment.objects.exists()


def test_only_staff_of_the_community_import(world: World) -> None:
    for user in (world.bob, world.carol, world.mallory):
        with pytest.raises(PermissionDenied):
            check_import_roster(user, world.sunshine, [row("周建国", FATHER_ID)])
    with pytest.raises(ValidationError, match="具体的社区"):
        check_import_roster(world.erin, world.street, [row("周建国", FATHER_ID)])


def test_parse_month() -> None:
    assert str(parse_month("2024-3")) == "2024-03-01"
    assert str(parse_month("2024年3月")) == "2024-03-01"
    assert str(parse_month("202403")) == "2024-03-01"
    assert str(parse_month("2024-03-15")) == "2024-03-01"
    with pytest.raises(ValueError):
        parse_month("三月")


def test_template_has_the_columns() -> None:
    assert roster_template("csv").decode("utf-8-sig").startswith("姓名,身份证号,项目")
    assert roster_template("xlsx").startswith(b"PK")
