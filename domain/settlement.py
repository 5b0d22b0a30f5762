"""Claim steps shared by property and travel claims: per-section state, calculation, acceptance
and payment (C-CALC-1, RG-CL-1, RG-CL-3), and no re-request of a received document (RG-CL-2)."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from claims_ledger.domain.calculation import Calculation
from claims_ledger.domain.calendar import DEFAULT_CALENDAR, DeadlineKind, WorkingDayCalendar
from claims_ledger.domain.deadlines import DeadlineTracking, Party, Provenance
from claims_ledger.domain.errors import RuleViolation
from claims_ledger.domain.money import format_idr


def refuse_rerequest(
    received: Mapping[str, datetime], wanted: Iterable[str], case_label: str
) -> None:
    """RG-CL-2 (UU 40/2014 Art. 31): a document already received is not requested again."""
    for document in wanted:
        if document in received:
            raise RuleViolation(
                "RG-CL-2",
                f"{document!r} was already received for {case_label} on "
                f"{received[document].isoformat()}; it may not be requested again",
                accepted="a request for documents not yet received",
            )


def require_agreed_payment(
    case_label: str, section: str, status: str, agreed: Decimal | None, amount: Decimal
) -> None:
    """RG-CL-1: a section is paid once its amount is agreed, and exactly that amount."""
    if agreed is None:
        raise RuleViolation(
            "RG-CL-1",
            f"section {section} of {case_label} is {status}; payment follows the agreed amount",
        )
    if amount != agreed:
        raise RuleViolation(
            "RG-CL-1",
            f"payment {format_idr(amount)} differs from the agreed {format_idr(agreed)}",
            accepted=format_idr(agreed),
        )


class SectionStatus(enum.StrEnum):
    """Where one claimed section stands (RG-CL-3: each section on its own)."""

    CLAIMED = "claimed"
    ASSESSED = "assessed"
    APPROVED = "approved"  # travel claims: the insurer approves before the insured accepts
    DECLINED = "declined"
    AGREED = "agreed"
    PAID = "paid"


@dataclass(frozen=True)
class SectionState:
    status: SectionStatus = SectionStatus.CLAIMED
    calculations: int = 0
    payable: Decimal | None = None
    agreed: Decimal | None = None
    paid: Decimal | None = None


class SettlementEventRules:
    """The settlement events' fields and how they change a claim's `sections`, shared by
    property and travel claims; each aggregate declares them with its own stable topics
    (mixin first, as with `DeadlineEventRules`)."""

    @dataclass(frozen=True)
    class CalculationRecorded:
        """C-CALC-1: inputs, every step, the result and the rule set; recalculation appends."""

        section: str
        number: int
        inputs: dict[str, Any]
        steps: list[dict[str, Any]]
        payable: Decimal
        conditions_unmet: list[str]
        rule_set: str

        def apply(self, aggregate: Any) -> None:
            aggregate._update_section(
                self.section,
                status=SectionStatus.ASSESSED,
                calculations=self.number,
                payable=self.payable,
                agreed=None,
            )
            # The latest calculation of each section, trace included, so that the case as of
            # any version shows it (earlier ones stay in the history).
            latest = aggregate.__dict__.setdefault("latest_calculations", {})
            latest[self.section] = {
                "number": self.number,
                "inputs": self.inputs,
                "steps": self.steps,
                "payable": self.payable,
                "conditions_unmet": self.conditions_unmet,
                "rule_set": self.rule_set,
            }

    @dataclass(frozen=True)
    class AmountAccepted:
        """RG-CL-1: the insured and the insurer agree on a section's amount."""

        section: str
        amount: Decimal
        calculation: int

        def apply(self, aggregate: Any) -> None:
            aggregate._update_section(self.section, status=SectionStatus.AGREED, agreed=self.amount)

    @dataclass(frozen=True)
    class SectionPaid:
        section: str
        amount: Decimal

        def apply(self, aggregate: Any) -> None:
            aggregate._update_section(self.section, status=SectionStatus.PAID, paid=self.amount)


class SectionSettlement(DeadlineTracking):
    """Calculation, acceptance and payment of a claim's sections, each on its own (C-CALC-1,
    RG-CL-1, RG-CL-3): written once for property and travel claims."""

    sections: dict[str, SectionState]
    version: int
    CalculationRecorded: Any
    AmountAccepted: Any
    SectionPaid: Any
    SECTION_WORD = "section"  # how the product's documents name a section ("Section I")
    ACCEPTED_AFTER = SectionStatus.ASSESSED  # the status an amount is accepted from
    ACCEPTED_AFTER_TEXT = "an amount is accepted after an assessment"

    @property
    def payment_days_after_agreement(self) -> int:
        raise NotImplementedError

    def _update_section(self, section: str, **changes: Any) -> None:
        self.sections[section] = replace(self.sections[section], **changes)

    def _require_section(self, section: str) -> SectionState:
        if section not in self.sections:
            raise RuleViolation(
                "RG-CL-3",
                f"{self.case_label} does not claim {self.SECTION_WORD} {section}",
                accepted=", ".join(str(s) for s in self.sections),
            )
        return self.sections[section]

    def _record_calculation(
        self, calculation: Calculation, state: SectionState, provenance: Provenance
    ) -> None:
        self.trigger_event(
            self.CalculationRecorded,
            **provenance.fields(),
            **calculation.event_fields(state.calculations + 1),
            rule_set=self.rule_set,
        )

    def accept_amount(
        self,
        *,
        section: str,
        provenance: Provenance,
        calendar: WorkingDayCalendar = DEFAULT_CALENDAR,
    ) -> None:
        """The insured accepts a section's amount (RG-CL-1, RG-CL-3); the insurer then pays
        within the rule set's days (a deadline of the insurer)."""
        state = self._require_section(section)
        if state.status is not self.ACCEPTED_AFTER or state.payable is None:
            raise RuleViolation(
                "RG-CL-1",
                f"{self.SECTION_WORD} {section} of {self.case_label} is "
                f"{state.status}; {self.ACCEPTED_AFTER_TEXT}",
            )
        self.trigger_event(
            self.AmountAccepted,
            **provenance.fields(),
            section=str(section),
            amount=state.payable,
            calculation=state.calculations,
        )
        self._set_deadline_of_kind(
            "RG-CL-1",
            Party.INSURER,
            DeadlineKind.CALENDAR_DAYS,
            self.payment_days_after_agreement,
            f"{_event_type(self.AmountAccepted)} v{self.version}",
            provenance,
            calendar,
            subject=str(section),
        )

    def pay(self, *, section: str, amount: Decimal, provenance: Provenance) -> None:
        """RG-CL-1: exactly the agreed amount; closes the payment deadline (met or breached)."""
        state = self._require_section(section)
        agreed = state.agreed if state.status is SectionStatus.AGREED else None
        require_agreed_payment(self.case_label, str(section), state.status, agreed, amount)
        self.trigger_event(
            self.SectionPaid, **provenance.fields(), section=str(section), amount=amount
        )
        self._fulfil(f"RG-CL-1/{section}", provenance)


def _event_type(event_class: Any) -> str:
    return str(event_class.TOPIC).split(":", 1)[1]
