"""Time rules: C-TIME-1 (aware times only) and C-TIME-2 (no events from the future).

The domain never reads the wall clock. Callers inject a clock: the wall clock in operation,
the scenario clock when a scenario file is applied.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from claims_ledger.domain.errors import RuleViolation

WIB = ZoneInfo("Asia/Jakarta")
"""The business timezone (C-TIME-1)."""


class Clock(Protocol):
    def now(self) -> datetime: ...


class ScenarioClock:
    """A clock that only moves when told to: the time each scenario line is issued at."""

    def __init__(self, start: datetime) -> None:
        self._now = require_aware(start, "clock start")

    def now(self) -> datetime:
        return self._now

    def advance_to(self, moment: datetime) -> None:
        moment = require_aware(moment, "scenario time")
        if moment < self._now:
            raise RuleViolation(
                "C-TIME-2",
                f"scenario time {moment.isoformat()} is before the previous line's "
                f"time {self._now.isoformat()}",
                accepted="scenario lines in non-decreasing time order",
            )
        self._now = moment


EARLIEST_YEAR = 1900
LATEST_YEAR = 2199
"""Business times the ledger accepts (our reading of C-TIME-1: a time must be one a deadline can
be computed from, in WIB and in UTC, with room for the longest deadline after it); a year 1 or
9999 time is a typing mistake, refused rather than overflowing a calculation."""


def require_aware(value: datetime, field: str) -> datetime:
    """C-TIME-1: a time without an offset is rejected, never guessed; so is one outside the
    years EARLIEST_YEAR-LATEST_YEAR."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise RuleViolation(
            "C-TIME-1",
            f"{field} {value.isoformat()} has no timezone offset",
            accepted="an ISO 8601 time with an offset, e.g. 2026-03-02T09:00:00+07:00",
        )
    if not EARLIEST_YEAR < value.year < LATEST_YEAR:
        raise RuleViolation(
            "C-TIME-1",
            f"{field} {value.isoformat()} is outside the years the ledger computes deadlines in",
            accepted=f"a time in the years {EARLIEST_YEAR + 1}-{LATEST_YEAR - 1}",
        )
    return value


def require_not_future(occurred_at: datetime, recorded_at: datetime) -> None:
    """C-TIME-2: a command may not state an occurred_at later than its recording time."""
    require_aware(occurred_at, "occurred_at")
    require_aware(recorded_at, "recorded_at")
    if occurred_at > recorded_at:
        raise RuleViolation(
            "C-TIME-2",
            f"occurred_at {occurred_at.isoformat()} is later than the ledger's time "
            f"{recorded_at.isoformat()}: no events from the future",
            accepted=f"occurred_at at or before {recorded_at.isoformat()}",
        )
