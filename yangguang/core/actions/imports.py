"""Spreadsheet import of residents, households and dwellings (人口信息批量导入).

`check_import_people` is the one import (`manage.py import_people`, the API, and the background task of a
web import): it reads the file, validates every row, applies the valid rows in ONE transaction with bulk
operations, records an `ImportRun` with the totals (read = created + updated + unchanged + rejected,
always) and a single audit entry for the whole import, and keeps the rejected rows, each with its reason,
as an error workbook.

Why bulk and not `do_save_record` per row: a community's registry is 5–50 thousand rows, and per-row saves
with per-row audit entries take minutes and bury the audit trail under noise. The rules are the same as the
single-record actions (`registry.check_identity`, `do_move_person`, `do_set_membership`); only the writing is
batched. The trade-off is that the audit trail holds one "import" entry naming the run, not one per person.

Identity is the blind index of the normalised ID number, so re-importing the same file finds every person
and changes nothing. Rows are independent: a bad row never blocks the good ones, and the totals say so.

A web upload does not wait for the import (100,000 rows take about 20 s of CPU, past a proxy's timeout):
`check_queue_import_people` checks the file as a whole, keeps it sealed with a queued run, and the
`import_people` task (`yangguang/tasks.py`) runs `do_run_queued_import` after commit — inline with the
immediate backend, in `manage.py db_worker` with the database backend. `do_purge_import_files` deletes
error workbooks and uploads after IMPORT_FILES_DAYS, since they hold residents' personal data.

The rows are read in `imports_rows.py` and resolved and written in `imports_bulk.py`; their public names
are importable from here as well.
"""

from __future__ import annotations

import base64
import datetime
import functools
import hashlib
import json
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Final

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from yangguang.core import tabular
from yangguang.core.actions import audit
from yangguang.core.actions.imports_bulk import BATCH as BATCH
from yangguang.core.actions.imports_bulk import ImportTotals as ImportTotals
from yangguang.core.actions.imports_bulk import _Resolver, _Writer
from yangguang.core.actions.imports_rows import PERSON_LABEL as PERSON_LABEL
from yangguang.core.actions.imports_rows import RELATION_WORDS as RELATION_WORDS
from yangguang.core.actions.imports_rows import REQUIRED_COLUMNS as REQUIRED_COLUMNS
from yangguang.core.actions.imports_rows import SEX_WORDS as SEX_WORDS
from yangguang.core.actions.imports_rows import STATUS_WORDS as STATUS_WORDS
from yangguang.core.actions.imports_rows import Column as Column
from yangguang.core.actions.imports_rows import _id_text as _id_text
from yangguang.core.actions.imports_rows import _parse, _Row
from yangguang.core.actions.imports_rows import normalize_phone as normalize_phone
from yangguang.core.actions.imports_rows import people_aliases as people_aliases
from yangguang.core.actions.imports_rows import people_columns as people_columns
from yangguang.core.models import Area, AuditAction, ImportRun
from yangguang.core.models.imports import (
    IMPORT_TRANSITIONS,
    PENDING_STATUSES,
    ImportStatus,
    stale_cutoff,
    stale_message,
)
from yangguang.core.permissions import Cap, has_capability
from yangguang.core.sealing import keyring
from yangguang.core.tabular import Cell, Table, TabularError
from yangguang.lib.crypto import CryptoError

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    Actor = AbstractBaseUser | AnonymousUser | None

logger = logging.getLogger(__name__)

ImportSource = bytes | IO[bytes] | str | os.PathLike[str] | Table | Sequence[Mapping[str, Cell]]

ERROR_REPORT_CONTEXT: Final = "core.importrun.error_report"
UPLOAD_CONTEXT: Final = "core.importrun.upload"

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


def _seal(data: bytes, context: str) -> bytes:
    token = keyring().encrypt(base64.b64encode(data).decode("ascii"), context=context)
    return token.encode("ascii")


def _unseal(stored: FieldFile, context: str) -> bytes:
    with stored.open("rb") as handle:
        token = handle.read()
    return base64.b64decode(keyring().decrypt(token.decode("ascii"), context=context))


def _seal_report(data: bytes) -> bytes:
    """Error workbooks hold full ID numbers and phones, so they are encrypted at rest like the fields are."""
    return _seal(data, ERROR_REPORT_CONTEXT)


def error_report_bytes(run: ImportRun) -> bytes:
    """The plaintext error workbook of a run. Callers check IMPORT_REGISTRY at the run's area first."""
    return _unseal(run.error_report, ERROR_REPORT_CONTEXT)


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


# --- the import ----------------------------------------------------------------------------------------


def _require_import(actor: Actor, area: Area) -> None:
    """None is the system (the command without --user), which may import anywhere."""
    if actor is not None and not has_capability(actor, Cap.IMPORT_REGISTRY, area):
        raise PermissionDenied(_("您没有在该区域导入人口信息的权限。"))


def _clean_filename(filename: str, source: object) -> str:
    return Path(filename or getattr(source, "name", "") or "import").name[:200]


def check_import_people(
    actor: Actor,
    area: Area,
    rows_or_file: ImportSource,
    filename: str = "",
    source: str = "web",
    *,
    dry_run: bool = False,
) -> ImportRun:
    """Import people into `area` (and its subtree) from a spreadsheet, now; see the module docstring.

    Raises PermissionDenied when `actor` lacks IMPORT_REGISTRY at `area` (None is the system, e.g. the
    command without --user) and ValidationError, saving nothing, when the file cannot be read at all.
    With `dry_run`, everything is checked and counted inside a transaction that is rolled back: the
    returned run is unsaved and its error workbook (if any) is attached but not stored.
    """
    _require_import(actor, area)
    filename = _clean_filename(filename, rows_or_file)
    table, digest = load_table(rows_or_file, filename)
    run = ImportRun(
        area=area,
        started_by_id=actor.pk if actor is not None and actor.is_authenticated else None,
        kind="people",
        source=source[:10],
        filename=filename,
        file_sha256=digest,
        status=ImportStatus.DONE,
    )
    with transaction.atomic():
        totals = _apply(area, table, run, dry_run=dry_run)
        if dry_run:
            transaction.set_rollback(True)
            return run
        run.save()
        _audit_import(actor, run, totals)
    return run


def _apply(area: Area, table: Table, run: ImportRun, *, dry_run: bool = False) -> ImportTotals:
    """Check every row of `table` and write the valid ones into `area`; fill `run`'s totals, message and
    (unsaved) error workbook. Runs inside the caller's transaction."""
    today = timezone.localdate()
    rows = _parse(table, today)
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
    run.finished_at = timezone.now()
    run.rows_read = len(rows)
    run.rows_created = totals.created
    run.rows_updated = totals.updated
    run.rows_unchanged = totals.unchanged
    run.rows_rejected = totals.rejected
    run.message = _summary(totals, dry_run)
    if rejected:
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        run.error_report = ContentFile(
            _seal_report(build_error_workbook(table, rejected)), name=f"people-errors-{stamp}.xlsx"
        )
    return totals


def _audit_import(actor: Actor, run: ImportRun, totals: ImportTotals) -> None:
    audit.record(
        actor,
        AuditAction.IMPORT,
        target=run,
        area=run.area,
        changes={"kind": "people", "source": run.source, **totals.as_dict(), "rows_read": run.rows_read},
    )


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


# --- web imports in the background ---------------------------------------------------------------------


def check_queue_import_people(
    actor: Actor, area: Area, upload: bytes | IO[bytes], filename: str = ""
) -> ImportRun:
    """Accept a web upload for import: check the file as a whole, store it sealed with a queued run, and
    start the `import_people` task once the transaction commits.

    Reading the whole file here (about 2 s of the 20 s that 100,000 rows take) is deliberate: an empty file,
    a photo or a sheet without the template's columns is answered on the form at once, instead of as a
    failed run a moment later. Raises PermissionDenied like `check_import_people`, and ValidationError when
    the file cannot be imported or the same file is already being imported into the same area.
    """
    _require_import(actor, area)
    filename = _clean_filename(filename, upload)
    data = _read_bytes(upload)
    load_table(data, filename)
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        # Serialises uploads into one area, so two identical uploads at the same moment cannot both pass.
        Area.objects.select_for_update().only("pk").get(pk=area.pk)
        busy = ImportRun.objects.in_progress().filter(area=area, kind="people", file_sha256=digest).first()
        if busy is not None:
            raise ValidationError(
                _("同一文件正在导入到该区域（%(time)s 上传，%(status)s），请等待导入完成，不要重复上传。")
                % {
                    "time": timezone.localtime(busy.started_at).strftime("%H:%M"),
                    "status": busy.get_shown_status_display(),
                },
                code="duplicate",
            )
        run = ImportRun(
            area=area,
            started_by_id=actor.pk if actor is not None and actor.is_authenticated else None,
            kind="people",
            source="web",
            filename=filename,
            file_sha256=digest,
            status=ImportStatus.QUEUED,
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        run.upload.save(f"people-upload-{stamp}.sealed", ContentFile(_seal(data, UPLOAD_CONTEXT)), save=False)
        run.save()
        transaction.on_commit(functools.partial(enqueue_import, run.pk))
    return run


def enqueue_import(run_pk: int) -> None:
    from yangguang.tasks import import_people

    import_people.enqueue(run_pk)


def _transition(run_pk: int, name: str, where: Q | None = None, **values: object) -> bool:
    """Move a run along IMPORT_TRANSITIONS with one conditional UPDATE (narrowed by `where`, if given);
    False when the run was not in a state the transition starts from."""
    sources, target = IMPORT_TRANSITIONS[name]
    runs = ImportRun.objects.filter(pk=run_pk, status__in=sources)
    if where is not None:
        runs = runs.filter(where)
    return bool(runs.update(status=target, **values))


def _fail(run_pk: int, message: str, where: Q | None = None) -> bool:
    return _transition(run_pk, "fail", where, message=message, finished_at=timezone.now())


class _NoLongerRunning(Exception):
    """The run was failed (as stale) by someone else while this worker imported it."""


def do_run_queued_import(run_pk: int) -> ImportRun | None:
    """Run a queued web import (the `import_people` task): claim it, import its stored file as the user who
    uploaded it, then delete the file. Returns None when there was nothing to do (already claimed by another
    worker, finished, or deleted); a run that waited past IMPORT_STALE_HOURS is failed instead of run, as
    its page already says.

    Expected failures (the file, the permission) end the run as failed with the reason; anything else ends
    it as failed too and is raised again, so the task backend records the traceback.
    """
    cutoff = stale_cutoff()
    if not _transition(run_pk, "start", Q(started_at__gte=cutoff)):
        _fail(run_pk, stale_message(), Q(status=ImportStatus.QUEUED, started_at__lt=cutoff))
        return None
    run = ImportRun.objects.select_related("area", "started_by").get(pk=run_pk)
    try:
        _run_claimed(run)
    except _NoLongerRunning:
        pass
    except (ValidationError, PermissionDenied) as exc:
        reasons = getattr(exc, "messages", None) or [str(exc)]
        _fail(run.pk, _("导入失败，未保存任何数据：%(reason)s") % {"reason": "；".join(reasons)})
    except (OSError, CryptoError):
        logger.exception("import run %s: the stored upload cannot be read", run.pk)
        _fail(
            run.pk,
            _("无法读取已上传的文件（文件可能已被删除，或加密密钥已更换），未保存任何数据；请重新上传。"),
        )
    except Exception:
        logger.exception("import run %s failed", run.pk)
        _fail(run.pk, _("导入时发生意外错误，未保存任何数据；请重新上传，如仍失败请联系系统管理员。"))
        raise
    finally:
        _delete_upload(run)
    run.refresh_from_db()
    return run


def _run_claimed(run: ImportRun) -> None:
    actor = run.started_by
    if actor is None:
        raise PermissionDenied(_("上传文件的用户已被删除。"))
    _require_import(actor, run.area)
    table, _digest = load_table(_unseal(run.upload, UPLOAD_CONTEXT), run.filename)
    with transaction.atomic():
        totals = _apply(run.area, table, run)
        still_running = ImportRun.objects.select_for_update().filter(pk=run.pk, status=ImportStatus.RUNNING)
        if not list(still_running.values_list("pk", flat=True)):
            transaction.set_rollback(True)
            raise _NoLongerRunning
        run.status = ImportStatus.DONE
        run.save()
        _audit_import(actor, run, totals)


def _delete_upload(run: ImportRun) -> str:
    """Delete a run's stored upload (a missing file is fine); return its name, or "" if it had none."""
    name = run.upload.name or ""
    if name:
        run.upload.storage.delete(name)
        ImportRun.objects.filter(pk=run.pk, upload=name).update(upload="")
        run.upload.name = ""
    return name


# --- retention -----------------------------------------------------------------------------------------


@dataclass
class PurgeResult:
    """What `do_purge_import_files` did: (run id, file name) pairs, and the runs it failed as stale."""

    reports: list[tuple[int, str]] = field(default_factory=list)
    uploads: list[tuple[int, str]] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def do_purge_import_files(now: datetime.datetime | None = None) -> PurgeResult:
    """Delete error workbooks older than IMPORT_FILES_DAYS, and uploads no run still needs. Safe to run
    twice and from several processes.

    Stale runs (queued or running past IMPORT_STALE_HOURS: their worker died) are failed for good first,
    so their uploads go too. An upload outlives its run only when a worker died in between, so uploads of
    finished runs are deleted whatever their age. The run keeps its counts; `report_deleted_at` says when
    its workbook went, and each deletion of a workbook is audited (by the system).
    """
    now = now or timezone.now()
    days = int(settings.IMPORT_FILES_DAYS)
    cutoff = now - datetime.timedelta(days=days)
    result = PurgeResult()
    cutoff_stale = stale_cutoff(now)
    for run_pk in list(ImportRun.objects.stale(now).values_list("pk", flat=True)):
        if _fail(run_pk, stale_message(), Q(started_at__lt=cutoff_stale)):
            result.failed.append(run_pk)
    leftovers = ImportRun.objects.exclude(upload="").filter(
        ~Q(status__in=PENDING_STATUSES) | Q(started_at__lt=cutoff)
    )
    for run in leftovers.only("pk", "upload").iterator(chunk_size=BATCH):
        name = _delete_upload(run)
        if name:
            result.uploads.append((run.pk, name))
    old_reports = ImportRun.objects.exclude(error_report="").filter(started_at__lt=cutoff)
    for run in old_reports.only("pk", "area_id", "filename", "error_report").iterator(chunk_size=BATCH):
        name = run.error_report.name or ""
        # The file goes first: if the process dies in between, the next purge finds the row and tries again.
        run.error_report.storage.delete(name)
        with transaction.atomic():
            if ImportRun.objects.filter(pk=run.pk, error_report=name).update(
                error_report="", report_deleted_at=now
            ):
                audit.record(
                    None,
                    AuditAction.DELETE,
                    target=run,
                    changes={"error_report": [name, ""]},
                    reason=_("错误报告含居民个人信息，超过保留期限（%(days)d 天）自动删除") % {"days": days},
                )
                result.reports.append((run.pk, name))
    return result


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
