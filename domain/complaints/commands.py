"""Commands of the complaints area (RULES.md sections 1 and 4): CP-FLOW-1 and RG-CP-6."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from claims_ledger.domain.commands import CommandModel, PersonalText, Reference
from claims_ledger.domain.complaints.complaint import (
    Channel,
    DocumentKind,
    ExtensionReason,
    Form,
    Outcome,
)
from claims_ledger.domain.personal import PERSONAL


class ComplaintCommand(CommandModel):
    complaint: Reference = Field(description="The insurer's complaint reference.")


class ReceiveComplaint(ComplaintCommand):
    """CP-CH-1, CP-FORM-1: a complaint arrives."""

    command: Literal["ReceiveComplaint"]
    channel: Channel
    form: Form
    explanation: PersonalText
    product: str | None = None
    represented: bool = Field(
        default=False, description="Brought by a representative (power of attorney, RG-CP-5)."
    )


class GiveInitialResponse(ComplaintCommand):
    """CP-SLA-1 with the acknowledgement content of RG-CP-4."""

    command: Literal["GiveInitialResponse"]
    registration_reference: Annotated[str, Field(min_length=1, max_length=64)]
    receipt_date: date
    contact_phone: Annotated[str, Field(min_length=5, max_length=32), PERSONAL]


class SubmitDocuments(ComplaintCommand):
    """CP-DOC-1: documents received from the customer (kinds only, never their content)."""

    command: Literal["SubmitDocuments"]
    documents: list[DocumentKind] = Field(default_factory=list)
    other_documents: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list
    )


class ExtendDocumentWindow(ComplaintCommand):
    """CP-SLA-3: once, with a reason, before the window passes."""

    command: Literal["ExtendDocumentWindow"]
    reason: PersonalText


class MoveToWrittenTrack(ComplaintCommand):
    """RG-CP-1: an oral complaint that needs documents."""

    command: Literal["MoveToWrittenTrack"]
    reason: PersonalText


class VerifyComplaint(ComplaintCommand):
    command: Literal["VerifyComplaint"]


class RegisterComplaint(ComplaintCommand):
    command: Literal["RegisterComplaint"]
    registration_number: Annotated[str, Field(min_length=1, max_length=64)]


class ForwardComplaint(ComplaintCommand):
    command: Literal["ForwardComplaint"]
    department: Annotated[str, Field(min_length=1, max_length=100)]


class AnalyseComplaint(ComplaintCommand):
    command: Literal["AnalyseComplaint"]
    finding: PersonalText


class ExtendResolutionDeadline(ComplaintCommand):
    """RG-CP-3: once, 10 working days, reason a/b/c, notice sent before the deadline."""

    command: Literal["ExtendResolutionDeadline"]
    reason_code: ExtensionReason
    notice_sent_at: AwareDatetime


class ResolveComplaint(ComplaintCommand):
    command: Literal["ResolveComplaint"]
    outcome: Outcome


class CloseComplaint(ComplaintCommand):
    command: Literal["CloseComplaint"]


class ProduceQuarterlyReport(CommandModel):
    """RG-CP-6: the quarterly complaint report was produced (and sent)."""

    command: Literal["ProduceQuarterlyReport"]
    quarter: Annotated[str, Field(pattern=r"^[0-9]{4}-Q[1-4]$")]
    content_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = Field(
        default=None, description="SHA-256 of the report as sent, when produced by the CLI."
    )
