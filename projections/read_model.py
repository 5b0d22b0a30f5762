"""The read-model store: projection tables plus the position they were fed to, written in one
transaction (the effect, then the position), on SQLite or PostgreSQL. Which rows an event
changes is the read models' pure fold (projections/folds.py); this module reads the current rows
for it and writes what it returns.

Built on the event sourcing library's tracking recorders, so a position already applied is
refused by the database itself: a message or notification can never be applied twice.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteDatastore, SQLiteRecorder, SQLiteTrackingRecorder
from psycopg.sql import SQL

from claims_ledger.domain.envelope import PublishedEvent
from claims_ledger.projections.assistance_cases import ASSISTANCE_CASES, AssistanceCaseRow
from claims_ledger.projections.batch import ChainBroken, ReadModelBatch
from claims_ledger.projections.claims import (
    CALCULATIONS,
    DOCUMENTS,
    POLICY_AGGREGATES,
    SECTIONS,
    CalculationRow,
    ClaimDocumentRow,
    ClaimSectionRow,
    PolicyAggregateRow,
)
from claims_ledger.projections.complaint_status import STATUS, ComplaintStatus
from claims_ledger.projections.deadlines import DEADLINES, DeadlineRow
from claims_ledger.projections.event_log import EVENTS, EventRow
from claims_ledger.projections.folds import TABLES
from claims_ledger.projections.sqlite_write import immediate_transaction
from claims_ledger.projections.tables import Table
from claims_ledger.projections.travel_claims import TRAVEL_CLAIMS, TravelClaimRow

R = TypeVar("R")


__all__ = [
    "ApplyResult",
    "ChainBroken",
    "PostgresReadModel",
    "ReadModelMixin",
    "SQLiteReadModel",
    "SourceState",
]


class ApplyResult(enum.StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    """Same aggregate id and version as an event already applied: skipped, position kept."""


def _table_statements(prefix: str) -> list[str]:
    return [
        *(table.create_statement(prefix) for table in TABLES),
        # Not a read model: what the consumers know of each Kafka partition they read.
        f"CREATE TABLE IF NOT EXISTS {prefix}kafka_sources (source TEXT PRIMARY KEY, "
        "generation INTEGER NOT NULL, epoch INTEGER NOT NULL, next_offset BIGINT NOT NULL, "
        "last_digest TEXT NOT NULL)",
    ]


@dataclass(frozen=True)
class SourceState:
    """A consumer's record of one Kafka partition (see ReadModelBatch.record_source)."""

    generation: int = 0
    epoch: int = 0
    next_offset: int = 0
    last_digest: str = ""

    def tracking_name(self, source: str) -> str:
        """Positions of generation 0 keep the name they had before generations existed."""
        return source if self.generation == 0 else f"{source}#g{self.generation}"


class ReadModelMixin:
    """Dialect-neutral store of the read models. SQL is written with `%(name)s` parameters and
    translated by the dialect once per statement text."""

    prefix: str
    datastore: Any

    if TYPE_CHECKING:  # provided by the dialect class and the library's tracking recorder

        def _sql(self, text: str) -> Any: ...

        def _insert_tracking(self, c: Any, tracking: Tracking) -> None: ...

        def _max_tracking_id(self, application_name: str, c: Any) -> int | None: ...

    @contextmanager
    def _transaction(self) -> Iterator[Any]:
        with self.datastore.transaction(commit=True) as c:
            yield c

    def source_state(self, source: str) -> SourceState:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                self._sql(
                    f"SELECT generation, epoch, next_offset, last_digest FROM "
                    f"{self.prefix}kafka_sources WHERE source = %(s)s"
                ),
                {"s": source},
            )
            row = c.fetchone()
        if row is None:
            return SourceState()
        return SourceState(
            int(row["generation"]), int(row["epoch"]), int(row["next_offset"]), row["last_digest"]
        )

    def position(self, source: str) -> int | None:
        """The last position applied from a source (a Kafka partition, the event store)."""
        with self.datastore.transaction(commit=False) as c:
            return self._max_tracking_id(self.prefix + source, c)

    @contextmanager
    def batch(self) -> Iterator[ReadModelBatch]:
        """Fold many events in one transaction: yields a batch to `apply` and `skip` them on;
        its rows and positions are written, and committed, when the block ends (nothing of it
        when the block raises, or when one of its positions was already applied: the
        library's IntegrityError)."""
        with self._transaction() as c:
            batch = ReadModelBatch(self, c)
            yield batch
            batch.flush()

    def apply(self, event: PublishedEvent, source: str, position: int) -> ApplyResult:
        """Fold one event into every table and record `position` for `source`, atomically.

        Raises ChainBroken (and stores nothing) when the event skips a version or its
        prev_hash is not the hash of the version before it.
        """
        with self.batch() as batch:
            return batch.apply(event, source, position)

    def skip(self, source: str, position: int) -> None:
        """Record a position without applying anything (a dead-lettered message)."""
        with self.batch() as batch:
            batch.skip(source, position)

    # -- SQL helpers -----------------------------------------------------------------------

    def _select_all(
        self,
        table: Table[R],
        where: str = "",
        params: dict[str, Any] | None = None,
        order: str = "",
    ) -> list[R]:
        with self.datastore.transaction(commit=False) as c:
            sql = f"SELECT * FROM {self.prefix}{table.name}"
            if where:
                sql += f" WHERE {where}"
            if order:
                sql += f" ORDER BY {order}"
            c.execute(self._sql(sql), params or {})
            return [table.from_db(record) for record in c.fetchall()]

    # -- readers ---------------------------------------------------------------------------

    def complaint_statuses(self) -> list[ComplaintStatus]:
        return self._select_all(STATUS, order="reference")

    def complaint_status(self, reference: str) -> ComplaintStatus | None:
        rows = self._select_all(STATUS, "reference = %(r)s", {"r": reference})
        return rows[0] if rows else None

    def deadlines(self, case_id: str | None = None) -> list[DeadlineRow]:
        if case_id is None:
            return self._select_all(DEADLINES, order="due, case_id, key")
        return self._select_all(DEADLINES, "case_id = %(id)s", {"id": case_id}, order="due, key")

    def events(self, aggregate_id: str | None = None) -> list[EventRow]:
        if aggregate_id is None:
            return self._select_all(EVENTS, order="occurred_at, aggregate_id, version")
        return self._select_all(
            EVENTS, "aggregate_id = %(id)s", {"id": aggregate_id}, order="version"
        )

    def claim_sections(self) -> list[ClaimSectionRow]:
        return self._select_all(SECTIONS, order="reference, section")

    def claim_documents(self, claim_id: str) -> list[ClaimDocumentRow]:
        return self._select_all(
            DOCUMENTS, "claim_id = %(id)s", {"id": claim_id}, order="requested_at, document"
        )

    def calculations(self, claim_id: str | None = None) -> list[CalculationRow]:
        if claim_id is None:
            return self._select_all(CALCULATIONS, order="claim_id, section, number")
        return self._select_all(
            CALCULATIONS, "claim_id = %(id)s", {"id": claim_id}, order="section, number"
        )

    def policy_aggregates(self) -> list[PolicyAggregateRow]:
        return self._select_all(POLICY_AGGREGATES, order="policy_number, category")

    def travel_claims(self) -> list[TravelClaimRow]:
        return self._select_all(TRAVEL_CLAIMS, order="reference")

    def assistance_cases(self) -> list[AssistanceCaseRow]:
        return self._select_all(ASSISTANCE_CASES, order="reference")

    def snapshot(self) -> dict[str, list[Any]]:
        """Every table, every row, in key order: what two read models are compared by."""
        return {table.name: self._select_all(table, order=", ".join(table.key)) for table in TABLES}

    def reset(self) -> None:
        """Empty every table of this prefix and forget its positions: a fresh read model."""
        tracking = getattr(self, "tracking_table_name", "tracking")  # SQLite: "tracking"
        with self._transaction() as c:
            for table in TABLES:
                c.execute(self._sql(f"DELETE FROM {self.prefix}{table.name}"))
            c.execute(
                self._sql(f"DELETE FROM {tracking} WHERE application_name LIKE %(prefix)s"),
                {"prefix": self.prefix + "%"},
            )
            c.execute(self._sql(f"DELETE FROM {self.prefix}kafka_sources"))

    def replace(self, other: ReadModelMixin) -> None:
        """Put this read model's rows in place of `other`'s, every table in one transaction
        (readers see the old tables or the new ones, never a mix); this prefix's tables are
        left empty. Positions are kept by `other` (consumers go on from where they were and
        skip what the new rows already hold, by aggregate id and version)."""
        with self._transaction() as c:
            for table in TABLES:
                columns = ", ".join(table.columns)
                c.execute(self._sql(f"DELETE FROM {other.prefix}{table.name}"))
                c.execute(
                    self._sql(
                        f"INSERT INTO {other.prefix}{table.name} ({columns}) "
                        f"SELECT {columns} FROM {self.prefix}{table.name}"
                    )
                )
                c.execute(self._sql(f"DELETE FROM {self.prefix}{table.name}"))

    def event_hashes(self) -> dict[tuple[str, int], str]:
        """(aggregate id, version) -> hash of every event this read model has applied."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                self._sql(f"SELECT aggregate_id, version, hash FROM {self.prefix}{EVENTS.name}")
            )
            return {(r["aggregate_id"], r["version"]): r["hash"] for r in c.fetchall()}

    def is_empty(self) -> bool:
        """Whether no event has been applied yet (one row looked at, however large)."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(self._sql(f"SELECT 1 AS one FROM {self.prefix}{EVENTS.name} LIMIT 1"))
            return c.fetchone() is None

    def event_count(self) -> int:
        with self.datastore.transaction(commit=False) as c:
            c.execute(self._sql(f"SELECT COUNT(*) AS n FROM {self.prefix}{EVENTS.name}"))
            return int(c.fetchone()["n"])


_NAMED = re.compile(r"%\((\w+)\)s")


@functools.lru_cache(maxsize=1024)
def _sqlite_statement(text: str) -> str:
    """`%(name)s` -> `:name`, once per statement text."""
    return _NAMED.sub(r":\1", text)


@functools.lru_cache(maxsize=1024)
def _postgres_statement(text: str) -> SQL:
    return SQL(text)


class _CreatedUnderTheWriteLock(SQLiteRecorder):
    """The library's `create_table`, in a transaction that takes the write lock first.

    `CREATE TABLE IF NOT EXISTS` reads the schema before it writes: opening the read model (the
    web application, a second consumer, a rebuild) while a consumer committed to the file
    failed at once with "database is locked" in the library's plain BEGIN. Placed after the
    tracking recorder in the method order, so its migration bookkeeping still runs first."""

    def create_table(self) -> None:
        with immediate_transaction(self.datastore) as c:
            self._create_table(c)


class SQLiteReadModel(ReadModelMixin, SQLiteTrackingRecorder, _CreatedUnderTheWriteLock):
    def __init__(self, datastore: SQLiteDatastore, prefix: str = "rm_", **kwargs: Any) -> None:
        self.prefix = prefix
        super().__init__(datastore, **kwargs)

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *_table_statements(self.prefix)]

    def _sql(self, text: str) -> str:
        return _sqlite_statement(text)

    @contextmanager
    def _transaction(self) -> Iterator[Any]:
        # A batch reads (the rows its folds start from) before it writes: another process
        # writing this file in between (a rebuild, the web application's indexes) would
        # otherwise fail it at once with "database is locked" instead of waiting for the lock.
        with immediate_transaction(self.datastore) as c:
            yield c


class PostgresReadModel(ReadModelMixin, PostgresTrackingRecorder):
    def __init__(self, datastore: PostgresDatastore, prefix: str = "rm_", **kwargs: Any) -> None:
        self.prefix = prefix
        super().__init__(datastore, **kwargs)
        for statement in _table_statements(prefix):
            self.sql_create_statements.append(SQL(statement))  # type: ignore[arg-type]

    def _sql(self, text: str) -> SQL:
        return _postgres_statement(text)
