"""The attacker of the tamper-evidence tests: someone with write access to the data folder (or
the PostgreSQL database) who changes stored events with plain SQL, and who may also rewrite every
hash kept beside them (the seals table and the read model's copy) so that they agree again."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import StoredEvent

from claims_ledger.domain.envelope import GENESIS_HASH, envelope_of
from claims_ledger.domain.ledger import Ledger
from claims_ledger.infra.settings import Settings


@dataclass(frozen=True)
class StoredRow:
    notification_id: int
    aggregate_id: UUID
    version: int
    topic: str
    state: bytes


class Attacker:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.postgres = settings.uses_postgres
        # The library's table names: SQLite `stored_events`, PostgreSQL `<app>_events`.
        self.events = "claimsledger_events" if self.postgres else "stored_events"
        self.seals = "claimsledger_seals" if self.postgres else "stored_seals"
        self.position = "notification_id" if self.postgres else "rowid"

    # -- connections --------------------------------------------------------------------------

    @contextmanager
    def _events_db(self) -> Iterator[Any]:
        if self.postgres:
            s = self.settings
            with psycopg.connect(
                dbname=s.ledger_postgres_dbname,
                host=s.ledger_postgres_host,
                port=s.ledger_postgres_port,
                user=s.ledger_postgres_user,
                password=s.ledger_postgres_password.get_secret_value(),
            ) as postgres:
                yield postgres  # commits on a clean exit
        else:
            db = sqlite3.connect(self.settings.ledger_data_dir / "events.sqlite")
            try:
                yield db
                db.commit()
            finally:
                db.close()

    @contextmanager
    def _read_model_db(self) -> Iterator[Any]:
        if self.postgres:
            with self._events_db() as conn:
                yield conn
        else:
            db = sqlite3.connect(self.settings.ledger_data_dir / "readmodels.sqlite")
            try:
                yield db
                db.commit()
            finally:
                db.close()

    def _sql(self, statement: str) -> str:
        return statement.replace("?", "%s") if self.postgres else statement

    def _id(self, aggregate_id: UUID) -> Any:
        return aggregate_id if self.postgres else aggregate_id.hex

    # -- what is stored -----------------------------------------------------------------------

    def rows(self, aggregate_id: UUID | None = None) -> list[StoredRow]:
        where, params = (
            ("WHERE originator_id = ?", [self._id(aggregate_id)]) if aggregate_id else ("", [])
        )
        with self._events_db() as db:
            rows = db.execute(
                self._sql(
                    f"SELECT {self.position}, originator_id, originator_version, topic, state "
                    f"FROM {self.events} {where} ORDER BY {self.position}"
                ),
                params,
            ).fetchall()
        return [StoredRow(r[0], UUID(str(r[1])), r[2], r[3], bytes(r[4])) for r in rows]

    def row(self, aggregate_id: UUID, version: int) -> StoredRow:
        return next(r for r in self.rows(aggregate_id) if r.version == version)

    def seal_count(self) -> int:
        with self._events_db() as db:
            return int(db.execute(f"SELECT COUNT(*) FROM {self.seals}").fetchone()[0])

    # -- tampering ------------------------------------------------------------------------------

    def alter(self, row: StoredRow, old: bytes, new: bytes) -> None:
        assert old in row.state, (old, row.state)
        with self._events_db() as db:
            db.execute(
                self._sql(f"UPDATE {self.events} SET state = ? WHERE {self.position} = ?"),
                (row.state.replace(old, new), row.notification_id),
            )

    def delete(self, row: StoredRow, *, with_seal: bool = False) -> None:
        with self._events_db() as db:
            db.execute(
                self._sql(f"DELETE FROM {self.events} WHERE {self.position} = ?"),
                (row.notification_id,),
            )
            if with_seal:
                db.execute(
                    self._sql(f"DELETE FROM {self.seals} WHERE notification_id = ?"),
                    (row.notification_id,),
                )

    def close_gap(self, aggregate_id: UUID, deleted_version: int) -> None:
        """Renumber the later events of a case so that its versions run on without a gap."""
        later = [r for r in self.rows(aggregate_id) if r.version > deleted_version]
        with self._events_db() as db:
            for r in sorted(later, key=lambda r: r.version):
                db.execute(
                    self._sql(
                        f"UPDATE {self.events} SET originator_version = ? "
                        "WHERE originator_id = ? AND originator_version = ?"
                    ),
                    (r.version - 1, self._id(aggregate_id), r.version),
                )

    def insert_after(self, row: StoredRow, *, in_place: bool = False) -> None:
        """A copy of an event, stored as the next version of its case (e.g. a second payment):
        at the end of the log, or `in_place` right after `row` (later events move one on)."""
        with self._events_db() as db:
            if in_place:
                # Through negative positions: each id stays unique at every step.
                for sign, shift in ((-1, 1), (-1, 0)):
                    db.execute(
                        self._sql(
                            f"UPDATE {self.events} SET {self.position} = "
                            f"{sign} * ({self.position} + {shift}) "
                            f"WHERE {self.position} > ? OR {self.position} < 0"
                        ),
                        (row.notification_id,),
                    )
                db.execute(
                    self._sql(
                        f"INSERT INTO {self.events} ({self.position}, originator_id, "
                        "originator_version, topic, state) VALUES (?, ?, ?, ?, ?)"
                    ),
                    (
                        row.notification_id + 1,
                        self._id(row.aggregate_id),
                        row.version + 1,
                        row.topic,
                        row.state,
                    ),
                )
                return
            db.execute(
                self._sql(
                    f"INSERT INTO {self.events} (originator_id, originator_version, topic, state) "
                    "VALUES (?, ?, ?, ?)"
                ),
                (self._id(row.aggregate_id), row.version + 1, row.topic, row.state),
            )

    def swap_positions(self, first: StoredRow, second: StoredRow) -> None:
        """Exchange the places of two events in the notification log."""
        with self._events_db() as db:
            for source, target in (
                (first.notification_id, -1),
                (second.notification_id, first.notification_id),
                (-1, second.notification_id),
            ):
                db.execute(
                    self._sql(
                        f"UPDATE {self.events} SET {self.position} = ? WHERE {self.position} = ?"
                    ),
                    (target, source),
                )

    def rewrite_every_hash(self, ledger: Ledger) -> None:
        """Recompute the seal of every stored event, as the ledger would have, and put those
        hashes in the seals table and in the read model: nothing kept locally disagrees."""
        last: dict[UUID, str] = {}
        seals: list[tuple[int, Any, int, str, str]] = []
        for row in self.rows():
            event = ledger.mapper.to_domain_event(
                StoredEvent(row.aggregate_id, row.version, row.topic, row.state)
            )
            prev = last.get(row.aggregate_id, GENESIS_HASH)
            sealed = envelope_of(event, ledger.aggregate_types.of(event), prev)
            last[row.aggregate_id] = sealed.hash
            seals.append(
                (row.notification_id, self._id(row.aggregate_id), row.version, prev, sealed.hash)
            )
        with self._events_db() as db:
            db.execute(f"DELETE FROM {self.seals}")
            db.cursor().executemany(
                self._sql(
                    f"INSERT INTO {self.seals} (notification_id, aggregate_id, version, "
                    "prev_hash, hash) VALUES (?, ?, ?, ?, ?)"
                ),
                seals,
            )
        by_key = {(str(UUID(str(s[1]))), s[2]): (s[3], s[4]) for s in seals}
        with self._read_model_db() as db:
            for aggregate_id, version in db.execute(
                "SELECT aggregate_id, version FROM rm_ledger_events"
            ).fetchall():
                if (aggregate_id, version) not in by_key:
                    db.execute(
                        self._sql(
                            "DELETE FROM rm_ledger_events WHERE aggregate_id = ? AND version = ?"
                        ),
                        (aggregate_id, version),
                    )
                    continue
                prev, hashed = by_key[(aggregate_id, version)]
                db.execute(
                    self._sql(
                        "UPDATE rm_ledger_events SET prev_hash = ?, hash = ? "
                        "WHERE aggregate_id = ? AND version = ?"
                    ),
                    (prev, hashed, aggregate_id, version),
                )
