"""Time limits of cases: the working-day calendar with administrators' overrides, and SLA policy lookup."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import lru_cache

from django.db.models import Q
from django.utils import timezone

from yangguang.core.models import Area, CalendarOverride, CaseKind, SlaPolicy, Urgency
from yangguang.lib.workdays import WorkCalendar

# DOMAIN.md defaults (Guangdong 2022): inquiry 2, help request/suggestion 10, complaint/report 15 working days;
# urgent: the same working day. Used only when no SlaPolicy row matches; the data migration seeds the same
# numbers as editable rows with their source.
DEFAULT_SOURCE = "广东省12345热线工单办理时限（2022）"
DEFAULT_WORKDAYS: dict[str, int] = {
    CaseKind.INQUIRY: 2,
    CaseKind.HELP: 10,
    CaseKind.SUGGESTION: 10,
    CaseKind.COMPLAINT: 15,
    CaseKind.REPORT: 15,
}


@dataclass(frozen=True)
class Limits:
    """The limits that apply to one case, whatever rule they came from."""

    workdays: int
    work_hours: int
    sign_within_hours: int
    remind_before_hours: int
    source: str


@lru_cache(maxsize=4)
def _calendar(overrides: frozenset[tuple[datetime.date, bool]]) -> WorkCalendar:
    return WorkCalendar(
        extra_holidays=[d for d, work in overrides if not work],
        extra_workdays=[d for d, work in overrides if work],
    )


def calendar() -> WorkCalendar:
    """The working calendar, rebuilt only when the administrators' overrides change (one small query)."""
    overrides = frozenset(CalendarOverride.objects.values_list("date", "is_workday"))
    return _calendar(overrides)


def limits_for(kind: str, urgency: str, category_id: int | None, area: Area) -> Limits:
    """The most specific active policy: a rule for the case's area (deepest first) beats a general one,
    and a rule for its category beats one for any category."""
    today = timezone.localdate()
    ancestors = area.ancestor_ids()
    # A rule without category applies to every category (SQL's IN never matches NULL, hence the Q).
    any_category = Q(category__isnull=True)
    candidates = SlaPolicy.objects.filter(kind=kind, urgency=urgency, effective_from__lte=today).filter(
        (Q(category_id=category_id) | any_category) if category_id else any_category
    )
    best: SlaPolicy | None = None
    best_score: tuple[int, int, datetime.date] | None = None
    for policy in candidates:
        if policy.area_id is not None and policy.area_id not in ancestors:
            continue
        depth = ancestors.index(policy.area_id) if policy.area_id is not None else -1
        score = (depth, 1 if policy.category_id else 0, policy.effective_from)
        if best_score is None or score > best_score:
            best, best_score = policy, score
    if best is not None:
        return Limits(
            best.workdays, best.work_hours, best.sign_within_hours, best.remind_before_hours, best.source
        )
    workdays = 0 if urgency == Urgency.URGENT else DEFAULT_WORKDAYS.get(kind, 10)
    return Limits(workdays, 0, 4 if urgency == Urgency.NORMAL else 1, 8, DEFAULT_SOURCE)


def deadline(start: datetime.datetime, limits: Limits) -> datetime.datetime:
    cal = calendar()
    if limits.work_hours:
        return cal.add_work_hours(start, limits.work_hours)
    return cal.add_workdays(start, limits.workdays)
