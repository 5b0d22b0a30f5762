"""The key store: one AES-256 key per data subject, kept apart from the events and read models.

A data subject is minted per case (a complaint, a policy with its claims, a travel claim, an
assistance case): a random uuid, the pseudonym every encrypted value carries. Its key is a random
32-byte secret. Erasure deletes the key and keeps a tombstone (subject, case, when, basis), so
the subject can never be given a new key and its old ciphertext can never be read again.

SQLite: its own file, `keys.sqlite`, in the data folder (back it up, and restrict it, apart from
the events). PostgreSQL: its own schema (`LEDGER_KEY_STORE_SCHEMA`, default `ledger_keys`), so its
grants can differ from the events' and `pg_dump --exclude-schema` leaves it out.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from claims_ledger.domain.errors import LedgerError
from claims_ledger.infra.errors import SetupError

KEYS_FILE = "keys.sqlite"
KEY_BYTES = 32


class SubjectErased(LedgerError):
    """Personal data for a subject whose key was destroyed cannot be recorded."""


class UnknownSubject(SetupError):
    """No such data subject in the key store."""


@dataclass(frozen=True)
class Subject:
    subject: str
    case: str
    erased_at: str | None
    basis: str | None


class KeyStore(Protocol):
    def stored_key(self, case: str) -> tuple[str, bytes] | None:
        """The case's subject and key if it has one (nothing is written); refused once erased."""
        ...

    def store_keys(self, minted: dict[str, tuple[str, bytes]]) -> dict[str, tuple[str, bytes]]:
        """Store keys minted for cases that had none, in one transaction, and return the key
        each case now has: the minted one, or another writer's that was stored first."""
        ...

    def key_of(self, subject: str) -> bytes | None:
        """The subject's key, or None when it was erased (or never existed)."""
        ...

    def subject(self, subject: str) -> Subject: ...

    def close(self) -> None:
        """Close the connections kept open (the store stays usable: they reopen on demand)."""
        ...

    def erase(self, subject: str, basis: str) -> Subject:
        """Destroy the subject's key, keep its tombstone."""
        ...


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def mint_key() -> tuple[str, bytes]:
    """A new data subject (a random uuid) and its random key."""
    return uuid.uuid4().hex, os.urandom(KEY_BYTES)


class SQLiteKeyStore:
    """The key store in its own SQLite file."""

    def __init__(self, path: Path, *, create: bool = True) -> None:
        self.path = path
        self.create = create
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: list[sqlite3.Connection] = []
        if create:
            with closing(sqlite3.connect(self.path, timeout=30)) as conn:
                # Write-ahead log: a commit is one sync of the log, not of journal and file.
                conn.execute("PRAGMA journal_mode=WAL")
            with self._connect() as conn:
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS data_subjects ("
                    " subject TEXT PRIMARY KEY, case_reference TEXT NOT NULL UNIQUE,"
                    " key BLOB, created_at TEXT NOT NULL, erased_at TEXT, basis TEXT)"
                )

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """One transaction on this thread's connection (kept open: opening one per key
        lookup cost as much as the lookup)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            if not self.create and not self.path.exists():
                raise UnknownSubject(f"no key store at {self.path}")
            conn = self._local.conn = sqlite3.connect(
                self.path, timeout=30, check_same_thread=False
            )
            with self._lock:
                self._open.append(conn)
        with conn:
            yield conn

    def close(self) -> None:
        with self._lock:
            opened, self._open = self._open, []
        for conn in opened:
            conn.close()
        self._local = threading.local()

    def stored_key(self, case: str) -> tuple[str, bytes] | None:
        with self._connect() as conn:
            row = conn.execute(
                "SELECT subject, key FROM data_subjects WHERE case_reference = ?", (case,)
            ).fetchone()
        return None if row is None else _usable(case, row)

    def store_keys(self, minted: dict[str, tuple[str, bytes]]) -> dict[str, tuple[str, bytes]]:
        if not minted:
            return {}
        now = _now()
        with self._connect() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO data_subjects (subject, case_reference, key, created_at)"
                " VALUES (?, ?, ?, ?)",
                [(subject, case, key, now) for case, (subject, key) in minted.items()],
            )
            return {
                case: _usable(case, row)
                for case in minted
                for row in conn.execute(
                    "SELECT subject, key FROM data_subjects WHERE case_reference = ?", (case,)
                )
            }

    def key_of(self, subject: str) -> bytes | None:
        try:
            with self._connect() as conn:
                row = conn.execute(
                    "SELECT key FROM data_subjects WHERE subject = ?", (subject,)
                ).fetchone()
        except UnknownSubject:
            return None
        return bytes(row[0]) if row and row[0] is not None else None

    def subject(self, subject: str) -> Subject:
        with self._connect() as conn:
            row = conn.execute(
                "SELECT subject, case_reference, erased_at, basis FROM data_subjects"
                " WHERE subject = ?",
                (subject,),
            ).fetchone()
        return _subject(subject, row)

    def erase(self, subject: str, basis: str) -> Subject:
        with self._connect() as conn:
            conn.execute(
                "UPDATE data_subjects SET key = NULL, erased_at = ?, basis = ?"
                " WHERE subject = ? AND erased_at IS NULL",
                (_now(), basis, subject),
            )
        # SQLite keeps deleted bytes in free pages until they are reused, and old pages in
        # its write-ahead log until a checkpoint: rewrite the file, then empty the log.
        with closing(sqlite3.connect(self.path, timeout=30)) as conn:
            conn.execute("VACUUM")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return self.subject(subject)


class PostgresKeyStore:
    """The key store in its own PostgreSQL schema."""

    def __init__(self, connect: Any, schema: str, *, create: bool = True) -> None:
        self._connect_args = connect
        self.schema = schema
        self._lookup: Any = None
        self._lookup_lock = threading.Lock()
        if create:
            with self._connect() as conn:
                conn.execute("SELECT pg_advisory_xact_lock(hashtext('claims-ledger-keys'))")
                conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
                conn.execute(
                    f'CREATE TABLE IF NOT EXISTS "{schema}".data_subjects ('
                    " subject TEXT PRIMARY KEY, case_reference TEXT NOT NULL UNIQUE,"
                    " key BYTEA, created_at TEXT NOT NULL, erased_at TEXT, basis TEXT)"
                )

    @contextmanager
    def _connect(self) -> Iterator[Any]:
        import psycopg

        with psycopg.connect(**self._connect_args) as conn:
            yield conn

    def _lookups(self) -> Any:
        """One connection kept for key lookups (a connection per lookup cost ~5 ms a case)."""
        import psycopg

        with self._lookup_lock:
            if self._lookup is None or self._lookup.closed or self._lookup.broken:
                self._lookup = psycopg.connect(**self._connect_args, autocommit=True)
            return self._lookup

    def close(self) -> None:
        with self._lookup_lock:
            if self._lookup is not None:
                self._lookup.close()
            self._lookup = None

    def stored_key(self, case: str) -> tuple[str, bytes] | None:
        row = (
            self._lookups()
            .execute(
                f'SELECT subject, key FROM "{self.schema}".data_subjects WHERE case_reference = %s',
                (case,),
            )
            .fetchone()
        )
        return None if row is None else _usable(case, row)

    def store_keys(self, minted: dict[str, tuple[str, bytes]]) -> dict[str, tuple[str, bytes]]:
        if not minted:
            return {}
        now = _now()
        with self._connect() as conn, conn.cursor() as cursor:
            cursor.executemany(
                f'INSERT INTO "{self.schema}".data_subjects'
                " (subject, case_reference, key, created_at) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT (case_reference) DO NOTHING",
                [(subject, case, key, now) for case, (subject, key) in minted.items()],
            )
            cursor.execute(
                f'SELECT case_reference, subject, key FROM "{self.schema}".data_subjects'
                " WHERE case_reference = ANY(%s)",
                (list(minted),),
            )
            return {str(case): _usable(str(case), (subject, key)) for case, subject, key in cursor}

    def key_of(self, subject: str) -> bytes | None:
        with self._connect() as conn:
            row = conn.execute(
                f'SELECT key FROM "{self.schema}".data_subjects WHERE subject = %s', (subject,)
            ).fetchone()
        return bytes(row[0]) if row and row[0] is not None else None

    def subject(self, subject: str) -> Subject:
        with self._connect() as conn:
            row = conn.execute(
                f"SELECT subject, case_reference, erased_at, basis"
                f' FROM "{self.schema}".data_subjects WHERE subject = %s',
                (subject,),
            ).fetchone()
        return _subject(subject, row)

    def erase(self, subject: str, basis: str) -> Subject:
        with self._connect() as conn:
            conn.execute(
                f'UPDATE "{self.schema}".data_subjects SET key = NULL, erased_at = %s,'
                " basis = %s WHERE subject = %s AND erased_at IS NULL",
                (_now(), basis, subject),
            )
        return self.subject(subject)


def _usable(case: str, row: Any) -> tuple[str, bytes]:
    subject, key = row
    if key is None:
        raise SubjectErased(
            f"{case}: the personal data of this case was erased (subject {subject}); "
            "no new personal data can be recorded for it"
        )
    return str(subject), bytes(key)


def _subject(subject: str, row: Any) -> Subject:
    if row is None:
        raise UnknownSubject(
            f"no data subject {subject!r} in the key store; a subject id is the 32 hex digits "
            "after `pd1.` in an encrypted field"
        )
    return Subject(str(row[0]), str(row[1]), row[2], row[3])
