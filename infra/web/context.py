"""What every request handler is given: the stores, the clock, who may sign in, the engines."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from claims_ledger.domain.clock import Clock
from claims_ledger.domain.ledger import Ledger
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import ReadModel
from claims_ledger.infra.web.audit_sources import StateAsOf, Verification
from claims_ledger.infra.web.auth import Authenticator, SessionCookies, TokenRegistry
from claims_ledger.infra.web.metrics import WebMetrics
from claims_ledger.infra.web.settings import WebSettings


class WallClock:
    """The wall clock: infra reads it, the domain never does. SLA time left is computed
    against whatever clock the application was built with."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class WebContext:
    settings: Settings
    web: WebSettings
    ledger: Ledger
    read_model: ReadModel
    clock: Clock
    registry: TokenRegistry
    sessions: SessionCookies
    authenticator: Authenticator
    state_as_of: StateAsOf | None
    verification: Verification | None
    metrics: WebMetrics = field(default_factory=WebMetrics)
