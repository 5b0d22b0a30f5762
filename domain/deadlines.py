"""Deadlines as data, and their life: set, met, extended, breached, breach closed, cancelled.

C-SLA-1: a deadline is met when the fulfilling event's occurred_at is at or before it; it is
breached when it passes without one, and the breach is a recorded fact. A later fulfilment
closes the breach and keeps its duration. Every deadline belongs to a party.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from typing import Any

from claims_ledger.domain.calendar import DeadlineKind, WorkingDayCalendar
from claims_ledger.domain.clock import require_aware
from claims_ledger.domain.errors import RuleViolation

SYSTEM = "deadline-process"


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
    subject: str | None = None
    """What the deadline is about when a case has several under one rule (a claim section)."""

    @property
    def key(self) -> str:
        """How the case names this deadline: its rule id, and its subject if it has one. Deadline
        events carry this key in their `rule_id` field."""
        return self.rule_id if self.subject is None else f"{self.rule_id}/{self.subject}"

    def as_payload(self) -> dict[str, Any]:
        # Every field is an immutable value: no deep copy (`asdict`) needed.
        return {f.name: getattr(self, f.name) for f in fields(self)}

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
    subject: str | None = None,
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
        subject=subject,
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


@dataclass(frozen=True)
class Provenance:
    """Business time, ledger time and origin of one command (C-TIME-2)."""

    occurred_at: datetime
    recorded_at: datetime
    correlation_id: str
    causation_id: str

    def fields(self) -> dict[str, Any]:
        return {
            "timestamp": self.recorded_at,
            "occurred_at": self.occurred_at,
            "correlation_id": self.correlation_id,
            "causation_id": self.causation_id,
        }

    def at(self, occurred_at: datetime) -> Provenance:
        return replace(self, occurred_at=occurred_at)

    @classmethod
    def deadline_process(cls, due: datetime, now: datetime, recorded_at: datetime) -> Provenance:
        """A breach found by the deadline process: it happened at the deadline (C-SLA-1)."""
        return cls(due, recorded_at, SYSTEM, f"{SYSTEM}:{now.isoformat()}")


class DeadlineTracking:
    """The deadline engine shared by every case aggregate: set, meet, extend, breach, close,
    cancel. The aggregate defines the six deadline event classes under these names, each with
    its own stable topic, and keeps `deadlines`, `rule_set` and `case_label`."""

    deadlines: dict[str, DeadlineState]
    rule_set: str
    DeadlineSet: Any
    DeadlineMet: Any
    DeadlineExtended: Any
    DeadlineBreached: Any
    BreachClosed: Any
    DeadlineCancelled: Any
    trigger_event: Callable[..., None]

    @property
    def case_label(self) -> str:
        raise NotImplementedError

    def detect_breaches(self, now: datetime, recorded_at: datetime) -> int:
        """The deadline process (C-SLA-1): record a breach for every deadline passed unmet by
        `now`, at its due time. Returns how many."""
        require_aware(now, "now")
        passed = self._passed_unmet(now)
        for state in passed:
            self._record_breach(state, Provenance.deadline_process(state.due, now, recorded_at))
        return len(passed)

    def _passed_unmet(self, now: datetime) -> list[DeadlineState]:
        """Deadlines that have passed unmet by `now`, earliest first (C-SLA-1)."""
        return sorted(
            (s for s in self.deadlines.values() if s.passed_unmet(now)), key=lambda s: s.due
        )

    def _set_deadline_of_kind(
        self,
        rule_id: str,
        party: Party,
        kind: DeadlineKind,
        units: int,
        computed_from: str,
        provenance: Provenance,
        calendar: WorkingDayCalendar,
        subject: str | None = None,
    ) -> None:
        deadline = compute_deadline(
            rule_id=rule_id,
            party=party,
            kind=kind,
            units=units,
            basis=provenance.occurred_at,
            computed_from=computed_from,
            rule_set=self.rule_set,
            calendar=calendar,
            subject=subject,
        )
        self.trigger_event(
            self.DeadlineSet,
            **provenance.fields(),
            deadline=deadline.as_payload(),
            rule_set=self.rule_set,
        )

    def _fulfil(self, rule_id: str, provenance: Provenance) -> None:
        """C-SLA-1: met when the fulfilling event occurred at or before the deadline; otherwise
        the breach is recorded (if it was not yet) and closed, keeping its duration."""
        state = self.deadlines.get(rule_id)
        if state is None or not state.awaiting_fulfilment:
            return
        at = provenance.occurred_at
        if state.status is DeadlineStatus.OPEN and at <= state.due:
            self.trigger_event(
                self.DeadlineMet, **provenance.fields(), rule_id=rule_id, due=state.due
            )
            return
        if state.status is DeadlineStatus.OPEN:
            self._record_breach(state, provenance.at(state.due))
        duration = max(int((at - state.due).total_seconds()), 0)
        self.trigger_event(
            self.BreachClosed,
            **provenance.fields(),
            rule_id=rule_id,
            due=state.due,
            duration_seconds=duration,
        )

    def _record_breach(self, state: DeadlineState, at_due: Provenance) -> None:
        self.trigger_event(
            self.DeadlineBreached,
            **at_due.fields(),
            rule_id=state.deadline.key,
            party=state.deadline.party,
            due=state.due,
            rule_set=self.rule_set,
        )

    def _extend_deadline(
        self,
        rule_id: str,
        extension_rule: str,
        reason: str,
        units: int,
        provenance: Provenance,
        notice_sent_at: datetime | None,
        calendar: WorkingDayCalendar,
    ) -> None:
        """Extend a deadline once, with a reason, before it passes: `units` working days after
        the original deadline's date (CP-SLA-3, RG-CP-3)."""
        state = self.deadlines.get(rule_id)
        if state is None or state.status is DeadlineStatus.CANCELLED:
            raise RuleViolation(
                extension_rule,
                f"{self.case_label} has no open {rule_id} deadline to extend",
            )
        if state.extended_by_rule is not None:
            raise RuleViolation(
                extension_rule,
                f"the {rule_id} deadline of {self.case_label} was already extended "
                f"once (to {state.due.isoformat()}); a second extension is not allowed",
                accepted="one extension",
            )
        if not reason.strip():
            raise RuleViolation(extension_rule, "an extension needs a stated reason")
        if state.status is not DeadlineStatus.OPEN or provenance.occurred_at > state.due:
            raise RuleViolation(
                extension_rule,
                f"the {rule_id} deadline passed at {state.due.isoformat()}; an extension must "
                "be granted before the original deadline passes",
                accepted=f"an extension at or before {state.due.isoformat()}",
            )
        new = compute_deadline(
            rule_id=rule_id,
            party=state.deadline.party,
            kind=DeadlineKind.WORKING_DAYS,
            units=units,
            basis=state.due,
            computed_from=f"{extension_rule} extension",
            rule_set=self.rule_set,
            calendar=calendar,
            subject=state.deadline.subject,
        )
        self.trigger_event(
            self.DeadlineExtended,
            **provenance.fields(),
            rule_id=rule_id,
            extension_rule=extension_rule,
            reason=reason,
            original_due=state.due,
            deadline=new.as_payload(),
            notice_sent_at=notice_sent_at,
            rule_set=self.rule_set,
        )

    def _cancel(self, rule_id: str, reason: str, provenance: Provenance) -> None:
        state = self.deadlines.get(rule_id)
        if state is not None and state.status is DeadlineStatus.OPEN:
            self.trigger_event(
                self.DeadlineCancelled, **provenance.fields(), rule_id=rule_id, reason=reason
            )

    def _cancel_open(self, reason: str, provenance: Provenance) -> None:
        for rule_id in list(self.deadlines):
            self._cancel(rule_id, reason, provenance)


class DeadlineEventRules:
    """The six deadline events' fields and how they change a case's `deadlines`. Each aggregate
    declares the events with its own stable topics and inherits fields and `apply` from these
    (put the mixin first, before the aggregate's Event class):

        class DeadlineSet(DeadlineEventRules.Set, Event):
            TOPIC = "claims_ledger:ComplaintDeadlineSet"
    """

    @dataclass(frozen=True)
    class Set:
        deadline: dict[str, Any]
        rule_set: str

        def apply(self, aggregate: Any) -> None:
            deadline = Deadline.from_payload(self.deadline)
            aggregate.deadlines[deadline.key] = DeadlineState(deadline)

    @dataclass(frozen=True)
    class Met:
        rule_id: str
        due: datetime
        occurred_at: datetime

        def apply(self, aggregate: Any) -> None:
            state = aggregate.deadlines[self.rule_id]
            aggregate.deadlines[self.rule_id] = replace(state, met_at=self.occurred_at)

    @dataclass(frozen=True)
    class Extended:
        rule_id: str
        extension_rule: str
        reason: str
        original_due: datetime
        deadline: dict[str, Any]
        notice_sent_at: datetime | None
        rule_set: str

        def apply(self, aggregate: Any) -> None:
            state: DeadlineState = aggregate.deadlines[self.rule_id]
            aggregate.deadlines[self.rule_id] = state.extended(
                Deadline.from_payload(self.deadline), self.extension_rule, self.reason
            )

    @dataclass(frozen=True)
    class Breached:
        """C-SLA-1: occurred_at is the deadline itself; the timestamp is when it was noticed."""

        rule_id: str
        party: Party
        due: datetime
        rule_set: str
        occurred_at: datetime
        timestamp: datetime

        def apply(self, aggregate: Any) -> None:
            state = aggregate.deadlines[self.rule_id]
            aggregate.deadlines[self.rule_id] = replace(
                state, breached_at=self.occurred_at, breach_recorded_at=self.timestamp
            )

    @dataclass(frozen=True)
    class BreachClosed:
        """A late fulfilment closes a breach; the breach and its duration stay on record."""

        rule_id: str
        due: datetime
        duration_seconds: int
        occurred_at: datetime

        def apply(self, aggregate: Any) -> None:
            state = aggregate.deadlines[self.rule_id]
            aggregate.deadlines[self.rule_id] = replace(state, fulfilled_at=self.occurred_at)

    @dataclass(frozen=True)
    class Cancelled:
        rule_id: str
        reason: str
        occurred_at: datetime

        def apply(self, aggregate: Any) -> None:
            state = aggregate.deadlines[self.rule_id]
            aggregate.deadlines[self.rule_id] = replace(
                state, cancelled_at=self.occurred_at, cancel_reason=self.reason
            )
