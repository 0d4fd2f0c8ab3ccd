"""Reading and writing spreadsheets: formats, encodings, headers, and what happens to bad files."""

from __future__ import annotations

import datetime
import io

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from yangguang.core import tabular
from yangguang.core.tabular import TabularError

ALIASES = {"姓名": ("居民姓名",), "身份证号": ("身份证号码", "公民身份号码"), "出生日期": ()}
REQUIRED = ("姓名", "身份证号")


def make_xlsx(
    rows: list[list[object]], *, date_cells: dict[tuple[int, int], datetime.date] | None = None
) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet()
    date_format = workbook.add_format({"num_format": "yyyy/m/d"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    for (r, c), value in (date_cells or {}).items():
        sheet.write_datetime(r, c, value, date_format)
    workbook.close()
    return buffer.getvalue()


def read(data: bytes, filename: str = "people.csv", **kwargs: object) -> tabular.Table:
    return tabular.read_table(data, filename, aliases=ALIASES, required=REQUIRED, **kwargs)  # type: ignore[arg-type]


def test_utf8_csv_with_and_without_bom_read_the_same():
    text = "姓名,身份证号\n张三,43010219500101123X\n"
    plain = read(text.encode("utf-8"))
    with_bom = read(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert plain.rows == with_bom.rows == [["张三", "43010219500101123X"]]
    assert with_bom.headers == ["姓名", "身份证号"]


def test_gbk_csv_from_chinese_excel_is_decoded():
    data = "居民姓名,公民身份号码,户籍地\r\n欧阳娜娜,43010219500101123X,湖南省长沙市\r\n".encode("gbk")
    table = read(data)
    assert table.columns[:2] == ["姓名", "身份证号"]
    assert table.rows == [["欧阳娜娜", "43010219500101123X", "湖南省长沙市"]]


def test_utf16_tab_separated_unicode_text_is_read():
    data = "姓名\t身份证号\n李四\t430102198002022233\n".encode("utf-16")
    assert read(data).rows == [["李四", "430102198002022233"]]


def test_header_aliases_hints_and_markers_are_normalised():
    data = "*姓名, 身份证号码（18位）,出生日期(yyyy-mm-dd)\n张三,43010219500101123X,1950-01-01\n".encode()
    table = read(data)
    assert table.columns == ["姓名", "身份证号", "出生日期"]
    assert table.headers == ["*姓名", "身份证号码（18位）", "出生日期(yyyy-mm-dd)"]
    assert table.column("出生日期") == 2
    assert table.column("联系电话") is None


def test_title_row_above_the_header_is_skipped_and_line_numbers_follow_the_sheet():
    data = "阳光社区居民登记表,,\n姓名,身份证号,备注\n,,\n张三,43010219500101123X,\n".encode()
    table = read(data)
    assert table.headers == ["姓名", "身份证号", "备注"]
    assert table.rows == [["张三", "43010219500101123X", ""]]
    assert table.line_numbers == [4]


def test_xlsx_keeps_excel_date_cells_and_numbers():
    data = make_xlsx(
        [["姓名", "身份证号", "出生日期", "房号"], ["张三", "43010219500101123X", None, 302]],
        date_cells={(1, 2): datetime.date(1950, 1, 1)},
    )
    table = read(data, "people.xlsx")
    assert table.format == "xlsx"
    row = table.rows[0]
    assert row[2] == datetime.date(1950, 1, 1)
    assert tabular.cell_text(row[3]) == "302"


def test_first_visible_sheet_is_read():
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    hidden = workbook.add_worksheet("旧数据")
    hidden.write_row(0, 0, ["姓名", "身份证号"])
    hidden.write_row(1, 0, ["旧", "43010219500101123X"])
    visible = workbook.add_worksheet("新数据")
    visible.write_row(0, 0, ["姓名", "身份证号"])
    visible.write_row(1, 0, ["新", "430102198002022233"])
    visible.activate()
    hidden.hide()
    workbook.close()
    assert read(buffer.getvalue(), "x.xlsx").rows[0][0] == "新"


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "a.csv", "文件是空的"),
        (b"\n\n  \n", "a.csv", "文件是空的"),
        ("姓名,身份证号\n".encode(), "a.csv", "没有数据行"),
        ("姓名,电话\n张三,1\n".encode(), "a.csv", "缺少必填列：身份证号"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "photo.csv", "无法识别的文件格式"),
        (b"just some text that is not a workbook", "people.xlsx", "不是有效的 Excel"),
        (b"PK\x03\x04broken zip", "people.xlsx", "无法读取该 Excel 文件"),
        ("姓名,身份证号,身份证号码\n张三,1,2\n".encode(), "a.csv", "出现了不止一次"),
        (b"\xff\xfe\x00\xd8", "a.csv", "无法识别文件的编码"),
    ],
)
def test_bad_files_raise_a_clear_message(data, filename, message):
    with pytest.raises(TabularError, match=message):
        read(data, filename)


def test_undecodable_bytes_are_refused():
    with pytest.raises(TabularError, match="编码"):
        read(b"\xff\xff\xff,\xff\n", "a.csv")


def test_file_over_the_limit_is_refused_before_parsing():
    with pytest.raises(TabularError, match="上限为 1 MB"):
        read(b"x" * (1024 * 1024 + 1), max_bytes=1024 * 1024)


def test_cell_text_writes_numbers_as_people_typed_them():
    assert tabular.cell_text(13812345678.0) == "13812345678"
    assert tabular.cell_text(1.5) == "1.5"
    assert tabular.cell_text(datetime.datetime(2024, 5, 1)) == "2024-05-01"
    assert tabular.cell_text("\u200b 张三\u3000") == "张三"
    assert tabular.cell_text(None) == ""


def test_table_from_records_uses_the_union_of_keys():
    table = tabular.table_from_records(
        [{"姓名": "张三", "身份证号": "1"}, {"姓名": "李四", "身份证号": "2", "民族": "汉族"}],
        aliases=ALIASES,
        required=REQUIRED,
    )
    assert table.headers == ["姓名", "身份证号", "民族"]
    assert table.rows[0] == ["张三", "1", ""]


def test_written_xlsx_reads_back_with_strings_kept_as_strings():
    data = tabular.write_xlsx(
        ["姓名", "身份证号", "出生日期", "备注"],
        [["张三", "43010219500101123X", datetime.date(1950, 1, 1), '=HYPERLINK("http://x")']],
        text_columns=[1],
    )
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert rows[1] == ["张三", "43010219500101123X", datetime.date(1950, 1, 1), '=HYPERLINK("http://x")']


def test_written_csv_opens_in_excel_and_defuses_formulas():
    data = tabular.write_csv(["姓名", "备注"], [["张三", "=1+1"], ["李四", "-2"]])
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.splitlines() == ["姓名,备注", "张三,'=1+1", "李四,'-2"]
    assert "\r\n" in text
