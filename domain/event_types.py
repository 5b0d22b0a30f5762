"""Every published event type: its name as the envelope carries it (`event_type`), the aggregate
type it is published under (and so its Kafka topic), the event class that records it, and the
pydantic model of its payload.

Each area declares its payload models beside its aggregates (`domain/<area>/payloads.py`); the
shared deadline and calculation payloads live in the kernel (domain/payloads.py). This module
composes them, as domain/areas.py composes the areas' handlers.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from claims_ledger.domain.areas import CASE_TYPES
from claims_ledger.domain.complaints import payloads as complaints
from claims_ledger.domain.estatecare import payloads as estatecare
from claims_ledger.domain.payloads import EventPayload
from claims_ledger.domain.travel import payloads as travel

AREA_PAYLOADS = (complaints.PAYLOADS, estatecare.PAYLOADS, travel.PAYLOADS)


def event_type_name(event_class: type[Any]) -> str:
    """The `event_type` an event class is published as: the name in its stable topic."""
    topic: str = event_class.TOPIC
    return topic.rsplit(":", 1)[-1]


@dataclass(frozen=True)
class EventType:
    """One published event type."""

    name: str
    aggregate_type: str
    case_type: str
    event_class: type[Any]
    payload: type[EventPayload]

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return self.payload.rule_ids

    @property
    def carries_rule_set(self) -> bool:
        """Whether the event records the rule set that applied (the envelope's `rule_set` is
        then always set; otherwise always null)."""
        return "rule_set" in {f.name for f in dataclasses.fields(self.event_class)}

    @property
    def summary(self) -> str:
        """What the event records: its payload model's description."""
        return " ".join((self.payload.__doc__ or "").split())


class PayloadMismatch(ValueError):
    """A payload that does not fit the model of its event type, or an event type the ledger
    does not publish. The message names what is wrong."""


class EventRegistry:
    """The published event types by name; validates a payload against its event type's model."""

    def __init__(self, event_types: Iterable[EventType]) -> None:
        self._by_name: dict[str, EventType] = {}
        self._by_class: dict[type[Any], EventType] = {}
        for event_type in event_types:
            if event_type.name in self._by_name:
                raise TypeError(f"event type {event_type.name} is declared twice")
            self._by_name[event_type.name] = event_type
            self._by_class[event_type.event_class] = event_type

    def __iter__(self) -> Iterator[EventType]:
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def get(self, name: str) -> EventType:
        """The event type published as `name`; refused when the ledger publishes none."""
        event_type = self._by_name.get(name)
        if event_type is None:
            raise PayloadMismatch(
                f"unknown event type {name!r}: the ledger publishes no such event "
                "(see docs/events.md)"
            )
        return event_type

    def of_class(self, event_class: type[Any]) -> EventType | None:
        return self._by_class.get(event_class)

    def validate(
        self, event_type: str, payload: Mapping[str, Any], aggregate_type: str | None = None
    ) -> EventPayload:
        """The payload as its event type's model, validated as JSON in strict mode (what the
        JSON Schema accepts); `aggregate_type`, when given, must be the one the event type is
        published under."""
        declared = self.get(event_type)
        if aggregate_type is not None and aggregate_type != declared.aggregate_type:
            raise PayloadMismatch(
                f"{event_type} is published under aggregate type "
                f"{declared.aggregate_type!r}, not {aggregate_type!r}"
            )
        try:
            document = json.dumps(dict(payload), allow_nan=False)
        except (TypeError, ValueError) as error:
            raise PayloadMismatch(f"the payload of {event_type} is not JSON: {error}") from None
        try:
            return declared.payload.model_validate_json(document)
        except ValidationError as error:
            problems = [
                f"{'.'.join(str(p) for p in e['loc']) or '(payload)'}: {e['msg']}"
                for e in error.errors()
            ]
            more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
            raise PayloadMismatch(
                f"the payload does not fit {event_type}: {'; '.join(problems[:5])}{more}"
            ) from None


def _event_types() -> Iterator[EventType]:
    case_types = {case_type.aggregate: case_type for case_type in CASE_TYPES}
    for area in AREA_PAYLOADS:
        for aggregate, payloads in area.items():
            case_type = case_types.get(aggregate)
            if case_type is None:  # pragma: no cover - a programming error, caught at import
                raise TypeError(f"payloads declared for {aggregate.__name__}, not a case type")
            for event_class, payload in payloads.items():
                yield EventType(
                    event_type_name(event_class),
                    case_type.aggregate_type,
                    case_type.name,
                    event_class,
                    payload,
                )


EVENT_TYPES = EventRegistry(_event_types())
"""Every event type the ledger publishes."""
