"""The committee's ledger (台账) as its members keep it and hand it in: lines added by hand (meetings,
visits, other work that no other action records) and the export of a period as .xlsx or .docx.

Ledger lines are append-only. There is no action that changes or deletes one, so no view can: a
correction is a new line. Only committee members (SUPERVISE at the community) add lines; staff read them.
Each export writes one audit entry saying which community, which period, which format and how many lines.
"""

from __future__ import annotations

import datetime
import io
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yangguang.core import tabular
from yangguang.core.actions import audit
from yangguang.core.actions.ledger import record_activity
from yangguang.core.models import Activity, Area, AreaKind, AuditAction
from yangguang.core.permissions import Cap, has_capability

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    Actor = AbstractBaseUser | AnonymousUser

# What members record by hand; the other kinds are written by the actions that do the work.
HAND_KINDS: Final = (Activity.Kind.MEETING, Activity.Kind.VISIT, Activity.Kind.OTHER)
FORMATS: Final = ("xlsx", "docx")
DOCX_CONTENT_TYPE: Final = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# A period longer than this is refused: a ledger is handed in per month, quarter or year.
MAX_PERIOD_DAYS: Final = 366 * 3


def ledger_lines(
    area: Area,
    *,
    kind: str = "",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> models.QuerySet[Activity]:
    """The community's ledger lines, newest first, optionally narrowed by kind and dates."""
    lines = Activity.objects.filter(area__path__startswith=area.path)
    if kind:
        lines = lines.filter(kind=kind)
    if since is not None:
        lines = lines.filter(on__gte=since)
    if until is not None:
        lines = lines.filter(on__lte=until)
    return lines.select_related("recorded_by")


@transaction.atomic
def check_add_line(
    actor: Actor,
    area: Area,
    *,
    kind: str,
    on: datetime.date,
    title: str,
    detail: str = "",
    participants: str = "",
) -> Activity:
    """A member records a meeting, a visit or other work in the ledger by hand."""
    if not has_capability(actor, Cap.SUPERVISE, area):
        raise PermissionDenied(_("只有本社区居务监督委员会成员可以记录台账。"))
    errors: dict[str, str] = {}
    if kind not in HAND_KINDS:
        errors["kind"] = _("请选择会议、走访或其他；检查、审核等由系统自动记入台账。")
    if on > timezone.localdate():
        errors["on"] = _("日期不能晚于今天。")
    title = title.strip()
    if not title:
        errors["title"] = _("请填写事项。")
    if errors:
        raise ValidationError(errors)
    line = record_activity(
        actor, area, kind, title, on=on, detail=detail.strip(), participants=participants.strip()
    )
    audit.record(actor, AuditAction.CREATE, target=line, area=area)
    return line


# --- export ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerFile:
    filename: str
    content_type: str
    data: bytes
    rows: int


def headers() -> list[str]:
    return [_("日期"), _("类型"), _("事项"), _("情况记录"), _("参加人员"), _("记录人")]


def _recorder(line: Activity) -> str:
    user = line.recorded_by
    if user is None:
        return _("系统")
    return user.get_full_name() or user.get_username()


def _rows(lines: list[Activity]) -> list[list[str]]:
    return [
        [
            line.on.isoformat(),
            line.get_kind_display(),
            line.title,
            line.detail,
            line.participants,
            _recorder(line),
        ]
        for line in lines
    ]


def _day(day: datetime.date) -> str:
    return _("%(y)d年%(m)d月%(d)d日") % {"y": day.year, "m": day.month, "d": day.day}


def document_title(area: Area, since: datetime.date, until: datetime.date) -> str:
    """ "阳光社区居务监督委员会工作台账（2025年1月1日至2025年12月31日）"; a village's committee is 村务."""
    values = {"area": area.name, "since": _day(since), "until": _day(until)}
    if area.kind == AreaKind.VILLAGE:
        return _("%(area)s村务监督委员会工作台账（%(since)s至%(until)s）") % values
    return _("%(area)s居务监督委员会工作台账（%(since)s至%(until)s）") % values


# Control characters that XML (and so a .docx) cannot hold; a pasted one must not break the export.
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _docx(title: str, rows: list[list[str]]) -> bytes:
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = docx.Document()
    section = document.sections[0]
    # Landscape: six columns of handwriting-sized text fit across the page.
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    style = document.styles["Normal"]
    style.font.size = Pt(10.5)  # 五号
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    document.add_heading(title, level=1)
    table = document.add_table(rows=1, cols=len(headers()))
    table.style = "Table Grid"
    for cell, header in zip(table.rows[0].cells, headers(), strict=True):
        cell.text = header
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            cell.text = _XML_UNSAFE.sub("", value)
    if not rows:
        document.add_paragraph(_("本期间没有台账记录。"))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def export_ledger(
    actor: Actor, area: Area, fmt: str, since: datetime.date, until: datetime.date
) -> LedgerFile:
    """The ledger lines of `area` from `since` to `until` (inclusive, oldest first) as .xlsx or .docx,
    audited. Anyone who reads the community's supervision records may export its ledger."""
    if not has_capability(actor, Cap.VIEW_SUPERVISION, area):
        raise PermissionDenied(_("您无权导出该社区的台账。"))
    if fmt not in FORMATS:
        raise ValidationError({"fmt": _("只能导出为 Excel（.xlsx）或 Word（.docx）。")})
    if since > until:
        raise ValidationError({"until": _("截止日期不能早于起始日期。")})
    if (until - since).days > MAX_PERIOD_DAYS:
        raise ValidationError({"until": _("一次最多导出三年的台账，请缩短期间。")})
    lines = list(ledger_lines(area, since=since, until=until).order_by("on", "id"))
    rows = _rows(lines)
    title = document_title(area, since, until)
    if fmt == "xlsx":
        data = tabular.write_xlsx(
            headers(), rows, sheet_name=_("工作台账"), widths={0: 12, 1: 10, 2: 30, 3: 50, 4: 24, 5: 12}
        )
        content_type = tabular.XLSX_CONTENT_TYPE
    else:
        data = _docx(title, rows)
        content_type = DOCX_CONTENT_TYPE
    filename = f"{title}.{fmt}"
    audit.record(
        actor,
        AuditAction.EXPORT,
        target_type="activity",
        target_repr=filename,
        area=area,
        changes={
            "kind": "ledger",
            "format": fmt,
            "rows": len(rows),
            "filters": {"since": since.isoformat(), "until": until.isoformat()},
        },
    )
    return LedgerFile(filename=filename, content_type=content_type, data=data, rows=len(rows))
