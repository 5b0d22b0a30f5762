"""CP-REG-1: what a regulator sees of one complaint: every step with its occurred and recorded
times in WIB, and every deadline with its due time, met or breached and by how long, and which
rule set it. The same view, without the complaint's own fields, serves a case of any type."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from claims_ledger.projections.complaint_report import EventRow
from claims_ledger.projections.complaint_status import ComplaintStatus
from claims_ledger.projections.deadlines import DeadlineRow
from claims_ledger.projections.formatting import duration, wib

DEADLINE_KINDS = (
    "DeadlineSet",
    "DeadlineMet",
    "DeadlineExtended",
    "DeadlineBreached",
    "BreachClosed",
    "DeadlineCancelled",
)
"""Deadline events carry one payload shape whatever the case type (`DeadlineTracking`)."""


def _late(occurred_at: datetime, recorded_at: datetime) -> str | None:
    """How long after the fact it was recorded, when more than an hour (C-TIME-2)."""
    late = recorded_at - occurred_at
    return duration(late.total_seconds()) if late > timedelta(hours=1) else None


def _kind(event_type: str) -> str:
    deadline_kind = next((k for k in DEADLINE_KINDS if event_type.endswith(k)), None)
    return deadline_kind or event_type.removeprefix("Complaint")


def describe(event: EventRow) -> str:
    """One line a person can read, from the event's own fields."""
    p = event.payload
    kind = _kind(event.event_type)
    deadline: Any = p.get("deadline") or {}
    details = {
        "Received": lambda: (
            f"via {p['channel']}, {p['form']}, track {p['track']}"
            + (", represented" if p.get("represented") else "")
        ),
        "InitialResponseGiven": lambda: f"acknowledged as {p['registration_reference']}",
        "DocumentsSubmitted": lambda: ", ".join([*p["documents"], *p["other_documents"]]),
        "DeadlineSet": lambda: (
            f"{deadline['rule_id']} ({deadline['party']}) due "
            f"{wib(datetime.fromisoformat(deadline['due']))}"
        ),
        "DeadlineMet": lambda: f"{p['rule_id']} met",
        "DeadlineExtended": lambda: (
            f"{p['rule_id']} extended under {p['extension_rule']} to "
            f"{wib(datetime.fromisoformat(deadline['due']))} (reason {p['reason']})"
        ),
        "DeadlineBreached": lambda: f"{p['rule_id']} ({p['party']}) breached",
        "BreachClosed": lambda: (
            f"{p['rule_id']} fulfilled late by {duration(int(str(p['duration_seconds'])))}"
        ),
        "DeadlineCancelled": lambda: f"{p['rule_id']} cancelled: {p['reason']}",
        "MovedToWrittenTrack": lambda: str(p["reason"]),
        "Registered": lambda: f"registration number {p['registration_number']}",
        "Forwarded": lambda: f"to {p['department']}",
        "Analysed": lambda: str(p["finding"]),
        "Resolved": lambda: f"outcome {p['outcome']}",
        "ClosedIncomplete": lambda: "missing " + ", ".join(p["missing_documents"]),
    }
    if kind not in DEADLINE_KINDS and not event.event_type.startswith("Complaint"):
        return ""
    return details.get(kind, lambda: "")()


def timeline(
    status: ComplaintStatus, events: list[EventRow], deadlines: list[DeadlineRow]
) -> dict[str, Any]:
    return {
        "complaint": status.reference,
        "complaint_id": status.complaint_id,
        "state": status.state,
        "rule_set": status.rule_set,
        "steps": _steps(events),
        "deadlines": _deadlines(deadlines),
    }


def case_timeline(
    reference: str,
    case_type: str,
    case_id: str,
    events: list[EventRow],
    deadlines: list[DeadlineRow],
) -> dict[str, Any]:
    """The timeline of a case of any type (a claim, a policy, an assistance case...)."""
    return {
        "case": reference,
        "case_type": case_type,
        "case_id": case_id,
        "steps": _steps(events),
        "deadlines": _deadlines(deadlines),
    }


def _steps(events: list[EventRow]) -> list[dict[str, Any]]:
    return [
        {
            "version": e.version,
            "step": e.event_type,
            "occurred_at": wib(e.occurred_at),
            "recorded_at": wib(e.recorded_at),
            "recorded_late_by": _late(e.occurred_at, e.recorded_at),
            "details": describe(e),
            "hash": e.hash,
        }
        for e in events
    ]


def _deadlines(deadlines: list[DeadlineRow]) -> list[dict[str, Any]]:
    return [
        {
            "rule_id": d.rule_id,
            "key": d.key,
            "party": d.party,
            "due": wib(d.due),
            "original_due": wib(d.original_due),
            "extended_by": d.extended_by_rule,
            "status": d.status,
            "met_at": wib(d.met_at),
            "breached_at": wib(d.breached_at),
            "breach_recorded_at": wib(d.breach_recorded_at),
            "fulfilled_at": wib(d.fulfilled_at),
            "breach_duration": None if d.breach_seconds is None else duration(d.breach_seconds),
            "computed_from": d.computed_from,
            "calendar": f"{d.calendar} ({d.calendar_version})",
            "rule_set": d.rule_set,
        }
        for d in deadlines
    ]
