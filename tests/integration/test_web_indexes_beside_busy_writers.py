"""Opening a read model and creating the web application's indexes while others write the
same database: on SQLite beside a consumer committing to the file, they wait for the write lock
instead of failing at once with "database is locked"; on PostgreSQL two web applications
starting at once take turns instead of colliding on an index's name (issue 12: the read side
shared by consumers, rebuilds and the web application). Real SQLite file and a real second
process; a real PostgreSQL server."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from claims_ledger.infra.settings import READ_MODEL_FILE, Settings
from claims_ledger.infra.store import ReadModel, open_read_model
from claims_ledger.infra.web.indexes import INDEXES, ensure_indexes, index_statements
from tests.busy_sqlite import committing_to

ROUNDS = 60
"""Read models opened (or indexes added) one after another while the file takes a commit every
half millisecond. With the library's plain BEGIN about one round in five failed."""


@pytest.fixture
def busy_read_model_file(sqlite_settings: Settings) -> Iterator[None]:
    open_read_model(sqlite_settings)  # creates the file
    with committing_to(sqlite_settings.ledger_data_dir / READ_MODEL_FILE):
        yield


def test_opening_a_read_model_beside_a_committing_consumer_waits_for_the_write_lock(
    sqlite_settings: Settings, busy_read_model_file: None
) -> None:
    # act: what the web application, a second consumer or a rebuild does first
    read_models = [open_read_model(sqlite_settings, prefix=f"o{n}_") for n in range(ROUNDS)]
    # assert: each opened with its tables and its tracking table's bookkeeping
    for read_model in read_models:
        assert read_model.position("eventstore") is None
        assert read_model.complaint_status("no-such-case") is None


def test_indexes_a_new_web_version_adds_beside_a_committing_consumer_wait_for_the_write_lock(
    sqlite_settings: Settings, busy_read_model_file: None
) -> None:
    # arrange: read models an earlier version indexed with the first index only
    read_models = [open_read_model(sqlite_settings, prefix=f"w{n}_") for n in range(ROUNDS)]
    for read_model in read_models:
        with read_model._transaction() as c:
            c.execute(index_statements(read_model.prefix)[0])
    # act: the new version's start reads that one, then creates the others
    for read_model in read_models:
        ensure_indexes(read_model)
    # assert: every index of every read model exists
    for read_model in read_models:
        with read_model.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE ?",
                (f"{read_model.prefix}web_%",),
            )
            names = {row[0] for row in c.fetchall()}
        assert names == {f"{read_model.prefix}{name}" for name, _, _ in INDEXES}


@pytest.mark.postgres
def test_two_web_applications_starting_at_once_on_postgresql_both_get_every_index(
    postgres_settings: Settings,
) -> None:
    # arrange: two processes' worth of read models on one database, new prefixes each round
    rounds = 15
    pairs = [
        (
            open_read_model(postgres_settings, prefix=f"p{n}_"),
            open_read_model(postgres_settings, prefix=f"p{n}_"),
        )
        for n in range(rounds)
    ]
    problems: list[BaseException] = []

    def start(read_model: ReadModel, ready: threading.Barrier) -> None:
        ready.wait()
        try:
            ensure_indexes(read_model)
        except BaseException as error:  # reported by the assertion below
            problems.append(error)

    # act: both create the same indexes at the same moment
    for first, second in pairs:
        ready = threading.Barrier(2)
        threads = [threading.Thread(target=start, args=(rm, ready)) for rm in (first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    # assert
    assert problems == []
    for first, _ in pairs:
        with first.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT indexname FROM pg_indexes WHERE indexname LIKE %s",
                (f"{first.prefix}web_%",),
            )
            names = {row["indexname"] for row in c.fetchall()}
        assert names == {f"{first.prefix}{name}" for name, _, _ in INDEXES}
