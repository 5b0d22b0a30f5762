"""Is the configured broker or database there? Asked once, before a command starts, so that an
unreachable one is reported in seconds, on one line naming its address and what to check,
instead of after the clients' own half-minute retries."""

from __future__ import annotations

import socket
from typing import Any

from claims_ledger.infra.errors import Unreachable
from claims_ledger.infra.settings import Settings

CONNECT_TIMEOUT_SECONDS = 3.0
"""How long one TCP connection to a bootstrap server or the database may take."""

KAFKA_ANSWER_TIMEOUT_MS = 6_000
"""How long a broker that accepted the connection has to answer as a Kafka broker."""

KAFKA_ADVICE = (
    "check KAFKA_BOOTSTRAP_SERVERS and that the broker is running "
    "(`claims-ledger broker` starts an embedded one)"
)


def _tcp_problem(address: str) -> str | None:
    """Why a TCP connection to host:port fails, or None when it succeeds."""
    host, _, port = address.strip().rpartition(":")
    if not host or not port.isdigit():
        return "not of the form host:port"
    try:
        with socket.create_connection((host.strip("[]"), int(port)), CONNECT_TIMEOUT_SECONDS):
            return None
    except socket.gaierror:
        return "host name not found"
    except TimeoutError:
        return f"no answer within {CONNECT_TIMEOUT_SECONDS:g} s"
    except ConnectionRefusedError:
        return "connection refused"
    except OSError as error:
        return error.strerror or type(error).__name__


def kafka_admin(settings: Settings, client_id: str = "claims-ledger-admin") -> Any:
    """An admin client on the configured cluster; `Unreachable` when no bootstrap server
    accepts a connection, or none answers as a Kafka broker in time."""
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError

    servers = settings.kafka_bootstrap_servers or ""
    addresses = [a.strip() for a in servers.split(",") if a.strip()]
    problems = {a: _tcp_problem(a) for a in addresses}
    if not addresses or all(problems.values()):
        reasons = ", ".join(f"{a}: {p}" for a, p in problems.items()) or "no address given"
        raise Unreachable(f"Kafka is not reachable ({reasons}): {KAFKA_ADVICE}")
    try:
        return KafkaAdminClient(
            **settings.kafka_client_config(),
            client_id=client_id,
            bootstrap_timeout_ms=KAFKA_ANSWER_TIMEOUT_MS,
            request_timeout_ms=max(KAFKA_ANSWER_TIMEOUT_MS, 30_000),
        )
    except KafkaError as error:
        raise Unreachable(
            f"Kafka at {servers} accepted a connection but did not answer as a Kafka broker "
            f"within {KAFKA_ANSWER_TIMEOUT_MS // 1000} s ({type(error).__name__}): check "
            "KAFKA_BOOTSTRAP_SERVERS, KAFKA_SECURITY_PROTOCOL and the KAFKA_SASL_* settings"
        ) from None


def check_database(settings: Settings) -> None:
    """When the ledger is on PostgreSQL: one connection, or `Unreachable` naming host:port."""
    if not settings.uses_postgres:
        return
    import psycopg

    address = f"{settings.ledger_postgres_host}:{settings.ledger_postgres_port}"
    try:
        with psycopg.connect(
            host=settings.ledger_postgres_host,
            port=settings.ledger_postgres_port,
            dbname=settings.ledger_postgres_dbname,
            user=settings.ledger_postgres_user,
            password=settings.ledger_postgres_password.get_secret_value(),
            connect_timeout=int(CONNECT_TIMEOUT_SECONDS),
        ):
            return
    except psycopg.OperationalError as error:
        raise Unreachable(
            f"PostgreSQL at {address} (database {settings.ledger_postgres_dbname!r}, user "
            f"{settings.ledger_postgres_user!r}) is not reachable ({_first_line(error)}): check "
            "LEDGER_POSTGRES_HOST, LEDGER_POSTGRES_PORT, LEDGER_POSTGRES_DBNAME, the user and "
            "password, and that the server is running"
        ) from None


def _first_line(error: Exception) -> str:
    """psycopg's reason without its multi-line hints, e.g. `Connection refused`."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text.rsplit(" failed: ", 1)[-1].removeprefix("connection failed: ")
