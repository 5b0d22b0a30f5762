"""CP-REG-1: what a regulator sees of one complaint: every step with its occurred and recorded
times in WIB, and every deadline with its due time, met or breached and by how long, and which
rule set it. The same view, without the complaint's own fields, serves a case of any type."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from claims_ledger.domain.complaints.complaint import Complaint
from claims_ledger.domain.complaints.report import QuarterlyComplaintReport
from claims_ledger.domain.estatecare.policy import Policy
from claims_ledger.domain.estatecare.property_claim import PropertyClaim
from claims_ledger.domain.travel.assistance import AssistanceCase
from claims_ledger.domain.travel.claim import TravelClaim
from claims_ledger.projections.complaint_status import ComplaintStatus
from claims_ledger.projections.deadlines import DeadlineRow
from claims_ledger.projections.dispatch import Dispatch
from claims_ledger.projections.event_log import EventRow
from claims_ledger.projections.formatting import duration, wib


def _late(occurred_at: datetime, recorded_at: datetime) -> str | None:
    """How long after the fact it was recorded, when more than an hour (C-TIME-2)."""
    late = recorded_at - occurred_at
    return duration(late.total_seconds()) if late > timedelta(hours=1) else None


Payload = dict[str, Any]

DETAILS = Dispatch[Callable[[Payload], str]]("complaint timeline")
"""Per complaint event type, the details line of its step."""
DETAILS.ignore_aggregates(
    QuarterlyComplaintReport, Policy, PropertyClaim, TravelClaim, AssistanceCase
)
# the step's name says it all
DETAILS.ignore(Complaint.DocumentsCompleted, Complaint.Verified, Complaint.Closed)


def _due(p: Payload) -> str | None:
    return wib(datetime.fromisoformat(p["deadline"]["due"]))


@DETAILS.on(Complaint.Received)
def _received(p: Payload) -> str:
    represented = ", represented" if p.get("represented") else ""
    return f"via {p['channel']}, {p['form']}, track {p['track']}{represented}"


@DETAILS.on(Complaint.InitialResponseGiven)
def _initial_response_given(p: Payload) -> str:
    return f"acknowledged as {p['registration_reference']}"


@DETAILS.on(Complaint.DocumentsSubmitted)
def _documents_submitted(p: Payload) -> str:
    return ", ".join([*p["documents"], *p["other_documents"]])


@DETAILS.on(Complaint.DeadlineSet)
def _deadline_set(p: Payload) -> str:
    return f"{p['deadline']['rule_id']} ({p['deadline']['party']}) due {_due(p)}"


@DETAILS.on(Complaint.DeadlineMet)
def _deadline_met(p: Payload) -> str:
    return f"{p['rule_id']} met"


@DETAILS.on(Complaint.DeadlineExtended)
def _deadline_extended(p: Payload) -> str:
    return (
        f"{p['rule_id']} extended under {p['extension_rule']} to {_due(p)} (reason {p['reason']})"
    )


@DETAILS.on(Complaint.DeadlineBreached)
def _deadline_breached(p: Payload) -> str:
    return f"{p['rule_id']} ({p['party']}) breached"


@DETAILS.on(Complaint.BreachClosed)
def _breach_closed(p: Payload) -> str:
    late = duration(int(str(p["duration_seconds"])))
    return f"{p['rule_id']} fulfilled late by {late}"


@DETAILS.on(Complaint.DeadlineCancelled)
def _deadline_cancelled(p: Payload) -> str:
    return f"{p['rule_id']} cancelled: {p['reason']}"


@DETAILS.on(Complaint.MovedToWrittenTrack)
def _moved_to_written_track(p: Payload) -> str:
    return str(p["reason"])


@DETAILS.on(Complaint.Registered)
def _registered(p: Payload) -> str:
    return f"registration number {p['registration_number']}"


@DETAILS.on(Complaint.Forwarded)
def _forwarded(p: Payload) -> str:
    return f"to {p['department']}"


@DETAILS.on(Complaint.Analysed)
def _analysed(p: Payload) -> str:
    return str(p["finding"])


@DETAILS.on(Complaint.Resolved)
def _resolved(p: Payload) -> str:
    return f"outcome {p['outcome']}"


@DETAILS.on(Complaint.ClosedIncomplete)
def _closed_incomplete(p: Payload) -> str:
    return "missing " + ", ".join(p["missing_documents"])


def describe(event: EventRow) -> str:
    """One line a person can read, from the event's own fields ("" when the step's name says
    it all)."""
    details = DETAILS.handler(event.aggregate_type, event.event_type)
    return "" if details is None else details(event.payload)


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


# An erasure destroys a key: rows keep their ciphertext, which then reads as erased.
DETAILS.ignore(Complaint.PersonalDataErased)
