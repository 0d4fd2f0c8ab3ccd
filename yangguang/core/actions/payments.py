"""The payments ledger (救助金发放台账): monthly payments imported from the payment file or entered by hand,
reconciled against enrolment.

Import reads .xlsx/.csv with the registry import's reader and writes rejected rows to the same kind of
error workbook (`imports.build_error_workbook`, sealed at rest); a row is one payment (姓名, 身份证号, 项目,
发放月份, 金额). The payee's ID number is sealed on the payment; identity across imports is its blind index,
so importing the same file twice changes nothing.

`reconcile(area, month)` matches each payment of the month to an enrolment through the payee's ID number
(the registry's blind index) and the program, and records what is wrong with it (`Payment.mismatch`):

    deceased        the payee died (registry) before the month paid for
    not_enrolled    the payee's household is not enrolled in the program
    before_start    paid for a month before the enrolment started
    after_exit      paid for a month after the household exited
    suspended       paid for a month the enrolment was suspended throughout (暂停期间仍发放)
    amount_differs  the amount differs from the approved monthly amount

Suspension has no dates of its own: `do_suspend_enrollment` and `do_resume_enrollment` change the status
and write a dated line in the enrolment's history. `suspensions` reads the periods back from those lines. A
month counts as suspended only when the suspension began before its first day and was not lifted before its
last: the payment of the month a household is suspended or resumed in may well be due, and a flag that a
re-check would only clear is noise.

Each mismatch becomes a finding for the committee: a re-check (`rechecks.open_recheck`) whose origin item
names the payment, opened once per payment however often reconciliation runs. Enrolled households without
any payment in the month are listed as `missing_payment` in the report (not stored: nothing was paid).
"""

from __future__ import annotations

import datetime
import os
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yangguang.core import tabular
from yangguang.core.actions import audit, imports, rechecks
from yangguang.core.actions.eligibility import parse_amount
from yangguang.core.models import (
    Area,
    AuditAction,
    Enrollment,
    HouseholdMembership,
    ImportRun,
    Payment,
    Person,
    Program,
    Recheck,
)
from yangguang.core.permissions import Cap, has_capability
from yangguang.core.sealing import blind_index
from yangguang.core.tabular import Cell, Table, TabularError
from yangguang.lib import idnumber
from yangguang.lib.masking import mask_name

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django_stubs_ext import StrOrPromise

    Actor = AbstractBaseUser | AnonymousUser | None

IMPORT_KIND: Final = "payments"
ORIGIN_KEY: Final = "payment_mismatch"

NOT_ENROLLED: Final = "not_enrolled"
AFTER_EXIT: Final = "after_exit"
DECEASED: Final = "deceased"
AMOUNT_DIFFERS: Final = "amount_differs"
BEFORE_START: Final = "before_start"
SUSPENDED: Final = "suspended"
MISSING_PAYMENT: Final = "missing_payment"

MISMATCH_LABELS: dict[str, StrOrPromise] = {
    NOT_ENROLLED: gettext_lazy("未在保仍发放"),
    AFTER_EXIT: gettext_lazy("退出后仍发放"),
    DECEASED: gettext_lazy("死亡后仍发放"),
    AMOUNT_DIFFERS: gettext_lazy("发放金额与核定金额不符"),
    BEFORE_START: gettext_lazy("起始月份前发放"),
    SUSPENDED: gettext_lazy("暂停期间仍发放"),
    MISSING_PAYMENT: gettext_lazy("在保未发放"),
}
MISMATCHES: Final = (DECEASED, NOT_ENROLLED, BEFORE_START, AFTER_EXIT, SUSPENDED, AMOUNT_DIFFERS)


def _require_manage(actor: Actor, area: Area) -> None:
    if actor is None or not has_capability(actor, Cap.MANAGE_WELFARE, area):
        raise PermissionDenied(_("您没有管理该区域救助金发放的权限。"))


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _person_index(id18: str) -> str:
    """The registry's blind index of an ID number (a payment's own index is keyed to the payment field)."""
    return blind_index("core.person", "id_number", id18)


def _payment_index(id18: str) -> str:
    return blind_index("core.payment", "payee_id_number", id18)


# --- reading values --------------------------------------------------------------------------------------------

_MONTH: Final = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_MONTH_COMPACT: Final = re.compile(r"^(\d{4})(\d{2})$")


def parse_month(value: Cell) -> datetime.date:
    """The first day of the month a cell names: 2024-05, 2024/5, 2024年5月, 202405, or any date of the
    month (Excel date, 2024-05-20). Raises ValueError otherwise."""
    if isinstance(value, datetime.datetime):
        return first_of_month(value.date())
    if isinstance(value, datetime.date):
        return first_of_month(value)
    text = unicodedata.normalize("NFKC", tabular.cell_text(value)).strip()
    match = _MONTH.match(text) or _MONTH_COMPACT.match(text)
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        return datetime.date(year, month, 1)
    return first_of_month(tabular.parse_date(value))


def check_month(month: datetime.date, today: datetime.date) -> datetime.date:
    month = first_of_month(month)
    if month.year < 2000 or month > today + datetime.timedelta(days=366):
        raise ValidationError({"month": _("发放月份%(month)s不在合理范围内。") % {"month": f"{month:%Y-%m}"}})
    return month


def programs_for(area: Area) -> list[Program]:
    """Active programs that apply to `area` (configured at it or above it)."""
    return list(Program.objects.filter(area_id__in=area.ancestor_ids(), active=True).order_by("kind", "code"))


def _program_lookup(programs: Iterable[Program]) -> dict[str, Program]:
    lookup: dict[str, Program] = {}
    for program in programs:
        lookup.setdefault(tabular.match_key(program.name), program)
        lookup.setdefault(tabular.match_key(program.code), program)
        lookup.setdefault(tabular.match_key(program.get_kind_display()), program)
    return lookup


# --- the import ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    aliases: tuple[str, ...]
    help: StrOrPromise


def payment_columns() -> tuple[Column, ...]:
    return (
        Column(
            "姓名",
            ("领取人", "领取人姓名", "户主姓名", "户主", "救助对象"),
            gettext_lazy("必填：领取人姓名。"),
        ),
        Column(
            "身份证号",
            ("身份证号码", "公民身份号码", "身份证", "证件号码", "领取人身份证号"),
            gettext_lazy("必填，18位（15位旧号码会自动升位）。"),
        ),
        Column(
            "项目",
            ("救助项目", "项目名称", "项目代码", "救助类别"),
            gettext_lazy("必填：救助项目的名称或代码，如“最低生活保障”。"),
        ),
        Column(
            "发放月份",
            ("月份", "发放年月", "所属月份", "年月"),
            gettext_lazy("必填：如 2024-05、2024年5月 或 202405。"),
        ),
        Column("金额", ("发放金额", "救助金额", "实发金额"), gettext_lazy("必填：元，如 680 或 680.50。")),
    )


REQUIRED: Final = ("姓名", "身份证号", "项目", "发放月份", "金额")


@dataclass
class _Parsed:
    row: Any  # imports._Row: index, line and errors, as the error workbook reads them
    name: str = ""
    id18: str = ""
    program: Program | None = None
    month: datetime.date | None = None
    amount: Decimal | None = None


def _load(source: bytes | IO[bytes] | str | os.PathLike[str] | Table, filename: str) -> Table:
    aliases = {column.name: column.aliases for column in payment_columns()}
    try:
        if isinstance(source, Table):
            return source
        data = imports._read_bytes(source)
        return tabular.read_table(
            data, filename, aliases=aliases, required=REQUIRED, max_bytes=imports._max_bytes()
        )
    except TabularError as exc:
        raise ValidationError(str(exc), code="bad_file") from exc


def _cell(table: Table, row: Sequence[Cell], name: str) -> Cell:
    pos = table.column(name)
    return None if pos is None else row[pos]


def _parse_rows(table: Table, lookup: dict[str, Program], today: datetime.date) -> list[_Parsed]:
    parsed: list[_Parsed] = []
    first_seen: dict[tuple[str, int, datetime.date], int] = {}
    for index, (values, line) in enumerate(zip(table.rows, table.line_numbers, strict=True)):
        item = _Parsed(row=imports._Row(index=index, line=line))
        errors: list[str] = item.row.errors
        item.name = tabular.cell_text(_cell(table, values, "姓名"))[:50]
        if not item.name:
            errors.append(_("姓名不能为空。"))
        raw_id = _cell(table, values, "身份证号")
        try:
            item.id18 = idnumber.normalize(imports._id_text(raw_id), today=today)
        except ValueError as exc:
            errors.append(str(exc) if isinstance(exc, idnumber.IdNumberError) else _("身份证号不正确。"))
        program_text = tabular.cell_text(_cell(table, values, "项目"))
        item.program = lookup.get(tabular.match_key(program_text))
        if item.program is None:
            errors.append(_("没有名为“%(name)s”的救助项目。") % {"name": program_text})
        try:
            item.month = check_month(parse_month(_cell(table, values, "发放月份")), today)
        except ValueError:
            errors.append(_("发放月份格式不正确，请填写如 2024-05。"))
        except ValidationError as exc:
            errors.extend(exc.messages)
        try:
            amount = parse_amount(_cell(table, values, "金额"), _("金额"))
        except ValidationError as exc:
            errors.extend(exc.messages)
        else:
            if amount <= 0:
                errors.append(_("金额必须大于0。"))
            else:
                item.amount = amount
        if not errors and item.program is not None and item.month is not None:
            key = (item.id18, item.program.pk, item.month)
            if key in first_seen:
                errors.append(
                    _("与第%(line)d行重复（同一人、同一项目、同一月份）。") % {"line": first_seen[key]}
                )
            else:
                first_seen[key] = line
        parsed.append(item)
    return parsed


def _place(area: Area, id_indexes: Iterable[str], programs: Iterable[int]) -> dict[tuple[str, int], int]:
    """Where each (person index, program) payment belongs: the area of the payee's enrolment, else of the
    payee in the registry, when either lies in `area`."""
    persons = {
        p.id_number_index: p
        for p in Person.objects.filter(id_number_index__in=list(id_indexes)).select_related("area")
    }
    placed: dict[tuple[str, int], int] = {}
    for index, person in persons.items():
        if area.contains(person.area):
            for program_id in programs:
                placed[(index, program_id)] = person.area_id
    for enrollment in Enrollment.objects.filter(
        head__in=list(persons.values()), program_id__in=list(programs), area__path__startswith=area.path
    ).select_related("head"):
        placed[(enrollment.head.id_number_index, enrollment.program_id)] = enrollment.area_id
    return placed


def check_import_payments(
    actor: Actor,
    area: Area,
    source: bytes | IO[bytes] | str | os.PathLike[str] | Table,
    filename: str = "",
) -> ImportRun:
    """Import a payment file into `area` (see the module docstring). Raises PermissionDenied without
    MANAGE_WELFARE at `area`, ValidationError (nothing saved) when the file cannot be read at all; bad rows
    are rejected one by one into the run's error workbook."""
    _require_manage(actor, area)
    filename = Path(filename or getattr(source, "name", "") or "payments").name[:200]
    table = _load(source, filename)
    today = timezone.localdate()
    parsed = _parse_rows(table, _program_lookup(programs_for(area)), today)
    valid = [p for p in parsed if not p.row.errors]
    rejected = [p.row for p in parsed if p.row.errors]
    created = updated = unchanged = 0
    with transaction.atomic():
        indexes = {p.id18: _payment_index(p.id18) for p in valid}
        existing = {
            (pay.payee_id_number_index, pay.program_id, pay.month): pay
            for pay in Payment.objects.filter(
                area__path__startswith=area.path,
                payee_id_number_index__in=list(indexes.values()),
                month__in={p.month for p in valid},
            )
        }
        placed = _place(
            area, [_person_index(p.id18) for p in valid], {p.program.pk for p in valid if p.program}
        )
        run = ImportRun(
            area=area,
            started_by_id=actor.pk if actor is not None and actor.is_authenticated else None,
            kind=IMPORT_KIND,
            source="web",
            filename=filename,
            file_sha256="",
        )
        run.save()
        new: list[Payment] = []
        for item in valid:
            assert item.program is not None and item.month is not None and item.amount is not None  # noqa: S101
            found = existing.get((indexes[item.id18], item.program.pk, item.month))
            if found is not None:
                if found.amount == item.amount and found.payee_name == item.name:
                    unchanged += 1
                    continue
                found.amount, found.payee_name, found.import_run = item.amount, item.name, run
                found.save(update_fields=["amount", "payee_name", "import_run"])
                updated += 1
                continue
            payment = Payment(
                area_id=placed.get((_person_index(item.id18), item.program.pk), area.pk),
                program=item.program,
                month=item.month,
                amount=item.amount,
                payee_name=item.name,
                import_run=run,
            )
            payment.set_sealed("payee_id_number", item.id18)
            new.append(payment)
        Payment.objects.bulk_create(new)
        created = len(new)
        run.finished_at = timezone.now()
        run.rows_read = len(parsed)
        run.rows_created, run.rows_updated, run.rows_unchanged = created, updated, unchanged
        run.rows_rejected = len(rejected)
        months = sorted({p.month for p in valid if p.month is not None})
        run.message = _("涉及月份：%(months)s。请到“发放比对”对这些月份重新比对。") % {
            "months": "、".join(f"{m:%Y-%m}" for m in months) or "—"
        }
        if rejected:
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
            run.error_report = ContentFile(
                imports._seal_report(imports.build_error_workbook(table, rejected)),
                name=f"payments-errors-{stamp}.xlsx",
            )
        run.save()
        audit.record(
            actor,
            AuditAction.IMPORT,
            target=run,
            area=area,
            changes={
                "kind": IMPORT_KIND,
                "rows_read": run.rows_read,
                "created": created,
                "updated": updated,
                "unchanged": unchanged,
                "rejected": run.rows_rejected,
            },
        )
    return run


def payments_template(fmt: str) -> bytes:
    """The blank payment file, as .xlsx (text ID column, a sheet of notes) or .csv."""
    columns = payment_columns()
    headers = [column.name for column in columns]
    if fmt == "csv":
        return tabular.write_csv(headers, [])
    return tabular.write_xlsx(
        headers,
        [],
        sheet_name=_("救助金发放"),
        text_columns=[1, 3],
        notes=[(column.name + " *", str(column.help)) for column in columns],
    )


# --- manual entry ----------------------------------------------------------------------------------------------


@transaction.atomic
def check_add_payment(
    actor: Actor,
    area: Area,
    *,
    program: Program,
    month: datetime.date,
    amount: Decimal,
    payee_name: str,
    payee_id_number: str,
) -> Payment:
    """Enter one payment by hand, with the import's rules (one per payee, program and month)."""
    _require_manage(actor, area)
    today = timezone.localdate()
    payee_name = payee_name.strip()
    if not payee_name:
        raise ValidationError({"payee_name": _("请填写领取人姓名。")})
    try:
        id18 = idnumber.normalize(payee_id_number, today=today)
    except idnumber.IdNumberError as exc:
        raise ValidationError({"payee_id_number": str(exc)}) from exc
    if program.pk not in {p.pk for p in programs_for(area)}:
        raise ValidationError({"program": _("该救助项目不适用于本区域。")})
    month = check_month(month, today)
    if amount <= 0:
        raise ValidationError({"amount": _("金额必须大于0。")})
    index = _payment_index(id18)
    if Payment.objects.filter(program=program, month=month, payee_id_number_index=index).exists():
        raise ValidationError(_("该领取人本月已有这个项目的发放记录。"))
    placed = _place(area, [_person_index(id18)], [program.pk])
    payment = Payment(
        area_id=placed.get((_person_index(id18), program.pk), area.pk),
        program=program,
        month=month,
        amount=parse_amount(amount, _("金额")),
        payee_name=payee_name[:50],
    )
    payment.set_sealed("payee_id_number", id18)
    payment.save()
    audit.record(actor, AuditAction.CREATE, target=payment, changes=audit.public(audit.snapshot(payment)))
    return payment


# --- reconciliation --------------------------------------------------------------------------------------------


@dataclass
class ReconcileReport:
    """What `reconcile` found for one area and month."""

    area: Area
    month: datetime.date
    checked: int = 0
    changed: int = 0
    rechecks_opened: int = 0
    mismatches: dict[str, list[Payment]] = field(default_factory=dict)
    missing: list[Enrollment] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counts = {code: len(self.mismatches.get(code, [])) for code in MISMATCHES}
        counts[MISSING_PAYMENT] = len(self.missing)
        return counts

    @property
    def in_order(self) -> int:
        return self.checked - sum(len(found) for found in self.mismatches.values())


def _month_of(day: datetime.date | None) -> datetime.date | None:
    return first_of_month(day) if day is not None else None


def _covers(enrollment: Enrollment, month: datetime.date) -> bool:
    if first_of_month(enrollment.starts_on) > month:
        return False
    exit_month = _month_of(enrollment.exited_on)
    if enrollment.status == Enrollment.Status.EXITED and exit_month is not None:
        return month <= exit_month
    return True


def _last_day(month: datetime.date) -> datetime.date:
    return (month + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)


def _line_day(line: Any) -> datetime.date | None:
    """The local date of a history line's "at" (None when it has none or it cannot be read)."""
    if not isinstance(line, dict):
        return None
    try:
        moment = datetime.datetime.fromisoformat(str(line.get("at") or ""))
    except ValueError:
        return None
    return timezone.localdate(moment) if timezone.is_aware(moment) else moment.date()


def suspensions(enrollment: Enrollment) -> list[tuple[datetime.date, datetime.date | None]]:
    """The enrolment's suspensions as (first day, day it was lifted or None while it lasts), read from the
    dated "suspend" and "resume" lines of its history (no query).

    A suspended enrolment whose history has no dated "suspend" line (its status written outside the
    actions) is taken as suspended since its last dated change, else since it was created: the earliest
    day the suspension can have begun. The flag names that day, and a re-check clears a month that was in
    fact paid before the suspension."""
    periods: list[tuple[datetime.date, datetime.date | None]] = []
    since: datetime.date | None = None
    last: datetime.date | None = None
    for line in enrollment.history or []:
        day = _line_day(line)
        if day is None:
            continue
        last = day
        action = line.get("action")
        if action == "suspend" and since is None:
            since = day
        elif action in ("resume", "exit") and since is not None:
            periods.append((since, day))
            since = None
    if since is None and enrollment.status == Enrollment.Status.SUSPENDED:
        created = timezone.localdate(enrollment.created_at) if enrollment.created_at else None
        since = last or created
    if since is not None:
        periods.append((since, None))
    return periods


def _suspended_since(enrollment: Enrollment, month: datetime.date) -> datetime.date | None:
    """When the suspension that covers the whole of `month` began (None when no suspension does)."""
    last_day = _last_day(month)
    for start, lifted in suspensions(enrollment):
        if start < month and (lifted is None or lifted > last_day):
            return start
    return None


def _pick(candidates: list[Enrollment], month: datetime.date) -> Enrollment | None:
    """The enrolment a payment for `month` belongs to: one covering the month, else the last one that
    started before it (paid after its exit), else the first one after it (paid before its start)."""
    if not candidates:
        return None
    for enrollment in candidates:
        if _covers(enrollment, month):
            return enrollment
    before = [e for e in candidates if first_of_month(e.starts_on) <= month]
    if before:
        return max(before, key=lambda e: e.starts_on)
    return min(candidates, key=lambda e: e.starts_on)


def _judge(
    payment: Payment, enrollment: Enrollment | None, person: Person | None, month: datetime.date
) -> tuple[str, str]:
    """(mismatch code, Chinese explanation) of one payment; ("", "") when it is in order."""
    values = {
        "name": mask_name(payment.payee_name),
        "month": f"{month:%Y年%m月}",
        "amount": f"{payment.amount:.2f}",
        "program": payment.program.name,
    }
    if person is not None and person.died_on is not None and person.died_on < month:
        return DECEASED, _(
            "领取人%(name)s户籍登记于%(died)s死亡，%(month)s仍发放%(program)s%(amount)s元。"
        ) % {**values, "died": person.died_on.isoformat()}
    if enrollment is None:
        return NOT_ENROLLED, _(
            "%(month)s向%(name)s发放%(program)s%(amount)s元，但其家庭不在该项目的救助对象名单中。"
        ) % values
    if month < first_of_month(enrollment.starts_on):
        return BEFORE_START, _("%(name)s户自%(start)s起享受%(program)s，%(month)s却已发放%(amount)s元。") % {
            **values,
            "start": f"{enrollment.starts_on:%Y年%m月}",
        }
    exit_month = _month_of(enrollment.exited_on)
    if enrollment.status == Enrollment.Status.EXITED and (exit_month is None or month > exit_month):
        exited = enrollment.exited_on.isoformat() if enrollment.exited_on else _("（日期未记录）")
        return AFTER_EXIT, _("%(name)s户已于%(exited)s退出%(program)s，%(month)s仍发放%(amount)s元。") % {
            **values,
            "exited": exited,
        }
    suspended_since = _suspended_since(enrollment, month)
    if suspended_since is not None:
        return SUSPENDED, _("%(name)s户自%(since)s起暂停发放%(program)s，%(month)s仍发放%(amount)s元。") % {
            **values,
            "since": suspended_since.isoformat(),
        }
    if payment.amount != enrollment.monthly_amount:
        difference = payment.amount - enrollment.monthly_amount
        return AMOUNT_DIFFERS, _(
            "%(month)s向%(name)s户发放%(amount)s元，核定月救助金为%(approved)s元，相差%(diff)s元。"
        ) % {**values, "approved": f"{enrollment.monthly_amount:.2f}", "diff": f"{difference:+.2f}"}
    return "", ""


def _payments_with_rechecks(area: Area, enrollment_ids: Iterable[int]) -> set[int]:
    """Payments that already have their re-check (read from the origin items; a community has few)."""
    seen: set[int] = set()
    rows = Recheck.objects.filter(
        Q(area__path__startswith=area.path) | Q(enrollment_id__in=list(enrollment_ids))
    )
    for checklist in rows.values_list("checklist", flat=True):
        for item in checklist or []:
            if isinstance(item, dict) and item.get("key") == ORIGIN_KEY:
                seen.add(int(item.get("payment") or 0))
    return seen


def reconcile(area: Area, month: datetime.date, *, actor: Actor = None) -> ReconcileReport:
    """Reconcile the payments of `month` in `area` against enrolment (see the module docstring).
    Idempotent: a second run changes nothing and opens no second re-check for the same payment."""
    month = first_of_month(month)
    report = ReconcileReport(area=area, month=month)
    with transaction.atomic():
        payments = list(
            Payment.objects.filter(area__path__startswith=area.path, month=month)
            .select_related("program", "area")
            .order_by("pk")
        )
        report.checked = len(payments)
        person_index = {pay.pk: _person_index(pay.unseal("payee_id_number")) for pay in payments}
        persons = {
            p.id_number_index: p
            for p in Person.objects.filter(id_number_index__in=set(person_index.values()))
        }
        households = dict(
            HouseholdMembership.objects.filter(
                person__in=list(persons.values()), end_date__isnull=True
            ).values_list("person_id", "household_id")
        )
        candidates = list(
            Enrollment.objects.filter(program_id__in={pay.program_id for pay in payments})
            .filter(Q(head__in=list(persons.values())) | Q(household_id__in=set(households.values())))
            .select_related("head", "area", "application", "program")
        )
        by_person = _options_by_person(candidates, {p.pk for p in persons.values()}, households)
        changed: list[Payment] = []
        found: list[tuple[Payment, Enrollment | None, Person | None]] = []
        for payment in payments:
            person = persons.get(person_index[payment.pk])
            options = by_person.get((person.pk, payment.program_id), []) if person is not None else []
            enrollment = _pick(options, month)
            code, detail = _judge(payment, enrollment, person, month)
            new = (enrollment.pk if enrollment else None, code, detail[:300])
            if (payment.enrollment_id, payment.mismatch, payment.mismatch_detail) != new:
                payment.enrollment_id, payment.mismatch, payment.mismatch_detail = new
                changed.append(payment)
            if code:
                report.mismatches.setdefault(code, []).append(payment)
                found.append((payment, enrollment, person))
        Payment.objects.bulk_update(changed, ["enrollment", "mismatch", "mismatch_detail"])
        report.changed = len(changed)
        report.rechecks_opened = _open_rechecks(actor, area, found)
        report.missing = _missing(area, month, {pay.enrollment_id for pay in payments if pay.enrollment_id})
        if report.changed or report.rechecks_opened:
            audit.record(
                actor,
                AuditAction.UPDATE,
                target_type="payment",
                target_id=f"{month:%Y-%m}",
                target_repr=_("%(area)s %(month)s发放比对") % {"area": area.name, "month": f"{month:%Y-%m}"},
                area=area,
                changes={"reconcile": report.counts, "rechecks": report.rechecks_opened},
            )
    return report


def _options_by_person(
    candidates: list[Enrollment], person_ids: set[int], households: dict[int, int]
) -> dict[tuple[int, int], list[Enrollment]]:
    """Each (person, program)'s enrolments: those the person heads and those of the person's current
    household, in the order of `candidates`, each once. One pass over the candidates through a dict of
    household → members, instead of every candidate for every person."""
    members: dict[int, list[int]] = defaultdict(list)
    for person_id, household_id in households.items():
        members[household_id].append(person_id)
    by_person: dict[tuple[int, int], list[Enrollment]] = defaultdict(list)
    for candidate in candidates:
        matched = (
            set(members.get(candidate.household_id, ())) if candidate.household_id is not None else set()
        )
        if candidate.head_id in person_ids:
            matched.add(candidate.head_id)
        for person_id in matched:
            by_person[(person_id, candidate.program_id)].append(candidate)
    return by_person


def _open_rechecks(
    actor: Actor, area: Area, found: list[tuple[Payment, Enrollment | None, Person | None]]
) -> int:
    if not found:
        return 0
    done = _payments_with_rechecks(area, [e.pk for _p, e, _person in found if e is not None])
    opened = 0
    for payment, enrollment, person in found:
        if payment.pk in done:
            continue
        label = MISMATCH_LABELS[payment.mismatch]
        rechecks.open_recheck(
            actor,
            enrollment.area if enrollment is not None else payment.area,
            f"{label}：{payment.mismatch_detail}",
            enrollment=enrollment,
            payee=person,
            origin={
                "key": ORIGIN_KEY,
                "payment": payment.pk,
                "mismatch": payment.mismatch,
                "result": "problem",
                "note": payment.mismatch_detail,
            },
        )
        opened += 1
    return opened


def _missing(area: Area, month: datetime.date, paid: set[int]) -> list[Enrollment]:
    """Enrolments in force in `month` (monthly programs) with no payment matched to them."""
    last_day = (month + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    in_force = (
        Enrollment.objects.filter(area__path__startswith=area.path, starts_on__lte=last_day)
        .exclude(program__unit=Program.Unit.ONE_OFF)
        .exclude(status=Enrollment.Status.SUSPENDED)
        .filter(Q(exited_on__isnull=True, status=Enrollment.Status.ACTIVE) | Q(exited_on__gte=month))
        .exclude(pk__in=paid)
        .select_related("head", "program", "area")
        .order_by("area__path", "pk")
    )
    return list(in_force)


def stored_report(area: Area, month: datetime.date) -> ReconcileReport:
    """The report of the last reconciliation of `month` in `area`, read from the payments (changes
    nothing; for the committee and anyone else who may read the ledger)."""
    month = first_of_month(month)
    report = ReconcileReport(area=area, month=month)
    paid = list(
        Payment.objects.filter(area__path__startswith=area.path, month=month)
        .select_related("program", "area")
        .order_by("pk")
    )
    report.checked = len(paid)
    for payment in paid:
        if payment.mismatch:
            report.mismatches.setdefault(payment.mismatch, []).append(payment)
    report.missing = _missing(area, month, {pay.enrollment_id for pay in paid if pay.enrollment_id})
    return report


def check_reconcile(actor: Actor, area: Area, month: datetime.date) -> ReconcileReport:
    """Staff run the reconciliation from the back office."""
    _require_manage(actor, area)
    return reconcile(area, month, actor=actor)


def months_with_payments(area: Area) -> list[datetime.date]:
    return list(
        Payment.objects.filter(area__path__startswith=area.path)
        .order_by("-month")
        .values_list("month", flat=True)
        .distinct()[:36]
    )
