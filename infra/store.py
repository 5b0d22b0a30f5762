"""Event store wiring: one function builds the ledger from settings."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.persistence import (
    InfrastructureFactory,
    OperationalError,
    ProgrammingError,
    TrackingRecorder,
)
from eventsourcing.postgres import PostgresFactory
from eventsourcing.sqlite import SQLiteFactory
from eventsourcing.utils import Environment

from claims_ledger.domain.ledger import Ledger
from claims_ledger.infra.codec import AGGREGATE_TYPES, EnvelopeChain
from claims_ledger.infra.deadline_store import backfill_deadline_index
from claims_ledger.infra.errors import NoLedgerHere
from claims_ledger.infra.keystore import KEYS_FILE, KeyStore, PostgresKeyStore, SQLiteKeyStore
from claims_ledger.infra.privacy import KeyStoreBoundary
from claims_ledger.infra.seal_store import backfill_seals
from claims_ledger.infra.settings import EVENTS_FILE, Settings
from claims_ledger.projections.read_model import PostgresReadModel, SQLiteReadModel

ReadModel = SQLiteReadModel | PostgresReadModel


def build_ledger(settings: Settings) -> Ledger:
    """The ledger, opened for writing: SQLite files (and their folder) are created here, the
    seals table is created if missing, and the events of a store written before seals existed
    are sealed (once, in notification order)."""
    _make_data_dir(settings)
    settings.apply_libpq_environment()
    env = settings.event_store_env()
    with _first_open_serialised(settings):
        ledger = Ledger(env=env, calendar=settings.calendar())
        ledger.personal_data = KeyStoreBoundary(open_key_store(settings))
    backfill_seals(ledger)
    backfill_deadline_index(ledger)
    return ledger


def open_key_store(settings: Settings, *, create: bool = True) -> KeyStore:
    """The key store of personal data: its own SQLite file, or its own PostgreSQL schema."""
    if settings.uses_postgres:
        return PostgresKeyStore(
            settings.postgres_connect_args(), settings.ledger_key_store_schema, create=create
        )
    return SQLiteKeyStore(settings.ledger_data_dir / KEYS_FILE, create=create)


@contextmanager
def _first_open_serialised(settings: Settings) -> Iterator[None]:
    """Processes opening one store at once take turns. SQLite: the library switches a new file
    to WAL mode when it connects, and SQLite refuses that (without waiting) to a second process
    connecting at the same moment. PostgreSQL: `CREATE TABLE IF NOT EXISTS` is not safe against
    the same statement in a concurrent session (a duplicate row type), so every table of the
    first open (the library's snapshots among them) is created under one advisory lock."""
    if settings.uses_postgres:
        import psycopg

        key = f"claims_ledger.first_open:{settings.ledger_postgres_schema}"
        with psycopg.connect(**settings.postgres_connect_args(), autocommit=True) as conn:
            conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (key,))
            try:
                yield
            finally:
                conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (key,))
        return
    with open(settings.ledger_data_dir / f"{EVENTS_FILE}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def open_ledger_for_audit(settings: Settings) -> Ledger:
    """The ledger as it is, for an auditor: creates nothing (no folder, no file, no table) and
    seals nothing; refuses a data folder that holds no ledger."""
    require_existing_ledger(settings)
    settings.apply_libpq_environment()
    env = settings.event_store_env() | {"CREATE_TABLE": "no"}
    ledger = Ledger(env=env, calendar=settings.calendar())
    if ledger.snapshots is not None and not _snapshots_readable(ledger):
        # A store last written before snapshots existed has no snapshots table: read it by
        # replaying events alone (nothing is created for a read).
        ledger = Ledger(env=env | {"IS_SNAPSHOTTING_ENABLED": "n"}, calendar=settings.calendar())
    return ledger


def _snapshots_readable(ledger: Ledger) -> bool:
    assert ledger.snapshots is not None
    try:
        ledger.snapshots.recorder.select_events(uuid4(), limit=1)
    except (OperationalError, ProgrammingError):
        return False
    return True


def _make_data_dir(settings: Settings) -> None:
    if not settings.uses_postgres:
        settings.ledger_data_dir.mkdir(parents=True, exist_ok=True)


def require_existing_ledger(settings: Settings) -> None:
    """Read and audit commands never create a ledger: refuse when the data folder holds none,
    before any store is opened (SQLite would create empty files)."""
    if settings.uses_postgres:
        return
    folder = settings.ledger_data_dir
    if not folder.is_dir():
        raise NoLedgerHere(
            f"data folder {folder} does not exist: check LEDGER_DATA_DIR "
            "(apply, demo, relay and consume create it; read and audit commands do not)"
        )
    if not (folder / EVENTS_FILE).is_file():
        hint = ""
        if (folder / "demo" / EVENTS_FILE).is_file():
            hint = f"; the demo's ledger is in {folder / 'demo'}"
        raise NoLedgerHere(
            f"data folder {folder} holds no ledger (no {EVENTS_FILE}): check LEDGER_DATA_DIR{hint}"
        )


def relay_tracking_recorder(ledger: Ledger) -> TrackingRecorder:
    """The relay's position lives beside the events it publishes (same database)."""
    return ledger.factory.tracking_recorder()


def envelope_chain(ledger: Ledger) -> EnvelopeChain:
    def earlier_events(aggregate_id: UUID, below_version: int) -> Iterator[Any]:
        yield from ledger.events.get(aggregate_id, lte=below_version - 1)

    return EnvelopeChain(AGGREGATE_TYPES, earlier_events)


def iter_stored_events(ledger: Ledger, *, after: int = 0, batch: int = 500) -> Iterator[Any]:
    """Every stored event in notification order, decoded to domain events, with its id."""
    position = after
    while True:
        notifications = ledger.recorder.select_notifications(
            start=position, limit=batch, inclusive_of_start=False
        )
        if not notifications:
            return
        for notification in notifications:
            yield notification.id, ledger.mapper.to_domain_event(notification)
        position = notifications[-1].id


def open_read_model(settings: Settings, prefix: str = "rm_") -> ReadModel:
    """The read-model store (SQLite file beside the events, or the PostgreSQL database)."""
    _make_data_dir(settings)
    settings.apply_libpq_environment()
    factory = InfrastructureFactory.construct(Environment("READMODELS", settings.read_model_env()))
    read_model: ReadModel
    if isinstance(factory, PostgresFactory):
        read_model = PostgresReadModel(factory.datastore, prefix=prefix)
    elif isinstance(factory, SQLiteFactory):
        read_model = SQLiteReadModel(factory.datastore, prefix=prefix)
    else:
        raise TypeError(f"unsupported read-model persistence: {type(factory).__name__}")
    with _first_open_serialised(settings):
        read_model.create_table()
    return read_model
