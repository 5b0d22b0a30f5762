"""SLA: every deadline of every case, complaint or claim (CP-REG-1, C-SLA-1): due, met at,
breached at, how long, whose, which rule, which calendar and rule-set version."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from claims_ledger.domain.envelope import PublishedEvent

DEADLINE_EVENTS = (
    "DeadlineSet",
    "DeadlineMet",
    "DeadlineExtended",
    "DeadlineBreached",
    "BreachClosed",
    "DeadlineCancelled",
)
CASE_TYPES = frozenset({"complaint", "claim"})


def deadline_event(event: PublishedEvent) -> str | None:
    """`DeadlineSet`, `DeadlineMet`, ... for a case's deadline event, else None."""
    if event.aggregate_type not in CASE_TYPES:
        return None
    return next((kind for kind in DEADLINE_EVENTS if event.event_type.endswith(kind)), None)


@dataclass(frozen=True)
class DeadlineRow:
    case_id: str
    key: str
    rule_id: str
    subject: str | None
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


def key_of(event: PublishedEvent) -> str | None:
    """The key of the deadline an event is about (its rule id, /subject), or None."""
    kind = deadline_event(event)
    if kind is None:
        return None
    if kind == "DeadlineSet":
        deadline: Any = event.payload["deadline"]
        subject = deadline.get("subject")
        return str(deadline["rule_id"]) + (f"/{subject}" if subject else "")
    return str(event.payload["rule_id"])


def _time(value: Any) -> datetime:
    return datetime.fromisoformat(str(value))


def fold(current: DeadlineRow | None, event: PublishedEvent) -> DeadlineRow | None:
    kind = deadline_event(event)
    payload = event.payload
    if kind == "DeadlineSet":
        d: Any = payload["deadline"]
        return DeadlineRow(
            case_id=str(event.aggregate_id),
            key=str(d["rule_id"]) + (f"/{d['subject']}" if d.get("subject") else ""),
            rule_id=str(d["rule_id"]),
            subject=None if d.get("subject") is None else str(d["subject"]),
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
    if kind == "DeadlineMet":
        return replace(current, status="met", met_at=event.occurred_at)
    if kind == "DeadlineExtended":
        d = payload["deadline"]
        return replace(
            current,
            due=_time(d["due"]),
            original_due=current.due,
            extended_by_rule=str(payload["extension_rule"]),
            extension_reason=str(payload["reason"]),
        )
    if kind == "DeadlineBreached":
        return replace(
            current,
            status="breached",
            breached_at=event.occurred_at,
            breach_recorded_at=event.recorded_at,
        )
    if kind == "BreachClosed":
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
