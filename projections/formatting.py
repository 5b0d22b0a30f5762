"""How times and durations read wherever the ledger shows them to people or machines.

One format each: a time is ISO 8601 in WIB with its offset (`2026-03-02T09:05:00+07:00`), the
same string in a table, in JSON and in a scenario file's `at`; a duration is days, hours and
minutes (`1d 10h 0m`, `9h 23m`, `40m`), with seconds only when there are some.
"""

from __future__ import annotations

from datetime import datetime

from claims_ledger.domain.clock import WIB


def wib(moment: datetime | None) -> str | None:
    """`2026-03-02T09:05:00+07:00`: the business timezone (C-TIME-1), its offset written out,
    to the second (the end of a day, 23:59:59.999999, reads 23:59:59)."""
    return None if moment is None else moment.astimezone(WIB).isoformat(timespec="seconds")


def duration(seconds: float) -> str:
    """`1d 10h 0m`: leading zero units left out, seconds shown only when not zero."""
    total = int(seconds)
    sign, total = ("-", -total) if total < 0 else ("", total)
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        text = f"{days}d {hours}h {minutes}m"
    elif hours:
        text = f"{hours}h {minutes}m"
    else:
        text = f"{minutes}m"
    return sign + text + (f" {secs}s" if secs else "")
