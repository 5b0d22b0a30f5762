"""Snapshots of cases: the state of an aggregate at a version, stored by the library's snapshot
store (its own table beside the events) so that reading a long case, or a case as of a version,
replays at most one interval of events after the latest snapshot at or below that version.

A snapshot is not an event: it is derived from the events, is neither sealed nor published,
and can be dropped and taken again at any time. Its state must still come back exactly as it
was: aggregates hold enums (which JSON would flatten to their values), frozen dataclasses
(`DeadlineState`, `SectionState`, `TravelDocuments`...), tuples and sets (which JSON turns into
lists), and dicts keyed by enums or dates. `snapshot_state` wraps each such value in a marker
the JSON transcoder encodes with its type, and the transcodings below decode them back.
"""

from __future__ import annotations

import dataclasses
import enum
from datetime import timedelta
from typing import Any

from eventsourcing.domain import Aggregate, Snapshot
from eventsourcing.persistence import JSONTranscoder, Transcoding
from eventsourcing.utils import get_topic, resolve_topic


class CaseSnapshot(Snapshot):
    """The library's snapshot, with a state the JSON transcoder round-trips exactly."""

    TOPIC = "claims_ledger:CaseSnapshot"

    @classmethod
    def take(cls, aggregate: Any) -> CaseSnapshot:
        taken = Snapshot.take.__func__(cls, aggregate)  # type: ignore[attr-defined]
        return cls(
            originator_id=taken.originator_id,
            originator_version=taken.originator_version,
            timestamp=taken.timestamp,
            topic=taken.topic,
            state={name: snapshot_value(value) for name, value in taken.state.items()},
        )


@dataclasses.dataclass(frozen=True)
class _Tuple:
    items: list[Any]


@dataclasses.dataclass(frozen=True)
class _Set:
    items: list[Any]
    frozen: bool


@dataclasses.dataclass(frozen=True)
class _Pairs:
    """A dict whose keys are not all plain strings (enums, dates): kept as (key, value) pairs."""

    pairs: list[list[Any]]


@dataclasses.dataclass(frozen=True)
class _Enum:
    topic: str
    value: Any


@dataclasses.dataclass(frozen=True)
class _Dataclass:
    topic: str
    fields: dict[str, Any]


def snapshot_value(value: Any) -> Any:
    """`value` with every part JSON would not give back as it was wrapped in a marker."""
    if isinstance(value, enum.Enum):
        return _Enum(get_topic(type(value)), snapshot_value(value.value))
    if isinstance(value, tuple):
        return _Tuple([snapshot_value(v) for v in value])
    if isinstance(value, set | frozenset):
        items = sorted((snapshot_value(v) for v in value), key=repr)
        return _Set(items, frozen=isinstance(value, frozenset))
    if isinstance(value, list):
        return [snapshot_value(v) for v in value]
    if isinstance(value, dict):
        if all(type(k) is str for k in value):
            return {k: snapshot_value(v) for k, v in value.items()}
        return _Pairs([[snapshot_value(k), snapshot_value(v)] for k, v in value.items()])
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _Dataclass(
            get_topic(type(value)),
            {f.name: snapshot_value(getattr(value, f.name)) for f in dataclasses.fields(value)},
        )
    return value


class _TupleAsList(Transcoding):
    type = _Tuple
    name = "snapshot_tuple"

    def encode(self, obj: _Tuple) -> list[Any]:
        return obj.items

    def decode(self, data: list[Any]) -> tuple[Any, ...]:
        return tuple(data)


class _SetAsList(Transcoding):
    type = _Set
    name = "snapshot_set"

    def encode(self, obj: _Set) -> dict[str, Any]:
        return {"items": obj.items, "frozen": obj.frozen}

    def decode(self, data: dict[str, Any]) -> set[Any] | frozenset[Any]:
        return frozenset(data["items"]) if data["frozen"] else set(data["items"])


class _PairsAsList(Transcoding):
    type = _Pairs
    name = "snapshot_pairs"

    def encode(self, obj: _Pairs) -> list[list[Any]]:
        return obj.pairs

    def decode(self, data: list[list[Any]]) -> dict[Any, Any]:
        return {key: value for key, value in data}


class _EnumAsValue(Transcoding):
    type = _Enum
    name = "snapshot_enum"

    def encode(self, obj: _Enum) -> dict[str, Any]:
        return {"topic": obj.topic, "value": obj.value}

    def decode(self, data: dict[str, Any]) -> enum.Enum:
        enum_type: type[enum.Enum] = resolve_topic(data["topic"])
        return enum_type(data["value"])


class _DataclassAsFields(Transcoding):
    type = _Dataclass
    name = "snapshot_dataclass"

    def encode(self, obj: _Dataclass) -> dict[str, Any]:
        return {"topic": obj.topic, "fields": obj.fields}

    def decode(self, data: dict[str, Any]) -> Any:
        # The fields as they were, set directly: no __init__ or __post_init__ is run again.
        cls = resolve_topic(data["topic"])
        instance = object.__new__(cls)
        for name, value in data["fields"].items():
            object.__setattr__(instance, name, value)
        return instance


class TimedeltaAsSeconds(Transcoding):
    """Durations (a breach's length) as exact microseconds."""

    type = timedelta
    name = "timedelta_us"

    def encode(self, obj: timedelta) -> int:
        return (obj.days * 86_400 + obj.seconds) * 1_000_000 + obj.microseconds

    def decode(self, data: int) -> timedelta:
        return timedelta(microseconds=data)


def register_snapshot_transcodings(transcoder: JSONTranscoder) -> None:
    for transcoding in (
        _TupleAsList(),
        _SetAsList(),
        _PairsAsList(),
        _EnumAsValue(),
        _DataclassAsFields(),
        TimedeltaAsSeconds(),
    ):
        transcoder.register(transcoding)


def case_state(aggregate: Aggregate) -> dict[str, Any]:
    """An aggregate's state as plain attributes (what a snapshot keeps), for comparisons."""
    return {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}
