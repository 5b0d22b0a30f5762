"""Event store wiring: one function builds the ledger from settings."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InfrastructureFactory, TrackingRecorder
from eventsourcing.postgres import PostgresFactory
from eventsourcing.sqlite import SQLiteFactory
from eventsourcing.utils import Environment

from claims_ledger.domain.errors import LedgerError
from claims_ledger.domain.ledger import Ledger
from claims_ledger.infra.codec import AGGREGATE_TYPES, EnvelopeChain
from claims_ledger.infra.seal_store import backfill_seals
from claims_ledger.infra.settings import Settings
from claims_ledger.projections.read_model import PostgresReadModel, SQLiteReadModel

ReadModel = SQLiteReadModel | PostgresReadModel


def build_ledger(settings: Settings) -> Ledger:
    """The ledger, opened for writing: the seals table is created if missing, and the events
    of a store written before seals existed are sealed (once, in notification order)."""
    env = settings.event_store_env()
    with _first_open_serialised(settings):
        ledger = Ledger(env=env, calendar=settings.calendar())
    backfill_seals(ledger)
    return ledger


@contextmanager
def _first_open_serialised(settings: Settings) -> Iterator[None]:
    """SQLite: processes opening one events file at once take turns. The library switches a new
    file to WAL mode when it connects, and SQLite refuses that (without waiting) to a second
    process connecting at the same moment."""
    if settings.uses_postgres:  # an advisory lock serialises the tables' creation
        yield
        return
    with open(settings.ledger_data_dir / "events.sqlite.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


class DataFolderMissing(LedgerError):
    """An auditor pointed at a data folder (or event store) that does not exist."""


def open_ledger_for_audit(settings: Settings) -> Ledger:
    """The ledger as it is, for an auditor: creates nothing (no folder, no file, no table) and
    seals nothing; refuses a data folder that does not exist."""
    if not settings.uses_postgres:
        events = settings.ledger_data_dir / "events.sqlite"
        if not events.is_file():
            what = "event store" if settings.ledger_data_dir.is_dir() else "data folder"
            raise DataFolderMissing(
                f"no {what} at {events if what == 'event store' else settings.ledger_data_dir}: "
                "set LEDGER_DATA_DIR to the folder holding events.sqlite (nothing was created)"
            )
    return Ledger(
        env=settings.event_store_env() | {"CREATE_TABLE": "no"}, calendar=settings.calendar()
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
    factory = InfrastructureFactory.construct(Environment("READMODELS", settings.read_model_env()))
    read_model: ReadModel
    if isinstance(factory, PostgresFactory):
        read_model = PostgresReadModel(factory.datastore, prefix=prefix)
    elif isinstance(factory, SQLiteFactory):
        read_model = SQLiteReadModel(factory.datastore, prefix=prefix)
    else:
        raise TypeError(f"unsupported read-model persistence: {type(factory).__name__}")
    read_model.create_table()
    return read_model
