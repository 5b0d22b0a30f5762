"""Configuration, from the environment only (pydantic-settings). Nothing connects at import."""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import annotated_types
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, SettingsConfigDict

from claims_ledger.domain.calendar import WorkingDayCalendar
from claims_ledger.infra.errors import InvalidSettings

EVENTS_FILE = "events.sqlite"
READ_MODEL_FILE = "readmodels.sqlite"

SETTINGS_PREFIXES = ("LEDGER_", "KAFKA_")
"""Variables with these prefixes are meant for the ledger: an unknown one is a typo to report."""

FOREIGN_KAFKA_VARIABLES = frozenset({"KAFKA_HOME", "KAFKA_DEBUG", "KAFKA_CLUSTER_ID"})
"""Read by Apache Kafka's own scripts (as are `KAFKA_*_OPTS`), not by the ledger."""


class Settings(BaseSettings):
    """Every setting has a default that runs the whole ledger on a laptop."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    ledger_data_dir: Path = Field(
        default=Path(".ledger"), description="SQLite files and the embedded broker's log."
    )
    # PostgreSQL: set LEDGER_POSTGRES_DBNAME to use it for the event store and read models.
    ledger_postgres_dbname: str | None = None
    ledger_postgres_host: str = "127.0.0.1"
    ledger_postgres_port: int = 5432
    ledger_postgres_user: str = "postgres"
    ledger_postgres_password: SecretStr = SecretStr("")
    ledger_postgres_schema: str = "public"
    ledger_postgres_sslmode: (
        Literal["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] | None
    ) = Field(default=None, description="libpq sslmode of every PostgreSQL connection.")
    ledger_postgres_sslrootcert: Path | None = Field(
        default=None, description="CA certificate file to verify the PostgreSQL server with."
    )
    ledger_key_store_schema: str = Field(
        default="ledger_keys",
        description="PostgreSQL schema of the key store (one key per data subject).",
    )

    kafka_bootstrap_servers: str | None = Field(
        default=None, description="An existing Kafka cluster; unset starts the embedded broker."
    )
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: str | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: Path | None = Field(default=None, description="CA file (PEM) for TLS.")
    kafka_ssl_certfile: Path | None = Field(
        default=None, description="Client certificate (PEM) for mutual TLS."
    )
    kafka_ssl_keyfile: Path | None = Field(default=None, description="Client key (PEM).")
    kafka_ssl_password: SecretStr | None = Field(
        default=None, description="Password of the client key, if it is encrypted."
    )
    kafka_ssl_check_hostname: bool = Field(
        default=True, description="Check the broker's certificate names its host."
    )
    kafka_topic_prefix: str = "ledger"
    kafka_topic_partitions: int = Field(default=3, ge=1)
    kafka_replication_factor: int = Field(default=1, ge=1)
    kafka_consumer_group: str = "claims-ledger-readmodels"
    kafka_consumer_instance_id: str | None = Field(
        default=None,
        description="Static group membership (KIP-345): a consumer restarted with the same id "
        "takes its partitions back at once instead of waiting for a rebalance. One id per "
        "consumer process of the group. Apache Kafka clusters; the embedded broker does not "
        "support it.",
    )

    ledger_extra_closures: str = Field(
        default="",
        description="Extra closure dates beyond the national calendar (C-WD-1), comma-separated "
        "ISO dates, e.g. 2026-11-16,2026-11-17.",
    )

    relay_batch_size: int = Field(default=500, ge=1, le=10_000)
    relay_poll_interval_seconds: float = Field(
        # A command stored while the relay waits is published only after the wait: 0.2 s
        # set the latency bench's p99 (bench/latency.py); a poll of an idle store is one
        # indexed query.
        default=0.05,
        gt=0,
        description="Longest wait between polls of an idle event store.",
    )
    relay_lease_seconds: float = Field(
        default=10.0,
        gt=0,
        description="SQLite: how long the active relay's lease lasts unless renewed (each "
        "batch); a standby relay takes over when it expires.",
    )
    relay_topic_check_seconds: float = Field(
        default=5.0,
        gt=0,
        description="How often the relay compares the topics' end offsets with what it had "
        "published there (a topic that lost messages is republished from the store).",
    )
    relay_retry_max_seconds: float = Field(
        default=5.0,
        gt=0,
        description="The longest pause between the relay's attempts while Kafka is unreachable.",
    )
    relay_compression: Literal["none", "gzip"] = Field(
        default="none", description="Compression of the relay's Kafka batches."
    )

    ledger_snapshot_interval: int = Field(
        default=50,
        ge=0,
        description="A snapshot of a case every this many of its events (0: none); a command "
        "or a state as of a version then replays at most this many events.",
    )
    ledger_signing_key: SecretStr | None = Field(
        default=None,
        description="Checkpoint signing key: the 32-byte Ed25519 seed, base64. Unset (and no "
        "LEDGER_SIGNING_KEY_FILE): a key generated on first use into the data folder (demo only).",
    )
    ledger_signing_key_file: Path | None = Field(
        default=None, description="Checkpoint signing key: a PKCS#8 PEM Ed25519 private key file."
    )
    ledger_checkpoint_origin: str | None = Field(
        default=None,
        description="The checkpoints' origin line and key name; default "
        "claims-ledger.example/<PostgreSQL database name, or the data folder's name>.",
    )
    ledger_checkpoint_every_events: int = Field(
        default=1000, ge=1, description="The relay signs a checkpoint every N published events."
    )
    ledger_checkpoint_every_seconds: float = Field(
        default=60.0,
        gt=0,
        description="...or every M seconds when it published events not yet covered by one.",
    )
    ledger_checkpoint_dir: Path | None = Field(
        default=None,
        description="Where checkpoints (and the leaf hashes they cover) are appended; default "
        "<data folder>/checkpoints. Keep a copy where whoever can write the store cannot.",
    )

    ledger_public_key: str | None = Field(
        default=None,
        description="The ledger's public key (a vkey, or a file holding a vkey or a PEM public "
        "key) that a consumer checks every message's signature against; default: the public "
        "half of the signing key (configured or generated in the data folder).",
    )

    cipher_key: SecretStr | None = Field(
        default=None, description="AES key (base64) to encrypt personal data at rest."
    )
    log_format: Literal["console", "json"] = "console"
    log_level: Literal["debug", "info", "warning", "error"] = "info"

    @classmethod
    def from_environment(cls) -> Settings:
        """The settings the environment gives; refused with one readable line naming each
        variable whose value is not accepted, and what is."""
        try:
            return cls()
        except ValidationError as error:
            problems = [_problem(e, cls.model_fields) for e in error.errors()]
            raise InvalidSettings("; ".join(problems)) from None

    @field_validator("ledger_extra_closures")
    @classmethod
    def _closures_are_dates(cls, value: str) -> str:
        for part in filter(None, (p.strip() for p in value.split(","))):
            try:
                date.fromisoformat(part)
            except ValueError:
                raise ValueError(
                    f"LEDGER_EXTRA_CLOSURES: {part!r} is not an ISO date (e.g. 2026-11-16)"
                ) from None
        return value

    def calendar(self) -> WorkingDayCalendar:
        """C-WD-1: the national calendar plus the configured closures."""
        closures = frozenset(
            date.fromisoformat(d.strip())
            for d in self.ledger_extra_closures.split(",")
            if d.strip()
        )
        return WorkingDayCalendar(extra_closures=closures)

    @property
    def uses_postgres(self) -> bool:
        return bool(self.ledger_postgres_dbname)

    def _persistence_env(self, sqlite_file: str) -> dict[str, str]:
        if self.uses_postgres:
            assert self.ledger_postgres_dbname is not None
            env = {
                "PERSISTENCE_MODULE": "eventsourcing.postgres",
                "POSTGRES_DBNAME": self.ledger_postgres_dbname,
                "POSTGRES_HOST": self.ledger_postgres_host,
                "POSTGRES_PORT": str(self.ledger_postgres_port),
                "POSTGRES_USER": self.ledger_postgres_user,
                "POSTGRES_PASSWORD": self.ledger_postgres_password.get_secret_value(),
                "POSTGRES_SCHEMA": self.ledger_postgres_schema,
            }
        else:
            env = {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(self.ledger_data_dir / sqlite_file),
                "SQLITE_LOCK_TIMEOUT": "30",
            }
        return env

    def postgres_connect_args(self) -> dict[str, Any]:
        """psycopg's connection arguments (the key store's own connections)."""
        args: dict[str, Any] = {
            "dbname": self.ledger_postgres_dbname,
            "host": self.ledger_postgres_host,
            "port": self.ledger_postgres_port,
            "user": self.ledger_postgres_user,
            "password": self.ledger_postgres_password.get_secret_value(),
        }
        if self.ledger_postgres_sslmode is not None:
            args["sslmode"] = self.ledger_postgres_sslmode
        if self.ledger_postgres_sslrootcert is not None:
            args["sslrootcert"] = str(self.ledger_postgres_sslrootcert)
        return args

    def libpq_environment(self) -> dict[str, str]:
        """eventsourcing 9.5.6 has no POSTGRES_* setting for TLS: its connections take libpq's
        defaults, which libpq reads from PGSSLMODE and PGSSLROOTCERT. The ledger sets these in
        its own process environment before it connects (`apply_libpq_environment`)."""
        env: dict[str, str] = {}
        if self.ledger_postgres_sslmode is not None:
            env["PGSSLMODE"] = self.ledger_postgres_sslmode
        if self.ledger_postgres_sslrootcert is not None:
            env["PGSSLROOTCERT"] = str(self.ledger_postgres_sslrootcert)
        return env

    def apply_libpq_environment(self) -> None:
        if self.uses_postgres:
            os.environ.update(self.libpq_environment())

    def event_store_env(self) -> dict[str, str]:
        env = self._persistence_env(EVENTS_FILE)
        # Recorders that store each event's seal with it, in the same transaction.
        env["APPLICATION_RECORDER_TOPIC"] = (
            "claims_ledger.infra.seal_store:SealingPostgresRecorder"
            if self.uses_postgres
            else "claims_ledger.infra.seal_store:SealingSQLiteRecorder"
        )
        env["SNAPSHOT_INTERVAL"] = str(self.ledger_snapshot_interval)
        if self.cipher_key is not None:
            env["CIPHER_TOPIC"] = "eventsourcing.cryptography:AESCipher"
            env["CIPHER_KEY"] = self.cipher_key.get_secret_value()
        return env

    def read_model_env(self) -> dict[str, str]:
        return self._persistence_env(READ_MODEL_FILE)

    def topic(self, aggregate_type: str) -> str:
        """One topic per aggregate type, e.g. `ledger.complaints.v1`."""
        plural = {
            "complaint": "complaints",
            "report": "reports",
            "claim": "claims",
            "policy": "policies",
        }
        return f"{self.kafka_topic_prefix}.{plural[aggregate_type]}.v1"

    @property
    def checkpoint_topic(self) -> str:
        """Signed checkpoints, one message per checkpoint (never read by the read models)."""
        return f"{self.kafka_topic_prefix}.checkpoints.v1"

    @property
    def checkpoint_dir(self) -> Path:
        return self.ledger_checkpoint_dir or self.ledger_data_dir / "checkpoints"

    @property
    def checkpoint_origin(self) -> str:
        """Stable for one ledger: named after its PostgreSQL database (and schema, if not
        `public`) or its data folder, unless LEDGER_CHECKPOINT_ORIGIN says otherwise."""
        if self.ledger_checkpoint_origin:
            return self.ledger_checkpoint_origin
        if self.uses_postgres:
            assert self.ledger_postgres_dbname is not None
            name = self.ledger_postgres_dbname
            if self.ledger_postgres_schema != "public":
                name += f".{self.ledger_postgres_schema}"
        else:
            name = self.ledger_data_dir.resolve().name.lstrip(".")
        return "claims-ledger.example/" + (re.sub(r"[^A-Za-z0-9._-]", "-", name) or "ledger")

    @property
    def dead_letter_topic(self) -> str:
        return f"{self.kafka_topic_prefix}.deadletter.v1"

    def kafka_client_config(self) -> dict[str, object]:
        config: dict[str, object] = {
            "bootstrap_servers": (self.kafka_bootstrap_servers or "").split(","),
            "security_protocol": self.kafka_security_protocol,
        }
        if self.kafka_security_protocol in ("SSL", "SASL_SSL"):
            config["ssl_check_hostname"] = self.kafka_ssl_check_hostname
            for option, path in (
                ("ssl_cafile", self.kafka_ssl_cafile),
                ("ssl_certfile", self.kafka_ssl_certfile),
                ("ssl_keyfile", self.kafka_ssl_keyfile),
            ):
                if path is not None:
                    config[option] = str(path)
            if self.kafka_ssl_password is not None:
                config["ssl_password"] = self.kafka_ssl_password.get_secret_value()
        if self.kafka_sasl_mechanism:
            config["sasl_mechanism"] = self.kafka_sasl_mechanism
            config["sasl_plain_username"] = self.kafka_sasl_username
            if self.kafka_sasl_password is not None:
                config["sasl_plain_password"] = self.kafka_sasl_password.get_secret_value()
        return config


def unknown_variables(environ: Mapping[str, str]) -> list[tuple[str, str]]:
    """Every `LEDGER_*` or `KAFKA_*` variable that is no setting, with the closest one that is
    (a typo such as LEDGER_DATADIR would otherwise be ignored without a word)."""
    known = sorted(
        name.upper() for name in Settings.model_fields if name.upper().startswith(SETTINGS_PREFIXES)
    )
    unknown = []
    for name in sorted(environ):
        upper = name.upper()
        if not upper.startswith(SETTINGS_PREFIXES) or upper in known:
            continue
        if upper in FOREIGN_KAFKA_VARIABLES or upper.endswith("_OPTS"):
            continue
        closest = max(known, key=lambda k: difflib.SequenceMatcher(None, upper, k).ratio())
        unknown.append((name, closest))
    return unknown


def _problem(error: Any, fields: dict[str, FieldInfo]) -> str:
    name = str(error["loc"][0]) if error["loc"] else ""
    variable = name.upper()
    field = fields.get(name)
    secret = field is not None and "SecretStr" in str(field.annotation)
    value = "(hidden)" if secret else repr(error["input"])
    accepted = _accepted(field) if field is not None else None
    if accepted:
        return f"invalid setting {variable}={value}; accepted: {accepted}"
    reason = str(error["msg"]).removeprefix("Value error, ").removeprefix(f"{variable}: ")
    return f"invalid setting {variable}={value}: {reason}"


def _accepted(field: FieldInfo) -> str | None:
    """What a setting accepts, in words, from its type and constraints."""
    annotation = field.annotation
    if get_origin(annotation) is Literal:
        return ", ".join(str(a) for a in get_args(annotation))
    bounds = []
    for m in field.metadata:
        if isinstance(m, annotated_types.Ge):
            bounds.append(f"at least {m.ge}")
        elif isinstance(m, annotated_types.Gt):
            bounds.append(f"above {m.gt}")
        elif isinstance(m, annotated_types.Le):
            bounds.append(f"at most {m.le}")
    limits = f" ({', '.join(bounds)})" if bounds else ""
    if annotation is int:
        return "a whole number" + limits
    if annotation is float:
        return "a number" + limits
    return None
