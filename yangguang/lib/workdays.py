"""Working-day arithmetic on China's statutory holiday calendar, with 调休 make-up working days.

Case deadlines (12345 / 接诉即办) are counted in working days: "reply within 10 working days",
"return a wrongly routed case within 2 working days", "urgent: the same day".  A working day is a
Monday to Friday that is not a statutory holiday, or a Saturday or Sunday that the State Council
has declared a make-up working day (调休上班, e.g. Sunday 2024-09-29 before National Day).

Where the calendar comes from
    The ``holidays`` package's China calendar (public holidays only; the half-day holidays such
    as Women's Day apply to some groups of staff, not to case clocks).  It records each year's
    official schedule, including the make-up working days it exposes as ``weekend_workdays``,
    for the years whose State Council notice it ships (2001 up to the package release).  For later
    years it only *estimates* the holidays and knows no make-up days, so administrators override
    dates when the notice is published (usually in November): ``extra_holidays`` are never
    working days and ``extra_workdays`` always are, whatever the package says.  Dates outside
    the years the package covers (:data:`FIRST_YEAR` to :data:`LAST_YEAR`, 1950-2100) raise
    ``ValueError``.

Working hours and the clock
    Deadlines are measured on a working clock that runs from ``day_start`` to ``day_end``
    (default 09:00-17:30, wall time in the calendar's time zone) on working days only.  A moment
    outside that window (evening, weekend, holiday) is held until the next window opens: that is
    the moment the clock starts (:meth:`WorkCalendar.clock_start`).

    ``add_workdays(start, n)`` gives the *end* of the working day on which ``n`` full working days
    of clock time have run, i.e. rounded up to ``day_end``.  So the day the clock starts on counts
    as day 1 only if the whole of it is available.  In an ordinary week, with ``n = 2``:

    * signed for on Monday at 10:00: due Wednesday 17:30 (Monday is not counted);
    * signed for on Monday at 08:00: due Tuesday 17:30 (all of Monday was available);
    * signed for on Saturday, or on Friday at 18:00: due Tuesday 17:30 (the clock starts Monday
      09:00).

    This follows the rule of Chinese law that the day on which a period starts is not counted
    (民法典 第二百零一条), without penalising cases that arrive before the office opens.  ``n = 0`` means
    "by the end of the working day on which the clock starts" (urgent cases: 当日办结).

Time zones
    Naive datetimes are read as wall time in the calendar's zone (Asia/Shanghai by default) and
    naive results are returned.  Aware datetimes (Django stores UTC) are converted to that zone
    for the arithmetic and the result is returned in the caller's own ``tzinfo``.

Speed
    The calendar keeps a sorted tuple of the ordinals of all working days over a range of years
    (extended on demand) and answers every question with :func:`bisect.bisect_left`, so a
    deadline costs a few microseconds; the package is consulted once per year per process.
"""

import functools
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from typing import Final
from zoneinfo import ZoneInfo

import holidays
from holidays.countries.china import China

__all__ = [
    "DAY_END",
    "DAY_START",
    "FIRST_YEAR",
    "LAST_YEAR",
    "SHANGHAI",
    "WorkCalendar",
]

SHANGHAI: Final = ZoneInfo("Asia/Shanghai")
DAY_START: Final = time(9)
DAY_END: Final = time(17, 30)

# The years the package can describe (the PRC's founding to the end of its lunar tables).  A date
# outside them is almost certainly a typo, and would otherwise silently count only weekends.
FIRST_YEAR: Final[int] = China.start_year
LAST_YEAR: Final[int] = China.end_year

_MICROSECONDS_PER_SECOND: Final = 1_000_000
# Lower bound on working days in a year, used to guess how far ahead to extend the table.
_MIN_WORKDAYS_PER_YEAR: Final = 200


@functools.cache
def _package_year(year: int) -> tuple[frozenset[date], frozenset[date]]:
    """The ``holidays`` package's public holidays and make-up working days for ``year``.

    Make-up days are returned as the package reports them, which may include dates in the
    neighbouring year (2002's New Year holiday was made up on 2001-12-29 and -30).
    """
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return frozenset(), frozenset()
    calendar = holidays.country_holidays("CN", years=year)
    return frozenset(calendar.keys()), frozenset(calendar.weekend_workdays)


@functools.cache
def _window(day_start: time, day_end: time) -> tuple[int, int]:
    """(start of the working window, its length), both in microseconds since midnight."""
    start = _time_of_day(day_start)
    length = _time_of_day(day_end) - start
    if length <= 0:
        raise ValueError(f"day_start {day_start} must be before day_end {day_end}")
    return start, length


def _time_of_day(t: time | datetime) -> int:
    """Microseconds since midnight of a wall-clock time."""
    seconds = (t.hour * 60 + t.minute) * 60 + t.second
    return seconds * _MICROSECONDS_PER_SECOND + t.microsecond


@dataclass(frozen=True, slots=True)
class _Table:
    """Working days of the years ``first_year`` to ``last_year`` (inclusive), as sorted ordinals.

    Immutable, so a thread that has read ``WorkCalendar._table`` may keep using it while another
    thread builds a wider one.  Working-day indexes are only comparable within one table.
    """

    first_year: int
    last_year: int
    days: tuple[int, ...]

    def covers(self, first_year: int, last_year: int) -> bool:
        return self.first_year <= first_year and last_year <= self.last_year

    def position(self, wall: datetime, start_us: int, length_us: int) -> int:
        """Working microseconds from the table's first working day's opening to ``wall``.

        Each working day contributes ``length_us``; a moment before, between or after working
        windows sits where the next window opens (or where the last one closed: the same spot).
        The caller guarantees that the table covers ``wall`` and at least one later working day.
        """
        days = self.days
        ordinal = wall.toordinal()
        index = bisect_left(days, ordinal)
        position = index * length_us
        if index < len(days) and days[index] == ordinal:
            # Plain comparisons rather than min/max: this is the hot path of every deadline.
            offset = _time_of_day(wall) - start_us
            if offset >= length_us:
                return position + length_us
            if offset > 0:
                return position + offset
        return position


def _check(day: date) -> None:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(f"{day} is outside the years the calendar covers ({FIRST_YEAR}-{LAST_YEAR})")


def _further(table: _Table, index: int) -> int:
    """The last year a table must reach to hold working day number ``index`` of ``table``."""
    if table.last_year == LAST_YEAR:
        raise ValueError(f"the result would be after {LAST_YEAR}, the last year the calendar covers")
    return table.last_year + 1 + (index - len(table.days)) // _MIN_WORKDAYS_PER_YEAR


class WorkCalendar:
    """China's working-day calendar with administrator overrides (see the module docstring).

    Thread-safe; build one per set of overrides and share it (it is cheap to query and a little
    costly to build: the first query for a year asks the ``holidays`` package).
    """

    def __init__(
        self,
        *,
        extra_holidays: Iterable[date] = (),
        extra_workdays: Iterable[date] = (),
        tz: tzinfo = SHANGHAI,
    ) -> None:
        self.extra_holidays: Final = frozenset(extra_holidays)
        self.extra_workdays: Final = frozenset(extra_workdays)
        clash = self.extra_holidays & self.extra_workdays
        if clash:
            listed = ", ".join(str(d) for d in sorted(clash))
            raise ValueError(f"dates both in extra_holidays and extra_workdays: {listed}")
        self.tz: Final = tz
        self._table: _Table | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"WorkCalendar({len(self.extra_holidays)} extra holidays, "
            f"{len(self.extra_workdays)} extra workdays, tz={self.tz})"
        )

    # --- days -------------------------------------------------------------------------------

    def is_workday(self, d: date) -> bool:
        """Whether ``d`` is a working day (a datetime is judged by its own wall-clock date)."""
        _check(d)
        table = self._covering(d.year, d.year)
        ordinal = d.toordinal()
        index = bisect_left(table.days, ordinal)
        return index < len(table.days) and table.days[index] == ordinal

    def workdays_between(self, a: date, b: date) -> int:
        """The number of working days after ``a`` up to and including ``b``.

        Half-open like the legal rule that the first day is not counted: Friday to the next
        Monday is 1 in an ordinary week.  Negative when ``b`` is before ``a``.
        """
        _check(a)
        _check(b)
        table = self._covering(min(a.year, b.year), max(a.year, b.year))
        return bisect_right(table.days, b.toordinal()) - bisect_right(table.days, a.toordinal())

    # --- the working clock ------------------------------------------------------------------

    def clock_start(
        self, start: datetime, *, day_start: time = DAY_START, day_end: time = DAY_END
    ) -> datetime:
        """When a clock started at ``start`` actually begins to run (``start`` itself if inside
        working hours, otherwise the opening of the next working day)."""
        return self._at_position(start, 0, day_start, day_end, closing=False)

    def add_workdays(
        self, start: datetime, n: int, *, day_start: time = DAY_START, day_end: time = DAY_END
    ) -> datetime:
        """The deadline ``n`` working days after ``start``: ``day_end`` of the working day on
        which ``n`` full working days of clock time have run (``n = 0``: the day the clock
        starts).  See the module docstring for the convention."""
        if n < 0:
            raise ValueError(f"n must not be negative, got {n}")
        start_us, length_us = _window(day_start, day_end)
        wall = self._to_wall(start)
        _check(wall)
        last_year = wall.year + 1 + n // _MIN_WORKDAYS_PER_YEAR
        while True:
            table = self._covering(wall.year, last_year)
            index, offset = divmod(table.position(wall, start_us, length_us), length_us)
            # A clock that starts at the opening of a day has that whole day available.
            deadline = index + n - 1 if offset == 0 and n > 0 else index + n
            if deadline < len(table.days):
                return self._from_wall(table.days[deadline], day_end, start)
            last_year = _further(table, deadline)

    def add_work_hours(
        self, start: datetime, hours: float, *, day_start: time = DAY_START, day_end: time = DAY_END
    ) -> datetime:
        """The moment ``hours`` of working time after ``start`` (for hour-based SLAs).

        A deadline that falls exactly on a closing time is given as that closing time, not as
        the next opening.  ``hours = 0`` gives :meth:`clock_start`.
        """
        if hours < 0:
            raise ValueError(f"hours must not be negative, got {hours}")
        duration_us = round(hours * 3600 * _MICROSECONDS_PER_SECOND)
        return self._at_position(start, duration_us, day_start, day_end, closing=duration_us > 0)

    def working_seconds_between(
        self, a: datetime, b: datetime, *, day_start: time = DAY_START, day_end: time = DAY_END
    ) -> int:
        """Working time from ``a`` to ``b`` in whole seconds (truncated; negative if ``b < a``).

        For paused clocks: the time a case spent waiting (e.g. for the caller's reply) is
        ``working_seconds_between(paused_at, resumed_at)``.  Both datetimes must be naive or
        both aware.
        """
        if (a.tzinfo is None) != (b.tzinfo is None):
            raise ValueError("cannot mix naive and aware datetimes")
        start_us, length_us = _window(day_start, day_end)
        wall_a, wall_b = self._to_wall(a), self._to_wall(b)
        _check(wall_a)
        _check(wall_b)
        table = self._covering(min(wall_a.year, wall_b.year), max(wall_a.year, wall_b.year) + 1)
        elapsed_us = table.position(wall_b, start_us, length_us) - table.position(wall_a, start_us, length_us)
        seconds = abs(elapsed_us) // _MICROSECONDS_PER_SECOND
        return seconds if elapsed_us >= 0 else -seconds

    # --- internals --------------------------------------------------------------------------

    def _at_position(
        self, start: datetime, duration_us: int, day_start: time, day_end: time, *, closing: bool
    ) -> datetime:
        """The moment ``duration_us`` of working time after ``start``; on a day boundary, the
        previous closing time if ``closing`` else the next opening time."""
        start_us, length_us = _window(day_start, day_end)
        wall = self._to_wall(start)
        _check(wall)
        last_year = wall.year + 1 + duration_us // (length_us * _MIN_WORKDAYS_PER_YEAR)
        while True:
            table = self._covering(wall.year, last_year)
            target = table.position(wall, start_us, length_us) + duration_us
            index, offset = divmod(target, length_us)
            if closing and offset == 0:
                index, offset = index - 1, length_us
            if index < len(table.days):
                seconds, microseconds = divmod(start_us + offset, _MICROSECONDS_PER_SECOND)
                minutes, second = divmod(seconds, 60)
                hour, minute = divmod(minutes, 60)
                return self._from_wall(table.days[index], time(hour, minute, second, microseconds), start)
            last_year = _further(table, index)

    def _to_wall(self, moment: datetime) -> datetime:
        """``moment`` with wall-clock fields in the calendar's zone (naive ones are taken as is).

        Only the fields are read afterwards, so an aware result is fine and saves a ``replace``.
        """
        if moment.tzinfo is None or moment.tzinfo is self.tz:
            return moment
        return moment.astimezone(self.tz)

    def _from_wall(self, day: int, time_of_day: time, like: datetime) -> datetime:
        """Working day ``day`` (an ordinal) at ``time_of_day`` (calendar zone), in the same kind
        of datetime as ``like``: naive, or aware in ``like``'s own zone."""
        if like.tzinfo is None:
            return datetime.combine(date.fromordinal(day), time_of_day)
        moment = datetime.combine(date.fromordinal(day), time_of_day, tzinfo=self.tz)
        return moment if like.tzinfo is self.tz else moment.astimezone(like.tzinfo)

    def _covering(self, first_year: int, last_year: int) -> _Table:
        """A table covering at least ``first_year`` to ``last_year``, widening it if needed."""
        # Inputs are checked by the caller (_check); only look-ahead years are clipped here.
        first_year, last_year = max(first_year, FIRST_YEAR), min(last_year, LAST_YEAR)
        table = self._table
        if table is not None and table.covers(first_year, last_year):
            return table
        with self._lock:
            table = self._table
            if table is not None:
                if table.covers(first_year, last_year):
                    return table
                first_year = min(first_year, table.first_year)
                last_year = max(last_year, table.last_year)
            table = self._build(first_year, last_year)
            self._table = table
            return table

    def _build(self, first_year: int, last_year: int) -> _Table:
        holiday_dates: set[date] = set()
        makeup_days: set[date] = set()
        # Neighbouring years too: a year's make-up days may fall in the year before.
        for year in range(first_year - 1, last_year + 2):
            year_holidays, year_makeup = _package_year(year)
            holiday_dates |= year_holidays
            makeup_days |= year_makeup
        first = date(first_year, 1, 1).toordinal()
        last = date(last_year, 12, 31).toordinal()
        days = tuple(
            ordinal
            for ordinal in range(first, last + 1)
            if self._rule(date.fromordinal(ordinal), holiday_dates, makeup_days)
        )
        return _Table(first_year, last_year, days)

    def _rule(self, d: date, holiday_dates: set[date], makeup_days: set[date]) -> bool:
        """The definition of a working day; overrides win over the package."""
        if d in self.extra_workdays:
            return True
        if d in self.extra_holidays:
            return False
        if d.weekday() >= 5:
            return d in makeup_days
        return d not in holiday_dates
