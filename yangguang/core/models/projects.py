"""Welfare projects (惠民项目): budget and funding, the decision behind them, procurement, spending lines
with committee-signed vouchers, progress reports (施工动态), acceptance with counted quantities, and
residents' feedback. Seed 000's clothes-rack project is the model: 34 racks paid for — how many were put up?
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yangguang.core.models.areas import Area
from yangguang.core.models.base import ScopedQuerySet
from yangguang.core.models.supervision import PowerItem, PowerUse, Voucher


class Project(models.Model):
    """A welfare project of a community. `unit_name`/`planned_quantity` make delivered quantities countable."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("已立项")
        PROCUREMENT = "procurement", _("采购中")
        IN_PROGRESS = "in_progress", _("实施中")
        ACCEPTED = "accepted", _("已验收")
        CLOSED = "closed", _("已结项")
        CANCELLED = "cancelled", _("已取消")

    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="projects", verbose_name=_("社区/村")
    )
    title = models.CharField(_("项目名称"), max_length=200)
    description = models.TextField(_("项目内容"), blank=True)
    budget = models.DecimalField(_("预算（元）"), max_digits=14, decimal_places=2)
    funding_source = models.CharField(_("资金来源"), max_length=200)
    power_item = models.ForeignKey(
        PowerItem,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="projects",
        verbose_name=_("权力事项"),
    )
    decision = models.ForeignKey(
        PowerUse,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="projects",
        verbose_name=_("决策记录"),
    )
    decision_meeting = models.CharField(_("决策会议"), max_length=200, blank=True)
    decided_on = models.DateField(_("决策日期"), null=True, blank=True)
    contractor = models.CharField(_("承建/供货单位"), max_length=200, blank=True)
    contract_amount = models.DecimalField(
        _("合同金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    unit_name = models.CharField(_("计量单位"), max_length=20, blank=True, help_text=_("例如：个、米、套"))
    planned_quantity = models.DecimalField(
        _("计划数量"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    unit_price = models.DecimalField(_("单价（元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PLANNED)
    starts_on = models.DateField(_("开工日期"), null=True, blank=True)
    ends_on = models.DateField(_("计划完工日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("惠民项目")
        verbose_name_plural = _("惠民项目")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class ProjectQuote(models.Model):
    """A quote received in procurement; the chosen one becomes the contract."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="quotes")
    supplier = models.CharField(_("报价单位"), max_length=200)
    amount = models.DecimalField(_("报价（元）"), max_digits=14, decimal_places=2)
    received_on = models.DateField(_("报价日期"))
    chosen = models.BooleanField(_("中选"), default=False)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("采购报价")
        verbose_name_plural = _("采购报价")
        ordering = ["project", "amount"]

    def __str__(self) -> str:
        return f"{self.supplier} ¥{self.amount}"


class ProjectSpending(models.Model):
    """A spending line paid through a voucher (so through the committee's sign-off), with the quantity it
    pays for when the project counts units."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="spendings")
    voucher = models.OneToOneField(Voucher, on_delete=models.PROTECT, related_name="project_spending")
    description = models.CharField(_("支出内容"), max_length=300)
    quantity = models.DecimalField(_("数量"), max_digits=12, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("项目支出")
        verbose_name_plural = _("项目支出")
        ordering = ["project", "created_at"]

    def __str__(self) -> str:
        return self.description


class ProjectProgress(models.Model):
    """A progress report (施工动态) with photos (Evidence on this row) and the quantity installed so far."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="progress_reports")
    on = models.DateField(_("日期"))
    text = models.TextField(_("进展情况"))
    quantity_done = models.DecimalField(
        _("累计完成数量"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    public = models.BooleanField(_("公开"), default=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("施工动态")
        verbose_name_plural = _("施工动态")
        ordering = ["project", "-on", "-id"]

    def __str__(self) -> str:
        return f"{self.on} {self.text[:30]}"


class ProjectAcceptance(models.Model):
    """Acceptance (验收): what was counted on site against what was paid for."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="acceptance")
    on = models.DateField(_("验收日期"))
    quantity_counted = models.DecimalField(
        _("实地清点数量"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    passed = models.BooleanField(_("验收合格"))
    notes = models.TextField(_("验收意见"), blank=True)
    participants = models.CharField(_("参加验收人员"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("项目验收")
        verbose_name_plural = _("项目验收")

    def __str__(self) -> str:
        return f"{self.project} {self.on}"


class ProjectFeedback(models.Model):
    """A resident's rating and comment on a project, from the portal (no personal data kept)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="feedback")
    score = models.PositiveSmallIntegerField(_("评分"))
    comment = models.CharField(_("意见"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("居民评价")
        verbose_name_plural = _("居民评价")
        ordering = ["project", "-created_at"]

    def __str__(self) -> str:
        return f"{self.project_id}:{self.score}"
