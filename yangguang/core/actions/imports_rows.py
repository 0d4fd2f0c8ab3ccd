"""Reading the rows of a people import: the template's columns, and each row parsed and checked without
the database (part of the registry import, `yangguang.core.actions.imports`).

Cell values are data, not interface text: the words accepted in a cell stay Chinese whatever the user's
language, while the help texts and error messages are translated.
"""

from __future__ import annotations

import datetime
import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from yangguang.core import tabular
from yangguang.core.actions.registry import check_identity
from yangguang.core.models import Building, Dwelling, Household, Person, Relation, ResidenceStatus, Sex
from yangguang.core.sealing import blind_index
from yangguang.core.tabular import Cell, Table
from yangguang.lib import idnumber, phone

PERSON_LABEL: Final = "core.person"

# --- the columns ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of the people template: its canonical header, other accepted headers, and what goes in."""

    name: str
    aliases: tuple[str, ...]
    required: bool
    text: bool  # kept as Text in the template so Excel does not turn it into a number or date
    help: str


def people_columns() -> tuple[Column, ...]:
    """The template's columns, in template order (a function so the help texts are translated per request)."""
    return (
        Column("姓名", ("居民姓名", "名字"), True, False, _("必填。")),
        Column(
            "身份证号",
            ("身份证号码", "公民身份号码", "身份证", "证件号码", "居民身份证号码"),
            True,
            True,
            _("必填，18位（15位旧号码会自动升位）。同一号码只登记一次，重复导入会更新而不会新增。"),
        ),
        Column("性别", (), False, False, _("可选：男/女；填写时须与身份证号一致。")),
        Column(
            "出生日期",
            ("出生年月日", "生日"),
            False,
            False,
            _("可选：1985-03-07、1985/3/7、19850307 或 Excel 日期；填写时须与身份证号一致。"),
        ),
        Column(
            "联系电话",
            ("电话", "手机", "手机号", "手机号码", "联系方式"),
            False,
            True,
            _("可选：11位手机号，或带区号的固定电话（如 0731-84561234）。"),
        ),
        Column(
            "人口类型",
            ("人员类型", "人口类别", "居住类型"),
            False,
            False,
            _("户籍/常住/流动；新登记的居民留空按户籍人口登记。"),
        ),
        Column("小区", ("小区名称", "所在小区"), True, False, _("必填，须是系统中已登记的小区。")),
        Column("楼栋", ("楼号", "楼栋号", "栋"), True, True, _("必填，须是该小区已登记的楼栋。")),
        Column("单元", ("单元号",), False, True, _("可选。")),
        Column("房号", ("房间号", "门牌号", "室号"), True, True, _("必填。系统中还没有的房屋会自动新建。")),
        Column("户编号", ("户号",), False, True, _("可选：户口簿户号或社区自编号；没有的户会自动新建。")),
        Column(
            "与户主关系",
            ("关系",),
            False,
            False,
            _("可选：户主/配偶/子女/父母/祖父母/孙子女/兄弟姐妹/儿媳/女婿/其他；须同时填写户编号。"),
        ),
        Column(
            "标签",
            ("人员标签",),
            False,
            False,
            _("可选：系统中已有的标签名称，多个用逗号或顿号分隔；填写后居民的标签即为所填各项。"),
        ),
        Column("民族", (), False, False, _("可选，如：汉族。")),
        Column("户籍地", ("户籍地址", "户籍所在地"), False, False, _("可选。")),
    )


def people_aliases() -> dict[str, tuple[str, ...]]:
    return {column.name: column.aliases for column in people_columns()}


REQUIRED_COLUMNS: Final = ("姓名", "身份证号", "小区", "楼栋", "房号")

# Cell values are data, not interface text: they stay Chinese whatever the user's language.
SEX_WORDS: Final = {
    "男": Sex.MALE,
    "女": Sex.FEMALE,
    "男性": Sex.MALE,
    "女性": Sex.FEMALE,
    "m": Sex.MALE,
    "f": Sex.FEMALE,
    "male": Sex.MALE,
    "female": Sex.FEMALE,
}
STATUS_WORDS: Final = {
    "户籍": ResidenceStatus.REGISTERED,
    "户籍人口": ResidenceStatus.REGISTERED,
    "常住": ResidenceStatus.RESIDENT,
    "常住人口": ResidenceStatus.RESIDENT,
    "流动": ResidenceStatus.FLOATING,
    "流动人口": ResidenceStatus.FLOATING,
}
RELATION_WORDS: Final = {
    Relation.HEAD: ("户主", "本人"),
    Relation.SPOUSE: ("配偶", "妻", "妻子", "夫", "丈夫"),
    Relation.CHILD: ("子女", "子", "女", "儿子", "女儿", "长子", "次子", "长女", "次女", "养子", "养女"),
    Relation.PARENT: ("父母", "父", "母", "父亲", "母亲"),
    Relation.GRANDPARENT: ("祖父母", "外祖父母", "祖父", "祖母", "外祖父", "外祖母"),
    Relation.GRANDCHILD: ("孙子女", "外孙子女", "孙子", "孙女", "外孙子", "外孙女", "外孙"),
    Relation.SIBLING: ("兄弟姐妹", "兄", "弟", "姐", "妹", "哥哥", "弟弟", "姐姐", "妹妹"),
    Relation.CHILD_IN_LAW: ("儿媳/女婿", "儿媳", "女婿"),
    Relation.OTHER: ("其他",),
}
_RELATION_LOOKUP: Final = {word: relation for relation, words in RELATION_WORDS.items() for word in words}

_TAG_SPLIT: Final = re.compile(r"[,，、;；\s]+")
_SPACES: Final = re.compile(r"\s+")


@functools.cache
def _max_length(model: type[Person | Dwelling | Household], name: str) -> int:
    model_field = model._meta.get_field(name)
    return int(getattr(model_field, "max_length", 0) or 0)


# --- parsing one row -----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Row:
    """One data row: the normalised values, what it resolved to, and its errors (rejected if any)."""

    index: int
    line: int
    errors: list[str] = field(default_factory=list)
    name: str = ""
    id18: str = ""
    id_index: str = ""
    sex: str = ""
    birth: datetime.date | None = None
    phone: str | None = None  # None: not given, leave as is
    status: str | None = None
    compound: str = ""
    building: str = ""
    unit: str = ""
    room: str = ""
    household_no: str = ""
    relation: str | None = None
    tags: list[str] | None = None
    ethnicity: str | None = None
    hukou: str | None = None
    building_obj: Building | None = None
    dwelling_key: tuple[int, str, str] | None = None
    tag_ids: set[int] | None = None
    existing: _Existing | None = None
    household: _Household | None = None


@dataclass(slots=True)
class _Existing:
    """An already registered person, as far as the import compares and updates them."""

    pk: int
    area_id: int
    area_path: str
    name: str
    dwelling_id: int | None
    residence_status: str
    ethnicity: str
    hukou_place: str
    phone_index: str


@dataclass(slots=True)
class _Household:
    pk: int
    head_id: int | None


def normalize_phone(value: Cell) -> str:
    """A mobile number as 11 digits, a landline as "area-number" (the platform's one normaliser).
    Raises ValueError (PhoneError) otherwise."""
    return phone.normalize_phone(tabular.cell_text(value))


def _id_text(value: Cell) -> str:
    if isinstance(value, float | int) and not isinstance(value, bool):
        # Excel keeps 15 significant digits: an 18-digit number typed into a General cell lost its tail.
        if abs(value) >= 1e15:
            raise ValueError("precision")
        return str(int(value))
    return tabular.cell_text(value)


class _Reader:
    """Pulls one row's cells by canonical column name (missing column → blank)."""

    def __init__(self, table: Table, today: datetime.date) -> None:
        self.positions = {column.name: table.column(column.name) for column in people_columns()}
        self.today = today

    def cell(self, row: Sequence[Cell], name: str) -> Cell:
        pos = self.positions[name]
        return None if pos is None else row[pos]

    def text(self, row: Sequence[Cell], name: str) -> str:
        return tabular.cell_text(self.cell(row, name))


def _parse_row(reader: _Reader, values: Sequence[Cell], row: _Row) -> None:
    """Check everything a row can be checked for without the database; fill `row` and its errors."""
    errors = row.errors
    row.name = _SPACES.sub(" ", reader.text(values, "姓名"))
    if not row.name:
        errors.append(_("姓名不能为空"))
    elif len(row.name) > _max_length(Person, "name"):
        errors.append(_("姓名过长（最多%(n)d个字）") % {"n": _max_length(Person, "name")})

    sex_text = reader.text(values, "性别")
    sex: str | None = None
    if sex_text:
        sex = SEX_WORDS.get(sex_text.lower())
        if sex is None:
            errors.append(_("性别只能填写“男”或“女”，不能是“%(value)s”") % {"value": sex_text})
    birth: datetime.date | None = None
    birth_cell = reader.cell(values, "出生日期")
    if not tabular.is_blank(birth_cell):
        try:
            birth = tabular.parse_date(birth_cell)
        except ValueError:
            errors.append(
                _("出生日期“%(value)s”无法识别，请按 1985-03-07 的格式填写")
                % {"value": tabular.cell_text(birth_cell)}
            )

    try:
        raw_id = _id_text(reader.cell(values, "身份证号"))
    except ValueError:
        errors.append(_("身份证号被 Excel 存成了数字，末几位已丢失；请把该列设为“文本”格式后重新填写"))
    else:
        if not raw_id:
            errors.append(_("身份证号不能为空"))
        else:
            _check_identity(row, raw_id, sex, birth, reader.today)

    phone_cell = reader.cell(values, "联系电话")
    if not tabular.is_blank(phone_cell):
        try:
            row.phone = normalize_phone(phone_cell)
        except ValueError:
            errors.append(
                _("联系电话“%(value)s”格式不正确（应为11位手机号或带区号的固定电话）")
                % {"value": tabular.cell_text(phone_cell)}
            )

    status_text = reader.text(values, "人口类型")
    if status_text:
        row.status = STATUS_WORDS.get(status_text)
        if row.status is None:
            errors.append(_("人口类型只能填写户籍、常住或流动，不能是“%(value)s”") % {"value": status_text})

    row.compound = reader.text(values, "小区")
    row.building = reader.text(values, "楼栋")
    row.unit = reader.text(values, "单元")
    row.room = reader.text(values, "房号")
    for label, value in (("小区", row.compound), ("楼栋", row.building), ("房号", row.room)):
        if not value:
            errors.append(_("%(column)s不能为空") % {"column": label})
    for label, value, limit in (
        ("单元", row.unit, _max_length(Dwelling, "unit")),
        ("房号", row.room, _max_length(Dwelling, "room")),
        ("户编号", reader.text(values, "户编号"), _max_length(Household, "number")),
    ):
        if len(value) > limit:
            errors.append(_("%(column)s过长（最多%(n)d个字）") % {"column": label, "n": limit})

    row.household_no = unicodedata.normalize("NFKC", reader.text(values, "户编号"))
    relation_text = reader.text(values, "与户主关系")
    if relation_text:
        row.relation = _RELATION_LOOKUP.get(relation_text)
        if row.relation is None:
            errors.append(_("与户主关系“%(value)s”无法识别") % {"value": relation_text})
        elif not row.household_no:
            errors.append(_("填写了与户主关系，但没有填写户编号"))

    tags_text = reader.text(values, "标签")
    if tags_text:
        row.tags = [tag for tag in _TAG_SPLIT.split(tags_text) if tag]

    for attr, label, model_field in (
        ("ethnicity", "民族", "ethnicity"),
        ("hukou", "户籍地", "hukou_place"),
    ):
        text = reader.text(values, label)
        if not text:
            continue
        limit = _max_length(Person, model_field)
        if len(text) > limit:
            errors.append(_("%(column)s过长（最多%(n)d个字）") % {"column": label, "n": limit})
        setattr(row, attr, text)


def _check_identity(
    row: _Row, raw_id: str, sex: str | None, birth: datetime.date | None, today: datetime.date
) -> None:
    """Normalise the ID number, then check sex and birth date against it (the rules of `check_identity`).

    A number that is well-formed but disagrees with the sex or birth date still counts for duplicate
    detection, so a later row with the same number is reported as a duplicate of this one.
    """
    try:
        row.id18 = idnumber.normalize(raw_id, today=today)
    except idnumber.IdNumberError as exc:
        row.errors.append(str(exc))
        return
    row.id_index = blind_index(PERSON_LABEL, "id_number", row.id18)
    row.sex = idnumber.sex(row.id18)
    row.birth = idnumber.birth_date(row.id18)
    if (sex and sex != row.sex) or (birth and birth != row.birth):
        # The single-record rule owns the wording; it only runs for the rows that disagree.
        try:
            check_identity(row.id18, sex, birth)
        except ValidationError as exc:
            for messages in exc.message_dict.values():
                row.errors.extend(message.rstrip("。") for message in messages)


def _parse(table: Table, today: datetime.date) -> list[_Row]:
    reader = _Reader(table, today)
    rows: list[_Row] = []
    first_line: dict[str, int] = {}
    for index, (values, line) in enumerate(zip(table.rows, table.line_numbers, strict=True)):
        row = _Row(index=index, line=line)
        _parse_row(reader, values, row)
        if row.id18:
            # The first occurrence of a number is the one imported; later ones point back at it.
            first = first_line.setdefault(row.id18, line)
            if first != line:
                row.errors.append(_("与第%(line)d行的身份证号码重复") % {"line": first})
        rows.append(row)
    return rows
