"""The published envelope: deterministic ids, a SHA-256 chain per aggregate, the schema."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from claims_ledger.domain.complaints.complaint import complaint_id
from claims_ledger.domain.envelope import GENESIS_HASH, event_id_for
from claims_ledger.domain.ledger import Ledger
from claims_ledger.infra.codec import UndecodableMessage, decode, encode
from claims_ledger.infra.schemas import SCHEMA_FILE, envelope_schema_text
from claims_ledger.infra.store import envelope_chain
from tests.factories import complaint_lifecycle

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def ledger() -> Ledger:
    ledger = Ledger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    complaint_lifecycle(ledger, "C-1")
    complaint_lifecycle(ledger, "C-2", steps=2)
    return ledger


def test_each_aggregate_chains_from_genesis_through_every_version(ledger: Ledger) -> None:
    chain = envelope_chain(ledger)
    envelopes = [chain.envelope(e) for e in ledger.history(complaint_id("C-1"))]
    assert [e.version for e in envelopes] == list(range(1, len(envelopes) + 1))
    assert envelopes[0].prev_hash == GENESIS_HASH
    for earlier, later in itertools.pairwise(envelopes):
        assert later.prev_hash == earlier.hash
    assert all(e.hash_is_valid() for e in envelopes)


def test_a_chain_started_mid_aggregate_gives_the_same_hashes(ledger: Ledger) -> None:
    full = [envelope_chain(ledger).envelope(e) for e in ledger.history(complaint_id("C-1"))]
    restarted = envelope_chain(ledger)
    last = list(ledger.history(complaint_id("C-1")))[-1]
    assert restarted.envelope(last) == full[-1]


def test_the_event_id_is_deterministic_from_aggregate_and_version(ledger: Ledger) -> None:
    first = envelope_chain(ledger).envelope(next(iter(ledger.history(complaint_id("C-2")))))
    assert first.event_id == event_id_for(complaint_id("C-2"), 1)
    assert first.event_id != event_id_for(complaint_id("C-2"), 2)


def test_altering_any_field_breaks_the_hash(ledger: Ledger) -> None:
    published = envelope_chain(ledger).envelope(next(iter(ledger.history(complaint_id("C-1")))))
    document = json.loads(encode(published))
    document["payload"]["channel"] = "letter"
    with pytest.raises(UndecodableMessage, match="hash mismatch"):
        decode(json.dumps(document).encode())


def test_an_envelope_survives_encoding_and_decoding_unchanged(ledger: Ledger) -> None:
    published = envelope_chain(ledger).envelope(next(iter(ledger.history(complaint_id("C-1")))))
    assert decode(encode(published)) == published


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\xff\xfe", "not UTF-8 JSON"),
        (b"{not json", "not UTF-8 JSON"),
        (b'{"schema_version": 1}', "not a valid envelope"),
        (None, "tombstone"),
    ],
)
def test_malformed_messages_are_refused_with_a_reason(raw: bytes | None, reason: str) -> None:
    with pytest.raises(UndecodableMessage, match=reason):
        decode(raw)


def test_the_committed_json_schema_equals_the_generated_one() -> None:
    committed = (ROOT / "docs" / "schemas" / SCHEMA_FILE).read_text(encoding="utf-8")
    assert committed == envelope_schema_text(), (
        "docs/schemas is stale: run `claims-ledger schema --write docs/schemas`"
    )
