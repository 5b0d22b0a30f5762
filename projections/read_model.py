"""The read-model store: projection tables plus the position they were fed to, written in one
transaction (the effect, then the position), on SQLite or PostgreSQL.

Built on the event sourcing library's tracking recorders, so a position already applied is
refused by the database itself: a message or notification can never be applied twice.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder
from psycopg.sql import SQL

from domain.envelope import GENESIS_HASH, PublishedEvent
from projections.complaint_status import ComplaintStatus, fold


class ApplyResult(enum.StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    """Same aggregate id and version as an event already applied: skipped, position kept."""


class ChainBroken(ValueError):
    """An event does not follow the last applied event of its aggregate."""


_COMPLAINT_COLUMNS = (
    "complaint_id",
    "reference",
    "state",
    "channel",
    "form",
    "rule_set",
    "received_at",
    "outcome",
    "last_event_type",
    "last_event_at",
    "version",
)


def _table_statements(p: str) -> list[str]:
    return [
        f"CREATE TABLE IF NOT EXISTS {p}ledger_events ("
        "aggregate_id TEXT NOT NULL, version INTEGER NOT NULL, aggregate_type TEXT NOT NULL, "
        "event_type TEXT NOT NULL, occurred_at TEXT NOT NULL, recorded_at TEXT NOT NULL, "
        "rule_set TEXT, correlation_id TEXT NOT NULL, prev_hash TEXT NOT NULL, "
        "hash TEXT NOT NULL, PRIMARY KEY (aggregate_id, version))",
        f"CREATE TABLE IF NOT EXISTS {p}complaint_status ("
        "complaint_id TEXT PRIMARY KEY, reference TEXT NOT NULL, state TEXT NOT NULL, "
        "channel TEXT NOT NULL, form TEXT NOT NULL, rule_set TEXT NOT NULL, "
        "received_at TEXT NOT NULL, outcome TEXT, last_event_type TEXT NOT NULL, "
        "last_event_at TEXT NOT NULL, version INTEGER NOT NULL)",
    ]


class ReadModelMixin:
    """Dialect-neutral projection logic. SQL is written with `%(name)s` parameters."""

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

    def position(self, source: str) -> int | None:
        """The last position applied from a source (a Kafka partition, the event store)."""
        with self.datastore.transaction(commit=False) as c:
            return self._max_tracking_id(self.prefix + source, c)

    def apply(self, event: PublishedEvent, source: str, position: int) -> ApplyResult:
        """Fold one event into every table and record `position` for `source`, atomically.

        Raises ChainBroken (and stores nothing) when the event skips a version or its
        prev_hash is not the hash of the version before it.
        """
        with self._transaction() as c:
            self._insert_tracking(c, Tracking(self.prefix + source, position))
            c.execute(
                self._sql(
                    f"SELECT version, hash FROM {self.prefix}ledger_events "
                    "WHERE aggregate_id = %(id)s ORDER BY version DESC LIMIT 1"
                ),
                {"id": str(event.aggregate_id)},
            )
            last = c.fetchone()
            last_version, last_hash = (last["version"], last["hash"]) if last else (0, GENESIS_HASH)
            if event.version <= last_version:
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
            self._insert_event(c, event)
            self._fold_complaint(c, event)
            return ApplyResult.APPLIED

    def skip(self, source: str, position: int) -> None:
        """Record a position without applying anything (a dead-lettered message)."""
        with self._transaction() as c:
            self._insert_tracking(c, Tracking(self.prefix + source, position))

    def _insert_event(self, c: Any, event: PublishedEvent) -> None:
        c.execute(
            self._sql(
                f"INSERT INTO {self.prefix}ledger_events VALUES (%(aggregate_id)s, %(version)s, "
                "%(aggregate_type)s, %(event_type)s, %(occurred_at)s, %(recorded_at)s, "
                "%(rule_set)s, %(correlation_id)s, %(prev_hash)s, %(hash)s)"
            ),
            {
                "aggregate_id": str(event.aggregate_id),
                "version": event.version,
                "aggregate_type": event.aggregate_type,
                "event_type": event.event_type,
                "occurred_at": event.occurred_at.isoformat(),
                "recorded_at": event.recorded_at.isoformat(),
                "rule_set": event.rule_set,
                "correlation_id": event.correlation_id,
                "prev_hash": event.prev_hash,
                "hash": event.hash,
            },
        )

    def _fold_complaint(self, c: Any, event: PublishedEvent) -> None:
        if event.aggregate_type != "complaint":
            return
        current = self._complaint(c, str(event.aggregate_id))
        updated = fold(current, event)
        if updated is None:
            return
        row = {
            k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in asdict(updated).items()
        }
        columns = ", ".join(_COMPLAINT_COLUMNS)
        values = ", ".join(f"%({k})s" for k in _COMPLAINT_COLUMNS)
        updates = ", ".join(f"{k} = excluded.{k}" for k in _COMPLAINT_COLUMNS[1:])
        c.execute(
            self._sql(
                f"INSERT INTO {self.prefix}complaint_status ({columns}) VALUES ({values}) "
                f"ON CONFLICT (complaint_id) DO UPDATE SET {updates}"
            ),
            row,
        )

    def _complaint(self, c: Any, complaint_id: str) -> ComplaintStatus | None:
        c.execute(
            self._sql(f"SELECT * FROM {self.prefix}complaint_status WHERE complaint_id = %(id)s"),
            {"id": complaint_id},
        )
        row = c.fetchone()
        return _complaint_from_row(row) if row else None

    def complaint_statuses(self) -> list[ComplaintStatus]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(self._sql(f"SELECT * FROM {self.prefix}complaint_status ORDER BY reference"))
            return [_complaint_from_row(row) for row in c.fetchall()]

    def event_hashes(self) -> dict[tuple[str, int], str]:
        """(aggregate id, version) -> hash of every event this read model has applied."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                self._sql(f"SELECT aggregate_id, version, hash FROM {self.prefix}ledger_events")
            )
            return {(r["aggregate_id"], r["version"]): r["hash"] for r in c.fetchall()}

    def event_count(self) -> int:
        with self.datastore.transaction(commit=False) as c:
            c.execute(self._sql(f"SELECT COUNT(*) AS n FROM {self.prefix}ledger_events"))
            return int(c.fetchone()["n"])


def _complaint_from_row(row: Any) -> ComplaintStatus:
    values = {k: row[k] for k in _COMPLAINT_COLUMNS}
    for key in ("received_at", "last_event_at"):
        values[key] = datetime.fromisoformat(values[key])
    return ComplaintStatus(**values)


_NAMED = re.compile(r"%\((\w+)\)s")


class SQLiteReadModel(ReadModelMixin, SQLiteTrackingRecorder):
    def __init__(self, datastore: SQLiteDatastore, prefix: str = "rm_", **kwargs: Any) -> None:
        self.prefix = prefix
        super().__init__(datastore, **kwargs)

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *_table_statements(self.prefix)]

    def _sql(self, text: str) -> str:
        return _NAMED.sub(r":\1", text)


class PostgresReadModel(ReadModelMixin, PostgresTrackingRecorder):
    def __init__(self, datastore: PostgresDatastore, prefix: str = "rm_", **kwargs: Any) -> None:
        self.prefix = prefix
        super().__init__(datastore, **kwargs)
        for statement in _table_statements(prefix):
            self.sql_create_statements.append(SQL(statement))  # type: ignore[arg-type]

    def _sql(self, text: str) -> SQL:
        return SQL(text)


def is_position_already_applied(error: Exception) -> bool:
    """The tracking table refused a position it already holds."""
    return isinstance(error, IntegrityError)
