"""Small helpers shared by the welfare actions (`welfare`, `welfare_recusal`, `enrolment`): the permission
check, today's date, month arithmetic for enrolment dates, and the lines of an application's or an
enrolment's `history`.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from yangguang.core.actions import audit
from yangguang.core.models import Area, Enrollment
from yangguang.core.permissions import has_capability

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    Actor = AbstractBaseUser | AnonymousUser | None

IRREGULAR_INCOME_REVIEW_MONTHS = 6
MIN_REASON_LENGTH = 4

E = Enrollment.Status
LIVE_ENROLLMENT = (E.ACTIVE, E.SUSPENDED)


def require(actor: Actor, capability: str, area: Area | None, message: str) -> None:
    """PermissionDenied unless `actor` holds `capability` at `area`."""
    if actor is None or area is None or not has_capability(actor, capability, area):
        raise PermissionDenied(message)


def today() -> datetime.date:
    return timezone.localdate()


def add_months(day: datetime.date, months: int) -> datetime.date:
    """`day` moved by whole months, the day clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return datetime.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - day 28 always exists


def first_of_next_month(day: datetime.date) -> datetime.date:
    return add_months(day.replace(day=1), 1)


def history_line(actor: Actor, action: str, **data: Any) -> dict[str, Any]:
    line: dict[str, Any] = {
        "at": timezone.now().isoformat(timespec="seconds"),
        "actor": audit.actor_label(actor),
        "action": action,
    }
    line.update({key: plain(value) for key, value in data.items() if value not in (None, "")})
    return line


def plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value
