"""Server-rendered pages (Jinja2, autoescaped; htmx swaps the result tables of the filter
forms). Reading only: the sole POSTs sign a person in and out (a cookie), never the ledger."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs, quote

import structlog
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.templating import Jinja2Templates

from claims_ledger.domain.clock import WIB
from claims_ledger.infra.web import services
from claims_ledger.infra.web.api import Ctx, PageNo, PageSize, Reference, Text, Who
from claims_ledger.infra.web.auth import SESSION_COOKIE, Permission, Principal, Role
from claims_ledger.infra.web.cases import idr
from claims_ledger.infra.web.i18n import LANGUAGES, duration, pick_language, translator
from claims_ledger.infra.web.queries import CaseKind
from claims_ledger.infra.web.rules import rule_anchor, rule_book
from claims_ledger.projections.formatting import wib

log = structlog.get_logger(__name__)

LANG_COOKIE = "ledger_lang"

environment = Environment(
    loader=PackageLoader("claims_ledger.infra.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)
environment.filters["idr"] = idr
environment.globals["rule_url"] = rule_anchor
templates = Jinja2Templates(env=environment)

router = APIRouter(include_in_schema=False)


def language(request: Request, principal: Principal | None) -> str:
    default = "id" if principal is not None and principal.role is Role.REGULATOR else "en"
    return pick_language(request.cookies.get(LANG_COOKIE), default)


def render(
    request: Request,
    name: str,
    principal: Principal | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    lang = language(request, principal)
    t = translator(lang)
    nav = []
    if principal is not None:
        if principal.may(Permission.COMPLAINTS) or principal.may(Permission.CLAIMS):
            nav.append(("/cases", t("cases")))
        if principal.may(Permission.AGGREGATES):
            nav.append(("/deadlines", t("deadlines")))
        if principal.may(Permission.REPORTS):
            nav.append(("/reports", t("reports")))
        if principal.may(Permission.AUDIT):
            nav.append(("/verification", t("verification")))
        nav.append(("/rules", t("rules")))
    return templates.TemplateResponse(
        request,
        name,
        {
            "principal": principal,
            "lang": lang,
            "languages": LANGUAGES,
            "t": t,
            "nav": nav,
            "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            "dur": lambda seconds: duration(seconds, lang),
            **context,
        },
        status_code=status_code,
    )


def _partial(request: Request) -> bool:
    return "hx-request" in request.headers and "hx-history-restore-request" not in request.headers


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


# -- signing in --------------------------------------------------------------------------------


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> HTMLResponse:
    return render(request, "login.html", None, next=_safe_next(next), error=None)


@router.post("/login")
async def login(request: Request, ctx: Ctx) -> Response:
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    token = (form.get("token") or [""])[0].strip()
    target = _safe_next((form.get("next") or ["/"])[0])
    who = ctx.registry.verify(token, via="login")
    if who is None:
        log.warning("web.login_refused", client=request.client.host if request.client else None)
        return render(request, "login.html", None, 401, next=target, error="login_failed")
    log.info("web.login", who=who.name, role=who.role.value)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        ctx.sessions.issue(who),
        max_age=ctx.sessions.max_age,
        httponly=True,
        secure=ctx.web.cookie_secure,
        samesite="strict",
        path="/",
    )
    return response


@router.post("/logout")
def logout() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/lang/{lang}")
def switch_language(lang: Literal["id", "en"], next: str | None = None) -> Response:
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="strict", path="/")
    return response


@router.get("/")
def home(who: Who) -> Response:
    if who.may(Permission.COMPLAINTS) or who.may(Permission.CLAIMS):
        return RedirectResponse("/cases", status_code=303)
    return RedirectResponse("/reports", status_code=303)


# -- cases -------------------------------------------------------------------------------------


@router.get("/cases")
def cases_page(
    request: Request,
    ctx: Ctx,
    who: Who,
    q: Text = None,
    kind: CaseKind | None = None,
    state: Text = None,
    channel: Text = None,
    product: Text = None,
    breached: Literal["", "yes", "no"] = "",
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> HTMLResponse:
    result = services.list_cases(
        ctx,
        who,
        q=q,
        kind=kind,
        state=state,
        channel=channel,
        product=product,
        breached={"yes": True, "no": False}.get(breached),
        page=page,
        page_size=page_size,
    )
    filters = {
        "q": q or "",
        "kind": kind.value if kind else "",
        "state": state or "",
        "channel": channel or "",
        "product": product or "",
        "breached": breached,
        "page_size": page_size,
    }
    query = "&".join(f"{k}={quote(str(v))}" for k, v in filters.items() if v)
    return render(
        request,
        "_cases_results.html" if _partial(request) else "cases.html",
        who,
        result=result,
        filters=filters,
        query=query,
        choices=services.filter_choices(ctx, who),
    )


@router.get("/cases/{reference}")
def case_page(request: Request, ctx: Ctx, who: Who, reference: Reference) -> HTMLResponse:
    detail = services.get_case(ctx, who, reference)
    return render(request, "case.html", who, case=detail)


@router.get("/cases/{reference}/as-of")
def as_of_page(
    request: Request,
    ctx: Ctx,
    who: Who,
    reference: Reference,
    at: Annotated[str | None, Query(max_length=40)] = None,
    version: Annotated[str | None, Query(max_length=12)] = None,
    by: Literal["occurred", "recorded"] = "recorded",
) -> HTMLResponse:
    moment = _parse_moment(at)
    number = int(version) if version and version.isdigit() and int(version) >= 1 else None
    view = services.get_as_of(ctx, who, reference, at=moment, version=number, by=by)
    return render(
        request,
        "as_of.html",
        who,
        view=view,
        reference=reference,
        at=at or "",
        version=number or "",
        by=by,
    )


def _parse_moment(text: str | None) -> datetime | None:
    """A `datetime-local` value is WIB (C-TIME-1: the business timezone); an offset is kept."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=WIB)


# -- deadlines ---------------------------------------------------------------------------------


@router.get("/deadlines")
def deadlines_page(
    request: Request,
    ctx: Ctx,
    who: Who,
    party: Text = None,
    rule_id: Text = None,
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> HTMLResponse:
    figures = services.get_breach_figures(ctx, who, party=party, rule_id=rule_id)
    detailed = who.may(Permission.COMPLAINTS) or who.may(Permission.CLAIMS)
    open_page = breached_page = None
    if detailed:
        open_page = services.get_deadlines(
            ctx, who, view="open", party=party, rule_id=rule_id, page=page, page_size=page_size
        )
        breached_page = services.get_deadlines(
            ctx, who, view="breached", party=party, rule_id=rule_id, page=1, page_size=200
        )
    return render(
        request,
        "_deadlines_results.html" if _partial(request) else "deadlines.html",
        who,
        figures=figures,
        open_page=open_page,
        breached_page=breached_page,
        filters={"party": party or "", "rule_id": rule_id or ""},
        now=wib(ctx.clock.now()),
    )


# -- reports -----------------------------------------------------------------------------------


@router.get("/reports")
def reports_page(ctx: Ctx, who: Who, quarter: Text = None) -> Response:
    services.require(who, Permission.REPORTS, "quarterly reports")
    target = (
        quarter if quarter and services.QUARTER.match(quarter) else services.current_quarter(ctx)
    )
    return RedirectResponse(f"/reports/{target}", status_code=303)


@router.get("/reports/{quarter}")
def report_page(request: Request, ctx: Ctx, who: Who, quarter: str) -> HTMLResponse:
    figures = services.report_figures(ctx, who, quarter)
    productions = services.report_productions(ctx, who)
    quarters = sorted({p.quarter for p in productions} | {quarter, services.current_quarter(ctx)})
    return render(
        request,
        "report.html",
        who,
        report=figures,
        quarter=quarter,
        quarters=quarters,
        productions=productions,
        summary=[
            (k, figures[k])
            for k in ("received", "resolved", "closed_incomplete", "in_progress_at_quarter_end")
        ],
        sections=[
            (s, figures[s])
            for s in (
                "received_by_channel",
                "received_by_product",
                "resolved_by_outcome",
                "sla_deadlines_due_in_quarter",
            )
        ],
    )


# -- verification and rules --------------------------------------------------------------------


@router.get("/verification")
def verification_page(request: Request, ctx: Ctx, who: Who) -> HTMLResponse:
    return render(request, "verification.html", who, view=services.get_verification(ctx, who))


@router.get("/rules")
def rules_page(request: Request, who: Who) -> HTMLResponse:
    return render(request, "rules.html", who, book=rule_book())
