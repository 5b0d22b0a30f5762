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
    def key_for_case(self, case: str) -> tuple[str, bytes]:
        """The subject of a case and its key, minted on first use; refused once erased."""
        ...

    def key_of(self, subject: str) -> bytes | None:
        """The subject's key, or None when it was erased (or never existed)."""
        ...

    def subject(self, subject: str) -> Subject: ...

    def erase(self, subject: str, basis: str) -> Subject:
        """Destroy the subject's key, keep its tombstone."""
        ...


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _mint() -> tuple[str, bytes]:
    return uuid.uuid4().hex, os.urandom(KEY_BYTES)


class SQLiteKeyStore:
    """The key store in its own SQLite file."""

    def __init__(self, path: Path, *, create: bool = True) -> None:
        self.path = path
        self.create = create
        if create:
            with self._connect() as conn:
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS data_subjects ("
                    " subject TEXT PRIMARY KEY, case_reference TEXT NOT NULL UNIQUE,"
                    " key BLOB, created_at TEXT NOT NULL, erased_at TEXT, basis TEXT)"
                )

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        if not self.create and not self.path.exists():
            raise UnknownSubject(f"no key store at {self.path}")
        with closing(sqlite3.connect(self.path, timeout=30)) as conn, conn:
            yield conn

    def key_for_case(self, case: str) -> tuple[str, bytes]:
        subject, key = _mint()
        with self._connect() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO data_subjects (subject, case_reference, key, created_at)"
                " VALUES (?, ?, ?, ?)",
                (subject, case, key, _now()),
            )
            row = conn.execute(
                "SELECT subject, key FROM data_subjects WHERE case_reference = ?", (case,)
            ).fetchone()
        return _usable(case, row)

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
        # SQLite keeps deleted bytes in free pages until they are reused: wipe them.
        with closing(sqlite3.connect(self.path, timeout=30)) as conn:
            conn.execute("VACUUM")
        return self.subject(subject)


class PostgresKeyStore:
    """The key store in its own PostgreSQL schema."""

    def __init__(self, connect: Any, schema: str, *, create: bool = True) -> None:
        self._connect_args = connect
        self.schema = schema
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

    def key_for_case(self, case: str) -> tuple[str, bytes]:
        subject, key = _mint()
        with self._connect() as conn:
            conn.execute(
                f'INSERT INTO "{self.schema}".data_subjects'
                " (subject, case_reference, key, created_at) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT (case_reference) DO NOTHING",
                (subject, case, key, _now()),
            )
            row = conn.execute(
                f'SELECT subject, key FROM "{self.schema}".data_subjects WHERE case_reference = %s',
                (case,),
            ).fetchone()
        return _usable(case, row)

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
