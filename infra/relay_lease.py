"""One relay publishes at a time: a lease in the event store's database.

PostgreSQL: a session-level advisory lock held on a connection of its own for as long as the
relay runs; it goes with the connection when the process dies. SQLite: a lease row in the events
database (holder, expiry), taken when free or expired, and renewed before a batch once half of
it has run; a relay that dies stops renewing it and a standby takes it over once it expires
(`RELAY_LEASE_SECONDS`). A standby calls `acquire` until it succeeds.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from typing import Protocol

import psycopg
import structlog
from eventsourcing.sqlite import SQLiteDatastore

from claims_ledger.domain.ledger import Ledger
from claims_ledger.infra.settings import Settings
from claims_ledger.projections.sqlite_write import immediate_transaction

log = structlog.get_logger(__name__)

LEASE_NAME = "relay"


class RelayLease(Protocol):
    holder: str

    def acquire(self) -> bool:
        """Take the lease, or renew it when held; True when this relay may publish."""
        ...

    def release(self) -> None: ...


def holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class SQLiteLease:
    def __init__(self, datastore: SQLiteDatastore, seconds: float, table: str = "relay_lease"):
        self.datastore = datastore
        self.seconds = seconds
        self.table = table
        self.holder = holder_id()
        self._held_until = 0.0
        with immediate_transaction(self.datastore) as c:
            c.execute(
                f"CREATE TABLE IF NOT EXISTS {table} "
                "(name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at REAL NOT NULL)"
            )

    def acquire(self) -> bool:
        now = time.time()
        if now < self._held_until - self.seconds / 2:
            return True  # held, and nobody may take it before it expires: no write needed yet
        with immediate_transaction(self.datastore) as c:
            # One statement: SQLite runs it under the write lock, so two relays never both
            # find the lease free.
            c.execute(
                f"INSERT INTO {self.table} (name, holder, expires_at) VALUES (?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, "
                f"expires_at = excluded.expires_at WHERE {self.table}.holder = excluded.holder "
                f"OR {self.table}.expires_at < ?",
                (LEASE_NAME, self.holder, now + self.seconds, now),
            )
            c.execute(f"SELECT holder FROM {self.table} WHERE name = ?", (LEASE_NAME,))
            row = c.fetchone()
        held = row is not None and row["holder"] == self.holder
        self._held_until = now + self.seconds if held else 0.0
        return held

    def release(self) -> None:
        self._held_until = 0.0
        with immediate_transaction(self.datastore) as c:
            c.execute(
                f"DELETE FROM {self.table} WHERE name = ? AND holder = ?",
                (LEASE_NAME, self.holder),
            )

    def current_holder(self) -> str | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT holder FROM {self.table} WHERE name = ? AND expires_at >= ?",
                (LEASE_NAME, time.time()),
            )
            row = c.fetchone()
        return None if row is None else str(row["holder"])


class PostgresLease:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.holder = holder_id()
        self.key = f"claims_ledger.relay:{settings.ledger_postgres_schema}"
        self._conn: psycopg.Connection[tuple[object, ...]] | None = None

    def _connect(self) -> psycopg.Connection[tuple[object, ...]]:
        s = self.settings
        return psycopg.connect(
            host=s.ledger_postgres_host,
            port=s.ledger_postgres_port,
            dbname=s.ledger_postgres_dbname,
            user=s.ledger_postgres_user,
            password=s.ledger_postgres_password.get_secret_value(),
            autocommit=True,
            application_name=f"claims-ledger-relay {self.holder}",
        )

    def acquire(self) -> bool:
        try:
            if self._conn is None:
                self._conn = self._connect()
                row = self._conn.execute(
                    "SELECT pg_try_advisory_lock(hashtext(%s))", (self.key,)
                ).fetchone()
                if not (row and row[0]):
                    self._conn.close()
                    self._conn = None
                    return False
                return True
            self._conn.execute("SELECT 1")  # the lock lives as long as this session
            return True
        except psycopg.OperationalError as error:
            log.warning("relay.lease_lost", reason=str(error))
            self._conn = None
            return False

    def release(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def relay_lease(ledger: Ledger, settings: Settings) -> RelayLease:
    if settings.uses_postgres:
        return PostgresLease(settings)
    datastore = getattr(ledger.recorder, "datastore", None)
    if not isinstance(datastore, SQLiteDatastore):
        raise TypeError("the relay's lease needs the ledger on SQLite or PostgreSQL")
    return SQLiteLease(datastore, settings.relay_lease_seconds)
