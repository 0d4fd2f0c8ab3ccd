"""The annual performance evaluation (履职评价 / 民主评议): residents and representatives rate each cadre of the
community and the supervision committee itself; two consecutive "unfit" ratings are flagged (村民委员会组织法
art. 33 — see DOMAIN.md, "Supervision committee").

Votes come in two ways that add up: one rating per rater and subject (`do_record_rating`), or the tallies of
a paper count per subject (`do_record_tally`). Closing the evaluation grades every subject by the thresholds
below and flags the subjects rated unfit this year and in the previous year's evaluation.

Results are public: cadres are public officials exercising public power, and the point of the evaluation
is that residents can see how each of them was rated, so a results disclosure names them in full (as the
posted 两委 rosters already do). Raters are never disclosed, nor shown in the back office beyond counts.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yangguang.core.actions import audit, ledger
from yangguang.core.models import (
    Activity,
    Area,
    AreaKind,
    AuditAction,
    CadrePost,
    Disclosure,
    Evaluation,
    EvaluationSubject,
    Grade,
    Person,
    Rating,
)
from yangguang.core.permissions import Cap, has_capability

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    Actor = AbstractBaseUser | AnonymousUser | None

# Grading thresholds (DOMAIN.md, "Supervision committee": annual democratic review; two consecutive unfit
# ratings end a term). A subject is unfit when MORE than UNFIT_SHARE of all votes say unfit; otherwise fit
# when MORE than FIT_SHARE say fit; otherwise basically fit. "More than half" is the common rule of the
# provincial 民主评议 measures: exactly half is not a majority, so exactly half unfit is not unfit.
UNFIT_SHARE = Fraction(1, 2)
FIT_SHARE = Fraction(1, 2)
# Consecutive unfit years that flag a subject (村民委员会组织法 art. 33).
CONSECUTIVE_UNFIT = 2
DISCLOSURE_KIND = "evaluation_result"


def committee_label(area: Area) -> str:
    return _("村务监督委员会") if area.kind == AreaKind.VILLAGE else _("居务监督委员会")


@dataclass(frozen=True)
class Votes:
    fit: int
    basic: int
    unfit: int

    @property
    def total(self) -> int:
        return self.fit + self.basic + self.unfit


def grade_for(votes: Votes) -> str:
    """The grade of a subject (see UNFIT_SHARE and FIT_SHARE); "" when nobody voted. Integer arithmetic:
    no rounding at the threshold."""
    total = votes.total
    if total == 0:
        return ""
    if votes.unfit * UNFIT_SHARE.denominator > total * UNFIT_SHARE.numerator:
        return Grade.UNFIT
    if votes.fit * FIT_SHARE.denominator > total * FIT_SHARE.numerator:
        return Grade.FIT
    return Grade.BASIC


def require_manager(actor: Actor, area: Area) -> None:
    if actor is None or not has_capability(actor, Cap.MANAGE_COMMITTEE, area):
        raise PermissionDenied(_("只有本社区工作人员可以组织履职评价。"))


def _require_open(evaluation: Evaluation) -> None:
    if evaluation.status != Evaluation.Status.OPEN:
        raise ValidationError(_("该履职评价已结束，不能再修改。"), code="closed")


# --- opening ---------------------------------------------------------------------------------------------


def current_cadres(area: Area, on: datetime.date) -> list[tuple[Person, list[str]]]:
    """People holding a post in `area` on `on`, each with their post titles (one person may hold two)."""
    posts = (
        CadrePost.objects.filter(area=area, starts_on__lte=on)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        .select_related("person")
        .order_by("body", "starts_on", "pk")
    )
    people: dict[int, tuple[Person, list[str]]] = {}
    for post in posts:
        entry = people.setdefault(post.person_id, (post.person, []))
        entry[1].append(f"{post.get_body_display()}{post.title}")
    return list(people.values())


def check_open_evaluation(actor: Actor, area: Area, year: int | None, title: str) -> Evaluation:
    """Open a year's evaluation with its subjects: every current cadre, and the committee as a body."""
    require_manager(actor, area)
    errors: dict[str, str] = {}
    if area.kind not in (AreaKind.COMMUNITY, AreaKind.VILLAGE):
        errors["area"] = _("履职评价须在社区或村开展。")
    this_year = timezone.localdate().year
    if year is None or not 2000 <= year <= this_year + 1:
        errors["year"] = _("请填写正确的年度（2000年至%(y)d年）。") % {"y": this_year + 1}
    title = " ".join(title.split())
    if not title:
        errors["title"] = _("请填写评价名称。")
    elif len(title) > 100:
        errors["title"] = _("名称不能超过100个字符。")
    if errors or year is None:
        raise ValidationError(errors)
    if Evaluation.objects.filter(area=area, year=year, title=title).exists():
        raise ValidationError(
            {"title": _("%(year)d年已有名为“%(title)s”的履职评价。") % {"year": year, "title": title}}
        )
    return do_open_evaluation(actor, area, year, title)


def do_open_evaluation(actor: Actor, area: Area, year: int, title: str) -> Evaluation:
    cadres = current_cadres(area, timezone.localdate())
    try:
        with transaction.atomic():
            evaluation = Evaluation.objects.create(area=area, year=year, title=title)
            subjects = [
                EvaluationSubject(
                    evaluation=evaluation,
                    person=person,
                    label=f"{person.name}（{'、'.join(titles)}）"[:100],
                )
                for person, titles in cadres
            ]
            subjects.append(
                EvaluationSubject(evaluation=evaluation, person=None, label=committee_label(area))
            )
            EvaluationSubject.objects.bulk_create(subjects)
            audit.record(
                actor,
                AuditAction.CREATE,
                target=evaluation,
                changes={"year": [None, year], "title": [None, title], "subjects": [None, len(subjects)]},
            )
    except IntegrityError as exc:
        raise ValidationError(
            {"title": _("%(year)d年已有名为“%(title)s”的履职评价。") % {"year": year, "title": title}}
        ) from exc
    return evaluation


# --- votes -----------------------------------------------------------------------------------------------


def check_record_rating(
    actor: Actor,
    subject: EvaluationSubject,
    rater: Person | None,
    rater_kind: str,
    grade: str,
    comment: str = "",
) -> Rating:
    """One rater's grade for one subject, entered by staff from a rating form. A rater rates each subject
    once: a second rating is refused with a message, never a crash."""
    evaluation = subject.evaluation
    require_manager(actor, evaluation.area)
    _require_open(evaluation)
    errors: dict[str, str] = {}
    if rater is None:
        errors["rater"] = _("请指定评议人。")
    elif not evaluation.area.contains(rater.area):
        errors["rater"] = _("评议人须是本社区登记的居民。")
    elif rater.died_on is not None:
        errors["rater"] = _("评议人已登记死亡，不能评议。")
    if rater_kind not in Rating.RaterKind.values:
        errors["rater_kind"] = _("请选择评议人身份（居民或居民代表）。")
    if grade not in Grade.values:
        errors["grade"] = _("请选择评价（称职、基本称职或不称职）。")
    comment = comment.strip()
    if len(comment) > 300:
        errors["comment"] = _("意见不能超过300个字符。")
    if not errors and Rating.objects.filter(subject=subject, rater=rater).exists():
        errors["rater"] = _duplicate_message(subject)
    if errors:
        raise ValidationError(errors)
    assert rater is not None  # noqa: S101 - checked above
    return do_record_rating(actor, subject, rater, rater_kind, grade, comment)


def _duplicate_message(subject: EvaluationSubject) -> str:
    return _("该居民已对“%(subject)s”评议过，每人对每个评议对象只能评议一次。") % {"subject": subject.label}


def do_record_rating(
    actor: Actor, subject: EvaluationSubject, rater: Person, rater_kind: str, grade: str, comment: str
) -> Rating:
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                subject=subject, rater=rater, rater_kind=rater_kind, grade=grade, comment=comment
            )
            # The rater is a resident: the audit entry names neither them nor their vote.
            audit.record(
                actor,
                AuditAction.CREATE,
                target=rating,
                target_repr=_("“%(subject)s”的评议票") % {"subject": subject.label},
                area=subject.evaluation.area,
            )
    except IntegrityError as exc:
        # Entered twice at the same moment: the unique constraint decides.
        raise ValidationError({"rater": _duplicate_message(subject)}) from exc
    return rating


def check_record_tally(
    actor: Actor, subject: EvaluationSubject, fit: int | None, basic: int | None, unfit: int | None
) -> EvaluationSubject:
    """The result of a paper count for one subject (replacing an earlier count). Added to any ratings
    entered one by one."""
    evaluation = subject.evaluation
    require_manager(actor, evaluation.area)
    _require_open(evaluation)
    errors: dict[str, str] = {}
    values: dict[str, int] = {}
    for name, value in (("tally_fit", fit), ("tally_basic", basic), ("tally_unfit", unfit)):
        if value is None:
            errors[name] = _("请填写票数（没有则填0）。")
        elif value < 0 or value > 1_000_000:
            errors[name] = _("票数须为0到1000000之间的整数。")
        else:
            values[name] = value
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        before = audit.snapshot(subject)
        for name, value in values.items():
            setattr(subject, name, value)
        subject.save(update_fields=list(values))
        audit.record(
            actor,
            AuditAction.UPDATE,
            target=subject,
            area=evaluation.area,
            changes=audit.diff(before, audit.snapshot(subject)),
        )
    return subject


def rating_counts(evaluation: Evaluation) -> dict[int, Votes]:
    """Ratings per subject by grade, in one query."""
    rows = (
        Rating.objects.filter(subject__evaluation=evaluation)
        .values("subject_id")
        .annotate(
            fit=Count("pk", filter=Q(grade=Grade.FIT)),
            basic=Count("pk", filter=Q(grade=Grade.BASIC)),
            unfit=Count("pk", filter=Q(grade=Grade.UNFIT)),
        )
    )
    return {row["subject_id"]: Votes(row["fit"], row["basic"], row["unfit"]) for row in rows}


def votes_of(subject: EvaluationSubject, counts: dict[int, Votes]) -> Votes:
    """Paper tallies plus ratings entered one by one."""
    rated = counts.get(subject.pk, Votes(0, 0, 0))
    return Votes(
        subject.tally_fit + rated.fit,
        subject.tally_basic + rated.basic,
        subject.tally_unfit + rated.unfit,
    )


# --- closing ---------------------------------------------------------------------------------------------


def previous_unfit(evaluation: Evaluation) -> tuple[set[int], bool]:
    """Who was rated unfit in the previous year's closed evaluations of the same area: person ids, and
    whether the committee itself was."""
    previous = EvaluationSubject.objects.filter(
        evaluation__area=evaluation.area,
        evaluation__year=evaluation.year - 1,
        evaluation__status=Evaluation.Status.CLOSED,
        grade=Grade.UNFIT,
    ).values_list("person_id", flat=True)
    ids = list(previous)
    return {pk for pk in ids if pk is not None}, None in ids


def do_close_evaluation(actor: Actor, evaluation: Evaluation) -> Evaluation:
    """Close the evaluation: grade every subject, flag two consecutive unfit years, write the audit entry
    and a line of the committee's ledger that lists the flagged subjects."""
    require_manager(actor, evaluation.area)
    with transaction.atomic():
        claimed = Evaluation.objects.filter(pk=evaluation.pk, status=Evaluation.Status.OPEN).update(
            status=Evaluation.Status.CLOSED, closed_at=timezone.now()
        )
        if not claimed:
            raise ValidationError(_("该履职评价已经结束。"), code="closed")
        evaluation.refresh_from_db()
        counts = rating_counts(evaluation)
        unfit_people, committee_unfit = previous_unfit(evaluation)
        subjects = list(evaluation.subjects.all())
        for subject in subjects:
            subject.grade = grade_for(votes_of(subject, counts))
            was_unfit = committee_unfit if subject.person_id is None else subject.person_id in unfit_people
            subject.flagged = subject.grade == Grade.UNFIT and was_unfit
        EvaluationSubject.objects.bulk_update(subjects, ["grade", "flagged"])
        flagged = [s.label for s in subjects if s.flagged]
        audit.record(
            actor,
            AuditAction.UPDATE,
            target=evaluation,
            changes={
                "status": [Evaluation.Status.OPEN, Evaluation.Status.CLOSED],
                "flagged": [None, flagged],
            },
        )
        detail = "；".join(f"{s.label}：{s.get_grade_display() or _('无有效票')}" for s in subjects)
        if flagged:
            detail = (
                _("连续两年评为不称职：%(names)s。") % {"names": "、".join(flagged)}
                + _("依照村民委员会组织法第三十三条，应依法启动相应程序。")
                + "\n"
                + detail
            )
        ledger.record_activity(
            actor,
            evaluation.area,
            Activity.Kind.EVALUATION,
            _("%(year)d年%(title)s结束") % {"year": evaluation.year, "title": evaluation.title},
            detail=detail,
            source=evaluation,
        )
    return evaluation


# --- results ---------------------------------------------------------------------------------------------


def results(evaluation: Evaluation) -> list[tuple[EvaluationSubject, Votes]]:
    counts = rating_counts(evaluation)
    return [(subject, votes_of(subject, counts)) for subject in evaluation.subjects.all()]


def results_payload(evaluation: Evaluation) -> dict[str, Any]:
    """The public projection of a closed evaluation: subject labels (cadres named in full, see the module
    docstring), grades and vote counts; no rater, no comment."""
    return {
        "year": evaluation.year,
        "title": evaluation.title,
        "area": evaluation.area.name,
        "subjects": [
            {
                "label": subject.label,
                "grade": subject.grade,
                "grade_label": str(subject.get_grade_display()) if subject.grade else _("无有效票"),
                "votes": {"fit": v.fit, "basic": v.basic, "unfit": v.unfit, "total": v.total},
                "flagged": subject.flagged,
            }
            for subject, v in results(evaluation)
        ],
    }


def check_create_results_disclosure(actor: Actor, evaluation: Evaluation) -> Disclosure:
    """Draft the results disclosure of a closed evaluation (the committee signs it before publication)."""
    require_manager(actor, evaluation.area)
    if evaluation.status != Evaluation.Status.CLOSED:
        raise ValidationError(_("履职评价结束后才能生成结果公开。"))
    source_type, source_id = ledger.target_key(evaluation)
    existing = Disclosure.objects.filter(
        kind=DISCLOSURE_KIND, source_type=source_type, source_id=source_id
    ).exclude(status=Disclosure.Status.WITHDRAWN)
    if existing.exists():
        raise ValidationError(_("该履职评价的结果公开已经生成，请勿重复生成。"))
    payload = results_payload(evaluation)
    names = {"area": evaluation.area.name, "year": evaluation.year, "title": evaluation.title}
    if str(evaluation.year) in evaluation.title:  # "2025年度履职评价": the year is not said twice
        title = _("%(area)s %(title)s结果公示") % names
    else:
        title = _("%(area)s %(year)d年%(title)s结果公示") % names
    return ledger.do_create_disclosure(
        actor, evaluation.area, DISCLOSURE_KIND, title, payload, source=evaluation
    )


def evaluations_disclosed(evaluation: Evaluation) -> models.QuerySet[Disclosure]:
    source_type, source_id = ledger.target_key(evaluation)
    return Disclosure.objects.filter(kind=DISCLOSURE_KIND, source_type=source_type, source_id=source_id)
