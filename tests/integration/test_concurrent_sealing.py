"""Seals under concurrency, on real SQLite files and a real PostgreSQL server: two OS processes
opening one store and writing at once, a write refused as stale and made again, and two
processes sealing a store written before seals existed, at the same moment."""

from __future__ import annotations

import multiprocessing
from typing import Any

from claims_ledger.domain.complaints.complaint import complaint_id
from claims_ledger.domain.envelope import GENESIS_HASH
from claims_ledger.domain.ledger import Ledger
from claims_ledger.infra.audit import verify
from claims_ledger.infra.seal_store import backfill_seals, sealing_recorder
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import (
    build_ledger,
    envelope_chain,
    iter_stored_events,
    open_ledger_for_audit,
)
from tests.factories import complaint_lifecycle
from tests.integration import test_section_iv_concurrency as section_iv

SPAWN = multiprocessing.get_context("spawn")


def run_in_two_processes(target: Any, *args: Any) -> list[Any]:
    """Run `target(name, barrier, results, *args)` in two OS processes; their results."""
    barrier, results = SPAWN.Barrier(2), SPAWN.Queue()
    processes = [
        SPAWN.Process(target=target, args=(name, barrier, results, *args)) for name in "AB"
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=180)
        assert process.exitcode == 0
    return [results.get(timeout=10) for _ in processes]


def open_and_write(name: str, barrier: Any, results: Any, settings: Settings) -> None:
    barrier.wait(timeout=60)  # both open the fresh store at the same moment
    ledger = build_ledger(settings)
    for n in range(6):
        complaint_lifecycle(ledger, f"C-{name}-{n}", steps=4)
    results.put(name)


def open_and_backfill(name: str, barrier: Any, results: Any, settings: Settings) -> None:
    ledger = Ledger(env=settings.event_store_env())  # creates the seals table, seals nothing
    barrier.wait(timeout=60)
    results.put(backfill_seals(ledger, batch_size=5))


def assert_every_chain_is_whole(settings: Settings) -> None:
    audited = open_ledger_for_audit(settings)
    report = verify(audited)
    assert report.ok, report.lines()
    stored = sum(1 for _ in iter_stored_events(audited))  # ids may skip: a refused write
    assert report.stored_events == report.sealed_events == stored


def test_two_processes_opening_a_fresh_store_and_writing_at_once_leave_whole_seal_chains(
    store_settings: Settings,
) -> None:
    # act
    run_in_two_processes(open_and_write, store_settings)
    # assert: 2 x 6 complaints of 7 events, every one sealed, every chain linked from genesis
    assert_every_chain_is_whole(store_settings)
    ledger = build_ledger(store_settings)  # kept: a collected Application closes its store
    seals = sealing_recorder(ledger).select_seals(0)
    assert len(seals) == 2 * 6 * 7
    first = seals[min(s for s in seals if seals[s].aggregate_id == complaint_id("C-B-5"))]
    assert first.version == 1 and first.prev_hash == GENESIS_HASH


def test_a_decision_refused_as_stale_is_made_again_and_sealed_on_the_fresh_chain(
    store_settings: Settings,
) -> None:
    """The EC-IV-1 race: both processes chain their policy event to the same stored seal; the
    store refuses the second, which is decided again and chained to the first one's seal."""
    section_iv.test_two_processes_deciding_section_iv_at_once_never_exceed_the_aggregate(
        store_settings
    )
    assert_every_chain_is_whole(store_settings)


def test_two_processes_sealing_a_store_written_before_seals_seal_each_event_once(
    store_settings: Settings,
) -> None:
    # arrange: a store written without seals (as 0.1.0 wrote it), and the hashes 0.1.0 published
    unsealed_env = settings_env_without_seals(store_settings)
    old = Ledger(env=unsealed_env)
    for n in range(4):
        complaint_lifecycle(old, f"C-{n}", steps=3 + n)
    chain = envelope_chain(old)
    published = {
        notification_id: chain.envelope(event) for notification_id, event in iter_stored_events(old)
    }
    old.close()
    # act: two processes open it for writing at the same moment, sealing in batches of 5
    sealed = run_in_two_processes(open_and_backfill, store_settings)
    # assert: each event sealed once, with the hash 0.1.0 would have published
    assert sum(sealed) == len(published)
    ledger = build_ledger(store_settings)  # kept: a collected Application closes its store
    seals = sealing_recorder(ledger).select_seals(0)
    assert {n: (s.prev_hash, s.hash) for n, s in seals.items()} == {
        n: (e.prev_hash, e.hash) for n, e in published.items()
    }
    assert_every_chain_is_whole(store_settings)


def settings_env_without_seals(settings: Settings) -> dict[str, str]:
    if not settings.uses_postgres:
        settings.ledger_data_dir.mkdir(parents=True, exist_ok=True)
    env = settings.event_store_env()
    del env["APPLICATION_RECORDER_TOPIC"]  # the library's own recorder, as 0.1.0 used
    return env
