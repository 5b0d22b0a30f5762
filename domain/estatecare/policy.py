"""The EstateCare policy: sums insured, schedule, other insurance, the people covered, and the
Section IV aggregates of EC-IV-1, reserved here when a Section IV claim is decided.

Reservations are events of this aggregate, so two decisions on one policy are ordered by its
version: optimistic concurrency refuses the second save, and the decision is retried against
the reservations it did not see (see Ledger.execute)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from claims_ledger.domain.clock import WIB
from claims_ledger.domain.deadlines import Provenance
from claims_ledger.domain.errors import RuleViolation
from claims_ledger.domain.estatecare.payout.contribution import OtherPolicy
from claims_ledger.domain.estatecare.payout.sections import Aggregates, Insured
from claims_ledger.domain.money import ZERO, format_idr
from claims_ledger.domain.personal import HoldsPersonalData, PersonalDataEventRules

POLICY_NAMESPACE = UUID("5a1d2c3b-4e5f-5061-8273-9a8b7c6d5e4f")


def policy_id(policy_number: str) -> UUID:
    return uuid5(POLICY_NAMESPACE, f"policy:{policy_number}")


class Policy(HoldsPersonalData, Aggregate):
    TOPIC = "claims_ledger:Policy"

    class Event(Aggregate.Event):
        TOPIC = "claims_ledger:PolicyEvent"
        occurred_at: datetime
        correlation_id: str
        causation_id: str

    class PersonalDataErased(PersonalDataEventRules.Erased, Event):
        TOPIC = "claims_ledger:PolicyPersonalDataErased"

    class Created(Event, Aggregate.Created):
        TOPIC = "claims_ledger:PolicyCreated"

    class Issued(Created):
        TOPIC = "claims_ledger:PolicyIssued"
        policy_number: str
        insured: str
        period_start: date
        period_end: date
        section_i_sum_insured: Decimal
        schedule: dict[str, Decimal]
        other_policies: list[dict[str, str]]
        family_members: list[str]
        domestic_helpers: list[str]

    class SectionIVReserved(Event):
        """EC-IV-1: the amount a decided Section IV claim takes from its aggregate. A later
        decision on the same claim replaces its earlier reservation."""

        TOPIC = "claims_ledger:PolicySectionIVReserved"
        policy_number: str
        claim_reference: str
        person: str
        category: str
        amount: Decimal
        aggregate_limit: Decimal
        reserved_after: Decimal

        def apply(self, aggregate: Any) -> None:
            aggregate.reservations[self.claim_reference] = (Insured(self.category), self.amount)

    def __init__(
        self,
        occurred_at: datetime,
        correlation_id: str,
        causation_id: str,
        policy_number: str,
        insured: str,
        period_start: date,
        period_end: date,
        section_i_sum_insured: Decimal,
        schedule: dict[str, Decimal],
        other_policies: list[dict[str, str]],
        family_members: list[str],
        domestic_helpers: list[str],
    ) -> None:
        self.policy_number = policy_number
        self.insured = insured
        self.period_start = period_start
        self.period_end = period_end
        self.section_i_sum_insured = Decimal(section_i_sum_insured)
        self.schedule = {k: Decimal(v) for k, v in schedule.items()}
        self.other_policies = other_policies
        self.family_members = list(family_members)
        self.domestic_helpers = list(domestic_helpers)
        self.reservations: dict[str, tuple[Insured, Decimal]] = {}

    @classmethod
    def issue(
        cls,
        *,
        policy_number: str,
        insured: str,
        period_start: date,
        period_end: date,
        section_i_sum_insured: Decimal,
        schedule: dict[str, Decimal],
        other_policies: list[OtherPolicy],
        family_members: list[str],
        domestic_helpers: list[str],
        provenance: Provenance,
    ) -> Policy:
        if period_end <= period_start:
            raise RuleViolation(
                "EC-IV-1",
                f"policy period {period_start} to {period_end} is "
                "empty; the aggregates are per policy period",
            )
        if section_i_sum_insured <= 0:
            raise RuleViolation("EC-I-1", "the Section I sum insured must be above 0")
        return cls._create(
            cls.Issued,
            id=policy_id(policy_number),
            **provenance.fields(),
            policy_number=policy_number,
            insured=insured,
            period_start=period_start,
            period_end=period_end,
            section_i_sum_insured=section_i_sum_insured,
            schedule=dict(schedule),
            other_policies=[
                {
                    "insurer": o.insurer,
                    "policy_number": o.policy_number,
                    "section": o.section,
                    "sum_insured": str(o.sum_insured),
                }
                for o in other_policies
            ],
            family_members=list(family_members),
            domestic_helpers=list(domestic_helpers),
        )

    def covers(self, moment: datetime) -> bool:
        day = moment.astimezone(WIB).date()
        return self.period_start <= day <= self.period_end

    def others(self) -> list[OtherPolicy]:
        return [
            OtherPolicy(o["insurer"], o["policy_number"], o["section"], Decimal(o["sum_insured"]))
            for o in self.other_policies
        ]

    def category_of(self, person: str) -> Insured:
        """EC-IV-1: a family member (the insured counts with the family) or a domestic helper."""
        if person == self.insured or person in self.family_members:
            return Insured.FAMILY
        if person in self.domestic_helpers:
            return Insured.HELPER
        raise RuleViolation(
            "EC-IV-1",
            f"{person!r} is not a family member or domestic helper named on policy "
            f"{self.policy_number}",
            accepted="a person named on the policy",
        )

    def aggregates(self, excluding_claim: str | None = None) -> Aggregates:
        reserved: dict[Insured, Decimal] = {}
        for claim, (category, amount) in self.reservations.items():
            if claim != excluding_claim:
                reserved[category] = reserved.get(category, ZERO) + amount
        return Aggregates(self.section_i_sum_insured, reserved)

    def reserve_section_iv(
        self, *, claim_reference: str, person: str, amount: Decimal, provenance: Provenance
    ) -> None:
        category = self.category_of(person)
        aggregates = self.aggregates(excluding_claim=claim_reference)
        if amount > aggregates.remaining(category):
            raise RuleViolation(
                "EC-IV-1",
                f"{format_idr(amount)} exceeds what remains of the {category} aggregate of "
                f"policy {self.policy_number}: {format_idr(aggregates.remaining(category))}",
            )
        self.trigger_event(
            self.SectionIVReserved,
            **provenance.fields(),
            policy_number=self.policy_number,
            claim_reference=claim_reference,
            person=person,
            category=str(category),
            amount=amount,
            aggregate_limit=aggregates.limit(category),
            reserved_after=aggregates.reserved.get(category, ZERO) + amount,
        )
