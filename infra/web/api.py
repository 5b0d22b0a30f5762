"""The JSON API behind every page (`/api/...`). GET only: nothing here changes anything."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Security
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AwareDatetime

from claims_ledger.infra.web import services
from claims_ledger.infra.web.auth import ROLE_PERMISSIONS, Principal, Role
from claims_ledger.infra.web.context import WebContext
from claims_ledger.infra.web.models import (
    AsOfView,
    BreachFigure,
    CalculationsView,
    CaseDetail,
    CasePage,
    DeadlinePage,
    Model,
    QuarterlyReport,
    ReportProduction,
    RuleView,
    VerificationView,
)
from claims_ledger.infra.web.queries import CaseKind
from claims_ledger.infra.web.rules import rule_anchor, rule_book

bearer = HTTPBearer(auto_error=False, description="An API token (LEDGER_WEB_TOKENS)")


class NotAuthenticated(Exception):
    """No valid token or session: 401 for the API, the login page for a browser."""


class Problem(Model):
    detail: str


def context(request: Request) -> WebContext:
    ctx: WebContext = request.app.state.ctx
    return ctx


def principal(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)] = None,
) -> Principal:
    found = context(request).authenticator.authenticate(request)
    if found is None:
        raise NotAuthenticated()
    request.state.principal = found
    return found


Ctx = Annotated[WebContext, Depends(context)]
Who = Annotated[Principal, Depends(principal)]
Reference = Annotated[
    str,
    Path(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
        description="A case reference: CMP-2026-0001, CL-2026-0101, TR-2026-0302, 2026-Q1…",
    ),
]
Quarter = Annotated[str, Path(pattern=r"^20[0-9]{2}-Q[1-4]$", examples=["2026-Q1"])]
PageNo = Annotated[int, Query(ge=1, le=100_000)]
PageSize = Annotated[int, Query(ge=1, le=200)]
Text = Annotated[str | None, Query(max_length=64)]

router = APIRouter(
    prefix="/api",
    tags=["api"],
    responses={
        401: {"model": Problem, "description": "No valid token"},
        403: {"model": Problem, "description": "The role may not read this"},
        404: {"model": Problem, "description": "No such case or quarter"},
    },
)


class Me(Model):
    name: str
    role: Role
    permissions: list[str]


@router.get("/me", response_model=Me)
def me(who: Who) -> Me:
    return Me(
        name=who.name,
        role=who.role,
        permissions=sorted(p.value for p in ROLE_PERMISSIONS[who.role]),
    )


@router.get("/cases", response_model=CasePage)
def cases(
    ctx: Ctx,
    who: Who,
    q: Annotated[
        str | None, Query(max_length=64, description="A reference or its beginning")
    ] = None,
    kind: CaseKind | None = None,
    state: Text = None,
    channel: Text = None,
    product: Text = None,
    breached: bool | None = None,
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> CasePage:
    return services.list_cases(
        ctx,
        who,
        q=q,
        kind=kind,
        state=state,
        channel=channel,
        product=product,
        breached=breached,
        page=page,
        page_size=page_size,
    )


@router.get("/cases/{reference}", response_model=CaseDetail)
def case(ctx: Ctx, who: Who, reference: Reference) -> CaseDetail:
    return services.get_case(ctx, who, reference)


@router.get("/cases/{reference}/as-of", response_model=AsOfView)
def case_as_of(
    ctx: Ctx,
    who: Who,
    reference: Reference,
    at: AwareDatetime | None = None,
    version: Annotated[int | None, Query(ge=1, le=10_000_000)] = None,
    by: Literal["occurred", "recorded"] = "recorded",
) -> AsOfView:
    return services.get_as_of(ctx, who, reference, at=at, version=version, by=by)


@router.get("/claims/{reference}/calculations", response_model=CalculationsView)
def claim_calculations(ctx: Ctx, who: Who, reference: Reference) -> CalculationsView:
    return services.get_calculations(ctx, who, reference)


@router.get("/deadlines", response_model=DeadlinePage)
def deadlines(
    ctx: Ctx,
    who: Who,
    view: Literal["open", "breached"] = "open",
    party: Text = None,
    rule_id: Text = None,
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> DeadlinePage:
    return services.get_deadlines(
        ctx, who, view=view, party=party, rule_id=rule_id, page=page, page_size=page_size
    )


@router.get("/deadlines/breaches-by-rule", response_model=list[BreachFigure])
def breach_figures(
    ctx: Ctx, who: Who, party: Text = None, rule_id: Text = None
) -> list[BreachFigure]:
    return services.get_breach_figures(ctx, who, party=party, rule_id=rule_id)


@router.get("/reports", response_model=list[ReportProduction])
def reports(ctx: Ctx, who: Who) -> list[ReportProduction]:
    return services.report_productions(ctx, who)


@router.get("/reports/{quarter}", response_model=QuarterlyReport)
def report(ctx: Ctx, who: Who, quarter: Quarter) -> QuarterlyReport:
    return QuarterlyReport.model_validate(services.report_figures(ctx, who, quarter))


@router.get(
    "/reports/{quarter}/csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def report_csv(ctx: Ctx, who: Who, quarter: Quarter) -> Response:
    """The report as `claims-ledger report QUARTER --format csv` writes it, byte for byte."""
    text = services.report_as_csv(services.report_figures(ctx, who, quarter))
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="complaint-report-{quarter}.csv"'},
    )


@router.get(
    "/reports/{quarter}/json",
    response_class=Response,
    responses={200: {"content": {"application/json": {"schema": {"type": "object"}}}}},
)
def report_json(ctx: Ctx, who: Who, quarter: Quarter) -> Response:
    """The report as `claims-ledger report QUARTER --format json` prints it, byte for byte."""
    text = services.report_as_json(services.report_figures(ctx, who, quarter))
    return Response(
        text,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="complaint-report-{quarter}.json"'},
    )


@router.get("/verification", response_model=VerificationView)
def verification(ctx: Ctx, who: Who) -> VerificationView:
    return services.get_verification(ctx, who)


@router.get("/rules", response_model=list[RuleView])
def rules(who: Who) -> list[RuleView]:
    return [
        RuleView(rule_id=r.rule_id, section=r.section, text=r.text, url=rule_anchor(r.rule_id))
        for r in rule_book().rules.values()
    ]
