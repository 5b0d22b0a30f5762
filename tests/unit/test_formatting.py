"""One format for times, durations and counts wherever the ledger shows them."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone

import pytest

from claims_ledger.domain.clock import WIB
from claims_ledger.infra.views import jsonable, plural
from claims_ledger.projections.formatting import duration, wib


def test_a_time_is_shown_in_wib_with_its_offset_whatever_zone_it_was_given_in() -> None:
    nepal = timezone(timedelta(hours=5, minutes=45))
    assert wib(datetime(2026, 10, 19, 6, 0, tzinfo=nepal)) == "2026-10-19T07:15:00+07:00"
    assert wib(datetime(2026, 3, 2, 2, 5, tzinfo=UTC)) == "2026-03-02T09:05:00+07:00"
    assert wib(None) is None


def test_the_end_of_a_wib_day_reads_23_59_59() -> None:
    end = datetime.combine(datetime(2026, 3, 27).date(), time.max, tzinfo=WIB)
    assert wib(end) == "2026-03-27T23:59:59+07:00"


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0, "0m"),
        (40 * 60, "40m"),
        (9 * 3600 + 23 * 60, "9h 23m"),
        (34 * 3600, "1d 10h 0m"),
        (34 * 3600 + 1, "1d 10h 0m 1s"),
        (-90 * 60, "-1h 30m"),
    ],
)
def test_a_duration_reads_as_days_hours_minutes(seconds: int, shown: str) -> None:
    assert duration(seconds) == shown


def test_json_times_are_the_same_strings_as_in_tables() -> None:
    moment = datetime(2026, 3, 2, 2, 5, tzinfo=UTC)
    assert jsonable({"at": moment, "list": [moment]}) == {
        "at": "2026-03-02T09:05:00+07:00",
        "list": ["2026-03-02T09:05:00+07:00"],
    }


def test_counts_take_the_singular_only_for_one() -> None:
    assert [plural(n, "event") for n in (0, 1, 2)] == ["0 events", "1 event", "2 events"]
    assert plural(1, "breach", "breaches") == "1 breach"
    assert plural(3, "breach", "breaches") == "3 breaches"
