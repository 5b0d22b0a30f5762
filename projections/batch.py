"""Many events folded into the read models in one transaction.

The fold stays pure (projections/folds.py); a batch only changes where its reads and writes go:
a row is read from the database once and then kept in memory for the rest of the batch, every
row an event changes replaces the one in memory, and at the end each table's changed rows are
written with one `executemany`. Positions are recorded with the batch, after its effect and in
its transaction: per source, the batch's first position and its last. A position already
applied is refused by the library's tracking table, so a batch that overlaps one applied by
another process (two group members reading one partition across a rebalance) fails as a whole
and changes nothing: each batch starts from the position the database holds, so any two batches
covering the same message both record its position.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from eventsourcing.persistence import Tracking

from claims_ledger.domain.envelope import GENESIS_HASH, PublishedEvent
from claims_ledger.projections.event_log import EVENTS
from claims_ledger.projections.folds import TABLE_OF_ROW, fold
from claims_ledger.projections.tables import Table, _to_db

if TYPE_CHECKING:
    from claims_ledger.projections.read_model import ApplyResult, ReadModelMixin

R = TypeVar("R")
_MISSING = object()


class ChainBroken(ValueError):
    """An event does not follow the last applied event of its aggregate."""


def _key(table: Table[Any], values: Mapping[str, Any]) -> tuple[Any, ...]:
    return (table.name, *(_to_db(values[k]) for k in table.key))


class ReadModelBatch:
    """One transaction's worth of events: `apply` and `skip` each, then `flush` (the store's
    `batch()` context does that, and commits)."""

    def __init__(self, store: ReadModelMixin, cursor: Any) -> None:
        self._store = store
        self._c = cursor
        self._rows: dict[tuple[Any, ...], Any] = {}
        self._dirty: dict[tuple[Any, ...], tuple[Table[Any], Any]] = {}
        self._heads: dict[str, tuple[int, str]] = {}
        self._positions: dict[str, tuple[int, int]] = {}
        self._sources: dict[str, tuple[int, int, int, str]] = {}
        self._applied_hashes: dict[tuple[str, int], str] = {}
        self.applied: list[PublishedEvent] = []

    # -- the fold's reads, from memory once read ---------------------------------------------

    def load(self, table: Table[R], key: Mapping[str, Any]) -> R | None:
        cache_key = _key(table, key)
        row = self._rows.get(cache_key, _MISSING)
        if row is _MISSING:
            self._c.execute(
                self._store._sql(table.select_by_key_statement(self._store.prefix)), key
            )
            record = self._c.fetchone()
            row = None if record is None else table.from_db(record)
            self._rows[cache_key] = row
        found: R | None = row
        return found

    def _head(self, aggregate_id: str) -> tuple[int, str]:
        """The version and hash of the last event of an aggregate applied so far."""
        head = self._heads.get(aggregate_id)
        if head is None:
            self._c.execute(
                self._store._sql(
                    f"SELECT version, hash FROM {self._store.prefix}{EVENTS.name} "
                    "WHERE aggregate_id = %(id)s ORDER BY version DESC LIMIT 1"
                ),
                {"id": aggregate_id},
            )
            last = self._c.fetchone()
            head = (last["version"], last["hash"]) if last else (0, GENESIS_HASH)
            self._heads[aggregate_id] = head
        return head

    # -- events ------------------------------------------------------------------------------

    def apply(self, event: PublishedEvent, source: str, position: int) -> ApplyResult:
        """Fold one event; raises ChainBroken (and changes nothing) when it skips a version or
        its prev_hash is not the hash of the version before it."""
        from claims_ledger.projections.read_model import ApplyResult

        aggregate_id = str(event.aggregate_id)
        last_version, last_hash = self._head(aggregate_id)
        if event.version <= last_version:
            applied_hash = last_hash if event.version == last_version else None
            if applied_hash is None:
                applied_hash = self._applied_hash(aggregate_id, event.version)
            if applied_hash is not None and applied_hash != event.hash:
                raise ChainBroken(
                    f"conflicts with the applied {event.aggregate_id} v{event.version}: hash "
                    f"{event.hash[:12]}… where {applied_hash[:12]}… was applied"
                )
            self.skip(source, position)
            return ApplyResult.DUPLICATE
        if event.version != last_version + 1:
            raise ChainBroken(
                f"version gap for {event.aggregate_id}: got v{event.version}, "
                f"expected v{last_version + 1}"
            )
        if event.prev_hash != last_hash:
            raise ChainBroken(
                f"hash chain broken for {event.aggregate_id} v{event.version}: prev_hash "
                f"{event.prev_hash[:12]}… is not the hash of v{last_version}"
            )
        rows = fold(event, self.load)  # pure: nothing changes if it raises
        for row in rows:
            table = TABLE_OF_ROW[type(row)]
            cache_key = _key(table, {k: getattr(row, k) for k in table.key})
            self._rows[cache_key] = row
            self._dirty[cache_key] = (table, row)
        self._heads[aggregate_id] = (event.version, event.hash)
        self._applied_hashes[(aggregate_id, event.version)] = event.hash
        self.skip(source, position)
        self.applied.append(event)
        return ApplyResult.APPLIED

    def _applied_hash(self, aggregate_id: str, version: int) -> str | None:
        in_batch = self._applied_hashes.get((aggregate_id, version))
        if in_batch is not None:
            return in_batch
        self._c.execute(
            self._store._sql(
                f"SELECT hash FROM {self._store.prefix}{EVENTS.name} "
                "WHERE aggregate_id = %(id)s AND version = %(v)s"
            ),
            {"id": aggregate_id, "v": version},
        )
        row = self._c.fetchone()
        return None if row is None else str(row["hash"])

    def skip(self, source: str, position: int) -> None:
        """Record a position without applying anything (a dead-lettered message)."""
        first, _ = self._positions.get(source, (position, position))
        self._positions[source] = (first, position)

    def record_source(
        self, source: str, *, generation: int, epoch: int, next_offset: int, last_digest: str
    ) -> None:
        """What a consumer knows of a Kafka partition, written with the batch: the generation
        of its positions (raised each time it rereads a replaced log from the start), the
        relay epoch it last saw, and the digest of the message just before `next_offset`."""
        self._sources[source] = (generation, epoch, next_offset, last_digest)

    # -- writes --------------------------------------------------------------------------------

    def flush(self) -> None:
        """Write every changed row (one statement per table), then the positions."""
        by_table: dict[str, tuple[Table[Any], list[dict[str, Any]]]] = {}
        for table, row in self._dirty.values():
            by_table.setdefault(table.name, (table, []))[1].append(table.to_db(row))
        for table, params in by_table.values():
            self._c.executemany(
                self._store._sql(table.upsert_statement(self._store.prefix)), params
            )
        self._dirty.clear()
        for source, (first, last) in self._positions.items():
            name = self._store.prefix + source
            self._store._insert_tracking(self._c, Tracking(name, first))
            if last != first:
                self._store._insert_tracking(self._c, Tracking(name, last))
        self._positions.clear()
        if self._sources:
            self._c.executemany(
                self._store._sql(
                    f"INSERT INTO {self._store.prefix}kafka_sources "
                    "(source, generation, epoch, next_offset, last_digest) VALUES "
                    "(%(s)s, %(g)s, %(e)s, %(o)s, %(d)s) ON CONFLICT (source) DO UPDATE SET "
                    "generation = excluded.generation, epoch = excluded.epoch, "
                    "next_offset = excluded.next_offset, last_digest = excluded.last_digest"
                ),
                [
                    {"s": source, "g": g, "e": e, "o": o, "d": d}
                    for source, (g, e, o, d) in self._sources.items()
                ],
            )
            self._sources.clear()
