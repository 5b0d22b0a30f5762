"""The benchmark suite (`make bench`): scenario files, one command, relay, Kafka to the read
models, rebuild; each against the raw library doing the same work in the same run. SQLite
files, and PostgreSQL where a server can be started here; the embedded Kafka broker, then Apache
Kafka. The other benchmarks of `make bench`: state_as_of.py, consumer_group.py, latency.py,
growth.py."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from itertools import groupby
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kafka import KafkaConsumer, TopicPartition
from pydantic import SecretStr

from bench.harness import Measured, brokers, interleaved, record, timed
from claims_ledger.domain.ledger import Ledger
from claims_ledger.infra.audit import rebuild
from claims_ledger.infra.codec import encode
from claims_ledger.infra.kafka_io import ensure_topics, ledger_topics, producer
from claims_ledger.infra.logging import configure_logging
from claims_ledger.infra.relay import Relay
from claims_ledger.infra.runtime import read_model_consumer
from claims_ledger.infra.scenario import apply_file
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import (
    build_ledger,
    envelope_chain,
    iter_stored_events,
    open_read_model,
)
from tests.factories import T0, command, context
from tests.scenarios import complaint_lines, write_scenario
from tests.servers import PostgresServer

TMP = Path(tempfile.mkdtemp(prefix="ledger-bench-"))
PG: PostgresServer | None = None


def fresh(base: Settings) -> Settings:
    """The same store kind, empty: a new SQLite folder, or a new PostgreSQL database."""
    update: dict[str, Any] = {"ledger_data_dir": TMP / uuid.uuid4().hex[:8]}
    if base.uses_postgres and PG is not None:
        update["ledger_postgres_dbname"] = PG.new_database()
    return base.model_copy(update=update)


def plain_for(settings: Settings) -> Ledger:
    """The bare library: the same application class on the library's own recorder (no seals,
    no deadline index), saving through `events.put`."""
    if not settings.uses_postgres:
        return Ledger(
            env={
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(TMP / f"raw-{uuid.uuid4().hex[:8]}.sqlite"),
            }
        )
    env = fresh(settings).event_store_env()
    env.pop("APPLICATION_RECORDER_TOPIC", None)
    return Ledger(env=env)


def label(settings: Settings) -> str:
    return "postgres" if settings.uses_postgres else "sqlite"


# -- scenario files -------------------------------------------------------------------------


def applied_rate(base: Settings, path: Path, keep: list[Any] | None = None) -> float:
    ledger = build_ledger(fresh(base))

    def work() -> int:
        apply_file(ledger, path)
        return ledger.recorder.max_notification_id() or 0

    rate = timed(work)
    if keep is not None and not keep:
        keep.extend(e for _, e in iter_stored_events(ledger))
    return rate


def scenario(base: Settings, cases: int) -> Measured:
    path = write_scenario(TMP / f"{cases}.jsonl", complaint_lines(cases))
    events: list[Any] = []

    def raw() -> float:
        plain = plain_for(base)

        def work() -> int:
            plain.events.put(events)
            return len(events)

        return timed(work)

    mine, theirs = interleaved(lambda: applied_rate(base, path, events), raw)
    return Measured(
        f"scenario_file_{cases}_{label(base)}",
        f"scenario file, {cases} cases ({label(base)})",
        mine,
        theirs,
        "bare Application saving the same events",
        0.3,
    )


def scenario_growth(base: Settings, small: int, large: int) -> Measured:
    paths = [write_scenario(TMP / f"{n}.jsonl", complaint_lines(n)) for n in (small, large)]
    mine, theirs = interleaved(
        lambda: applied_rate(base, paths[1]), lambda: applied_rate(base, paths[0])
    )
    return Measured(
        f"scenario_file_growth_{label(base)}",
        f"scenario file events/s, {large} cases vs {small} cases ({label(base)})",
        mine,
        theirs,
        f"our events/s at {small} cases",
        0.8,
    )


# -- one command ------------------------------------------------------------------------------


def one_command(base: Settings, commands: int = 300) -> Measured:
    groups: list[list[Any]] = []

    def ours() -> float:
        ledger = build_ledger(fresh(base))

        def work() -> int:
            for n in range(commands):
                at = T0 + timedelta(minutes=n)
                ledger.execute(
                    command("ReceiveComplaint", complaint=f"B-{n}", occurred_at=at), context(at)
                )
            return ledger.recorder.max_notification_id() or 0

        rate = timed(work)
        if not groups:
            stored = [e for _, e in iter_stored_events(ledger)]
            groups.extend(list(g) for _, g in groupby(stored, key=lambda e: e.originator_id))
        return rate

    def raw() -> float:
        plain = plain_for(base)

        def work() -> int:
            for group in groups:
                plain.events.put(group)  # one transaction per command, as `execute` does
            return sum(len(g) for g in groups)

        return timed(work)

    mine, theirs = interleaved(ours, raw)
    return Measured(
        f"one_command_{label(base)}",
        f"one command through Ledger.execute ({label(base)})",
        mine,
        theirs,
        "bare Application saving the same events, one transaction per command",
        0.8,
    )


# -- Kafka ------------------------------------------------------------------------------------


def stored_ledger(base: Settings, cases: int) -> tuple[Settings, Ledger]:
    settings = fresh(base).model_copy(update={"kafka_topic_prefix": "b" + uuid.uuid4().hex[:8]})
    ledger = build_ledger(settings)
    apply_file(ledger, write_scenario(TMP / f"k{cases}.jsonl", complaint_lines(cases)))
    return settings, ledger


def relay(base: Settings, broker: str, cases: int = 500) -> Measured:
    def ours() -> float:
        settings, ledger = stored_ledger(base, cases)
        ensure_topics(settings)
        the_relay = Relay(ledger, settings)

        def work() -> int:
            total = 0
            while count := the_relay.publish_batch():
                total += count
            return total

        try:
            return timed(work)
        finally:
            the_relay.close()

    def raw() -> float:
        settings, ledger = stored_ledger(base, cases)
        ensure_topics(settings)
        chain = envelope_chain(ledger)
        envelopes = [chain.envelope(e) for _, e in iter_stored_events(ledger)]
        messages = [
            (settings.topic(p.aggregate_type), str(p.aggregate_id).encode(), encode(p))
            for p in envelopes
        ]
        raw_producer = producer(settings, **Relay.producer_settings(settings))

        def work() -> int:
            futures = [raw_producer.send(t, key=k, value=v) for t, k, v in messages]
            raw_producer.flush()
            for future in futures:
                future.get(timeout=60)
            return len(messages)

        try:
            return timed(work)
        finally:
            raw_producer.close()

    mine, theirs = interleaved(ours, raw)
    return Measured(
        f"relay_{label(base)}_{broker}",
        f"relay, store to Kafka ({label(base)}, {BROKER_NAMES[broker]})",
        mine,
        theirs,
        "kafka-python producing the same payloads",
        0.8,
    )


def published(base: Settings, cases: int) -> tuple[Settings, int]:
    settings, ledger = stored_ledger(base, cases)
    ensure_topics(settings)
    the_relay = Relay(ledger, settings)
    while the_relay.publish_batch():
        pass
    the_relay.close()
    return settings, ledger.recorder.max_notification_id() or 0


def to_read_models(base: Settings, broker: str, cases: int = 1000) -> Measured:
    settings, count = published(base, cases)

    def ours() -> float:
        read_model = open_read_model(fresh(settings), prefix="rm_")
        consumer = read_model_consumer(settings, read_model, group_id="b" + uuid.uuid4().hex[:8])
        try:
            # Join the group first (not timed), then start from the beginning.
            while not consumer.consumer.assignment():
                consumer.consumer.poll(timeout_ms=15_000, max_records=1)
            for tp in consumer.consumer.assignment():
                consumer.seek_to_stored(tp)

            def work() -> int:
                while read_model.event_count() < count:
                    consumer.poll_once(timeout_ms=200)
                return count

            return timed(work)
        finally:
            consumer.close()

    def raw() -> float:
        consumer = KafkaConsumer(
            **settings.kafka_client_config(), group_id=None, enable_auto_commit=False
        )
        try:
            partitions = [
                TopicPartition(topic, p)
                for topic in ledger_topics(settings)
                for p in sorted(consumer.partitions_for_topic(topic) or ())
            ]
            consumer.assign(partitions)
            consumer.seek_to_beginning(*partitions)

            def work() -> int:
                seen = 0
                while seen < count:
                    for messages in consumer.poll(timeout_ms=200).values():
                        for message in messages:
                            json.loads(message.value)
                            seen += 1
                return seen

            return timed(work)
        finally:
            consumer.close()

    mine, theirs = interleaved(ours, raw)
    return Measured(
        f"kafka_to_read_models_{label(base)}_{broker}",
        f"Kafka to every read model ({label(base)}, {BROKER_NAMES[broker]})",
        mine,
        theirs,
        "kafka-python consume + JSON decode",
        0.5,
    )


# -- rebuild ----------------------------------------------------------------------------------


def rebuild_bench(base: Settings, cases: int = 2000) -> Measured:
    settings, ledger = stored_ledger(base, cases)
    count = ledger.recorder.max_notification_id() or 0

    def ours() -> float:
        target = open_read_model(settings, prefix="r" + uuid.uuid4().hex[:6] + "_")
        return timed(lambda: rebuild(ledger, target))

    def raw() -> float:
        def work() -> int:
            position, seen = 0, 0
            while batch := ledger.recorder.select_notifications(
                start=position, limit=1000, inclusive_of_start=False
            ):
                for notification in batch:
                    ledger.mapper.to_domain_event(notification)
                seen += len(batch)
                position = batch[-1].id
            return seen

        return timed(work)

    mine, theirs = interleaved(ours, raw)
    return Measured(
        f"rebuild_{label(base)}",
        f"rebuild from the store, {count:,} events ({label(base)})",
        mine,
        theirs,
        "recorder read + mapper decode",
        0.3,
    )


@contextmanager
def postgres() -> Iterator[PostgresServer | None]:
    global PG
    try:
        PG = PostgresServer().start()
    except Exception as error:  # no server binaries here: SQLite only
        print(f"PostgreSQL benchmarks skipped: {error}")
        yield None
        return
    try:
        yield PG
    finally:
        PG.stop()
        PG = None


BROKER_NAMES = {"embedded": "embedded broker", "apache": "Apache Kafka"}
BENCHMARKS = ["scenario", "command", "rebuild", "relay", "consume", "postgres"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="*", choices=BENCHMARKS, default=BENCHMARKS)
    wanted = set(parser.parse_args().only)
    configure_logging("console", "warning")
    started = time.monotonic()
    sqlite = Settings(ledger_data_dir=TMP / "base")
    if "scenario" in wanted:
        record(scenario(sqlite, 500))
        record(scenario_growth(sqlite, 500, 5000))
    if "command" in wanted:
        record(one_command(sqlite))
    if "rebuild" in wanted:
        record(rebuild_bench(sqlite))
    if wanted & {"relay", "consume"}:
        for broker, bootstrap in brokers(TMP):
            on_kafka = sqlite.model_copy(update={"kafka_bootstrap_servers": bootstrap})
            if "relay" in wanted:
                record(relay(on_kafka, broker))
            if "consume" in wanted:
                record(to_read_models(on_kafka, broker))
    if "postgres" in wanted:
        with postgres() as server:
            if server is not None:
                pg = sqlite.model_copy(
                    update={
                        "ledger_postgres_dbname": server.dbname,
                        "ledger_postgres_port": server.port,
                        "ledger_postgres_password": SecretStr(server.password),
                    }
                )
                record(scenario(pg, 500))
                record(rebuild_bench(pg))
    print(f"bench done in {time.monotonic() - started:.0f} s; results in bench/results.json")


if __name__ == "__main__":
    main()
