"""The complaint aggregate (minimal spine version): receive, initial response, resolve.

Rules: CP-CH-1 (channels), CP-FORM-1 (oral / written), CP-FLOW-1 (steps in order),
C-TIME-1 / C-TIME-2 (aware times, no events from the future), RG-V-1 (rule set kept).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.clock import require_aware
from domain.errors import RuleViolation
from domain.rulesets import complaint_rule_set_for

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


class Outcome(enum.StrEnum):
    UPHELD = "upheld"
    PARTIALLY_UPHELD = "partially_upheld"
    REJECTED = "rejected"


class ComplaintState(enum.StrEnum):
    RECEIVED = "received"
    RESPONDED = "responded"
    RESOLVED = "resolved"


class Complaint(Aggregate):
    """One customer complaint. Event names are stable topics: moving this module never
    orphans stored history."""

    TOPIC = "claims_ledger:Complaint"

    class Event(Aggregate.Event):
        """Every complaint event carries its business time and its provenance (C-TIME-2)."""

        TOPIC = "claims_ledger:ComplaintEvent"
        occurred_at: datetime
        correlation_id: str
        causation_id: str

    class Created(Event, Aggregate.Created):
        TOPIC = "claims_ledger:ComplaintCreated"

    class Received(Created):
        TOPIC = "claims_ledger:ComplaintReceived"
        reference: str
        channel: Channel
        form: Form
        explanation: str
        product: str | None
        rule_set: str

    class InitialResponseGiven(Event):
        TOPIC = "claims_ledger:ComplaintInitialResponseGiven"

        def apply(self, aggregate: Any) -> None:
            aggregate.state = ComplaintState.RESPONDED
            aggregate.responded_at = self.occurred_at

    class Resolved(Event):
        TOPIC = "claims_ledger:ComplaintResolved"
        outcome: Outcome

        def apply(self, aggregate: Any) -> None:
            aggregate.state = ComplaintState.RESOLVED
            aggregate.outcome = self.outcome
            aggregate.resolved_at = self.occurred_at

    def __init__(
        self,
        occurred_at: datetime,
        correlation_id: str,
        causation_id: str,
        reference: str,
        channel: Channel,
        form: Form,
        explanation: str,
        product: str | None,
        rule_set: str,
    ) -> None:
        self.reference = reference
        self.channel = channel
        self.form = form
        self.product = product
        self.rule_set = rule_set
        self.received_at = occurred_at
        self.state = ComplaintState.RECEIVED
        self.responded_at: datetime | None = None
        self.resolved_at: datetime | None = None
        self.outcome: Outcome | None = None

    @classmethod
    def receive(
        cls,
        *,
        reference: str,
        channel: Channel,
        form: Form,
        explanation: str,
        product: str | None,
        occurred_at: datetime,
        recorded_at: datetime,
        correlation_id: str,
        causation_id: str,
    ) -> Complaint:
        require_aware(occurred_at, "occurred_at")
        if not explanation.strip():
            raise RuleViolation(
                "CP-FORM-1",
                "a complaint carries the customer's explanation of the problem; it is empty",
                accepted="a non-empty explanation",
            )
        rule_set = complaint_rule_set_for(occurred_at.date())
        return cls._create(
            cls.Received,
            id=complaint_id(reference),
            timestamp=recorded_at,
            occurred_at=occurred_at,
            correlation_id=correlation_id,
            causation_id=causation_id,
            reference=reference,
            channel=channel,
            form=form,
            explanation=explanation,
            product=product,
            rule_set=rule_set.ref,
        )

    def give_initial_response(
        self,
        *,
        occurred_at: datetime,
        recorded_at: datetime,
        correlation_id: str,
        causation_id: str,
    ) -> None:
        self._require_step("initial response", ComplaintState.RECEIVED, occurred_at)
        self.trigger_event(
            self.InitialResponseGiven,
            timestamp=recorded_at,
            occurred_at=occurred_at,
            correlation_id=correlation_id,
            causation_id=causation_id,
        )

    def resolve(
        self,
        *,
        outcome: Outcome,
        occurred_at: datetime,
        recorded_at: datetime,
        correlation_id: str,
        causation_id: str,
    ) -> None:
        self._require_step("resolution", ComplaintState.RESPONDED, occurred_at)
        self.trigger_event(
            self.Resolved,
            timestamp=recorded_at,
            occurred_at=occurred_at,
            correlation_id=correlation_id,
            causation_id=causation_id,
            outcome=outcome,
        )

    def _require_step(self, step: str, expected_state: ComplaintState, at: datetime) -> None:
        """CP-FLOW-1: steps happen in order, and not before the complaint was received."""
        require_aware(at, "occurred_at")
        if self.state is not expected_state:
            raise RuleViolation(
                "CP-FLOW-1",
                f"complaint {self.reference!r} is {self.state.value}; {step} is not the next step",
                accepted=f"{step} only when the complaint is {expected_state.value}",
            )
        if at < self.received_at:
            raise RuleViolation(
                "CP-FLOW-1",
                f"{step} at {at.isoformat()} is before the complaint was received "
                f"at {self.received_at.isoformat()}",
                accepted=f"a time at or after {self.received_at.isoformat()}",
            )
