"""The committee's ledger (台账): lines added by hand (members only, checked input, audited, append-only) and
the export of a period as .xlsx and .docx (the rows, the title, the audit entry)."""

from __future__ import annotations

import datetime
import io

import docx
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from python_calamine import CalamineWorkbook

from tests.conftest import World
from yangguang.core.actions import ledger, ledger_export
from yangguang.core.models import Activity, AuditEntry

DAY = datetime.date(2025, 3, 5)


def add_line(world: World, **extra: object) -> Activity:
    values: dict[str, object] = {
        "kind": Activity.Kind.MEETING,
        "on": DAY,
        "title": "监委会第一季度例会",
        "detail": "研究晾衣架项目检查安排",
        "participants": "刘博、王芳",
    }
    values.update(extra)
    return ledger_export.check_add_line(world.bob, world.sunshine, **values)  # type: ignore[arg-type]


def test_member_adds_a_line_and_it_is_audited(world: World) -> None:
    line = add_line(world)
    assert line.recorded_by == world.bob and line.area == world.sunshine
    entry = AuditEntry.objects.get(target_type="activity", target_id=str(line.pk))
    assert entry.action == "create" and entry.actor == world.bob


@pytest.mark.parametrize("who", ["alice", "carol", "dave", "erin", "mallory"])
def test_only_the_communitys_committee_adds_lines(world: World, who: str) -> None:
    with pytest.raises(PermissionDenied):
        ledger_export.check_add_line(
            getattr(world, who), world.sunshine, kind="meeting", on=DAY, title="例会"
        )
    assert not Activity.objects.exists()


def test_bad_lines_are_refused_with_reasons(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        add_line(
            world,
            kind=Activity.Kind.INSPECTION,
            on=timezone.localdate() + datetime.timedelta(days=1),
            title="  ",
        )
    assert set(caught.value.message_dict) == {"kind", "on", "title"}
    assert "自动记入台账" in caught.value.message_dict["kind"][0]
    assert not Activity.objects.exists()


def test_there_is_no_action_to_change_or_delete_a_line() -> None:
    names = [name for name in dir(ledger_export) + dir(ledger) if name.startswith(("do_", "check_"))]
    assert not [
        name for name in names if any(word in name for word in ("edit", "update", "delete", "remove"))
    ]


def test_export_xlsx_contains_the_periods_rows_oldest_first(world: World) -> None:
    add_line(world, on=datetime.date(2025, 1, 10), title="一月例会", participants="刘博")
    add_line(
        world, kind=Activity.Kind.VISIT, on=datetime.date(2025, 2, 3), title="走访困难户", detail="入户核实"
    )
    add_line(world, on=datetime.date(2024, 12, 30), title="去年的会议")
    result = ledger_export.export_ledger(
        world.alice, world.sunshine, "xlsx", datetime.date(2025, 1, 1), datetime.date(2025, 3, 31)
    )
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(result.data)).get_sheet_by_index(0).to_python()
    assert sheet[0] == ["日期", "类型", "事项", "情况记录", "参加人员", "记录人"]
    assert [row[:3] for row in sheet[1:]] == [
        ["2025-01-10", "会议", "一月例会"],
        ["2025-02-03", "走访", "走访困难户"],
    ]
    assert sheet[2][3] == "入户核实" and sheet[1][5] == "刘博"
    assert result.rows == 2 and result.filename.endswith(".xlsx")
    assert result.filename.startswith("阳光社区居务监督委员会工作台账（2025年1月1日至2025年3月31日）")


def test_export_docx_has_the_title_and_a_table(world: World) -> None:
    add_line(world, on=datetime.date(2025, 1, 10), title="一月例会")
    result = ledger_export.export_ledger(
        world.bob, world.sunshine, "docx", datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)
    )
    document = docx.Document(io.BytesIO(result.data))
    assert document.paragraphs[0].text == "阳光社区居务监督委员会工作台账（2025年1月1日至2025年12月31日）"
    table = document.tables[0]
    assert [cell.text for cell in table.rows[0].cells] == [
        "日期",
        "类型",
        "事项",
        "情况记录",
        "参加人员",
        "记录人",
    ]
    assert [cell.text for cell in table.rows[1].cells][:3] == ["2025-01-10", "会议", "一月例会"]


def test_an_empty_period_still_exports(world: World) -> None:
    result = ledger_export.export_ledger(
        world.bob, world.sunshine, "docx", datetime.date(2020, 1, 1), datetime.date(2020, 1, 31)
    )
    document = docx.Document(io.BytesIO(result.data))
    assert len(document.tables[0].rows) == 1
    assert "本期间没有台账记录。" in [p.text for p in document.paragraphs]


def test_export_is_audited(world: World) -> None:
    add_line(world)
    ledger_export.export_ledger(
        world.dave, world.sunshine, "xlsx", datetime.date(2025, 1, 1), datetime.date(2025, 6, 30)
    )
    entry = AuditEntry.objects.get(action="export")
    assert entry.actor == world.dave and entry.area_id == world.sunshine.pk
    assert entry.changes == {
        "kind": "ledger",
        "format": "xlsx",
        "rows": 1,
        "filters": {"since": "2025-01-01", "until": "2025-06-30"},
    }


def test_export_refuses_outsiders_and_bad_requests(world: World) -> None:
    start, end = datetime.date(2025, 1, 1), datetime.date(2025, 1, 31)
    with pytest.raises(PermissionDenied):
        ledger_export.export_ledger(world.carol, world.sunshine, "xlsx", start, end)
    with pytest.raises(ValidationError):
        ledger_export.export_ledger(world.bob, world.sunshine, "pdf", start, end)
    with pytest.raises(ValidationError):
        ledger_export.export_ledger(world.bob, world.sunshine, "xlsx", end, start)
    with pytest.raises(ValidationError):
        ledger_export.export_ledger(world.bob, world.sunshine, "xlsx", datetime.date(2010, 1, 1), end)
    assert not AuditEntry.objects.filter(action="export").exists()


def test_a_villages_ledger_is_the_village_committees(world: World) -> None:
    title = ledger_export.document_title(world.village, datetime.date(2025, 1, 1), datetime.date(2025, 1, 31))
    assert title.startswith("明月村村务监督委员会工作台账")
