"""Fault suite, Kafka path (issue 11): real processes, real brokers (the embedded Tansu broker
and Apache Kafka), real SQLite files. Every scenario compares the Kafka-fed read model with a
rebuild from the event store and counts lost, twice, dead-lettered and tracebacks; all must be 0
but dead-lettered poison."""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from claims_ledger.infra.broker import EmbeddedBroker, free_port
from claims_ledger.infra.kafka_io import ensure_topics
from claims_ledger.infra.relay import Relay
from claims_ledger.infra.relay_book import relay_position
from claims_ledger.infra.runtime import read_model_consumer
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import build_ledger, open_read_model
from tests.faults.harness import (
    FaultRow,
    Processes,
    applied_twice,
    kill,
    record,
    soak,
    store_events,
    verdict,
    wait_for,
)
from tests.servers import ApacheKafka

pytestmark = [pytest.mark.kafka, pytest.mark.faults]

EVENTS = 30_000 if soak() else 10_000
KILLS = 20
OVERSIZED = 2_000_000 if soak() else 1_050_000
"""A poison message larger than the clients' 1 MB default (so the dead-letter topic cannot take
it whole)."""
TANSU_CONSUMER_KILLS = 20 if soak() else 5
"""The embedded broker holds every rejoin until the killed member's session expires, then for its
rebalance delay, and has no static membership: a consumer restart costs it ~13 s, so the normal
run kills its consumer 5 times (soak: 20)."""


def broker_name(request: pytest.FixtureRequest) -> str:
    return str(request.node.callspec.params.get("kafka_bootstrap", "?"))


def on_kafka(settings: Settings, bootstrap: str, **update: Any) -> Settings:
    settings = settings.model_copy(
        update={"kafka_bootstrap_servers": bootstrap, "relay_lease_seconds": 1.0, **update}
    )
    ensure_topics(settings)
    return settings


def consume_in_process(
    settings: Settings, stored: int, timeout: float = 180, dead_letters: int = 0
) -> tuple[Any, Any]:
    """A consumer in this process until the read model holds `stored` events and it has
    dead-lettered `dead_letters` messages (or timeout); returns (read model, Counter of
    applications per (aggregate, version))."""
    read_model = open_read_model(settings)
    consumer = read_model_consumer(settings, read_model)
    applied: Counter[str] = Counter()
    consumer.on_applied = lambda e: applied.update([f"{e.aggregate_id}:{e.version}"])
    try:
        wait_for(
            lambda: (
                consumer.poll_once(500) >= 0
                and read_model.event_count() >= stored
                and consumer.dead_lettered >= dead_letters
            ),
            timeout,
            interval=0,
        )
    finally:
        consumer.close()
    return read_model, applied


def test_relay_sigkilled_20_times_while_events_flow_loses_nothing(
    request: pytest.FixtureRequest, sqlite_settings: Settings, kafka_bootstrap: str, tmp_path: Path
) -> None:
    # arrange
    settings = on_kafka(sqlite_settings, kafka_bootstrap, relay_batch_size=50)
    stored, _ = store_events(settings, EVENTS)
    ledger = build_ledger(settings)
    processes = Processes(tmp_path / "processes")
    rng = random.Random(11)
    # act: start the relay, SIGKILL it once it passed a random point, restart; 20 times
    kills = 0
    try:
        while kills < KILLS and relay_position(ledger) < stored - 500:
            target = relay_position(ledger) + rng.randint(100, 350)
            relay = processes.relay(settings)
            wait_for(lambda t=target: relay_position(ledger) >= t, 60, interval=0.005)
            time.sleep(rng.uniform(0, 0.03))  # anywhere: mid-send, mid-ack, mid-record
            kill(relay)
            kills += 1
        final = processes.relay(settings, "--until-caught-up")
        assert final.wait(timeout=300) == 0
    finally:
        processes.kill_all()
    read_model, applied = consume_in_process(settings, stored)
    lost, differing = verdict(settings, read_model)
    row = record(
        FaultRow(
            "relay SIGKILL",
            broker_name(request),
            attempts=kills,
            events=stored,
            lost=lost,
            twice=sum(n - 1 for n in applied.values() if n > 1),
            tracebacks=processes.tracebacks(),
            rows_differing=differing,
        )
    )
    # assert
    assert kills == KILLS
    assert (row.lost, row.twice, row.tracebacks, row.rows_differing) == (0, 0, 0, 0)


def test_consumer_sigkilled_20_times_also_between_its_commit_and_kafkas_loses_nothing(
    request: pytest.FixtureRequest, sqlite_settings: Settings, kafka_bootstrap: str, tmp_path: Path
) -> None:
    # arrange: everything published
    settings = on_kafka(sqlite_settings, kafka_bootstrap)
    stored, _ = store_events(settings, EVENTS)
    ledger = build_ledger(settings)
    relay = Relay(ledger, settings)
    relay.run(threading.Event(), until_caught_up=True)
    relay.close()
    read_model = open_read_model(settings)
    processes = Processes(tmp_path / "processes")
    applied_log = tmp_path / "applied.txt"
    rng = random.Random(12)
    tansu = broker_name(request) == "tansu"
    kills_wanted = TANSU_CONSUMER_KILLS if tansu else KILLS
    step = max(100, stored // (kills_wanted + 8))
    # act: every other consumer kills itself right after a database commit, before Kafka's
    # commit; the others are SIGKILLed from outside at a random moment
    kills = 0
    try:
        while kills < kills_wanted and read_model.event_count() < stored - step:
            before = read_model.event_count()
            target = before + rng.randint(step // 2, step)
            if kills % 2 == 0:
                consumer = processes.consumer(
                    settings, applied_log, kill_after=target - before, static=not tansu
                )
                consumer.wait(timeout=120)
            else:
                consumer = processes.consumer(settings, applied_log, static=not tansu)
                wait_for(lambda t=target: read_model.event_count() >= t, 120, interval=0.005)
                kill(consumer)
            kills += 1
        last = processes.consumer(settings, applied_log, static=not tansu)
        assert wait_for(lambda: read_model.event_count() >= stored, 180)
        time.sleep(1.0)  # anything applied twice would land now
        kill(last)
    finally:
        processes.kill_all()
    lost, differing = verdict(settings, read_model)
    row = record(
        FaultRow(
            "consumer SIGKILL",
            broker_name(request),
            attempts=kills,
            events=stored,
            lost=lost,
            twice=applied_twice(applied_log),
            tracebacks=processes.tracebacks(),
            rows_differing=differing,
        )
    )
    # assert
    assert kills == kills_wanted
    assert (row.lost, row.twice, row.tracebacks, row.rows_differing) == (0, 0, 0, 0)


@pytest.mark.parametrize("broker", ["tansu", "apache-kafka"])
def test_broker_restarted_mid_stream_loses_nothing(
    broker: str, sqlite_settings: Settings, tmp_path: Path
) -> None:
    """The embedded broker keeps nothing across a restart (the relay republishes the store
    under a new epoch and the consumer rereads); Apache Kafka keeps its log."""
    # arrange: a broker of our own to restart
    restarts = 3 if soak() else 1
    if broker == "tansu":
        tansu = EmbeddedBroker(tmp_path / "tansu", port=free_port()).start()
        bootstrap = tansu.bootstrap

        def restart() -> None:
            tansu.stop()
            time.sleep(1.0)
            tansu.start()

        def stop() -> None:
            tansu.stop()
    else:
        kafka = ApacheKafka().start()
        bootstrap = kafka.bootstrap

        def restart() -> None:
            kafka.restart(down_seconds=1.0)

        def stop() -> None:
            kafka.stop()

    processes = Processes(tmp_path / "processes")
    applied_log = tmp_path / "applied.txt"
    try:
        settings = on_kafka(
            sqlite_settings, bootstrap, relay_batch_size=100, relay_topic_check_seconds=1.0
        )
        per_round = EVENTS // (2 * (restarts + 1))
        stored, next_case = store_events(settings, per_round)
        read_model = open_read_model(settings)
        processes.relay(settings)
        processes.consumer(settings, applied_log)
        # act: events keep coming; the broker restarts mid-stream
        for _ in range(restarts):
            stored, next_case = store_events(settings, stored + per_round, next_case)
            wait_for(lambda s=stored: read_model.event_count() >= s // 2, 120)
            restart()
            stored, next_case = store_events(settings, stored + per_round, next_case)
        converged = wait_for(lambda: read_model.event_count() >= stored, 240)
        time.sleep(1.0)
    finally:
        processes.kill_all()
        stop()
    lost, differing = verdict(settings, read_model)
    row = record(
        FaultRow(
            "broker restart",
            broker,
            attempts=restarts,
            events=stored,
            lost=lost,
            twice=applied_twice(applied_log),
            tracebacks=processes.tracebacks(),
            rows_differing=differing,
        )
    )
    # assert
    assert converged, f"read model holds {read_model.event_count()} of {stored} events"
    assert (row.lost, row.twice, row.tracebacks, row.rows_differing) == (0, 0, 0, 0)


POISON_KINDS = (
    "malformed JSON",
    "unknown event type",
    "schema-invalid payload",
    "wrong hash",
    "duplicate",
    "version gap",
    "oversized",
    "unsigned",
    "forged",
    "conflicting duplicate",
)


def poison(
    kind: str,
    genuine: Any,
    headers: list[tuple[str, bytes]],
    ledger_key: Any,
    forger: Any,
    rng: random.Random,
) -> tuple[bytes, list[tuple[str, bytes]]]:
    """One poison message made from a genuine envelope already on the topic (and its
    headers); the ledger's key stands for a newer or broken relay, the forger's for anyone
    else with write access to the topic."""
    from claims_ledger.domain.envelope import seal
    from claims_ledger.infra.codec import encode
    from claims_ledger.infra.message_signing import KEY_ID_HEADER, MessageSigner

    def sealed(**changes: Any) -> Any:
        fields = genuine.model_dump(mode="json", exclude={"hash"}) | changes
        return seal(fields)

    ledger = MessageSigner(ledger_key)
    forged = MessageSigner(forger)
    if kind == "malformed JSON":
        return b'{"schema_version": 1, "aggregate_id": ' + bytes([rng.randrange(256)]), []
    if kind == "unknown event type":
        envelope = sealed(event_type="ComplaintTeleported")
        return encode(envelope), ledger.headers(envelope.hash, 0)
    if kind == "schema-invalid payload":
        envelope = sealed(payload={"channel": 42, "mood": "cross"})
        return encode(envelope), ledger.headers(envelope.hash, 0)
    if kind == "wrong hash":
        altered = genuine.model_dump(mode="json") | {"correlation_id": "altered"}
        return json.dumps(altered).encode(), headers
    if kind == "duplicate":
        return encode(genuine), headers
    if kind == "version gap":
        envelope = sealed(version=genuine.version + 5, prev_hash=genuine.hash)
        return encode(envelope), ledger.headers(envelope.hash, 0)
    if kind == "oversized":
        envelope = sealed(payload={"padding": "x" * OVERSIZED})
        return encode(envelope), ledger.headers(envelope.hash, 0)
    if kind == "unsigned":
        return encode(genuine), [(k, v) for k, v in headers if not k.startswith("ledger.")]
    if kind == "forged":  # the next version of the case, chained, signed by another key
        envelope = sealed(version=genuine.version + 1, prev_hash=genuine.hash)
        forged_headers = dict(forged.headers(envelope.hash, 0))
        forged_headers[KEY_ID_HEADER] = ledger.key_id  # it even copies the key ID
        return encode(envelope), list(forged_headers.items())
    if kind == "conflicting duplicate":
        envelope = sealed(correlation_id="a different story")
        return encode(envelope), ledger.headers(envelope.hash, 0)
    raise ValueError(kind)


def test_1000_poison_messages_among_good_ones_never_stop_a_partition(
    request: pytest.FixtureRequest, sqlite_settings: Settings, kafka_bootstrap: str
) -> None:
    # arrange: genuine events published batch by batch, poison sent right behind each batch
    from kafka import KafkaProducer

    from claims_ledger.infra.checkpoint import CheckpointSigner
    from claims_ledger.infra.checkpoint_log import signing_key
    from claims_ledger.infra.store import envelope_chain, iter_stored_events
    from tests.faults.harness import dead_letters

    settings = on_kafka(sqlite_settings, kafka_bootstrap, relay_batch_size=100)
    stored, _ = store_events(settings, 2_400)
    ledger = build_ledger(settings)
    relay = Relay(ledger, settings)
    ledger_key = signing_key(settings)
    forger = CheckpointSigner.generate(ledger_key.name)
    producer = KafkaProducer(
        bootstrap_servers=kafka_bootstrap, acks="all", max_request_size=4 * 1024 * 1024
    )
    rng = random.Random(13)
    topic = settings.topic("complaint")
    sent: Counter[str] = Counter()
    chain = envelope_chain(ledger)
    genuine = [chain.envelope(event) for _, event in iter_stored_events(ledger)]
    per_kind = 100

    def send_poison(candidates: list[Any]) -> bool:
        owed = [k for k in POISON_KINDS if sent[k] < per_kind]
        if not owed:
            return False
        kind = rng.choice(owed)
        envelope = rng.choice(candidates)
        value, headers = poison(
            kind, envelope, relay.signer.headers(envelope.hash, 0), ledger_key, forger, rng
        )
        producer.send(
            topic,
            key=str(envelope.aggregate_id).encode(),
            value=value,
            headers=[*headers, ("fault.kind", kind.encode())],
        )
        sent[kind] += 1
        return True

    try:
        while relay.publish_batch():
            published = genuine[max(0, relay.position() - 100) : relay.position()]
            for _ in range(len(POISON_KINDS) * per_kind * 100 // stored + 1):
                send_poison(published)
            producer.flush()  # behind this batch, before the next one
        while send_poison(genuine):  # whatever is still owed, after the last genuine batch
            pass
        producer.flush()
    finally:
        producer.close()
        relay.close()
    # act: until every genuine event is applied and the poison sent after the last one read
    expected_dead = sum(n for kind, n in sent.items() if kind != "duplicate")
    read_model, applied = consume_in_process(settings, stored, 120, dead_letters=expected_dead)
    # assert
    lost, differing = verdict(settings, read_model)
    dead = dead_letters(settings)
    dead_kinds = Counter(dict(m.headers).get("fault.kind", b"GENUINE").decode() for m in dead)
    row = record(
        FaultRow(
            "1,000 poison",
            broker_name(request),
            attempts=sum(sent.values()),
            events=stored,
            lost=lost,
            twice=sum(n - 1 for n in applied.values() if n > 1),
            dead_lettered=len(dead),
            rows_differing=differing,
            extra={"dead_lettered_by_kind": dict(dead_kinds)},
        )
    )
    assert sum(sent.values()) == 1_000
    assert dead_kinds["GENUINE"] == 0, dead_kinds
    assert "duplicate" not in dead_kinds  # an exact re-send is skipped, not dead-lettered
    assert all(dead_kinds[k] == per_kind for k in POISON_KINDS if k != "duplicate"), dead_kinds
    assert (row.lost, row.twice, row.rows_differing) == (0, 0, 0)
