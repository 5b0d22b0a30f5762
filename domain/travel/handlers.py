"""The travel area's command handlers: travel claims (TR-FLOW-1) and assistance cases (TR-AS-1)."""

from __future__ import annotations

from uuid import UUID

from claims_ledger.domain.cases import CaseType, HandlerContext, Handlers
from claims_ledger.domain.estatecare.property_claim import claim_id
from claims_ledger.domain.travel import commands as c
from claims_ledger.domain.travel.assistance import AssistanceCase, Service, assistance_case_id
from claims_ledger.domain.travel.claim import SectionClaim, TravelClaim
from claims_ledger.domain.travel.grounds import GroundStatement

# Travel claims share the claims' id space (and topic) with property claims: one reference
# names one claim, whatever its product.
TRAVEL_CLAIM = CaseType("travel claim", TravelClaim, claim_id, "claim", TravelClaim.Submitted.TOPIC)
ASSISTANCE_CASE = CaseType(
    "assistance case", AssistanceCase, assistance_case_id, "claim", AssistanceCase.Reported.TOPIC
)
CASE_TYPES = (TRAVEL_CLAIM, ASSISTANCE_CASE)


def _claim(command: c.TravelClaimCommand, ctx: HandlerContext) -> TravelClaim:
    return ctx.uow.get(TRAVEL_CLAIM, command.claim, command.name(), TravelClaim)


def _case(command: c.AssistanceCommand, ctx: HandlerContext) -> AssistanceCase:
    return ctx.uow.get(ASSISTANCE_CASE, command.case, command.name(), AssistanceCase)


def submit(command: c.SubmitTravelClaim, ctx: HandlerContext) -> UUID:
    ground = command.ground
    claim = TravelClaim.submit(
        reference=command.claim,
        policy_number=command.policy,
        plan=command.plan,
        trip_start=command.trip_start,
        trip_end=command.trip_end,
        sections=[
            SectionClaim(
                section=s.section,
                circumstances=tuple(s.circumstances),
                incident_at=s.incident_at,
                police_report_at=s.police_report_at,
                card_blocked_at=s.card_blocked_at,
                cheque_loss_reported_at=s.cheque_loss_reported_at,
            )
            for s in command.sections
        ],
        ground=None if ground is None else GroundStatement(**ground.model_dump()),
        documents=command.documents,
        provenance=ctx.provenance,
        calendar=ctx.calendar,
    )
    ctx.uow.add(TRAVEL_CLAIM, command.claim, claim, command.name())
    return claim.id


def confirm_receipt(command: c.ConfirmTravelClaimReceipt, ctx: HandlerContext) -> UUID:
    claim = _claim(command, ctx)
    claim.confirm_receipt(provenance=ctx.provenance)
    return claim.id


def request_documents(command: c.RequestTravelDocuments, ctx: HandlerContext) -> UUID:
    claim = _claim(command, ctx)
    claim.request_documents(documents=command.documents, provenance=ctx.provenance)
    return claim.id


def receive_documents(command: c.ReceiveTravelDocuments, ctx: HandlerContext) -> UUID:
    claim = _claim(command, ctx)
    claim.receive_documents(documents=command.documents, provenance=ctx.provenance)
    return claim.id


def confirm_complete(command: c.ConfirmTravelClaimComplete, ctx: HandlerContext) -> UUID:
    claim = _claim(command, ctx)
    claim.confirm_complete(provenance=ctx.provenance)
    return claim.id


def receive_originals(command: c.ReceiveTravelOriginals, ctx: HandlerContext) -> UUID:
    claim = _claim(command, ctx)
    claim.receive_originals(provenance=ctx.provenance)
    return claim.id


def record_police_report(command: c.RecordPoliceReport, ctx: HandlerContext) -> UUID:
    claim = _claim(command, ctx)
    claim.record_police_report(
        section=command.section,
        report=command.report,
        reported_at=command.reported_at,
        provenance=ctx.provenance,
    )
    return claim.id


def assess_section(command: c.AssessTravelSection, ctx: HandlerContext) -> UUID:
    claim = _claim(command, ctx)
    claim.assess(
        section=command.section,
        claimed=command.claimed,
        refunds=command.refunds,
        compensation=command.compensation,
        provenance=ctx.provenance,
    )
    return claim.id


def decide_section(command: c.DecideTravelSection, ctx: HandlerContext) -> UUID:
    claim = _claim(command, ctx)
    claim.decide(
        section=command.section,
        approve=command.decision == "approve",
        reason=command.reason,
        provenance=ctx.provenance,
    )
    return claim.id


def accept_amount(command: c.AcceptTravelAmount, ctx: HandlerContext) -> UUID:
    claim = _claim(command, ctx)
    claim.accept_amount(section=command.section, provenance=ctx.provenance, calendar=ctx.calendar)
    return claim.id


def pay_section(command: c.PayTravelSection, ctx: HandlerContext) -> UUID:
    claim = _claim(command, ctx)
    claim.pay(section=command.section, amount=command.amount, provenance=ctx.provenance)
    return claim.id


def report_assistance_case(command: c.ReportAssistanceCase, ctx: HandlerContext) -> UUID:
    case = AssistanceCase.report(
        reference=command.case,
        service=Service(command.service),
        policy_number=command.policy,
        insured_name=command.insured_name,
        location=command.location,
        condition=command.condition,
        reported_by=command.reported_by,
        event_at=command.event_at,
        provenance=ctx.provenance,
    )
    ctx.uow.add(ASSISTANCE_CASE, command.case, case, command.name())
    return case.id


def arrange_assistance(command: c.ArrangeAssistance, ctx: HandlerContext) -> UUID:
    case = _case(command, ctx)
    case.arrange(arrangement=command.arrangement, provenance=ctx.provenance)
    return case.id


def close_assistance_case(command: c.CloseAssistanceCase, ctx: HandlerContext) -> UUID:
    case = _case(command, ctx)
    case.close(outcome=command.outcome, provenance=ctx.provenance)
    return case.id


HANDLERS: Handlers = {
    c.SubmitTravelClaim: submit,
    c.ConfirmTravelClaimReceipt: confirm_receipt,
    c.RequestTravelDocuments: request_documents,
    c.ReceiveTravelDocuments: receive_documents,
    c.ConfirmTravelClaimComplete: confirm_complete,
    c.ReceiveTravelOriginals: receive_originals,
    c.RecordPoliceReport: record_police_report,
    c.AssessTravelSection: assess_section,
    c.DecideTravelSection: decide_section,
    c.AcceptTravelAmount: accept_amount,
    c.PayTravelSection: pay_section,
    c.ReportAssistanceCase: report_assistance_case,
    c.ArrangeAssistance: arrange_assistance,
    c.CloseAssistanceCase: close_assistance_case,
}
