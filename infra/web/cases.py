"""One case as the web application shows it: its timeline from the event store with each seal
checked, its deadlines with the SLA time left, and for claims every calculation line by line.

Read-only: it reads the event store (`Ledger.resolve`, `Ledger.history`) and the read models.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from claims_ledger.domain.envelope import GENESIS_HASH, PublishedEvent
from claims_ledger.domain.ledger import Ledger
from claims_ledger.domain.money import format_idr
from claims_ledger.domain.personal import ENCRYPTED_ANYWHERE
from claims_ledger.domain.travel.catalogue import catalogue
from claims_ledger.infra.logging import PERSONAL_KEYS
from claims_ledger.infra.store import ReadModel, envelope_chain
from claims_ledger.infra.web.auth import Permission
from claims_ledger.infra.web.models import (
    CalculationView,
    CaseDetail,
    DeadlineView,
    DocumentView,
    SectionView,
    TimelineEntry,
    TraceLine,
)
from claims_ledger.infra.web.queries import rows
from claims_ledger.infra.web.rules import rule_anchor
from claims_ledger.projections.claims import SECTIONS, CalculationRow, ClaimSectionRow
from claims_ledger.projections.complaint_report import EventRow
from claims_ledger.projections.complaint_timeline import describe
from claims_ledger.projections.deadlines import DeadlineRow
from claims_ledger.projections.formatting import wib

DEADLINE_EVENTS = (
    "DeadlineSet",
    "DeadlineMet",
    "DeadlineExtended",
    "DeadlineBreached",
    "BreachClosed",
    "DeadlineCancelled",
)
"""Deadline events carry one payload shape whatever the case type (`DeadlineTracking`)."""

PERMISSION_OF_CASE_TYPE = {
    "complaint": Permission.COMPLAINTS,
    "quarterly report": Permission.REPORTS,
}
"""Every other case type (policies, property and travel claims, assistance cases) needs CLAIMS."""

MASK = "[personal data]"


@dataclass(frozen=True)
class CaseRef:
    reference: str
    case_type: str
    aggregate_id: UUID

    @property
    def permission(self) -> Permission:
        return PERMISSION_OF_CASE_TYPE.get(self.case_type, Permission.CLAIMS)


def resolve(ledger: Ledger, reference: str) -> CaseRef:
    """The case a reference names, of any type (raises CaseNotFound)."""
    case_type, aggregate_id = ledger.resolve(reference)
    return CaseRef(reference, case_type.name, aggregate_id)


def _personal(key: str) -> bool:
    return key in PERSONAL_KEYS or key.endswith(("_phone", "_email", "_name", "_address"))


def mask_personal(value: Any) -> Any:
    """The value with every personal field masked (names, phones, e-mails, free text...), and
    every encrypted value wherever it stands: a field personal in one command (an assistance
    case's arrangement, an analysis's free text) is not named as personal everywhere, and its
    ciphertext means nothing to a reader."""
    if isinstance(value, dict):
        return {
            k: MASK if _personal(str(k)) and v not in (None, "", []) else mask_personal(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [mask_personal(v) for v in value]
    if isinstance(value, str):
        return ENCRYPTED_ANYWHERE.sub(MASK, value)
    return value


def rule_ids_in(value: Any) -> list[str]:
    """Every rule id an event names (`rule_id`, `extension_rule`, trace steps), in order."""
    found: list[str] = []

    def walk(v: Any) -> None:
        if isinstance(v, dict):
            for k, item in v.items():
                if k in ("rule_id", "extension_rule") and isinstance(item, str):
                    found.append(item)
                else:
                    walk(item)
        elif isinstance(v, list):
            for item in v:
                walk(item)

    walk(value)
    return list(dict.fromkeys(found))


def idr(value: Any) -> str:
    try:
        return format_idr(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return str(value)


def _event_row(e: PublishedEvent) -> EventRow:
    return EventRow(
        aggregate_id=str(e.aggregate_id),
        version=e.version,
        aggregate_type=e.aggregate_type,
        event_type=e.event_type,
        occurred_at=e.occurred_at,
        recorded_at=e.recorded_at,
        rule_set=e.rule_set,
        correlation_id=e.correlation_id,
        prev_hash=e.prev_hash,
        hash=e.hash,
        payload=dict(e.payload),
    )


def details(e: PublishedEvent) -> str:
    """One readable line (no personal data) for an event of any case type."""
    line: str = mask_personal(_details(e))
    return line


def _details(e: PublishedEvent) -> str:
    row = _event_row(e)
    kind = next((k for k in DEADLINE_EVENTS if e.event_type.endswith(k)), None)
    p: Any = e.payload
    try:
        if e.event_type.startswith("Complaint"):
            return describe(row)
        if kind is not None:
            as_complaint = {"aggregate_type": "complaint", "event_type": "Complaint" + kind}
            return describe(EventRow(**{**row.__dict__, **as_complaint}))
        name = e.event_type.removeprefix("TravelClaim").removeprefix("Claim")
        if name == "CalculationRecorded":
            return f"section {p['section']}, calculation {p['number']}: payable {idr(p['payable'])}"
        if name == "SectionDecided":
            return f"section {p['section']}: {p['decision']}"
        if name == "AmountAccepted":
            return f"section {p['section']}: {idr(p['amount'])} accepted"
        if name == "SectionPaid":
            return f"section {p['section']}: {idr(p['amount'])} paid"
        if name in ("DocumentsRequested", "DocumentsReceived"):
            return ", ".join(str(d) for d in p["documents"])
    except (KeyError, TypeError, ValueError):
        return ""  # a payload of another shape: the change column still shows every field
    return ""


def _late(occurred_at: datetime, recorded_at: datetime) -> str | None:
    late = recorded_at - occurred_at
    return str(timedelta(seconds=int(late.total_seconds()))) if late > timedelta(hours=1) else None


def timeline(ledger: Ledger, read_model: ReadModel, case: CaseRef) -> list[TimelineEntry]:
    """Every stored event of the case, its seal recomputed from the event store and compared
    with the hash the read model received when it was published."""
    chain = envelope_chain(ledger)
    witnessed = {r.version: r.hash for r in read_model.events(str(case.aggregate_id))}
    entries = []
    previous = GENESIS_HASH
    for domain_event in ledger.history(case.aggregate_id):
        e = chain.envelope(domain_event)
        published = witnessed.get(e.version)
        seal: Any
        if published is None:
            seal = "not_published"
        elif published == e.hash and e.prev_hash == previous:
            seal = "verified"
        else:
            seal = "mismatch"
        previous = e.hash
        entries.append(
            TimelineEntry(
                version=e.version,
                event_type=e.event_type,
                occurred_at=wib(e.occurred_at) or "",
                recorded_at=wib(e.recorded_at) or "",
                recorded_late_by=_late(e.occurred_at, e.recorded_at),
                rule_set=e.rule_set,
                rule_ids=rule_ids_in(e.payload),
                details=details(e),
                change=mask_personal(dict(e.payload)),
                correlation_id=e.correlation_id,
                causation_id=e.causation_id,
                prev_hash=e.prev_hash,
                hash=e.hash,
                seal=seal,
            )
        )
    return entries


def deadline_view(d: DeadlineRow, now: datetime, reference: str | None = None) -> DeadlineView:
    late: int | None = d.breach_seconds
    left: int | None = None
    if d.status == "open":
        left = int((d.due - now).total_seconds())
    elif d.status == "breached":
        late = int((now - d.due).total_seconds())
    return DeadlineView(
        case_id=d.case_id,
        reference=reference,
        rule_id=d.rule_id,
        key=d.key,
        party=d.party,
        kind=d.kind,
        due=wib(d.due) or "",
        original_due=wib(d.original_due),
        extended_by=d.extended_by_rule,
        status=d.status,
        met_at=wib(d.met_at),
        breached_at=wib(d.breached_at),
        fulfilled_at=wib(d.fulfilled_at),
        late_by_seconds=late,
        time_left_seconds=left,
        computed_from=d.computed_from,
        calendar=f"{d.calendar} ({d.calendar_version})",
        rule_set=d.rule_set,
    )


def section_view(s: ClaimSectionRow) -> SectionView:
    return SectionView(
        section=s.section,
        status=s.status,
        calculations=s.calculations,
        payable=s.payable,
        agreed=s.agreed,
        paid=s.paid,
    )


def calculation_view(c: CalculationRow) -> CalculationView:
    trace: Any = c.trace
    return CalculationView(
        section=c.section,
        number=c.number,
        calculated_at=wib(c.calculated_at) or "",
        payable=c.payable,
        rule_set=c.rule_set,
        inputs=mask_personal(dict(trace.get("inputs") or {})),
        steps=[
            TraceLine(
                rule_id=str(step["rule_id"]),
                rule_url=rule_anchor(str(step["rule_id"])),
                description=str(step["description"]),
                before=str(step["before"]),
                after=str(step["after"]),
            )
            for step in trace.get("steps", [])
        ],
        conditions_unmet=[str(x) for x in trace.get("conditions_unmet", [])],
    )


def claim_sections(read_model: ReadModel, claim_id: str) -> list[ClaimSectionRow]:
    return read_model._select_all(SECTIONS, "claim_id = %(id)s", {"id": claim_id}, order="section")


def _facts(read_model: ReadModel, case: CaseRef) -> tuple[str | None, dict[str, Any]]:
    """The case's state and a few facts from its read model (no personal data)."""
    p, cid = read_model.prefix, str(case.aggregate_id)
    if case.case_type == "complaint":
        s = read_model.complaint_status(case.reference)
        if s is None:
            return None, {}
        return s.state, {
            "track": s.track,
            "channel": s.channel,
            "form": s.form,
            "product": s.product,
            "represented": s.represented,
            "received_at": wib(s.received_at),
            "registration_number": s.registration_number,
            "outcome": s.outcome,
            "rule_set": s.rule_set,
            "breaches": s.breaches,
        }
    if case.case_type == "travel claim":
        found = rows(
            read_model, f"SELECT * FROM {p}travel_claims WHERE claim_id = %(id)s", {"id": cid}
        )
        if not found:
            return None, {}
        t = found[0]
        return str(t["stage"]), {
            "policy_number": t["policy_number"],
            "plan": t["plan"],
            "trip": f"{t['trip_start']} to {t['trip_end']}",
            "ground": t["ground"],
            "sections_open": t["sections_open"],
        }
    if case.case_type == "assistance case":
        found = rows(
            read_model, f"SELECT * FROM {p}assistance_cases WHERE case_id = %(id)s", {"id": cid}
        )
        if not found:
            return None, {}
        a = found[0]
        state = "closed" if a["closed_at"] else ("arranged" if a["arranged_at"] else "reported")
        return state, {
            "section": a["section"],
            "service": a["service"],
            "policy_number": a["policy_number"],
            "reported_by": a["reported_by"],
            "report_delay_seconds": a["report_delay_seconds"],
            "arrangement": a["arrangement"],
            "outcome": a["outcome"],
        }
    if case.case_type == "property claim":
        sections = claim_sections(read_model, cid)
        states = ", ".join(f"{s.section}: {s.status}" for s in sections) or None
        return states, {"policy_number": sections[0].policy_number if sections else None}
    return None, {}


def case_detail(ledger: Ledger, read_model: ReadModel, case: CaseRef, now: datetime) -> CaseDetail:
    cid = str(case.aggregate_id)
    state, facts = _facts(read_model, case)
    entries = timeline(ledger, read_model, case)
    is_claim = case.case_type in ("property claim", "travel claim")
    names = catalogue().names() if is_claim else {}
    documents = [
        DocumentView(
            document=d.document,
            name=names.get(d.document, ""),
            section=d.section,
            requested_at=wib(d.requested_at),
            received_at=wib(d.received_at),
            outstanding=bool(d.requested_at and not d.received_at),
        )
        for d in (read_model.claim_documents(cid) if is_claim else [])
    ]
    return CaseDetail(
        reference=case.reference,
        case_type=case.case_type,
        case_id=cid,
        aggregate_type=_aggregate_type(read_model, cid),
        state=state,
        facts=mask_personal(facts),
        now=wib(now) or "",
        chain_verified=bool(entries) and all(e.seal == "verified" for e in entries),
        timeline=entries,
        deadlines=[deadline_view(d, now, case.reference) for d in read_model.deadlines(cid)],
        sections=[section_view(s) for s in claim_sections(read_model, cid)] if is_claim else [],
        calculations=[calculation_view(c) for c in read_model.calculations(cid)]
        if is_claim
        else [],
        documents=documents,
    )


def _aggregate_type(read_model: ReadModel, case_id: str) -> str:
    found = rows(
        read_model,
        f"SELECT aggregate_type FROM {read_model.prefix}ledger_events "
        "WHERE aggregate_id = %(id)s AND version = 1",
        {"id": case_id},
    )
    return str(found[0]["aggregate_type"]) if found else ""
