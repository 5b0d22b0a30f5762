"""Open deadlines by due time, so the deadline process reads only what is due (C-SLA-1).

The store keeps an index of every open deadline (case, deadline key, due time), written in the
same transaction as the deadline events it is derived from (`index_changes`): a deadline set or
extended is (re)indexed at its due time; one met, breached or cancelled leaves the index. A
breach closed later changes nothing (the deadline was no longer open).

While a scenario file is applied, a `DeadlineWatch` keeps the open deadlines the file may reach
in a heap by due time: after each line only the entries that have fallen due are examined, and
only their cases are loaded. Heap entries are hints: the case's own state decides (an entry for
a deadline met or extended meanwhile finds nothing to breach).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

from claims_ledger.domain.deadlines import (
    Deadline,
    DeadlineEventRules,
    DeadlineStatus,
    DeadlineTracking,
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def due_key(moment: datetime) -> int:
    """A due time as whole microseconds since the epoch: ordered and exact, whatever the offset."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


@dataclass(frozen=True)
class IndexChange:
    """One change to the index: `due` set (open at that time) or None (no longer open)."""

    aggregate_id: UUID
    key: str
    due: datetime | None

    @property
    def due_us(self) -> int | None:
        return None if self.due is None else due_key(self.due)


@dataclass(frozen=True)
class OpenDeadline:
    aggregate_id: UUID
    key: str
    due_us: int


def index_changes(events: Iterable[Any]) -> list[IndexChange]:
    """What storing these domain events (in order) changes in the index of open deadlines."""
    changes: list[IndexChange] = []
    for event in events:
        aggregate_id = event.originator_id
        if isinstance(event, DeadlineEventRules.Set):
            deadline = Deadline.from_payload(event.deadline)
            changes.append(IndexChange(aggregate_id, deadline.key, deadline.due))
        elif isinstance(event, DeadlineEventRules.Extended):
            due = Deadline.from_payload(event.deadline).due
            changes.append(IndexChange(aggregate_id, event.rule_id, due))
        elif isinstance(
            event,
            DeadlineEventRules.Met | DeadlineEventRules.Breached | DeadlineEventRules.Cancelled,
        ):
            changes.append(IndexChange(aggregate_id, event.rule_id, None))
    return changes


@runtime_checkable
class DeadlineIndex(Protocol):
    """A store that keeps the index of open deadlines beside its events."""

    def deadline_index_ready(self) -> bool:
        """Whether the index exists and covers every stored event (backfilled)."""
        ...

    def open_deadlines_due_before(self, moment: datetime) -> Sequence[OpenDeadline]:
        """Open deadlines whose due time is strictly before `moment`, earliest first."""
        ...


class CaseSource(Protocol):
    def load(self, aggregate_id: UUID) -> Any: ...


class DeadlineWatch:
    """The heap of open deadlines a run of the deadline process may reach, and a count of the
    deadline objects examined (what the process costs)."""

    def __init__(self) -> None:
        self._heap: list[tuple[int, UUID, str]] = []
        self._queued: set[tuple[UUID, str, int]] = set()
        self.examined = 0

    def __len__(self) -> int:
        return len(self._heap)

    def push(self, aggregate_id: UUID, key: str, due_us: int) -> None:
        if (aggregate_id, key, due_us) in self._queued:
            return
        self._queued.add((aggregate_id, key, due_us))
        heapq.heappush(self._heap, (due_us, aggregate_id, key))

    def watch(self, case: Any) -> None:
        """Queue the open deadlines of a case just changed (set or extended in memory)."""
        if not isinstance(case, DeadlineTracking):
            return
        for key, state in case.deadlines.items():
            self.examined += 1
            if state.status is DeadlineStatus.OPEN:
                self.push(case.id, key, due_key(state.due))  # type: ignore[attr-defined]

    def due_cases(self, now: datetime) -> list[UUID]:
        """Cases with a queued deadline passed by `now` (C-SLA-1: now > due), by due time."""
        limit = due_key(now)
        cases: dict[UUID, None] = {}  # in order of their earliest due deadline
        while self._heap and self._heap[0][0] < limit:
            due_us, aggregate_id, key = heapq.heappop(self._heap)
            self._queued.discard((aggregate_id, key, due_us))
            self.examined += 1
            cases.setdefault(aggregate_id)
        return list(cases)

    def detect_breaches(self, cases: CaseSource, now: datetime, recorded_at: datetime) -> int:
        """Record a breach for every queued deadline passed unmet by `now`; returns how many.
        A case's deadlines not yet due stay queued under their own entries."""
        breaches = 0
        for aggregate_id in self.due_cases(now):
            case = cases.load(aggregate_id)
            if isinstance(case, DeadlineTracking):
                self.examined += len(case.deadlines)
                breaches += case.detect_breaches(now, recorded_at)
        return breaches
