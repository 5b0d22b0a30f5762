"""Settings come from the environment; a value that is not accepted is refused with one line
naming the variable and what it accepts, and a mistyped variable is pointed out."""

from __future__ import annotations

import pytest

from claims_ledger.infra.errors import InvalidSettings
from claims_ledger.infra.settings import Settings, unknown_variables


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "KAFKA_TOPIC_PARTITIONS",
            "abc",
            "invalid setting KAFKA_TOPIC_PARTITIONS='abc'; accepted: a whole number (at least 1)",
        ),
        (
            "LOG_LEVEL",
            "verbose",
            "invalid setting LOG_LEVEL='verbose'; accepted: debug, info, warning, error",
        ),
        (
            "RELAY_POLL_INTERVAL_SECONDS",
            "0",
            "invalid setting RELAY_POLL_INTERVAL_SECONDS='0'; accepted: a number (above 0)",
        ),
        (
            "LEDGER_EXTRA_CLOSURES",
            "2026-13-01",
            "invalid setting LEDGER_EXTRA_CLOSURES='2026-13-01': '2026-13-01' is not an ISO "
            "date (e.g. 2026-11-16)",
        ),
    ],
)
def test_a_setting_that_is_not_accepted_is_named_with_what_is(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(InvalidSettings) as refused:
        Settings.from_environment()
    assert str(refused.value) == message


def test_a_mistyped_ledger_or_kafka_variable_is_pointed_at_the_closest_setting() -> None:
    environ = {
        "LEDGER_DATADIR": "/srv/ledger",
        "KAFKA_BOOTSTRAP_SERVER": "kafka:9092",
        "KAFKA_TOPIC_PREFIX": "ledger",  # a setting
        "KAFKA_HEAP_OPTS": "-Xmx1g",  # Apache Kafka's own scripts read these
        "CIPHER_KEY": "secret",  # no LEDGER_/KAFKA_ prefix: not checked
    }
    assert unknown_variables(environ) == [
        ("KAFKA_BOOTSTRAP_SERVER", "KAFKA_BOOTSTRAP_SERVERS"),
        ("LEDGER_DATADIR", "LEDGER_DATA_DIR"),
    ]
