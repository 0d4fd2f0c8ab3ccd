"""`manage.py reencrypt_fields [--dry-run] [--batch-size N]`: re-encrypt every stored ciphertext that is not
under the current field key, so that an old key can be removed from YANGGUANG_FIELD_KEYS.

The first key of YANGGUANG_FIELD_KEYS encrypts new values; the others only decrypt. This command reads each
ciphertext under another key and writes it back under the current one, bound to the same model and field
(the encryption context), so a token still cannot be copied into another column. Blind indexes and masked
copies are not touched: they do not depend on the field keys.

What it covers, found rather than listed (a new sealed column is covered without a change here):
- every `*_enc` column of the core models, whose context is "<app>.<model>.<field without _enc>", which is
  what `sealing.seal` and `notify.to_reporter` write;
- the import files (error workbooks and queued uploads, `ImportRun.error_report` / `.upload`), which are a
  token each, stored as files.

Batches of `--batch-size` rows (1,000 by default), each in its own transaction with its rows locked, so an
edit made at the same moment is never overwritten with the value from before it. (The reverse can happen: a
form loaded before the batch saves its copy of the old token back. That token is still valid, the final
check counts it under the old key, and a second run finishes it.) An interrupted run keeps the batches it
committed; the next run picks up what is still under an old key, and a run with nothing left to do writes
nothing and says so. Values that
cannot be decrypted (their key is no longer configured, or the data is damaged) are skipped, reported, and
make the command exit with an error.

At the end it counts the ciphertexts under each key id: an old key with none left may be removed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, transaction
from django.db.models import Count, F, Value
from django.db.models.functions import StrIndex, Substr
from django.utils.translation import gettext as _

from yangguang.core.actions import audit
from yangguang.core.actions.imports import ERROR_REPORT_CONTEXT, UPLOAD_CONTEXT
from yangguang.core.models import Area, AuditAction, ImportRun
from yangguang.core.sealing import keyring
from yangguang.lib.crypto import FORMAT_VERSION, CryptoError, Keyring, token_key_id

BATCH_SIZE = 1000
TEXT_SUFFIX = "_enc"
# A token starts "v1:<key id>:"; enough of a file is read to see that header when counting.
HEADER_BYTES = 256
_PREFIX = f"{FORMAT_VERSION}:"

# Key id → number of ciphertexts; None counts values that are not tokens at all.
KeyCounts = Counter[str | None]


@dataclass(frozen=True)
class SealedColumn:
    """A column whose values are ciphertexts: a text column, or a file field whose files each hold one."""

    model: type[models.Model]
    field: str
    context: str
    is_file: bool = False

    @property
    def manager(self) -> models.Manager[Any]:
        # The base manager: a default manager that hides rows would leave their ciphertexts behind.
        return self.model._base_manager


def sealed_columns() -> list[SealedColumn]:
    """Every place a field key encrypts data, in a stable order."""
    columns = []
    for model in apps.get_app_config("core").get_models():
        for field in model._meta.concrete_fields:
            if field.name.endswith(TEXT_SUFFIX):
                context = f"{model._meta.label_lower}.{field.name.removesuffix(TEXT_SUFFIX)}"
                columns.append(SealedColumn(model, field.name, context))
    columns.sort(key=lambda column: column.context)
    columns.append(SealedColumn(ImportRun, "error_report", ERROR_REPORT_CONTEXT, is_file=True))
    columns.append(SealedColumn(ImportRun, "upload", UPLOAD_CONTEXT, is_file=True))
    return columns


# --- counting ------------------------------------------------------------------------------------------


def _count_text(column: SealedColumn) -> KeyCounts:
    """Ciphertexts of a text column by key id, in one grouped query plus a total.

    The key id is cut out of the token in SQL (between "v1:" and the next colon) and compared exactly:
    `startswith` would be case-insensitive on SQLite, and key ids are not."""
    stored = column.manager.exclude(**{column.field: ""})
    start = len(_PREFIX) + 1
    tokens = stored.annotate(
        yg_head=Substr(column.field, 1, len(_PREFIX)),
        yg_colon=StrIndex(Substr(column.field, start), Value(":")),
    ).filter(yg_head=_PREFIX, yg_colon__gt=1)
    grouped = (
        tokens.annotate(yg_key=Substr(column.field, start, F("yg_colon") - 1))
        .order_by()
        .values_list("yg_key")
        .annotate(n=Count("pk"))
    )
    counts: KeyCounts = Counter({key: n for key, n in grouped})
    malformed = stored.count() - sum(counts.values())
    if malformed:
        counts[None] = malformed
    return counts


def _stored_files(column: SealedColumn) -> list[tuple[Any, str]]:
    rows = column.manager.exclude(**{column.field: ""}).order_by("pk").values_list("pk", column.field)
    return [(pk, name) for pk, name in rows]


def _file_field(column: SealedColumn) -> models.FileField:
    field = column.model._meta.get_field(column.field)
    if not isinstance(field, models.FileField):
        raise TypeError(f"{column.context} is not a file field")
    return field


def _file_key_id(storage: Any, name: str) -> str | None:
    """The key id in a stored file's header; None when the file is missing or holds no token."""
    try:
        with storage.open(name, "rb") as handle:
            head = handle.read(HEADER_BYTES)
    except OSError:
        return None
    return token_key_id(head.decode("ascii", errors="replace"))


def _count_files(column: SealedColumn) -> KeyCounts:
    storage = _file_field(column).storage
    return Counter(_file_key_id(storage, name) for _pk, name in _stored_files(column))


def inventory(columns: Iterable[SealedColumn]) -> dict[SealedColumn, KeyCounts]:
    """How many ciphertexts each column holds under each key id."""
    return {column: _count_files(column) if column.is_file else _count_text(column) for column in columns}


def _not_current(counts: KeyCounts, current: str) -> KeyCounts:
    return Counter({key: n for key, n in counts.items() if key != current and n})


# --- re-encrypting -------------------------------------------------------------------------------------


@dataclass
class Progress:
    """What a run did so far, by column context."""

    done: Counter[str]
    unreadable: Counter[str]


def _reencrypt_text(
    column: SealedColumn, ring: Keyring, batch_size: int, progress: Progress
) -> Iterator[int]:
    """Re-encrypt a text column batch by batch; yields the number done so far after each batch."""
    current_prefix = f"{_PREFIX}{ring.current_key_id}:"
    pending = (
        column.manager.exclude(**{column.field: ""})
        .annotate(yg_head=Substr(column.field, 1, len(current_prefix)))
        .exclude(yg_head=current_prefix)
        .order_by("pk")
    )
    quote = connection.ops.quote_name
    meta = column.model._meta
    field = meta.get_field(column.field)
    if not isinstance(field, models.Field) or not field.column or meta.pk is None:
        raise TypeError(f"{column.context} is not a plain column")
    table, target, key = quote(meta.db_table), quote(field.column), quote(meta.pk.column)
    update_sql = f"UPDATE {table} SET {target} = %s WHERE {key} = %s"  # noqa: S608 - names from the model
    last: Any = None
    while True:
        with transaction.atomic():
            rows = pending if last is None else pending.filter(pk__gt=last)
            # Locked until the batch commits: an edit of one of these rows waits, then writes a new token
            # under the current key, instead of being overwritten by a re-encryption of the old value.
            batch = list(rows.select_for_update().values_list("pk", column.field)[:batch_size])
            if not batch:
                return
            last = batch[-1][0]
            updated = []
            for pk, token in batch:
                try:
                    plaintext = ring.decrypt(token, context=column.context)
                except CryptoError:
                    progress.unreadable[column.context] += 1
                    continue
                updated.append((ring.encrypt(plaintext, context=column.context), pk))
            with connection.cursor() as cursor:
                # One UPDATE statement for the batch, as in imports_bulk: several times faster than
                # bulk_update's CASE over a thousand rows. Only this column is written: no auto_now
                # timestamp moves, and the blind index and mask stay as they are.
                cursor.executemany(update_sql, updated)
        progress.done[column.context] += len(updated)
        yield progress.done[column.context]


def _reencrypt_file(column: SealedColumn, ring: Keyring, pk: Any, name: str) -> bool | None:
    """Re-encrypt one stored file. True when done, False when nothing was to do, None when unreadable.

    The new file is written first and the row then pointed at it; the old file goes last. A crash in
    between leaves a stray file behind, never a row whose file is gone."""
    field = _file_field(column)
    storage = field.storage
    try:
        with storage.open(name, "rb") as handle:
            token = handle.read().decode("ascii")
        if token_key_id(token) == ring.current_key_id:
            return False
        plaintext = ring.decrypt(token, context=column.context)
    except (OSError, UnicodeDecodeError, CryptoError):
        return None
    sealed = ContentFile(ring.encrypt(plaintext, context=column.context).encode("ascii"))
    new_name = storage.save(name, sealed, max_length=field.max_length)
    with transaction.atomic():
        # Only if the row still names this file: the retention purge may have deleted it meanwhile.
        moved = column.manager.filter(pk=pk, **{column.field: name}).update(**{column.field: new_name})
    storage.delete(name if moved else new_name)
    return bool(moved)


def _reencrypt_files(column: SealedColumn, ring: Keyring, progress: Progress) -> Iterator[int]:
    for pk, name in _stored_files(column):
        result = _reencrypt_file(column, ring, pk, name)
        if result is None:
            progress.unreadable[column.context] += 1
        elif result:
            progress.done[column.context] += 1
            yield progress.done[column.context]


def _counts_text(counts: KeyCounts) -> str:
    if not counts:
        return _("无密文")
    parts = []
    for key, n in sorted(counts.items(), key=lambda item: (item[0] is None, item[0] or "")):
        label = key if key is not None else _("格式无法识别")
        parts.append(_("%(key)s %(count)d 个") % {"key": label, "count": n})
    return "，".join(parts)


# --- the command ---------------------------------------------------------------------------------------


class Command(BaseCommand):
    help = (
        "Re-encrypt every ciphertext that is not under the current field key (the first of "
        "YANGGUANG_FIELD_KEYS), then count the ciphertexts left under each key id."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count what would be re-encrypted; write nothing."
        )
        parser.add_argument(
            "--batch-size", type=int, default=BATCH_SIZE, help=f"Rows per transaction (default {BATCH_SIZE})."
        )

    def handle(self, *args: Any, dry_run: bool, batch_size: int, **options: Any) -> None:
        if batch_size < 1:
            raise CommandError(_("每批行数必须至少为 1。"))
        ring = keyring()
        current = ring.current_key_id
        configured = list(settings.FIELD_ENCRYPTION_KEYS)
        columns = sealed_columns()
        self.stdout.write(
            _("当前加密密钥：%(key)s；已配置的密钥：%(keys)s")
            % {"key": current, "keys": "、".join(configured)}
        )
        before = inventory(columns)
        self._write_inventory(before)
        pending: KeyCounts = Counter()
        for counts in before.values():
            pending.update(_not_current(counts, current))
        total = sum(pending.values())
        if dry_run:
            self.stdout.write(
                _("试运行：需要用密钥 %(key)s 重新加密 %(count)d 个密文（%(counts)s），未做任何修改。")
                % {"key": current, "count": total, "counts": _counts_text(pending)}
            )
            return
        if not total:
            self.stdout.write(
                _("所有密文都已使用当前密钥 %(key)s 加密，无需重新加密，未做任何修改。") % {"key": current}
            )
            self._write_final_check(before, configured, current)
            return

        progress = Progress(done=Counter(), unreadable=Counter())
        try:
            for column in columns:
                goal = sum(_not_current(before[column], current).values())
                if not goal:
                    continue
                steps = (
                    _reencrypt_files(column, ring, progress)
                    if column.is_file
                    else _reencrypt_text(column, ring, batch_size, progress)
                )
                for done in steps:
                    self.stdout.write(
                        _("%(column)s：已重新加密 %(done)d / %(total)d")
                        % {"column": column.context, "done": done, "total": goal}
                    )
                if progress.unreadable[column.context]:
                    self.stderr.write(
                        _("%(column)s：%(count)d 个密文无法解密（密钥未配置或数据损坏），已跳过")
                        % {"column": column.context, "count": progress.unreadable[column.context]}
                    )
        except BaseException:
            # Ctrl-C or a database error: the committed batches stay, and the trail says so.
            self._record(current, progress, remaining=None)
            self.stderr.write(_("已中断：已完成的批次已保存，再次运行会从剩下的密文继续。"))
            raise
        self.stdout.write(_("已重新加密 %(count)d 个密文。") % {"count": sum(progress.done.values())})
        after = inventory(columns)
        remaining = self._write_final_check(after, configured, current)
        self._record(current, progress, remaining=remaining)
        unreadable = sum(progress.unreadable.values())
        if unreadable:
            raise CommandError(
                _("%(count)d 个密文无法解密，详见上文；其余密文已重新加密。") % {"count": unreadable}
            )

    # --- output ---

    def _write_inventory(self, counts: dict[SealedColumn, KeyCounts]) -> None:
        for column, by_key in counts.items():
            self.stdout.write(
                _("%(column)s：%(counts)s") % {"column": column.context, "counts": _counts_text(by_key)}
            )

    def _write_final_check(
        self, counts: dict[SealedColumn, KeyCounts], configured: list[str], current: str
    ) -> dict[str, int]:
        """Print the ciphertexts left under each key id and what that means for the key; return the totals."""
        totals: KeyCounts = Counter()
        for by_key in counts.values():
            totals.update(by_key)
        self.stdout.write(_("核对：各密钥下现存的密文"))
        unknown = sorted(key for key in totals if key is not None and key not in configured)
        for key in [*configured, *unknown]:
            n = totals.get(key, 0)
            if key == current:
                verdict = _("当前密钥")
            elif key not in configured:
                verdict = _("未配置此密钥，这些密文无法读取")
            elif n:
                verdict = _("仍在使用，不能删除")
            else:
                verdict = _("已不再使用，可以从 YANGGUANG_FIELD_KEYS 中删除，但须与旧备份一起保存")
            self.stdout.write(
                _("密钥 %(key)s：%(count)d 个（%(verdict)s）") % {"key": key, "count": n, "verdict": verdict}
            )
        if totals.get(None):
            self.stdout.write(_("格式无法识别：%(count)d 个") % {"count": totals[None]})
        remaining = {key: totals.get(key, 0) for key in [*configured, *unknown]}
        if totals.get(None):
            remaining["?"] = totals[None]
        return remaining

    def _record(self, current: str, progress: Progress, remaining: dict[str, int] | None) -> None:
        """One audit entry per run that changed something, by the system, filed under the district so that
        its administrators see it."""
        if not sum(progress.done.values()):
            return
        changes: dict[str, Any] = {
            "key": current,
            "reencrypted": dict(progress.done),
            "completed": remaining is not None,
        }
        if progress.unreadable:
            changes["unreadable"] = dict(progress.unreadable)
        if remaining is not None:
            changes["remaining"] = remaining
        with transaction.atomic():
            audit.record(
                None,
                AuditAction.UPDATE,
                target_type="field_keys",
                target_id=current,
                target_repr=_("字段加密密钥 %(key)s") % {"key": current},
                area=Area.objects.filter(parent=None).order_by("pk").first(),
                changes=changes,
                reason=_("字段加密密钥轮换：用当前密钥 %(key)s 重新加密旧密钥加密的数据") % {"key": current},
            )
