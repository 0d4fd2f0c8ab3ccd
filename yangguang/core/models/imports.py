"""A record of each spreadsheet import, with its totals and the error workbook of rejected rows."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yangguang.core.models.areas import Area
from yangguang.core.models.base import ScopedQuerySet


class ImportRun(models.Model):
    """One import of a file. Invariant: rows_read = created + updated + unchanged + rejected."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("导入范围"))
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    kind = models.CharField(_("导入类型"), max_length=20, default="people")
    source = models.CharField(_("来源"), max_length=10, default="web")
    filename = models.CharField(_("文件名"), max_length=200)
    file_sha256 = models.CharField(max_length=64)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_read = models.PositiveIntegerField(_("读取行数"), default=0)
    rows_created = models.PositiveIntegerField(_("新增"), default=0)
    rows_updated = models.PositiveIntegerField(_("更新"), default=0)
    rows_unchanged = models.PositiveIntegerField(_("无变化"), default=0)
    rows_rejected = models.PositiveIntegerField(_("拒绝"), default=0)
    error_report = models.FileField(_("错误报告"), upload_to="imports/", blank=True)
    message = models.TextField(blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("导入记录")
        verbose_name_plural = _("导入记录")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return self.filename
