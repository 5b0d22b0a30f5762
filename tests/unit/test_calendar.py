"""The working-day calendar: C-WD-1, C-WD-2, C-H-1, C-D-1."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claims_ledger.domain.calendar import DEFAULT_CALENDAR, WorkingDayCalendar, end_of_wib_day
from claims_ledger.domain.clock import WIB
from claims_ledger.domain.errors import RuleViolation

calendar = DEFAULT_CALENDAR

moments = st.builds(
    lambda seconds, offset: (
        datetime(2025, 1, 1, tzinfo=WIB) + timedelta(seconds=seconds)
    ).astimezone(timezone(timedelta(minutes=offset))),
    st.integers(0, 3 * 365 * 86400),
    st.integers(-12 * 60, 14 * 60),
)
counts = st.integers(1, 30)


@given(moments, counts)
@settings(max_examples=300)
def test_a_working_day_deadline_never_falls_on_a_weekend_holiday_or_cuti_bersama(
    x: datetime, n: int
) -> None:
    due = calendar.working_days_after(x, n)
    assert due.tzinfo is WIB and due.time() == end_of_wib_day(due.date()).time()
    assert due.weekday() < 5
    assert calendar.is_working_day(due.date())


@given(moments, counts)
def test_a_working_day_deadline_grows_with_n(x: datetime, n: int) -> None:
    assert calendar.working_days_after(x, n + 1) > calendar.working_days_after(x, n)


@given(moments, counts)
def test_the_day_of_x_never_counts_whatever_the_hour(x: datetime, n: int) -> None:
    day = x.astimezone(WIB).date()
    start = datetime.combine(day, datetime.min.time(), tzinfo=WIB)
    latest = start + timedelta(hours=23, minutes=59, seconds=59)
    assert calendar.working_days_after(start, n) == calendar.working_days_after(latest, n)
    assert calendar.working_days_after(x, n).date() > day
    # exactly n working days lie strictly after the day of X, up to and including the due date
    due = calendar.working_days_after(x, n).date()
    between = [day + timedelta(days=i) for i in range(1, (due - day).days + 1)]
    assert sum(calendar.is_working_day(d) for d in between) == n


@given(moments, counts)
def test_x24_hours_is_exactly_on_the_clock(x: datetime, n: int) -> None:
    assert calendar.hours_after(x, n) - x == timedelta(hours=24 * n)


@given(moments, counts)
def test_calendar_days_end_at_the_end_of_the_wib_date(x: datetime, n: int) -> None:
    due = calendar.calendar_days_after(x, n)
    assert due == end_of_wib_day(x.astimezone(WIB).date() + timedelta(days=n))


def test_rules_example_wednesday_before_christmas_2026_is_due_monday_28_december() -> None:
    # C-WD-2: Thu 24 Dec is cuti bersama, Fri 25 Dec Christmas, then the weekend
    x = datetime(2026, 12, 23, 10, 0, tzinfo=WIB)
    assert calendar.working_days_after(x, 1) == end_of_wib_day(date(2026, 12, 28))


def test_eid_al_fitr_2026_cuti_bersama_is_skipped() -> None:
    # Nyepi 19 Mar (joint holiday 18 Mar), Eid 21-22 Mar, cuti bersama 20, 23, 24 Mar 2026
    x = datetime(2026, 3, 17, 15, 0, tzinfo=WIB)
    assert calendar.working_days_after(x, 1) == end_of_wib_day(date(2026, 3, 25))
    for closed in (date(2026, 3, 18), date(2026, 3, 20), date(2026, 3, 23), date(2026, 3, 24)):
        assert not calendar.is_working_day(closed), closed


def test_a_complaint_received_on_saturday_night_is_answered_by_monday_end_of_day() -> None:
    saturday_night = datetime(2026, 11, 14, 23, 30, tzinfo=WIB)
    assert calendar.working_days_after(saturday_night, 1) == end_of_wib_day(date(2026, 11, 16))


def test_a_time_abroad_counts_from_its_wib_date() -> None:
    # 18:30 in New York on Tue 10 Nov is 06:30 WIB on Wed 11 Nov
    new_york = datetime(2026, 11, 10, 18, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert calendar.working_days_after(new_york, 1) == end_of_wib_day(date(2026, 11, 12))


def test_a_configured_closure_is_skipped_and_changes_the_calendar_version() -> None:
    closed = WorkingDayCalendar(extra_closures=frozenset({date(2026, 11, 16)}))
    saturday = datetime(2026, 11, 14, 10, tzinfo=WIB)
    assert closed.working_days_after(saturday, 1) == end_of_wib_day(date(2026, 11, 17))
    assert closed.version != calendar.version and closed.version.startswith("holidays-")


def test_a_naive_basis_is_refused_c_time_1() -> None:
    with pytest.raises(RuleViolation, match="C-TIME-1"):
        calendar.working_days_after(datetime(2026, 1, 5, 9), 1)


def test_closures_configured_in_the_environment_reach_the_ledgers_deadlines_c_wd_1(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    from claims_ledger.infra.settings import Settings

    monkeypatch.setenv("LEDGER_EXTRA_CLOSURES", "2026-11-16, 2026-11-17")
    cal = Settings().calendar()
    assert cal.working_days_after(datetime(2026, 11, 13, 10, tzinfo=WIB), 1) == end_of_wib_day(
        date(2026, 11, 18)
    )
    monkeypatch.setenv("LEDGER_EXTRA_CLOSURES", "16/11/2026")
    with pytest.raises(ValueError, match="not an ISO date"):
        Settings()
