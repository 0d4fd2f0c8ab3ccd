"""Welfare funds under supervision (惠民资金): programs and their standards, explainable household eligibility,
applications through democratic review and public notice (公示) with objections, enrolment, periodic review,
and the payments ledger reconciled against enrolment.

Every number is data with its source and effective date: a program's standard (`ProgramStandard`) and the
rules for who counts as a household member (`CountingRule`, national by default, overridable per province).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yangguang.core.models.areas import Area
from yangguang.core.models.base import ScopedQuerySet, SealedFieldsMixin
from yangguang.core.models.cases import Case
from yangguang.core.models.people import Household, Person, Relation


class ProgramKind(models.TextChoices):
    DIBAO = "dibao", _("最低生活保障")
    TEKUN = "tekun", _("特困人员救助供养")
    TEMPORARY = "temporary", _("临时救助")
    FIVE_HELP = "five_help", _("五帮扶")
    DISABILITY = "disability", _("残疾人补贴")
    ONE_CHILD = "one_child", _("独生子女伤残扶助")
    OTHER = "other", _("其他")


class Program(models.Model):
    """An assistance program (救助/帮扶项目) as configured by a district."""

    class Unit(models.TextChoices):
        PER_PERSON_MONTH = "person_month", _("按人按月")
        PER_HOUSEHOLD_MONTH = "household_month", _("按户按月")
        ONE_OFF = "one_off", _("一次性")

    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="programs", verbose_name=_("所属区域")
    )
    code = models.SlugField(_("代码"), max_length=40)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=ProgramKind.choices)
    unit = models.CharField(_("发放方式"), max_length=16, choices=Unit.choices, default=Unit.PER_PERSON_MONTH)
    review_months = models.PositiveSmallIntegerField(_("复核周期（月）"), default=12)
    notice_days = models.PositiveSmallIntegerField(_("公示天数"), default=7)
    notice_working_days = models.BooleanField(_("公示按工作日计算"), default=False)
    review_attendance_percent = models.PositiveSmallIntegerField(_("民主评议到会比例（%）"), default=67)
    review_approval_percent = models.PositiveSmallIntegerField(_("民主评议通过比例（%）"), default=67)
    source = models.CharField(_("政策依据"), max_length=300, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("救助项目")
        verbose_name_plural = _("救助项目")
        ordering = ["area", "kind", "code"]
        constraints = [models.UniqueConstraint(fields=["area", "code"], name="program_unique_code")]

    def __str__(self) -> str:
        return self.name


class ProgramStandard(models.Model):
    """A program's eligibility parameters for an area from a date: the local 低保 standard per person per
    month, asset limits, vehicle and property rules. The most specific area and latest date win."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="standards")
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("适用区域")
    )
    effective_from = models.DateField(_("生效日期"))
    monthly_standard = models.DecimalField(_("保障标准（元/人·月）"), max_digits=10, decimal_places=2)
    asset_limit_months = models.PositiveSmallIntegerField(_("人均存款上限（相当于标准的月数）"), default=24)
    vehicles_allowed = models.BooleanField(_("允许拥有机动车"), default=False)
    vehicle_value_limit = models.DecimalField(
        _("机动车价值上限（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    max_properties = models.PositiveSmallIntegerField(_("住房套数上限"), default=1)
    source = models.CharField(_("依据文件"), max_length=300)

    class Meta:
        verbose_name = _("救助标准")
        verbose_name_plural = _("救助标准")
        ordering = ["program", "-effective_from"]

    def __str__(self) -> str:
        return f"{self.program} {self.effective_from} ¥{self.monthly_standard}"


class Circumstance(models.TextChoices):
    """A person's circumstance that decides whether they count as a household member (民发〔2021〕57号 art. 7)."""

    SPOUSE = "spouse", _("配偶")
    MINOR_CHILD = "minor_child", _("未成年子女")
    DEPENDENT_ADULT_CHILD = "dependent_adult_child", _("不能独立生活的成年子女")
    STUDENT_BACHELOR = "student_bachelor", _("就读本科及以下学历的全日制学生")
    GRADUATE_STUDENT = "graduate_student", _("全日制研究生")
    SUPPORT_COHABITING = "support_cohabiting", _("有赡养、抚养或扶养义务且长期共同居住的人员")
    APPLICANT = "applicant", _("申请人本人")
    CLERGY_APART = "clergy_apart", _("宗教教职人员（连续三年以上脱离家庭独立生活）")
    PRISONER = "prisoner", _("在监狱服刑或强制隔离戒毒人员")
    MISSING = "missing", _("宣告失踪人员")
    OTHER_NOT_COHABITING = "other_not_cohabiting", _("其他非共同生活人员")


class CountingRule(models.Model):
    """Whether a circumstance counts towards household size. National defaults have no area; a province
    (or any area) may override one with its own document (e.g. 长沙市最低生活保障办法 on graduate students)."""

    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("适用区域")
    )
    circumstance = models.CharField(_("情形"), max_length=32, choices=Circumstance.choices)
    counted = models.BooleanField(_("计入家庭成员"))
    reason = models.CharField(_("说明"), max_length=300)
    source = models.CharField(_("依据"), max_length=300)
    effective_from = models.DateField(_("生效日期"))

    class Meta:
        verbose_name = _("家庭成员认定规则")
        verbose_name_plural = _("家庭成员认定规则")
        ordering = ["circumstance", "-effective_from"]

    def __str__(self) -> str:
        return f"{self.get_circumstance_display()}: {'计入' if self.counted else '不计入'}"


class ApplicationStatus(models.TextChoices):
    RECEIVED = "received", _("已申请")
    ACCEPTED = "accepted", _("已受理")
    AUTHORISED = "authorised", _("已授权核对")
    SURVEYED = "surveyed", _("已入户调查")
    REVIEWED = "reviewed", _("已民主评议")
    NOTICED = "noticed", _("公示中")
    CONFIRMED = "confirmed", _("已审批")
    REFUSED = "refused", _("不予批准")
    WITHDRAWN = "withdrawn", _("已撤回")


# The application path (DOMAIN.md): transition name → (allowed from-statuses, to-status).
APPLICATION_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "accept": (frozenset({ApplicationStatus.RECEIVED}), ApplicationStatus.ACCEPTED),
    "authorise": (frozenset({ApplicationStatus.ACCEPTED}), ApplicationStatus.AUTHORISED),
    "survey": (frozenset({ApplicationStatus.AUTHORISED}), ApplicationStatus.SURVEYED),
    "review": (frozenset({ApplicationStatus.SURVEYED}), ApplicationStatus.REVIEWED),
    "notice": (frozenset({ApplicationStatus.REVIEWED}), ApplicationStatus.NOTICED),
    "confirm": (frozenset({ApplicationStatus.NOTICED}), ApplicationStatus.CONFIRMED),
    "refuse": (
        frozenset(
            {
                ApplicationStatus.RECEIVED,
                ApplicationStatus.ACCEPTED,
                ApplicationStatus.AUTHORISED,
                ApplicationStatus.SURVEYED,
                ApplicationStatus.REVIEWED,
                ApplicationStatus.NOTICED,
            }
        ),
        ApplicationStatus.REFUSED,
    ),
    "withdraw": (
        frozenset({ApplicationStatus.RECEIVED, ApplicationStatus.ACCEPTED, ApplicationStatus.AUTHORISED}),
        ApplicationStatus.WITHDRAWN,
    ),
}


class Application(models.Model):
    """A household's application to a program, from acceptance to confirmation or refusal.

    `eligibility` holds the last computed explanation (members counted or not and why, income, threshold,
    assets, verdict); it is recomputed from the members, never typed. `kin_flag` files the application
    separately when the applicant household includes a close relative of a cadre or case officer."""

    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="welfare_applications", verbose_name=_("社区/村")
    )
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="applications", verbose_name=_("救助项目")
    )
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="welfare_applications"
    )
    applicant = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="welfare_applications", verbose_name=_("申请人")
    )
    number = models.CharField(_("申请编号"), max_length=30, unique=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.RECEIVED
    )
    applied_on = models.DateField(_("申请日期"))
    reason = models.TextField(_("申请理由"), blank=True)
    authorisation_signed_on = models.DateField(_("核对授权书签署日期"), null=True, blank=True)
    survey_on = models.DateField(_("入户调查日期"), null=True, blank=True)
    survey_notes = models.TextField(_("入户调查情况"), blank=True)
    review_on = models.DateField(_("评议日期"), null=True, blank=True)
    review_expected = models.PositiveSmallIntegerField(_("应到评议人数"), null=True, blank=True)
    review_present = models.PositiveSmallIntegerField(_("实到评议人数"), null=True, blank=True)
    review_approve = models.PositiveSmallIntegerField(_("同意人数"), null=True, blank=True)
    kin_flag = models.BooleanField(_("干部近亲属备案"), default=False)
    kin_note = models.CharField(_("近亲属说明"), max_length=300, blank=True)
    eligibility = models.JSONField(_("资格测算"), default=dict, blank=True)
    monthly_amount = models.DecimalField(
        _("核定月救助金（元）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    decided_on = models.DateField(_("审批日期"), null=True, blank=True)
    refusal_reason = models.TextField(_("不予批准理由"), blank=True)
    history = models.JSONField(_("办理记录"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("救助申请")
        verbose_name_plural = _("救助申请")
        ordering = ["-applied_on", "-id"]
        indexes = [models.Index(fields=["area", "status"])]

    def __str__(self) -> str:
        return self.number


class ApplicationMember(models.Model):
    """A person in the applying household as surveyed: circumstance (decides counting), income and assets."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("姓名"), max_length=50)
    relation = models.CharField(_("与申请人关系"), max_length=16, choices=Relation.choices)
    circumstance = models.CharField(_("情形"), max_length=32, choices=Circumstance.choices)
    monthly_income = models.DecimalField(_("月收入（元）"), max_digits=10, decimal_places=2, default=0)
    deposits = models.DecimalField(_("存款及有价证券（元）"), max_digits=12, decimal_places=2, default=0)
    vehicle_value = models.DecimalField(_("机动车价值（元）"), max_digits=12, decimal_places=2, default=0)
    properties = models.PositiveSmallIntegerField(_("住房套数"), default=0)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("申请家庭成员")
        verbose_name_plural = _("申请家庭成员")
        ordering = ["application", "id"]

    def __str__(self) -> str:
        return self.name


class Enrollment(models.Model):
    """A household receiving a program's assistance, from the month after confirmation until exit."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("在保")
        SUSPENDED = "suspended", _("暂停发放")
        EXITED = "exited", _("已退出")

    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="enrollments", verbose_name=_("社区/村")
    )
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="enrollments")
    application = models.OneToOneField(
        Application, null=True, blank=True, on_delete=models.PROTECT, related_name="enrollment"
    )
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="enrollments"
    )
    head = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="enrollments", verbose_name=_("户主/申请人")
    )
    household_size = models.PositiveSmallIntegerField(_("保障人数"))
    monthly_amount = models.DecimalField(_("月救助金（元）"), max_digits=10, decimal_places=2)
    starts_on = models.DateField(_("起始月份"))
    review_due_on = models.DateField(_("下次复核日期"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    exited_on = models.DateField(_("退出日期"), null=True, blank=True)
    exit_reason = models.CharField(_("退出原因"), max_length=300, blank=True)
    history = models.JSONField(_("变更记录"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("救助对象")
        verbose_name_plural = _("救助对象")
        ordering = ["area", "-starts_on"]
        indexes = [models.Index(fields=["area", "status"])]

    def __str__(self) -> str:
        return f"{self.program} {self.head_id}"


class Payment(SealedFieldsMixin):
    """One monthly payment as paid (imported from the payment file or entered). `enrollment` is matched by
    the payee's ID number; `mismatch` is what reconciliation found (empty when the payment is in order)."""

    SEALED_FIELDS = {"payee_id_number": "id_number"}

    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="welfare_payments", verbose_name=_("社区/村")
    )
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="payments")
    enrollment = models.ForeignKey(
        Enrollment, null=True, blank=True, on_delete=models.SET_NULL, related_name="payments"
    )
    month = models.DateField(_("发放月份"), help_text=_("当月1日"))
    amount = models.DecimalField(_("金额（元）"), max_digits=10, decimal_places=2)
    payee_name = models.CharField(_("领取人"), max_length=50)
    payee_id_number_enc = models.TextField(blank=True, editable=False)
    payee_id_number_index = models.CharField(max_length=32, blank=True, editable=False, db_index=True)
    payee_id_number_masked = models.CharField(_("身份证号"), max_length=20, blank=True, editable=False)
    mismatch = models.CharField(_("比对问题"), max_length=32, blank=True)
    mismatch_detail = models.CharField(_("比对说明"), max_length=300, blank=True)
    import_run = models.ForeignKey(
        "core.ImportRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("救助金发放")
        verbose_name_plural = _("救助金发放")
        ordering = ["-month", "id"]
        indexes = [models.Index(fields=["area", "month"]), models.Index(fields=["mismatch"])]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} ¥{self.amount}"


class PublicNotice(models.Model):
    """A public notice (公示) of applications for a program, shown on the portal for exactly its period.
    Entries carry only whitelisted, masked fields."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("公示中")
        ENDED = "ended", _("公示结束")
        WITHDRAWN = "withdrawn", _("已撤回")

    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="public_notices", verbose_name=_("社区/村")
    )
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="notices")
    title = models.CharField(_("标题"), max_length=200)
    starts_on = models.DateField(_("公示开始"), null=True, blank=True)
    ends_on = models.DateField(_("公示结束"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    outcome = models.TextField(_("公示结果"), blank=True)
    public_code = models.CharField(max_length=16, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("公示")
        verbose_name_plural = _("公示")
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return self.title


class NoticeEntry(models.Model):
    """One line of a notice: the public projection of one application (masked name, household size,
    amount, community/group) — nothing else is ever rendered publicly."""

    notice = models.ForeignKey(PublicNotice, on_delete=models.CASCADE, related_name="entries")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="notice_entries")
    masked_name = models.CharField(_("姓名"), max_length=20)
    household_size = models.PositiveSmallIntegerField(_("保障人数"))
    monthly_amount = models.DecimalField(_("月救助金（元）"), max_digits=10, decimal_places=2)
    group_label = models.CharField(_("社区/组"), max_length=100)

    class Meta:
        verbose_name = _("公示条目")
        verbose_name_plural = _("公示条目")
        ordering = ["notice", "id"]
        constraints = [models.UniqueConstraint(fields=["notice", "application"], name="notice_entry_unique")]

    def __str__(self) -> str:
        return self.masked_name


class Objection(SealedFieldsMixin):
    """A resident's objection (异议) to a notice entry, named or anonymous. It opens a case assigned to
    re-check the household; `resolution` records how it was settled."""

    SEALED_FIELDS = {"phone": "phone"}

    class Resolution(models.TextChoices):
        PENDING = "pending", _("核查中")
        UPHELD = "upheld", _("异议成立")
        DISMISSED = "dismissed", _("异议不成立")

    notice = models.ForeignKey(PublicNotice, on_delete=models.PROTECT, related_name="objections")
    entry = models.ForeignKey(
        NoticeEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="objections"
    )
    text = models.TextField(_("异议内容"))
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone_enc = models.TextField(blank=True, editable=False)
    phone_index = models.CharField(max_length=32, blank=True, editable=False, db_index=True)
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True, editable=False)
    anonymous = models.BooleanField(_("匿名"), default=False)
    case = models.OneToOneField(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="objection"
    )
    resolution = models.CharField(
        _("处理结果"), max_length=16, choices=Resolution.choices, default=Resolution.PENDING
    )
    resolution_note = models.TextField(_("处理说明"), blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        ordering = ["notice", "created_at"]

    def __str__(self) -> str:
        return self.text[:40]


class Recheck(models.Model):
    """The committee's re-check of an enrolled or applying household (a guided checklist: documents, home
    visit, data comparison) and its conclusion. A conclusion never changes an enrolment by itself: staff act
    on it, with this finding linked."""

    class Conclusion(models.TextChoices):
        PENDING = "pending", _("核查中")
        ELIGIBLE = "eligible", _("符合条件")
        ADJUST = "adjust", _("需调整救助金或人数")
        INELIGIBLE = "ineligible", _("不符合条件")

    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="rechecks", verbose_name=_("社区/村")
    )
    enrollment = models.ForeignKey(
        Enrollment, null=True, blank=True, on_delete=models.PROTECT, related_name="rechecks"
    )
    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.PROTECT, related_name="rechecks"
    )
    reason = models.CharField(_("核查缘由"), max_length=300)
    checklist = models.JSONField(_("核查清单"), default=list, blank=True)
    conclusion = models.CharField(
        _("结论"), max_length=16, choices=Conclusion.choices, default=Conclusion.PENDING
    )
    conclusion_note = models.TextField(_("结论说明"), blank=True)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    acted_on = models.BooleanField(_("已据此处理"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    concluded_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("复核核查")
        verbose_name_plural = _("复核核查")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.reason[:40]
