"""Enrolment (救助对象名册): acting on an enrolled household — periodic review, adjust, suspend, resume, exit,
exit on the head's death, and acting on the committee's re-check finding — each a conditional UPDATE on the
status, a history line and an audit entry, by staff holding MANAGE_WELFARE at the community who need not
stay away from the household (回避). Confirming an application creates the enrolment (`welfare`); the
roster import checks `check_unique_live_enrollment`. Re-exported by `welfare`.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from yangguang.core.actions import audit
from yangguang.core.actions.eligibility import Assessment, assess, check_labels, money
from yangguang.core.actions.welfare_common import (
    IRREGULAR_INCOME_REVIEW_MONTHS,
    LIVE_ENROLLMENT,
    MIN_REASON_LENGTH,
    E,
    add_months,
    history_line,
    plain,
    require,
    today,
)
from yangguang.core.actions.welfare_recusal import check_recusal, enrollment_recusal
from yangguang.core.models import (
    Application,
    AuditAction,
    Enrollment,
    Person,
    Program,
    Recheck,
)
from yangguang.core.permissions import Cap

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    Actor = AbstractBaseUser | AnonymousUser | None


def _enrollment_change(
    actor: Actor,
    enrollment: Enrollment,
    allowed: Sequence[str],
    fields: dict[str, Any],
    line: dict[str, Any],
    reason: str = "",
) -> Enrollment:
    """Apply a change to a live enrolment with a conditional UPDATE on its status, a history line and an
    audit entry."""
    if enrollment.status not in allowed:
        raise ValidationError(
            _("救助对象当前状态为“%(status)s”，不能执行该操作。")
            % {"status": enrollment.get_status_display()}
        )
    before = {key: plain(getattr(enrollment, key)) for key in fields}
    fields = {**fields, "history": [*enrollment.history, line]}
    claimed = Enrollment.objects.filter(pk=enrollment.pk, status=enrollment.status).update(**fields)
    if not claimed:
        raise ValidationError(_("该救助对象刚刚被其他人处理过，请刷新页面后再试。"), code="conflict")
    for key, value in fields.items():
        setattr(enrollment, key, value)
    changes = {key: [before[key], plain(fields[key])] for key in before if before[key] != plain(fields[key])}
    audit.record(actor, AuditAction.UPDATE, target=enrollment, changes=changes, reason=reason)
    return enrollment


def _staff(actor: Actor, enrollment: Enrollment) -> None:
    require(actor, Cap.MANAGE_WELFARE, enrollment.area, _("您没有办理该救助对象的权限。"))
    check_recusal(enrollment_recusal(actor, enrollment))


def _reason(reason: str) -> str:
    reason = reason.strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ValidationError({"reason": _("请填写原因（至少%(n)d个字）。") % {"n": MIN_REASON_LENGTH}})
    return reason


@transaction.atomic
def do_exit_enrollment(
    actor: Actor,
    enrollment: Enrollment,
    *,
    reason: str,
    exited_on: datetime.date | None = None,
    recheck: Recheck | None = None,
    system: bool = False,
) -> Enrollment:
    """End an enrolment (exit date and reason). `system` is for cross-checks run without a user."""
    if not system:
        _staff(actor, enrollment)
    reason = _reason(reason)
    exited_on = exited_on or today()
    if exited_on < enrollment.starts_on.replace(day=1) - datetime.timedelta(days=31):
        raise ValidationError({"exited_on": _("退出日期不能早于起始月份。")})
    line = history_line(
        actor, "exit", note=reason, exited_on=exited_on, recheck=recheck.pk if recheck is not None else None
    )
    return _enrollment_change(
        actor,
        enrollment,
        LIVE_ENROLLMENT,
        {"status": E.EXITED, "exited_on": exited_on, "exit_reason": reason[:300]},
        line,
        reason,
    )


@transaction.atomic
def do_suspend_enrollment(actor: Actor, enrollment: Enrollment, *, reason: str) -> Enrollment:
    _staff(actor, enrollment)
    reason = _reason(reason)
    line = history_line(actor, "suspend", note=reason)
    return _enrollment_change(actor, enrollment, (E.ACTIVE,), {"status": E.SUSPENDED}, line, reason)


@transaction.atomic
def do_resume_enrollment(actor: Actor, enrollment: Enrollment, *, reason: str) -> Enrollment:
    _staff(actor, enrollment)
    reason = _reason(reason)
    line = history_line(actor, "resume", note=reason)
    return _enrollment_change(actor, enrollment, (E.SUSPENDED,), {"status": E.ACTIVE}, line, reason)


@transaction.atomic
def do_adjust_enrollment(
    actor: Actor,
    enrollment: Enrollment,
    *,
    household_size: int,
    monthly_amount: Decimal,
    reason: str,
    recheck: Recheck | None = None,
) -> Enrollment:
    """Change the household size and amount (from the next payment), with the reason in the history."""
    _staff(actor, enrollment)
    reason = _reason(reason)
    if household_size < 1:
        raise ValidationError({"household_size": _("保障人数至少为1人。")})
    if monthly_amount < 0:
        raise ValidationError({"monthly_amount": _("月救助金不能为负数。")})
    monthly_amount = money(monthly_amount)
    if household_size == enrollment.household_size and monthly_amount == enrollment.monthly_amount:
        raise ValidationError(_("保障人数和月救助金都没有变化。"))
    line = history_line(
        actor,
        "adjust",
        note=reason,
        household_size=[enrollment.household_size, household_size],
        monthly_amount=[enrollment.monthly_amount, monthly_amount],
        recheck=recheck.pk if recheck is not None else None,
    )
    return _enrollment_change(
        actor,
        enrollment,
        LIVE_ENROLLMENT,
        {"household_size": household_size, "monthly_amount": monthly_amount},
        line,
        reason,
    )


@dataclass
class ReviewResult:
    outcome: str  # "continue", "adjust" or "exit"
    assessment: Assessment
    enrollment: Enrollment


@transaction.atomic
def do_review_enrollment(
    actor: Actor,
    enrollment: Enrollment,
    *,
    note: str = "",
    irregular_income: bool = False,
) -> ReviewResult:
    """Periodic review (定期复核): re-assess the household as its members now stand (edit them on the
    application first) under today's standard, then continue, adjust size/amount, or exit."""
    _staff(actor, enrollment)
    if enrollment.status not in LIVE_ENROLLMENT:
        raise ValidationError(_("该救助对象已退出，不需要复核。"))
    application = enrollment.application
    if application is None:
        raise ValidationError(
            _(
                "该救助对象由名册导入，没有家庭成员核查信息，不能自动复核；请为该户办理新的申请，或手动调整、退出。"
            )
        )
    application = Application.objects.select_related("program", "area").get(pk=application.pk)
    day = today()
    assessment = assess(application, day)
    Application.objects.filter(pk=application.pk).update(eligibility=assessment.to_json())
    months = IRREGULAR_INCOME_REVIEW_MONTHS if irregular_income else enrollment.program.review_months
    note = note.strip()
    if not assessment.eligible:
        labels = check_labels()
        failing = "、".join(labels[code][1] for code in assessment.failing if code in labels)
        reason = _("定期复核不再符合条件：%(failing)s") % {"failing": failing}
        if note:
            reason = f"{reason}（{note}）"
        do_exit_enrollment(actor, enrollment, reason=reason, exited_on=day)
        return ReviewResult("exit", assessment, enrollment)
    size, amount = assessment.counted_size, assessment.monthly_amount
    outcome = (
        "continue" if (size, amount) == (enrollment.household_size, enrollment.monthly_amount) else "adjust"
    )
    line = history_line(
        actor,
        "review",
        outcome=outcome,
        note=note,
        household_size=[enrollment.household_size, size] if outcome == "adjust" else None,
        monthly_amount=[enrollment.monthly_amount, amount] if outcome == "adjust" else None,
        review_months=months,
        review_reason=_("家庭成员有劳动能力但收入不稳定，每6个月复核一次。") if irregular_income else None,
    )
    fields: dict[str, Any] = {"review_due_on": add_months(day, months)}
    if outcome == "adjust":
        fields.update(household_size=size, monthly_amount=amount)
    _enrollment_change(actor, enrollment, LIVE_ENROLLMENT, fields, line, note)
    return ReviewResult(outcome, assessment, enrollment)


def exit_deceased(
    person: Person, actor: Actor = None, died_on: datetime.date | None = None
) -> list[Enrollment]:
    """End every live enrolment headed by a person who died (for the cross-checks); returns them."""
    day = died_on or person.died_on or today()
    exited = []
    for enrollment in Enrollment.objects.filter(head=person, status__in=LIVE_ENROLLMENT).select_related(
        "area"
    ):
        exited.append(
            do_exit_enrollment(
                actor,
                enrollment,
                reason=_("户主/申请人已死亡（%(day)s）") % {"day": day.isoformat()},
                exited_on=max(day, enrollment.starts_on),
                system=actor is None,
            )
        )
    return exited


@transaction.atomic
def apply_committee_finding(
    actor: Actor,
    enrollment: Enrollment,
    recheck: Recheck,
    *,
    household_size: int | None = None,
    monthly_amount: Decimal | None = None,
    note: str = "",
) -> Enrollment:
    """Staff act on the committee's re-check (conclusion "adjust" or "ineligible"): adjust or exit the
    enrolment with the recheck linked in the history, and mark the recheck acted on."""
    _staff(actor, enrollment)
    linked = recheck.enrollment_id == enrollment.pk or (
        recheck.application_id is not None and recheck.application_id == enrollment.application_id
    )
    if not linked:
        raise ValidationError(_("该核查结论不是针对这户救助对象的。"))
    if recheck.acted_on:
        raise ValidationError(_("该核查结论已经处理过。"))
    conclusion = recheck.conclusion
    summary = recheck.conclusion_note.strip() or recheck.get_conclusion_display()
    reason = _("根据居务监督委员会复核结论（第%(pk)d号）：%(summary)s") % {
        "pk": recheck.pk,
        "summary": summary,
    }
    if note.strip():
        reason = f"{reason}；{note.strip()}"
    if conclusion == Recheck.Conclusion.ADJUST:
        if household_size is None or monthly_amount is None:
            raise ValidationError(_("请填写调整后的保障人数和月救助金。"))
        do_adjust_enrollment(
            actor,
            enrollment,
            household_size=household_size,
            monthly_amount=monthly_amount,
            reason=reason,
            recheck=recheck,
        )
    elif conclusion == Recheck.Conclusion.INELIGIBLE:
        do_exit_enrollment(actor, enrollment, reason=reason, recheck=recheck)
    else:
        raise ValidationError(_("只有“需调整”或“不符合条件”的核查结论需要据此处理。"))
    if not Recheck.objects.filter(pk=recheck.pk, acted_on=False).update(acted_on=True):
        raise ValidationError(_("该核查结论已经处理过。"), code="conflict")
    recheck.acted_on = True
    audit.record(actor, AuditAction.UPDATE, target=recheck, changes={"acted_on": [False, True]})
    return enrollment


def check_unique_live_enrollment(program: Program, head: Person) -> None:
    if Enrollment.objects.filter(program=program, head=head, status__in=LIVE_ENROLLMENT).exists():
        raise ValidationError(_("该居民已在“%(program)s”救助名册中。") % {"program": program.name})
