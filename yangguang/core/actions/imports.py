"""Spreadsheet import of residents, households and dwellings (人口信息批量导入).

`check_import_people` is the one entry point (web view, `manage.py import_people`, API): it reads the file,
validates every row, applies the valid rows in ONE transaction with bulk operations, records an `ImportRun`
with the totals (read = created + updated + unchanged + rejected, always) and a single audit entry for the
whole import, and keeps the rejected rows, each with its reason, as an error workbook.

Why bulk and not `do_save_record` per row: a community's registry is 5–50 thousand rows, and per-row saves
with per-row audit entries take minutes and bury the audit trail under noise. The rules are the same as the
single-record actions (`registry.check_identity`, `do_move_person`, `do_set_membership`); only the writing is
batched. The trade-off is that the audit trail holds one "import" entry naming the run, not one per person.

Identity is the blind index of the normalised ID number, so re-importing the same file finds every person
and changes nothing. Rows are independent: a bad row never blocks the good ones, and the totals say so.
"""

from __future__ import annotations

import base64
import datetime
import functools
import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yangguang.core import tabular
from yangguang.core.actions import audit
from yangguang.core.actions.registry import check_identity
from yangguang.core.models import (
    Area,
    AuditAction,
    Building,
    Compound,
    Dwelling,
    Household,
    HouseholdMembership,
    ImportRun,
    Person,
    Relation,
    Residence,
    ResidenceStatus,
    Sex,
    Tag,
)
from yangguang.core.permissions import Cap, has_capability
from yangguang.core.sealing import blind_index, keyring, seal
from yangguang.core.tabular import Cell, Table, TabularError
from yangguang.lib import idnumber, phone
from yangguang.lib.masking import mask

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    Actor = AbstractBaseUser | AnonymousUser | None

_T = TypeVar("_T")

ImportSource = bytes | IO[bytes] | str | os.PathLike[str] | Table | Sequence[Mapping[str, Cell]]

# Rows per INSERT/UPDATE statement and ids per `IN (...)`: well under SQLite's 999-parameter default for
# the narrow tables, and Django lowers it further by itself for wide ones (Person).
BATCH: Final = 500

PERSON_LABEL: Final = "core.person"
ERROR_REPORT_CONTEXT: Final = "core.importrun.error_report"

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


# --- resolving against the database --------------------------------------------------------------------
#
# Everything below works on plain tuples and ids rather than model instances: at 100k rows, instantiating
# models and letting bulk_create compile every value costs several times more than the database work itself.


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


def _chunks(items: Sequence[_T], size: int = BATCH) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _in_area(area: Area) -> dict[str, str]:
    return {"area__path__startswith": area.path}


class _Resolver:
    """Looks up everything the rows refer to, with a fixed number of queries per BATCH rows."""

    def __init__(self, area: Area, today: datetime.date) -> None:
        self.area = area
        self.today = today
        self.dwellings: dict[tuple[int, str, str], tuple[int, int]] = {}  # key → (id, area id)
        self.households: dict[str, list[_Household]] = {}
        self.residences: dict[int, tuple[int, int, datetime.date]] = {}  # person → (id, dwelling, start)
        self.memberships: dict[int, tuple[int, int, str]] = {}  # person → (id, household, relation)
        self.person_tags: dict[int, dict[int, int]] = {}  # person → tag id → through row id

    def structure(self, rows: list[_Row]) -> None:
        """Compound and building must exist in the import area; the dwelling may be new."""
        buildings = list(Building.objects.filter(**_in_area(self.area)).select_related("compound"))
        compound_ids: dict[str, set[int]] = {}
        for compound in Compound.objects.filter(**_in_area(self.area)).only("id", "name"):
            compound_ids.setdefault(tabular.match_key(compound.name), set()).add(compound.pk)
        by_name: dict[tuple[int, str], Building] = {}
        for building in buildings:
            compound_ids.setdefault(tabular.match_key(building.compound.name), set()).add(
                building.compound_id
            )
            by_name[(building.compound_id, tabular.match_key(building.name))] = building
        for row in rows:
            if not row.compound or not row.building:
                continue
            ids = compound_ids.get(tabular.match_key(row.compound), set())
            name = tabular.match_key(row.building)
            found = [by_name[(cid, name)] for cid in ids if (cid, name) in by_name]
            if not ids:
                row.errors.append(
                    _("导入范围内没有小区“%(compound)s”（小区和楼栋须先在系统中登记）")
                    % {"compound": row.compound}
                )
            elif not found:
                row.errors.append(
                    _("小区“%(compound)s”中没有楼栋“%(building)s”（楼栋须先在系统中登记）")
                    % {"compound": row.compound, "building": row.building}
                )
            elif len(found) > 1:
                row.errors.append(
                    _("导入范围内有多个名为“%(compound)s”的小区，请选择具体的社区后再导入")
                    % {"compound": row.compound}
                )
            else:
                row.building_obj = found[0]
        self.load_dwellings(sorted({row.building_obj.pk for row in rows if row.building_obj is not None}))

    def load_dwellings(self, building_ids: Sequence[int]) -> None:
        for chunk in _chunks(building_ids):
            found = Dwelling.objects.filter(building_id__in=chunk)
            for pk, building_id, unit, room, area_id in found.values_list(
                "id", "building_id", "unit", "room", "area_id"
            ):
                dkey = (building_id, tabular.match_key(unit), tabular.match_key(room))
                self.dwellings.setdefault(dkey, (pk, area_id))

    def tags(self, rows: list[_Row]) -> None:
        lookup: dict[str, int] = {}
        for pk, code, name in Tag.objects.values_list("id", "code", "name"):
            lookup[tabular.match_key(code)] = pk
            lookup[tabular.match_key(name)] = pk
        for row in rows:
            if row.tags is None:
                continue
            unknown = [name for name in row.tags if tabular.match_key(name) not in lookup]
            if unknown:
                row.errors.append(
                    _("标签不存在：%(tags)s（请先在系统中添加）") % {"tags": "、".join(unknown)}
                )
            else:
                row.tag_ids = {lookup[tabular.match_key(name)] for name in row.tags}

    def people(self, rows: list[_Row]) -> None:
        """Find already registered people by blind index; those outside the area cannot be imported here."""
        wanted = [row for row in rows if row.id_index]
        found: dict[str, _Existing] = {}
        columns = (
            "id",
            "area_id",
            "area__path",
            "name",
            "dwelling_id",
            "residence_status",
            "ethnicity",
            "hukou_place",
            "phone_index",
            "id_number_index",
        )
        for chunk in _chunks([row.id_index for row in wanted]):
            for values in Person.objects.filter(id_number_index__in=chunk).values_list(*columns):
                found[values[-1]] = _Existing(*values[:-1])
        for row in wanted:
            match = found.get(row.id_index)
            if match is None:
                continue
            if not match.area_path.startswith(self.area.path):
                # Deliberately vague: the importer must not learn where else the person is registered.
                row.errors.append(_("该身份证号码已在其他社区登记"))
                continue
            row.existing = match
        ids = [row.existing.pk for row in rows if row.existing is not None]
        for id_chunk in _chunks(ids):
            residences = Residence.objects.filter(person_id__in=id_chunk, end_date__isnull=True)
            for pk, person_id, dwelling_id, start in residences.values_list(
                "id", "person_id", "dwelling_id", "start_date"
            ):
                self.residences[person_id] = (pk, dwelling_id, start)
            memberships = HouseholdMembership.objects.filter(person_id__in=id_chunk, end_date__isnull=True)
            for pk, person_id, household_id, relation in memberships.values_list(
                "id", "person_id", "household_id", "relation"
            ):
                self.memberships[person_id] = (pk, household_id, relation)
            through = Person.tags.through.objects.filter(person_id__in=id_chunk)
            for through_id, person_id, tag_id in through.values_list("id", "person_id", "tag_id"):
                self.person_tags.setdefault(person_id, {})[tag_id] = through_id
        for row in rows:
            current = self.residences.get(row.existing.pk) if row.existing is not None else None
            if current is None or current[2] <= self.today or row.building_obj is None:
                continue
            if self.dwelling_of(row) != current[1]:
                row.errors.append(_("该居民现居住记录的入住日期晚于今天，不能迁居"))

    @staticmethod
    def dwelling_key(row: _Row) -> tuple[int, str, str]:
        if row.dwelling_key is None:
            building = row.building_obj
            building_id = building.pk if building is not None else 0
            row.dwelling_key = (building_id, tabular.match_key(row.unit), tabular.match_key(row.room))
        return row.dwelling_key

    def dwelling_of(self, row: _Row) -> int | None:
        found = self.dwellings.get(self.dwelling_key(row))
        return found[0] if found is not None else None

    def households_of(self, rows: list[_Row]) -> None:
        numbers = sorted({row.household_no for row in rows if row.household_no})
        for chunk in _chunks(numbers):
            found = Household.objects.filter(number__in=chunk, **_in_area(self.area))
            for pk, number, head_id in found.values_list("id", "number", "head_id"):
                self.households.setdefault(number, []).append(_Household(pk, head_id))
        for row in rows:
            matches = self.households.get(row.household_no, [])
            if len(matches) > 1:
                row.errors.append(
                    _("导入范围内有多个户编号为“%(number)s”的户，请选择具体的社区后再导入")
                    % {"number": row.household_no}
                )
            elif matches:
                row.household = matches[0]

    def heads(self, rows: list[_Row]) -> None:
        """At most one head per household in a file; checked last, among rows that are otherwise valid."""
        head_line: dict[str, int] = {}
        for row in rows:
            if row.errors or row.relation != Relation.HEAD:
                continue
            first = head_line.setdefault(row.household_no, row.line)
            if first != row.line:
                row.errors.append(
                    _("户编号“%(number)s”已在第%(line)d行指定了户主")
                    % {"number": row.household_no, "line": first}
                )


# --- writing in bulk -----------------------------------------------------------------------------------


def _adapter(model_field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    ops = connection.ops
    if isinstance(model_field, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(model_field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(model_field, models.DecimalField):
        return ops.adapt_decimalfield_value
    return _same


def _same(value: Any) -> Any:
    return value


def _insert(model: type[models.Model], rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT rows (dicts by attname; missing columns take the field default) with executemany.

    Why not bulk_create: it compiles every value through the field machinery and needs model instances;
    at 100k rows that is most of the import's time, while executemany hands plain tuples to the driver.
    The trade-off is that no ids come back: callers look new rows up again by their natural key.
    """
    if not rows:
        return
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    # (attname, adapter or None, adapted default) per column; defaults are adapted once, not per row.
    columns_spec: list[tuple[str, Callable[[Any], Any] | None, Any]] = []
    for model_field in fields:
        adapt = _adapter(model_field)
        auto = getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False)
        default = now if auto else model_field.get_default()
        columns_spec.append(
            (
                model_field.attname,
                None if adapt is _same else adapt,
                adapt(default) if default is not None else None,
            )
        )
    ops = connection.ops
    columns = ", ".join(ops.quote_name(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    table = ops.quote_name(model._meta.db_table)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 - names from the model
    params = [
        tuple(
            (row[name] if adapt is None or row[name] is None else adapt(row[name]))
            if name in row
            else default
            for name, adapt, default in columns_spec
        )
        for row in rows
    ]
    with connection.cursor() as cursor:
        for chunk in _chunks(params, 5000):
            cursor.executemany(sql, chunk)


def _update(model: type[models.Model], attnames: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """UPDATE … SET <attnames> = values WHERE pk = the row's last value, with executemany (see `_insert`)."""
    if not rows:
        return
    ops = connection.ops
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    targets = [by_attname[name] for name in attnames]
    adapters = [_adapter(f) for f in targets]
    assignments = ", ".join(f"{ops.quote_name(f.column)} = %s" for f in targets)
    table = ops.quote_name(model._meta.db_table)
    pk_column = ops.quote_name(model._meta.pk.column)
    sql = f"UPDATE {table} SET {assignments} WHERE {pk_column} = %s"  # noqa: S608 - names from the model
    params = [(*(adapt(v) for adapt, v in zip(adapters, row[:-1], strict=True)), row[-1]) for row in rows]
    with connection.cursor() as cursor:
        for chunk in _chunks(params, 5000):
            cursor.executemany(sql, chunk)


def _close(model: type[Residence | HouseholdMembership], ids: Sequence[int], today: datetime.date) -> None:
    for chunk in _chunks(ids):
        model.objects.filter(pk__in=chunk).update(end_date=today)


# --- applying the valid rows ---------------------------------------------------------------------------


@dataclass
class ImportTotals:
    """What an import did, beyond the ImportRun row counts."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    dwellings_created: int = 0
    households_created: int = 0
    moved: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(vars(self))


class _Writer:
    """Applies the valid rows in dependency order: dwellings, people, households, stays, memberships, tags."""

    def __init__(self, rows: list[_Row], resolver: _Resolver, totals: ImportTotals) -> None:
        self.rows = rows
        self.resolver = resolver
        self.totals = totals
        self.today = resolver.today
        self.now = timezone.now()
        self.person_ids: dict[int, int] = {}  # row index → person id
        self.changed: set[int] = set()  # indexes of rows that changed an existing person in any way

    def apply(self) -> None:
        self.dwellings()
        self.people()
        self.households()
        self.residences()
        self.memberships()
        self.tags()
        for row in self.rows:
            if row.existing is None:
                self.totals.created += 1
            elif row.index in self.changed:
                self.totals.updated += 1
            else:
                self.totals.unchanged += 1
        # A person whose only change was a move, a membership or a tag still counts as updated: stamp them.
        touched = [
            row.existing.pk for row in self.rows if row.existing is not None and row.index in self.changed
        ]
        _update(Person, ["updated_at"], [(self.now, pk) for pk in touched])

    def dwelling(self, row: _Row) -> tuple[int, int]:
        return self.resolver.dwellings[self.resolver.dwelling_key(row)]

    def dwellings(self) -> None:
        new: dict[tuple[int, str, str], dict[str, Any]] = {}
        for row in self.rows:
            dkey = self.resolver.dwelling_key(row)
            building = row.building_obj
            if dkey in self.resolver.dwellings or dkey in new or building is None:
                continue
            new[dkey] = {
                "building_id": building.pk,
                "area_id": building.area_id,
                "unit": row.unit,
                "room": row.room,
            }
        _insert(Dwelling, list(new.values()))
        self.resolver.load_dwellings(sorted({values["building_id"] for values in new.values()}))
        self.totals.dwellings_created = len(new)

    def people(self) -> None:
        ring = keyring()
        new: list[dict[str, Any]] = []
        updates: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
        for row in self.rows:
            dwelling_id, area_id = self.dwelling(row)
            if row.existing is not None:
                self.person_ids[row.index] = row.existing.pk
                changes = _changes(row.existing, row, dwelling_id, area_id)
                if changes:
                    changes["updated_at"] = self.now
                    names = tuple(changes)
                    updates.setdefault(names, []).append((*changes.values(), row.existing.pk))
                    self.changed.add(row.index)
                continue
            values: dict[str, Any] = {
                "area_id": area_id,
                "dwelling_id": dwelling_id,
                "name": row.name,
                "sex": row.sex,
                "birth_date": row.birth,
                "residence_status": row.status or ResidenceStatus.REGISTERED,
                "ethnicity": row.ethnicity or "",
                "hukou_place": row.hukou or "",
                # The blind index was computed while parsing; only the ciphertext and the mask remain.
                "id_number_enc": ring.encrypt(row.id18, context=f"{PERSON_LABEL}.id_number"),
                "id_number_index": row.id_index,
                "id_number_masked": mask("id_number", row.id18),
            }
            if row.phone:
                values.update(_sealed_phone(row.phone))
            new.append(values)
        _insert(Person, new)
        for names, params in updates.items():
            _update(Person, names, params)
        created = [row for row in self.rows if row.existing is None]
        for chunk in _chunks(created):
            by_index = {row.id_index: row.index for row in chunk}
            found = Person.objects.filter(id_number_index__in=list(by_index)).values_list(
                "id_number_index", "id"
            )
            for id_index, pk in found:
                self.person_ids[by_index[id_index]] = pk

    def households(self) -> None:
        """New households (by 户编号) live at their head's dwelling (else their first row's), head set."""
        new: dict[str, dict[str, Any]] = {}
        for row in sorted(self.rows, key=lambda r: (r.relation != Relation.HEAD, r.index)):
            if not row.household_no or row.household is not None or row.household_no in new:
                continue
            dwelling_id, area_id = self.dwelling(row)
            head = self.person_ids[row.index] if row.relation == Relation.HEAD else None
            new[row.household_no] = {
                "area_id": area_id,
                "dwelling_id": dwelling_id,
                "number": row.household_no,
                "head_id": head,
            }
        _insert(Household, list(new.values()))
        for chunk in _chunks(sorted(new)):
            found = Household.objects.filter(number__in=chunk, **_in_area(self.resolver.area))
            for pk, number, head_id in found.values_list("id", "number", "head_id"):
                self.resolver.households[number] = [_Household(pk, head_id)]
        for row in self.rows:
            if row.household_no and row.household is None:
                row.household = self.resolver.households[row.household_no][0]
        self.totals.households_created = len(new)

    def residences(self) -> None:
        """One current stay per person: a move closes the old one today and opens a new one (history kept)."""
        to_close: list[int] = []
        to_open: list[dict[str, Any]] = []
        for row in self.rows:
            person_id = self.person_ids[row.index]
            dwelling_id, _area_id = self.dwelling(row)
            current = self.resolver.residences.get(person_id) if row.existing is not None else None
            if current is not None and current[1] == dwelling_id:
                continue
            if current is not None:
                to_close.append(current[0])
            to_open.append({"person_id": person_id, "dwelling_id": dwelling_id, "start_date": self.today})
            if row.existing is not None:
                self.changed.add(row.index)
        _close(Residence, to_close, self.today)
        _insert(Residence, to_open)
        self.totals.moved = len(to_close)

    def memberships(self) -> None:
        """`do_set_membership` in bulk: leave the old household, join the new one; a head sets the head."""
        to_close: list[int] = []
        to_open: list[dict[str, Any]] = []
        relation_changed: list[tuple[str, int]] = []
        heads: dict[int, int] = {}
        for row in self.rows:
            household = row.household
            if household is None:
                continue
            person_id = self.person_ids[row.index]
            current = self.resolver.memberships.get(person_id) if row.existing is not None else None
            if current is not None and current[1] == household.pk:
                relation = row.relation or current[2]
                if relation != current[2]:
                    relation_changed.append((relation, current[0]))
                    self.changed.add(row.index)
            else:
                relation = row.relation or Relation.OTHER
                if current is not None:
                    to_close.append(current[0])
                to_open.append(
                    {
                        "household_id": household.pk,
                        "person_id": person_id,
                        "relation": relation,
                        "start_date": self.today,
                    }
                )
                if row.existing is not None:
                    self.changed.add(row.index)
            if relation == Relation.HEAD and household.head_id != person_id:
                household.head_id = person_id
                heads[household.pk] = person_id
                if row.existing is not None:
                    self.changed.add(row.index)
        _close(HouseholdMembership, to_close, self.today)
        _insert(HouseholdMembership, to_open)
        _update(HouseholdMembership, ["relation"], relation_changed)
        _update(Household, ["head_id"], [(head, pk) for pk, head in heads.items()])

    def tags(self) -> None:
        """A filled 标签 cell is the person's whole tag set; a blank one leaves the tags alone."""
        through = Person.tags.through
        to_add: list[dict[str, Any]] = []
        to_remove: list[int] = []
        for row in self.rows:
            if row.tag_ids is None:
                continue
            person_id = self.person_ids[row.index]
            have = self.resolver.person_tags.get(person_id, {}) if row.existing is not None else {}
            added = sorted(row.tag_ids - have.keys())
            removed = [through_id for tag_id, through_id in have.items() if tag_id not in row.tag_ids]
            to_add.extend({"person_id": person_id, "tag_id": tag_id} for tag_id in added)
            to_remove.extend(removed)
            if row.existing is not None and (added or removed):
                self.changed.add(row.index)
        for chunk in _chunks(to_remove):
            through.objects.filter(pk__in=chunk).delete()
        _insert(through, to_add)


def _sealed_phone(phone: str) -> dict[str, str]:
    enc, index, masked = seal(PERSON_LABEL, "phone", "phone", phone)
    return {"phone_enc": enc, "phone_index": index, "phone_masked": masked}


def _changes(existing: _Existing, row: _Row, dwelling_id: int, area_id: int) -> dict[str, Any]:
    """The columns of an existing person that the row changes; blank cells leave stored values alone."""
    wanted: dict[str, Any] = {"name": row.name, "dwelling_id": dwelling_id, "area_id": area_id}
    if row.status is not None:
        wanted["residence_status"] = row.status
    if row.ethnicity is not None:
        wanted["ethnicity"] = row.ethnicity
    if row.hukou is not None:
        wanted["hukou_place"] = row.hukou
    changes = {name: value for name, value in wanted.items() if getattr(existing, name) != value}
    if row.phone is not None and existing.phone_index != blind_index(PERSON_LABEL, "phone", row.phone):
        changes.update(_sealed_phone(row.phone))
    return changes


# --- the error workbook --------------------------------------------------------------------------------


def build_error_workbook(table: Table, rejected: Sequence[_Row]) -> bytes:
    """The rejected rows with their original columns and one more, 错误原因, so they can be fixed and
    imported again as they are (the importer ignores columns it does not know)."""
    headers = [*table.headers, _("错误原因")]
    text_columns = [i for i, name in enumerate(table.columns) if name in {"身份证号", "联系电话", "户编号"}]
    rows = ([*table.rows[row.index], "；".join(row.errors)] for row in rejected)
    return tabular.write_xlsx(
        headers,
        rows,
        sheet_name=_("未导入的行"),
        text_columns=text_columns,
        highlight_column=len(table.headers),
        widths={len(table.headers): 60},
    )


def _seal_report(data: bytes) -> bytes:
    """Error workbooks hold full ID numbers and phones, so they are encrypted at rest like the fields are."""
    token = keyring().encrypt(base64.b64encode(data).decode("ascii"), context=ERROR_REPORT_CONTEXT)
    return token.encode("ascii")


def error_report_bytes(run: ImportRun) -> bytes:
    """The plaintext error workbook of a run. Callers check IMPORT_REGISTRY at the run's area first."""
    with run.error_report.open("rb") as handle:
        token = handle.read()
    plain = keyring().decrypt(token.decode("ascii"), context=ERROR_REPORT_CONTEXT)
    return base64.b64decode(plain)


def do_fetch_error_report(actor: Actor, run: ImportRun) -> bytes:
    """The error workbook for download, audited like an export: it holds the rejected rows' personal data.

    The caller has loaded `run` with `access_object(..., Cap.IMPORT_REGISTRY)`.
    """
    data = error_report_bytes(run)
    audit.record(actor, AuditAction.EXPORT, target=run, changes={"error_report": run.rows_rejected})
    return data


# --- loading the file ----------------------------------------------------------------------------------


def _max_bytes() -> int:
    return int(settings.IMPORT_MAX_UPLOAD_MB) * 1024 * 1024


def _too_large(size: int) -> ValidationError:
    return ValidationError(
        _("文件过大（%(size).1f MB），上限为 %(limit)d MB。")
        % {"size": size / 1024 / 1024, "limit": settings.IMPORT_MAX_UPLOAD_MB},
        code="too_large",
    )


def _read_bytes(source: bytes | IO[bytes] | str | os.PathLike[str]) -> bytes:
    limit = _max_bytes()
    if isinstance(source, bytes):
        data = source
    elif isinstance(source, str | os.PathLike):
        path = Path(source)
        try:
            size = path.stat().st_size
            if size > limit:
                raise _too_large(size)
            data = path.read_bytes()
        except OSError as exc:
            raise ValidationError(_("无法读取文件：%(error)s") % {"error": exc.strerror}) from exc
    else:
        declared = getattr(source, "size", None)
        if isinstance(declared, int) and declared > limit:
            raise _too_large(declared)
        data = source.read(limit + 1)
    if len(data) > limit:
        raise _too_large(len(data))
    return data


def load_table(source: ImportSource, filename: str = "") -> tuple[Table, str]:
    """The people table of an upload, a path, a Table or a list of dicts, and the SHA-256 of its content.

    Raises ValidationError (one message for the user) for files that cannot be imported at all.
    """
    aliases = people_aliases()
    try:
        if isinstance(source, Table):
            digest = hashlib.sha256(json.dumps(source.rows, default=str).encode()).hexdigest()
            return source, digest
        if isinstance(source, Sequence) and not isinstance(source, bytes | str):
            table = tabular.table_from_records(source, aliases=aliases, required=REQUIRED_COLUMNS)
            digest = hashlib.sha256(json.dumps(table.rows, default=str).encode()).hexdigest()
            return table, digest
        data = _read_bytes(source)
        table = tabular.read_table(
            data, filename, aliases=aliases, required=REQUIRED_COLUMNS, max_bytes=_max_bytes()
        )
        return table, hashlib.sha256(data).hexdigest()
    except TabularError as exc:
        raise ValidationError(str(exc), code="bad_file") from exc


# --- the action ----------------------------------------------------------------------------------------


def check_import_people(
    actor: Actor,
    area: Area,
    rows_or_file: ImportSource,
    filename: str = "",
    source: str = "web",
    *,
    dry_run: bool = False,
) -> ImportRun:
    """Import people into `area` (and its subtree) from a spreadsheet; see the module docstring.

    Raises PermissionDenied when `actor` lacks IMPORT_REGISTRY at `area` (None is the system, e.g. the
    command without --user) and ValidationError, saving nothing, when the file cannot be read at all.
    With `dry_run`, everything is checked and counted inside a transaction that is rolled back: the
    returned run is unsaved and its error workbook (if any) is attached but not stored.
    """
    if actor is not None and not has_capability(actor, Cap.IMPORT_REGISTRY, area):
        raise PermissionDenied(_("您没有在该区域导入人口信息的权限。"))
    filename = Path(filename or getattr(rows_or_file, "name", "") or "import").name[:200]
    table, digest = load_table(rows_or_file, filename)
    today = timezone.localdate()
    rows = _parse(table, today)
    with transaction.atomic():
        resolver = _Resolver(area, today)
        resolver.structure(rows)
        resolver.tags(rows)
        resolver.people(rows)
        resolver.households_of(rows)
        resolver.heads(rows)
        valid = [row for row in rows if not row.errors]
        rejected = [row for row in rows if row.errors]
        totals = ImportTotals(rejected=len(rejected))
        _Writer(valid, resolver, totals).apply()
        run = ImportRun(
            area=area,
            started_by_id=actor.pk if actor is not None and actor.is_authenticated else None,
            kind="people",
            source=source[:10],
            filename=filename,
            file_sha256=digest,
            finished_at=timezone.now(),
            rows_read=len(rows),
            rows_created=totals.created,
            rows_updated=totals.updated,
            rows_unchanged=totals.unchanged,
            rows_rejected=totals.rejected,
            message=_summary(totals, dry_run),
        )
        if rejected:
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
            run.error_report = ContentFile(
                _seal_report(build_error_workbook(table, rejected)), name=f"people-errors-{stamp}.xlsx"
            )
        if dry_run:
            transaction.set_rollback(True)
            return run
        run.save()
        audit.record(
            actor,
            AuditAction.IMPORT,
            target=run,
            area=area,
            changes={"kind": "people", "source": run.source, **totals.as_dict(), "rows_read": run.rows_read},
        )
    return run


def _summary(totals: ImportTotals, dry_run: bool) -> str:
    parts = [
        _("新建房屋 %(n)d 处") % {"n": totals.dwellings_created},
        _("新建户 %(n)d 个") % {"n": totals.households_created},
        _("迁居 %(n)d 人") % {"n": totals.moved},
    ]
    text = "，".join(parts) + "。"
    if dry_run:
        text = _("试运行，未保存任何数据：") + text
    return text


def people_template(fmt: str) -> bytes:
    """The blank import template, as .xlsx (text columns, drop-downs, a sheet of notes) or .csv."""
    columns = people_columns()
    headers = [column.name for column in columns]
    if fmt == "csv":
        return tabular.write_csv(headers, [])
    position = {name: i for i, name in enumerate(headers)}
    choices = [
        tabular.Choices(position["性别"], ["男", "女"]),
        tabular.Choices(position["人口类型"], ["户籍", "常住", "流动"]),
        tabular.Choices(position["与户主关系"], [words[0] for words in RELATION_WORDS.values()]),
    ]
    return tabular.write_xlsx(
        headers,
        [],
        sheet_name=_("居民信息"),
        text_columns=[i for i, column in enumerate(columns) if column.text],
        choices=choices,
        notes=[(column.name + (" *" if column.required else ""), column.help) for column in columns],
    )
