"""Real servers for the integration tests, started as processes: Apache Kafka (KRaft, single
node, jars fetched by Maven from infra/kafka/pom.xml) and PostgreSQL (Debian's package)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg

from claims_ledger.infra.broker import free_port, wait_for_kafka

if TYPE_CHECKING:
    from tests.tls import TlsBroker

ROOT = Path(__file__).resolve().parent.parent
KAFKA_LIB = ROOT / "infra" / "kafka" / "lib"


def ensure_kafka_jars() -> Path:
    if not any(KAFKA_LIB.glob("kafka_2.13-*.jar")):
        subprocess.run(
            [
                "mvn",
                "-q",
                "-B",
                "-f",
                str(ROOT / "infra" / "kafka" / "pom.xml"),
                "dependency:copy-dependencies",
            ],
            check=True,
        )
    return KAFKA_LIB


class ApacheKafka:
    """`ssl`: the broker's TLS material (tests/tls.py) for a second listener, SSL with client
    certificates required, at `ssl_bootstrap`; `bootstrap` stays PLAINTEXT for the harness."""

    def __init__(self, ssl: TlsBroker | None = None) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="apache-kafka-"))
        self.port = free_port()
        self.controller_port = free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self.ssl = ssl
        self.ssl_port = free_port() if ssl else None
        self.ssl_bootstrap = f"127.0.0.1:{self.ssl_port}" if ssl else None
        self._process: subprocess.Popen[bytes] | None = None

    def _listener_lines(self) -> list[str]:
        plain = f"PLAINTEXT://127.0.0.1:{self.port}"
        controller = f"CONTROLLER://127.0.0.1:{self.controller_port}"
        if self.ssl is None:
            return [
                f"listeners={plain},{controller}",
                f"advertised.listeners={plain}",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            ]
        tls = f"SSL://127.0.0.1:{self.ssl_port}"
        return [
            f"listeners={plain},{tls},{controller}",
            f"advertised.listeners={plain},{tls}",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SSL:SSL,CONTROLLER:PLAINTEXT",
            # PEM given inline (a file-based PEM key store needs an encrypted key, and the JDK
            # cannot read the PBES2 keys Python writes); "\n" escapes are newlines here
            "ssl.keystore.type=PEM",
            f"ssl.keystore.key={_inline(self.ssl.key)}",
            f"ssl.keystore.certificate.chain={_inline(self.ssl.chain)}",
            "ssl.truststore.type=PEM",
            f"ssl.truststore.certificates={_inline(self.ssl.truststore)}",
            "ssl.client.auth=required",
        ]

    def start(self) -> ApacheKafka:
        lib = ensure_kafka_jars()
        properties = self.dir / "server.properties"
        properties.write_text(
            "\n".join(
                [
                    "process.roles=broker,controller",
                    "node.id=1",
                    f"controller.quorum.voters=1@127.0.0.1:{self.controller_port}",
                    *self._listener_lines(),
                    "controller.listener.names=CONTROLLER",
                    "inter.broker.listener.name=PLAINTEXT",
                    f"log.dirs={self.dir / 'data'}",
                    "offsets.topic.replication.factor=1",
                    "offsets.topic.num.partitions=3",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    "num.partitions=1",
                    "auto.create.topics.enable=false",
                    # The fault suite sends 2 MB poison messages (the clients' default limit is
                    # 1 MB, so the dead-letter topic cannot take them whole).
                    "message.max.bytes=4194304",
                    "replica.fetch.max.bytes=4194304",
                ]
            )
            + "\n"
        )
        classpath = f"{lib}/*"
        java = ["java", "-Xmx768m", "-XX:+UseSerialGC", "-cp", classpath]
        subprocess.run(
            [
                *java,
                "kafka.tools.StorageTool",
                "format",
                "-t",
                uuid.uuid4().hex[:22],
                "-c",
                str(properties),
            ],
            check=True,
            capture_output=True,
        )
        self._java = java
        self._launch()
        return self

    def _launch(self) -> None:
        log_file = (self.dir / "kafka.log").open("ab")
        self._process = subprocess.Popen(
            [*self._java, "kafka.Kafka", str(self.dir / "server.properties")],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        wait_for_kafka(self.bootstrap, timeout=90)

    def _halt(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None

    def restart(self, down_seconds: float = 0.0) -> None:
        """Stop the broker and start it again on the same ports and log directory (its
        topics, messages and committed offsets survive, as on a real cluster)."""
        self._halt()
        time.sleep(down_seconds)
        self._launch()

    def stop(self) -> None:
        self._halt()
        shutil.rmtree(self.dir, ignore_errors=True)


def _inline(pem: Path) -> str:
    """A PEM file as one line of a Java properties file."""
    return pem.read_text().strip().replace("\n", "\\n")


def _pg_bindir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    if not candidates:
        raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
    return Path(candidates[0])


class PostgresServer:
    """A throw-away PostgreSQL cluster on a free port, run as the `postgres` OS user when the
    tests run as root (the server refuses to run as root)."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="ledger-pg-"))
        self.port = free_port()
        self.password = "ledger-test"
        self.dbname = "ledger"
        self._bindir = _pg_bindir()

    def _run(self, *args: str) -> None:
        command = [str(self._bindir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True)

    def start(self) -> PostgresServer:
        if os.geteuid() == 0:
            entry = pwd.getpwnam("postgres")
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)
        pwfile = self.dir / "pw"
        pwfile.write_text(self.password)
        if os.geteuid() == 0:
            os.chown(pwfile, pwd.getpwnam("postgres").pw_uid, -1)
        data = self.dir / "data"
        self._run(
            "initdb",
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=md5",
            f"--pwfile={pwfile}",
            "-E",
            "UTF8",
        )
        self._run(
            "pg_ctl",
            "-D",
            str(data),
            "-l",
            str(self.dir / "pg.log"),
            "-w",
            "-o",
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c max_connections=300",
            "start",
        )
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {self.dbname}")
        return self

    def dsn(self, dbname: str) -> str:
        return (
            f"host=127.0.0.1 port={self.port} user=postgres "
            f"password={self.password} dbname={dbname}"
        )

    def new_database(self) -> str:
        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return name

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def wait_until(predicate: object, timeout: float = 60.0, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(interval)
    raise TimeoutError(f"condition not met within {timeout}s")


def read_topic(bootstrap: str, topic: str, timeout: float = 30.0) -> list[object]:
    """Every message of a topic, read without a consumer group (no rebalance wait)."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    try:
        partitions = [
            TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        messages: list[object] = []
        deadline = time.monotonic() + timeout
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            if time.monotonic() > deadline:
                raise TimeoutError(f"could not read {topic} to its end in {timeout}s")
            for batch in consumer.poll(timeout_ms=500).values():
                messages.extend(batch)
        # The embedded broker reports the start of its last batch as the end offset: drain
        # until a poll brings nothing more.
        while more := consumer.poll(timeout_ms=300):
            for batch in more.values():
                messages.extend(batch)
        return messages
    finally:
        consumer.close()
