"""The application factory: one function builds the web application from settings.

Nothing connects at import time; tests call `create_app` with their own settings and clock.
"""

from __future__ import annotations

import enum
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from claims_ledger.domain.clock import Clock
from claims_ledger.domain.ledger import Ledger
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import ReadModel, build_ledger, open_read_model
from claims_ledger.infra.web import api, pages
from claims_ledger.infra.web.audit_sources import (
    StateAsOf,
    Verification,
    default_state_as_of,
    default_verification,
)
from claims_ledger.infra.web.auth import (
    AuthenticatorChain,
    BearerTokenAuthenticator,
    Permission,
    SessionCookies,
    TokenRegistry,
    parse_token_entries,
)
from claims_ledger.infra.web.context import WallClock, WebContext
from claims_ledger.infra.web.indexes import ensure_indexes
from claims_ledger.infra.web.metrics import PipelineCollector, WebMetrics
from claims_ledger.infra.web.models import Health
from claims_ledger.infra.web.services import Forbidden, NotFound, require
from claims_ledger.infra.web.settings import WebSettings

log = structlog.get_logger(__name__)

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
PUBLIC_PATHS = ("/healthz", "/login", "/static/")
"""Served without signing in: the health check, the login page and its static files."""
MACHINE_PATHS = ("/api/", "/metrics", "/openapi.json")


class Default(enum.Enum):
    ENGINE = "the engine issue 10 provides, when it exists"


def create_app(
    settings: Settings | None = None,
    web: WebSettings | None = None,
    *,
    clock: Clock | None = None,
    ledger: Ledger | None = None,
    read_model: ReadModel | None = None,
    state_as_of: StateAsOf | Default | None = Default.ENGINE,
    verification: Verification | Default | None = Default.ENGINE,
) -> FastAPI:
    settings = settings or Settings()
    web = web or WebSettings()
    ledger = ledger or build_ledger(settings)
    read_model = read_model or open_read_model(settings)
    ensure_indexes(read_model)
    registry = TokenRegistry(parse_token_entries(web.tokens.get_secret_value()))
    secret = (
        web.session_secret.get_secret_value() if web.session_secret else secrets.token_urlsafe(32)
    )
    sessions = SessionCookies(registry, secret, max_age=int(web.session_hours * 3600))
    ctx = WebContext(
        settings=settings,
        web=web,
        ledger=ledger,
        read_model=read_model,
        clock=clock or WallClock(),
        registry=registry,
        sessions=sessions,
        authenticator=AuthenticatorChain([BearerTokenAuthenticator(registry), sessions]),
        state_as_of=default_state_as_of() if isinstance(state_as_of, Default) else state_as_of,
        verification=(
            default_verification(settings) if isinstance(verification, Default) else verification
        ),
        metrics=WebMetrics(),
    )
    ctx.metrics.registry.register(PipelineCollector(lambda: ctx.ledger, lambda: ctx.read_model))

    app = FastAPI(
        title="claims-ledger (read-only)",
        version="1",
        description="The claims ledger's read models and event store, read-only. Every route "
        "but /healthz needs an API token (`Authorization: Bearer …`) or a session.",
        docs_url=None,  # Swagger UI needs inline scripts and a CDN: the CSP allows neither
        redoc_url=None,
        openapi_url=None,
    )
    app.state.ctx = ctx
    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount(
        "/static", StaticFiles(packages=[("claims_ledger.infra.web", "static")]), name="static"
    )
    _add_operational_routes(app, ctx)
    _add_error_handlers(app)
    _add_middleware(app, ctx)
    return app


def _add_operational_routes(app: FastAPI, ctx: WebContext) -> None:
    @app.get(
        "/healthz",
        response_model=Health,
        tags=["operations"],
        responses={503: {"model": Health, "description": "A store does not answer"}},
    )
    def healthz() -> JSONResponse:
        """The event store and the read model answer (no sign-in needed)."""
        store_ok = read_ok = True
        try:
            ctx.ledger.recorder.max_notification_id()
        except Exception:
            store_ok = False
        try:
            ctx.read_model.event_count()
        except Exception:
            read_ok = False
        health = Health(
            status="ok" if store_ok and read_ok else "unavailable",
            event_store=store_ok,
            read_model=read_ok,
        )
        return JSONResponse(health.model_dump(), status_code=200 if health.status == "ok" else 503)

    problem = {"content": {"application/json": {"schema": api.Problem.model_json_schema()}}}

    @app.get(
        "/metrics",
        response_class=PlainTextResponse,
        tags=["operations"],
        responses={401: problem, 403: problem},
    )
    def metrics(who: api.Who) -> Response:
        """Prometheus text: request counts and latencies, event store / relay / read model."""
        require(who, Permission.OPERATIONS, "metrics")
        return Response(generate_latest(ctx.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/openapi.json", include_in_schema=False)
    def openapi(who: api.Who) -> JSONResponse:
        return JSONResponse(app.openapi())


def _machine(request: Request) -> bool:
    return request.url.path.startswith(MACHINE_PATHS)


def _problem(status: int, detail: str, **headers: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers or None)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(api.NotAuthenticated)
    async def not_authenticated(request: Request, _: Exception) -> Response:
        if _machine(request):
            return _problem(401, "a valid API token is needed", **{"WWW-Authenticate": "Bearer"})
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, error: Exception) -> Response:
        assert isinstance(error, Forbidden)
        if _machine(request):
            return _problem(403, str(error))
        return pages.render(
            request, "error.html", error.principal, 403, title="forbidden", message=str(error)
        )

    @app.exception_handler(NotFound)
    async def not_found(request: Request, error: Exception) -> Response:
        if _machine(request):
            return _problem(404, str(error))
        who = getattr(request.state, "principal", None)
        return pages.render(request, "error.html", who, 404, title="not_found", message=str(error))


def _add_middleware(app: FastAPI, ctx: WebContext) -> None:
    @app.middleware("http")
    async def observe(request: Request, call_next: Callable[[Request], Awaitable[Any]]) -> Any:
        start = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        label = getattr(route, "path", None) or (
            "/static" if request.url.path.startswith("/static/") else "unmatched"
        )
        ctx.metrics.requests.labels(request.method, label, str(response.status_code)).inc()
        ctx.metrics.latency.labels(request.method, label).observe(time.perf_counter() - start)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
