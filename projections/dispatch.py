"""Dispatch by event type: a table from published event class to handler, one per read model.

A published event (the envelope) names its type as text. It is resolved once, here, to the
event class its aggregate declares (`Complaint.Received`, `TravelClaim.SectionPaid`), by its
aggregate type and event type; read models register handlers against those classes, so a
misspelt or renamed event fails at import, not silently at run time.

Every read model decides about every event type of the aggregates it reads: it handles it, or
ignores it explicitly. An aggregate it does not read at all is ignored as a whole. The unit tests
walk the aggregates and fail on any event type without a decision.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Generic, Protocol, TypeVar

from eventsourcing.domain import Aggregate

from claims_ledger.domain.areas import CASE_TYPES
from claims_ledger.domain.envelope import PublishedEvent
from claims_ledger.projections.tables import Table

EventClass = type[Aggregate.Event]
AggregateClass = type[Aggregate]
R = TypeVar("R")
H = TypeVar("H")


def event_type_of(event_class: EventClass) -> str:
    """The envelope's `event_type` of an event class: the name in its stable topic."""
    topic: str = vars(event_class)["TOPIC"]
    return topic.rsplit(":", 1)[-1]


def published_event_classes(aggregate: AggregateClass) -> tuple[EventClass, ...]:
    """The events an aggregate publishes: its event classes that none of its other event classes
    extends (its `Event` base, and a `Created` that `Received` extends, are never stored)."""
    declared = [
        value
        for name in dir(aggregate)
        if isinstance(value := getattr(aggregate, name), type)
        and issubclass(value, Aggregate.Event)
    ]
    return tuple(
        cls
        for cls in declared
        if not any(other is not cls and issubclass(other, cls) for other in declared)
    )


AGGREGATE_TYPE: dict[AggregateClass, str] = {t.aggregate: t.aggregate_type for t in CASE_TYPES}
"""Each aggregate class -> the envelope's `aggregate_type` its events are published under."""

AGGREGATE_OF: dict[EventClass, AggregateClass] = {
    cls: aggregate for aggregate in AGGREGATE_TYPE for cls in published_event_classes(aggregate)
}
"""Each published event class -> the aggregate that declares it."""

EVENT_CLASSES: dict[tuple[str, str], EventClass] = {
    (AGGREGATE_TYPE[aggregate], event_type_of(cls)): cls for cls, aggregate in AGGREGATE_OF.items()
}
"""(aggregate type, event type) of an envelope -> the event class it was published from."""


def event_class(aggregate_type: str, event_type: str) -> EventClass | None:
    """The class of a published event; None for a type this code does not know (published by
    a newer ledger, or under another aggregate type)."""
    return EVENT_CLASSES.get((aggregate_type, event_type))


class Decision(enum.StrEnum):
    HANDLED = "handled"
    IGNORED = "ignored"


class Dispatch(Generic[H]):
    """A table from event class to handler, with the event classes a reader ignores."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._handlers: dict[EventClass, H] = {}
        self._ignored: set[EventClass] = set()
        self._ignored_aggregates: set[AggregateClass] = set()

    def on(self, *event_classes: EventClass) -> Callable[[H], H]:
        """Register the decorated handler for each of `event_classes`."""
        for cls in event_classes:
            self._decide(cls)

        def register(handler: H) -> H:
            for cls in event_classes:
                self._decide(cls)
                self._handlers[cls] = handler
            return handler

        return register

    def ignore(self, *event_classes: EventClass) -> None:
        for cls in event_classes:
            self._decide(cls)
            self._ignored.add(cls)

    def ignore_aggregates(self, *aggregates: AggregateClass) -> None:
        """Ignore every event, today's and tomorrow's, of aggregates this reader does not read."""
        for aggregate in aggregates:
            if aggregate not in AGGREGATE_TYPE:
                raise TypeError(f"{self.name}: {aggregate.__name__} publishes no events")
            if any(AGGREGATE_OF.get(cls) is aggregate for cls in self._handlers):
                raise TypeError(f"{self.name}: {aggregate.__name__} is read and ignored")
            self._ignored_aggregates.add(aggregate)

    def _decide(self, cls: EventClass) -> None:
        if cls not in AGGREGATE_OF:
            raise TypeError(f"{self.name}: {cls.__qualname__} is not a published event class")
        if self.decision(cls) is not None:
            raise TypeError(f"{self.name}: {cls.__qualname__} is already {self.decision(cls)}")

    def decision(self, cls: EventClass) -> Decision | None:
        """What this reader does with an event class; None when nothing was decided."""
        if cls in self._handlers:
            return Decision.HANDLED
        if cls in self._ignored or AGGREGATE_OF.get(cls) in self._ignored_aggregates:
            return Decision.IGNORED
        return None

    def handler(self, aggregate_type: str, event_type: str) -> H | None:
        cls = event_class(aggregate_type, event_type)
        return None if cls is None else self._handlers.get(cls)


class Load(Protocol):
    """Reads the current row of a table by its key (None: no such row yet)."""

    def __call__(self, table: Table[R], key: Mapping[str, Any]) -> R | None: ...


Fold = Callable[[PublishedEvent, Load], Iterable[object]]
"""One event's handler in a read model: the rows it changes, given the rows as they are."""


class Projection(Dispatch[Fold]):
    """A read model's fold: per event type, the rows of its `tables` an event changes. Pure:
    it reads current rows through `load` and returns new ones; the store writes them."""

    def __init__(self, name: str, *tables: Table[Any]) -> None:
        super().__init__(name)
        self.tables = tables

    def rows(self, event: PublishedEvent, load: Load) -> list[object]:
        fold = self.handler(event.aggregate_type, event.event_type)
        return [] if fold is None else list(fold(event, load))


class MissingRow(ValueError):
    """An event changes a row that the case's earlier events should have created."""


def existing(
    load: Load, table: Table[R], key: Mapping[str, Any], event: PublishedEvent, after: str
) -> R:
    """The current row at `key`; MissingRow when `event` arrived before `after` created it."""
    current = load(table, key)
    if current is None:
        raise MissingRow(
            f"{event.event_type} v{event.version} for {event.aggregate_type} "
            f"{event.aggregate_id} arrived before its {after} ({table.name} {dict(key)})"
        )
    return current
