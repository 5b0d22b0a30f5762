"""The published payloads of the complaints area: complaints (RULES.md sections 1 and 4) and the
quarterly complaint report (RG-CP-6). Published on the `complaints` and `reports` topics."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import AwareDatetime, Field

from claims_ledger.domain.complaints.complaint import (
    Channel,
    Complaint,
    DocumentKind,
    Form,
    Outcome,
    Track,
)
from claims_ledger.domain.complaints.report import QuarterlyComplaintReport
from claims_ledger.domain.envelope import Sha256
from claims_ledger.domain.payloads import (
    EventPayload,
    Personal,
    PersonalDataErased,
    deadline_payloads,
)

Quarter = Annotated[str, Field(pattern=r"^[0-9]{4}-Q[1-4]$")]


class ComplaintReceived(EventPayload):
    """A complaint was received, through one of the channels, oral and/or written; it opens
    the case and its track. The envelope's `rule_set` is the rule set it keeps for its whole
    life (RG-V-1)."""

    rule_ids = ("CP-CH-1", "CP-FORM-1", "RG-CP-1", "RG-CP-2", "RG-CP-5", "RG-V-1")

    reference: str = Field(description="The insurer's complaint reference.")
    channel: Channel = Field(description="The channel it arrived through (CP-CH-1).")
    form: Form = Field(description="Oral and/or written (CP-FORM-1).")
    track: Track = Field(
        description="The resolution track: oral complaints start on the oral track (RG-CP-1), "
        "others on the written track (RG-CP-2)."
    )
    explanation: Personal = Field(
        description="The customer's explanation of the problem (CP-FORM-1)."
    )
    product: str | None = Field(description="The product complained about, if stated.")
    represented: bool = Field(
        description="Whether a representative acts for the insured, on a power of attorney "
        "(RG-CP-5)."
    )


class ComplaintInitialResponseGiven(EventPayload):
    """The insurer acknowledged the complaint: its initial response (CP-SLA-1, RG-CP-4)."""

    rule_ids = ("CP-SLA-1", "RG-CP-4")

    registration_reference: str = Field(description="The reference given to the customer.")
    receipt_date: date = Field(description="The date of receipt it states (WIB).")
    contact_phone: Personal = Field(description="The phone number of the insurer's contact person.")


class ComplaintDocumentsSubmitted(EventPayload):
    """Documents were received from the customer; the ledger records which, never their
    content (CP-DOC-1)."""

    rule_ids = ("CP-DOC-1",)

    documents: list[DocumentKind] = Field(description="The registration documents received.")
    other_documents: list[str] = Field(
        description="Other supporting documents attached, by description."
    )


class ComplaintDocumentsCompleted(EventPayload):
    """Every document registration needs has been received, within the window (CP-DOC-1,
    CP-SLA-2); the written track's resolution deadline counts from here (RG-CP-2)."""

    rule_ids = ("CP-DOC-1", "CP-SLA-2", "RG-CP-2")


class ComplaintMovedToWrittenTrack(EventPayload):
    """An oral complaint that needs documents moved to the written track (RG-CP-1)."""

    rule_ids = ("RG-CP-1",)

    reason: Personal = Field(description="Why the complaint needs the written track.")


class ComplaintVerified(EventPayload):
    """The complaint was verified (CP-FLOW-1)."""

    rule_ids = ("CP-FLOW-1",)


class ComplaintRegistered(EventPayload):
    """The complaint was registered, with every document it needs (CP-FLOW-1, CP-DOC-1)."""

    rule_ids = ("CP-FLOW-1", "CP-DOC-1")

    registration_number: str = Field(description="The registration number it was given.")


class ComplaintForwarded(EventPayload):
    """The complaint was forwarded to the related department (CP-FLOW-1)."""

    rule_ids = ("CP-FLOW-1",)

    department: str = Field(description="The department it went to.")


class ComplaintAnalysed(EventPayload):
    """The department analysed the complaint (CP-FLOW-1)."""

    rule_ids = ("CP-FLOW-1",)

    finding: Personal = Field(description="What the analysis found.")


class ComplaintResolved(EventPayload):
    """The complaint was resolved, fulfilling its resolution deadline (CP-FLOW-1, CP-SLA-5,
    RG-CP-1, RG-CP-2)."""

    rule_ids = ("CP-FLOW-1", "CP-SLA-5", "RG-CP-1", "RG-CP-2")

    outcome: Outcome = Field(description="Upheld, partially upheld or rejected.")


class ComplaintClosed(EventPayload):
    """The resolved complaint was closed; open deadlines are cancelled (CP-FLOW-1)."""

    rule_ids = ("CP-FLOW-1",)


class ComplaintClosedIncomplete(EventPayload):
    """The document window passed with required documents missing: the complaint is closed as
    incomplete, not registered (CP-SLA-4)."""

    rule_ids = ("CP-SLA-4", "CP-DOC-1")

    missing_documents: list[DocumentKind] = Field(description="What was missing at closure.")


class QuarterlyComplaintReportCreated(EventPayload):
    """The quarterly complaint report of a quarter was opened as a case (RG-CP-6)."""

    rule_ids = ("RG-CP-6",)

    quarter: Quarter = Field(description="The quarter, `YYYY-Qn`.")


class QuarterlyComplaintReportProduced(EventPayload):
    """The quarterly complaint report was produced, with its due time, so a late report is
    visible (RG-CP-6). The envelope's `rule_set` is the one in force at the quarter's end."""

    rule_ids = ("RG-CP-6", "RG-V-1")

    quarter: Quarter = Field(description="The quarter, `YYYY-Qn`.")
    due: AwareDatetime = Field(
        description="End of the 10th day of the month after the quarter (WIB)."
    )
    late_by_seconds: int = Field(ge=0, description="How late it was produced; 0 when on time.")
    content_sha256: Sha256 | None = Field(
        description="SHA-256 of the report's content, when the producer gave one.",
    )


PAYLOADS: dict[type[Any], dict[type[Any], type[EventPayload]]] = {
    Complaint: {
        Complaint.Received: ComplaintReceived,
        Complaint.InitialResponseGiven: ComplaintInitialResponseGiven,
        Complaint.DocumentsSubmitted: ComplaintDocumentsSubmitted,
        Complaint.DocumentsCompleted: ComplaintDocumentsCompleted,
        Complaint.MovedToWrittenTrack: ComplaintMovedToWrittenTrack,
        Complaint.Verified: ComplaintVerified,
        Complaint.Registered: ComplaintRegistered,
        Complaint.Forwarded: ComplaintForwarded,
        Complaint.Analysed: ComplaintAnalysed,
        Complaint.Resolved: ComplaintResolved,
        Complaint.Closed: ComplaintClosed,
        Complaint.ClosedIncomplete: ComplaintClosedIncomplete,
        **deadline_payloads(Complaint),
        Complaint.PersonalDataErased: PersonalDataErased,
    },
    QuarterlyComplaintReport: {
        QuarterlyComplaintReport.Created: QuarterlyComplaintReportCreated,
        QuarterlyComplaintReport.Produced: QuarterlyComplaintReportProduced,
    },
}
"""Per aggregate: each event class and its payload model."""
