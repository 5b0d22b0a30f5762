"""What the pages and the JSON API both do: check the role, read, and log every read of a case.

Every function here reads; none stores anything.
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime
from typing import Any

import structlog

from claims_ledger.domain.clock import WIB
from claims_ledger.domain.complaints.report import quarter_of
from claims_ledger.domain.errors import LedgerError
from claims_ledger.infra import views
from claims_ledger.infra.web import queries
from claims_ledger.infra.web.audit_sources import AsOfBasis
from claims_ledger.infra.web.auth import Permission, Principal
from claims_ledger.infra.web.cases import (
    CaseRef,
    calculation_view,
    case_detail,
    claim_sections,
    deadline_view,
    resolve,
    section_view,
)
from claims_ledger.infra.web.context import WebContext
from claims_ledger.infra.web.models import (
    AsOfView,
    BreachFigure,
    CalculationsView,
    CaseDetail,
    CasePage,
    CaseSummary,
    DeadlinePage,
    Paging,
    ReportProduction,
    VerificationView,
)
from claims_ledger.projections.complaint_report import quarterly_report, report_csv
from claims_ledger.projections.deadlines import DeadlineRow
from claims_ledger.projections.formatting import wib

log = structlog.get_logger(__name__)

QUARTER = re.compile(r"^20[0-9]{2}-Q[1-4]$")


class Forbidden(Exception):
    def __init__(self, principal: Principal, what: str) -> None:
        self.principal = principal
        self.what = what
        super().__init__(f"role {principal.role.value} may not read {what}")


class NotFound(Exception):
    pass


def require(principal: Principal, permission: Permission, what: str) -> None:
    if not principal.may(permission):
        log.warning("web.access_refused", who=principal.name, role=principal.role.value, what=what)
        raise Forbidden(principal, what)


def paging(page: int, page_size: int, total: int) -> Paging:
    return Paging(page=page, page_size=page_size, total=total, pages=math.ceil(total / page_size))


# -- cases -------------------------------------------------------------------------------------


def allowed_kinds(principal: Principal) -> list[queries.CaseKind]:
    kinds = []
    if principal.may(Permission.COMPLAINTS):
        kinds.append(queries.CaseKind.COMPLAINT)
    if principal.may(Permission.CLAIMS):
        kinds.extend(k for k in queries.CaseKind if k in queries.CLAIM_KINDS)
    return kinds


def list_cases(
    ctx: WebContext,
    principal: Principal,
    *,
    q: str | None,
    kind: queries.CaseKind | None,
    state: str | None,
    channel: str | None,
    product: str | None,
    breached: bool | None,
    page: int,
    page_size: int,
) -> CasePage:
    kinds = allowed_kinds(principal)
    if not kinds:
        raise Forbidden(principal, "cases")
    if kind is not None:
        if kind not in kinds:
            require(principal, Permission.CLAIMS, f"cases of type {kind.value}")
        kinds = [kind]
    found, total = queries.find_cases(
        ctx.read_model,
        queries.CaseFilter(
            reference=q or None,
            kinds=kinds,
            state=state or None,
            channel=channel or None,
            product=product or None,
            breached=breached,
        ),
        page,
        page_size,
    )
    items = [
        CaseSummary(
            kind=queries.CaseKind(r["kind"]),
            reference=r["reference"],
            case_id=r["case_id"],
            state=r["state"],
            channel=r["channel"],
            product=r["product"],
            opened_at=wib(datetime.fromisoformat(r["opened_at"])) if r["opened_at"] else None,
            breached=bool(r["breached"]),
        )
        for r in found
    ]
    return CasePage(items=items, paging=paging(page, page_size, total))


def filter_choices(ctx: WebContext, principal: Principal) -> dict[str, list[str]]:
    rm = ctx.read_model
    states = queries.distinct_values(rm, "complaint_status", "state")
    if principal.may(Permission.CLAIMS):
        states += queries.distinct_values(rm, "claim_sections", "status")
        states += queries.distinct_values(rm, "travel_claims", "stage")
        states += ["reported", "arranged", "closed"]
    products = queries.distinct_values(rm, "complaint_status", "product")
    if principal.may(Permission.CLAIMS):
        products += list(queries.PRODUCT_OF_KIND.values())
    return {
        "kinds": [k.value for k in allowed_kinds(principal)],
        "states": sorted(set(states)),
        "channels": queries.distinct_values(rm, "complaint_status", "channel"),
        "products": sorted(set(products)),
    }


def open_case(ctx: WebContext, principal: Principal, reference: str, view: str) -> CaseRef:
    """Resolve a reference, check the role may read that case type, and log the read."""
    try:
        case = resolve(ctx.ledger, reference)
    except LedgerError:
        raise NotFound(f"no case {reference!r}") from None
    if not principal.may(case.permission):
        log.warning(
            "web.case_read_refused",
            who=principal.name,
            role=principal.role.value,
            case_reference=reference,
            case_type=case.case_type,
            view=view,
        )
        raise Forbidden(principal, f"a {case.case_type}")
    log.info(
        "web.case_read",
        who=principal.name,
        role=principal.role.value,
        via=principal.via,
        case_reference=reference,
        case_id=str(case.aggregate_id),
        case_type=case.case_type,
        view=view,
        at=ctx.clock.now().isoformat(),
    )
    return case


def get_case(ctx: WebContext, principal: Principal, reference: str) -> CaseDetail:
    case = open_case(ctx, principal, reference, "case")
    return case_detail(ctx.ledger, ctx.read_model, case, ctx.clock.now())


def get_calculations(ctx: WebContext, principal: Principal, reference: str) -> CalculationsView:
    require(principal, Permission.CLAIMS, "claims")
    case = open_case(ctx, principal, reference, "calculations")
    if case.case_type not in ("property claim", "travel claim"):
        raise NotFound(f"{reference!r} is a {case.case_type}, not a claim")
    cid = str(case.aggregate_id)
    return CalculationsView(
        reference=reference,
        sections=[section_view(s) for s in claim_sections(ctx.read_model, cid)],
        calculations=[calculation_view(c) for c in ctx.read_model.calculations(cid)],
    )


def get_as_of(
    ctx: WebContext,
    principal: Principal,
    reference: str,
    *,
    at: datetime | None,
    version: int | None,
    by: AsOfBasis,
) -> AsOfView:
    case = open_case(ctx, principal, reference, "as_of")
    if ctx.state_as_of is None:
        return AsOfView(
            reference=reference,
            available=False,
            message="State as of a moment or version is not yet available: its engine "
            "(issue 10, `claims-ledger state`) is not part of this ledger yet.",
        )
    if at is None and version is None:
        return AsOfView(reference=reference, available=True, message="Pick a time or a version.")
    then = ctx.state_as_of(ctx.ledger, case.aggregate_id, version=version, at=at, by=by)
    now = ctx.state_as_of(ctx.ledger, case.aggregate_id, version=None, at=None, by=by)
    return AsOfView(
        reference=reference,
        available=True,
        message="",
        at=at.isoformat() if at else None,
        version=version,
        then=then,
        now=now,
    )


# -- deadlines -------------------------------------------------------------------------------


def _deadline_filter(
    principal: Principal, party: str | None, rule_id: str | None
) -> queries.DeadlineFilter:
    if not (principal.may(Permission.COMPLAINTS) or principal.may(Permission.CLAIMS)):
        raise Forbidden(principal, "deadlines of single cases")
    return queries.DeadlineFilter(
        party=party or None,
        rule_id=rule_id or None,
        complaints_only=not principal.may(Permission.CLAIMS),
    )


def get_deadlines(
    ctx: WebContext,
    principal: Principal,
    *,
    view: str,
    party: str | None,
    rule_id: str | None,
    page: int,
    page_size: int,
) -> DeadlinePage:
    f = _deadline_filter(principal, party, rule_id)
    select = queries.open_deadlines if view == "open" else queries.breached_deadlines
    found, total = select(ctx.read_model, f, page, page_size)
    refs = queries.references_of(ctx.read_model, [r["case_id"] for r in found])
    now = ctx.clock.now()
    items = []
    for r in found:
        row = _deadline_row(r)
        items.append(deadline_view(row, now, refs.get(row.case_id, (None, None))[0]))
    return DeadlinePage(now=wib(now) or "", items=items, paging=paging(page, page_size, total))


def _deadline_row(r: dict[str, Any]) -> DeadlineRow:
    return queries.as_row(DeadlineRow, r)


def get_breach_figures(
    ctx: WebContext, principal: Principal, *, party: str | None, rule_id: str | None
) -> list[BreachFigure]:
    require(principal, Permission.AGGREGATES, "breach figures")
    f = queries.DeadlineFilter(
        party=party or None,
        rule_id=rule_id or None,
        complaints_only=not principal.may(Permission.CLAIMS),
    )
    return [BreachFigure(**r) for r in queries.breaches_by_party_and_rule(ctx.read_model, f)]


# -- quarterly reports -----------------------------------------------------------------------


def current_quarter(ctx: WebContext) -> str:
    return quarter_of(ctx.clock.now().astimezone(WIB).date())


def report_figures(ctx: WebContext, principal: Principal, quarter: str) -> dict[str, Any]:
    """The figures of `claims-ledger report QUARTER`, from the same functions."""
    require(principal, Permission.REPORTS, "quarterly reports")
    if not QUARTER.match(quarter):
        raise NotFound(f"quarter {quarter!r} is not of the form YYYY-Qn (2000-2099)")
    try:
        return quarterly_report(quarter, ctx.read_model.events(), ctx.read_model.deadlines())
    except LedgerError as error:  # e.g. no rule set in force for that quarter (RG-V-1)
        raise NotFound(str(error)) from None


def report_as_csv(figures: dict[str, Any]) -> str:
    return report_csv(figures)


def report_as_json(figures: dict[str, Any]) -> str:
    """Byte for byte what `claims-ledger report QUARTER --format json` prints."""
    return views.as_json(figures) + "\n"


def report_productions(ctx: WebContext, principal: Principal) -> list[ReportProduction]:
    require(principal, Permission.REPORTS, "quarterly reports")
    out = []
    for r in queries.report_productions(ctx.read_model):
        payload = json.loads(r["payload"]) if isinstance(r["payload"], str) else r["payload"]
        out.append(
            ReportProduction(
                quarter=str(payload.get("quarter")),
                produced_at=wib(datetime.fromisoformat(r["occurred_at"])) or "",
                recorded_at=wib(datetime.fromisoformat(r["recorded_at"])) or "",
                late_by_seconds=payload.get("late_by_seconds"),
                content_sha256=payload.get("content_sha256"),
            )
        )
    return out


# -- verification ----------------------------------------------------------------------------


def get_verification(ctx: WebContext, principal: Principal) -> VerificationView:
    require(principal, Permission.AUDIT, "verification")
    if ctx.verification is None:
        return VerificationView(
            available=False,
            message="Signed checkpoints and recorded verify runs are not yet available: they "
            "come with issue 10. Each case page already checks its own hash chain against what "
            "was published; `claims-ledger verify` checks them all.",
        )
    return VerificationView(
        available=True,
        message="",
        checkpoint=ctx.verification.latest_checkpoint(),
        last_run=ctx.verification.last_run(),
    )
