"""What the supervision committee works from and produces: the power list (小微权力清单) and supervision list
(监督清单), checks of each use of a power, inspections with findings and rectification notices (整改通知,
tracked as cases), bulletins (通报), finance vouchers signed off by the committee, the committee's opinions and
its activity ledger (台账), and disclosures (公开) that need its signature.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yangguang.core.models.areas import Area
from yangguang.core.models.base import ScopedQuerySet
from yangguang.core.models.cases import Case


class Domain(models.TextChoices):
    """The classes of small powers (after GB/T 41374-2022) the committee supervises."""

    DECISIONS = "decisions", _("重大事项决策与公开")
    FINANCE = "finance", _("财务管理")
    ASSETS = "assets", _("集体资产资源")
    PROJECTS = "projects", _("工程项目")
    WELFARE = "welfare", _("惠民政策落实")
    CIVILITY = "civility", _("民生服务与文明建设")


class MeetingType(models.TextChoices):
    NONE = "none", _("无需会议")
    JOINT = "joint", _("两委联席会议")
    REPRESENTATIVES = "representatives", _("居（村）民代表会议")
    ASSEMBLY = "assembly", _("居（村）民会议")


# Larger meetings satisfy the requirement for smaller ones.
MEETING_RANK: dict[str, int] = {
    MeetingType.NONE: 0,
    MeetingType.JOINT: 1,
    MeetingType.REPRESENTATIVES: 2,
    MeetingType.ASSEMBLY: 3,
}


class Frequency(models.TextChoices):
    EACH_USE = "each_use", _("每次使用")
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季度")
    HALF_YEARLY = "half_yearly", _("每半年")
    YEARLY = "yearly", _("每年")


class CatalogueItem(models.Model):
    """Shared shape of power-list and supervision-list items. A district (or the platform, with no area)
    keeps the catalogue; a community adopts an item by copying it with `adopted_from` set, and may then
    adapt its copy."""

    area = models.ForeignKey(
        Area,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("所属区域"),
        help_text=_("留空表示平台默认清单。"),
    )
    code = models.CharField(_("编号"), max_length=20)
    domain = models.CharField(_("类别"), max_length=16, choices=Domain.choices)
    name = models.CharField(_("事项名称"), max_length=100)
    basis = models.CharField(_("依据"), max_length=300, blank=True)
    check_frequency = models.CharField(
        _("检查频次"), max_length=16, choices=Frequency.choices, default=Frequency.QUARTERLY
    )
    active = models.BooleanField(_("启用"), default=True)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["domain", "position", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PowerItem(CatalogueItem):
    """A small power (小微权力) with its flow (GB/T 41371-2022 style steps), amount thresholds, the meeting it
    requires and the evidence each use must leave behind."""

    adopted_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="adoptions"
    )
    steps = models.JSONField(_("办理流程"), default=list, blank=True, help_text=_("每行一个步骤。"))
    evidence = models.JSONField(_("应留存材料"), default=list, blank=True)
    meeting_required = models.CharField(
        _("需召开的会议"), max_length=20, choices=MeetingType.choices, default=MeetingType.NONE
    )
    amount_min = models.DecimalField(
        _("金额下限（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    amount_max = models.DecimalField(
        _("金额上限（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )

    class Meta(CatalogueItem.Meta):
        verbose_name = _("小微权力事项")
        verbose_name_plural = _("小微权力清单")
        constraints = [
            models.UniqueConstraint(fields=["area", "code"], name="power_item_unique_code"),
        ]

    def applies_to(self, amount: Decimal | None) -> bool:
        """Whether an amount falls in this item's band (no band: any amount)."""
        if amount is None:
            return self.amount_min is None
        if self.amount_min is not None and amount < self.amount_min:
            return False
        return not (self.amount_max is not None and amount > self.amount_max)


class SupervisionItem(CatalogueItem):
    """An item of the supervision list (监督清单): what the committee checks, how often, with which
    checkpoints; optionally tied to the power it watches."""

    adopted_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="adoptions"
    )
    power_item = models.ForeignKey(
        PowerItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="supervision_items"
    )
    checkpoints = models.JSONField(_("检查要点"), default=list, blank=True)

    class Meta(CatalogueItem.Meta):
        verbose_name = _("监督事项")
        verbose_name_plural = _("监督清单")
        constraints = [
            models.UniqueConstraint(fields=["area", "code"], name="supervision_item_unique_code"),
        ]


class PowerUse(models.Model):
    """One use of a small power — a spending decision, a welfare approval, a project award — with what
    actually happened, so it can be checked against its item. `gaps` is the result of the last check."""

    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="power_uses", verbose_name=_("社区/村")
    )
    item = models.ForeignKey(
        PowerItem, on_delete=models.PROTECT, related_name="uses", verbose_name=_("权力事项")
    )
    title = models.CharField(_("事项"), max_length=200)
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    decided_on = models.DateField(_("决策日期"))
    steps_done = models.JSONField(_("已履行步骤"), default=list, blank=True)
    meeting_held = models.CharField(
        _("实际召开的会议"), max_length=20, choices=MeetingType.choices, default=MeetingType.NONE
    )
    meeting_date = models.DateField(_("会议日期"), null=True, blank=True)
    evidence_provided = models.JSONField(_("已留存材料"), default=list, blank=True)
    source_type = models.CharField(max_length=40, blank=True)
    source_id = models.CharField(max_length=40, blank=True)
    gaps = models.JSONField(_("问题"), default=list, blank=True)
    checked_at = models.DateTimeField(_("检查时间"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("权力运行记录")
        verbose_name_plural = _("权力运行记录")
        ordering = ["-decided_on", "-id"]

    def __str__(self) -> str:
        return self.title

    def compliance_gaps(self) -> list[dict[str, Any]]:
        """What the item required and this use lacks; runs no query beyond the loaded item. Each gap is
        {"kind": steps|meeting|evidence|amount, "detail": …} so the explanation can be shown line by line."""
        gaps: list[dict[str, Any]] = []
        item = self.item
        missing_steps = [step for step in item.steps if step not in self.steps_done]
        if missing_steps:
            gaps.append({"kind": "steps", "detail": missing_steps})
        if MEETING_RANK.get(self.meeting_held, 0) < MEETING_RANK.get(item.meeting_required, 0):
            gaps.append({"kind": "meeting", "detail": [item.meeting_required, self.meeting_held]})
        missing_evidence = [doc for doc in item.evidence if doc not in self.evidence_provided]
        if missing_evidence:
            gaps.append({"kind": "evidence", "detail": missing_evidence})
        if self.amount is not None and not item.applies_to(self.amount):
            gaps.append({"kind": "amount", "detail": [str(self.amount)]})
        return gaps


class Inspection(models.Model):
    """A planned or held inspection by the committee (routine, targeted or unannounced 明察暗访)."""

    class Kind(models.TextChoices):
        ROUTINE = "routine", _("日常监督")
        TARGETED = "targeted", _("专项检查")
        UNANNOUNCED = "unannounced", _("明察暗访")

    class Status(models.TextChoices):
        PLANNED = "planned", _("计划中")
        IN_PROGRESS = "in_progress", _("检查中")
        COMPLETED = "completed", _("已完成")
        CANCELLED = "cancelled", _("已取消")

    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("社区/村")
    )
    kind = models.CharField(_("检查方式"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("检查主题"), max_length=200)
    planned_on = models.DateField(_("计划日期"))
    held_on = models.DateField(_("实施日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PLANNED)
    items = models.ManyToManyField(
        SupervisionItem, blank=True, related_name="inspections", verbose_name=_("监督事项")
    )
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="inspections", verbose_name=_("检查人员")
    )
    summary = models.TextField(_("检查小结"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("监督检查")
        verbose_name_plural = _("监督检查")
        ordering = ["-planned_on", "-id"]

    def __str__(self) -> str:
        return self.title


class InspectionCheck(models.Model):
    """One checkpoint of an inspection's checklist, taken from its supervision items, and its result."""

    class Result(models.TextChoices):
        PENDING = "pending", _("待检查")
        OK = "ok", _("符合")
        PROBLEM = "problem", _("存在问题")
        NA = "na", _("不适用")

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="checks")
    item = models.ForeignKey(
        SupervisionItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    point = models.CharField(_("检查要点"), max_length=300)
    result = models.CharField(_("结果"), max_length=16, choices=Result.choices, default=Result.PENDING)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("检查要点")
        verbose_name_plural = _("检查要点")
        ordering = ["inspection", "position", "id"]

    def __str__(self) -> str:
        return self.point


class Finding(models.Model):
    """A problem an inspection found, with its evidence; a finding that needs fixing opens a
    rectification notice. A finding raised from a welfare project's check names the project (`project`)."""

    class Severity(models.TextChoices):
        MINOR = "minor", _("一般")
        SERIOUS = "serious", _("较重")
        GRAVE = "grave", _("严重")

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    checkpoint = models.ForeignKey(
        InspectionCheck, null=True, blank=True, on_delete=models.SET_NULL, related_name="findings"
    )
    description = models.TextField(_("问题描述"))
    severity = models.CharField(
        _("严重程度"), max_length=16, choices=Severity.choices, default=Severity.MINOR
    )
    # The welfare project a finding was raised from (`projects.check_open_finding`); empty for findings of
    # an ordinary inspection. A string reference: models.projects imports this module.
    project = models.ForeignKey(
        "core.Project",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="findings",
        verbose_name=_("惠民项目"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("发现问题")
        verbose_name_plural = _("发现问题")
        ordering = ["inspection", "id"]

    def __str__(self) -> str:
        return self.description[:40]


class Rectification(models.Model):
    """A rectification notice (整改通知): the finding's case (channel 监督检查) carries the owner, deadline,
    timeline, escalation (督办) and closure; this row holds the notice itself, the committee's
    verification and the report back (反馈通报)."""

    class Verdict(models.TextChoices):
        PENDING = "pending", _("待验收")
        PASSED = "passed", _("整改到位")
        FAILED = "failed", _("整改不到位")

    finding = models.OneToOneField(Finding, on_delete=models.CASCADE, related_name="rectification")
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="rectification")
    number = models.CharField(_("通知编号"), max_length=30, unique=True)
    requirement = models.TextField(_("整改要求"))
    deadline = models.DateField(_("整改期限"))
    verdict = models.CharField(_("验收结论"), max_length=16, choices=Verdict.choices, default=Verdict.PENDING)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(_("验收时间"), null=True, blank=True)
    verification_note = models.TextField(_("验收意见"), blank=True)
    feedback = models.TextField(_("反馈通报"), blank=True)
    reported_at = models.DateTimeField(_("通报时间"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("整改通知")
        verbose_name_plural = _("整改通知")
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return self.number


class Bulletin(models.Model):
    """A bulletin (通报) summarising a period's inspections, findings and rectifications across the
    communities under a street or district. `figures` is frozen when it is generated."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="bulletins", verbose_name=_("范围"))
    title = models.CharField(_("标题"), max_length=200)
    period_start = models.DateField(_("起始日期"))
    period_end = models.DateField(_("截止日期"))
    figures = models.JSONField(_("统计数据"), default=dict)
    remarks = models.TextField(_("通报意见"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("通报")
        verbose_name_plural = _("通报")
        ordering = ["-period_end", "-id"]

    def __str__(self) -> str:
        return self.title


class VoucherStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已提交")
    REVIEWED = "reviewed", _("监委会已审核")
    COSIGNED = "cosigned", _("已会签")
    POSTED = "posted", _("已入账")
    REJECTED = "rejected", _("已退回")
    VOID = "void", _("已作废")


# The voucher chain of DOMAIN.md: transition name → (allowed from-statuses, to-status). A rejected voucher
# can be corrected and submitted again. Staff may void (作废) a voucher that nobody has co-signed yet, with a
# reason: a voided voucher is final — never edited or moved on again — and no longer holds up its month's
# finance disclosure, which lists it as voided.
VOUCHER_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "review": (frozenset({VoucherStatus.SUBMITTED}), VoucherStatus.REVIEWED),
    "cosign": (frozenset({VoucherStatus.REVIEWED}), VoucherStatus.COSIGNED),
    "post": (frozenset({VoucherStatus.COSIGNED}), VoucherStatus.POSTED),
    "reject": (frozenset({VoucherStatus.SUBMITTED, VoucherStatus.REVIEWED}), VoucherStatus.REJECTED),
    "resubmit": (frozenset({VoucherStatus.REJECTED}), VoucherStatus.SUBMITTED),
    "void": (
        frozenset({VoucherStatus.SUBMITTED, VoucherStatus.REVIEWED, VoucherStatus.REJECTED}),
        VoucherStatus.VOID,
    ),
}


class Voucher(models.Model):
    """A spending voucher (报账凭证) of the community's accounts. Only a voucher the committee has signed
    may be co-signed, posted, or disclosed as final."""

    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="vouchers", verbose_name=_("社区/村")
    )
    number = models.CharField(_("凭证号"), max_length=30)
    spent_on = models.DateField(_("支出日期"))
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2)
    payee = models.CharField(_("收款方"), max_length=100)
    purpose = models.CharField(_("用途"), max_length=300)
    power_item = models.ForeignKey(
        PowerItem,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="vouchers",
        verbose_name=_("权力事项"),
    )
    # A welfare project's spending line points here (source_type="project"); generic so later modules can.
    source_type = models.CharField(max_length=40, blank=True)
    source_id = models.CharField(max_length=40, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=VoucherStatus.choices, default=VoucherStatus.SUBMITTED
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_opinion = models.TextField(_("审核意见"), blank=True)
    cosigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cosigned_at = models.DateTimeField(null=True, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    posted_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.TextField(_("退回理由"), blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.TextField(_("作废理由"), blank=True)
    history = models.JSONField(_("流转记录"), default=list, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("报账凭证")
        verbose_name_plural = _("报账凭证")
        ordering = ["-spent_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["area", "number"], name="voucher_unique_number")]

    def __str__(self) -> str:
        return f"{self.number} ¥{self.amount}"

    @property
    def committee_signed(self) -> bool:
        return self.reviewed_at is not None and self.status in {
            VoucherStatus.REVIEWED,
            VoucherStatus.COSIGNED,
            VoucherStatus.POSTED,
        }


class Evidence(models.Model):
    """A file supporting any supervision record (a finding's photo, a voucher's receipt, minutes of the
    meeting behind a power use), addressed by (target_type, target_id) like a case's source."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    target_type = models.CharField(max_length=40)
    target_id = models.CharField(max_length=40)
    file = models.FileField(upload_to="supervision/%Y/%m/")
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return self.name


class Opinion(models.Model):
    """The committee's opinion (监督意见) attached to any record. Append-only: its author's words are never
    edited or deleted by anyone, staff included; a correction is a new opinion."""

    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="opinions", verbose_name=_("社区/村")
    )
    target_type = models.CharField(max_length=40)
    target_id = models.CharField(max_length=40)
    target_repr = models.CharField(_("对象"), max_length=200)
    body = models.TextField(_("意见"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("监督意见")
        verbose_name_plural = _("监督意见")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return self.body[:40]


class Activity(models.Model):
    """One line of the committee's ledger (台账): meetings, inspections, reviews, visits, opinions. Actions
    append lines for what they record (source_type/source_id); members add the rest by hand."""

    class Kind(models.TextChoices):
        MEETING = "meeting", _("会议")
        INSPECTION = "inspection", _("监督检查")
        REVIEW = "review", _("审核签字")
        VISIT = "visit", _("走访")
        OPINION = "opinion", _("监督意见")
        RECTIFICATION = "rectification", _("整改督促")
        ELECTION = "election", _("选举")
        EVALUATION = "evaluation", _("履职评价")
        OTHER = "other", _("其他")

    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="committee_activities", verbose_name=_("社区/村")
    )
    on = models.DateField(_("日期"))
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("事项"), max_length=200)
    detail = models.TextField(_("情况记录"), blank=True)
    participants = models.CharField(_("参加人员"), max_length=300, blank=True)
    source_type = models.CharField(max_length=40, blank=True)
    source_id = models.CharField(max_length=40, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("监委会台账")
        verbose_name_plural = _("监委会台账")
        ordering = ["-on", "-id"]

    def __str__(self) -> str:
        return f"{self.on} {self.title}"


class Disclosure(models.Model):
    """A public disclosure (公开): an election result, a bulletin, a rectification report. `payload` is the
    masked public projection, fixed when the committee signs; nothing is published without that signature.
    (The verifiable transparency log of the roadmap will append `payload` on publication.)"""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SIGNED = "signed", _("监委会已签字")
        PUBLISHED = "published", _("已公开")
        WITHDRAWN = "withdrawn", _("已撤回")

    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="disclosures", verbose_name=_("社区/村")
    )
    kind = models.CharField(_("类型"), max_length=30)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"), blank=True)
    payload = models.JSONField(_("公开内容"), default=dict)
    source_type = models.CharField(max_length=40, blank=True)
    source_id = models.CharField(max_length=40, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("公开事项")
        verbose_name_plural = _("公开事项")
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["source_type", "source_id"])]

    def __str__(self) -> str:
        return self.title
