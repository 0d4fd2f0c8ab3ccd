"""A file that is not a spreadsheet (a PDF, a photo, a Word document, any binary) is named as such by
`tabular.read_table`, the one reader of every import, instead of being read as a CSV whose header lacks
the required columns."""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from tests.conftest import World
from yangguang.core import tabular
from yangguang.core.actions import areas, cadres, imports, payments, welfare_import
from yangguang.core.tabular import TabularError

NOT_A_SPREADSHEET = "这个文件不是 Excel（.xlsx）或 CSV 表格，请另存为 .xlsx 或 .csv 后重新上传。"

# A PDF's first lines: text, then the binary-comment line of high bytes that GB18030 happily decodes.
PDF = (
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
)


def random_binary(size: int = 4096, *, without_nul: bool = False) -> bytes:
    data = random.Random(20240507).randbytes(size)  # noqa: S311 - test data, not a secret
    return data.replace(b"\x00", b"\x01") if without_nul else data


def word_document() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (PDF, "居民名单.pdf"),
        (PDF, "居民名单.csv"),
        (PDF, "居民名单.xlsx"),
        (random_binary(), "data.bin"),
        (random_binary(without_nul=True), "people.csv"),
        (b"\x89PNG\r\n\x1a\n" + random_binary(64), "photo.csv"),
        (b"\xff\xd8\xff\xe0" + b"JFIF" * 10, "scan.jpg"),
        (word_document(), "名单.docx"),
        (word_document(), "名单.xlsx"),
    ],
)
def test_a_file_that_is_not_a_spreadsheet_is_named_as_such(data: bytes, filename: str) -> None:
    with pytest.raises(TabularError) as caught:
        tabular.read_table(data, filename, required=["姓名", "身份证号"])
    assert NOT_A_SPREADSHEET in str(caught.value)
    assert "缺少必填列" not in str(caught.value)


@pytest.mark.parametrize(
    "data",
    [
        "姓名,身份证号\n张三,430102198002022233\n".encode(),
        "姓名,身份证号\n张三,430102198002022233\n".encode("gb18030"),
        "\ufeff姓名\t身份证号\r\n张三\t430102198002022233\r\n".encode("utf-16"),
        '姓名,身份证号,备注\n张三,430102198002022233,"第一行\x0b第二行"\n'.encode(),
    ],
)
def test_text_spreadsheets_still_read(data: bytes) -> None:
    table = tabular.read_table(data, "people.csv", required=["姓名", "身份证号"])
    assert table.rows[0][:2] == ["张三", "430102198002022233"]


def test_a_workbook_still_reads() -> None:
    data = tabular.write_xlsx(["姓名", "身份证号"], [["张三", "430102198002022233"]])
    assert tabular.read_table(data, "people.xlsx", required=["姓名"]).rows == [["张三", "430102198002022233"]]


def test_a_damaged_workbook_is_still_called_damaged() -> None:
    with pytest.raises(TabularError, match="无法读取该 Excel 文件"):
        tabular.read_table(b"PK\x03\x04broken zip", "people.xlsx")


def loaders(world: World) -> dict[str, Callable[[bytes, str], Any]]:
    """Every import's loading step, each given the bytes and the file name."""
    return {
        "people": lambda data, name: imports.load_table(data, name),
        "areas": lambda data, name: areas.load_area_table(world.sunshine, data, name),
        "welfare roster": lambda data, name: welfare_import.load_roster(data, name),
        "payments": lambda data, name: payments._load(data, name),
        "kinship": lambda data, name: cadres.check_import_kinship(world.alice, world.sunshine, data, name),
    }


@pytest.mark.parametrize("data", [PDF, random_binary()], ids=["pdf", "random"])
def test_every_import_says_the_file_is_not_a_spreadsheet(world: World, data: bytes) -> None:
    for name, load in loaders(world).items():
        with pytest.raises(ValidationError) as caught:
            load(data, "名单.pdf")
        assert NOT_A_SPREADSHEET in " ".join(caught.value.messages), name
