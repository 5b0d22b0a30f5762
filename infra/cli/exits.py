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
        return BAD_INPUT, _storage_line(error)
    if isinstance(error, OSError):
        return BAD_INPUT, _os_line(error)
    log.debug("cli.internal_error", exc_info=error)
    return INTERNAL_ERROR, (
        f"internal error ({type(error).__name__}: {_line(error)}); this is a bug: "
        "LOG_LEVEL=debug shows the traceback"
    )


_STORAGE_FAULTS = (
    (
        ("disk i/o error", "database or disk is full", "no space left"),
        "the disk holding the data folder is full or failing",
        "free space where LEDGER_DATA_DIR points",
    ),
    (
        ("readonly database", "read-only", "unable to open database file"),
        "the data folder cannot be written or opened",
        "give this user a writable LEDGER_DATA_DIR (reading commands too: SQLite writes its "
        "shared-memory file beside the database)",
    ),
    (
        ("file is not a database", "database disk image is malformed"),
        "the database file is damaged (not SQLite, or corrupt)",
        "restore LEDGER_DATA_DIR from a backup; `claims-ledger verify` checks a restored copy",
    ),
    (
        ("database is locked",),
        "another process held the database's write lock too long",
        "try again; if it lasts, look for a stuck claims-ledger process",
    ),
)


def _storage_line(error: Exception) -> str:
    detail = f"{type(error).__name__}: {_line(error)}"
    lowered = detail.lower()
    for needles, what, advice in _STORAGE_FAULTS:
        if any(needle in lowered for needle in needles):
            return f"{what} ({detail}): {advice}; nothing was stored by this command"
    return (
        f"the database failed ({detail}): check LEDGER_DATA_DIR or the LEDGER_POSTGRES_* "
        "settings, and that the server is running; nothing was stored by this command"
    )


def _os_line(error: OSError) -> str:
    import errno

    where = f" ({error.filename})" if error.filename else ""
    if error.errno == errno.EROFS or error.errno == errno.EACCES:
        return (
            f"cannot write{where}: {error.strerror}; give this user a writable LEDGER_DATA_DIR; "
            "nothing was stored by this command"
        )
    if error.errno == errno.ENOSPC:
        return f"the disk is full{where}; free space where LEDGER_DATA_DIR points"
    return _line(error)


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
