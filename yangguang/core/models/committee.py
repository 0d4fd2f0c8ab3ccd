"""The supervision committee (居务监督委员会): terms, members, the cadres it must be independent of, elections,
removal motions and the annual performance evaluation (履职评价).

Composition and eligibility rules are data (`CommitteeRule`), stored with their source and effective date;
`yangguang.core.actions.committee` applies them when a member or candidate is proposed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yangguang.core.models.areas import Area, AreaKind
from yangguang.core.models.base import ScopedQuerySet, SealedFieldsMixin
from yangguang.core.models.people import Person


class CommitteeRule(models.Model):
    """Composition rules for committees of one kind of area (community or village), optionally for one
    district or street. The most specific rule in force on a date applies (DOMAIN.md: 5–7 members for
    communities, 3–5 for villages, a third each of party members, deputies and ordinary residents, at
    least one member with accounting knowledge)."""

    area_kind = models.CharField(
        _("适用区域类型"),
        max_length=16,
        choices=[(AreaKind.COMMUNITY, _("社区")), (AreaKind.VILLAGE, _("村"))],
    )
    area = models.ForeignKey(
        Area,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("适用范围"),
        help_text=_("留空表示全平台默认；可指定区或街道。"),
    )
    min_size = models.PositiveSmallIntegerField(_("最少人数"))
    max_size = models.PositiveSmallIntegerField(_("最多人数"))
    require_thirds = models.BooleanField(
        _("要求“三个三分之一”"),
        default=True,
        help_text=_("党员、人大代表/政协委员、普通群众各约占三分之一。"),
    )
    min_accounting = models.PositiveSmallIntegerField(_("具备财会知识的最少人数"), default=1)
    source = models.CharField(_("依据"), max_length=200, blank=True)
    effective_from = models.DateField(_("生效日期"))

    class Meta:
        verbose_name = _("监委会组成规则")
        verbose_name_plural = _("监委会组成规则")
        ordering = ["area_kind", "-effective_from"]

    def __str__(self) -> str:
        return f"{self.get_area_kind_display()} {self.min_size}–{self.max_size}"


class CommitteeTerm(models.Model):
    """One term (届) of a community's supervision committee, aligned with the residents'/village committee."""

    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="committee_terms", verbose_name=_("社区/村")
    )
    number = models.PositiveSmallIntegerField(_("届次"), help_text=_("例如：第3届"))
    starts_on = models.DateField(_("任期开始"))
    ends_on = models.DateField(_("任期结束"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("监委会届期")
        verbose_name_plural = _("监委会届期")
        ordering = ["area", "-starts_on"]
        constraints = [models.UniqueConstraint(fields=["area", "number"], name="committee_term_unique")]

    def __str__(self) -> str:
        return _("第%(n)d届（%(a)s—%(b)s）") % {"n": self.number, "a": self.starts_on, "b": self.ends_on}


class MemberGroup(models.TextChoices):
    """The three groups of the 'thirds' rule (seed 000)."""

    PARTY = "party", _("党员")
    DEPUTY = "deputy", _("人大代表/政协委员")
    ORDINARY = "ordinary", _("普通群众")


class CommitteeMember(models.Model):
    """A person proposed for or serving on a committee term. `eligibility` keeps the checklist computed
    when the member was proposed (each rule: passed or not, and why), so the decision stays explainable."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("拟任")
        SERVING = "serving", _("在任")
        LEFT = "left", _("已离任")
        REMOVED = "removed", _("已罢免")

    class Position(models.TextChoices):
        CHAIR = "chair", _("主任")
        VICE_CHAIR = "vice_chair", _("副主任")
        MEMBER = "member", _("委员")

    term = models.ForeignKey(CommitteeTerm, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="committee_seats")
    position = models.CharField(_("职务"), max_length=16, choices=Position.choices, default=Position.MEMBER)
    group = models.CharField(_("身份类别"), max_length=16, choices=MemberGroup.choices)
    has_accounting = models.BooleanField(_("具备财会知识"), default=False)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PROPOSED)
    eligibility = models.JSONField(_("资格审查"), default=list, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="committee_seats",
        verbose_name=_("系统账号"),
    )
    joined_on = models.DateField(_("就任日期"), null=True, blank=True)
    left_on = models.DateField(_("离任日期"), null=True, blank=True)
    left_reason = models.CharField(_("离任原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("监委会成员")
        verbose_name_plural = _("监委会成员")
        ordering = ["term", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["term", "person"], name="committee_member_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.person.name}（{self.get_position_display()}）"


class CadreBody(models.TextChoices):
    """The bodies whose post-holders (and their close relatives) may not sit on the committee."""

    PARTY = "party", _("社区党组织")
    RESIDENTS = "residents", _("居（村）民委员会")
    STAFF = "staff", _("社区工作人员")
    COLLECTIVE = "collective", _("集体经济组织")


class CadrePost(models.Model):
    """A post held in the community's two committees (两委) or on its staff, with dates."""

    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="cadre_posts", verbose_name=_("社区/村")
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cadre_posts")
    body = models.CharField(_("所在组织"), max_length=16, choices=CadreBody.choices)
    title = models.CharField(_("职务"), max_length=50, help_text=_("例如：书记、主任、委员、会计"))
    is_party_secretary = models.BooleanField(_("党组织书记"), default=False)
    starts_on = models.DateField(_("任职日期"))
    ends_on = models.DateField(_("离职日期"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("干部任职")
        verbose_name_plural = _("干部任职")
        ordering = ["area", "body", "starts_on"]

    def __str__(self) -> str:
        return f"{self.person.name} {self.get_body_display()}{self.title}"


class KinRelation(models.TextChoices):
    """Close relatives (近亲属) as DOMAIN.md lists them."""

    SPOUSE = "spouse", _("配偶")
    PARENT = "parent", _("父母")
    SPOUSE_PARENT = "spouse_parent", _("配偶的父母")
    SIBLING = "sibling", _("兄弟姐妹")
    SPOUSE_SIBLING = "spouse_sibling", _("配偶的兄弟姐妹")
    CHILD = "child", _("子女")
    CHILD_SPOUSE = "child_spouse", _("子女的配偶")
    GRANDPARENT = "grandparent", _("祖父母、外祖父母")
    GRANDCHILD = "grandchild", _("孙子女、外孙子女")
    PARENT_SIBLING = "parent_sibling", _("父母的兄弟姐妹")
    ADOPTIVE_STEP = "adoptive_step", _("养父母、继父母及其他拟制血亲")


class Kinship(SealedFieldsMixin):
    """One line of the cadres' close-relatives register (近亲属备案): `cadre` declared `relative_name`
    as a close relative. The relative is matched by ID number (blind index) and, when they are in the
    registry, linked as `relative`."""

    SEALED_FIELDS = {"relative_id_number": "id_number"}

    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="kinships", verbose_name=_("社区/村")
    )
    cadre = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="declared_kin", verbose_name=_("干部")
    )
    relative = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="kin_of_cadres",
        verbose_name=_("亲属（登记人口）"),
    )
    relative_name = models.CharField(_("亲属姓名"), max_length=50)
    relative_id_number_enc = models.TextField(blank=True, editable=False)
    relative_id_number_index = models.CharField(max_length=32, blank=True, editable=False, db_index=True)
    relative_id_number_masked = models.CharField(_("亲属身份证号"), max_length=20, blank=True, editable=False)
    relation = models.CharField(_("关系"), max_length=20, choices=KinRelation.choices)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("近亲属备案")
        verbose_name_plural = _("近亲属备案")
        ordering = ["area", "cadre", "relation"]

    def __str__(self) -> str:
        return f"{self.cadre.name} — {self.get_relation_display()} {self.relative_name}"


class Election(models.Model):
    """An election of a committee term by the residents' representative assembly (居民代表会议).

    Votes are recorded either as secret ballots entered one by one (`Ballot`, which do not name their
    voter) or as tallies from a paper count (`Candidate.tally`). The assembly is quorate when at least `quorum_percent` of the electorate attend;
    a candidate is elected with more than `majority_percent` of the votes of those attending.
    """

    class Method(models.TextChoices):
        BALLOTS = "ballots", _("逐张录入选票")
        TALLY = "tally", _("录入计票结果")

    class Status(models.TextChoices):
        PLANNED = "planned", _("筹备中")
        VOTING = "voting", _("投票中")
        COUNTED = "counted", _("已计票")
        PUBLISHED = "published", _("已公布")
        VOID = "void", _("无效")

    term = models.ForeignKey(CommitteeTerm, on_delete=models.CASCADE, related_name="elections")
    held_on = models.DateField(_("选举日期"))
    method = models.CharField(_("计票方式"), max_length=16, choices=Method.choices, default=Method.BALLOTS)
    seats = models.PositiveSmallIntegerField(_("应选人数"))
    quorum_percent = models.PositiveSmallIntegerField(_("到会比例要求（%）"), default=67)
    majority_percent = models.PositiveSmallIntegerField(_("当选得票比例（%，超过）"), default=50)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PLANNED)
    result = models.JSONField(_("选举结果"), default=dict, blank=True)
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("监委会选举")
        verbose_name_plural = _("监委会选举")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return _("%(d)s 选举") % {"d": self.held_on}


class Elector(models.Model):
    """A member of the electorate: one residents' representative, and whether they attended. When the
    votes are entered ballot by ballot, `attended` means the representative received and cast a ballot
    (so they cannot vote twice); which ballot is theirs is not recorded (`Ballot`)."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="electors")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    attended = models.BooleanField(_("到会"), default=False)

    class Meta:
        verbose_name = _("选举人")
        verbose_name_plural = _("选举人")
        constraints = [models.UniqueConstraint(fields=["election", "person"], name="elector_unique")]

    def __str__(self) -> str:
        return self.person.name


class Candidate(models.Model):
    """A candidate on the ballot; `tally` holds the votes of a paper count when the election uses one."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="candidates")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    group = models.CharField(_("身份类别"), max_length=16, choices=MemberGroup.choices)
    has_accounting = models.BooleanField(_("具备财会知识"), default=False)
    eligibility = models.JSONField(_("资格审查"), default=list, blank=True)
    tally = models.PositiveIntegerField(_("得票数"), null=True, blank=True)

    class Meta:
        verbose_name = _("候选人")
        verbose_name_plural = _("候选人")
        constraints = [models.UniqueConstraint(fields=["election", "person"], name="candidate_unique")]

    def __str__(self) -> str:
        return self.person.name


class Ballot(models.Model):
    """One anonymous ballot taken from the ballot box: the candidates marked on it (possibly none: a blank
    ballot).

    The vote is secret: a ballot does not name, and no column can lead back to, the representative who
    cast it. That a representative voted is recorded on the `Elector` (`attended`), apart from the ballot
    and before any ballot is entered (`actions.elections.check_record_voters`), so neither the ballots'
    order nor a time stamp follows the order in which representatives voted. A ballot therefore keeps no
    time of its own."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="ballots")
    choices = models.ManyToManyField(Candidate, blank=True, related_name="ballots")

    class Meta:
        verbose_name = _("选票")
        verbose_name_plural = _("选票")

    def __str__(self) -> str:
        return f"{self.election_id}:{self.pk}"


class RemovalMotion(models.Model):
    """A motion to remove a member (罢免), which one fifth of the residents with the right to vote may
    initiate; `signatures` and `electorate` record the count so the threshold is checkable."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("待表决")
        REMOVED = "removed", _("已罢免")
        REJECTED = "rejected", _("未通过")
        INVALID = "invalid", _("联名人数不足")

    member = models.ForeignKey(CommitteeMember, on_delete=models.CASCADE, related_name="removal_motions")
    filed_on = models.DateField(_("提出日期"))
    signatures = models.PositiveIntegerField(_("联名人数"))
    electorate = models.PositiveIntegerField(_("有选举权的居民总数"))
    reason = models.TextField(_("罢免理由"))
    outcome = models.CharField(_("结果"), max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    decided_on = models.DateField(_("表决日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("罢免动议")
        verbose_name_plural = _("罢免动议")
        ordering = ["-filed_on"]

    def __str__(self) -> str:
        return f"{self.member} {self.filed_on}"

    @property
    def reaches_threshold(self) -> bool:
        """One fifth or more of the electorate signed (integer arithmetic: no rounding surprises)."""
        return self.electorate > 0 and self.signatures * 5 >= self.electorate


class Grade(models.TextChoices):
    FIT = "fit", _("称职")
    BASIC = "basic", _("基本称职")
    UNFIT = "unfit", _("不称职")


class Evaluation(models.Model):
    """One year's democratic performance evaluation (履职评价) in a community: residents and representatives
    rate each cadre and the committee itself."""

    class Status(models.TextChoices):
        OPEN = "open", _("评议中")
        CLOSED = "closed", _("已结束")

    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="evaluations", verbose_name=_("社区/村")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("名称"), max_length=100)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("履职评价")
        verbose_name_plural = _("履职评价")
        ordering = ["-year", "area"]
        constraints = [models.UniqueConstraint(fields=["area", "year", "title"], name="evaluation_unique")]

    def __str__(self) -> str:
        return f"{self.year} {self.title}"


class EvaluationSubject(models.Model):
    """Who is rated: a cadre (a person) or the committee as a body (person empty). `tally_*` hold a paper
    count; `grade` is the verdict computed when the evaluation closes."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="subjects")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    label = models.CharField(_("评议对象"), max_length=100)
    tally_fit = models.PositiveIntegerField(_("称职票"), default=0)
    tally_basic = models.PositiveIntegerField(_("基本称职票"), default=0)
    tally_unfit = models.PositiveIntegerField(_("不称职票"), default=0)
    grade = models.CharField(_("评价结果"), max_length=16, choices=Grade.choices, blank=True)
    flagged = models.BooleanField(_("连续两年不称职"), default=False)

    class Meta:
        verbose_name = _("评议对象")
        verbose_name_plural = _("评议对象")
        ordering = ["evaluation", "id"]

    def __str__(self) -> str:
        return self.label


class Rating(models.Model):
    """One rater's grade for one subject; a rater rates a subject once."""

    class RaterKind(models.TextChoices):
        RESIDENT = "resident", _("居民")
        REPRESENTATIVE = "representative", _("居民代表")

    subject = models.ForeignKey(EvaluationSubject, on_delete=models.CASCADE, related_name="ratings")
    rater = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    rater_kind = models.CharField(_("评议人身份"), max_length=16, choices=RaterKind.choices)
    grade = models.CharField(_("评价"), max_length=16, choices=Grade.choices)
    comment = models.CharField(_("意见"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("评议票")
        verbose_name_plural = _("评议票")
        constraints = [models.UniqueConstraint(fields=["subject", "rater"], name="rating_unique")]

    def __str__(self) -> str:
        return f"{self.subject_id}:{self.grade}"
