"""The status of one case of any type, straight from the event store (the source of truth): what
it is, where it stands, its version and its last event. Read models may lag; this does not."""

from __future__ import annotations

from collections import Counter
from typing import Any

from eventsourcing.domain import Aggregate

from claims_ledger.domain.complaints.complaint import Complaint
from claims_ledger.domain.complaints.report import QuarterlyComplaintReport
from claims_ledger.domain.deadlines import DeadlineTracking
from claims_ledger.domain.estatecare.policy import Policy
from claims_ledger.domain.estatecare.property_claim import PropertyClaim
from claims_ledger.domain.ledger import Ledger
from claims_ledger.domain.settlement import SectionStatus
from claims_ledger.domain.travel.assistance import AssistanceCase
from claims_ledger.domain.travel.claim import TravelClaim
from claims_ledger.infra.store import envelope_chain


def case_status(ledger: Ledger, reference: str) -> dict[str, Any]:
    """`LedgerError` (unknown case) when the reference names no case of any type."""
    case_type, aggregate_id = ledger.resolve(reference)
    aggregate = ledger.case(reference)
    chain = envelope_chain(ledger)
    envelopes = [chain.envelope(e) for e in ledger.history(aggregate_id)]
    first, last = envelopes[0], envelopes[-1]
    status: dict[str, Any] = {
        "case": reference,
        "case_type": case_type.name,
        "case_id": str(aggregate_id),
        "state": state_of(aggregate),
        "version": aggregate.version,
        "opened_at": first.occurred_at,
        "last_event": last.event_type,
        "last_event_at": last.occurred_at,
        "last_recorded_at": last.recorded_at,
        "last_hash": last.hash,
        "rule_set": getattr(aggregate, "rule_set", None),
    }
    status.update(_details(aggregate))
    return status


def state_of(aggregate: Aggregate) -> str:
    """Where a case stands, in the words of its own rules."""
    if isinstance(aggregate, Complaint):
        return str(aggregate.state)
    if isinstance(aggregate, PropertyClaim):
        paid = all(s.status is SectionStatus.PAID for s in aggregate.sections.values())
        return "settled" if paid else "open"
    if isinstance(aggregate, TravelClaim):
        return str(aggregate.stage)  # TR-FLOW-1
    if isinstance(aggregate, AssistanceCase):
        if getattr(aggregate, "closed_at", None) is not None:
            return "closed"
        return "arranged" if getattr(aggregate, "arranged_at", None) is not None else "reported"
    if isinstance(aggregate, Policy):
        return "issued"
    if isinstance(aggregate, QuarterlyComplaintReport):
        return "produced" if aggregate.productions else "not produced"
    return "-"


def _details(aggregate: Aggregate) -> dict[str, Any]:
    details: dict[str, Any] = {}
    if isinstance(aggregate, Complaint):
        details["track"] = str(aggregate.track)
        details["outcome"] = getattr(aggregate, "outcome", None)
    sections = getattr(aggregate, "sections", None)
    if isinstance(sections, dict):
        details["sections"] = {str(k): str(v.status) for k, v in sections.items()}
    policy_number = getattr(aggregate, "policy_number", None)
    if policy_number is not None and not isinstance(aggregate, Policy):
        details["policy"] = policy_number
    if isinstance(aggregate, Policy):
        details["period"] = f"{aggregate.period_start} to {aggregate.period_end}"
        details["section_iv_reservations"] = len(aggregate.reservations)
    if isinstance(aggregate, QuarterlyComplaintReport):
        details["productions"] = list(aggregate.productions)
    if isinstance(aggregate, DeadlineTracking):
        counts = Counter(str(d.status) for d in aggregate.deadlines.values())
        details["deadlines"] = dict(sorted(counts.items()))
    return details
