"""SLA: every deadline of every complaint (CP-REG-1, C-SLA-1): due, met at, breached at, how
long, whose, which rule, which calendar and rule-set version."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from domain.envelope import PublishedEvent

DEADLINE_EVENTS = frozenset(
    {
        "ComplaintDeadlineSet",
        "ComplaintDeadlineMet",
        "ComplaintDeadlineExtended",
        "ComplaintDeadlineBreached",
        "ComplaintBreachClosed",
        "ComplaintDeadlineCancelled",
    }
)


@dataclass(frozen=True)
class DeadlineRow:
    complaint_id: str
    rule_id: str
    party: str
    kind: str
    units: int
    basis: datetime
    computed_from: str
    due: datetime
    original_due: datetime | None
    extended_by_rule: str | None
    extension_reason: str | None
    status: str
    met_at: datetime | None
    breached_at: datetime | None
    breach_recorded_at: datetime | None
    fulfilled_at: datetime | None
    breach_seconds: int | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    calendar: str
    calendar_version: str
    rule_set: str


def rule_id_of(event: PublishedEvent) -> str | None:
    """The deadline an event is about, or None when it is about none."""
    if event.aggregate_type != "complaint" or event.event_type not in DEADLINE_EVENTS:
        return None
    if event.event_type == "ComplaintDeadlineSet":
        deadline: Any = event.payload["deadline"]
        return str(deadline["rule_id"])
    return str(event.payload["rule_id"])


def _time(value: Any) -> datetime:
    return datetime.fromisoformat(str(value))


def fold(current: DeadlineRow | None, event: PublishedEvent) -> DeadlineRow | None:
    kind = event.event_type
    payload = event.payload
    if kind == "ComplaintDeadlineSet":
        d: Any = payload["deadline"]
        return DeadlineRow(
            complaint_id=str(event.aggregate_id),
            rule_id=str(d["rule_id"]),
            party=str(d["party"]),
            kind=str(d["kind"]),
            units=int(d["units"]),
            basis=_time(d["basis"]),
            computed_from=str(d["computed_from"]),
            due=_time(d["due"]),
            original_due=None,
            extended_by_rule=None,
            extension_reason=None,
            status="open",
            met_at=None,
            breached_at=None,
            breach_recorded_at=None,
            fulfilled_at=None,
            breach_seconds=None,
            cancelled_at=None,
            cancel_reason=None,
            calendar=str(d["calendar"]),
            calendar_version=str(d["calendar_version"]),
            rule_set=str(d["rule_set"]),
        )
    if current is None:
        raise ValueError(f"{kind} for a deadline that was never set ({event.aggregate_id})")
    if kind == "ComplaintDeadlineMet":
        return replace(current, status="met", met_at=event.occurred_at)
    if kind == "ComplaintDeadlineExtended":
        d = payload["deadline"]
        return replace(
            current,
            due=_time(d["due"]),
            original_due=current.due,
            extended_by_rule=str(payload["extension_rule"]),
            extension_reason=str(payload["reason"]),
        )
    if kind == "ComplaintDeadlineBreached":
        return replace(
            current,
            status="breached",
            breached_at=event.occurred_at,
            breach_recorded_at=event.recorded_at,
        )
    if kind == "ComplaintBreachClosed":
        return replace(
            current,
            status="breach_closed",
            fulfilled_at=event.occurred_at,
            breach_seconds=int(str(payload["duration_seconds"])),
        )
    return replace(
        current,
        status="cancelled",
        cancelled_at=event.occurred_at,
        cancel_reason=str(payload["reason"]),
    )
