"""Reading and writing spreadsheets: .xlsx (python-calamine / xlsxwriter) and .csv.

This module knows nothing about models. It turns an uploaded file into a `Table` of header names and cell
values, and writes header + rows back out. The only Django it uses is gettext, for the Chinese messages of
`TabularError` that the user sees when a file cannot be read at all.

Real-world files are messy, and most of the mess comes from Excel itself:

- CSV files saved by Chinese Excel are GB18030/GBK, not UTF-8; UTF-8 files may or may not start with a BOM;
  "Unicode text" saves UTF-16 with tabs. The encoding is sniffed; nothing is guessed silently beyond that.
- Header cells carry hints and markers ("*姓名", "出生日期（1985-03-07）", full-width letters), and the same
  column goes by several names ("身份证号/身份证号码/公民身份号码"): headers are normalised, then matched
  against aliases.
- Templates often have a title row above the header, so the header is the first of the top rows that holds
  every required column.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import xlsxwriter
from django.utils.translation import gettext as _

Cell = (
    str | int | float | bool | datetime.date | datetime.datetime | datetime.time | datetime.timedelta | None
)

XLSX_CONTENT_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE: Final = "text/csv; charset=utf-8"

# How many non-empty rows at the top may precede the header (a title, a note, a blank line).
HEADER_SCAN_ROWS: Final = 10

_ZIP_MAGIC: Final = b"PK\x03\x04"
_OLE_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (BIFF), which calamine also reads
_UTF16_BOMS: Final = (b"\xff\xfe", b"\xfe\xff")
# Files people upload by mistake for a sheet: PDF, images, archives.
_NOT_TABLE_MAGIC: Final = (
    b"%PDF",
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"Rar!",
    b"7z\xbc\xaf\x27\x1c",
    b"\x1f\x8b",
)
# Control characters no text file holds (tab, line feed, VT, FF and CR are text; Excel writes VT for a
# line break inside a cell). In UTF-8 and in GB18030 these bytes never occur inside a multi-byte
# character, so finding one in the raw bytes means the file is not text.
_BINARY_BYTE: Final = re.compile(rb"[\x00-\x08\x0e-\x1f]")
_INVISIBLE: Final = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_HINT: Final = re.compile(r"[(（\[【].*?[)）\]】]")
_SPACES: Final = re.compile(r"\s+")
_DATE_TEXT: Final = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATE_COMPACT: Final = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
# Excel's day 0 (its 1900 leap-year bug included); serials up to 100000 (year 2173) are taken as dates.
_EXCEL_EPOCH: Final = datetime.date(1899, 12, 30)
_EXCEL_SERIAL_MAX: Final = 100_000
# A spreadsheet program evaluates a cell starting with one of these as a formula ("CSV injection").
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


class TabularError(ValueError):
    """The file as a whole cannot be used (not a spreadsheet, empty, missing columns, too large)."""


@dataclass
class Table:
    """One sheet of data: header names and the data rows under them.

    `columns` holds the canonical name of each column (its alias target, or the normalised header when no
    alias matched); `headers` the header text as the file had it, for writing the rows back out. Every row
    has exactly `len(headers)` cells; blank rows are dropped, and `line_numbers` keeps each row's number in
    the sheet (1-based, as Excel shows it) so messages can point at it.
    """

    headers: list[str]
    columns: list[str]
    rows: list[list[Cell]]
    line_numbers: list[int]
    format: str = "xlsx"
    _index: dict[str, int] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self._index = {name: i for i, name in enumerate(self.columns)}

    def __len__(self) -> int:
        return len(self.rows)

    def column(self, name: str) -> int | None:
        """Position of the column with canonical `name`, or None when the file does not have it."""
        return self._index.get(name)


# --- cells and headers -------------------------------------------------------------------------------


def clean_text(text: str) -> str:
    """Strip a text cell: surrounding whitespace (also U+3000) and zero-width characters copied from web pages."""
    return text.translate(_INVISIBLE).strip()


def cell_text(value: Cell) -> str:
    """The text of a cell as a person reading the sheet would type it.

    Excel stores every number as a float, so a room number or phone typed as a number comes back as
    `302.0`; integral floats are written without the fraction. Dates become ISO dates.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def match_key(text: str) -> str:
    """Key for matching names typed by people: NFKC (full-width digits), no spaces, case-insensitive."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text)).casefold()


def parse_date(value: Cell) -> datetime.date:
    """A date from an Excel date cell, an Excel serial number, or text: 1985-03-07, 1985/3/7, 19850307,
    1985.3.7, 1985年3月7日 (a trailing time is ignored). Raises ValueError for anything else."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and 19000101 <= value <= 29991231:
            value = str(int(value))
        elif 0 < value < _EXCEL_SERIAL_MAX:
            return _EXCEL_EPOCH + datetime.timedelta(days=int(value))
        else:
            raise ValueError(value)
    text = unicodedata.normalize("NFKC", cell_text(value)).split(" ")[0].split("T")[0]
    match = _DATE_TEXT.match(text) or _DATE_COMPACT.match(text)
    if not match:
        raise ValueError(text)
    year, month, day = (int(part) for part in match.groups())
    return datetime.date(year, month, day)


def is_blank(value: Cell) -> bool:
    return value is None or (isinstance(value, str) and not clean_text(value))


def normalize_header(text: Cell) -> str:
    """Reduce a header cell to a comparable form: NFKC, no hints in brackets, no spaces, no "*" markers."""
    value = unicodedata.normalize("NFKC", cell_text(text))
    value = _HINT.sub("", clean_text(value))
    value = _SPACES.sub("", value)
    return value.strip("*:：").lower()


def alias_lookup(aliases: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """Map every normalised alias (and each canonical name itself) to its canonical column name."""
    lookup: dict[str, str] = {}
    for canonical, names in aliases.items():
        lookup[normalize_header(canonical)] = canonical
        for name in names:
            lookup[normalize_header(name)] = canonical
    return lookup


def _canonical_columns(headers: Sequence[Cell], lookup: Mapping[str, str]) -> list[str]:
    columns: list[str] = []
    for header in headers:
        key = normalize_header(header)
        columns.append(lookup.get(key, key))
    return columns


# --- reading -------------------------------------------------------------------------------------------


def decode_text(data: bytes) -> str:
    """Decode a CSV file: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a superset of GBK).

    UTF-8 is tried strictly first: GB18030 would "decode" almost any UTF-8 file into nonsense, while a
    real GBK file is practically never valid UTF-8, so the order makes the guess safe.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise TabularError(_("无法识别文件的编码，请另存为 UTF-8 编码的 CSV 或 .xlsx 文件。")) from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise TabularError(_("无法识别文件的编码，请另存为 UTF-8 编码的 CSV 或 .xlsx 文件。")) from exc


def _csv_rows(data: bytes) -> list[list[Cell]]:
    text = decode_text(data)
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    # The delimiter is whichever of the usual ones the header line uses most: Excel writes "," for CSV and
    # tab for "Unicode text"; some European locales write ";".
    delimiter = max((",", "\t", ";"), key=first_line.count)
    try:
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as exc:
        raise TabularError(_("CSV 文件格式有误：%(error)s") % {"error": exc}) from exc


def _workbook_rows(data: bytes) -> list[list[Cell]]:
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        # The first visible worksheet holds the data; a template's instructions live on a later sheet.
        index = next(
            (
                i
                for i, meta in enumerate(workbook.sheets_metadata)
                if meta.visible == SheetVisibleEnum.Visible
            ),
            0,
        )
        sheet = workbook.get_sheet_by_index(index)
        rows: list[list[Cell]] = sheet.to_python(skip_empty_area=False)  # type: ignore[assignment]
    except Exception as exc:  # calamine raises several unrelated types for corrupt or encrypted files
        raise TabularError(_("无法读取该 Excel 文件（文件可能已损坏或设置了密码）。")) from exc
    return rows


def not_a_spreadsheet() -> TabularError:
    return TabularError(
        _("无法识别的文件格式：这个文件不是 Excel（.xlsx）或 CSV 表格，请另存为 .xlsx 或 .csv 后重新上传。")
    )


def _zip_holds_a_workbook(data: bytes) -> bool:
    """Whether a ZIP file is a workbook calamine reads (.xlsx/.xlsm/.xlsb, .ods) rather than another
    ZIP-based document (.docx, .pptx, an archive). A ZIP that cannot be opened counts as a workbook, so
    that a damaged .xlsx is reported as damaged."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if any(name.startswith("xl/") for name in names):
                return True
            if "mimetype" in names:
                return archive.read("mimetype").startswith(b"application/vnd.oasis.opendocument.spreadsheet")
            return False
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError):
        return True


def looks_binary(data: bytes) -> bool:
    """Whether `data` is some other binary file rather than CSV text: a known signature (PDF, image,
    archive), or control bytes no text holds (NUL among them). UTF-16 text (with its BOM) has NULs."""
    if data.startswith(_NOT_TABLE_MAGIC):
        return True
    if data.startswith(_UTF16_BOMS):
        return False
    return _BINARY_BYTE.search(data) is not None


def sniff_format(data: bytes, filename: str = "") -> str:
    """Return "xlsx" for Excel/ODS workbooks and "csv" for text, judged by content, not by name.

    Every import reads its file through here (`read_table`), so a PDF, a photo, a Word document or any
    other binary file is refused with the same message, before it could be misread as a CSV whose header
    lacks the required columns."""
    if data.startswith(_ZIP_MAGIC):
        if not _zip_holds_a_workbook(data):
            raise not_a_spreadsheet()
        return "xlsx"
    if data.startswith(_OLE_MAGIC):
        return "xlsx"
    if looks_binary(data):
        raise not_a_spreadsheet()
    if filename.lower().endswith((".xlsx", ".xlsm", ".xls", ".ods")):
        raise TabularError(_("文件扩展名是 Excel，但内容不是有效的 Excel 工作簿。"))
    return "csv"


def read_table(
    data: bytes,
    filename: str = "",
    *,
    aliases: Mapping[str, Iterable[str]] | None = None,
    required: Sequence[str] = (),
    max_bytes: int | None = None,
) -> Table:
    """Read the first sheet of an .xlsx (or the rows of a .csv) into a Table.

    Raises TabularError with a message for the user when the file is too large, not a spreadsheet, empty,
    or lacks one of the `required` columns (canonical names).
    """
    if max_bytes is not None and len(data) > max_bytes:
        raise TabularError(
            _("文件过大（%(size).1f MB），上限为 %(limit)d MB。")
            % {"size": len(data) / 1024 / 1024, "limit": max_bytes // (1024 * 1024)}
        )
    if not data.strip():
        raise TabularError(_("文件是空的。"))
    fmt = sniff_format(data, filename)
    raw_rows = _workbook_rows(data) if fmt == "xlsx" else _csv_rows(data)
    return table_from_rows(raw_rows, aliases=aliases, required=required, fmt=fmt)


def table_from_rows(
    raw_rows: Sequence[Sequence[Cell]],
    *,
    aliases: Mapping[str, Iterable[str]] | None = None,
    required: Sequence[str] = (),
    fmt: str = "rows",
) -> Table:
    """Find the header among the top rows, then keep the non-blank rows under it (see `read_table`)."""
    lookup = alias_lookup(aliases or {})
    candidates = [(n, row) for n, row in enumerate(raw_rows) if not all(is_blank(c) for c in row)]
    if not candidates:
        raise TabularError(_("文件是空的。"))
    header_at: int | None = None
    for n, row in candidates[:HEADER_SCAN_ROWS]:
        if set(required) <= set(_canonical_columns(row, lookup)):
            header_at = n
            break
    if header_at is None:
        present = set(_canonical_columns(candidates[0][1], lookup))
        missing = [name for name in required if name not in present]
        raise TabularError(
            _("缺少必填列：%(columns)s。请使用页面上提供的导入模板。") % {"columns": "、".join(missing)}
        )
    header_row = list(raw_rows[header_at])
    # Trailing header cells left blank are not columns (a sheet's used range often runs a few cells wider).
    while header_row and is_blank(header_row[-1]):
        header_row.pop()
    headers = [cell_text(h) for h in header_row]
    columns = _canonical_columns(header_row, lookup)
    seen: set[str] = set()
    for name, header in zip(columns, headers, strict=True):
        if name and name in seen and name in lookup.values():
            raise TabularError(_("列“%(column)s”出现了不止一次。") % {"column": header})
        seen.add(name)
    width = len(headers)
    rows: list[list[Cell]] = []
    line_numbers: list[int] = []
    for n in range(header_at + 1, len(raw_rows)):
        raw = raw_rows[n]
        row = list(raw[:width])
        if all(is_blank(c) for c in row):
            continue
        if len(row) < width:
            row.extend([""] * (width - len(row)))
        rows.append(row)
        line_numbers.append(n + 1)
    if not rows:
        raise TabularError(_("文件中只有表头，没有数据行。"))
    return Table(headers=headers, columns=columns, rows=rows, line_numbers=line_numbers, format=fmt)


def table_from_records(
    records: Iterable[Mapping[str, Cell]],
    *,
    aliases: Mapping[str, Iterable[str]] | None = None,
    required: Sequence[str] = (),
) -> Table:
    """A Table from dicts keyed by header text (tests, the API): the union of keys, in first-seen order."""
    materialised = list(records)
    headers: dict[str, None] = {}
    for record in materialised:
        headers.update(dict.fromkeys(record))
    names = list(headers)
    raw: list[list[Cell]] = [list(names)]
    raw.extend([record.get(name, "") for name in names] for record in materialised)
    return table_from_rows(raw, aliases=aliases, required=required, fmt="rows")


# --- writing -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choices:
    """A drop-down list for one column of a written template (Excel data validation)."""

    column: int
    values: Sequence[str]


def write_xlsx(
    headers: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    *,
    sheet_name: str = "Sheet1",
    text_columns: Iterable[int] = (),
    highlight_column: int | None = None,
    choices: Iterable[Choices] = (),
    notes: Sequence[tuple[str, str]] = (),
    widths: Mapping[int, int] | None = None,
) -> bytes:
    """Write one sheet (header + rows) to .xlsx bytes.

    Strings are always written as strings: never as formulas or links, so a cell "=HYPERLINK(...)" typed
    into a name stays inert. `text_columns` get the Text number format, so Excel keeps an 18-digit ID
    number typed into the template as text instead of rounding it to a float. `notes` become a second
    sheet "填写说明" of (column, explanation) pairs.
    """
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    bold = workbook.add_format({"bold": True, "bg_color": "#F4F6F8", "border": 1})
    text = workbook.add_format({"num_format": "@"})
    date = workbook.add_format({"num_format": "yyyy-mm-dd"})
    stamp = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    alert = workbook.add_format({"font_color": "#B00020", "text_wrap": True})
    sheet = workbook.add_worksheet(sheet_name[:31])
    text_set = set(text_columns)
    for col, header in enumerate(headers):
        width = (widths or {}).get(col, max(10, min(40, len(header) * 2 + 4)))
        col_format = text if col in text_set else (alert if col == highlight_column else None)
        sheet.set_column(col, col, width, col_format)
    sheet.freeze_panes(1, 0)
    for col, header in enumerate(headers):
        sheet.write_string(0, col, header, bold)
    for choice in choices:
        sheet.data_validation(
            1,
            choice.column,
            1_048_575,
            choice.column,
            {"validate": "list", "source": list(choice.values), "ignore_blank": True},
        )
    for row_no, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            cell_format = alert if col == highlight_column else (text if col in text_set else None)
            _write_cell(sheet, row_no, col, value, cell_format, date, stamp)
    if notes:
        help_sheet = workbook.add_worksheet(_("填写说明"))
        help_sheet.set_column(0, 0, 16)
        help_sheet.set_column(1, 1, 90)
        help_sheet.write_string(0, 0, _("列"), bold)
        help_sheet.write_string(0, 1, _("说明"), bold)
        for n, (column, explanation) in enumerate(notes, start=1):
            help_sheet.write_string(n, 0, column)
            help_sheet.write_string(n, 1, explanation)
    workbook.close()
    return buffer.getvalue()


def _write_cell(sheet: Any, row: int, col: int, value: Cell, cell_format: Any, date: Any, stamp: Any) -> None:
    if value is None or value == "":
        return
    if isinstance(value, str):
        sheet.write_string(row, col, value, cell_format)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value, cell_format)
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value, cell_format)
    elif isinstance(value, datetime.datetime):
        sheet.write_datetime(row, col, value.replace(tzinfo=None), stamp)
    elif isinstance(value, datetime.date):
        sheet.write_datetime(row, col, value, date)
    else:
        sheet.write_string(row, col, cell_text(value), cell_format)


def guard_formula(text: str) -> str:
    """Prefix a cell that a spreadsheet would run as a formula with an apostrophe, which shows it as text."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_csv(headers: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """Write CSV bytes that Excel opens correctly: UTF-8 with BOM, CRLF, formula-looking cells defused."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([guard_formula(h) for h in headers])
    for row in rows:
        writer.writerow([guard_formula(cell_text(value)) for value in row])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")
