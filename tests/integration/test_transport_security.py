"""Transport security (issue 11, acceptance 4): Apache Kafka with an SSL listener that requires
client certificates, from a throw-away CA made in the test; the ledger's relay and consumer
(`claims-ledger demo` against the cluster) connect through it with settings only, the broker's
name checked. A client that does not trust the broker's CA, or has no certificate, is refused
in one line."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from claims_ledger.infra.codec import decode
from claims_ledger.infra.message_signing import SIGNATURE_HEADER
from tests.servers import ApacheKafka, read_topic
from tests.tls import TlsMaterial, make_tls_material

pytestmark = pytest.mark.kafka


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ApacheKafka, TlsMaterial]]:
    material = make_tls_material(tmp_path_factory.mktemp("tls"))
    kafka = ApacheKafka(ssl=material.broker).start()
    try:
        yield kafka, material
    finally:
        kafka.stop()


def tls_env(
    kafka: ApacheKafka, material: TlsMaterial, data: Path, **changes: Any
) -> dict[str, str]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "LEDGER_"))},
        "LEDGER_DATA_DIR": str(data),
        "KAFKA_BOOTSTRAP_SERVERS": kafka.ssl_bootstrap or "",
        "KAFKA_TOPIC_PREFIX": f"tls{data.parent.name[-6:]}",
        "KAFKA_SECURITY_PROTOCOL": "SSL",
        "KAFKA_SSL_CAFILE": str(material.ca),
        "KAFKA_SSL_CERTFILE": str(material.client_cert),
        "KAFKA_SSL_KEYFILE": str(material.client_key),
        "KAFKA_SSL_CHECK_HOSTNAME": "true",
        "LOG_LEVEL": "warning",
    }
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = str(value)
    return env


def claims_ledger(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "claims_ledger", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_relay_and_consumer_work_through_kafka_with_mutual_tls(
    tls: tuple[ApacheKafka, TlsMaterial], tmp_path: Path
) -> None:
    # arrange
    kafka, material = tls
    env = tls_env(kafka, material, tmp_path / "ledger")
    # act: the demo applies the examples, relays them over TLS and consumes them back
    demo = claims_ledger(env, "demo")
    # assert
    assert demo.returncode == 0, demo.stderr[-2000:]
    assert "Traceback" not in demo.stderr
    status = claims_ledger(env | {"LEDGER_DATA_DIR": f"{env['LEDGER_DATA_DIR']}/demo"}, "status")
    assert status.returncode == 0, status.stderr
    assert "CMP-2026-0001" in status.stdout  # fed from Kafka over TLS
    messages: list[Any] = read_topic(kafka.bootstrap, f"{env['KAFKA_TOPIC_PREFIX']}.complaints.v1")
    assert messages, "nothing was published over TLS"
    assert all(SIGNATURE_HEADER in dict(m.headers) for m in messages)
    assert {decode(m.value).aggregate_type for m in messages} == {"complaint"}


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"KAFKA_SSL_CAFILE": "other"}, "a CA that did not sign the broker's certificate"),
        ({"KAFKA_SSL_CERTFILE": None, "KAFKA_SSL_KEYFILE": None}, "no client certificate"),
    ],
)
def test_a_client_the_tls_handshake_refuses_gets_one_line_and_stores_nothing_on_kafka(
    tls: tuple[ApacheKafka, TlsMaterial], tmp_path: Path, change: dict[str, Any], why: str
) -> None:
    # arrange
    kafka, material = tls
    changes = {k: (material.other_ca if v == "other" else v) for k, v in change.items()}
    env = tls_env(kafka, material, tmp_path / "ledger", **changes)
    # act
    relay = claims_ledger(env, "relay", "--until-caught-up")
    # assert
    errors = [line for line in relay.stderr.splitlines() if line.startswith("error:")]
    assert relay.returncode == 2, (why, relay.stderr[-1500:])
    assert "Traceback" not in relay.stderr, why
    assert len(errors) == 1 and "KAFKA_BOOTSTRAP_SERVERS" in errors[0], (why, errors)
