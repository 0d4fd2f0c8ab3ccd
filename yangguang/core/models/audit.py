"""The audit trail: every change in the registry and every reveal of personal data."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yangguang.core.models.areas import Area
from yangguang.core.models.base import ScopedQuerySet


class AuditAction(models.TextChoices):
    CREATE = "create", _("新增")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    REVEAL = "reveal", _("查看完整信息")
    IMPORT = "import", _("导入")
    EXPORT = "export", _("导出")
    LOGIN = "login", _("登录")
    GRANT = "grant", _("授权")
    REVOKE = "revoke", _("撤销授权")


class AuditEntry(models.Model):
    """Who did what to which record, when and from where. Append-only: no action deletes an entry or changes
    what it says. One action refiles entries: deleting an empty area (`actions.areas.do_delete_area`) moves
    that area's entries, unchanged, to its parent's `area`, which the same administrators can read.

    `changes` maps field names to [old, new]; personal values appear only in their masked form, so the
    audit trail itself never becomes a copy of the sensitive data.
    """

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(_("操作人"), max_length=150)
    action = models.CharField(_("操作"), max_length=16, choices=AuditAction.choices)
    target_type = models.CharField(_("对象类型"), max_length=50)
    target_id = models.CharField(max_length=40, blank=True)
    target_repr = models.CharField(_("对象"), max_length=200, blank=True)
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    reason = models.TextField(_("事由"), blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.target_type}#{self.target_id}"
