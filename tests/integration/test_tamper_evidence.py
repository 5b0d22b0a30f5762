"""Issue 10, acceptance 1 (the checkpoint part lands with the signed checkpoints): an event
altered, deleted (the last of its case too), inserted or moved in the store, on SQLite and on
PostgreSQL, before and after the relay published it to a real broker, is named by `verify` with
its case, version and what is wrong.

An attacker who also rewrites every hash kept locally (the seals table and the read model's copy)
leaves nothing in the data folder that disagrees; only a signed checkpoint kept elsewhere (with
the leaf records written beside it) catches that, and names the first event that differs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest

from claims_ledger.domain.complaints.complaint import complaint_id
from claims_ledger.domain.ledger import Ledger
from claims_ledger.infra.audit import VerifyReport, verify
from claims_ledger.infra.checkpoint import CheckpointSigner
from claims_ledger.infra.checkpoint_log import (
    CHECKPOINTS_FILE,
    LEAVES_FILE,
    CheckpointWriter,
    TrustedCheckpoints,
    read_checkpoint_file,
    read_leaves,
)
from claims_ledger.infra.codec import decode
from claims_ledger.infra.kafka_io import ensure_topics, ledger_topics
from claims_ledger.infra.relay import Relay, SealBroken
from claims_ledger.infra.scenario import apply_file
from claims_ledger.infra.seal_store import UnsealedWrite
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import build_ledger, open_ledger_for_audit, open_read_model
from tests.factories import complaint_lifecycle
from tests.integration.test_kafka_pipeline import EXAMPLES
from tests.servers import read_topic
from tests.tampering import Attacker

C2 = complaint_id("C-2")
C3 = complaint_id("C-3")
LAST = 7  # C-2 below: received, two deadlines set, initial response, deadline met, verified,
# registered

Named = tuple[str, int, str]
"""(case reference, version, a phrase verify's line must hold)"""


def write_cases(settings: Settings) -> Ledger:
    ledger = build_ledger(settings)
    complaint_lifecycle(ledger, "C-1", steps=4)
    complaint_lifecycle(ledger, "C-2", steps=4)
    complaint_lifecycle(ledger, "C-3", steps=2)
    open_read_model(settings)  # the read model's tables exist, fed or not
    assert len(list(ledger.history(C2))) == LAST
    return ledger


def publish(settings: Settings, ledger: Ledger) -> None:
    """Relay everything to the broker, then feed the read model from what the broker holds."""
    relay = Relay(ledger, settings)
    try:
        while relay.publish_batch():
            pass
    finally:
        relay.close()
    read_model = open_read_model(settings)
    assert settings.kafka_bootstrap_servers is not None
    for topic in ledger_topics(settings):
        for message in read_topic(settings.kafka_bootstrap_servers, topic):
            m: Any = message
            read_model.apply(decode(m.value), f"{m.topic}:{m.partition}", m.offset + 1)
    assert read_model.event_count() == ledger.recorder.max_notification_id()


def checkpoints_taken_before_tampering(settings: Settings, ledger: Ledger) -> TrustedCheckpoints:
    """A checkpoint of the log signed before the attacker acts, kept (with its leaf records)
    in a folder outside the data folder, and only the public key to check it with."""
    outside = settings.ledger_data_dir.parent / "auditor"
    kept = settings.model_copy(update={"ledger_checkpoint_dir": outside})
    signer = CheckpointSigner.generate(kept.checkpoint_origin)
    CheckpointWriter(ledger, kept, signer).write()
    return TrustedCheckpoints(
        public_key=signer.verifier,
        notes=read_checkpoint_file(outside / CHECKPOINTS_FILE),
        leaves=read_leaves(outside / LEAVES_FILE),
        origin=kept.checkpoint_origin,
    )


# -- what the attacker does; what verify must name ---------------------------------------------


def alter(attacker: Attacker) -> list[Named]:
    attacker.alter(attacker.row(C2, 2), b'"C-2:0"', b'"C-9:0"')
    return [("C-2", 2, "altered")]


def delete(attacker: Attacker) -> list[Named]:
    attacker.delete(attacker.row(C2, 3))
    return [("C-2", 3, "deleted")]


def delete_last(attacker: Attacker) -> list[Named]:
    attacker.delete(attacker.row(C2, LAST))
    return [("C-2", LAST, "deleted")]


def delete_with_its_seal(attacker: Attacker) -> list[Named]:
    attacker.delete(attacker.row(C2, 3), with_seal=True)
    return [("C-2", 4, "skips v3")]


def insert(attacker: Attacker) -> list[Named]:
    attacker.insert_after(attacker.row(C2, LAST))
    return [("C-2", LAST + 1, "without a seal")]


def insert_into_the_log(attacker: Attacker) -> list[Named]:
    """A copy stored as the next version of its case, at the next position of the log: the
    events after it move one place on."""
    attacker.insert_after(attacker.row(C2, LAST), in_place=True)
    return [("C-2", LAST + 1, "")]


def swap(attacker: Attacker) -> list[Named]:
    # the last event of C-2 and the first of C-3 are neighbours in the log
    last, first = attacker.row(C2, LAST), attacker.row(C3, 1)
    assert first.notification_id == last.notification_id + 1
    attacker.swap_positions(last, first)
    return [("C-2", LAST, "moved"), ("C-3", 1, "moved")]


def delete_and_renumber(attacker: Attacker) -> list[Named]:
    """Deleted from the middle, and the later versions renumbered to leave no gap."""
    attacker.delete(attacker.row(C2, 3))
    attacker.close_gap(C2, 3)
    return [("C-2", 3, "")]


TAMPERINGS: dict[str, Callable[[Attacker], list[Named]]] = {
    "alter": alter,
    "delete": delete,
    "delete-last": delete_last,
    "delete-with-its-seal": delete_with_its_seal,
    "insert": insert,
    "swap": swap,
}

REWRITTEN: dict[str, Callable[[Attacker], list[Named]]] = {
    "alter": alter,
    "delete": delete_and_renumber,
    "delete-last": delete_last,
    "insert": insert_into_the_log,
    "swap": swap,
}
"""An event appended at the end of the log with every hash rewritten is not here: to a
checkpoint signed before it, it is a later event like any other (the next checkpoint covers it);
`test_an_event_appended_after_the_last_checkpoint_is_reported_as_not_yet_covered` shows what
verify says of it."""


def assert_names(report: VerifyReport, expected: list[Named]) -> None:
    assert not report.ok
    named = {(p.reference, p.version): p.line() for p in report.problems}
    assert set(named) == {(reference, version) for reference, version, _ in expected}, named
    for reference, version, phrase in expected:
        assert phrase in named[(reference, version)]
        assert named[(reference, version)].startswith(f"complaint {reference} (")


def tamper_and_verify(settings: Settings, tampering: Callable[[Attacker], list[Named]]) -> None:
    assert verify(open_ledger_for_audit(settings)).ok
    expected = tampering(Attacker(settings))
    assert_names(verify(open_ledger_for_audit(settings)), expected)


def tamper_rewrite_and_verify(
    settings: Settings, ledger: Ledger, tampering: Callable[[Attacker], list[Named]]
) -> None:
    checkpoints = checkpoints_taken_before_tampering(settings, ledger)
    attacker = Attacker(settings)
    expected = tampering(attacker)
    attacker.rewrite_every_hash(ledger)
    audited = open_ledger_for_audit(settings)
    assert verify(audited).ok  # nothing kept locally betrays it
    report = verify(audited, checkpoints=checkpoints)
    assert not report.ok
    # the checkpoint names the first leaf that differs, from the store's side and its own
    named = {(p.reference, p.version): p.line() for p in report.problems}
    for reference, version, phrase in expected:
        assert (reference, version) in named, report.lines()
        assert phrase in named[(reference, version)]
        assert "leaf" in named[(reference, version)]


# -- before publication --------------------------------------------------------------------------


@pytest.mark.parametrize("tampering", TAMPERINGS.values(), ids=TAMPERINGS.keys())
def test_verify_names_an_event_tampered_with_before_it_was_published(
    store_settings: Settings, tampering: Callable[[Attacker], list[Named]]
) -> None:
    write_cases(store_settings)
    tamper_and_verify(store_settings, tampering)


@pytest.mark.parametrize("tampering", REWRITTEN.values(), ids=REWRITTEN.keys())
def test_verify_names_a_tampering_before_publication_with_every_local_hash_rewritten(
    store_settings: Settings, tampering: Callable[[Attacker], list[Named]]
) -> None:
    ledger = write_cases(store_settings)
    tamper_rewrite_and_verify(store_settings, ledger, tampering)


# -- after publication (the relay to a real broker) --------------------------------------------


@pytest.fixture
def on_kafka(store_settings: Settings, kafka_bootstrap: str) -> Settings:
    settings = store_settings.model_copy(update={"kafka_bootstrap_servers": kafka_bootstrap})
    ensure_topics(settings)
    return settings


@pytest.mark.kafka
@pytest.mark.parametrize("kafka_bootstrap", ["tansu"], indirect=True)  # the broker is not at stake
@pytest.mark.parametrize("tampering", TAMPERINGS.values(), ids=TAMPERINGS.keys())
def test_verify_names_an_event_tampered_with_after_it_was_published(
    on_kafka: Settings, tampering: Callable[[Attacker], list[Named]]
) -> None:
    ledger = write_cases(on_kafka)
    publish(on_kafka, ledger)
    tamper_and_verify(on_kafka, tampering)


@pytest.mark.kafka
@pytest.mark.parametrize("kafka_bootstrap", ["tansu"], indirect=True)  # the broker is not at stake
@pytest.mark.parametrize("tampering", REWRITTEN.values(), ids=REWRITTEN.keys())
def test_verify_names_a_tampering_after_publication_with_every_local_hash_rewritten(
    on_kafka: Settings, tampering: Callable[[Attacker], list[Named]]
) -> None:
    ledger = write_cases(on_kafka)
    publish(on_kafka, ledger)
    tamper_rewrite_and_verify(on_kafka, ledger, tampering)


# -- the relay publishes the stored seals, and nothing that does not match them -----------------


@pytest.mark.kafka
def test_the_seals_stored_with_the_events_are_the_hashes_published_on_kafka(
    on_kafka: Settings,
) -> None:
    # arrange: every example scenario (complaints, EstateCare and travel claims, reports)
    ledger = build_ledger(on_kafka)
    for path in sorted(EXAMPLES.glob("*.jsonl")):
        apply_file(ledger, path)
    # act
    publish(on_kafka, ledger)
    # assert: consumed from the broker, every envelope carries exactly its stored seal
    assert on_kafka.kafka_bootstrap_servers is not None
    published = {}
    for topic in ledger_topics(on_kafka):
        for message in read_topic(on_kafka.kafka_bootstrap_servers, topic):
            envelope = decode(message.value)  # type: ignore[attr-defined]
            published[(envelope.aggregate_id, envelope.version)] = (
                envelope.prev_hash,
                envelope.hash,
            )
    seals = ledger.recorder.select_seals(0)  # type: ignore[attr-defined]
    assert len(published) == len(seals) == ledger.recorder.max_notification_id()
    assert published == {s.key: (s.prev_hash, s.hash) for s in seals.values()}


@dataclass(frozen=True)
class RelayCase:
    tampering: Callable[[Attacker], list[Named]]
    published_first: bool
    stops_at: tuple[str, int]
    """The first event, in log order, that does not match its seal."""


RELAY_CASES = {
    "altered-before-publication": RelayCase(alter, False, ("C-2", 2)),
    "inserted-before-publication": RelayCase(insert, False, ("C-2", LAST + 1)),
    "moved-before-publication": RelayCase(swap, False, ("C-3", 1)),
    "inserted-after-publication": RelayCase(insert, True, ("C-2", LAST + 1)),
}


@pytest.mark.kafka
@pytest.mark.parametrize("kafka_bootstrap", ["tansu"], indirect=True)  # the broker is not at stake
@pytest.mark.parametrize("case", RELAY_CASES.values(), ids=RELAY_CASES.keys())
def test_the_relay_stops_at_an_event_that_does_not_match_its_seal_and_publishes_none_of_its_batch(
    on_kafka: Settings, case: RelayCase
) -> None:
    # arrange
    ledger = write_cases(on_kafka)
    if case.published_first:
        publish(on_kafka, ledger)
    case.tampering(Attacker(on_kafka))
    reference, version = case.stops_at
    relay = Relay(build_ledger(on_kafka), on_kafka)
    position = relay.position()
    # act
    try:
        with pytest.raises(SealBroken) as stopped:
            relay.publish_batch()
    finally:
        relay.close()
    # assert: the error names the event; the relay's position did not move
    assert stopped.value.aggregate_id == complaint_id(reference)
    assert stopped.value.version == version
    assert f"{complaint_id(reference)} v{version}" in str(stopped.value)
    assert relay.position() == position
    if not case.published_first:
        assert on_kafka.kafka_bootstrap_servers is not None
        assert read_topic(on_kafka.kafka_bootstrap_servers, on_kafka.topic("complaint")) == []


def test_a_sealing_recorder_refuses_events_without_their_seals(store_settings: Settings) -> None:
    ledger = write_cases(store_settings)
    stored = ledger.recorder.select_events(C2, desc=True, limit=1)[0]
    later = replace(stored, originator_version=stored.originator_version + 1)
    with pytest.raises(UnsealedWrite, match="no seals"):
        ledger.recorder.insert_events([later])
    assert len(list(ledger.history(C2))) == LAST
    assert ledger.recorder.insert_events([]) in ([], None)  # a save that changed nothing


def test_an_event_appended_after_the_last_checkpoint_is_reported_as_not_yet_covered(
    store_settings: Settings,
) -> None:
    # arrange: a checkpoint, then a copy of C-2's last event appended with every hash rewritten
    ledger = write_cases(store_settings)
    checkpoints = checkpoints_taken_before_tampering(store_settings, ledger)
    attacker = Attacker(store_settings)
    insert(attacker)
    attacker.rewrite_every_hash(ledger)
    # act
    report = verify(open_ledger_for_audit(store_settings), checkpoints=checkpoints)
    # assert: a later event to that checkpoint, which vouches for it no more than for any other
    assert report.ok, report.lines()
    assert report.uncovered_events == 1
    assert "1 events after the latest checkpoint, not yet covered" in report.summary()
