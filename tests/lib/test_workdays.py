"""Tests for yangguang.lib.workdays, working-day deadlines on China's holiday calendar with 调休."""

from datetime import UTC, date, datetime, time, timedelta

import holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st

from yangguang.lib.workdays import DAY_END, DAY_START, FIRST_YEAR, LAST_YEAR, SHANGHAI, WorkCalendar

CALENDAR = WorkCalendar()

# Moments in years the package has official schedules for, plus one estimated year.
moments = st.datetimes(min_value=datetime(2019, 1, 1), max_value=datetime(2027, 6, 30)).map(
    lambda dt: dt.replace(microsecond=0)
)
# Whole minutes, so working-second arithmetic is exact.
minutes = st.integers(min_value=0, max_value=60 * 8 * 40)


def dates(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


# --- the calendar itself ----------------------------------------------------------------------


def test_national_day_2024_is_off_with_two_make_up_saturdays() -> None:
    # State Council notice for 2024: 10-01..07 off; Sunday 09-29 and Saturday 10-12 are worked.
    assert [CALENDAR.is_workday(d) for d in dates(date(2024, 9, 28), date(2024, 10, 13))] == [
        False,  # Sat 09-28
        True,  # Sun 09-29, make-up day
        True,  # Mon 09-30
        *[False] * 7,  # Tue 10-01 .. Mon 10-07
        True,  # Tue 10-08
        True,
        True,
        True,  # Fri 10-11
        True,  # Sat 10-12, make-up day
        False,  # Sun 10-13
    ]


def test_spring_festival_2025_is_off_from_eve_with_make_up_sunday_and_saturday() -> None:
    # 2025 notice: 01-28 (除夕) .. 02-04 off; Sunday 01-26 and Saturday 02-08 are worked.
    off = set(dates(date(2025, 1, 28), date(2025, 2, 4)))
    for d in dates(date(2025, 1, 25), date(2025, 2, 9)):
        expected = d not in off and (d.weekday() < 5 or d in {date(2025, 1, 26), date(2025, 2, 8)})
        assert CALENDAR.is_workday(d) is expected, d


def test_the_package_itself_lists_the_make_up_days_we_rely_on() -> None:
    # If a `holidays` upgrade stops exposing 调休 days, the tests above would not tell us why.
    package = holidays.country_holidays("CN", years=[2024, 2025])
    assert {date(2024, 9, 29), date(2024, 10, 12), date(2025, 1, 26), date(2025, 2, 8)} <= set(
        package.weekend_workdays
    )


def test_agrees_with_the_package_on_every_day_it_has_official_data_for() -> None:
    package = holidays.country_holidays("CN", years=range(2001, 2027))
    for d in dates(date(2001, 1, 1), date(2026, 12, 31)):
        assert CALENDAR.is_workday(d) is package.is_working_day(d), d


def test_ordinary_weekends_are_off() -> None:
    assert CALENDAR.is_workday(date(2025, 3, 7))  # Friday
    assert not CALENDAR.is_workday(date(2025, 3, 8))
    assert not CALENDAR.is_workday(date(2025, 3, 9))


def test_overrides_win_over_the_package() -> None:
    calendar = WorkCalendar(
        extra_holidays={date(2025, 3, 7), date(2024, 9, 29)},  # a weekday; a package make-up day
        extra_workdays={date(2025, 3, 8), date(2024, 10, 2)},  # a Saturday; a package holiday
    )
    assert not calendar.is_workday(date(2025, 3, 7))
    assert not calendar.is_workday(date(2024, 9, 29))
    assert calendar.is_workday(date(2025, 3, 8))
    assert calendar.is_workday(date(2024, 10, 2))
    # The shared calendar is untouched.
    assert CALENDAR.is_workday(date(2025, 3, 7))
    assert not CALENDAR.is_workday(date(2024, 10, 2))


def test_overrides_fill_in_a_year_the_package_only_estimates() -> None:
    # Pretend the State Council has announced 2030's schedule: a make-up Sunday before a holiday.
    calendar = WorkCalendar(extra_workdays={date(2030, 9, 29)}, extra_holidays={date(2030, 10, 8)})
    assert calendar.is_workday(date(2030, 9, 29))
    assert not calendar.is_workday(date(2030, 10, 8))
    assert calendar.add_workdays(datetime(2030, 9, 27, 10), 1) == datetime(2030, 9, 29, 17, 30)


def test_a_date_cannot_be_both_an_extra_holiday_and_an_extra_workday() -> None:
    with pytest.raises(ValueError, match="2025-03-08"):
        WorkCalendar(extra_holidays={date(2025, 3, 8)}, extra_workdays={date(2025, 3, 8)})


def test_workdays_between_counts_after_the_first_day_up_to_the_last() -> None:
    assert CALENDAR.workdays_between(date(2025, 3, 7), date(2025, 3, 10)) == 1  # Fri -> Mon
    assert CALENDAR.workdays_between(date(2025, 3, 10), date(2025, 3, 10)) == 0
    assert CALENDAR.workdays_between(date(2025, 3, 10), date(2025, 3, 7)) == -1
    # 2024-09-30 to 2024-10-12: 10-08..10-12 are five working days (10-12 a make-up Saturday).
    assert CALENDAR.workdays_between(date(2024, 9, 30), date(2024, 10, 12)) == 5
    # Across a year boundary and the 2025 Spring Festival.
    assert CALENDAR.workdays_between(date(2024, 12, 31), date(2025, 2, 8)) == 23


# --- deadlines --------------------------------------------------------------------------------


def test_deadline_is_the_end_of_the_nth_working_day_after_a_start_in_working_hours() -> None:
    monday_10 = datetime(2025, 3, 10, 10)
    assert CALENDAR.add_workdays(monday_10, 2) == datetime(2025, 3, 12, 17, 30)
    assert CALENDAR.add_workdays(monday_10, 10) == datetime(2025, 3, 24, 17, 30)


def test_a_start_before_opening_counts_that_day_in_full() -> None:
    assert CALENDAR.add_workdays(datetime(2025, 3, 10, 8), 2) == datetime(2025, 3, 11, 17, 30)
    assert CALENDAR.add_workdays(datetime(2025, 3, 10, 9), 2) == datetime(2025, 3, 11, 17, 30)


def test_a_start_after_closing_or_on_a_weekend_starts_the_clock_next_working_morning() -> None:
    due = datetime(2025, 3, 11, 17, 30)
    assert CALENDAR.add_workdays(datetime(2025, 3, 7, 17, 30), 2) == due  # Friday, closing time
    assert CALENDAR.add_workdays(datetime(2025, 3, 8, 11), 2) == due  # Saturday
    assert CALENDAR.clock_start(datetime(2025, 3, 8, 11)) == datetime(2025, 3, 10, 9)
    assert CALENDAR.clock_start(datetime(2025, 3, 10, 11)) == datetime(2025, 3, 10, 11)


def test_zero_working_days_means_the_same_working_day() -> None:
    assert CALENDAR.add_workdays(datetime(2025, 3, 10, 16), 0) == datetime(2025, 3, 10, 17, 30)
    assert CALENDAR.add_workdays(datetime(2025, 3, 10, 18), 0) == datetime(2025, 3, 11, 17, 30)


def test_deadlines_skip_national_day_and_use_make_up_days() -> None:
    # Signed for Friday 2024-09-27 10:00: day 1 is the make-up Sunday 09-29, day 2 Monday 09-30,
    # day 3 Tuesday 10-08 after the holiday.
    start = datetime(2024, 9, 27, 10)
    assert CALENDAR.add_workdays(start, 1) == datetime(2024, 9, 29, 17, 30)
    assert CALENDAR.add_workdays(start, 2) == datetime(2024, 9, 30, 17, 30)
    assert CALENDAR.add_workdays(start, 3) == datetime(2024, 10, 8, 17, 30)


def test_a_case_received_during_spring_festival_2025_starts_after_it() -> None:
    start = datetime(2025, 1, 30, 10)  # 正月初二
    assert CALENDAR.clock_start(start) == datetime(2025, 2, 5, 9)
    # The Guangdong default for a complaint: 15 working days.  02-05..02-08 (make-up Saturday)
    # are days 1-4, then three full weeks less one day.
    assert CALENDAR.add_workdays(start, 15) == datetime(2025, 2, 24, 17, 30)


def test_custom_working_hours() -> None:
    start = datetime(2025, 3, 10, 8, 30)
    assert CALENDAR.clock_start(start, day_start=time(8), day_end=time(12)) == start
    assert CALENDAR.add_workdays(start, 1, day_start=time(8), day_end=time(12)) == datetime(2025, 3, 11, 12)
    with pytest.raises(ValueError, match="before day_end"):
        CALENDAR.add_workdays(start, 1, day_start=time(18), day_end=time(9))


def test_negative_amounts_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        CALENDAR.add_workdays(datetime(2025, 3, 10), -1)
    with pytest.raises(ValueError, match="negative"):
        CALENDAR.add_work_hours(datetime(2025, 3, 10), -0.5)


def test_work_hours_only_run_in_working_hours() -> None:
    friday_4pm = datetime(2024, 10, 11, 16)
    # 1.5 hours on Friday, the remaining 2.5 on the make-up Saturday.
    assert CALENDAR.add_work_hours(friday_4pm, 4) == datetime(2024, 10, 12, 11, 30)
    # A whole working day ends at closing time, not at the next opening.
    assert CALENDAR.add_work_hours(datetime(2024, 10, 11, 9), 8.5) == datetime(2024, 10, 11, 17, 30)
    assert CALENDAR.add_work_hours(datetime(2024, 10, 11, 20), 0) == datetime(2024, 10, 12, 9)
    assert CALENDAR.add_work_hours(datetime(2024, 9, 30, 17), 1) == datetime(2024, 10, 8, 9, 30)


def test_working_seconds_skip_nights_weekends_and_holidays() -> None:
    # Paused Monday 17:00 before National Day, resumed the Tuesday after at 09:30: one hour.
    assert CALENDAR.working_seconds_between(datetime(2024, 9, 30, 17), datetime(2024, 10, 8, 9, 30)) == 3600
    assert CALENDAR.working_seconds_between(datetime(2024, 10, 8, 9, 30), datetime(2024, 9, 30, 17)) == -3600
    assert CALENDAR.working_seconds_between(datetime(2025, 3, 8), datetime(2025, 3, 9, 23)) == 0
    with pytest.raises(ValueError, match="naive and aware"):
        CALENDAR.working_seconds_between(datetime(2025, 3, 8), datetime(2025, 3, 9, tzinfo=UTC))


# --- time zones -------------------------------------------------------------------------------


def test_shanghai_datetimes_stay_in_shanghai() -> None:
    start = datetime(2024, 9, 27, 10, tzinfo=SHANGHAI)
    due = CALENDAR.add_workdays(start, 3)
    assert due == datetime(2024, 10, 8, 17, 30, tzinfo=SHANGHAI)
    assert due.tzinfo is SHANGHAI


def test_utc_datetimes_are_judged_on_beijing_time_and_returned_in_utc() -> None:
    # 2024-09-27 02:00 UTC is 10:00 in Beijing; 2025-03-07 20:00 UTC is Saturday 04:00 in Beijing.
    due = CALENDAR.add_workdays(datetime(2024, 9, 27, 2, tzinfo=UTC), 3)
    assert due == datetime(2024, 10, 8, 9, 30, tzinfo=UTC)
    assert due.tzinfo is UTC
    assert CALENDAR.clock_start(datetime(2025, 3, 7, 20, tzinfo=UTC)) == datetime(2025, 3, 10, 1, tzinfo=UTC)
    assert (
        CALENDAR.working_seconds_between(
            datetime(2024, 9, 30, 9, tzinfo=UTC), datetime(2024, 10, 8, 1, 30, tzinfo=UTC)
        )
        == 3600
    )


# --- properties -------------------------------------------------------------------------------


@given(start=moments, n=st.integers(min_value=0, max_value=300))
def test_deadline_is_closing_time_on_a_working_day(start: datetime, n: int) -> None:
    due = CALENDAR.add_workdays(start, n)
    assert CALENDAR.is_workday(due)
    assert due.time() == DAY_END
    assert due > start


@given(start=moments, n=st.integers(min_value=0, max_value=300), more=st.integers(min_value=1, max_value=30))
def test_deadlines_grow_with_n(start: datetime, n: int, more: int) -> None:
    earlier, later = CALENDAR.add_workdays(start, n), CALENDAR.add_workdays(start, n + more)
    # n = 0 and n = 1 coincide when the clock starts at opening time (the whole day is there).
    assert earlier < later or (n == 0 and more == 1 and CALENDAR.clock_start(start).time() == DAY_START)


@given(start=moments, n=st.integers(min_value=0, max_value=300))
def test_workdays_between_agrees_with_add_workdays(start: datetime, n: int) -> None:
    began = CALENDAR.clock_start(start)
    due = CALENDAR.add_workdays(start, n)
    whole_first_day = began.time() == DAY_START
    expected = max(n - 1, 0) if whole_first_day else n
    assert CALENDAR.workdays_between(began.date(), due.date()) == expected


@given(start=moments, duration=minutes)
def test_working_seconds_measure_what_add_work_hours_added(start: datetime, duration: int) -> None:
    end = CALENDAR.add_work_hours(start, duration / 60)
    assert CALENDAR.working_seconds_between(start, end) == duration * 60
    assert CALENDAR.is_workday(end)
    assert DAY_START <= end.time() <= DAY_END


@given(a=moments, b=moments, c=moments)
def test_working_seconds_add_up(a: datetime, b: datetime, c: datetime) -> None:
    between = CALENDAR.working_seconds_between
    assert between(a, b) + between(b, c) == between(a, c)
    assert between(a, b) == -between(b, a)
    assert 0 <= between(min(a, b), max(a, b)) <= (max(a, b) - min(a, b)).total_seconds()


@given(start=moments, n=st.integers(min_value=0, max_value=30))
def test_aware_and_naive_inputs_agree(start: datetime, n: int) -> None:
    aware = CALENDAR.add_workdays(start.replace(tzinfo=SHANGHAI), n)
    assert aware.replace(tzinfo=None) == CALENDAR.add_workdays(start, n)
    assert CALENDAR.add_workdays(start.replace(tzinfo=SHANGHAI).astimezone(UTC), n) == aware


def test_a_fresh_calendar_extends_its_table_in_both_directions() -> None:
    calendar = WorkCalendar()
    assert calendar.add_workdays(datetime(2025, 12, 30, 10), 300).year == 2027
    assert calendar.is_workday(date(2003, 3, 3))
    assert calendar.add_workdays(datetime(2025, 12, 30, 10), 300) == CALENDAR.add_workdays(
        datetime(2025, 12, 30, 10), 300
    )


def test_dates_outside_the_package_years_are_refused() -> None:
    assert (FIRST_YEAR, LAST_YEAR) == (1950, 2100)
    with pytest.raises(ValueError, match="outside the years"):
        CALENDAR.is_workday(date(202, 5, 6))  # a typo for 2025 must not count only weekends
    with pytest.raises(ValueError, match="outside the years"):
        CALENDAR.add_workdays(datetime(2101, 1, 3, 10), 1)
    with pytest.raises(ValueError, match="outside the years"):
        CALENDAR.workdays_between(date(2025, 1, 1), date(1949, 12, 31))
    with pytest.raises(ValueError, match="after 2100"):
        CALENDAR.add_workdays(datetime(2100, 12, 1, 10), 30)
    with pytest.raises(ValueError, match="after 2100"):
        CALENDAR.add_work_hours(datetime(2100, 12, 30, 10), 100)


def test_repr_names_the_overrides() -> None:
    assert "1 extra holidays" in repr(WorkCalendar(extra_holidays=[date(2030, 1, 2)]))


def test_defaults_are_nine_to_half_past_five() -> None:
    assert (DAY_START, DAY_END) == (time(9), time(17, 30))
