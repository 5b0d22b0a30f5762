"""Seals: each event's `prev_hash` and `hash`, computed by the ledger when it stores the event
and stored with it in the same transaction.

The seal of an event is the `hash` of its published envelope (domain/envelope.py): SHA-256 over
the envelope's canonical JSON, `prev_hash` included, chained per aggregate from GENESIS_HASH.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

from claims_ledger.domain.envelope import GENESIS_HASH, envelope_of

Key = tuple[UUID, int]
"""(aggregate id, version)"""


@dataclass(frozen=True)
class Seal:
    aggregate_id: UUID
    version: int
    prev_hash: str
    hash: str

    @property
    def key(self) -> Key:
        return (self.aggregate_id, self.version)


@runtime_checkable
class SealedStore(Protocol):
    """What the ledger asks of a recorder that stores seals beside the events (infra provides
    it for SQLite and PostgreSQL; an in-memory store seals nothing)."""

    def seal_hashes(self, keys: Iterable[Key]) -> dict[Key, str]:
        """The stored `hash` of each of these events that has a seal."""
        ...


class UnlinkedEvent(LookupError):
    """An event whose predecessor has no seal: its `prev_hash` cannot be known."""

    def __init__(self, aggregate_id: UUID, version: int) -> None:
        self.aggregate_id = aggregate_id
        self.version = version
        super().__init__(
            f"aggregate {aggregate_id} v{version}: version {version - 1} has no seal, so this "
            "event cannot be chained (a store written before seals must be opened for writing "
            "once to backfill them; otherwise the event store was altered)"
        )


def predecessor_keys(events: Iterable[Any]) -> set[Key]:
    """The stored seals a batch of events (in order) chains to: for each aggregate, the version
    before its first event in the batch."""
    first: dict[UUID, int] = {}
    for event in events:
        first.setdefault(event.originator_id, event.originator_version)
    return {(aggregate_id, version - 1) for aggregate_id, version in first.items() if version > 1}


class SealChain:
    """Seals consecutive events, in order: version n chains to the seal of n-1 from the same
    batch, else to its stored seal (`stored_hashes`), and version 1 to GENESIS_HASH."""

    def __init__(
        self, aggregate_type_of: Callable[[Any], str], stored_hashes: Mapping[Key, str]
    ) -> None:
        self._aggregate_type_of = aggregate_type_of
        self._stored = stored_hashes
        self._last: dict[UUID, tuple[int, str]] = {}

    def seal(self, domain_event: Any) -> Seal:
        aggregate_id: UUID = domain_event.originator_id
        version: int = domain_event.originator_version
        envelope = envelope_of(
            domain_event,
            self._aggregate_type_of(domain_event),
            self._prev_hash(aggregate_id, version),
        )
        self._last[aggregate_id] = (version, envelope.hash)
        return Seal(aggregate_id, version, envelope.prev_hash, envelope.hash)

    def _prev_hash(self, aggregate_id: UUID, version: int) -> str:
        if version == 1:
            return GENESIS_HASH
        last = self._last.get(aggregate_id)
        if last is not None and last[0] == version - 1:
            return last[1]
        stored = self._stored.get((aggregate_id, version - 1))
        if stored is None:
            raise UnlinkedEvent(aggregate_id, version)
        return stored
