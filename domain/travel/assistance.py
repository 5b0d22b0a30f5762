"""Assistance cases (TR-AS-1): medical evacuation (B2a) and repatriation or funeral abroad (C)
are arranged by the assistance provider (Allianz Global Assistance, 24 hours) and must be
reported to it immediately. They are recorded here as cases, with the four pieces of information
the provider takes, never as document-driven claims."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from claims_ledger.domain.clock import require_aware
from claims_ledger.domain.deadlines import Provenance
from claims_ledger.domain.errors import RuleViolation
from claims_ledger.domain.personal import HoldsPersonalData, PersonalDataEventRules

ASSISTANCE_NAMESPACE = UUID("0d3f6a2e-8b1c-5e47-9a60-3c2b1d4e5f70")
PROVIDER = "Allianz Global Assistance (AGA), +65 653 55833, 24 hours"


def assistance_case_id(reference: str) -> UUID:
    return uuid5(ASSISTANCE_NAMESPACE, f"assistance:{reference}")


class Service(enum.StrEnum):
    MEDICAL_EVACUATION = "medical_evacuation"  # B2a
    REPATRIATION = "repatriation"  # C: return of mortal remains
    FUNERAL_ABROAD = "funeral_abroad"  # C

    @property
    def section(self) -> str:
        return "B2a" if self is Service.MEDICAL_EVACUATION else "C"


class AssistanceCase(HoldsPersonalData, Aggregate):
    TOPIC = "claims_ledger:AssistanceCase"

    class Event(Aggregate.Event):
        TOPIC = "claims_ledger:AssistanceCaseEvent"
        occurred_at: datetime
        correlation_id: str
        causation_id: str

    class PersonalDataErased(PersonalDataEventRules.Erased, Event):
        TOPIC = "claims_ledger:AssistanceCasePersonalDataErased"

    class Created(Event, Aggregate.Created):
        TOPIC = "claims_ledger:AssistanceCaseCreated"

    class Reported(Created):
        """TR-AS-1: reported to the provider with its four pieces of information (policy number,
        name, current location, condition and the help needed), and who called."""

        TOPIC = "claims_ledger:AssistanceCaseReported"
        reference: str
        section: str
        service: str
        provider: str
        policy_number: str
        insured_name: str
        location: str
        condition: str
        reported_by: str
        event_at: datetime
        report_delay_seconds: int

    class Arranged(Event):
        """The provider arranges the evacuation or repatriation (how, where to)."""

        TOPIC = "claims_ledger:AssistanceCaseArranged"
        arrangement: str

        def apply(self, aggregate: Any) -> None:
            aggregate.arranged_at = self.occurred_at

    class Closed(Event):
        TOPIC = "claims_ledger:AssistanceCaseClosed"
        outcome: str

        def apply(self, aggregate: Any) -> None:
            aggregate.closed_at = self.occurred_at

    def __init__(
        self,
        occurred_at: datetime,
        correlation_id: str,
        causation_id: str,
        reference: str,
        section: str,
        service: str,
        provider: str,
        policy_number: str,
        insured_name: str,
        location: str,
        condition: str,
        reported_by: str,
        event_at: datetime,
        report_delay_seconds: int,
    ) -> None:
        self.reference = reference
        self.service = Service(service)
        self.policy_number = policy_number
        self.reported_at = occurred_at
        self.arranged_at: datetime | None = None
        self.closed_at: datetime | None = None

    @property
    def case_label(self) -> str:
        return f"assistance case {self.reference!r}"

    @classmethod
    def report(
        cls,
        *,
        reference: str,
        service: Service,
        policy_number: str,
        insured_name: str,
        location: str,
        condition: str,
        reported_by: str,
        event_at: datetime,
        provenance: Provenance,
    ) -> AssistanceCase:
        require_aware(event_at, "event_at")
        for name, value in (
            ("policy_number", policy_number),
            ("insured_name", insured_name),
            ("location", location),
            ("condition", condition),
        ):
            if not value.strip():
                raise RuleViolation(
                    "TR-AS-1",
                    f"the assistance provider takes four pieces of information; {name} is empty",
                    accepted="policy number, name, current location, condition and help needed",
                )
        if event_at > provenance.occurred_at:
            raise RuleViolation("TR-AS-1", "the event cannot happen after it is reported")
        return cls._create(
            cls.Reported,
            id=assistance_case_id(reference),
            **provenance.fields(),
            reference=reference,
            section=service.section,
            service=str(service),
            provider=PROVIDER,
            policy_number=policy_number,
            insured_name=insured_name,
            location=location,
            condition=condition,
            reported_by=reported_by,
            event_at=event_at,
            report_delay_seconds=int((provenance.occurred_at - event_at).total_seconds()),
        )

    def arrange(self, *, arrangement: str, provenance: Provenance) -> None:
        self._require_open(provenance.occurred_at)
        if self.arranged_at is not None:
            raise RuleViolation("TR-AS-1", f"{self.case_label} is already arranged")
        self.trigger_event(self.Arranged, **provenance.fields(), arrangement=arrangement)

    def close(self, *, outcome: str, provenance: Provenance) -> None:
        self._require_open(provenance.occurred_at)
        self.trigger_event(self.Closed, **provenance.fields(), outcome=outcome)

    def _require_open(self, at: datetime) -> None:
        require_aware(at, "occurred_at")
        if self.closed_at is not None:
            raise RuleViolation("TR-AS-1", f"{self.case_label} is closed")
        if at < self.reported_at:
            raise RuleViolation(
                "TR-AS-1",
                f"{at.isoformat()} is before {self.case_label} was reported "
                f"({self.reported_at.isoformat()})",
            )
