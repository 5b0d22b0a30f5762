"""The complaint aggregate: the whole lifecycle of RULES.md sections 1 and 4.

CP-CH-1 channels, CP-FORM-1 oral/written, CP-DOC-1 documents, CP-SLA-1..4 deadlines and the
document window, CP-FLOW-1 steps in order, RG-CP-1..5 resolution tracks and extensions,
RG-V-1 rule set kept, C-SLA-1 deadlines met / breached.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from claims_ledger.domain.calendar import DEFAULT_CALENDAR, DeadlineKind, WorkingDayCalendar
from claims_ledger.domain.clock import WIB, require_aware
from claims_ledger.domain.deadlines import (
    DeadlineEventRules,
    DeadlineState,
    DeadlineStatus,
    DeadlineTracking,
    Party,
    Provenance,
)
from claims_ledger.domain.errors import RuleViolation
from claims_ledger.domain.personal import HoldsPersonalData, PersonalDataEventRules
from claims_ledger.domain.rulesets import (
    ComplaintRuleSet,
    complaint_rule_set,
    complaint_rule_set_for,
)

COMPLAINT_NAMESPACE = UUID("6f0c3f4e-2b7a-5d1e-9a43-0c1d2e3f4a5b")


def complaint_id(reference: str) -> UUID:
    """The aggregate id is derived from the insurer's complaint reference, so a reference
    names exactly one aggregate and a second receipt of it is detectable."""
    return uuid5(COMPLAINT_NAMESPACE, f"complaint:{reference}")


class Channel(enum.StrEnum):
    """CP-CH-1: the channels a complaint arrives through (24 hours, any day)."""

    CONTACT_CENTER = "contact_center"
    SMS = "sms"
    WHATSAPP = "whatsapp"
    EMAIL = "email"
    LIVE_CHAT = "live_chat"
    LETTER = "letter"
    IN_PERSON = "in_person"


class Form(enum.StrEnum):
    """CP-FORM-1: a complaint is oral and/or written."""

    ORAL = "oral"
    WRITTEN = "written"
    ORAL_AND_WRITTEN = "oral_and_written"


class Track(enum.StrEnum):
    """RG-CP-1 / RG-CP-2: the resolution track. An oral complaint starts on the oral track."""

    ORAL = "oral"
    WRITTEN = "written"


class DocumentKind(enum.StrEnum):
    """CP-DOC-1: the registration documents. The ledger records which were received, never
    their content (no e-KTP numbers, phone numbers or emails are stored)."""

    EKTP_COPY = "ektp_copy"
    PHONE_NUMBER = "phone_number"
    EMAIL_ADDRESS = "email_address"
    POLICY_NUMBER = "policy_number"
    POWER_OF_ATTORNEY = "power_of_attorney"
    OTHER = "other"


class ExtensionReason(enum.StrEnum):
    """RG-CP-3: the reasons a resolution deadline may be extended."""

    A = "a"  # the receiving office is not where the problem arose; they struggle to communicate
    B = "b"  # the transaction needs special research into the insurer's documents
    C = "c"  # something outside the insurer's control, such as a third party's involvement


class Outcome(enum.StrEnum):
    UPHELD = "upheld"
    PARTIALLY_UPHELD = "partially_upheld"
    REJECTED = "rejected"


class ComplaintState(enum.StrEnum):
    RECEIVED = "received"
    DOCUMENTS_COMPLETE = "documents_complete"
    VERIFIED = "verified"
    REGISTERED = "registered"
    FORWARDED = "forwarded"
    ANALYSED = "analysed"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CLOSED_INCOMPLETE = "closed_incomplete"


TERMINAL = frozenset({ComplaintState.CLOSED, ComplaintState.CLOSED_INCOMPLETE})

# CP-FLOW-1: each step and the state it follows.
STEP_AFTER: dict[str, tuple[ComplaintState, ...]] = {
    "verification": (ComplaintState.DOCUMENTS_COMPLETE,),
    "registration": (ComplaintState.VERIFIED,),
    "forwarding": (ComplaintState.REGISTERED,),
    "analysis": (ComplaintState.FORWARDED,),
    "resolution": (ComplaintState.ANALYSED,),
    "closing": (ComplaintState.RESOLVED,),
}

# Which event fulfils which deadline (C-SLA-1).
CP_SLA_1, CP_SLA_2, RG_CP_1, RG_CP_2 = "CP-SLA-1", "CP-SLA-2", "RG-CP-1", "RG-CP-2"
RESOLUTION_DEADLINES = (RG_CP_1, RG_CP_2)  # CP-SLA-5: resolution per RG-CP-1 to RG-CP-3


def required_documents(track: Track, represented: bool) -> frozenset[DocumentKind]:
    """CP-DOC-1: what registration needs. The power of attorney only when the insured is
    represented (RG-CP-5); an oral complaint on the oral track needs no other document."""
    needed: set[DocumentKind] = set()
    if track is Track.WRITTEN:
        needed |= {
            DocumentKind.EKTP_COPY,
            DocumentKind.PHONE_NUMBER,
            DocumentKind.EMAIL_ADDRESS,
            DocumentKind.POLICY_NUMBER,
        }
    if represented:
        needed.add(DocumentKind.POWER_OF_ATTORNEY)
    return frozenset(needed)


class Complaint(HoldsPersonalData, DeadlineTracking, Aggregate):
    """One customer complaint. Event names are stable topics: moving this module never
    orphans stored history."""

    TOPIC = "claims_ledger:Complaint"

    class Event(Aggregate.Event):
        """Every complaint event carries its business time and its provenance (C-TIME-2)."""

        TOPIC = "claims_ledger:ComplaintEvent"
        occurred_at: datetime
        correlation_id: str
        causation_id: str

    class PersonalDataErased(PersonalDataEventRules.Erased, Event):
        TOPIC = "claims_ledger:ComplaintPersonalDataErased"

    class Created(Event, Aggregate.Created):
        TOPIC = "claims_ledger:ComplaintCreated"

    class Received(Created):
        TOPIC = "claims_ledger:ComplaintReceived"
        reference: str
        channel: Channel
        form: Form
        track: Track
        explanation: str
        product: str | None
        represented: bool
        rule_set: str

    class InitialResponseGiven(Event):
        TOPIC = "claims_ledger:ComplaintInitialResponseGiven"
        registration_reference: str
        receipt_date: date
        contact_phone: str

        def apply(self, aggregate: Any) -> None:
            aggregate.responded_at = self.occurred_at

    class DocumentsSubmitted(Event):
        TOPIC = "claims_ledger:ComplaintDocumentsSubmitted"
        documents: list[str]
        other_documents: list[str]

        def apply(self, aggregate: Any) -> None:
            aggregate.documents |= {DocumentKind(d) for d in self.documents}
            aggregate.other_documents.extend(self.other_documents)

    class DocumentsCompleted(Event):
        TOPIC = "claims_ledger:ComplaintDocumentsCompleted"

        def apply(self, aggregate: Any) -> None:
            aggregate.state = ComplaintState.DOCUMENTS_COMPLETE
            aggregate.documents_completed_at = self.occurred_at

    class MovedToWrittenTrack(Event):
        TOPIC = "claims_ledger:ComplaintMovedToWrittenTrack"
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.track = Track.WRITTEN

    class DeadlineSet(DeadlineEventRules.Set, Event):
        TOPIC = "claims_ledger:ComplaintDeadlineSet"

    class DeadlineMet(DeadlineEventRules.Met, Event):
        TOPIC = "claims_ledger:ComplaintDeadlineMet"

    class DeadlineExtended(DeadlineEventRules.Extended, Event):
        TOPIC = "claims_ledger:ComplaintDeadlineExtended"

    class DeadlineBreached(DeadlineEventRules.Breached, Event):
        TOPIC = "claims_ledger:ComplaintDeadlineBreached"

    class BreachClosed(DeadlineEventRules.BreachClosed, Event):
        TOPIC = "claims_ledger:ComplaintBreachClosed"

    class DeadlineCancelled(DeadlineEventRules.Cancelled, Event):
        TOPIC = "claims_ledger:ComplaintDeadlineCancelled"

    class Verified(Event):
        TOPIC = "claims_ledger:ComplaintVerified"

        def apply(self, aggregate: Any) -> None:
            aggregate.state = ComplaintState.VERIFIED

    class Registered(Event):
        TOPIC = "claims_ledger:ComplaintRegistered"
        registration_number: str

        def apply(self, aggregate: Any) -> None:
            aggregate.state = ComplaintState.REGISTERED
            aggregate.registration_number = self.registration_number

    class Forwarded(Event):
        TOPIC = "claims_ledger:ComplaintForwarded"
        department: str

        def apply(self, aggregate: Any) -> None:
            aggregate.state = ComplaintState.FORWARDED
            aggregate.department = self.department

    class Analysed(Event):
        TOPIC = "claims_ledger:ComplaintAnalysed"
        finding: str

        def apply(self, aggregate: Any) -> None:
            aggregate.state = ComplaintState.ANALYSED

    class Resolved(Event):
        TOPIC = "claims_ledger:ComplaintResolved"
        outcome: Outcome

        def apply(self, aggregate: Any) -> None:
            aggregate.state = ComplaintState.RESOLVED
            aggregate.outcome = self.outcome
            aggregate.resolved_at = self.occurred_at

    class Closed(Event):
        TOPIC = "claims_ledger:ComplaintClosed"

        def apply(self, aggregate: Any) -> None:
            aggregate.state = ComplaintState.CLOSED
            aggregate.closed_at = self.occurred_at

    class ClosedIncomplete(Event):
        """CP-SLA-4: the document window passed with required documents missing."""

        TOPIC = "claims_ledger:ComplaintClosedIncomplete"
        missing_documents: list[str]

        def apply(self, aggregate: Any) -> None:
            aggregate.state = ComplaintState.CLOSED_INCOMPLETE
            aggregate.closed_at = self.occurred_at
            aggregate.missing_at_closure = list(self.missing_documents)

    def __init__(
        self,
        occurred_at: datetime,
        correlation_id: str,
        causation_id: str,
        reference: str,
        channel: Channel,
        form: Form,
        track: Track,
        explanation: str,
        product: str | None,
        represented: bool,
        rule_set: str,
    ) -> None:
        self.reference = reference
        self.channel = Channel(channel)
        self.form = Form(form)
        self.track = Track(track)
        self.product = product
        self.represented = represented
        self.rule_set = rule_set
        self.received_at = occurred_at
        self.state = ComplaintState.RECEIVED
        self.documents: set[DocumentKind] = set()
        self.other_documents: list[str] = []
        self.documents_completed_at: datetime | None = None
        self.responded_at: datetime | None = None
        self.registration_number: str | None = None
        self.department: str | None = None
        self.resolved_at: datetime | None = None
        self.closed_at: datetime | None = None
        self.outcome: Outcome | None = None
        self.missing_at_closure: list[str] = []
        self.deadlines: dict[str, DeadlineState] = {}

    # -- receiving -------------------------------------------------------------------------

    @classmethod
    def receive(
        cls,
        *,
        reference: str,
        channel: Channel,
        form: Form,
        explanation: str,
        product: str | None,
        represented: bool,
        provenance: Provenance,
        calendar: WorkingDayCalendar = DEFAULT_CALENDAR,
    ) -> Complaint:
        require_aware(provenance.occurred_at, "occurred_at")
        if not explanation.strip():
            raise RuleViolation(
                "CP-FORM-1",
                "a complaint carries the customer's explanation of the problem; it is empty",
                accepted="a non-empty explanation",
            )
        rule_set = complaint_rule_set_for(provenance.occurred_at.astimezone(WIB).date())
        track = Track.ORAL if form is Form.ORAL else Track.WRITTEN  # RG-CP-1 / RG-CP-2
        complaint = cls._create(
            cls.Received,
            id=complaint_id(reference),
            **provenance.fields(),
            reference=reference,
            channel=channel,
            form=form,
            track=track,
            explanation=explanation,
            product=product,
            represented=represented,
            rule_set=rule_set.ref,
        )
        received = f"ComplaintReceived v{complaint.version}"
        rs = rule_set
        complaint._set_deadline(  # CP-SLA-1
            CP_SLA_1,
            Party.INSURER,
            rs.initial_response_working_days,
            received,
            provenance,
            calendar,
        )
        if track is Track.WRITTEN:
            complaint._set_deadline(  # CP-SLA-2, counted from receipt (interpretation)
                CP_SLA_2,
                Party.CUSTOMER,
                rs.document_window_working_days,
                received,
                provenance,
                calendar,
            )
        else:
            complaint._set_deadline(  # RG-CP-1: oral complaints resolved within 5 working days
                RG_CP_1,
                Party.INSURER,
                rs.oral_resolution_working_days,
                received,
                provenance,
                calendar,
            )
        return complaint

    @property
    def rules(self) -> ComplaintRuleSet:
        return complaint_rule_set(self.rule_set)

    # -- insurer's initial response (CP-SLA-1, RG-CP-4) -----------------------------------

    def give_initial_response(
        self,
        *,
        registration_reference: str,
        receipt_date: date,
        contact_phone: str,
        provenance: Provenance,
    ) -> None:
        self._require_open("initial response", provenance.occurred_at)
        if self.responded_at is not None:
            raise RuleViolation(
                "CP-FLOW-1",
                f"complaint {self.reference!r} already had its initial response "
                f"at {self.responded_at.isoformat()}",
                accepted="one initial response per complaint",
            )
        received_on = self.received_at.astimezone(WIB).date()
        if receipt_date != received_on:
            raise RuleViolation(
                "RG-CP-4",
                f"the acknowledgement states receipt date {receipt_date.isoformat()}, "
                f"but the complaint was received on {received_on.isoformat()} (WIB)",
                accepted=f"receipt_date {received_on.isoformat()}",
            )
        if not registration_reference.strip() or not contact_phone.strip():
            raise RuleViolation(
                "RG-CP-4",
                "the acknowledgement must give a registration reference and a contact "
                "person's phone number",
            )
        self.trigger_event(
            self.InitialResponseGiven,
            **provenance.fields(),
            registration_reference=registration_reference,
            receipt_date=receipt_date,
            contact_phone=contact_phone,
        )
        self._fulfil(CP_SLA_1, provenance)

    # -- documents (CP-DOC-1, CP-SLA-2..4) ------------------------------------------------

    @property
    def missing_documents(self) -> list[DocumentKind]:
        needed = required_documents(self.track, self.represented)
        return sorted(needed - self.documents)

    def submit_documents(
        self,
        *,
        documents: list[DocumentKind],
        other_documents: list[str],
        provenance: Provenance,
        calendar: WorkingDayCalendar = DEFAULT_CALENDAR,
    ) -> None:
        self._require_open("document submission", provenance.occurred_at)
        unknown = [d for d in documents if d is DocumentKind.OTHER]
        if unknown:
            raise RuleViolation(
                "CP-DOC-1",
                "supporting documents of kind 'other' are listed in other_documents with a "
                "description",
            )
        self.trigger_event(
            self.DocumentsSubmitted,
            **provenance.fields(),
            documents=sorted(str(d) for d in documents),
            other_documents=list(other_documents),
        )
        if (
            self.state is ComplaintState.RECEIVED
            and self.track is Track.WRITTEN
            and not self.missing_documents
        ):
            self.trigger_event(self.DocumentsCompleted, **provenance.fields())
            self._fulfil(CP_SLA_2, provenance)
            self._set_deadline(  # RG-CP-2: 10 working days after the documents are complete
                RG_CP_2,
                Party.INSURER,
                self.rules.written_resolution_working_days,
                f"ComplaintDocumentsCompleted v{self.version}",
                provenance,
                calendar,
            )

    def extend_document_window(
        self,
        *,
        reason: str,
        provenance: Provenance,
        calendar: WorkingDayCalendar = DEFAULT_CALENDAR,
    ) -> None:
        """CP-SLA-3: once, with a stated reason, before the original window passes."""
        self._extend(
            CP_SLA_2,
            "CP-SLA-3",
            reason,
            self.rules.document_extension_working_days,
            provenance,
            notice_sent_at=None,
            calendar=calendar,
        )

    def move_to_written_track(
        self,
        *,
        reason: str,
        provenance: Provenance,
        calendar: WorkingDayCalendar = DEFAULT_CALENDAR,
    ) -> None:
        """RG-CP-1: an oral complaint that needs documents moves to the written track. Its
        document window opens at the move (the written complaint begins there)."""
        self._require_open("move to the written track", provenance.occurred_at)
        if self.track is Track.WRITTEN:
            raise RuleViolation(
                "RG-CP-1", f"complaint {self.reference!r} is already on the written track"
            )
        if self.state is not ComplaintState.RECEIVED:
            raise RuleViolation(
                "CP-FLOW-1",
                f"complaint {self.reference!r} is {self.state.value}; it can move to the "
                "written track only before verification",
            )
        if not reason.strip():
            raise RuleViolation("RG-CP-1", "moving to the written track needs a reason")
        self.trigger_event(self.MovedToWrittenTrack, **provenance.fields(), reason=reason)
        moved = f"ComplaintMovedToWrittenTrack v{self.version}"
        self._cancel(RG_CP_1, "moved to the written track (RG-CP-1)", provenance)
        self._set_deadline(
            CP_SLA_2,
            Party.CUSTOMER,
            self.rules.document_window_working_days,
            moved,
            provenance,
            calendar,
        )

    # -- CP-FLOW-1 steps ------------------------------------------------------------------

    def verify(self, *, provenance: Provenance) -> None:
        if self.track is Track.ORAL and self.state is ComplaintState.RECEIVED:
            # the oral track has no document step (RG-CP-1)
            self._require_open("verification", provenance.occurred_at)
        else:
            self._require_step("verification", provenance.occurred_at)
        self.trigger_event(self.Verified, **provenance.fields())

    def register(self, *, registration_number: str, provenance: Provenance) -> None:
        missing = self.missing_documents
        if missing:
            raise RuleViolation(
                "CP-DOC-1",
                f"complaint {self.reference!r} cannot be registered: missing "
                f"{', '.join(str(m) for m in missing)}",
                accepted="registration once every required document has been received",
            )
        self._require_step("registration", provenance.occurred_at)
        self.trigger_event(
            self.Registered, **provenance.fields(), registration_number=registration_number
        )

    def forward(self, *, department: str, provenance: Provenance) -> None:
        self._require_step("forwarding", provenance.occurred_at)
        self.trigger_event(self.Forwarded, **provenance.fields(), department=department)

    def analyse(self, *, finding: str, provenance: Provenance) -> None:
        self._require_step("analysis", provenance.occurred_at)
        self.trigger_event(self.Analysed, **provenance.fields(), finding=finding)

    def extend_resolution_deadline(
        self,
        *,
        reason_code: ExtensionReason,
        notice_sent_at: datetime,
        provenance: Provenance,
        calendar: WorkingDayCalendar = DEFAULT_CALENDAR,
    ) -> None:
        """RG-CP-3: once, by 10 working days, with a reason (a/b/c) and a written notice to the
        customer sent before the first deadline passes."""
        rule_id = next(
            (
                r
                for r in RESOLUTION_DEADLINES
                if r in self.deadlines and self.deadlines[r].status is not DeadlineStatus.CANCELLED
            ),
            None,
        )
        if rule_id is None:
            raise RuleViolation(
                "RG-CP-3",
                f"complaint {self.reference!r} has no resolution deadline yet",
                accepted="an extension once the resolution deadline is set",
            )
        require_aware(notice_sent_at, "notice_sent_at")
        due = self.deadlines[rule_id].due
        if notice_sent_at > due or notice_sent_at > provenance.occurred_at:
            raise RuleViolation(
                "RG-CP-3",
                f"the notice to the customer was sent at {notice_sent_at.isoformat()}; it must "
                f"be sent before the deadline {due.isoformat()} and not after the extension",
                accepted=f"notice_sent_at at or before {due.isoformat()}",
            )
        self._extend(
            rule_id,
            "RG-CP-3",
            str(reason_code),
            self.rules.resolution_extension_working_days,
            provenance,
            notice_sent_at=notice_sent_at,
            calendar=calendar,
        )

    def resolve(self, *, outcome: Outcome, provenance: Provenance) -> None:
        self._require_step("resolution", provenance.occurred_at)
        self.trigger_event(self.Resolved, **provenance.fields(), outcome=outcome)
        for rule_id in RESOLUTION_DEADLINES:
            if rule_id in self.deadlines:
                self._fulfil(rule_id, provenance)

    def close(self, *, provenance: Provenance) -> None:
        self._require_step("closing", provenance.occurred_at)
        self.trigger_event(self.Closed, **provenance.fields())
        self._cancel_open("complaint closed", provenance)

    # -- the deadline process (C-SLA-1, CP-SLA-4) ------------------------------------------

    def detect_breaches(self, now: datetime, recorded_at: datetime) -> int:
        """Record a breach for every deadline that has passed unmet by `now`; close the
        complaint as incomplete when the document window passed with documents missing.
        Returns how many breaches were recorded."""
        require_aware(now, "now")
        breaches = 0
        for state in self._passed_unmet(now):
            if self.state in TERMINAL:
                continue
            at_due = Provenance.deadline_process(state.due, now, recorded_at)
            self._record_breach(state, at_due)
            breaches += 1
            if (
                state.deadline.rule_id == CP_SLA_2
                and self.state is ComplaintState.RECEIVED
                and self.missing_documents
            ):
                self.trigger_event(
                    self.ClosedIncomplete,
                    **at_due.fields(),
                    missing_documents=[str(m) for m in self.missing_documents],
                )
                self._cancel_open("complaint closed incomplete (CP-SLA-4)", at_due)
        return breaches

    # -- helpers ---------------------------------------------------------------------------

    @property
    def case_label(self) -> str:
        return f"complaint {self.reference!r}"

    def _set_deadline(
        self,
        rule_id: str,
        party: Party,
        units: int,
        computed_from: str,
        provenance: Provenance,
        calendar: WorkingDayCalendar,
    ) -> None:
        self._set_deadline_of_kind(
            rule_id, party, DeadlineKind.WORKING_DAYS, units, computed_from, provenance, calendar
        )

    def _extend(
        self,
        rule_id: str,
        extension_rule: str,
        reason: str,
        units: int,
        provenance: Provenance,
        notice_sent_at: datetime | None,
        calendar: WorkingDayCalendar,
    ) -> None:
        self._require_open("extension", provenance.occurred_at)
        self._extend_deadline(
            rule_id, extension_rule, reason, units, provenance, notice_sent_at, calendar
        )

    def _require_open(self, step: str, at: datetime) -> None:
        require_aware(at, "occurred_at")
        if self.state in TERMINAL:
            raise RuleViolation(
                "CP-FLOW-1",
                f"complaint {self.reference!r} is {self.state.value}; no {step} after closing",
            )
        if at < self.received_at:
            raise RuleViolation(
                "CP-FLOW-1",
                f"{step} at {at.isoformat()} is before the complaint was received "
                f"at {self.received_at.isoformat()}",
                accepted=f"a time at or after {self.received_at.isoformat()}",
            )

    def _require_step(self, step: str, at: datetime) -> None:
        """CP-FLOW-1: steps happen in order, and not before the complaint was received."""
        self._require_open(step, at)
        expected = STEP_AFTER[step]
        if self.state not in expected:
            raise RuleViolation(
                "CP-FLOW-1",
                f"complaint {self.reference!r} is {self.state.value}; {step} is not the next step",
                accepted=f"{step} only when the complaint is "
                f"{' or '.join(s.value for s in expected)}",
            )
