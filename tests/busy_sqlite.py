"""Another process committing to a SQLite file every half millisecond, as a consumer, a relay
or a file being applied does under load: for tests that the ledger's own writes to that file
wait for the write lock instead of failing with "database is locked"."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HAMMER = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
db.execute("CREATE TABLE IF NOT EXISTS hammer (x INTEGER)")
print("ready", flush=True)
while True:
    db.execute("BEGIN")
    db.execute("INSERT INTO hammer VALUES (1)")
    db.execute("COMMIT")
    time.sleep(0.0005)
"""


@contextmanager
def committing_to(path: Path) -> Iterator[None]:
    """A second process commits a row to `path` every half millisecond while the block runs."""
    writer = subprocess.Popen(
        [sys.executable, "-c", HAMMER, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
        yield
    finally:
        writer.kill()
        writer.wait()
