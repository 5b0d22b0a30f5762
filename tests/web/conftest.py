"""The web application on a real store: the example scenarios applied to SQLite files and the
read model rebuilt from the event store (no mocks), one token per role, a pinned clock."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from claims_ledger.infra.audit import rebuild
from claims_ledger.infra.checkpoint_log import checkpoint_writer
from claims_ledger.infra.scenario import apply_file
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import build_ledger, open_read_model
from claims_ledger.infra.web.app import create_app
from claims_ledger.infra.web.auth import Role, hash_token
from claims_ledger.infra.web.command import FixedClock
from claims_ledger.infra.web.settings import WebSettings

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("*.jsonl"))
NOW = datetime.fromisoformat("2026-12-30T10:00:00+07:00")
"""The clock SLA time left is computed against: CMP-2026-0105's documents are still awaited."""

TOKENS = {
    Role.AUDITOR: "auditor-token-0123456789abcdef",
    Role.REGULATOR: "regulator-token-0123456789abcdef",
    Role.REPORTING: "reporting-token-0123456789abcdef",
}


@dataclass(frozen=True)
class Store:
    settings: Settings
    events: int


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    settings = Settings(ledger_data_dir=tmp_path_factory.mktemp("web") / "ledger")
    ledger = build_ledger(settings)
    for path in EXAMPLES:
        apply_file(ledger, path)
    events = rebuild(ledger, open_read_model(settings))
    # A signed checkpoint of the whole log, and one recorded verify run against it (issue 10).
    checkpoint_writer(ledger, settings).write()
    subprocess.run(
        [str(Path(sys.executable).parent / "claims-ledger"), "verify"],
        env={**os.environ, "LEDGER_DATA_DIR": str(settings.ledger_data_dir)},
        capture_output=True,
        check=True,
        timeout=120,
    )
    return Store(settings, events)


@pytest.fixture(scope="session")
def web_settings() -> WebSettings:
    # The regulator's token is kept as a bare SHA-256, the others as scrypt: both are accepted.
    entries = [
        f"auditor:audit-team:{hash_token(TOKENS[Role.AUDITOR])}",
        "regulator:ojk-examiner:sha256$"
        + hashlib.sha256(TOKENS[Role.REGULATOR].encode()).hexdigest(),
        f"reporting:reporting-team:{hash_token(TOKENS[Role.REPORTING])}",
    ]
    return WebSettings(
        tokens=SecretStr(",".join(entries)),
        session_secret=SecretStr("test-session-secret"),
        cookie_secure=True,
    )


@pytest.fixture(scope="session")
def app(demo_store: Store, web_settings: WebSettings) -> FastAPI:
    return create_app(demo_store.settings, web_settings, clock=FixedClock(NOW))


@pytest.fixture(scope="session")
def client(app: FastAPI) -> TestClient:
    return TestClient(app, base_url="https://testserver", follow_redirects=False)


def bearer(role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def server(app: FastAPI) -> Iterator[str]:
    """The application served by uvicorn on a free loopback port, in a thread."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        if time.monotonic() > deadline:
            raise TimeoutError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        uv.should_exit = True
        thread.join(timeout=10)
