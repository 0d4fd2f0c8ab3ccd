"""A record of each spreadsheet import, with its status, its totals and the error workbook of rejected rows."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yangguang.core.models.areas import Area
from yangguang.core.models.base import ScopedQuerySet


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("导入中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


PENDING_STATUSES = frozenset({ImportStatus.QUEUED, ImportStatus.RUNNING})

# transition name → (allowed from-statuses, to-status). "start" and "fail" are conditional UPDATEs and
# "finish" is checked under a row lock inside the import's transaction (`actions/imports.py`), so two workers,
# or a worker and `purge_import_files` failing a stale run, never both win.
IMPORT_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "start": (frozenset({ImportStatus.QUEUED}), ImportStatus.RUNNING),
    "finish": (frozenset({ImportStatus.RUNNING}), ImportStatus.DONE),
    "fail": (PENDING_STATUSES, ImportStatus.FAILED),
}


def stale_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    """Runs uploaded before this and still queued or running are taken as failed (their worker died)."""
    return (now or timezone.now()) - datetime.timedelta(hours=settings.IMPORT_STALE_HOURS)


class ImportRunQuerySet(ScopedQuerySet["ImportRun"]):
    def in_progress(self, now: datetime.datetime | None = None) -> ImportRunQuerySet:
        """Queued or running, and not yet stale."""
        return self.filter(status__in=PENDING_STATUSES, started_at__gte=stale_cutoff(now))

    def stale(self, now: datetime.datetime | None = None) -> ImportRunQuerySet:
        return self.filter(status__in=PENDING_STATUSES, started_at__lt=stale_cutoff(now))


class ImportRun(models.Model):
    """One import of a file. Invariant: rows_read = created + updated + unchanged + rejected.

    A web import is queued: the upload is kept (sealed, in `upload`) until a worker has run it, then deleted.
    Runs of the command, and the welfare roster and payment imports, are done when they are saved. Error
    workbooks and leftover uploads are deleted after IMPORT_FILES_DAYS (`manage.py purge_import_files`); the
    run keeps its counts and `report_deleted_at` says when.
    """

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("导入范围"))
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    kind = models.CharField(_("导入类型"), max_length=20, default="people")
    source = models.CharField(_("来源"), max_length=10, default="web")
    filename = models.CharField(_("文件名"), max_length=200)
    file_sha256 = models.CharField(max_length=64)
    status = models.CharField(
        _("状态"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.DONE
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_read = models.PositiveIntegerField(_("读取行数"), default=0)
    rows_created = models.PositiveIntegerField(_("新增"), default=0)
    rows_updated = models.PositiveIntegerField(_("更新"), default=0)
    rows_unchanged = models.PositiveIntegerField(_("无变化"), default=0)
    rows_rejected = models.PositiveIntegerField(_("拒绝"), default=0)
    error_report = models.FileField(_("错误报告"), upload_to="imports/", blank=True)
    upload = models.FileField(_("上传的文件"), upload_to="imports/uploads/", blank=True)
    report_deleted_at = models.DateTimeField(_("错误报告删除时间"), null=True, blank=True)
    message = models.TextField(blank=True)

    objects = ImportRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("导入记录")
        verbose_name_plural = _("导入记录")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return self.filename

    def is_stale(self, now: datetime.datetime | None = None) -> bool:
        """Queued or running for longer than IMPORT_STALE_HOURS since the upload: no worker will finish it."""
        return self.status in PENDING_STATUSES and self.started_at < stale_cutoff(now)

    @property
    def in_progress(self) -> bool:
        return self.status in PENDING_STATUSES and not self.is_stale()

    @property
    def shown_status(self) -> str:
        """The status to show: a stale run is failed, whatever its row still says."""
        return ImportStatus.FAILED if self.is_stale() else self.status

    def get_shown_status_display(self) -> str:
        return str(ImportStatus(self.shown_status).label)

    @property
    def shown_message(self) -> str:
        if self.is_stale():
            return stale_message()
        return self.message

    @property
    def report_deleted_after_days(self) -> int | None:
        """Whole days between the upload and the deletion of the error workbook, once it is deleted."""
        if self.report_deleted_at is None:
            return None
        return (self.report_deleted_at - self.started_at).days


def stale_message() -> str:
    return gettext(
        "导入超过 %(hours)d 小时仍未完成，可能是后台任务进程已停止。本次导入未保存任何数据，请重新上传文件。"
    ) % {"hours": settings.IMPORT_STALE_HOURS}
