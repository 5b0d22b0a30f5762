"""The EstateCare area's command handlers: policies and property claims (RULES.md section 2)."""

from __future__ import annotations

from uuid import UUID

from claims_ledger.domain.calculation import Calculation
from claims_ledger.domain.cases import CaseType, HandlerContext, Handlers
from claims_ledger.domain.errors import RuleViolation
from claims_ledger.domain.estatecare import commands as c
from claims_ledger.domain.estatecare.payout import sections as payout
from claims_ledger.domain.estatecare.payout.contribution import OtherPolicy
from claims_ledger.domain.estatecare.policy import Policy, policy_id
from claims_ledger.domain.estatecare.property_claim import PropertyClaim, claim_id

POLICY = CaseType("policy", Policy, policy_id, "policy", Policy.Issued.TOPIC)
PROPERTY_CLAIM = CaseType(
    "property claim", PropertyClaim, claim_id, "claim", PropertyClaim.Reported.TOPIC
)
CASE_TYPES = (POLICY, PROPERTY_CLAIM)


def _claim(command: c.ClaimCommand, ctx: HandlerContext) -> PropertyClaim:
    return ctx.uow.get(PROPERTY_CLAIM, command.claim, command.name(), PropertyClaim)


def _policy(number: str, command: str, ctx: HandlerContext) -> Policy:
    return ctx.uow.get(POLICY, number, command, Policy)


def issue_policy(command: c.IssuePolicy, ctx: HandlerContext) -> UUID:
    policy = Policy.issue(
        policy_number=command.policy,
        insured=command.insured,
        period_start=command.period_start,
        period_end=command.period_end,
        section_i_sum_insured=command.section_i_sum_insured,
        schedule=dict(command.schedule),
        other_policies=[
            OtherPolicy(o.insurer, o.policy_number, o.section, o.sum_insured)
            for o in command.other_policies
        ],
        family_members=command.family_members,
        domestic_helpers=command.domestic_helpers,
        provenance=ctx.provenance,
    )
    ctx.uow.add(POLICY, command.policy, policy, command.name())
    return policy.id


def report_claim(command: c.ReportClaim, ctx: HandlerContext) -> UUID:
    policy = _policy(command.policy, command.name(), ctx)
    if not policy.covers(command.loss_occurred_at):
        raise RuleViolation(
            "EC-N-1",
            f"the loss on {command.loss_occurred_at.date()} is outside policy "
            f"{command.policy}'s period {policy.period_start} to {policy.period_end}",
        )
    if command.injured_person is not None:
        policy.category_of(command.injured_person)  # EC-IV-1: named on the policy
    claim = PropertyClaim.report(
        reference=command.claim,
        policy_number=command.policy,
        sections=command.sections,
        loss_occurred_at=command.loss_occurred_at,
        in_writing=command.in_writing,
        estimate=command.estimate,
        third_party_claim_known_at=command.third_party_claim_known_at,
        injured_person=command.injured_person,
        provenance=ctx.provenance,
        calendar=ctx.calendar,
    )
    ctx.uow.add(PROPERTY_CLAIM, command.claim, claim, command.name())
    return claim.id


def give_written_notice(command: c.GiveWrittenNotice, ctx: HandlerContext) -> UUID:
    claim = _claim(command, ctx)
    claim.give_written_notice(provenance=ctx.provenance)
    return claim.id


def record_survey(command: c.RecordSurvey, ctx: HandlerContext) -> UUID:
    claim = _claim(command, ctx)
    claim.record_survey(provenance=ctx.provenance)
    return claim.id


def approve_photo_documentation(command: c.ApprovePhotoDocumentation, ctx: HandlerContext) -> UUID:
    claim = _claim(command, ctx)
    claim.approve_photo_documentation(provenance=ctx.provenance)
    return claim.id


def record_repair_or_clean_up(command: c.RecordRepairOrCleanUp, ctx: HandlerContext) -> UUID:
    claim = _claim(command, ctx)
    claim.record_repair_or_clean_up(work=command.work, provenance=ctx.provenance)
    return claim.id


def request_documents(command: c.RequestDocuments, ctx: HandlerContext) -> UUID:
    claim = _claim(command, ctx)
    claim.request_documents(section=command.section, extra=command.extra, provenance=ctx.provenance)
    return claim.id


def receive_documents(command: c.ReceiveClaimDocuments, ctx: HandlerContext) -> UUID:
    claim = _claim(command, ctx)
    claim.receive_documents(documents=command.documents, provenance=ctx.provenance)
    return claim.id


def evidence_reinstatement(command: c.EvidenceReinstatement, ctx: HandlerContext) -> UUID:
    claim = _claim(command, ctx)
    claim.evidence_reinstatement(invoices=command.invoices, provenance=ctx.provenance)
    return claim.id


def require_medical_examination(command: c.RequireMedicalExamination, ctx: HandlerContext) -> UUID:
    claim = _claim(command, ctx)
    claim.require_medical_examination(kind=command.kind, provenance=ctx.provenance)
    return claim.id


def record_medical_examination(command: c.RecordMedicalExamination, ctx: HandlerContext) -> UUID:
    claim = _claim(command, ctx)
    claim.record_medical_examination(
        kind=command.kind, finding=command.finding, provenance=ctx.provenance
    )
    return claim.id


def accept_amount(command: c.AcceptAmount, ctx: HandlerContext) -> UUID:
    claim = _claim(command, ctx)
    claim.accept_amount(section=command.section, provenance=ctx.provenance, calendar=ctx.calendar)
    return claim.id


def pay_section(command: c.PaySection, ctx: HandlerContext) -> UUID:
    claim = _claim(command, ctx)
    claim.pay(section=command.section, amount=command.amount, provenance=ctx.provenance)
    return claim.id


# -- calculations (C-CALC-1): each section's calculator, fed from the policy -------------------


def _record(claim: PropertyClaim, calculation: Calculation, ctx: HandlerContext) -> UUID:
    claim.record_calculation(calculation, provenance=ctx.provenance)
    return claim.id


def assess_fire(command: c.AssessFire, ctx: HandlerContext) -> UUID:
    claim = _claim(command, ctx)
    policy = _policy(claim.policy_number, command.name(), ctx)
    calculation = payout.fire(
        sum_insured=policy.section_i_sum_insured,
        reinstatement_cost=command.reinstatement_cost,
        salvage=command.salvage,
        reinstatement_evidenced=claim.reinstatement_evidenced_at is not None,
        others=policy.others(),
    )
    return _record(claim, calculation, ctx)


def assess_burglary(command: c.AssessBurglary, ctx: HandlerContext) -> UUID:
    claim = _claim(command, ctx)
    policy = _policy(claim.policy_number, command.name(), ctx)
    calculation = payout.burglary(
        schedule=policy.schedule,
        items=[payout.StolenItem(i.item, i.new_price, i.salvage) for i in command.items],
        building_damage=command.building_damage,
        others=policy.others(),
    )
    return _record(claim, calculation, ctx)


def assess_liability(command: c.AssessLiability, ctx: HandlerContext) -> UUID:
    claim = _claim(command, ctx)
    policy = _policy(claim.policy_number, command.name(), ctx)
    calculation = payout.liability(
        section_i_sum_insured=policy.section_i_sum_insured,
        award=command.award,
        legal_costs=command.legal_costs,
        others=policy.others(),
    )
    return _record(claim, calculation, ctx)


def assess_accident(command: c.AssessAccident, ctx: HandlerContext) -> UUID:
    """EC-IV-1: a Section IV decision also reserves its amount on the policy's aggregates, in
    the same transaction as the claim's calculation."""
    claim = _claim(command, ctx)
    policy = _policy(claim.policy_number, command.name(), ctx)
    person = claim.injured_person or ""
    calculation = payout.accident(
        who=policy.category_of(person),
        benefit=command.benefit,
        aggregates=policy.aggregates(excluding_claim=claim.reference),
    )
    policy.reserve_section_iv(
        claim_reference=claim.reference,
        person=person,
        amount=calculation.payable,
        provenance=ctx.provenance,
    )
    return _record(claim, calculation, ctx)


HANDLERS: Handlers = {
    c.IssuePolicy: issue_policy,
    c.ReportClaim: report_claim,
    c.GiveWrittenNotice: give_written_notice,
    c.RecordSurvey: record_survey,
    c.ApprovePhotoDocumentation: approve_photo_documentation,
    c.RecordRepairOrCleanUp: record_repair_or_clean_up,
    c.RequestDocuments: request_documents,
    c.ReceiveClaimDocuments: receive_documents,
    c.EvidenceReinstatement: evidence_reinstatement,
    c.RequireMedicalExamination: require_medical_examination,
    c.RecordMedicalExamination: record_medical_examination,
    c.AssessFire: assess_fire,
    c.AssessBurglary: assess_burglary,
    c.AssessLiability: assess_liability,
    c.AssessAccident: assess_accident,
    c.AcceptAmount: accept_amount,
    c.PaySection: pay_section,
}
