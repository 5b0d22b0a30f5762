"""Fuzzed Kafka messages (issue 11): hypothesis makes messages from the ledger's own (bytes
flipped, cut short, fields changed and re-sealed, re-signed with the ledger's key or another,
keys and headers swapped, deep nesting, huge numbers) and feeds each through the consumer's
per-message path into a real SQLite read model, with the dead letters going to a real broker.
No exception ever escapes; a message is applied only when it is one the ledger's relay
published; anything else is dead-lettered with a reason."""

from __future__ import annotations

import json
import os
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims_ledger.domain.envelope import seal
from claims_ledger.infra.checkpoint import CheckpointSigner
from claims_ledger.infra.checkpoint_log import signing_key
from claims_ledger.infra.codec import encode
from claims_ledger.infra.kafka_io import ensure_topics
from claims_ledger.infra.message_signing import MessageSigner
from claims_ledger.infra.runtime import read_model_consumer
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import build_ledger, envelope_chain, iter_stored_events
from claims_ledger.projections.read_model import ApplyResult
from tests.factories import complaint_lifecycle

pytestmark = pytest.mark.kafka

MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, kafka_bootstrap: str) -> Any:
    settings = Settings(
        ledger_data_dir=tmp_path_factory.mktemp("kafka-fuzz") / "ledger",
        kafka_bootstrap_servers=kafka_bootstrap,
        kafka_topic_prefix="fuzz" + os.urandom(4).hex(),
    )
    ensure_topics(settings)
    ledger = build_ledger(settings)
    complaint_lifecycle(ledger, "CMP-FUZZ-1")
    chain = envelope_chain(ledger)
    genuine = [chain.envelope(event) for _, event in iter_stored_events(ledger)]
    key = signing_key(settings)
    from claims_ledger.infra.store import open_read_model

    read_model = open_read_model(settings)
    consumer = read_model_consumer(settings, read_model)
    world = SimpleNamespace(
        settings=settings,
        genuine=genuine,
        signer=MessageSigner(key),
        forger=MessageSigner(CheckpointSigner.generate(key.name)),
        consumer=consumer,
        read_model=read_model,
        offset=0,
    )
    # the genuine history is applied first: a genuine message fuzzed "as is" is a re-send
    with read_model.batch() as batch:
        for envelope in genuine:
            headers = world.signer.headers(envelope.hash, 0)
            value = encode(envelope)
            key = str(envelope.aggregate_id).encode()
            assert consumer._handle(batch, message(world, key, value, headers)) is not None
    yield world
    consumer.close()


def message(world: Any, key: bytes | None, value: bytes | None, headers: list[Any]) -> Any:
    world.offset += 1
    return SimpleNamespace(
        topic=world.settings.topic("complaint"),
        partition=0,
        offset=world.offset,
        key=key,
        value=value,
        headers=headers,
    )


@st.composite
def fuzzed(draw: st.DrawFn, genuine: list[Any], signer: Any, forger: Any) -> tuple[Any, ...]:
    """(key, value, headers, genuine?)"""
    envelope = draw(st.sampled_from(genuine))
    key = str(envelope.aggregate_id).encode()
    value = encode(envelope)
    headers = signer.headers(envelope.hash, 0)
    action = draw(
        st.sampled_from(
            ["as is", "flip", "cut", "field", "reseal", "forge", "key", "headers", "deep", "bytes"]
        )
    )
    if action == "as is":
        return key, value, headers, True
    if action == "flip":
        at = draw(st.integers(min_value=0, max_value=len(value) - 1))
        value = value[:at] + bytes([value[at] ^ draw(st.integers(1, 255))]) + value[at + 1 :]
    elif action == "cut":
        value = value[: draw(st.integers(min_value=0, max_value=len(value) - 1))]
    elif action in ("field", "reseal", "forge"):
        document = envelope.model_dump(mode="json")
        field = draw(st.sampled_from(sorted(document)))
        document[field] = draw(
            st.one_of(
                st.none(),
                st.integers(min_value=-(10**40), max_value=10**40),
                st.text(max_size=20),
                st.lists(st.integers(), max_size=3),
                st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
            )
        )
        if action == "field":
            value = json.dumps(document).encode()
        else:
            try:
                resealed = seal({k: v for k, v in document.items() if k != "hash"})
            except Exception:  # not even an envelope: send the fields as they are
                value = json.dumps(document).encode()
            else:
                value = encode(resealed)
                headers = (signer if action == "reseal" else forger).headers(resealed.hash, 0)
    elif action == "key":
        key = draw(st.one_of(st.none(), st.binary(max_size=40)))
    elif action == "headers":
        headers = draw(
            st.lists(
                st.tuples(
                    st.sampled_from(["ledger.signature", "ledger.key_id", "ledger.epoch", "x"]),
                    st.binary(max_size=80),
                ),
                max_size=4,
            )
        )
    elif action == "deep":
        depth = draw(st.integers(min_value=100, max_value=200_000))
        value = b'{"schema_version": 1, "payload": ' + b"[" * depth + b"]" * depth + b"}"
    else:
        value = draw(st.binary(max_size=200))
    return key, value, headers, False


@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_a_fuzzed_message_is_applied_only_when_genuine_and_never_raises(
    world: Any, data: st.DataObject
) -> None:
    key, value, headers, genuine = data.draw(fuzzed(world.genuine, world.signer, world.forger))
    before = world.consumer.dead_lettered
    with world.read_model.batch() as batch:
        result = world.consumer._handle(batch, message(world, key, value, headers))
        world.consumer._flush_dead_letters()
    if result is None:
        assert world.consumer.dead_lettered == before + 1
    else:
        outcome, published = result
        # applied or skipped as a duplicate: only what the ledger's relay published
        assert published in world.genuine
        assert outcome in (ApplyResult.APPLIED, ApplyResult.DUPLICATE)
    if genuine:
        assert result is not None and result[0] is ApplyResult.DUPLICATE
