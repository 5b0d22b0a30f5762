"""The ledger application: handles commands against aggregates and stores their events.

Storage is chosen by the environment the application is built with (SQLite, PostgreSQL,
or in memory); nothing here knows which.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application

from domain.clock import require_aware, require_not_future
from domain.commands import Command, GiveInitialResponse, ReceiveComplaint, ResolveComplaint
from domain.complaint import Complaint, complaint_id
from domain.errors import CaseAlreadyExists, CaseNotFound


@dataclass(frozen=True)
class CommandContext:
    """Where a command came from: the ledger's time when it is recorded, and provenance."""

    recorded_at: datetime
    correlation_id: str
    causation_id: str

    def __post_init__(self) -> None:
        require_aware(self.recorded_at, "recorded_at")


@dataclass
class UnitOfWork:
    """Aggregates changed by a batch of commands, saved together in one transaction or not at
    all: a rejected command leaves nothing of its batch in the store."""

    ledger: Ledger
    aggregates: dict[UUID, Complaint] = field(default_factory=dict)

    def get_complaint(self, reference: str) -> Complaint:
        aggregate_id = complaint_id(reference)
        if aggregate_id not in self.aggregates:
            try:
                self.aggregates[aggregate_id] = self.ledger.repository.get(aggregate_id)
            except AggregateNotFoundError:
                raise CaseNotFound("complaint", reference) from None
        return self.aggregates[aggregate_id]

    def add(self, aggregate: Complaint) -> None:
        if aggregate.id in self.aggregates or self.ledger.has_aggregate(aggregate.id):
            raise CaseAlreadyExists("complaint", aggregate.reference)
        self.aggregates[aggregate.id] = aggregate

    def commit(self) -> None:
        if self.aggregates:
            self.ledger.save(*self.aggregates.values())
        self.aggregates.clear()


class Ledger(Application[UUID]):
    """The claims ledger. Its notification log is the outbox the relay publishes from."""

    name = "ClaimsLedger"

    def has_aggregate(self, aggregate_id: UUID) -> bool:
        return bool(self.recorder.select_events(aggregate_id, desc=True, limit=1))

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self)

    def execute(self, command: Command, context: CommandContext) -> UUID:
        """Handle one command and store its events; returns the aggregate id."""
        uow = self.unit_of_work()
        aggregate_id = self.handle(command, context, uow)
        uow.commit()
        return aggregate_id

    def handle(self, command: Command, context: CommandContext, uow: UnitOfWork) -> UUID:
        """Apply one command to the unit of work's aggregates without storing anything."""
        require_not_future(command.occurred_at, context.recorded_at)
        provenance: dict[str, Any] = {
            "occurred_at": command.occurred_at,
            "recorded_at": context.recorded_at,
            "correlation_id": context.correlation_id,
            "causation_id": context.causation_id,
        }
        if isinstance(command, ReceiveComplaint):
            complaint = Complaint.receive(
                reference=command.complaint,
                channel=command.channel,
                form=command.form,
                explanation=command.explanation,
                product=command.product,
                **provenance,
            )
            uow.add(complaint)
            return complaint.id
        complaint = uow.get_complaint(command.complaint)
        if isinstance(command, GiveInitialResponse):
            complaint.give_initial_response(**provenance)
        elif isinstance(command, ResolveComplaint):
            complaint.resolve(outcome=command.outcome, **provenance)
        return complaint.id

    def complaint(self, reference: str) -> Complaint:
        try:
            aggregate: Complaint = self.repository.get(complaint_id(reference))
        except AggregateNotFoundError:
            raise CaseNotFound("complaint", reference) from None
        return aggregate

    def history(self, aggregate_id: UUID) -> Iterable[Complaint.Event]:
        """Every stored event of one case, in version order (what an auditor replays)."""
        yield from self.events.get(aggregate_id)  # type: ignore[misc]
