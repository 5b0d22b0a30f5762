"""The index of open deadlines, beside the events in the same database (domain/deadline_index.py).

One row per open deadline (aggregate id, deadline key, due time in microseconds since the epoch),
changed by the application recorder in the same transaction as the deadline events it derives
from (`deadlines=[...]`, passed down by `Ledger._record` beside the seals). The SQLite and
PostgreSQL sealing recorders (infra/seal_store.py) inherit these mixins.

Stores written before the index existed are indexed once, when a ledger is opened for writing
(`backfill_deadline_index`): the events stored before the index table was created, in
notification order, in batches, each batch with its progress in one transaction, under the
database's write lock (SQLite) or an advisory lock (PostgreSQL). Until that is done the deadline
process reads the store whole, as it did before the index.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any
from uuid import UUID

import structlog
from eventsourcing.persistence import Notification
from eventsourcing.sqlite import SQLiteCursor, SQLiteDatastore
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier

from claims_ledger.domain.deadline_index import (
    IndexChange,
    OpenDeadline,
    due_key,
    index_changes,
)
from claims_ledger.domain.ledger import Ledger

if TYPE_CHECKING:
    from eventsourcing.postgres import PostgresDatastore

log = structlog.get_logger(__name__)

BACKFILL_BATCH = 1000

IndexBatch = Callable[[Sequence[Notification]], list[IndexChange]]
"""What storing a batch of notifications changed in the index, in order."""


def backfill_deadline_index(ledger: Ledger, batch_size: int = BACKFILL_BATCH) -> int:
    """Index the open deadlines of events stored before the index existed; idempotent, and safe
    when several processes open the same store at once. Returns how many events were read."""
    recorder = ledger.recorder
    if not isinstance(recorder, SQLiteDeadlineIndex | PostgresDeadlineIndex):
        return 0

    def index_batch(notifications: Sequence[Notification]) -> list[IndexChange]:
        # Only the deadline events change the index (every one of their topics names it).
        return index_changes(
            ledger.mapper.to_domain_event(n) for n in notifications if "Deadline" in n.topic
        )

    count = recorder.backfill_deadline_index(index_batch, batch_size)
    if count:
        log.info("deadline_index.backfilled", events=count)
    return count


def _final(changes: Sequence[IndexChange]) -> tuple[list[tuple[str, str, int]], list[Any]]:
    """The net effect of changes applied in order: rows to upsert, and keys to delete."""
    last: dict[tuple[UUID, str], int | None] = {}
    for change in changes:
        last[(change.aggregate_id, change.key)] = change.due_us
    upserts = [(a, k, due) for (a, k), due in last.items() if due is not None]
    deletes = [(a, k) for (a, k), due in last.items() if due is None]
    return upserts, deletes  # type: ignore[return-value]


def _table_names(events_table_name: str) -> tuple[str, str]:
    base = events_table_name.removesuffix("events")
    return base + "open_deadlines", base + "deadline_backfill"


# -- SQLite ------------------------------------------------------------------------------------


class SQLiteDeadlineIndex:
    events_table_name: str
    datastore: SQLiteDatastore

    if TYPE_CHECKING:

        def _immediate_transaction(self) -> AbstractContextManager[SQLiteCursor]: ...

        def convert_originator_id(self, originator_id: Any) -> Any: ...

    def deadline_create_statements(self) -> list[str]:
        index, backfill = _table_names(self.events_table_name)
        return [
            f"CREATE TABLE IF NOT EXISTS {index} ("
            "aggregate_id TEXT NOT NULL, "
            "rule_key TEXT NOT NULL, "
            "due_us INTEGER NOT NULL, "
            "PRIMARY KEY (aggregate_id, rule_key))",
            f"CREATE INDEX IF NOT EXISTS {index}_due ON {index} (due_us)",
            f"CREATE TABLE IF NOT EXISTS {backfill} ("
            "id INTEGER PRIMARY KEY CHECK (id = 1), "
            "until_notification_id INTEGER NOT NULL, "
            "indexed_through INTEGER NOT NULL)",
            # Created with the index: what was stored before it is what a backfill indexes.
            f"INSERT OR IGNORE INTO {backfill} VALUES "
            f"(1, (SELECT COALESCE(MAX(rowid), 0) FROM {self.events_table_name}), 0)",
        ]

    def write_deadline_changes(self, c: SQLiteCursor, kwargs: Mapping[str, Any]) -> None:
        upserts, deletes = _final(kwargs.get("deadlines") or [])
        index, _ = _table_names(self.events_table_name)
        if deletes:
            c.executemany(
                f"DELETE FROM {index} WHERE aggregate_id = ? AND rule_key = ?",
                [(UUID(str(a)).hex, k) for a, k in deletes],
            )
        if upserts:
            c.executemany(
                f"INSERT OR REPLACE INTO {index} (aggregate_id, rule_key, due_us) VALUES (?, ?, ?)",
                [(UUID(str(a)).hex, k, due) for a, k, due in upserts],
            )

    def deadline_index_ready(self) -> bool:
        _, backfill = _table_names(self.events_table_name)
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (backfill,))
            if c.fetchone() is None:
                return False
            c.execute(f"SELECT until_notification_id, indexed_through FROM {backfill}")
            row = c.fetchone()
            return row is not None and row["indexed_through"] >= row["until_notification_id"]

    def open_deadlines_due_before(self, moment: datetime) -> Sequence[OpenDeadline]:
        index, _ = _table_names(self.events_table_name)
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT aggregate_id, rule_key, due_us FROM {index} WHERE due_us < ? "
                "ORDER BY due_us",
                (due_key(moment),),
            )
            return [
                OpenDeadline(UUID(r["aggregate_id"]), r["rule_key"], r["due_us"])
                for r in c.fetchall()
            ]

    def backfill_deadline_index(self, index_batch: IndexBatch, batch_size: int) -> int:
        _, backfill = _table_names(self.events_table_name)
        read = 0
        while True:
            with self._immediate_transaction() as c:
                c.execute(f"SELECT until_notification_id, indexed_through FROM {backfill}")
                row = c.fetchone()
                if row is None or row["indexed_through"] >= row["until_notification_id"]:
                    return read
                c.execute(
                    f"SELECT rowid, * FROM {self.events_table_name} "
                    "WHERE rowid > ? AND rowid <= ? ORDER BY rowid LIMIT ?",
                    (row["indexed_through"], row["until_notification_id"], batch_size),
                )
                notifications = [
                    Notification(
                        id=r["rowid"],
                        originator_id=self.convert_originator_id(r["originator_id"]),
                        originator_version=r["originator_version"],
                        topic=r["topic"],
                        state=r["state"],
                    )
                    for r in c.fetchall()
                ]
                self.write_deadline_changes(c, {"deadlines": index_batch(notifications)})
                through = notifications[-1].id if notifications else row["until_notification_id"]
                c.execute(f"UPDATE {backfill} SET indexed_through = ?", (through,))
                read += len(notifications)


# -- PostgreSQL --------------------------------------------------------------------------------


class PostgresDeadlineIndex:
    events_table_name: str
    datastore: PostgresDatastore

    @cached_property
    def _deadline_sql(self) -> dict[str, Composed]:
        index, backfill = _table_names(self.events_table_name)
        names = {
            "schema": Identifier(self.datastore.schema),
            "index": Identifier(index),
            "index_due": Identifier(index + "_due"),
            "backfill": Identifier(backfill),
            "events": Identifier(self.events_table_name),
            "id_type": Identifier(self.datastore.originator_id_type),
        }
        statements = {
            "create_index": "CREATE TABLE IF NOT EXISTS {schema}.{index} ("
            "aggregate_id {id_type} NOT NULL, rule_key text NOT NULL, due_us bigint NOT NULL, "
            "PRIMARY KEY (aggregate_id, rule_key))",
            "create_index_due": "CREATE INDEX IF NOT EXISTS {index_due} "
            "ON {schema}.{index} (due_us)",
            "create_backfill": "CREATE TABLE IF NOT EXISTS {schema}.{backfill} ("
            "id int PRIMARY KEY CHECK (id = 1), until_notification_id bigint NOT NULL, "
            "indexed_through bigint NOT NULL)",
            "init_backfill": "INSERT INTO {schema}.{backfill} "
            "SELECT 1, COALESCE(MAX(notification_id), 0), 0 FROM {schema}.{events} "
            "ON CONFLICT DO NOTHING",
            "delete": "DELETE FROM {schema}.{index} WHERE aggregate_id = %s AND rule_key = %s",
            "upsert": "INSERT INTO {schema}.{index} (aggregate_id, rule_key, due_us) "
            "VALUES (%s, %s, %s) ON CONFLICT (aggregate_id, rule_key) "
            "DO UPDATE SET due_us = EXCLUDED.due_us",
            "ready": "SELECT until_notification_id, indexed_through FROM {schema}.{backfill}",
            "due": "SELECT aggregate_id, rule_key, due_us FROM {schema}.{index} "
            "WHERE due_us < %s ORDER BY due_us",
            "unindexed": "SELECT * FROM {schema}.{events} WHERE notification_id > %s "
            "AND notification_id <= %s ORDER BY notification_id LIMIT %s",
            "progress": "UPDATE {schema}.{backfill} SET indexed_through = %s",
        }
        return {key: SQL(text).format(**names) for key, text in statements.items()}

    def deadline_create_statements(self) -> list[Composed]:
        sql = self._deadline_sql
        return [sql[k] for k in ("create_index", "create_index_due", "create_backfill")] + [
            sql["init_backfill"]
        ]

    def write_deadline_changes(self, curs: Cursor[DictRow], kwargs: Mapping[str, Any]) -> None:
        upserts, deletes = _final(kwargs.get("deadlines") or [])
        sql = self._deadline_sql
        if deletes:
            curs.executemany(sql["delete"], deletes)
        if upserts:
            curs.executemany(sql["upsert"], upserts)

    def _deadline_backfill_state(self, curs: Cursor[DictRow]) -> tuple[bool, int, int]:
        _, backfill = _table_names(self.events_table_name)
        curs.execute(
            "SELECT to_regclass(%s) IS NOT NULL AS present",
            (f"{self.datastore.schema}.{backfill}",),
        )
        present = curs.fetchone()
        if not (present and present["present"]):
            return False, 0, 0
        curs.execute(self._deadline_sql["ready"])
        row = curs.fetchone()
        if row is None:
            return False, 0, 0
        through, until = int(row["indexed_through"]), int(row["until_notification_id"])
        return through >= until, through, until

    def deadline_index_ready(self) -> bool:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            return self._deadline_backfill_state(curs)[0]

    def open_deadlines_due_before(self, moment: datetime) -> Sequence[OpenDeadline]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._deadline_sql["due"], (due_key(moment),))
            return [
                OpenDeadline(UUID(str(r["aggregate_id"])), r["rule_key"], int(r["due_us"]))
                for r in curs.fetchall()
            ]

    def backfill_deadline_index(self, index_batch: IndexBatch, batch_size: int) -> int:
        lock_key = f"claims_ledger.deadlines:{self.datastore.schema}.{self.events_table_name}"
        with self.datastore.get_connection() as conn:
            with conn.cursor() as curs:
                done = self._deadline_backfill_state(curs)[0]
                if done:
                    return 0  # the common case: no lock taken
            conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (lock_key,))
            try:
                return self._deadline_backfill_locked(conn, index_batch, batch_size)
            finally:
                conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (lock_key,))

    def _deadline_backfill_locked(self, conn: Any, index_batch: IndexBatch, batch_size: int) -> int:
        sql = self._deadline_sql
        read = 0
        while True:
            with conn.transaction(), conn.cursor() as curs:
                done, through, until = self._deadline_backfill_state(curs)
                if done:
                    return read
                curs.execute(sql["unindexed"], (through, until, batch_size))
                notifications = [
                    Notification(
                        id=r["notification_id"],
                        originator_id=r["originator_id"],
                        originator_version=r["originator_version"],
                        topic=r["topic"],
                        state=bytes(r["state"]),
                    )
                    for r in curs.fetchall()
                ]
                self.write_deadline_changes(curs, {"deadlines": index_batch(notifications)})
                curs.execute(sql["progress"], (notifications[-1].id if notifications else until,))
                read += len(notifications)
