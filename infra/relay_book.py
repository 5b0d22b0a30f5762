"""The relay's book, beside the events in the same database: its log epoch and, per Kafka topic
partition, the next offset it has had acknowledged there and the seal hash of the message just
before it.

The event store is the truth; the topics are a copy the relay can always rebuild. What the book
lets it notice is a copy that lost messages: a partition that no longer holds, at the offset the
relay last had acknowledged there, the message it sent (the embedded broker restarted and kept
nothing, a topic was deleted and recreated). The relay reads that one message back to check; it
does not trust end offsets (the embedded broker reports the last batch's start as its end).
The relay then raises the epoch, forgets the offsets, and republishes the whole store under the
new epoch; every message carries its epoch (infra/message_signing.py), so a consumer
reading the new log knows to read it again from the start.

The recorded offsets only ever lag what the topic holds (they are written after the acks), so a
crash between acks and book never makes a healthy topic look truncated. The relay's position in
the store is the library's tracking row named `relay` (epoch 0, as before the book existed) or
`relay@<epoch>`, so a new epoch starts from position 0 without deleting anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eventsourcing.persistence import PersistenceError, Tracking
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteDatastore
from psycopg.sql import SQL, Identifier

from claims_ledger.domain.ledger import Ledger
from claims_ledger.projections.sqlite_write import immediate_transaction

RELAY_POSITION = "relay"
"""The tracking name of the relay's position in epoch 0."""

Offsets = Mapping[tuple[str, int], tuple[int, str]]
"""(topic, partition) -> (next offset, seal hash of the message at next offset - 1)"""


def position_name(epoch: int) -> str:
    return RELAY_POSITION if epoch == 0 else f"{RELAY_POSITION}@{epoch}"


class RelayBook:
    """Epoch and acknowledged offsets, on SQLite or PostgreSQL (the event store's database)."""

    def __init__(self, ledger: Ledger, *, create: bool = True) -> None:
        datastore = getattr(ledger.recorder, "datastore", None)
        if isinstance(datastore, PostgresDatastore):
            self._dialect: _Dialect = _Postgres(datastore)
        elif isinstance(datastore, SQLiteDatastore):
            self._dialect = _SQLite(datastore)
        else:
            self._dialect = _Memory()
        if create:
            self._dialect.create()

    def epoch(self) -> int:
        return self._dialect.epoch()

    def offsets(self) -> dict[tuple[str, int], tuple[int, str]]:
        return self._dialect.offsets()

    def record(
        self, offsets: Offsets, position: Tracking | None = None, tracking: Any = None
    ) -> None:
        """Raise the recorded next offsets (never lowers one) and, with `position`, record the
        relay's position in `tracking` (the library's tracking recorder of this database) in
        the same transaction: one commit per batch, and on SQLite one taken with the write lock
        (the library's first tracking insert reads before it writes)."""
        if offsets or position is not None:
            self._dialect.record(offsets, position, tracking)

    def new_epoch(self) -> int:
        """Raise the epoch and forget the offsets, in one transaction; returns the new epoch."""
        return self._dialect.new_epoch()


class _Dialect:
    def create(self) -> None: ...

    def epoch(self) -> int:
        raise NotImplementedError

    def offsets(self) -> dict[tuple[str, int], tuple[int, str]]:
        raise NotImplementedError

    def record(self, offsets: Offsets, position: Tracking | None, tracking: Any) -> None: ...

    def new_epoch(self) -> int:
        raise NotImplementedError


class _Memory(_Dialect):
    """An in-memory ledger (unit tests): the book lives as long as the object."""

    def __init__(self) -> None:
        self._epoch = 0
        self._offsets: dict[tuple[str, int], tuple[int, str]] = {}

    def epoch(self) -> int:
        return self._epoch

    def offsets(self) -> dict[tuple[str, int], tuple[int, str]]:
        return dict(self._offsets)

    def record(self, offsets: Offsets, position: Tracking | None, tracking: Any) -> None:
        for key, (offset, seal) in offsets.items():
            if offset > self._offsets.get(key, (0, ""))[0]:
                self._offsets[key] = (offset, seal)
        if position is not None:
            tracking.insert_tracking(position)

    def new_epoch(self) -> int:
        self._epoch += 1
        self._offsets.clear()
        return self._epoch


class _SQLite(_Dialect):
    def __init__(self, datastore: SQLiteDatastore) -> None:
        self.datastore = datastore

    def create(self) -> None:
        with immediate_transaction(self.datastore) as c:
            c.execute(
                "CREATE TABLE IF NOT EXISTS relay_epoch "
                "(id INTEGER PRIMARY KEY CHECK (id = 1), epoch INTEGER NOT NULL)"
            )
            c.execute("INSERT OR IGNORE INTO relay_epoch (id, epoch) VALUES (1, 0)")
            c.execute(
                "CREATE TABLE IF NOT EXISTS relay_offsets (topic TEXT NOT NULL, "
                "partition INTEGER NOT NULL, next_offset INTEGER NOT NULL, "
                "last_hash TEXT NOT NULL, PRIMARY KEY (topic, partition))"
            )

    def epoch(self) -> int:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT epoch FROM relay_epoch WHERE id = 1")
            return int(c.fetchone()["epoch"])

    def offsets(self) -> dict[tuple[str, int], tuple[int, str]]:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT topic, partition, next_offset, last_hash FROM relay_offsets")
            return {
                (r["topic"], int(r["partition"])): (int(r["next_offset"]), r["last_hash"])
                for r in c.fetchall()
            }

    def record(self, offsets: Offsets, position: Tracking | None, tracking: Any) -> None:
        with immediate_transaction(self.datastore) as c:
            if offsets:
                c.executemany(
                    "INSERT INTO relay_offsets (topic, partition, next_offset, last_hash) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT (topic, partition) DO UPDATE SET "
                    "next_offset = excluded.next_offset, last_hash = excluded.last_hash "
                    "WHERE excluded.next_offset > relay_offsets.next_offset",
                    [(t, p, o, h) for (t, p), (o, h) in offsets.items()],
                )
            if position is not None:
                tracking._insert_tracking(c, position)

    def new_epoch(self) -> int:
        with immediate_transaction(self.datastore) as c:
            c.execute("UPDATE relay_epoch SET epoch = epoch + 1 WHERE id = 1")
            c.execute("DELETE FROM relay_offsets")
            c.execute("SELECT epoch FROM relay_epoch WHERE id = 1")
            return int(c.fetchone()["epoch"])


class _Postgres(_Dialect):
    def __init__(self, datastore: PostgresDatastore) -> None:
        self.datastore = datastore
        schema = Identifier(datastore.schema)
        self._epoch_table = SQL("{}.relay_epoch").format(schema)
        self._offsets_table = SQL("{}.relay_offsets").format(schema)
        self._lock_key = f"claims_ledger.relay_book:{datastore.schema}"

    def _run(self, statement: Any, params: Any = None, *, commit: bool) -> list[Any]:
        with self.datastore.transaction(commit=commit) as c:
            c.execute(statement, params, prepare=False)
            return list(c.fetchall()) if c.description else []

    def create(self) -> None:
        with self.datastore.get_connection() as conn:
            # Two processes may open one fresh database at once: CREATE ... IF NOT EXISTS is not
            # safe against the same statement in a concurrent session.
            conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (self._lock_key,))
            try:
                with conn.transaction():
                    conn.execute(
                        SQL(
                            "CREATE TABLE IF NOT EXISTS {} "
                            "(id int PRIMARY KEY CHECK (id = 1), epoch bigint NOT NULL)"
                        ).format(self._epoch_table)
                    )
                    conn.execute(
                        SQL("INSERT INTO {} VALUES (1, 0) ON CONFLICT DO NOTHING").format(
                            self._epoch_table
                        )
                    )
                    conn.execute(
                        SQL(
                            "CREATE TABLE IF NOT EXISTS {} (topic text NOT NULL, "
                            "partition int NOT NULL, next_offset bigint NOT NULL, "
                            "last_hash text NOT NULL, PRIMARY KEY (topic, partition))"
                        ).format(self._offsets_table)
                    )
            finally:
                conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (self._lock_key,))

    def epoch(self) -> int:
        rows = self._run(
            SQL("SELECT epoch FROM {} WHERE id = 1").format(self._epoch_table), commit=False
        )
        return int(rows[0]["epoch"])

    def offsets(self) -> dict[tuple[str, int], tuple[int, str]]:
        rows = self._run(
            SQL("SELECT topic, partition, next_offset, last_hash FROM {}").format(
                self._offsets_table
            ),
            commit=False,
        )
        return {
            (r["topic"], int(r["partition"])): (int(r["next_offset"]), r["last_hash"]) for r in rows
        }

    def record(self, offsets: Offsets, position: Tracking | None, tracking: Any) -> None:
        with self.datastore.transaction(commit=True) as c:
            if position is not None:
                tracking._insert_tracking(c, position)
            if not offsets:
                return
            c.executemany(
                SQL(
                    "INSERT INTO {table} (topic, partition, next_offset, last_hash) "
                    "VALUES (%s, %s, %s, %s) ON CONFLICT (topic, partition) DO UPDATE SET "
                    "next_offset = excluded.next_offset, last_hash = excluded.last_hash "
                    "WHERE excluded.next_offset > {table}.next_offset"
                ).format(table=self._offsets_table),
                [(t, p, o, h) for (t, p), (o, h) in offsets.items()],
            )

    def new_epoch(self) -> int:
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                SQL("UPDATE {} SET epoch = epoch + 1 WHERE id = 1 RETURNING epoch").format(
                    self._epoch_table
                )
            )
            row = c.fetchone()
            c.execute(SQL("DELETE FROM {}").format(self._offsets_table))
        return int(row["epoch"]) if row is not None else 0


def relay_position(ledger: Ledger) -> int:
    """How far the relay has published in its current epoch (a notification id); reads only
    (a store no relay has opened yet is at epoch 0)."""
    try:
        epoch = RelayBook(ledger, create=False).epoch()
    except PersistenceError:  # no book yet
        epoch = 0
    return ledger.factory.tracking_recorder().max_tracking_id(position_name(epoch)) or 0
