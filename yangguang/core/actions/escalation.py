"""The SLA job: reminders before a deadline and 督办 escalation to the street after it.

Run by `manage.py sla_checks` (once, or `--every SECONDS`) or the `run_sla_checks` task. Each case is claimed
with a conditional UPDATE on `reminded_at` / `escalated_at`, so running the job twice — or on two machines —
never reminds or escalates a case twice.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yangguang.core.actions import notify, sla
from yangguang.core.actions.cases import _event
from yangguang.core.models import Case, CaseStatus
from yangguang.core.permissions import Cap

# Statuses in which the handler's clock runs (not paused, not yet replied). A dispatched case has a
# deadline only when it was fixed at issue (a rectification notice), so an owner who never signs for the
# notice is escalated too; ordinary cases get theirs when signed for.
RUNNING = (CaseStatus.DISPATCHED, CaseStatus.SIGNED, CaseStatus.IN_PROGRESS)


@dataclass
class SlaRun:
    reminded: int = 0
    escalated: int = 0


def run_sla_checks(now: datetime.datetime | None = None) -> SlaRun:
    now = now or timezone.now()
    result = SlaRun()
    cal = sla.calendar()
    # Reminders: due within the policy's warning window, not yet reminded.
    upcoming = Case.objects.filter(
        status__in=RUNNING,
        reminded_at__isnull=True,
        due_at__gt=now,
        due_at__lte=now + datetime.timedelta(days=7),
    ).select_related("area", "handler")
    for case in upcoming:
        limits = sla.limits_for(case.kind, case.urgency, case.category_id, case.area)
        if case.due_at is None:  # excluded by the filter; narrows the type
            continue
        if cal.working_seconds_between(now, case.due_at) > limits.remind_before_hours * 3600:
            continue
        with transaction.atomic():
            if not Case.objects.filter(pk=case.pk, reminded_at__isnull=True).update(reminded_at=now):
                continue
            _event(None, case, "reminder", case.status, case.status, _("即将到期，请抓紧办理。"))
            if case.handler is not None:
                notify.to_user(
                    case.handler, _("诉求即将到期：%(title)s") % {"title": case.title}, case.number, case
                )
        result.reminded += 1
    # 督办: overdue cases are escalated to the street the working day after the deadline.
    overdue = Case.objects.filter(
        status__in=RUNNING, escalated_at__isnull=True, due_at__lt=now
    ).select_related("area", "handler")
    for case in overdue:
        if case.due_at is None:
            continue
        # The opening of the first working day after the deadline.
        if now < cal.clock_start(case.due_at + datetime.timedelta(seconds=1)):
            continue
        with transaction.atomic():
            if not Case.objects.filter(pk=case.pk, escalated_at__isnull=True).update(escalated_at=now):
                continue
            note = _("已超期，转街道督办。")
            _event(None, case, "escalate", case.status, case.status, note, public=True)
            for user in notify.users_with(Cap.SUPERVISE_CASES, case.area):
                notify.to_user(user, _("督办：%(title)s") % {"title": case.title}, note, case)
            if case.handler is not None:
                notify.to_user(
                    case.handler, _("诉求已超期并被督办：%(title)s") % {"title": case.title}, note, case
                )
        result.escalated += 1
    return result
