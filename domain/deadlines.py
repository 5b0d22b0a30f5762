"""Deadlines as data, and their life: set, met, extended, breached, breach closed, cancelled.

C-SLA-1: a deadline is met when the fulfilling event's occurred_at is at or before it; it is
breached when it passes without one, and the breach is a recorded fact. A later fulfilment
closes the breach and keeps its duration. Every deadline belongs to a party.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from domain.calendar import DeadlineKind, WorkingDayCalendar


class Party(enum.StrEnum):
    INSURER = "insurer"  # the insurer's service level
    CUSTOMER = "customer"  # a condition the insured must meet


class DeadlineStatus(enum.StrEnum):
    OPEN = "open"
    MET = "met"
    BREACHED = "breached"
    BREACH_CLOSED = "breach_closed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Deadline:
    """One computed deadline: which rule, whose, when, from what, on which calendar and rules."""

    rule_id: str
    party: Party
    kind: DeadlineKind
    units: int
    basis: datetime
    computed_from: str
    due: datetime
    calendar: str
    calendar_version: str
    rule_set: str

    def as_payload(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Deadline:
        values = dict(payload)
        values["party"] = Party(values["party"])
        values["kind"] = DeadlineKind(values["kind"])
        return cls(**values)


def compute_deadline(
    *,
    rule_id: str,
    party: Party,
    kind: DeadlineKind,
    units: int,
    basis: datetime,
    computed_from: str,
    rule_set: str,
    calendar: WorkingDayCalendar,
) -> Deadline:
    return Deadline(
        rule_id=rule_id,
        party=party,
        kind=kind,
        units=units,
        basis=basis,
        computed_from=computed_from,
        due=calendar.due(kind, basis, units),
        calendar=calendar.name,
        calendar_version=calendar.version,
        rule_set=rule_set,
    )


@dataclass(frozen=True)
class DeadlineState:
    """What has happened to one deadline so far (folded from its events)."""

    deadline: Deadline
    original_due: datetime | None = None
    extended_by_rule: str | None = None
    extension_reason: str | None = None
    met_at: datetime | None = None
    breached_at: datetime | None = None
    breach_recorded_at: datetime | None = None
    fulfilled_at: datetime | None = None
    breach_duration: timedelta | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    history: tuple[str, ...] = field(default_factory=tuple)

    @property
    def due(self) -> datetime:
        return self.deadline.due

    @property
    def status(self) -> DeadlineStatus:
        if self.met_at is not None:
            return DeadlineStatus.MET
        if self.breached_at is not None:
            return (
                DeadlineStatus.BREACH_CLOSED
                if self.fulfilled_at is not None
                else DeadlineStatus.BREACHED
            )
        if self.cancelled_at is not None:
            return DeadlineStatus.CANCELLED
        return DeadlineStatus.OPEN

    @property
    def awaiting_fulfilment(self) -> bool:
        """Open or breached-and-not-yet-fulfilled: a fulfilling event still changes it."""
        return self.status in (DeadlineStatus.OPEN, DeadlineStatus.BREACHED)

    def passed_unmet(self, now: datetime) -> bool:
        return self.status is DeadlineStatus.OPEN and now > self.due

    def extended(self, new: Deadline, rule_id: str, reason: str) -> DeadlineState:
        return replace(
            self,
            deadline=new,
            original_due=self.due,
            extended_by_rule=rule_id,
            extension_reason=reason,
        )
