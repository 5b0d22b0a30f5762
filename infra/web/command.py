"""`claims-ledger serve`: the web application under uvicorn, on the command line's settings.

`--demo` applies the example scenarios to a fresh folder (`<data dir>/web-demo/`), rebuilds its
read model from the event store, makes one token per role and prints them: one command to see
the pages on a laptop. `--hash-token` reads a token on stdin and prints the hash to put in
LEDGER_WEB_TOKENS.
"""

from __future__ import annotations

import secrets
import shutil
import sys
from collections.abc import Callable
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import TextIO

from pydantic import SecretStr

from claims_ledger.domain.clock import Clock
from claims_ledger.infra.audit import rebuild
from claims_ledger.infra.errors import SetupError
from claims_ledger.infra.scenario import apply_file
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import build_ledger, open_read_model
from claims_ledger.infra.web.auth import Role, TokenSettingsError, hash_token, parse_token_entries
from claims_ledger.infra.web.settings import WebSettings


class ServeError(SetupError):
    """The server cannot start; the message says what to do."""


class FixedClock:
    """`--now`: the clock SLA time left is computed against, pinned (screenshots, demos)."""

    def __init__(self, moment: datetime) -> None:
        self._moment = moment

    def now(self) -> datetime:
        return self._moment


def example_files(folder: Path | None = None) -> list[Path]:
    if folder is not None and folder.is_dir():
        return sorted(folder.glob("*.jsonl"))
    packaged = Path(str(resources.files("claims_ledger").joinpath("examples")))
    return sorted(packaged.glob("*.jsonl"))


def fill_demo_store(settings: Settings, examples: list[Path]) -> Settings:
    """A fresh SQLite folder with the example scenarios applied and the read model rebuilt
    from the event store (the same projection the Kafka consumer runs)."""
    folder = settings.ledger_data_dir / "web-demo"
    shutil.rmtree(folder, ignore_errors=True)
    demo = settings.model_copy(update={"ledger_data_dir": folder, "ledger_postgres_dbname": None})
    ledger = build_ledger(demo)
    for path in examples:
        apply_file(ledger, path)
    rebuild(ledger, open_read_model(demo))
    return demo


def demo_tokens() -> tuple[WebSettings, dict[Role, str]]:
    tokens = {role: f"demo-{role.value}-{secrets.token_urlsafe(12)}" for role in Role}
    entries = ",".join(
        f"{role.value}:demo-{role.value}:{hash_token(t)}" for role, t in tokens.items()
    )
    return WebSettings(tokens=SecretStr(entries), cookie_secure=False), tokens


def parse_now(text: str | None) -> Clock | None:
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ServeError(f"--now {text!r} has no offset (C-TIME-1): e.g. 2026-12-30T09:00:00+07:00")
    return FixedClock(moment)


def check_ready(settings: Settings, web: WebSettings) -> None:
    """Refuse to start on an empty data folder or with no token configured, saying what to do."""
    try:
        entries = parse_token_entries(web.tokens.get_secret_value())
    except TokenSettingsError as error:
        raise ServeError(str(error)) from None
    if not entries:
        raise ServeError(
            "no token is configured: set LEDGER_WEB_TOKENS to role:name:hash entries "
            "(roles auditor, regulator, reporting; make a hash with "
            "`claims-ledger serve --hash-token`), or try `claims-ledger serve --demo`"
        )
    if not settings.uses_postgres and not (settings.ledger_data_dir / "events.sqlite").exists():
        raise ServeError(
            f"the data folder {settings.ledger_data_dir} holds no ledger: fill it with "
            "`claims-ledger apply examples/*.jsonl`, then feed its read model with "
            "`claims-ledger relay` and `claims-ledger consume`; or run "
            "`claims-ledger serve --demo` (`make serve`), which applies the examples into a "
            "fresh folder"
        )


def hash_token_from(stream: TextIO = sys.stdin) -> str:
    token = stream.readline().strip()
    if len(token) < 16:
        raise ServeError("a token of at least 16 characters is expected on stdin")
    return hash_token(token)


def run_serve(
    settings: Settings,
    *,
    demo: bool,
    host: str | None,
    port: int | None,
    now: str | None,
    examples: Path | None,
    say: Callable[[str], None] = print,
) -> None:
    import uvicorn

    from claims_ledger.infra.web.app import create_app

    clock = parse_now(now)
    if demo:
        settings = fill_demo_store(settings, example_files(examples))
        web, tokens = demo_tokens()
        for role, token in tokens.items():
            say(f"{role.value:>10} token: {token}")
    else:
        web = WebSettings()
        check_ready(settings, web)
    host = host or web.host
    port = port if port is not None else web.port
    app = create_app(settings, web, clock=clock)
    say(f"serving {settings.ledger_data_dir} on http://{host}:{port}/ (read-only)")
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
