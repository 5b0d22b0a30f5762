"""The complaints area's command handlers: one small function per command (CP-FLOW-1, RG-CP-6)."""

from __future__ import annotations

from uuid import UUID

from claims_ledger.domain.cases import CaseType, HandlerContext, Handlers
from claims_ledger.domain.complaints import commands as c
from claims_ledger.domain.complaints.complaint import Complaint, complaint_id
from claims_ledger.domain.complaints.report import QuarterlyComplaintReport, report_id

COMPLAINT = CaseType("complaint", Complaint, complaint_id, "complaint", Complaint.Received.TOPIC)
REPORT = CaseType(
    "quarterly report",
    QuarterlyComplaintReport,
    report_id,
    "report",
    QuarterlyComplaintReport.Created.TOPIC,
)
CASE_TYPES = (COMPLAINT, REPORT)


def _complaint(command: c.ComplaintCommand, ctx: HandlerContext) -> Complaint:
    return ctx.uow.get(COMPLAINT, command.complaint, command.name(), Complaint)


def receive(command: c.ReceiveComplaint, ctx: HandlerContext) -> UUID:
    complaint = Complaint.receive(
        reference=command.complaint,
        channel=command.channel,
        form=command.form,
        explanation=command.explanation,
        product=command.product,
        represented=command.represented,
        provenance=ctx.provenance,
        calendar=ctx.calendar,
    )
    ctx.uow.add(COMPLAINT, command.complaint, complaint, command.name())
    return complaint.id


def give_initial_response(command: c.GiveInitialResponse, ctx: HandlerContext) -> UUID:
    complaint = _complaint(command, ctx)
    complaint.give_initial_response(
        registration_reference=command.registration_reference,
        receipt_date=command.receipt_date,
        contact_phone=command.contact_phone,
        provenance=ctx.provenance,
    )
    return complaint.id


def submit_documents(command: c.SubmitDocuments, ctx: HandlerContext) -> UUID:
    complaint = _complaint(command, ctx)
    complaint.submit_documents(
        documents=command.documents,
        other_documents=command.other_documents,
        provenance=ctx.provenance,
        calendar=ctx.calendar,
    )
    return complaint.id


def extend_document_window(command: c.ExtendDocumentWindow, ctx: HandlerContext) -> UUID:
    complaint = _complaint(command, ctx)
    complaint.extend_document_window(
        reason=command.reason, provenance=ctx.provenance, calendar=ctx.calendar
    )
    return complaint.id


def move_to_written_track(command: c.MoveToWrittenTrack, ctx: HandlerContext) -> UUID:
    complaint = _complaint(command, ctx)
    complaint.move_to_written_track(
        reason=command.reason, provenance=ctx.provenance, calendar=ctx.calendar
    )
    return complaint.id


def verify(command: c.VerifyComplaint, ctx: HandlerContext) -> UUID:
    complaint = _complaint(command, ctx)
    complaint.verify(provenance=ctx.provenance)
    return complaint.id


def register(command: c.RegisterComplaint, ctx: HandlerContext) -> UUID:
    complaint = _complaint(command, ctx)
    complaint.register(registration_number=command.registration_number, provenance=ctx.provenance)
    return complaint.id


def forward(command: c.ForwardComplaint, ctx: HandlerContext) -> UUID:
    complaint = _complaint(command, ctx)
    complaint.forward(department=command.department, provenance=ctx.provenance)
    return complaint.id


def analyse(command: c.AnalyseComplaint, ctx: HandlerContext) -> UUID:
    complaint = _complaint(command, ctx)
    complaint.analyse(finding=command.finding, provenance=ctx.provenance)
    return complaint.id


def extend_resolution_deadline(command: c.ExtendResolutionDeadline, ctx: HandlerContext) -> UUID:
    complaint = _complaint(command, ctx)
    complaint.extend_resolution_deadline(
        reason_code=command.reason_code,
        notice_sent_at=command.notice_sent_at,
        provenance=ctx.provenance,
        calendar=ctx.calendar,
    )
    return complaint.id


def resolve(command: c.ResolveComplaint, ctx: HandlerContext) -> UUID:
    complaint = _complaint(command, ctx)
    complaint.resolve(outcome=command.outcome, provenance=ctx.provenance)
    return complaint.id


def close(command: c.CloseComplaint, ctx: HandlerContext) -> UUID:
    complaint = _complaint(command, ctx)
    complaint.close(provenance=ctx.provenance)
    return complaint.id


def produce_quarterly_report(command: c.ProduceQuarterlyReport, ctx: HandlerContext) -> UUID:
    """RG-CP-6: the quarter's report aggregate is opened by its first production."""
    fields = ctx.provenance.fields()
    if ctx.uow.find(command.quarter) is None:
        report = QuarterlyComplaintReport.open(command.quarter, fields)
        ctx.uow.add(REPORT, command.quarter, report, command.name())
    else:
        report = ctx.uow.get(REPORT, command.quarter, command.name(), QuarterlyComplaintReport)
    report.produce(command.content_sha256, fields)
    return report.id


HANDLERS: Handlers = {
    c.ReceiveComplaint: receive,
    c.GiveInitialResponse: give_initial_response,
    c.SubmitDocuments: submit_documents,
    c.ExtendDocumentWindow: extend_document_window,
    c.MoveToWrittenTrack: move_to_written_track,
    c.VerifyComplaint: verify,
    c.RegisterComplaint: register,
    c.ForwardComplaint: forward,
    c.AnalyseComplaint: analyse,
    c.ExtendResolutionDeadline: extend_resolution_deadline,
    c.ResolveComplaint: resolve,
    c.CloseComplaint: close,
    c.ProduceQuarterlyReport: produce_quarterly_report,
}
