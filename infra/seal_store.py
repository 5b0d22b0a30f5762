"""The seals table, beside the events in the same database: one row per stored event
(notification id; aggregate id and version, unique together; prev_hash; hash), written by the
application recorder in the same transaction as the events it seals.

The recorders here are the library's SQLite and PostgreSQL application recorders with one
addition each: after inserting the events, insert their seals (`seals=[...]`, passed down by
`Ledger._record` through `EventStore.put`) with the notification ids just issued. A write
without seals is refused. They are selected by `APPLICATION_RECORDER_TOPIC` (infra/settings.py).

Stores written before seals existed are sealed once, when a ledger is opened for writing
(`backfill_seals`): the events stored before the seals table was created, in notification order,
in batches, idempotently, under the database's write lock (SQLite) or an advisory lock
(PostgreSQL). Events stored later without a seal are never sealed after the fact: verify reports
them as inserted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

import structlog
from eventsourcing.persistence import Notification, ProgrammingError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore
from psycopg import Cursor
from psycopg.errors import DuplicateObject
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier

from claims_ledger.domain.envelope import AggregateTypes, UnknownAggregateType
from claims_ledger.domain.ledger import Ledger
from claims_ledger.domain.seals import Key, Seal, SealChain, UnlinkedEvent, predecessor_keys
from claims_ledger.infra.deadline_store import PostgresDeadlineIndex, SQLiteDeadlineIndex
from claims_ledger.projections.sqlite_write import immediate_transaction

log = structlog.get_logger(__name__)

BACKFILL_BATCH = 1000


@dataclass(frozen=True)
class BackfillBatch:
    """Unsealed events stored before sealing began, in notification order, with what sealing
    them needs from the store: the stored hashes they chain to, and the first stored event of
    each aggregate whose first event is not in the batch (it names the aggregate's type)."""

    notifications: Sequence[Notification]
    stored_hashes: Mapping[Key, str]
    first_events: Mapping[UUID, StoredEvent]


SealBatch = Callable[[BackfillBatch], list[tuple[int, Seal]]]
"""Seals a backfill batch: (notification id, seal) of every event it could seal."""


@runtime_checkable
class SealingRecorder(Protocol):
    def seal_hashes(self, keys: Iterable[Key]) -> dict[Key, str]: ...

    def select_seals(self, start: int, stop: int | None = None) -> dict[int, Seal]:
        """Seals by notification id, from `start` to `stop` (inclusive), in order."""
        ...

    def seals_table_exists(self) -> bool: ...

    def backfill_seals(self, seal_batch: SealBatch, batch_size: int) -> int:
        """Seal the events stored before sealing began; returns how many were sealed."""
        ...

    def max_notification_id(self) -> int | None: ...

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]: ...


class UnsealedWrite(ProgrammingError):
    """Events handed to a sealing recorder without their seals (or with seals of other events)."""


def sealing_recorder(ledger: Ledger) -> SealingRecorder:
    recorder = ledger.recorder
    if not isinstance(recorder, SealingRecorder):
        raise TypeError(
            f"the ledger's recorder {type(recorder).__name__} keeps no seals: build the ledger "
            "with Settings.event_store_env() (SQLite or PostgreSQL)"
        )
    return recorder


def backfill_seals(ledger: Ledger, batch_size: int = BACKFILL_BATCH) -> int:
    """Seal every event stored before sealing began (a store written by 0.1.0); idempotent, and
    safe when several processes open the same store at once."""

    def seal_batch(batch: BackfillBatch) -> list[tuple[int, Seal]]:
        types = AggregateTypes(lambda i: ledger.mapper.to_domain_event(batch.first_events[i]))
        chain = SealChain(types.of, batch.stored_hashes)
        sealed: list[tuple[int, Seal]] = []
        for notification in batch.notifications:
            try:
                seal = chain.seal(ledger.mapper.to_domain_event(notification))
            except (UnlinkedEvent, UnknownAggregateType, KeyError) as error:
                # Left unsealed: verify names it, and the relay refuses to publish it.
                log.error(
                    "seals.backfill_refused",
                    aggregate_id=str(notification.originator_id),
                    version=notification.originator_version,
                    notification_id=notification.id,
                    reason=str(error),
                )
                continue
            sealed.append((notification.id, seal))
        return sealed

    count = sealing_recorder(ledger).backfill_seals(seal_batch, batch_size)
    if count:
        log.info("seals.backfilled", count=count)
    return count


def _checked(stored_events: Sequence[StoredEvent], kwargs: Mapping[str, Any]) -> list[Seal]:
    seals = kwargs.get("seals")
    if not stored_events:  # a save that changed nothing
        return []
    if seals is None or len(seals) != len(stored_events):
        raise UnsealedWrite(
            f"{len(stored_events)} events to store with "
            f"{'no' if seals is None else len(seals)} seals: every event is stored with its "
            "seal (store them through the Ledger)"
        )
    for stored, seal in zip(stored_events, seals, strict=True):
        if (UUID(str(stored.originator_id)), stored.originator_version) != seal.key:
            raise UnsealedWrite(
                f"seal of {seal.aggregate_id} v{seal.version} handed with event "
                f"{stored.originator_id} v{stored.originator_version}"
            )
    return list(seals)


def _seals_table(events_table_name: str) -> str:
    return events_table_name.removesuffix("events") + "seals"


def _backfill_table(events_table_name: str) -> str:
    return events_table_name.removesuffix("events") + "seal_backfill"


def _first_keys(notifications: Sequence[Notification]) -> list[UUID]:
    """Aggregates whose first event in the batch is not their first event."""
    seen: dict[UUID, int] = {}
    for n in notifications:
        seen.setdefault(UUID(str(n.originator_id)), n.originator_version)
    return [aggregate_id for aggregate_id, version in seen.items() if version > 1]


# -- SQLite ------------------------------------------------------------------------------------


class SealingSQLiteRecorder(SQLiteDeadlineIndex, SQLiteApplicationRecorder):
    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"):
        self.seals_table_name = _seals_table(events_table_name)
        self.backfill_table_name = _backfill_table(events_table_name)
        super().__init__(datastore, events_table_name)

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {self.seals_table_name} ("
            "notification_id INTEGER PRIMARY KEY, "
            "aggregate_id TEXT NOT NULL, "
            "version INTEGER NOT NULL, "
            "prev_hash TEXT NOT NULL, "
            "hash TEXT NOT NULL, "
            "UNIQUE (aggregate_id, version))",
            f"CREATE TABLE IF NOT EXISTS {self.backfill_table_name} ("
            "id INTEGER PRIMARY KEY CHECK (id = 1), "
            "until_notification_id INTEGER NOT NULL, "
            "sealed_through INTEGER NOT NULL)",
            # Created with the seals table: what was stored before it is what a backfill seals.
            f"INSERT OR IGNORE INTO {self.backfill_table_name} VALUES "
            f"(1, (SELECT COALESCE(MAX(rowid), 0) FROM {self.events_table_name}), 0)",
            *self.deadline_create_statements(),
        ]

    def create_table(self) -> None:
        # BEGIN IMMEDIATE: two processes opening one fresh file at once queue on the write lock
        # instead of failing to upgrade a read snapshot.
        with self._immediate_transaction() as c:
            self._create_table(c)

    def _immediate_transaction(self) -> AbstractContextManager[SQLiteCursor]:
        return immediate_transaction(self.datastore)

    def _id(self, aggregate_id: UUID | str) -> str:
        return aggregate_id.hex if isinstance(aggregate_id, UUID) else aggregate_id

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        seals = _checked(stored_events, kwargs)
        notification_ids = super()._insert_events(c, stored_events, **kwargs)
        assert notification_ids is not None
        self._insert_seals(c, zip(notification_ids, seals, strict=True), or_ignore=False)
        self.write_deadline_changes(c, kwargs)
        return notification_ids

    def _insert_seals(
        self, c: SQLiteCursor, rows: Iterable[tuple[int, Seal]], *, or_ignore: bool
    ) -> None:
        c.executemany(
            f"INSERT {'OR IGNORE ' if or_ignore else ''}INTO {self.seals_table_name} "
            "(notification_id, aggregate_id, version, prev_hash, hash) VALUES (?, ?, ?, ?, ?)",
            [(n, self._id(s.aggregate_id), s.version, s.prev_hash, s.hash) for n, s in rows],
        )

    def seal_hashes(self, keys: Iterable[Key]) -> dict[Key, str]:
        with self.datastore.transaction(commit=False) as c:
            return self._seal_hashes(c, keys)

    def existing_aggregates(self, aggregate_ids: Sequence[UUID]) -> set[UUID]:
        """Which of these aggregates have events (one statement, not one per id)."""
        found: set[UUID] = set()
        with self.datastore.transaction(commit=False) as c:
            for start in range(0, len(aggregate_ids), 500):
                chunk = [self._id(i) for i in aggregate_ids[start : start + 500]]
                c.execute(
                    f"SELECT originator_id FROM {self.events_table_name} WHERE originator_version"
                    f" = 1 AND originator_id IN ({', '.join('?' * len(chunk))})",
                    chunk,
                )
                found.update(UUID(str(row["originator_id"])) for row in c.fetchall())
        return found

    def _seal_hashes(self, c: SQLiteCursor, keys: Iterable[Key]) -> dict[Key, str]:
        found: dict[Key, str] = {}
        for aggregate_id, version in keys:
            c.execute(
                f"SELECT hash FROM {self.seals_table_name} WHERE aggregate_id = ? AND version = ?",
                (self._id(aggregate_id), version),
            )
            row = c.fetchone()
            if row is not None:
                found[(aggregate_id, version)] = row["hash"]
        return found

    def select_seals(self, start: int, stop: int | None = None) -> dict[int, Seal]:
        statement = f"SELECT * FROM {self.seals_table_name} WHERE notification_id >= ?"
        params: list[int] = [start]
        if stop is not None:
            statement += " AND notification_id <= ?"
            params.append(stop)
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement + " ORDER BY notification_id", params)
            return {
                row["notification_id"]: Seal(
                    UUID(str(self.convert_originator_id(row["aggregate_id"]))),
                    row["version"],
                    row["prev_hash"],
                    row["hash"],
                )
                for row in c.fetchall()
            }

    def seals_table_exists(self) -> bool:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                (self.seals_table_name,),
            )
            return c.fetchone() is not None

    def backfill_seals(self, seal_batch: SealBatch, batch_size: int) -> int:
        sealed = 0
        while True:
            # One batch per write transaction: a second process backfilling at once waits for
            # the lock, then carries on from where this one recorded it got to.
            with self._immediate_transaction() as c:
                c.execute(
                    f"SELECT until_notification_id, sealed_through FROM {self.backfill_table_name}"
                )
                row = c.fetchone()
                if row is None or row["sealed_through"] >= row["until_notification_id"]:
                    return sealed
                c.execute(
                    f"SELECT rowid, * FROM {self.events_table_name} "
                    "WHERE rowid > ? AND rowid <= ? ORDER BY rowid LIMIT ?",
                    (row["sealed_through"], row["until_notification_id"], batch_size),
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
                batch = BackfillBatch(
                    notifications,
                    self._seal_hashes(c, predecessor_keys(notifications)),
                    self._first_events(c, _first_keys(notifications)),
                )
                seals = seal_batch(batch)
                self._insert_seals(c, seals, or_ignore=True)
                through = notifications[-1].id if notifications else row["until_notification_id"]
                c.execute(f"UPDATE {self.backfill_table_name} SET sealed_through = ?", (through,))
                sealed += len(seals)

    def _first_events(self, c: SQLiteCursor, aggregate_ids: list[UUID]) -> dict[UUID, StoredEvent]:
        found: dict[UUID, StoredEvent] = {}
        for aggregate_id in aggregate_ids:
            c.execute(
                f"SELECT * FROM {self.events_table_name} WHERE originator_id = ? "
                "ORDER BY originator_version LIMIT 1",
                (self._id(aggregate_id),),
            )
            row = c.fetchone()
            if row is not None:
                found[aggregate_id] = StoredEvent(
                    aggregate_id, row["originator_version"], row["topic"], row["state"]
                )
        return found


# -- PostgreSQL --------------------------------------------------------------------------------


class SealingPostgresRecorder(PostgresDeadlineIndex, PostgresApplicationRecorder):
    def __init__(
        self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self.seals_table_name = _seals_table(events_table_name)
        self.backfill_table_name = _backfill_table(events_table_name)
        self.check_identifier_length(self.backfill_table_name)
        schema = Identifier(self.datastore.schema)
        seals = Identifier(self.seals_table_name)
        backfill = Identifier(self.backfill_table_name)
        events = Identifier(self.events_table_name)
        id_type = Identifier(self.datastore.originator_id_type)
        self._lock_key = f"claims_ledger.seals:{self.datastore.schema}.{self.seals_table_name}"
        self._seal_create_statements: list[Composed] = [
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{seals} ("
                "notification_id bigint PRIMARY KEY, "
                "aggregate_id {id_type} NOT NULL, "
                "version bigint NOT NULL, "
                "prev_hash text NOT NULL, "
                "hash text NOT NULL, "
                "UNIQUE (aggregate_id, version))"
            ).format(schema=schema, seals=seals, id_type=id_type),
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{backfill} ("
                "id int PRIMARY KEY CHECK (id = 1), "
                "until_notification_id bigint NOT NULL, "
                "sealed_through bigint NOT NULL)"
            ).format(schema=schema, backfill=backfill),
            # Created with the seals table: what was stored before it is what a backfill seals.
            SQL(
                "INSERT INTO {schema}.{backfill} "
                "SELECT 1, COALESCE(MAX(notification_id), 0), 0 FROM {schema}.{events} "
                "ON CONFLICT DO NOTHING"
            ).format(schema=schema, backfill=backfill, events=events),
        ]
        self._insert_seals_statement = SQL(
            "INSERT INTO {schema}.{seals} "
            "(notification_id, aggregate_id, version, prev_hash, hash) "
            "SELECT * FROM unnest(%s::bigint[], %s::{id_type}[], %s::bigint[], %s::text[], "
            "%s::text[])"
        ).format(schema=schema, seals=seals, id_type=id_type)
        self._select_hashes_statement = SQL(
            "SELECT aggregate_id, version, hash FROM {schema}.{seals} "
            "WHERE (aggregate_id, version) IN "
            "(SELECT * FROM unnest(%s::{id_type}[], %s::bigint[]))"
        ).format(schema=schema, seals=seals, id_type=id_type)
        self._select_seals_statement = SQL(
            "SELECT * FROM {schema}.{seals} WHERE notification_id >= %s"
        ).format(schema=schema, seals=seals)
        self._select_backfill_statement = SQL(
            "SELECT until_notification_id, sealed_through FROM {schema}.{backfill}"
        ).format(schema=schema, backfill=backfill)
        self._update_backfill_statement = SQL(
            "UPDATE {schema}.{backfill} SET sealed_through = %s"
        ).format(schema=schema, backfill=backfill)
        self._select_unsealed_statement = SQL(
            "SELECT * FROM {schema}.{events} WHERE notification_id > %s "
            "AND notification_id <= %s ORDER BY notification_id LIMIT %s"
        ).format(schema=schema, events=events)
        self._select_first_events_statement = SQL(
            "SELECT DISTINCT ON (originator_id) * FROM {schema}.{events} "
            "WHERE originator_id = ANY(%s::{id_type}[]) "
            "ORDER BY originator_id, originator_version"
        ).format(schema=schema, events=events, id_type=id_type)

    def create_table(self) -> None:
        # The library's statements (table, index, type, insert function) and the seals tables,
        # on one connection under an advisory lock: CREATE ... IF NOT EXISTS and CREATE OR
        # REPLACE FUNCTION are not safe against the same statement in a concurrent session, and
        # two processes may open one fresh database at once.
        with self.datastore.get_connection() as conn:
            conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (self._lock_key,))
            try:
                for statement in self.sql_create_statements:
                    if "CREATE TYPE" in statement.as_string():
                        try:
                            with conn.transaction():
                                conn.execute(statement, prepare=False)
                        except DuplicateObject:
                            pass
                with conn.transaction():
                    for statement in self.sql_create_statements:
                        if "CREATE TYPE" not in statement.as_string():
                            conn.execute(statement, prepare=False)
                    for statement in self._seal_create_statements:
                        conn.execute(statement, prepare=False)
                    for statement in self.deadline_create_statements():
                        conn.execute(statement, prepare=False)
            finally:
                conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (self._lock_key,))
        self.datastore.register_type_adapters()

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        seals = _checked(stored_events, kwargs)
        # One statement for all the events (the library's insert function over an array), in
        # one transaction with the table lock, the seals and the deadline index. The library's
        # other path pipelines one INSERT per event, and with a few thousand events (a
        # scenario file of 2,000 complaints) client and server ended up each waiting for the
        # other to read: the file never finished.
        pg_stored_events = [
            self.construct_pg_stored_event(e.originator_id, e.originator_version, e.topic, e.state)
            for e in stored_events
        ]
        with (
            self.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor() as curs,
        ):
            # Inserts take turns, so that notification ids are committed in the order they
            # are issued (readers never pass a gap that fills in later).
            self._lock_table(curs)
            curs.execute(
                self.sql_invoke_pg_function_insert_events, (pg_stored_events,), prepare=True
            )
            ids = [r[self.pg_function_name_insert_events] for r in curs.fetchall()]
            self._insert_seals(curs, list(zip(ids, seals, strict=True)))
            self.write_deadline_changes(curs, kwargs)
        return ids

    def _insert_seals(
        self, curs: Cursor[DictRow], rows: list[tuple[int, Seal]], *, or_ignore: bool = False
    ) -> None:
        if not rows:
            return
        statement = self._insert_seals_statement
        if or_ignore:
            statement = statement + SQL(" ON CONFLICT DO NOTHING")
        curs.execute(
            statement,
            (
                [n for n, _ in rows],
                [s.aggregate_id for _, s in rows],
                [s.version for _, s in rows],
                [s.prev_hash for _, s in rows],
                [s.hash for _, s in rows],
            ),
        )

    def seal_hashes(self, keys: Iterable[Key]) -> dict[Key, str]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            return self._seal_hashes(curs, keys)

    def existing_aggregates(self, aggregate_ids: Sequence[UUID]) -> set[UUID]:
        """Which of these aggregates have events (one statement, not one per id)."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL(
                    "SELECT originator_id FROM {} WHERE originator_version = 1"
                    " AND originator_id = ANY(%s)"
                ).format(Identifier(self.events_table_name)),
                (list(aggregate_ids),),
            )
            return {UUID(str(r["originator_id"])) for r in curs.fetchall()}

    def _seal_hashes(self, curs: Cursor[DictRow], keys: Iterable[Key]) -> dict[Key, str]:
        wanted = list(keys)
        if not wanted:
            return {}
        curs.execute(
            self._select_hashes_statement, ([k[0] for k in wanted], [k[1] for k in wanted])
        )
        return {(UUID(str(r["aggregate_id"])), r["version"]): r["hash"] for r in curs.fetchall()}

    def select_seals(self, start: int, stop: int | None = None) -> dict[int, Seal]:
        statement = self._select_seals_statement
        params: list[int] = [start]
        if stop is not None:
            statement = statement + SQL(" AND notification_id <= %s")
            params.append(stop)
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement + SQL(" ORDER BY notification_id"), params)
            return {
                r["notification_id"]: Seal(
                    UUID(str(r["aggregate_id"])), r["version"], r["prev_hash"], r["hash"]
                )
                for r in curs.fetchall()
            }

    def seals_table_exists(self) -> bool:
        name = f"{self.datastore.schema}.{self.seals_table_name}"
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute("SELECT to_regclass(%s) IS NOT NULL AS present", (name,))
            row = curs.fetchone()
            return bool(row and row["present"])

    def _backfill_done(self, curs: Cursor[DictRow]) -> tuple[bool, int, int]:
        curs.execute(self._select_backfill_statement)
        row = curs.fetchone()
        if row is None:
            return True, 0, 0
        through, until = int(row["sealed_through"]), int(row["until_notification_id"])
        return through >= until, through, until

    def backfill_seals(self, seal_batch: SealBatch, batch_size: int) -> int:
        with self.datastore.get_connection() as conn:
            with conn.cursor() as curs:
                if self._backfill_done(curs)[0]:
                    return 0  # the common case: no lock taken
            # A second process opening the same old store at once waits here, then finds
            # nothing left to seal.
            conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (self._lock_key,))
            try:
                return self._backfill_locked(conn, seal_batch, batch_size)
            finally:
                conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (self._lock_key,))

    def _backfill_locked(self, conn: Any, seal_batch: SealBatch, batch_size: int) -> int:
        sealed = 0
        while True:
            with conn.transaction(), conn.cursor() as curs:
                done, through, until = self._backfill_done(curs)
                if done:
                    return sealed
                curs.execute(self._select_unsealed_statement, (through, until, batch_size))
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
                batch = BackfillBatch(
                    notifications,
                    self._seal_hashes(curs, predecessor_keys(notifications)),
                    self._first_events(curs, _first_keys(notifications)),
                )
                seals = seal_batch(batch)
                self._insert_seals(curs, seals, or_ignore=True)
                curs.execute(
                    self._update_backfill_statement,
                    (notifications[-1].id if notifications else until,),
                )
                sealed += len(seals)

    def _first_events(
        self, curs: Cursor[DictRow], aggregate_ids: list[UUID]
    ) -> dict[UUID, StoredEvent]:
        if not aggregate_ids:
            return {}
        curs.execute(self._select_first_events_statement, (aggregate_ids,))
        return {
            UUID(str(r["originator_id"])): StoredEvent(
                r["originator_id"], r["originator_version"], r["topic"], bytes(r["state"])
            )
            for r in curs.fetchall()
        }
