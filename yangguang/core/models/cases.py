"""Cases (诉求/工单): the closed loop every source of problems feeds (问题发现 → 过程跟进 → 闭环管理).

The lifecycle is one table, `TRANSITIONS`; `yangguang.core.actions.cases.do_transition` is the only code that
changes a case's status, and it writes a `CaseEvent` for every step.
"""

from __future__ import annotations

import datetime
from collections import Counter
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Count, F, Q, Value
from django.utils.translation import gettext_lazy as _

from yangguang.core.models.areas import Area, Building, Compound
from yangguang.core.models.base import ScopedQuerySet, SealedFieldsMixin

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class Ownership(models.TextChoices):
    """The 大事/小事/私事 sort of seed 003: who should own the problem."""

    GOVERNMENT = "government", _("大事（政府部门）")
    COMMUNITY = "community", _("小事（社区组织）")
    PRIVATE = "private", _("私事（居民自行或市场解决）")


class CaseKind(models.TextChoices):
    INQUIRY = "inquiry", _("咨询")
    HELP = "help", _("求助")
    SUGGESTION = "suggestion", _("建议")
    COMPLAINT = "complaint", _("投诉")
    REPORT = "report", _("举报")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")


class Channel(models.TextChoices):
    PORTAL = "portal", _("居民网上反映")
    QR = "qr", _("扫码反映")
    HOTLINE = "hotline", _("热线电话")
    WALK_IN = "walk_in", _("来访")
    GRID_PATROL = "grid_patrol", _("网格员巡查")
    LIAISON = "liaison", _("廉情联络员转达")
    API = "api", _("接口")
    OPEN311 = "open311", _("Open311")
    INSPECTION = "inspection", _("监督检查")
    MEETING = "meeting", _("会议问题")
    CROSSCHECK = "crosscheck", _("数据比对")
    OBJECTION = "objection", _("公示异议")


class CaseCategory(models.Model):
    """A node of the editable category tree, with the default owner and routing hints."""

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    default_ownership = models.CharField(
        _("默认归属"), max_length=16, choices=Ownership.choices, default=Ownership.COMMUNITY
    )
    default_kind = models.CharField(
        _("默认类型"), max_length=16, choices=CaseKind.choices, default=CaseKind.HELP
    )
    active = models.BooleanField(_("启用"), default=True)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)
    # Some problems are private by nature (a family's hardship, a report on an official, a quarrel between
    # neighbours) and residents do not think of asking for confidentiality: the category decides instead.
    public_details = models.BooleanField(
        _("公开诉求内容"),
        default=True,
        help_text=_(
            "不勾选时，此分类的诉求在门户公开页面、社区公示栏和 Open311 接口上与要求保密的诉求一样，只显示编号、"
            "分类和办理状态，不显示标题、描述、位置、办理记录和照片。后台不受影响。适用于救助帮扶、廉情反映、"
            "矛盾纠纷等涉及个人情况的分类。"
        ),
    )

    class Meta:
        verbose_name = _("问题分类")
        verbose_name_plural = _("问题分类")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name


class SlaPolicy(models.Model):
    """How many working days (or working hours) a case may take, by kind × urgency, optionally narrowed by
    category and area. The most specific active rule wins; each rule names its source document."""

    kind = models.CharField(_("诉求类型"), max_length=16, choices=CaseKind.choices)
    urgency = models.CharField(_("紧急程度"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    category = models.ForeignKey(
        CaseCategory, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    workdays = models.PositiveSmallIntegerField(_("办理时限（工作日）"), default=0)
    work_hours = models.PositiveSmallIntegerField(
        _("办理时限（工作小时）"), default=0, help_text=_("紧急诉求按工作小时计；填写后优先于工作日。")
    )
    sign_within_hours = models.PositiveSmallIntegerField(_("签收时限（工作小时）"), default=4)
    remind_before_hours = models.PositiveSmallIntegerField(_("到期前提醒（工作小时）"), default=8)
    source = models.CharField(_("依据"), max_length=200, blank=True)
    effective_from = models.DateField(_("生效日期"))

    class Meta:
        verbose_name = _("办理时限规则")
        verbose_name_plural = _("办理时限规则")
        ordering = ["kind", "urgency", "-effective_from"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}/{self.get_urgency_display()}"


class CalendarOverride(models.Model):
    """An administrator's correction to the statutory holiday calendar (e.g. a newly published 调休)."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是否工作日"))
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("工作日历调整")
        verbose_name_plural = _("工作日历调整")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'班' if self.is_workday else '休'}"


class HandlingUnit(models.Model):
    """A unit cases are dispatched to: a government department, a community organisation, a property company."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("政府部门")
        COMMUNITY_ORG = "community_org", _("社区组织")
        PROPERTY = "property", _("物业公司")
        OTHER = "other", _("其他")

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="units", verbose_name=_("所属区域"))
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="handling_units")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("承办单位")
        verbose_name_plural = _("承办单位")
        ordering = ["area_id", "name"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="unit_unique_name_in_area")]

    def __str__(self) -> str:
        return self.name


class RoutingRule(models.Model):
    """Where a new case of a category in an area goes. The deepest matching area wins."""

    category = models.ForeignKey(CaseCategory, on_delete=models.CASCADE, related_name="routing_rules")
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="routing_rules")
    unit = models.ForeignKey(HandlingUnit, null=True, blank=True, on_delete=models.CASCADE)
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    ownership = models.CharField(_("归属"), max_length=16, choices=Ownership.choices, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("分派规则")
        verbose_name_plural = _("分派规则")
        constraints = [
            models.UniqueConstraint(fields=["category", "area"], name="routing_unique_category_area")
        ]

    def __str__(self) -> str:
        return f"{self.category_id}@{self.area_id}"


class CaseStatus(models.TextChoices):
    RECEIVED = "received", _("已受理")
    DISPATCHED = "dispatched", _("已派单")
    SIGNED = "signed", _("已签收")
    IN_PROGRESS = "in_progress", _("办理中")
    WAITING = "waiting", _("等待居民补充")
    REPLIED = "replied", _("已答复")
    CLOSED = "closed", _("已办结")
    SATISFIED = "satisfied", _("满意")
    UNSATISFIED = "unsatisfied", _("不满意")
    RETURNED = "returned", _("已退回")
    MERGED = "merged", _("已合并")
    REJECTED = "rejected", _("不予受理")


OPEN_STATUSES = frozenset(
    {
        CaseStatus.RECEIVED,
        CaseStatus.DISPATCHED,
        CaseStatus.SIGNED,
        CaseStatus.IN_PROGRESS,
        CaseStatus.WAITING,
        CaseStatus.REPLIED,
        CaseStatus.RETURNED,
        CaseStatus.UNSATISFIED,
    }
)

# The lifecycle (DOMAIN.md, 12345 practice): transition name → (allowed from-statuses, to-status).
# "reopen" sends an unsatisfied case back to the same handler (重办). Nothing else changes a status.
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "dispatch": (frozenset({CaseStatus.RECEIVED, CaseStatus.RETURNED}), CaseStatus.DISPATCHED),
    "return": (frozenset({CaseStatus.DISPATCHED, CaseStatus.SIGNED}), CaseStatus.RETURNED),
    "sign": (frozenset({CaseStatus.DISPATCHED}), CaseStatus.SIGNED),
    "start": (frozenset({CaseStatus.SIGNED}), CaseStatus.IN_PROGRESS),
    "wait": (frozenset({CaseStatus.SIGNED, CaseStatus.IN_PROGRESS}), CaseStatus.WAITING),
    "resume": (frozenset({CaseStatus.WAITING}), CaseStatus.IN_PROGRESS),
    "reply": (frozenset({CaseStatus.SIGNED, CaseStatus.IN_PROGRESS}), CaseStatus.REPLIED),
    "close": (frozenset({CaseStatus.REPLIED}), CaseStatus.CLOSED),
    "rate_satisfied": (frozenset({CaseStatus.CLOSED}), CaseStatus.SATISFIED),
    "rate_unsatisfied": (frozenset({CaseStatus.CLOSED}), CaseStatus.UNSATISFIED),
    "reopen": (frozenset({CaseStatus.UNSATISFIED}), CaseStatus.IN_PROGRESS),
    "merge": (frozenset(OPEN_STATUSES), CaseStatus.MERGED),
    "reject": (frozenset({CaseStatus.RECEIVED, CaseStatus.RETURNED}), CaseStatus.REJECTED),
}


CLOSED_STATUSES = frozenset({CaseStatus.CLOSED, CaseStatus.SATISFIED, CaseStatus.UNSATISFIED})


def content_public_q(prefix: str = "") -> Q:
    """`Case.content_public` as a filter, for cases reached through `prefix` (e.g. "case__" from an
    attachment): not confidential, and in a category whose details are public."""
    return Q(**{f"{prefix}confidential": False, f"{prefix}category__public_details": True})


def area_ids_under(paths: list[str]) -> list[int]:
    """The ids of the areas under `paths` (the areas themselves included), in one query on the small area
    table. Case queries filter on `area_id IN (…)` with these rather than joining `core_area` for a
    `path LIKE`, so PostgreSQL can use the case indexes that begin with the area (bench.cases)."""
    return list(Area.objects.in_areas(paths).order_by().values_list("pk", flat=True))


class CaseQuerySet(ScopedQuerySet["Case"]):
    def visible_to(
        self, user: AbstractBaseUser | AnonymousUser, capability: str = "view_cases"
    ) -> CaseQuerySet:
        """Cases in the user's jurisdiction, plus those they handle personally or through their unit
        (a property company's staff see their own cases without any area role), plus those they took in
        (a liaison who relayed a complaint can follow it).

        Unlike most queryset methods this runs one query now: it looks up the ids of the user's units and
        of the areas in their jurisdiction (one UNION on two small tables), so that the filter names only
        the case's own columns with literal values. PostgreSQL then ORs the indexes on handler, intake,
        unit and area: the queue's open-case counts of a community's staff take 4 ms at 1,000,000 cases,
        where a subquery for the units in the OR read every open case (20 ms) and the join on the area
        path every case (490 ms; bench.cases)."""
        from yangguang.core.permissions import jurisdiction_paths

        if not user.is_authenticated or not user.is_active:
            return self.none()
        unit_ids, area_ids = _case_scope(int(user.pk), jurisdiction_paths(user, capability))
        condition = Q(handler_id=user.pk) | Q(intake_by_id=user.pk)
        if unit_ids:
            condition |= Q(unit_id__in=unit_ids)
        if area_ids:
            condition |= Q(area_id__in=area_ids)
        return self.filter(condition)

    def open(self) -> CaseQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, now: datetime.datetime) -> CaseQuerySet:
        return self.filter(status__in=OPEN_STATUSES, due_at__lt=now).exclude(status=CaseStatus.REPLIED)

    def metrics(self) -> dict[str, float | int | None]:
        """The 12345 indicators over these cases, in one aggregate query (merged duplicates excluded):

        - response rate: dispatched cases signed by their signing deadline / dispatched cases
        - on-time closure: closed by the deadline / closed
        - resolution rate: closed (incl. rated) / all
        - satisfaction: rated satisfied / rated
        - redo rate: cases reopened at least once / cases ever closed
        Rates are None when their denominator is zero (no data is not 0 %).
        """
        return _rates(self.exclude(status=CaseStatus.MERGED).aggregate(**_metric_counts()))

    def metrics_by(self, key: Any) -> dict[Any, dict[str, float | int | None]]:
        """`metrics()` per value of `key` (a field name expression such as F("category_id")), in one
        grouped query."""
        rows = (
            self.exclude(status=CaseStatus.MERGED)
            .annotate(group=key)
            .values("group")
            .annotate(**_metric_counts())
            .order_by()
        )
        return {row["group"]: _rates(row) for row in rows}

    def tally(self, *fields: str) -> tuple[Counter[tuple[Any, ...]], dict[str, float | int | None]]:
        """How many of these cases there are per combination of `fields` (merged duplicates included), and
        `metrics()` over them, from one grouped query: grouped by status as well, the indicators' counts
        are summed in Python over the groups that are not merged. (The public board shows both over the
        same cases; two scans of them cost twice as much.)"""
        rows = self.order_by().values(*fields, "status").annotate(n=Count("id"), **_metric_counts())
        counts: Counter[tuple[Any, ...]] = Counter()
        sums = dict.fromkeys(_metric_counts(), 0)
        for row in rows:
            counts[tuple(row[name] for name in fields)] += row["n"]
            if row["status"] != CaseStatus.MERGED:
                for name in sums:
                    sums[name] += row[name]
        return counts, _rates(sums)


def _case_scope(user_id: int, paths: list[str]) -> tuple[list[int], list[int]]:
    """(ids of the user's handling units, ids of the areas under `paths`), from one UNION ALL query."""
    members = HandlingUnit.members.through.objects.filter(user_id=user_id)
    if not paths:
        return list(members.values_list("handlingunit_id", flat=True)), []
    units = members.values_list("handlingunit_id", Value(False))
    areas = Area.objects.in_areas(paths).values_list("pk", Value(True))
    unit_ids: list[int] = []
    area_ids: list[int] = []
    for pk, is_area in units.order_by().union(areas.order_by(), all=True):
        (area_ids if is_area else unit_ids).append(pk)
    return unit_ids, area_ids


def _metric_counts() -> dict[str, Count]:
    """The counts behind the indicators; shared by `metrics`, `metrics_by` and `tally` so they cannot
    drift."""
    closed = Q(status__in=CLOSED_STATUSES) | Q(closed_at__isnull=False)
    return {
        "total": Count("id"),
        "open": Count("id", filter=Q(status__in=OPEN_STATUSES)),
        "dispatched": Count("id", filter=Q(sign_due_at__isnull=False)),
        "signed_on_time": Count("id", filter=Q(signed_at__isnull=False, signed_at__lte=F("sign_due_at"))),
        "closed": Count("id", filter=closed),
        "closed_on_time": Count("id", filter=closed & Q(closed_at__lte=F("due_at"))),
        "rated": Count("id", filter=Q(satisfaction__isnull=False)),
        "satisfied": Count("id", filter=Q(satisfaction__gte=3)),
        "redone": Count("id", filter=Q(redo_count__gt=0)),
        "ever_closed": Count("id", filter=closed | Q(redo_count__gt=0)),
    }


def _rates(row: dict[str, Any]) -> dict[str, float | int | None]:
    def rate(numerator: str, denominator: str) -> float | None:
        return row[numerator] / row[denominator] if row[denominator] else None

    return {
        "total": row["total"],
        "open": row["open"],
        "closed": row["closed"],
        "response_rate": rate("signed_on_time", "dispatched"),
        "on_time_rate": rate("closed_on_time", "closed"),
        "resolution_rate": rate("closed", "total"),
        "satisfaction_rate": rate("satisfied", "rated"),
        "redo_rate": rate("redone", "ever_closed"),
    }


class Case(SealedFieldsMixin):
    """One problem, from intake to the resident's rating. `area` is the community or grid it happened in."""

    SEALED_FIELDS = {"reporter_phone": "phone"}

    number = models.CharField(_("编号"), max_length=20, unique=True)
    tracking_code = models.CharField(_("查询码"), max_length=16, unique=True)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="cases", verbose_name=_("所属区域"))
    compound = models.ForeignKey(
        Compound, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    building = models.ForeignKey(
        Building, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    location_text = models.CharField(_("位置描述"), max_length=200, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    category = models.ForeignKey(
        CaseCategory, on_delete=models.PROTECT, related_name="cases", verbose_name=_("分类")
    )
    kind = models.CharField(_("诉求类型"), max_length=16, choices=CaseKind.choices)
    urgency = models.CharField(_("紧急程度"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    ownership = models.CharField(_("归属"), max_length=16, choices=Ownership.choices)
    channel = models.CharField(_("来源渠道"), max_length=16, choices=Channel.choices)
    title = models.CharField(_("标题"), max_length=100)
    description = models.TextField(_("问题描述"))
    reporter_name = models.CharField(_("反映人"), max_length=50, blank=True)
    reporter_phone_enc = models.TextField(blank=True, editable=False)
    reporter_phone_index = models.CharField(max_length=32, blank=True, editable=False, db_index=True)
    reporter_phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True, editable=False)
    reporter_email = models.EmailField(_("电子邮箱"), blank=True)
    anonymous = models.BooleanField(_("匿名"), default=False)
    confidential = models.BooleanField(
        _("要求保密"), default=False, help_text=_("反映人信息仅受理人员和居务监督委员会可见。")
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.RECEIVED
    )
    unit = models.ForeignKey(
        HandlingUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="handled_cases",
    )
    intake_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="intake_cases",
    )
    created_at = models.DateTimeField(_("受理时间"), auto_now_add=True, db_index=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    sign_due_at = models.DateTimeField(_("签收期限"), null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(_("办理期限"), null=True, blank=True, db_index=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("满意度评分"), null=True, blank=True)
    redo_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    return_count = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_cases"
    )
    # Where a case came from when another record created it (an inspection finding, a meeting question …).
    source_type = models.CharField(max_length=40, blank=True)
    source_id = models.CharField(max_length=40, blank=True)
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    # Kept for flood control on public intake (submissions per IP per hour), not shown anywhere.
    intake_ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("诉求")
        verbose_name_plural = _("诉求")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["handler", "status"]),
            models.Index(fields=["unit", "status"]),
            models.Index(fields=["area", "status"]),
            # The public board: latest closures and counts per community over a period (bench.cases).
            models.Index(fields=["closed_at"]),
            models.Index(fields=["area", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def content_public(self) -> bool:
        """Whether public pages (portal, boards, Open311) may show what the case is about — title,
        description, place, timeline notes, photos — or only its number, category and status. The one rule;
        `content_public_q` is the same for queries. Reads `category`: select it with the case."""
        return not self.confidential and self.category.public_details

    def allowed_transitions(self) -> list[str]:
        """Transition names the lifecycle allows from the current status (no permission check, no query)."""
        return [name for name, (sources, _target) in TRANSITIONS.items() if self.status in sources]


class CaseEvent(models.Model):
    """One step of a case's timeline: a transition, a comment, a reminder, an escalation."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=150)
    kind = models.CharField(max_length=24)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    note = models.TextField(blank=True)
    public = models.BooleanField(default=False, help_text=_("是否在公开进度页显示"))
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.kind}"


class CaseAttachment(models.Model):
    """A photo or document attached to a case (intake photos, evidence of handling)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(
        CaseEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    file = models.FileField(upload_to="cases/%Y/%m/")
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    public = models.BooleanField(default=False)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.file.name


class CaseReporter(SealedFieldsMixin):
    """Everyone who reported a problem: the original reporter and those of duplicates merged into it,
    so that all of them hear the outcome."""

    SEALED_FIELDS = {"phone": "phone"}

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reporters")
    original_case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=50, blank=True)
    phone_enc = models.TextField(blank=True, editable=False)
    phone_index = models.CharField(max_length=32, blank=True, editable=False)
    phone_masked = models.CharField(max_length=20, blank=True, editable=False)
    email = models.EmailField(blank=True)

    class Meta:
        verbose_name = _("反映人")
        verbose_name_plural = _("反映人")

    def __str__(self) -> str:
        return f"{self.case_id}:{self.original_case_id}"


class Notification(models.Model):
    """A message to a staff member's in-app inbox, or to a resident by SMS/email, sent after commit and
    retried by the background job until it succeeds or runs out of attempts."""

    class Channel(models.TextChoices):
        INBOX = "inbox", _("站内消息")
        SMS = "sms", _("短信")
        EMAIL = "email", _("电子邮件")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    # The recipient's phone or email for SMS/email: masked copy for display, ciphertext for sending.
    address_masked = models.CharField(max_length=200, blank=True)
    address_enc = models.TextField(blank=True)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.subject
