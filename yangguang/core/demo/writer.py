"""The demo's bulk writer: rows with primary keys assigned here, handed to the driver's `executemany`."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max

from yangguang.core.models import (
    Building,
    Case,
    CaseEvent,
    CaseReporter,
    Dwelling,
    HandlingUnit,
    Household,
    HouseholdMembership,
    Merchant,
    Notification,
    Person,
    Residence,
    RoutingRule,
)

# Rows per `executemany` call (and per bulk_create batch of compounds).
BATCH_SIZE = 5_000


class Table:
    """Rows of one table with primary keys assigned here, written with `executemany`.

    Measured on the 2-core machine, `bulk_create` spent about two thirds of the seeding time preparing
    each value through the field API (and asking SQLite to return the new ids); the generator already
    produces database-ready values and needs the ids before writing (a household names its head, a
    membership its household), so it assigns them itself and hands plain tuples to the driver.

    Columns not given by the generator get their field default once (or "now" for auto_now fields), so a
    field added later with a default keeps working; a field with a per-row default (say a UUID) would get
    the same value in every row, and a unique constraint on it would fail loudly.

    Taking `max(pk) + 1` is safe because nothing else writes these tables during the seeding: SQLite's
    write lock (the transaction is IMMEDIATE) guarantees it; on PostgreSQL, seed a database nobody is using.
    """

    def __init__(self, model: type[models.Model], given: Sequence[str], now: datetime.datetime) -> None:
        meta = model._meta
        pk = meta.pk
        if pk is None:  # only abstract models lack one
            raise TypeError(f"{model} has no primary key")
        given_fields: list[models.Field[Any, Any]] = []
        for name in given:
            f = meta.get_field(name)
            if not isinstance(f, models.Field) or not f.concrete:
                raise TypeError(f"{model.__name__}.{name} is not a column")
            given_fields.append(f)
        constants: list[tuple[str, Any]] = []
        for f in meta.concrete_fields:
            if f is pk or f in given_fields:
                continue
            auto = getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
            constants.append((f.column, f.get_db_prep_save(now if auto else f.get_default(), connection)))
        columns = [pk.column] + [f.column for f in given_fields]
        columns += [column for column, _value in constants]
        qn = connection.ops.quote_name
        # Only quoted identifiers from the model's metadata are interpolated; values go as parameters.
        table, names, params = (
            qn(meta.db_table),
            ", ".join(qn(c) for c in columns),
            ", ".join(["%s"] * len(columns)),
        )
        self.sql = f"INSERT INTO {table} ({names}) VALUES ({params})"  # noqa: S608
        self.model = model
        self.constants = tuple(value for _column, value in constants)
        self.first_pk: int = (model._base_manager.aggregate(m=Max("pk"))["m"] or 0) + 1
        self.next_pk = self.first_pk
        self.rows: list[tuple[Any, ...]] = []

    def add(self, *values: Any) -> int:
        """Queue one row (values in the order of `given`); return its primary key."""
        pk = self.next_pk
        self.next_pk = pk + 1
        self.rows.append((pk, *values, *self.constants))
        return pk

    @property
    def count(self) -> int:
        """Rows added so far (written or queued)."""
        return self.next_pk - self.first_pk

    def flush(self) -> None:
        for start in range(0, len(self.rows), BATCH_SIZE):
            with connection.cursor() as cursor:
                cursor.executemany(self.sql, self.rows[start : start + BATCH_SIZE])
        self.rows.clear()


# The columns of a case row, in the order `cases.py` gives them; the others keep their defaults
# (no coordinates, e-mail, source record, idempotency key or intake IP for demo cases).
CASE_COLUMNS = (
    "number", "tracking_code", "area", "compound", "building", "location_text", "category", "kind", "urgency",
    "ownership", "channel", "title", "description", "reporter_name", "reporter_phone_enc",
    "reporter_phone_index", "reporter_phone_masked", "anonymous", "confidential", "status", "unit", "handler",
    "intake_by", "created_at", "dispatched_at", "sign_due_at", "signed_at", "due_at", "paused_at",
    "replied_at", "closed_at", "reminded_at", "escalated_at", "satisfaction", "redo_count", "return_count",
    "merged_into", "updated_at",
)  # fmt: skip


class Writer:
    """The bulk-loaded tables, flushed together in dependency order."""

    def __init__(self, now: datetime.datetime) -> None:
        self.buildings = Table(Building, ("compound", "area", "name", "floors"), now)
        self.dwellings = Table(
            Dwelling, ("building", "area", "unit", "room", "floor", "floor_area", "occupancy"), now
        )
        self.persons = Table(
            Person,
            ("area", "dwelling", "name", "id_number_enc", "id_number_index", "id_number_masked", "sex",
             "birth_date", "phone_enc", "phone_index", "phone_masked", "residence_status", "ethnicity",
             "hukou_place"),
            now,
        )  # fmt: skip
        self.households = Table(Household, ("area", "dwelling", "number", "head"), now)
        self.memberships = Table(HouseholdMembership, ("household", "person", "relation", "start_date"), now)
        self.residences = Table(Residence, ("person", "dwelling", "start_date"), now)
        self.tags = Table(Person.tags.through, ("person", "tag"), now)
        self.merchants = Table(
            Merchant,
            ("area", "compound", "building", "name", "credit_code", "category", "operator_name", "phone_enc",
             "phone_index", "phone_masked", "address"),
            now,
        )  # fmt: skip
        # Cases (see cases.py). The case table refers to itself (merged_into): both databases check
        # foreign keys at commit (Django declares them DEFERRABLE INITIALLY DEFERRED), so order is free.
        self.units = Table(HandlingUnit, ("area", "name", "kind"), now)
        self.unit_members = Table(HandlingUnit.members.through, ("handlingunit", "user"), now)
        self.rules = Table(RoutingRule, ("category", "area", "unit", "handler", "ownership"), now)
        self.cases = Table(Case, CASE_COLUMNS, now)
        self.events = Table(
            CaseEvent,
            (
                "case",
                "at",
                "actor",
                "actor_label",
                "kind",
                "from_status",
                "to_status",
                "note",
                "public",
                "data",
            ),
            now,
        )
        self.reporters = Table(
            CaseReporter, ("case", "original_case", "name", "phone_enc", "phone_index", "phone_masked"), now
        )
        self.notifications = Table(
            Notification,
            ("user", "channel", "subject", "body", "case", "created_at", "sent_at", "read_at"),
            now,
        )
        self.tables = (
            self.buildings, self.dwellings, self.persons, self.households, self.memberships, self.residences,
            self.tags, self.merchants, self.units, self.unit_members, self.rules, self.cases, self.events,
            self.reporters, self.notifications,
        )  # fmt: skip

    def flush(self) -> None:
        for table in self.tables:
            table.flush()

    def reset_sequences(self) -> None:
        """After explicit primary keys, PostgreSQL's sequences must be moved past them (SQLite needs nothing)."""
        statements = connection.ops.sequence_reset_sql(no_style(), [t.model for t in self.tables])
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
