"""Seals computed at write time: the same hashes the envelope chain gives, chained per aggregate
from the batch or from the stored seal of the version before."""

from __future__ import annotations

from typing import Any

import pytest

from claims_ledger.domain.complaints.complaint import complaint_id
from claims_ledger.domain.envelope import GENESIS_HASH, AggregateTypes, UnknownAggregateType
from claims_ledger.domain.ledger import Ledger
from claims_ledger.domain.seals import SealChain, UnlinkedEvent, predecessor_keys
from claims_ledger.infra.store import envelope_chain
from tests.factories import complaint_lifecycle


@pytest.fixture
def ledger() -> Ledger:
    ledger = Ledger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    complaint_lifecycle(ledger, "C-1", steps=5)
    return ledger


def history(ledger: Ledger) -> list[Any]:
    return list(ledger.history(complaint_id("C-1")))


def test_a_seal_is_the_hash_the_envelope_chain_gives_the_same_event(ledger: Ledger) -> None:
    chain = SealChain(ledger.aggregate_types.of, {})
    seals = [chain.seal(event) for event in history(ledger)]
    envelopes = [envelope_chain(ledger).envelope(event) for event in history(ledger)]
    assert [(s.prev_hash, s.hash) for s in seals] == [(e.prev_hash, e.hash) for e in envelopes]
    assert seals[0].prev_hash == GENESIS_HASH


def test_a_batch_starting_mid_case_chains_to_the_stored_seal_before_it(ledger: Ledger) -> None:
    events = history(ledger)
    whole = SealChain(ledger.aggregate_types.of, {})
    seals = [whole.seal(event) for event in events]
    stored = {seals[2].key: seals[2].hash}
    assert predecessor_keys(events[3:]) == {seals[2].key}
    later = SealChain(ledger.aggregate_types.of, stored)
    assert [later.seal(event) for event in events[3:]] == seals[3:]


def test_an_event_whose_predecessor_has_no_seal_cannot_be_sealed(ledger: Ledger) -> None:
    event = history(ledger)[3]
    with pytest.raises(UnlinkedEvent, match="version 3 has no seal"):
        SealChain(ledger.aggregate_types.of, {}).seal(event)


def test_an_aggregate_whose_first_event_is_missing_has_no_known_type(ledger: Ledger) -> None:
    types = AggregateTypes(lambda _: None)
    with pytest.raises(UnknownAggregateType, match="does not name a known aggregate type"):
        types.of(history(ledger)[1])
    assert types.of(history(ledger)[0]) == "complaint"  # the opening event names it
    assert types.of(history(ledger)[1]) == "complaint"
