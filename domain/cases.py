"""Cases, their types, and the unit of work that command handlers change them through.

A case reference (`CMP-2026-0001`, `EC-2026-0481`, `TR-2026-0302`, `2026-Q1`…) resolves to
its case type once, here: each area declares its case types (the aggregate class and how a
reference becomes an aggregate id), and a command addressed to a case of another type is
refused with a `WrongCaseType` naming the reference, the case's type and the command.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from claims_ledger.domain.calendar import WorkingDayCalendar
from claims_ledger.domain.commands import CommandModel
from claims_ledger.domain.deadlines import Provenance
from claims_ledger.domain.errors import CaseAlreadyExists, CaseNotFound, LedgerError

if TYPE_CHECKING:
    from eventsourcing.application import Repository

A = TypeVar("A", bound=Aggregate)


@dataclass(frozen=True)
class CaseType:
    """One type of case: its name as users read it, its aggregate class, and its id function."""

    name: str
    aggregate: type[Aggregate]
    id_of: Callable[[str], UUID]
    aggregate_type: str  # the envelope's aggregate_type (the Kafka topic it is published on)
    opening_topic: str  # the stable topic of the event that opens a case of this type

    def holds(self, aggregate: Aggregate) -> bool:
        return isinstance(aggregate, self.aggregate)


class WrongCaseType(LedgerError):
    """A command was sent to a case of another type (a survey to a travel claim, say)."""

    def __init__(
        self, reference: str, actual: str, command: str, expected: str, *, opens: bool = False
    ) -> None:
        self.reference = reference
        self.actual = actual
        self.command = command
        self.expected = expected
        if opens:
            advice = f"{command} opens a new {expected} under a reference not yet taken"
        else:
            advice = f"{command} applies to a {expected}; send it to a case of that type"
        super().__init__(f"{reference!r} is a {actual}, not a {expected}: {advice}")


class Store(Protocol):
    """What a unit of work needs of the ledger: its repository and an existence check."""

    @property
    def repository(self) -> Repository[UUID]: ...

    def has_aggregate(self, aggregate_id: UUID) -> bool: ...

    def existing_aggregates(self, aggregate_ids: Sequence[UUID]) -> set[UUID]: ...

    def save(self, *objs: Any) -> Any: ...


@dataclass
class CaseIndex:
    """Every case type the ledger knows, in the order references are tried."""

    case_types: Sequence[CaseType]

    def by_aggregate(self, aggregate: Aggregate) -> CaseType:
        for case_type in self.case_types:
            if case_type.holds(aggregate):
                return case_type
        raise TypeError(f"no case type holds {type(aggregate).__name__}")

    def candidates(self, reference: str) -> list[tuple[CaseType, UUID]]:
        """The aggregate ids a reference would have under each case type (distinct ids)."""
        seen: set[UUID] = set()
        found: list[tuple[CaseType, UUID]] = []
        for case_type in self.case_types:
            aggregate_id = case_type.id_of(reference)
            if aggregate_id not in seen:
                seen.add(aggregate_id)
                found.append((case_type, aggregate_id))
        return found


@dataclass
class UnitOfWork:
    """Aggregates changed by a batch of commands, saved together in one transaction or not at
    all: a rejected command leaves nothing of its batch in the store."""

    store: Store
    index: CaseIndex
    aggregates: dict[UUID, Aggregate] = field(default_factory=dict)
    touched: set[UUID] = field(default_factory=set)
    """Cases handed out or added since `take_touched` was last called (the deadline watch
    looks at these after each scenario line)."""
    absent: set[UUID] = field(default_factory=set)
    """Ids the store had no case for when asked. They stay absent for this unit of work: a
    case another writer opens meanwhile makes the commit fail on its version, and the work is
    done again on fresh state."""

    def load(self, aggregate_id: UUID) -> Aggregate | None:
        if aggregate_id not in self.aggregates:
            if aggregate_id in self.absent or not self.store.has_aggregate(aggregate_id):
                self.absent.add(aggregate_id)
                return None
            self.aggregates[aggregate_id] = self.store.repository.get(aggregate_id)
        self.touched.add(aggregate_id)
        return self.aggregates[aggregate_id]

    def take_touched(self) -> list[Aggregate]:
        cases = [self.aggregates[i] for i in self.touched if i in self.aggregates]
        self.touched.clear()
        return cases

    def get(self, case_type: CaseType, reference: str, command: str, cls: type[A]) -> A:
        """The case `reference` of `case_type`, for `command`; refused when the reference
        names no case, or a case of another type."""
        aggregate = self.load(case_type.id_of(reference))
        if aggregate is None:
            other = self.find(reference)
            if other is not None:
                actual = self.index.by_aggregate(other).name
                raise WrongCaseType(reference, actual, command, case_type.name)
            raise CaseNotFound(case_type.name, reference)
        if not isinstance(aggregate, cls):
            actual = self.index.by_aggregate(aggregate).name
            raise WrongCaseType(reference, actual, command, case_type.name)
        return aggregate

    def find(self, reference: str) -> Aggregate | None:
        """The case a reference names, whatever its type."""
        candidates = self.index.candidates(reference)
        unknown = [i for _, i in candidates if i not in self.aggregates and i not in self.absent]
        if unknown:
            self.absent.update(set(unknown) - self.store.existing_aggregates(unknown))
        for _, aggregate_id in candidates:
            aggregate = self.load(aggregate_id)
            if aggregate is not None:
                return aggregate
        return None

    def add(self, case_type: CaseType, reference: str, aggregate: Aggregate, command: str) -> None:
        """A new case; refused when its reference is already taken by a case of any type."""
        other = self.find(reference)
        if other is not None:
            actual = self.index.by_aggregate(other)
            if actual is case_type:
                raise CaseAlreadyExists(case_type.name, reference)
            raise WrongCaseType(reference, actual.name, command, case_type.name, opens=True)
        self.aggregates[aggregate.id] = aggregate
        self.touched.add(aggregate.id)

    def commit(self) -> None:
        """Save every changed case in one transaction (or none of them)."""
        if self.aggregates:
            self.store.save(*self.aggregates.values())
        self.aggregates.clear()
        self.touched.clear()
        self.absent.clear()


@dataclass(frozen=True)
class HandlerContext:
    """What a handler is given besides its command: where to find and put cases, the
    provenance of the events it causes (C-TIME-2), and the working-day calendar (C-WD-1)."""

    uow: UnitOfWork
    provenance: Provenance
    calendar: WorkingDayCalendar


Handler = Callable[[Any, HandlerContext], UUID]
Handlers = Mapping[type[CommandModel], Handler]
