"""Resolving a people import against the database and writing its valid rows in bulk (part of the registry
import, `yangguang.core.actions.imports`).

Everything here works on plain tuples and ids rather than model instances: at 100k rows, instantiating
models and letting bulk_create compile every value costs several times more than the database work itself.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext as _

from yangguang.core import tabular
from yangguang.core.actions.imports_rows import PERSON_LABEL, _Existing, _Household, _Row
from yangguang.core.models import (
    Area,
    Building,
    Compound,
    Dwelling,
    Household,
    HouseholdMembership,
    Person,
    Relation,
    Residence,
    ResidenceStatus,
    Tag,
)
from yangguang.core.sealing import blind_index, keyring, seal
from yangguang.lib.masking import mask

_T = TypeVar("_T")

# Rows per INSERT/UPDATE statement and ids per `IN (...)`: well under SQLite's 999-parameter default for
# the narrow tables, and Django lowers it further by itself for wide ones (Person).
BATCH: Final = 500

# --- resolving against the database --------------------------------------------------------------------


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
