"""The read-model store on real SQLite files and a real PostgreSQL server: the effect and the
position in one transaction; a position applied twice is refused; duplicates are skipped."""

from __future__ import annotations

import pytest
from eventsourcing.persistence import IntegrityError

from claims_ledger.domain.complaints.complaint import complaint_id
from claims_ledger.infra.audit import rebuild, verify
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import build_ledger, envelope_chain, open_read_model
from claims_ledger.projections.read_model import ApplyResult, ChainBroken
from tests.factories import complaint_lifecycle


def test_the_same_position_applied_twice_is_refused(store_settings: Settings) -> None:
    ledger = build_ledger(store_settings)
    complaint_lifecycle(ledger, "C-1")
    envelopes = [envelope_chain(ledger).envelope(e) for e in ledger.history(complaint_id("C-1"))]
    read_model = open_read_model(store_settings)
    assert read_model.apply(envelopes[0], "src", 1) is ApplyResult.APPLIED
    with pytest.raises(IntegrityError):
        read_model.apply(envelopes[1], "src", 1)
    # the refused apply stored nothing of its effect either
    assert read_model.event_count() == 1
    assert read_model.complaint_statuses()[0].version == 1


def test_a_duplicate_version_is_skipped_but_its_position_kept(store_settings: Settings) -> None:
    ledger = build_ledger(store_settings)
    complaint_lifecycle(ledger, "C-1", steps=2)
    envelopes = [envelope_chain(ledger).envelope(e) for e in ledger.history(complaint_id("C-1"))]
    read_model = open_read_model(store_settings)
    read_model.apply(envelopes[0], "src", 1)
    read_model.apply(envelopes[1], "src", 2)
    assert read_model.apply(envelopes[0], "src", 3) is ApplyResult.DUPLICATE
    assert read_model.position("src") == 3
    assert read_model.event_count() == 2


def test_a_version_gap_or_a_foreign_prev_hash_is_refused(store_settings: Settings) -> None:
    ledger = build_ledger(store_settings)
    complaint_lifecycle(ledger, "C-1")
    complaint_lifecycle(ledger, "C-2")
    chain = envelope_chain(ledger)
    one = [chain.envelope(e) for e in ledger.history(complaint_id("C-1"))]
    two = [chain.envelope(e) for e in ledger.history(complaint_id("C-2"))]
    read_model = open_read_model(store_settings)
    read_model.apply(one[0], "src", 1)
    with pytest.raises(ChainBroken, match="version gap"):
        read_model.apply(one[2], "src", 2)
    forged = one[1].model_copy(update={"prev_hash": two[0].hash})
    with pytest.raises(ChainBroken, match="hash chain broken"):
        read_model.apply(forged, "src", 2)
    assert read_model.position("src") == 1


def test_a_rebuild_resumes_from_its_position_over_a_store_that_verifies(
    store_settings: Settings,
) -> None:
    ledger = build_ledger(store_settings)
    for n in range(5):
        complaint_lifecycle(ledger, f"C-{n}", steps=1 + n % 3)
    stored = ledger.recorder.max_notification_id()
    target = open_read_model(store_settings, prefix="rb_")
    assert rebuild(ledger, target) == stored
    assert rebuild(ledger, target) == 0  # resumes from its tracked position
    report = verify(ledger)
    assert report.ok and report.stored_events == report.sealed_events == stored
