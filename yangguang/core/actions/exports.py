"""Exporting the registry (居民, 户, 房屋) to .xlsx or .csv, within the user's jurisdiction and masked.

What leaves the platform in a file is what the user could see on screen, and no more:

- rows: only records in areas where the user holds EXPORT_REGISTRY (optionally narrowed to one area);
- names: in full only where the user also holds REVEAL_PERSONAL, masked elsewhere;
- ID numbers and phones: always the masked copy, even for users who may reveal them one at a time on
  screen (a reveal is audited per person with a reason; a file of thousands of plaintexts is not);
- where a person lives: unit and room, the full birth date and the household place only where the user may
  reveal; otherwise the platform's address mask (down to the building) and the birth year;
- sensitive tags (health, disability …) only where the user may reveal.

Each export writes one audit entry (action "export") saying what was exported, how many rows, and the filter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from yangguang.core import tabular
from yangguang.core.actions import audit
from yangguang.core.models import (
    Area,
    AuditAction,
    Dwelling,
    Household,
    HouseholdMembership,
    Person,
)
from yangguang.core.permissions import Cap, jurisdiction_paths
from yangguang.core.sealing import blind_index
from yangguang.core.tabular import Cell
from yangguang.lib import idnumber
from yangguang.lib.masking import STAR, mask_address, mask_name

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

Narrow = Callable[[Any], Any]  # a list page's filter: queryset in, narrower queryset out

KINDS: Final = ("persons", "households", "dwellings")
FORMATS: Final = ("xlsx", "csv")
HIDDEN: Final = STAR * 4
_CHUNK: Final = 2000


@dataclass(frozen=True)
class ExportFile:
    """A finished export: the bytes to send and what to call them."""

    filename: str
    content_type: str
    data: bytes
    rows: int


class _Reveal:
    """Whether the user may see a record's personal details in full, by the record's area path (no query)."""

    def __init__(self, user: AbstractBaseUser | AnonymousUser) -> None:
        self.paths = jurisdiction_paths(user, Cap.REVEAL_PERSONAL)

    def __call__(self, area: Area) -> bool:
        return any(area.path.startswith(path) for path in self.paths)


def _kind_label(kind: str) -> str:
    return {"persons": _("居民"), "households": _("户"), "dwellings": _("房屋")}[kind]


# --- querysets ---------------------------------------------------------------------------------------


def export_queryset(
    user: AbstractBaseUser | AnonymousUser,
    kind: str,
    *,
    q: str = "",
    area: Area | None = None,
    narrow: Narrow | None = None,
) -> QuerySet[Person] | QuerySet[Dwelling] | QuerySet[Household]:
    """The records of `kind` the user may export, narrowed to `area` (already access-checked), by the list
    page's filter `narrow` (the web view passes its filter form's `apply`) and by the search text `q`."""
    if kind == "persons":
        persons = Person.objects.visible_to(user, Cap.EXPORT_REGISTRY)
        if area is not None:
            persons = persons.in_areas([area.path])
        if narrow is not None:
            persons = narrow(persons)
        return _filter_persons(persons, q).select_related("area", "dwelling__building__compound")
    if kind == "households":
        households = Household.objects.visible_to(user, Cap.EXPORT_REGISTRY)
        if area is not None:
            households = households.in_areas([area.path])
        if narrow is not None:
            households = narrow(households)
        if q:
            households = households.filter(Q(number__icontains=q) | Q(head__name__icontains=q))
        return households.select_related("area", "head", "dwelling__building__compound").annotate(
            member_count=Count("memberships", filter=Q(memberships__end_date__isnull=True))
        )
    if kind == "dwellings":
        dwellings = Dwelling.objects.visible_to(user, Cap.EXPORT_REGISTRY)
        if area is not None:
            dwellings = dwellings.in_areas([area.path])
        if narrow is not None:
            dwellings = narrow(dwellings)
        if q:
            dwellings = dwellings.filter(
                Q(building__compound__name__icontains=q)
                | Q(building__name__icontains=q)
                | Q(unit__icontains=q)
                | Q(room__icontains=q)
            )
        return dwellings.select_related("area", "building__compound").annotate(
            resident_count=Count("residences", filter=Q(residences__end_date__isnull=True))
        )
    raise ValidationError(_("不支持导出该类数据。"))


def _filter_persons(persons: QuerySet[Person], q: str) -> QuerySet[Person]:
    """A full ID number or phone finds the person by blind index; anything else searches names."""
    q = q.strip()
    if not q:
        return persons
    try:
        id18 = idnumber.normalize(q)
    except idnumber.IdNumberError:
        id18 = ""
    if id18:
        return persons.filter(id_number_index=blind_index("core.person", "id_number", id18))
    digits = q.replace(" ", "").replace("-", "")
    if digits.isdigit() and len(digits) == 11:
        return persons.filter(phone_index=blind_index("core.person", "phone", digits))
    return persons.filter(name__icontains=q)


# --- rows ----------------------------------------------------------------------------------------------


def _person_rows(persons: QuerySet[Person], reveal: _Reveal) -> Iterator[list[Cell]]:
    current = HouseholdMembership.objects.filter(end_date__isnull=True).select_related("household")
    persons = persons.prefetch_related(
        "tags", Prefetch("memberships", queryset=current, to_attr="current_memberships")
    )
    for person in persons.iterator(chunk_size=_CHUNK):
        full = reveal(person.area)
        dwelling = person.dwelling
        building = dwelling.building if dwelling is not None else None
        memberships: list[HouseholdMembership] = getattr(person, "current_memberships", [])
        membership = memberships[0] if memberships else None
        tags = [tag.name for tag in person.tags.all() if full or not tag.sensitive]
        yield [
            person.name if full else mask_name(person.name),
            person.id_number_masked,
            person.get_sex_display(),
            person.birth_date.isoformat() if full else str(person.birth_date.year),
            person.phone_masked,
            person.get_residence_status_display(),
            building.compound.name if building is not None else "",
            building.name if building is not None else "",
            (dwelling.unit if full else HIDDEN) if dwelling is not None else "",
            (dwelling.room if full else HIDDEN) if dwelling is not None else "",
            membership.household.number if membership is not None else "",
            membership.get_relation_display() if membership is not None else "",
            "、".join(tags),
            person.ethnicity,
            person.hukou_place if full else mask_address(person.hukou_place),
            person.area.name,
        ]


def _household_rows(households: QuerySet[Household], reveal: _Reveal) -> Iterator[list[Cell]]:
    for household in households.iterator(chunk_size=_CHUNK):
        full = reveal(household.area)
        dwelling = household.dwelling
        building = dwelling.building if dwelling is not None else None
        head = household.head
        yield [
            household.number,
            building.compound.name if building is not None else "",
            building.name if building is not None else "",
            (dwelling.unit if full else HIDDEN) if dwelling is not None else "",
            (dwelling.room if full else HIDDEN) if dwelling is not None else "",
            (head.name if full else mask_name(head.name)) if head is not None else "",
            getattr(household, "member_count", 0),
            household.area.name,
        ]


def _dwelling_rows(dwellings: QuerySet[Dwelling]) -> Iterator[list[Cell]]:
    for dwelling in dwellings.iterator(chunk_size=_CHUNK):
        yield [
            dwelling.building.compound.name,
            dwelling.building.name,
            dwelling.unit,
            dwelling.room,
            dwelling.floor,
            float(dwelling.floor_area) if dwelling.floor_area is not None else None,
            dwelling.get_use_display(),
            dwelling.get_occupancy_display(),
            getattr(dwelling, "resident_count", 0),
            dwelling.area.name,
        ]


def export_headers(kind: str) -> list[str]:
    """Column headers; the person columns match the import template so an export reads like one."""
    if kind == "persons":
        return [
            "姓名",
            "身份证号",
            "性别",
            "出生日期",
            "联系电话",
            "人口类型",
            "小区",
            "楼栋",
            "单元",
            "房号",
            "户编号",
            "与户主关系",
            "标签",
            "民族",
            "户籍地",
            _("所属区域"),
        ]
    if kind == "households":
        return ["户编号", "小区", "楼栋", "单元", "房号", _("户主"), _("现有成员数"), _("所属区域")]
    return [
        "小区",
        "楼栋",
        "单元",
        "房号",
        _("楼层"),
        _("建筑面积（㎡）"),
        _("用途"),
        _("使用状况"),
        _("在住人数"),
        _("所属区域"),
    ]


def _filters(q: str, area: Area | None) -> dict[str, str]:
    given = {"q": q, "area": str(area.pk) if area is not None else ""}
    return {name: value for name, value in given.items() if value}


# --- the action ----------------------------------------------------------------------------------------


class _Counter:
    """Counts rows as the writer pulls them, so the audit entry can say how many left without a COUNT query."""

    def __init__(self, rows: Iterator[Sequence[Cell]]) -> None:
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[Sequence[Cell]]:
        for row in self.rows:
            self.count += 1
            yield row


def do_export(
    user: AbstractBaseUser | AnonymousUser,
    kind: str,
    fmt: str,
    *,
    q: str = "",
    area: Area | None = None,
    narrow: Narrow | None = None,
    filters: Mapping[str, str] | None = None,
) -> ExportFile:
    """Export `kind` (persons/households/dwellings) as `fmt` (xlsx/csv) and audit it.

    `area`, when given, must already have been loaded with `access_area(user, pk, Cap.EXPORT_REGISTRY)`;
    `narrow` and `filters` are a list page's filter and its submitted values (recorded in the audit entry).
    Raises PermissionDenied when the user may export nothing at all, ValidationError for a bad kind/format.
    """
    if kind not in KINDS or fmt not in FORMATS:
        raise ValidationError(_("不支持导出该类数据。"))
    if not jurisdiction_paths(user, Cap.EXPORT_REGISTRY):
        raise PermissionDenied(_("您没有导出数据的权限。"))
    reveal = _Reveal(user)
    queryset = export_queryset(user, kind, q=q, area=area, narrow=narrow)
    if kind == "persons":
        source: Iterator[list[Cell]] = _person_rows(queryset, reveal)  # type: ignore[arg-type]
    elif kind == "households":
        source = _household_rows(queryset, reveal)  # type: ignore[arg-type]
    else:
        source = _dwelling_rows(queryset)  # type: ignore[arg-type]
    rows = _Counter(source)
    headers = export_headers(kind)
    if fmt == "xlsx":
        data = tabular.write_xlsx(headers, rows, sheet_name=_kind_label(kind))
        content_type = tabular.XLSX_CONTENT_TYPE
    else:
        data = tabular.write_csv(headers, rows)
        content_type = tabular.CSV_CONTENT_TYPE
    stamp = timezone.localdate().strftime("%Y%m%d")
    scope = f"-{area.name}" if area is not None else ""
    filename = f"{_kind_label(kind)}{scope}-{stamp}.{fmt}"
    audit.record(
        user,
        AuditAction.EXPORT,
        target_type=kind,
        target_repr=filename,
        area=area,
        changes={
            "kind": kind,
            "format": fmt,
            "rows": rows.count,
            "filters": dict(filters or _filters(q, area)),
        },
    )
    return ExportFile(filename=filename, content_type=content_type, data=data, rows=rows.count)
