"""A case as it was: at a version, or as of a moment by business time (`occurred`: the last
event that had happened by then) or by recording time (`recorded`: what the ledger knew then).

The version for a moment is found by binary search over the case's events, reading O(log n)
of them one at a time; the case at that version is the latest snapshot at or below it plus the
events after it (`Repository.get(id, version=k)`), so the cost does not grow with the history.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from eventsourcing.domain import Aggregate

from claims_ledger.domain.clock import require_aware
from claims_ledger.domain.errors import LedgerError
from claims_ledger.domain.ledger import Ledger

AsOfBasis = Literal["occurred", "recorded"]
BASES: tuple[AsOfBasis, ...] = ("occurred", "recorded")


class NotInHistory(LedgerError):
    """A version or moment outside the case's history (before it was opened, or beyond its
    last version)."""


def last_version(ledger: Ledger, aggregate_id: UUID) -> int:
    """The case's current version, read from the store without decoding any event."""
    stored = ledger.recorder.select_events(aggregate_id, desc=True, limit=1)
    if not stored:
        raise NotInHistory(f"case {aggregate_id} has no stored events")
    return stored[0].originator_version


def event_at(ledger: Ledger, aggregate_id: UUID, version: int) -> Any:
    """The one stored event of a case at `version`, decoded."""
    return next(iter(ledger.events.get(aggregate_id, gt=version - 1, lte=version)))


def moment_of(event: Any, by: AsOfBasis) -> datetime:
    """When an event happened (`occurred_at`) or was recorded by the ledger (`timestamp`)."""
    moment: datetime = event.occurred_at if by == "occurred" else event.timestamp
    return moment


def version_as_of(ledger: Ledger, aggregate_id: UUID, at: datetime, by: AsOfBasis) -> int:
    """The last version whose event's time (by `by`) is at or before `at`.

    A case's events are in the order they were recorded, so recording times never decrease
    along its versions, and binary search finds the version with O(log n) event reads.
    Business times follow the steps' order too (a step is refused before the one it follows),
    with one exception: a breach is stamped with its deadline's due time, which may be earlier
    than a step recorded before the deadline process ran. The search then stops at a version
    boundary on one side of that breach; the versions it returns are always a prefix of the
    history, never the history rearranged. `NotInHistory` when the case did not exist yet."""
    require_aware(at, "at")
    if by not in BASES:
        raise NotInHistory(f"unknown time basis {by!r}; accepted: {', '.join(BASES)}")
    return _last_at_or_before(
        lambda version: moment_of(event_at(ledger, aggregate_id, version), by),
        last_version(ledger, aggregate_id),
        at,
        aggregate_id,
        by,
    )


def _last_at_or_before(
    moment: Callable[[int], datetime], last: int, at: datetime, aggregate_id: UUID, by: str
) -> int:
    low, high = 1, last  # the answer, if any, is in [low - 1, high]
    found = 0
    while low <= high:
        middle = (low + high) // 2
        if moment(middle) <= at:
            found, low = middle, middle + 1
        else:
            high = middle - 1
    if found == 0:
        raise NotInHistory(
            f"case {aggregate_id} did not exist yet at {at.isoformat()} ({by}): "
            "its first event is later"
        )
    return found


def state_at(
    ledger: Ledger,
    aggregate_id: UUID,
    *,
    version: int | None = None,
    at: datetime | None = None,
    by: AsOfBasis = "recorded",
) -> Aggregate:
    """The case exactly as it was at `version`, or as of `at` by `by`; now when neither."""
    if version is not None and at is not None:
        raise NotInHistory("give a version or a moment, not both")
    if at is not None:
        version = version_as_of(ledger, aggregate_id, at, by)
    if version is not None:
        last = last_version(ledger, aggregate_id)
        if not 1 <= version <= last:
            raise NotInHistory(
                f"case {aggregate_id} has versions 1 to {last}; version {version} is not one"
            )
    aggregate: Aggregate = ledger.repository.get(aggregate_id, version=version)
    return aggregate
