"""Exit statuses, and the one line each failure leaves on stderr (never a traceback).

0 done; 1 a check failed (verify or rebuild found a difference); 2 bad input, usage, settings,
an unreachable broker or database, a data folder without a ledger; 70 an internal error (a bug:
the traceback is logged at debug level); 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import sqlite3

import structlog

from claims_ledger.domain.errors import LedgerError
from claims_ledger.infra.errors import SetupError

log = structlog.get_logger(__name__)

OK = 0
CHECK_FAILED = 1
BAD_INPUT = 2
INTERNAL_ERROR = 70
INTERRUPTED = 130


def explain(error: Exception) -> tuple[int, str]:
    """The exit status and the line for an error a command raised."""
    if isinstance(error, LedgerError | SetupError):
        return BAD_INPUT, str(error)
    if isinstance(error, TimeoutError):
        return BAD_INPUT, f"timed out: {error}"
    if type(error).__module__.startswith("kafka"):
        return BAD_INPUT, (
            f"Kafka failed ({type(error).__name__}: {_line(error)}): check "
            "KAFKA_BOOTSTRAP_SERVERS and that the broker is running"
        )
    if _is_database_error(error):
        return BAD_INPUT, (
            f"the database failed ({type(error).__name__}: {_line(error)}): check "
            "LEDGER_DATA_DIR or the LEDGER_POSTGRES_* settings, and that the server is running"
        )
    if isinstance(error, OSError):
        return BAD_INPUT, _line(error)
    log.debug("cli.internal_error", exc_info=error)
    return INTERNAL_ERROR, (
        f"internal error ({type(error).__name__}: {_line(error)}); this is a bug: "
        "LOG_LEVEL=debug shows the traceback"
    )


def _is_database_error(error: Exception) -> bool:
    from eventsourcing.persistence import PersistenceError

    module = type(error).__module__
    return (
        isinstance(error, PersistenceError | sqlite3.Error)
        or module.startswith("psycopg")
        or module.startswith("psycopg_pool")
    )


def _line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
