"""Welfare programs, applications and enrolment (惠民资金: 低保 and other assistance).

- Programs and their data (`do_save_program`, `do_add_standard`, `do_add_counting_rule`): MANAGE_PROGRAMS,
  held by the district's civil-affairs bureau and the district admin.
- Applications (`check_create_application`, member edits, `do_application_transition`): MANAGE_WELFARE at
  the community. The path is the table `APPLICATION_TRANSITIONS`; each step is one conditional UPDATE on
  the status (a concurrent step finds nothing to update and fails cleanly) plus a line of `history` and an
  audit entry. The public notice (公示) belongs to the notices part, which calls `mark_noticed`; confirming
  needs `notice_ended` and no pending objection.
- Enrolment (`do_review_enrollment`, `do_adjust_enrollment`, `do_exit_enrollment`, suspend/resume,
  `exit_deceased`, `apply_committee_finding`): the committee's re-check changes an enrolment only through a
  staff member's act, with the finding linked in the history.

Close relatives of cadres (`kin_findings`) flag an application (`kin_flag`) so it is filed separately and
gets a home visit; nothing in this module refuses an application for that reason — no code path refuses
automatically at all. The officers handling it count too: a staff account linked to its registry person
(`StaffIdentity`) is checked against the members, and the flag names the conflict.

Recusal (回避): an officer whose linked person is a member of the household, has declared a member as a
close relative, or was declared by a member who is a cadre, is refused every step of the path, every member
edit and every act on the enrolment (`check_recusal`); another officer must act. Registering the
application stays open to them (it decides nothing, and the registering officer's conflict flags it).

The module is split: the shared helpers are in `welfare_common`, close relatives and recusal in
`welfare_recusal`, the acts on an enrolment in `enrolment`, the program settings in `welfare_programs`.
Their public names are re-exported here, so `welfare.today`, `welfare.officer_person` or
`welfare.do_exit_enrollment` keep working.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from yangguang.core.actions import audit
from yangguang.core.actions.eligibility import Assessment, assess, money
from yangguang.core.actions.enrolment import (  # noqa: F401 - re-exported: welfare.do_exit_enrollment, ...
    ReviewResult,
    apply_committee_finding,
    check_unique_live_enrollment,
    do_adjust_enrollment,
    do_exit_enrollment,
    do_resume_enrollment,
    do_review_enrollment,
    do_suspend_enrollment,
    exit_deceased,
)
from yangguang.core.actions.welfare_common import (  # noqa: F401 - re-exported: welfare.today, ...
    IRREGULAR_INCOME_REVIEW_MONTHS,
    LIVE_ENROLLMENT,
    MIN_REASON_LENGTH,
    E,
    add_months,
    first_of_next_month,
    history_line,
    plain,
    require,
    today,
)
from yangguang.core.actions.welfare_programs import (  # noqa: F401 - re-exported: welfare.do_save_program, ...
    do_add_counting_rule,
    do_add_standard,
    do_save_program,
)
from yangguang.core.actions.welfare_recusal import (  # noqa: F401 - re-exported: welfare.officer_person, ...
    KINSHIP_LABEL,
    Officer,
    application_recusal,
    check_recusal,
    enrollment_recusal,
    kin_findings,
    linked_officers,
    member_ids,
    officer_person,
    recusal_findings,
)
from yangguang.core.models import (
    APPLICATION_TRANSITIONS,
    Application,
    ApplicationMember,
    ApplicationStatus,
    Area,
    AreaKind,
    AuditAction,
    Circumstance,
    Enrollment,
    Household,
    HouseholdMembership,
    NoticeEntry,
    Objection,
    Person,
    Program,
    PublicNotice,
    Relation,
)
from yangguang.core.permissions import Cap
from yangguang.lib.masking import mask_name
from yangguang.lib.ratios import reaches

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    Actor = AbstractBaseUser | AnonymousUser | None

S = ApplicationStatus
OPEN_STATUSES = frozenset({S.RECEIVED, S.ACCEPTED, S.AUTHORISED, S.SURVEYED, S.REVIEWED, S.NOTICED})
# Members may be edited until the democratic review; after it, the noticed figures must stay as noticed.
MEMBER_EDIT_STATUSES = frozenset({S.RECEIVED, S.ACCEPTED, S.AUTHORISED, S.SURVEYED})
# Words that show the survey notes record a home visit (required for kin-flagged applications).
VISIT_WORDS = ("入户", "走访", "家访", "上门")


# --- small helpers (the shared ones are in `welfare_common`) --------------------------------------------


def community_of(area: Area) -> Area | None:
    """The community or village an area belongs to (itself, or its ancestor); None above that level."""
    if area.kind in (AreaKind.COMMUNITY, AreaKind.VILLAGE):
        return area
    return (
        Area.objects.filter(pk__in=area.ancestor_ids(), kind__in=[AreaKind.COMMUNITY, AreaKind.VILLAGE])
        .order_by("-depth")
        .first()
    )


def programs_for(area: Area) -> list[Program]:
    """Active programs configured at `area` or above it (a district's programs serve its communities)."""
    return list(Program.objects.filter(area_id__in=area.ancestor_ids(), active=True).select_related("area"))


def programs_visible(user: AbstractBaseUser | AnonymousUser, capability: str) -> Q:
    """Programs a user may read: those configured inside their jurisdiction and those above it."""
    from yangguang.core.permissions import jurisdiction_paths

    condition = Q(pk__in=[])
    for path in jurisdiction_paths(user, capability):
        ids = [int(part) for part in path.strip("/").split("/") if part]
        condition |= Q(area__path__startswith=path) | Q(area_id__in=ids)
    return condition


# --- the kin flag (close relatives of cadres and recusal are in `welfare_recusal`) -------------------------


def _refresh_flags(actor: Actor, application: Application) -> Assessment:
    """Recompute the kin flag and the eligibility of an application from its members (saved)."""
    # The officers of the application: whoever acts now, and whoever registered it (the one who received
    # the household; the flag stays after others take over). Related officers are refused every other
    # act, so this is how an officer's relative is filed separately.
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    officers = linked_officers([actor_id, application.created_by_id])
    lines = kin_findings(application.area, member_ids(application), officers)
    application.kin_flag = bool(lines)
    application.kin_note = "；".join(lines)[:300]
    assessment = assess(application, today())
    application.eligibility = assessment.to_json()
    application.monthly_amount = assessment.monthly_amount if assessment.eligible else None
    application.save(update_fields=["kin_flag", "kin_note", "eligibility", "monthly_amount"])
    return assessment


# --- applications ------------------------------------------------------------------------------------------


@dataclass
class ApplicationInput:
    program: Program
    applicant: Person
    applied_on: datetime.date | None = None
    reason: str = ""


# The relation of a household member to the applicant, from both relations to the head (common cases;
# anything else is "other" and the staff member corrects it during the survey).
_RELATIVE_TO_APPLICANT: dict[str, dict[str, str]] = {
    Relation.SPOUSE: {
        Relation.HEAD: Relation.SPOUSE,
        Relation.CHILD: Relation.CHILD,
        Relation.CHILD_IN_LAW: Relation.CHILD_IN_LAW,
        Relation.GRANDCHILD: Relation.GRANDCHILD,
    },
    Relation.CHILD: {
        Relation.HEAD: Relation.PARENT,
        Relation.SPOUSE: Relation.PARENT,
        Relation.CHILD: Relation.SIBLING,
        Relation.PARENT: Relation.GRANDPARENT,
    },
    Relation.PARENT: {Relation.HEAD: Relation.CHILD, Relation.SPOUSE: Relation.CHILD_IN_LAW},
}


def relation_to_applicant(applicant_to_head: str, member_to_head: str) -> str:
    if applicant_to_head == Relation.HEAD:
        return member_to_head
    return _RELATIVE_TO_APPLICANT.get(applicant_to_head, {}).get(member_to_head, Relation.OTHER)


def default_circumstance(relation: str, birth_date: datetime.date, on: datetime.date) -> str:
    """A first guess the survey confirms: spouses and minor children count; adult children are left
    uncounted until their situation (student, dependent, …) is recorded; relatives living in the
    household with a duty of support count."""
    age = on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
    if relation == Relation.SPOUSE:
        return Circumstance.SPOUSE
    if relation == Relation.CHILD:
        return Circumstance.MINOR_CHILD if age < 18 else Circumstance.OTHER_NOT_COHABITING
    if relation in (Relation.PARENT, Relation.GRANDPARENT, Relation.GRANDCHILD):
        return Circumstance.SUPPORT_COHABITING
    return Circumstance.OTHER_NOT_COHABITING


def check_create_application(actor: Actor, data: ApplicationInput) -> Application:
    """Open an application for the applicant's household, members taken from the registry.

    Raises PermissionDenied without MANAGE_WELFARE at the applicant's community, ValidationError (Chinese)
    for an inactive program, a person outside the program's area, or a second open application of the same
    household to the same program.
    """
    applicant = data.applicant
    program = data.program
    community = community_of(applicant.area)
    require(actor, Cap.MANAGE_WELFARE, community, _("您没有为该居民办理救助申请的权限。"))
    assert community is not None  # noqa: S101 - `require` rejected None
    if not program.active:
        raise ValidationError({"program": _("救助项目“%(name)s”已停用。") % {"name": program.name}})
    if not program.area.contains(community):
        raise ValidationError({"program": _("该救助项目不适用于本社区。")})
    if applicant.died_on is not None:
        raise ValidationError({"applicant": _("申请人已登记死亡，不能提出申请。")})
    applied_on = data.applied_on or today()
    if applied_on > today():
        raise ValidationError({"applied_on": _("申请日期不能晚于今天。")})
    membership = (
        HouseholdMembership.objects.filter(person=applicant, end_date__isnull=True)
        .select_related("household")
        .first()
    )
    household = membership.household if membership is not None else None
    with transaction.atomic():
        same = Q(applicant=applicant) | (Q(household=household) if household is not None else Q(pk__in=[]))
        open_one = (
            Application.objects.select_for_update()
            .filter(same, program=program, status__in=OPEN_STATUSES)
            .first()
        )
        if open_one is not None:
            raise ValidationError(
                _("该户已有一份“%(program)s”申请正在办理（编号 %(number)s），不能重复申请。")
                % {"program": program.name, "number": open_one.number}
            )
        application = Application.objects.create(
            area=community,
            program=program,
            household=household,
            applicant=applicant,
            number=f"tmp-{uuid.uuid4().hex[:24]}",
            applied_on=applied_on,
            reason=data.reason.strip(),
            created_by=actor if actor is not None and actor.is_authenticated else None,  # type: ignore[misc]
            history=[history_line(actor, "create", to=S.RECEIVED)],
        )
        application.number = f"JZ{applied_on:%Y}{application.pk:06d}"
        application.save(update_fields=["number"])
        _prefill_members(application, applicant, household, membership, applied_on)
        assessment = _refresh_flags(actor, application)
        audit.record(
            actor,
            AuditAction.CREATE,
            target=application,
            changes={
                "program": program.code,
                "applicant": mask_name(applicant.name),
                "members": len(assessment.members),
                "kin_flag": application.kin_flag,
            },
        )
    return application


def _prefill_members(
    application: Application,
    applicant: Person,
    household: Household | None,
    membership: HouseholdMembership | None,
    on: datetime.date,
) -> None:
    members = [
        ApplicationMember(
            application=application,
            person=applicant,
            name=applicant.name,
            relation=Relation.HEAD,
            circumstance=Circumstance.APPLICANT,
        )
    ]
    if household is not None and membership is not None:
        others = (
            HouseholdMembership.objects.filter(household=household, end_date__isnull=True)
            .exclude(person=applicant)
            .select_related("person")
            .order_by("start_date", "pk")
        )
        for other in others:
            if other.person.died_on is not None:
                continue
            relation = relation_to_applicant(membership.relation, other.relation)
            members.append(
                ApplicationMember(
                    application=application,
                    person=other.person,
                    name=other.person.name,
                    relation=relation,
                    circumstance=default_circumstance(relation, other.person.birth_date, on),
                )
            )
    ApplicationMember.objects.bulk_create(members)


@dataclass
class MemberInput:
    """What the survey records about one member. Amounts are already parsed (`eligibility.parse_amount`)."""

    circumstance: str
    monthly_income: Decimal
    deposits: Decimal
    vehicle_value: Decimal
    properties: int
    note: str = ""
    relation: str | None = None
    name: str | None = None


def _editable(application: Application) -> None:
    if application.status in MEMBER_EDIT_STATUSES:
        return
    if application.status == S.CONFIRMED:
        live = Enrollment.objects.filter(application=application, status__in=LIVE_ENROLLMENT).exists()
        if live:
            return  # periodic review: members are updated, then the enrolment is re-assessed
    raise ValidationError(
        _("当前状态“%(status)s”下不能修改家庭成员信息。") % {"status": application.get_status_display()}
    )


def members_editable(application: Application) -> bool:
    """Whether the members may be edited now (before the review, or during a live enrolment's review)."""
    try:
        _editable(application)
    except ValidationError:
        return False
    return True


def _check_member(data: MemberInput) -> None:
    if data.circumstance not in Circumstance.values:
        raise ValidationError({"circumstance": _("请选择成员情形。")})
    if data.relation is not None and data.relation not in Relation.values:
        raise ValidationError({"relation": _("请选择与申请人关系。")})
    if data.properties < 0:
        raise ValidationError({"properties": _("住房套数不能为负数。")})
    for field, value in (
        ("monthly_income", data.monthly_income),
        ("deposits", data.deposits),
        ("vehicle_value", data.vehicle_value),
    ):
        if value < 0:
            raise ValidationError({field: _("金额不能为负数。")})


@transaction.atomic
def do_update_member(actor: Actor, member: ApplicationMember, data: MemberInput) -> ApplicationMember:
    """Record a member's circumstance, income and assets; the eligibility and kin flag are recomputed."""
    application = (
        Application.objects.select_for_update()
        .select_related("program", "area")
        .get(pk=member.application_id)
    )
    require(actor, Cap.MANAGE_WELFARE, application.area, _("您没有办理该救助申请的权限。"))
    check_recusal(application_recusal(actor, application))
    _editable(application)
    _check_member(data)
    before = audit.snapshot(member)
    member.circumstance = data.circumstance
    member.monthly_income = money(data.monthly_income)
    member.deposits = money(data.deposits)
    member.vehicle_value = money(data.vehicle_value)
    member.properties = data.properties
    member.note = data.note.strip()[:200]
    if data.relation is not None:
        member.relation = data.relation
    member.save()
    changes = audit.diff(before, audit.snapshot(member))
    changes.pop("name", None)
    if changes:
        application.history = [
            *application.history,
            history_line(actor, "member", member=mask_name(member.name), fields=sorted(changes)),
        ]
        application.save(update_fields=["history"])
    _refresh_flags(actor, application)
    audit.record(
        actor, AuditAction.UPDATE, target=application, changes={f"member.{k}": v for k, v in changes.items()}
    )
    return member


@transaction.atomic
def do_add_member(
    actor: Actor, application: Application, data: MemberInput, person: Person | None = None
) -> ApplicationMember:
    """Add someone who lives with the household but is not in its registry household (or not registered)."""
    application = (
        Application.objects.select_for_update().select_related("program", "area").get(pk=application.pk)
    )
    require(actor, Cap.MANAGE_WELFARE, application.area, _("您没有办理该救助申请的权限。"))
    # The newcomer counts too: an officer may not add themselves or their own relative.
    newcomer = [person.pk] if person is not None else []
    check_recusal(recusal_findings(actor, [*member_ids(application), *newcomer]))
    _editable(application)
    _check_member(data)
    name = (person.name if person is not None else (data.name or "")).strip()
    if not name:
        raise ValidationError({"name": _("请填写姓名。")})
    if person is not None and application.members.filter(person=person).exists():
        raise ValidationError({"name": _("该居民已在申请家庭成员中。")})
    member = ApplicationMember.objects.create(
        application=application,
        person=person,
        name=name[:50],
        relation=data.relation or Relation.OTHER,
        circumstance=data.circumstance,
        monthly_income=money(data.monthly_income),
        deposits=money(data.deposits),
        vehicle_value=money(data.vehicle_value),
        properties=data.properties,
        note=data.note.strip()[:200],
    )
    application.history = [*application.history, history_line(actor, "member_added", member=mask_name(name))]
    application.save(update_fields=["history"])
    _refresh_flags(actor, application)
    audit.record(actor, AuditAction.UPDATE, target=application, changes={"member_added": mask_name(name)})
    return member


@transaction.atomic
def do_remove_member(actor: Actor, member: ApplicationMember, reason: str) -> None:
    application = (
        Application.objects.select_for_update()
        .select_related("program", "area")
        .get(pk=member.application_id)
    )
    require(actor, Cap.MANAGE_WELFARE, application.area, _("您没有办理该救助申请的权限。"))
    check_recusal(application_recusal(actor, application))
    _editable(application)
    if member.circumstance == Circumstance.APPLICANT or member.person_id == application.applicant_id:
        raise ValidationError(_("申请人本人不能从申请中移除。"))
    reason = reason.strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ValidationError({"reason": _("请填写移除原因（至少%(n)d个字）。") % {"n": MIN_REASON_LENGTH}})
    name = mask_name(member.name)
    member.delete()
    application.history = [
        *application.history,
        history_line(actor, "member_removed", member=name, note=reason),
    ]
    application.save(update_fields=["history"])
    _refresh_flags(actor, application)
    audit.record(
        actor, AuditAction.UPDATE, target=application, changes={"member_removed": name}, reason=reason
    )


# --- the application path ----------------------------------------------------------------------------------


def notice_entry(application: Application) -> NoticeEntry | None:
    """The entry of the application's latest notice that was not withdrawn."""
    return (
        NoticeEntry.objects.filter(application=application)
        .exclude(notice__status=PublicNotice.Status.WITHDRAWN)
        .select_related("notice")
        .order_by("-notice_id")
        .first()
    )


def notice_ended(application: Application, on: datetime.date | None = None) -> bool:
    """Whether the public notice of the application has run its course (ENDED, or its last day passed)."""
    entry = notice_entry(application)
    if entry is None:
        return False
    notice = entry.notice
    if notice.status == PublicNotice.Status.ENDED:
        return True
    return notice.ends_on is not None and notice.ends_on < (on or today())


def pending_objections(application: Application) -> int:
    """Objections still being checked that hold the application up: those about its entry, and those about
    the whole of a notice it is on (answered before any application of that notice is confirmed)."""
    on_notices = NoticeEntry.objects.filter(application=application).values("notice_id")
    return Objection.objects.filter(
        Q(entry__application=application) | Q(entry__isnull=True, notice_id__in=on_notices),
        resolution=Objection.Resolution.PENDING,
    ).count()


def allowed_steps(application: Application) -> list[str]:
    """The steps the table allows from the current status (the notice step belongs to the notices part)."""
    return [
        name
        for name, (sources, _target) in APPLICATION_TRANSITIONS.items()
        if application.status in sources and name != "notice"
    ]


def _date(value: Any, field: str, label: str, *, required: bool = True) -> datetime.date | None:
    if value in (None, ""):
        if required:
            raise ValidationError({field: _("请填写%(label)s。") % {"label": label}})
        return None
    if not isinstance(value, datetime.date):
        raise ValidationError({field: _("%(label)s格式不正确。") % {"label": label}})
    if value > today():
        raise ValidationError({field: _("%(label)s不能晚于今天。") % {"label": label}})
    return value


def _count(value: Any, field: str, label: str) -> int:
    if value in (None, ""):
        raise ValidationError({field: _("请填写%(label)s。") % {"label": label}})
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError({field: _("%(label)s须为整数。") % {"label": label}}) from exc
    if number < 0:
        raise ValidationError({field: _("%(label)s不能为负数。") % {"label": label}})
    return number


def do_application_transition(actor: Actor, application: Application, name: str, **data: Any) -> Application:
    """One step of the application path (see `APPLICATION_TRANSITIONS`). Data by step:

    accept: note · authorise: authorisation_signed_on · survey: survey_on, survey_notes ·
    review: review_on, review_expected, review_present, review_approve · confirm: irregular_income ·
    refuse: reason · withdraw: note. "notice" is only taken through `mark_noticed`.
    """
    require(actor, Cap.MANAGE_WELFARE, application.area, _("您没有办理该救助申请的权限。"))
    if name == "notice":
        raise ValidationError(_("公示须通过“公示”功能发布。"))
    check_recusal(application_recusal(actor, application))
    return _transition(actor, application, name, data)


def mark_noticed(application: Application, actor: Actor = None) -> Application:
    """REVIEWED → NOTICED, called by the notices part when it publishes a notice holding the application
    (it has checked its own permission)."""
    return _transition(actor, application, "notice", {})


def _transition(actor: Actor, application: Application, name: str, data: dict[str, Any]) -> Application:
    if name not in APPLICATION_TRANSITIONS:
        raise ValidationError(_("未知的办理操作。"))
    sources, target = APPLICATION_TRANSITIONS[name]
    if application.status not in sources:
        raise ValidationError(
            _("当前状态“%(status)s”下不能执行该操作。") % {"status": application.get_status_display()},
            code="bad_state",
        )
    with transaction.atomic():
        fields: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        note = str(data.get("note") or "").strip()
        enrollment: Enrollment | None = None
        if name == "authorise":
            fields["authorisation_signed_on"] = _date(
                data.get("authorisation_signed_on"), "authorisation_signed_on", _("核对授权书签署日期")
            )
        elif name == "survey":
            fields.update(_survey(application, data))
        elif name == "review":
            fields.update(_review(application, data))
        elif name == "confirm":
            enrollment, confirm_fields, extra = _confirm(actor, application, data)
            fields.update(confirm_fields)
        elif name == "refuse":
            reason = str(data.get("reason") or "").strip()
            if len(reason) < MIN_REASON_LENGTH:
                raise ValidationError(
                    {"reason": _("请填写不予批准的书面理由（至少%(n)d个字）。") % {"n": MIN_REASON_LENGTH}}
                )
            fields["refusal_reason"] = reason
            fields["decided_on"] = today()
            note = reason
        from_status = application.status
        line = history_line(actor, name, **{"from": from_status, "to": target, "note": note, **extra})
        fields["history"] = [*application.history, line]
        fields["status"] = target
        claimed = Application.objects.filter(pk=application.pk, status=from_status).update(**fields)
        if not claimed:
            raise ValidationError(_("该申请刚刚被其他人处理过，请刷新页面后再试。"), code="conflict")
        for key, value in fields.items():
            setattr(application, key, value)
        if name == "survey":
            _refresh_flags(actor, application)
        if enrollment is not None:
            enrollment.application = application
            enrollment.save()
            audit.record(
                actor,
                AuditAction.CREATE,
                target=enrollment,
                changes={
                    "application": application.number,
                    "household_size": enrollment.household_size,
                    "monthly_amount": str(enrollment.monthly_amount),
                    "starts_on": enrollment.starts_on.isoformat(),
                    "review_due_on": enrollment.review_due_on.isoformat(),
                },
            )
        audit.record(
            actor,
            AuditAction.UPDATE,
            target=application,
            changes={"status": [from_status, target], **{k: plain(v) for k, v in extra.items()}},
            reason=note,
        )
    return application


def _survey(application: Application, data: dict[str, Any]) -> dict[str, Any]:
    survey_on = _date(data.get("survey_on"), "survey_on", _("入户调查日期"))
    notes = str(data.get("survey_notes") or "").strip()
    if len(notes) < MIN_REASON_LENGTH:
        raise ValidationError({"survey_notes": _("请填写入户调查情况。")})
    if application.kin_flag and not any(word in notes for word in VISIT_WORDS):
        raise ValidationError(
            {
                "survey_notes": _(
                    "该申请为干部近亲属备案申请，须入户核查：请在调查情况中写明入户走访的情况（如“入户走访”）。"
                )
            }
        )
    return {"survey_on": survey_on, "survey_notes": notes}


def _review(application: Application, data: dict[str, Any]) -> dict[str, Any]:
    review_on = _date(data.get("review_on"), "review_on", _("评议日期"))
    expected = _count(data.get("review_expected"), "review_expected", _("应到评议人数"))
    present = _count(data.get("review_present"), "review_present", _("实到评议人数"))
    approve = _count(data.get("review_approve"), "review_approve", _("同意人数"))
    if expected == 0:
        raise ValidationError({"review_expected": _("应到评议人数须大于0。")})
    if present > expected:
        raise ValidationError({"review_present": _("实到人数不能多于应到人数。")})
    if approve > present:
        raise ValidationError({"review_approve": _("同意人数不能多于实到人数。")})
    program = application.program
    if not reaches(present, expected, program.review_attendance_percent):
        raise ValidationError(
            _(
                "到会人数不足：应到%(expected)d人，实到%(present)d人，未达到%(percent)d%%，评议无效，请重新组织评议。"
            )
            % {"expected": expected, "present": present, "percent": program.review_attendance_percent}
        )
    if not reaches(approve, present, program.review_approval_percent):
        raise ValidationError(
            _("同意人数不足：实到%(present)d人，同意%(approve)d人，未达到%(percent)d%%，评议未通过。")
            % {"present": present, "approve": approve, "percent": program.review_approval_percent}
        )
    if not application.eligibility.get("eligible"):
        raise ValidationError(
            _("资格测算结果为不符合条件，不能以评议通过；如确认不符合，请填写书面理由作出不予批准决定。")
        )
    return {
        "review_on": review_on,
        "review_expected": expected,
        "review_present": present,
        "review_approve": approve,
    }


def _confirm(
    actor: Actor, application: Application, data: dict[str, Any]
) -> tuple[Enrollment, dict[str, Any], dict[str, Any]]:
    if not notice_ended(application):
        raise ValidationError(_("公示期尚未结束，不能审批。"))
    pending = pending_objections(application)
    if pending:
        raise ValidationError(_("公示期间收到的%(n)d条异议尚在核查中，核查完毕后才能审批。") % {"n": pending})
    result = application.eligibility
    if not result.get("eligible"):
        raise ValidationError(_("资格测算结果为不符合条件，不能审批通过。"))
    same = Q(head=application.applicant)
    if application.household_id is not None:
        same |= Q(household_id=application.household_id)
    if Enrollment.objects.filter(same, program=application.program, status__in=LIVE_ENROLLMENT).exists():
        raise ValidationError(_("该户已在“%(program)s”救助名册中。") % {"program": application.program.name})
    decided = today()
    starts_on = first_of_next_month(decided)
    irregular = bool(data.get("irregular_income"))
    months = IRREGULAR_INCOME_REVIEW_MONTHS if irregular else application.program.review_months
    amount = Decimal(str(result.get("monthly_amount") or "0"))
    size = int(result.get("counted_size") or 0)
    extra: dict[str, Any] = {
        "household_size": size,
        "monthly_amount": amount,
        "starts_on": starts_on,
        "review_months": months,
    }
    if irregular:
        extra["review_reason"] = _("家庭成员有劳动能力但收入不稳定，每6个月复核一次。")
    enrollment = Enrollment(
        area=application.area,
        program=application.program,
        household=application.household,
        head=application.applicant,
        household_size=size,
        monthly_amount=amount,
        starts_on=starts_on,
        review_due_on=add_months(starts_on, months),
        history=[history_line(actor, "enrol", source="application", number=application.number, **extra)],
    )
    fields = {"decided_on": decided, "monthly_amount": amount}
    return enrollment, fields, extra
