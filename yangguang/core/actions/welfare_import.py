"""Importing a welfare roster (救助名册) from the civil-affairs system's spreadsheet (.xlsx or .csv).

Columns: 姓名, 身份证号, 项目, 保障人数, 月救助金, 起始月份 (with the usual aliases). Each row is matched to a
registry person of the community by the blind index of the ID number and becomes an enrolment, its history
saying it came from this import. A row that cannot be used — invalid ID number, unknown program, person not
in the community, amount or size not a number, a second live enrolment — is rejected with its row number and
reason and kept in the error workbook, exactly like the registry import (`actions.imports`, whose reader,
error workbook and report sealing are reused here). Each good row is saved in its own savepoint, so a row is
either wholly saved or not at all; the run and its one audit entry are written with them.

Rosters are small (tens to a few hundred households per community), so rows are saved one by one, unlike
the registry import's bulk writer.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final, cast

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yangguang.core import tabular
from yangguang.core.actions import audit, imports
from yangguang.core.actions.eligibility import parse_amount
from yangguang.core.actions.welfare import (
    LIVE_ENROLLMENT,
    add_months,
    history_line,
    programs_for,
    require,
)
from yangguang.core.models import (
    Area,
    AuditAction,
    Enrollment,
    HouseholdMembership,
    ImportRun,
    Person,
    Program,
)
from yangguang.core.permissions import Cap
from yangguang.core.sealing import blind_index
from yangguang.core.tabular import Cell, Table, TabularError
from yangguang.lib import idnumber
from yangguang.lib.masking import mask_name

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    Actor = AbstractBaseUser | AnonymousUser | None

KIND: Final = "welfare_roster"
REQUIRED_COLUMNS: Final = ("姓名", "身份证号", "项目", "保障人数", "月救助金", "起始月份")
_MONTH: Final = re.compile(r"^(\d{4})\s*[-/.年]?\s*(\d{1,2})\s*月?(?:\s*[-/.]?\s*\d{1,2}\s*日?)?$")
_SIZE: Final = re.compile(r"^(\d+)\s*人?$")


def roster_columns() -> tuple[imports.Column, ...]:
    return (
        imports.Column(
            "姓名", ("户主姓名", "救助对象", "申请人", "名字"), True, False, _("必填，须与登记信息一致。")
        ),
        imports.Column(
            "身份证号",
            ("身份证号码", "公民身份号码", "身份证", "证件号码", "户主身份证号"),
            True,
            True,
            _("必填，18位（15位旧号码会自动升位）；须是本社区已登记的居民。"),
        ),
        imports.Column(
            "项目",
            ("救助项目", "项目名称", "救助类别", "保障类别", "救助类型"),
            True,
            False,
            _("必填：系统中救助项目的名称或代码，如“城市最低生活保障”。"),
        ),
        imports.Column(
            "保障人数", ("保障人口", "享受人数", "人数", "家庭保障人数"), True, False, _("必填，正整数。")
        ),
        imports.Column(
            "月救助金",
            ("月保障金", "救助金额", "月发放金额", "保障金额", "月救助金额", "金额"),
            True,
            False,
            _("必填，单位元，如 680 或 680.50。"),
        ),
        imports.Column(
            "起始月份",
            ("起始时间", "享受起始月份", "开始月份", "起始日期", "保障起始月份"),
            True,
            False,
            _("必填：2024-03、2024年3月 或某日日期（按该月计）。"),
        ),
    )


def roster_aliases() -> dict[str, tuple[str, ...]]:
    return {column.name: column.aliases for column in roster_columns()}


@dataclass(slots=True)
class RosterRow:
    """One data row, what it resolved to and its errors (`index` and `errors` as the error workbook wants)."""

    index: int
    line: int
    errors: list[str] = field(default_factory=list)
    name: str = ""
    id18: str = ""
    id_index: str = ""
    program: Program | None = None
    size: int = 0
    amount: Decimal = Decimal("0")
    starts_on: datetime.date | None = None
    person_id: int | None = None


def parse_month(value: Cell) -> datetime.date:
    """The first day of the month a cell names (2024-03, 2024/3, 2024年3月, 202403, or any date)."""
    if isinstance(value, datetime.datetime | datetime.date):
        day = value.date() if isinstance(value, datetime.datetime) else value
        return day.replace(day=1)
    text = tabular.cell_text(value)
    if re.fullmatch(r"\d{6}", text):
        text = f"{text[:4]}-{text[4:]}"
    match = _MONTH.match(text)
    if match is None:
        return tabular.parse_date(value).replace(day=1)
    return datetime.date(int(match.group(1)), int(match.group(2)), 1)


def _parse_row(table: Table, values: Sequence[Cell], row: RosterRow, programs: Mapping[str, Program]) -> None:
    def cell(name: str) -> Cell:
        pos = table.column(name)
        return None if pos is None else values[pos]

    errors = row.errors
    row.name = tabular.cell_text(cell("姓名"))
    if not row.name:
        errors.append(_("姓名不能为空"))
    try:
        raw_id = imports._id_text(cell("身份证号"))
    except ValueError:
        errors.append(_("身份证号被 Excel 存成了数字，末几位已丢失；请把该列设为“文本”格式后重新填写"))
    else:
        if not raw_id:
            errors.append(_("身份证号不能为空"))
        else:
            try:
                row.id18 = idnumber.normalize(raw_id, today=timezone.localdate())
            except idnumber.IdNumberError as exc:
                errors.append(str(exc))
            else:
                row.id_index = blind_index(imports.PERSON_LABEL, "id_number", row.id18)
    program_text = tabular.cell_text(cell("项目"))
    if not program_text:
        errors.append(_("项目不能为空"))
    else:
        row.program = programs.get(tabular.match_key(program_text))
        if row.program is None:
            errors.append(_("救助项目“%(value)s”不存在或未在本社区启用") % {"value": program_text})
    size_text = tabular.cell_text(cell("保障人数"))
    size_match = _SIZE.match(size_text)
    if size_match is None or int(size_match.group(1)) < 1:
        errors.append(_("保障人数“%(value)s”不是正整数") % {"value": size_text})
    else:
        row.size = int(size_match.group(1))
    amount_cell = cell("月救助金")
    if tabular.is_blank(amount_cell):
        errors.append(_("月救助金不能为空"))
    else:
        try:
            row.amount = parse_amount(amount_cell, "月救助金")
        except ValidationError as exc:
            errors.extend(message.rstrip("。") for message in exc.messages)
    month_cell = cell("起始月份")
    try:
        row.starts_on = parse_month(month_cell)
    except ValueError:
        errors.append(
            _("起始月份“%(value)s”无法识别，请按 2024-03 的格式填写")
            % {"value": tabular.cell_text(month_cell)}
        )


def load_roster(source: Any, filename: str = "") -> tuple[Table, str]:
    """The roster table of an upload, a path, bytes or a list of dicts, and the SHA-256 of its content."""
    aliases = roster_aliases()
    try:
        if isinstance(source, Sequence) and not isinstance(source, bytes | str):
            table = tabular.table_from_records(source, aliases=aliases, required=REQUIRED_COLUMNS)
            digest = hashlib.sha256(json.dumps(table.rows, default=str).encode()).hexdigest()
            return table, digest
        data = imports._read_bytes(source)
        table = tabular.read_table(
            data, filename, aliases=aliases, required=REQUIRED_COLUMNS, max_bytes=imports._max_bytes()
        )
        return table, hashlib.sha256(data).hexdigest()
    except TabularError as exc:
        raise ValidationError(str(exc), code="bad_file") from exc


def check_import_roster(
    actor: Actor,
    area: Area,
    rows_or_file: bytes | IO[bytes] | str | os.PathLike[str] | Sequence[Mapping[str, Cell]],
    filename: str = "",
    source: str = "web",
) -> ImportRun:
    """Import a roster into a community (MANAGE_WELFARE there). Raises PermissionDenied, or ValidationError
    when the file cannot be read at all (nothing saved); bad rows are reported, never raised."""
    require(actor, Cap.MANAGE_WELFARE, area, _("您没有在该社区导入救助名册的权限。"))
    if not area.is_community:
        raise ValidationError(_("请选择具体的社区或村导入救助名册。"))
    filename = Path(filename or getattr(rows_or_file, "name", "") or "roster").name[:200]
    table, digest = load_roster(rows_or_file, filename)
    programs: dict[str, Program] = {}
    for program in programs_for(area):
        programs.setdefault(tabular.match_key(program.code), program)
        programs.setdefault(tabular.match_key(program.name), program)
    rows: list[RosterRow] = []
    for index, (values, line) in enumerate(zip(table.rows, table.line_numbers, strict=True)):
        row = RosterRow(index=index, line=line)
        _parse_row(table, values, row, programs)
        rows.append(row)
    with transaction.atomic():
        _resolve(area, rows)
        run = ImportRun.objects.create(
            area=area,
            started_by_id=actor.pk if actor is not None and actor.is_authenticated else None,
            kind=KIND,
            source=source[:10],
            filename=filename,
            file_sha256=digest,
            rows_read=len(rows),
        )
        created = 0
        for row in rows:
            if not row.errors and _save(actor, area, run, row):
                created += 1
        rejected = [row for row in rows if row.errors]
        run.rows_created = created
        run.rows_rejected = len(rejected)
        run.finished_at = timezone.now()
        run.message = _("新增救助对象 %(n)d 户。") % {"n": created}
        if rejected:
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
            workbook = imports.build_error_workbook(table, cast(Any, rejected))
            run.error_report = ContentFile(imports._seal_report(workbook), name=f"roster-errors-{stamp}.xlsx")
        run.save()
        audit.record(
            actor,
            AuditAction.IMPORT,
            target=run,
            area=area,
            changes={"kind": KIND, "source": run.source, "rows_read": len(rows), "created": created},
        )
    return run


def _resolve(area: Area, rows: list[RosterRow]) -> None:
    """Match rows to registry persons of the community and find duplicates (a fixed number of queries)."""
    wanted = sorted({row.id_index for row in rows if row.id_index})
    found: dict[str, tuple[int, str, str]] = {}
    for pk, index, name, path in Person.objects.filter(id_number_index__in=wanted).values_list(
        "pk", "id_number_index", "name", "area__path"
    ):
        found[index] = (pk, name, path)
    live = set(
        Enrollment.objects.filter(
            head_id__in=[pk for pk, _n, _p in found.values()], status__in=LIVE_ENROLLMENT
        ).values_list("head_id", "program_id")
    )
    first_line: dict[tuple[str, int], int] = {}
    for row in rows:
        if not row.id_index:
            continue
        match = found.get(row.id_index)
        if match is None or not match[2].startswith(area.path):
            # Deliberately vague: the importer must not learn where else the person is registered.
            row.errors.append(_("该身份证号码不是本社区登记的居民"))
            continue
        pk, name, _path = match
        if row.name and tabular.match_key(row.name) != tabular.match_key(name):
            row.errors.append(_("姓名与登记信息不一致（登记为%(name)s）") % {"name": mask_name(name)})
            continue
        if row.program is None:
            continue
        key = (row.id_index, row.program.pk)
        first = first_line.setdefault(key, row.line)
        if first != row.line:
            row.errors.append(_("与第%(line)d行重复（同一居民、同一救助项目）") % {"line": first})
        elif (pk, row.program.pk) in live:
            row.errors.append(
                _("该居民已在“%(program)s”救助名册中（在保或暂停）") % {"program": row.program.name}
            )
        else:
            row.person_id = pk


def _save(actor: Actor, area: Area, run: ImportRun, row: RosterRow) -> bool:
    """One row's enrolment in its own savepoint: all of it or nothing."""
    program = row.program
    if program is None or row.starts_on is None or row.person_id is None:
        return False
    household_id = (
        HouseholdMembership.objects.filter(person_id=row.person_id, end_date__isnull=True)
        .values_list("household_id", flat=True)
        .first()
    )
    try:
        with transaction.atomic():
            Enrollment.objects.create(
                area=area,
                program=program,
                household_id=household_id,
                head_id=row.person_id,
                household_size=row.size,
                monthly_amount=row.amount,
                starts_on=row.starts_on,
                review_due_on=add_months(row.starts_on, program.review_months),
                history=[
                    history_line(
                        actor, "enrol", source="import", run=run.pk, file=run.filename, line=row.line
                    )
                ],
            )
    except Exception as exc:  # noqa: BLE001 - any database error rejects the row, never the file
        row.errors.append(_("保存失败：%(error)s") % {"error": exc.__class__.__name__})
        return False
    return True


def roster_template(fmt: str) -> bytes:
    columns = roster_columns()
    headers = [column.name for column in columns]
    if fmt == "csv":
        return tabular.write_csv(headers, [])
    return tabular.write_xlsx(
        headers,
        [],
        sheet_name=_("救助名册"),
        text_columns=[i for i, column in enumerate(columns) if column.text],
        notes=[(column.name + (" *" if column.required else ""), column.help) for column in columns],
    )
