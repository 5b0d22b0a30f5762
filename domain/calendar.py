"""The one calendar module: every deadline the ledger computes is computed here.

C-WD-1: a working day is a Monday-Friday date in WIB that is neither a national public holiday
nor a collective-leave day (cuti bersama), per the `holidays` package, country ID, categories
public and government, plus any configured extra closures.
C-WD-2 / C-H-1 / C-D-1: the three deadline kinds.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from importlib.metadata import version as package_version
from typing import Any

import holidays

from claims_ledger.domain.clock import WIB, require_aware

END_OF_DAY = time(23, 59, 59, 999999)
HOLIDAY_CATEGORIES = ("public", "government")


class DeadlineKind(enum.StrEnum):
    WORKING_DAYS = "working_days"  # C-WD-2
    HOURS_24 = "x24_hours"  # C-H-1
    CALENDAR_DAYS = "calendar_days"  # C-D-1


KIND_RULE = {
    DeadlineKind.WORKING_DAYS: "C-WD-2",
    DeadlineKind.HOURS_24: "C-H-1",
    DeadlineKind.CALENDAR_DAYS: "C-D-1",
}


def end_of_wib_day(day: date) -> datetime:
    return datetime.combine(day, END_OF_DAY, tzinfo=WIB)


@dataclass(frozen=True)
class WorkingDayCalendar:
    """C-WD-1. `extra_closures` are dates the insurer is closed beyond the national calendar."""

    extra_closures: frozenset[date] = field(default_factory=frozenset)

    name = "ID public+government"

    @cached_property
    def version(self) -> str:
        """The `holidays` package version, and a digest of the extra closures (if any)."""
        version = f"holidays-{package_version('holidays')}"
        if self.extra_closures:
            listed = ",".join(sorted(d.isoformat() for d in self.extra_closures))
            version += f"+closures-{hashlib.sha256(listed.encode()).hexdigest()[:12]}"
        return version

    @cached_property
    def _holidays(self) -> Any:
        return holidays.country_holidays("ID", categories=HOLIDAY_CATEGORIES)

    @cached_property
    def _reasons(self) -> dict[date, str | None]:
        """Days already looked up (the `holidays` lookup is the deadline computation's cost)."""
        return {}

    def closure_reason(self, day: date) -> str | None:
        """Why `day` is not a working day, or None when it is one."""
        try:
            return self._reasons[day]
        except KeyError:
            pass
        reason: str | None
        if day.weekday() >= 5:
            reason = "weekend"
        elif day in self.extra_closures:
            reason = "configured closure"
        else:
            reason = self._holidays.get(day)
        self._reasons[day] = reason
        return reason

    def is_working_day(self, day: date) -> bool:
        return self.closure_reason(day) is None

    def working_days_after(self, moment: datetime, n: int) -> datetime:
        """C-WD-2: 23:59:59.999999 WIB at the end of the n-th working day strictly after the WIB
        date of `moment`; the day of `moment` never counts, whatever the hour."""
        _require_count(n)
        day = require_aware(moment, "deadline basis").astimezone(WIB).date()
        counted = 0
        while counted < n:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return end_of_wib_day(day)

    @staticmethod
    def hours_after(moment: datetime, n: int) -> datetime:
        """C-H-1: exactly n x 24 hours on the clock, weekends and holidays included."""
        _require_count(n)
        return require_aware(moment, "deadline basis") + timedelta(hours=24 * n)

    @staticmethod
    def calendar_days_after(moment: datetime, n: int) -> datetime:
        """C-D-1: the end (WIB) of the date n calendar days after the WIB date of `moment`."""
        _require_count(n)
        day = require_aware(moment, "deadline basis").astimezone(WIB).date()
        return end_of_wib_day(day + timedelta(days=n))

    def due(self, kind: DeadlineKind, basis: datetime, n: int) -> datetime:
        if kind is DeadlineKind.WORKING_DAYS:
            return self.working_days_after(basis, n)
        if kind is DeadlineKind.HOURS_24:
            return self.hours_after(basis, n)
        return self.calendar_days_after(basis, n)


def day_of_next_month(day: date, day_of_month: int) -> datetime:
    """The end (WIB) of the given day of the month after `day`'s month (RG-CP-6: "by the 10th
    day of the month after the quarter ends")."""
    first = date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)
    return end_of_wib_day(first.replace(day=day_of_month))


def _require_count(n: int) -> None:
    if n < 1:
        raise ValueError(f"a deadline counts at least 1 unit, got {n}")


DEFAULT_CALENDAR = WorkingDayCalendar()
