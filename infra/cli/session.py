"""What a command needs around it: settings (checked, with a warning for every mistyped
variable), logging, and its stores, opened for reading or for writing.

Read and audit commands never create a ledger: pointed at a data folder that holds none, they
refuse before opening anything. Write commands (apply, demo, relay, consume, broker) may create
it. A PostgreSQL server is asked once for a connection before the stores are opened, so that a
server that is down is reported in seconds.
"""

from __future__ import annotations

import os
import signal
import threading
from dataclasses import dataclass, field
from typing import Any, TypeVar

import structlog

from claims_ledger.domain.ledger import Ledger
from claims_ledger.infra.cli.output import warn
from claims_ledger.infra.logging import configure_logging
from claims_ledger.infra.reachability import check_database
from claims_ledger.infra.settings import Settings, unknown_variables
from claims_ledger.infra.store import (
    ReadModel,
    build_ledger,
    open_ledger_for_audit,
    open_read_model,
    require_existing_ledger,
)

T = TypeVar("T")
log = structlog.get_logger(__name__)


def load_settings(quiet: bool = False) -> Settings:
    """Settings from the environment, and logging configured by them. `quiet` keeps logs at
    warnings (unless LOG_LEVEL says otherwise) for commands that print a table for a person."""
    for name, closest in unknown_variables(os.environ):
        warn(f"{name} is not a setting of the ledger and is ignored; did you mean {closest}?")
    settings = Settings.from_environment()
    level = "warning" if quiet and "LOG_LEVEL" not in os.environ else settings.log_level
    configure_logging(settings.log_format, level)
    return settings


@dataclass
class Session:
    """A command's stores, opened on first use: `reading` ones refuse a missing ledger."""

    settings: Settings
    reading: bool
    _ledger: Ledger | None = field(default=None, init=False)
    _read_models: dict[str, ReadModel] = field(default_factory=dict, init=False)
    _checked: bool = field(default=False, init=False)

    def _check(self) -> None:
        if not self._checked:
            if self.reading:
                require_existing_ledger(self.settings)
            check_database(self.settings)
            self._checked = True

    def ledger(self) -> Ledger:
        if self._ledger is None:
            self._check()
            # A read opens the store as it is (no table created, no seal backfilled).
            opener = open_ledger_for_audit if self.reading else build_ledger
            self._ledger = opener(self.settings)
        return self._ledger

    def reveal(self, value: T) -> T:
        """Personal fields in clear for the person reading a case (or `[erased]`)."""
        from claims_ledger.infra.privacy import Revealer
        from claims_ledger.infra.store import open_key_store

        revealed: T = Revealer(open_key_store(self.settings, create=False)).reveal(value)
        return revealed

    def read_model(self, prefix: str = "rm_", *, explain_empty: bool = True) -> ReadModel:
        """The read model under `prefix`; for a view (`explain_empty`), a warning when it is
        empty while the event store is not."""
        if prefix not in self._read_models:
            self._check()
            read_model = self._read_models[prefix] = open_read_model(self.settings, prefix=prefix)
            if self.reading and explain_empty and read_model.is_empty():
                self._say_why_empty()
        return self._read_models[prefix]

    def _say_why_empty(self) -> None:
        """A view of an empty read model over a store that holds events reads like a real
        answer ("0 complaints"): say on stderr why, and what fills it."""
        stored = self.ledger().recorder.max_notification_id() or 0
        if stored:
            warn(
                f"the read model is empty but the event store is not ({stored} events): run "
                "`claims-ledger relay` and `claims-ledger consume`, or `claims-ledger rebuild "
                "--replace`, to fill it; until then these views are empty"
            )


def for_reading(quiet: bool = False) -> Session:
    """Read and audit commands: an existing ledger, or a refusal that creates nothing."""
    session = Session(load_settings(quiet), reading=True)
    session._check()
    return session


def for_writing(quiet: bool = False) -> Session:
    return Session(load_settings(quiet), reading=False)


class Stop:
    """Set by SIGTERM (a clean stop) or SIGINT (Ctrl-C: the command then exits with 130)."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.interrupted = False

    def install(self) -> Stop:
        signal.signal(signal.SIGTERM, self._handle)
        signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum: int, _frame: Any) -> None:
        log.info("signal.received", signal=signal.Signals(signum).name)
        self.interrupted = self.interrupted or signum == signal.SIGINT
        self.event.set()
