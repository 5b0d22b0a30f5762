"""Cases: where each case stands and what happened to it, for any case reference: a complaint
(CMP-2026-0001), a policy (EC-2026-0481), a property claim (CL-2026-0101), a travel claim
(TR-2026-0302), an assistance case (AGA-2026-1107) or a quarterly report (2026-Q1).

`status REF` reads the event store; the other commands read the Kafka-fed read models. A view
that does not apply to a case's type (payouts of a complaint) says so and shows nothing."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import typer
from rich.table import Table

from claims_ledger.domain.cases import CaseType
from claims_ledger.domain.complaints.handlers import COMPLAINT
from claims_ledger.domain.estatecare.handlers import POLICY, PROPERTY_CLAIM
from claims_ledger.domain.travel.handlers import ASSISTANCE_CASE, TRAVEL_CLAIM
from claims_ledger.infra import views
from claims_ledger.infra.case_state import state_as_of
from claims_ledger.infra.case_status import case_status
from claims_ledger.infra.cli.output import (
    JsonFlag,
    WideFlag,
    article,
    print_json,
    print_tables,
    say,
)
from claims_ledger.infra.cli.registry import CommandGroup
from claims_ledger.infra.cli.session import Session, for_reading
from claims_ledger.infra.errors import NotInReadModel
from claims_ledger.infra.store import ReadModel

group = CommandGroup("Cases")

Reference = Annotated[
    str,
    typer.Argument(
        help="Any case reference: complaint, policy, property or travel claim, assistance "
        "case, quarterly report (e.g. CMP-2026-0001, EC-2026-0481, CL-2026-0101, "
        "TR-2026-0302, AGA-2026-1107, 2026-Q1).",
        show_default=False,
    ),
]
OptionalReference = Annotated[
    str | None,
    typer.Argument(help="Only this case (any case reference).", show_default=False),
]
CLAIMS = (PROPERTY_CLAIM, TRAVEL_CLAIM)


class Basis(enum.StrEnum):
    """Which time `--as-of` is read against."""

    OCCURRED = "occurred"
    RECORDED = "recorded"


@dataclass(frozen=True)
class Case:
    reference: str
    type: CaseType
    id: UUID

    def __str__(self) -> str:
        return f"{self.type.name} {self.reference}"

    def is_a(self, *types: CaseType) -> bool:
        return self.type in types

    def does_not_have(self, what: str, kept_for: str) -> str:
        return f"{self.reference} is {article(self.type.name)}: {what} are kept for {kept_for}"


def resolve(session: Session, reference: str) -> Case:
    """The case a reference names, whatever its type; `CaseNotFound` (exit 2) otherwise."""
    case_type, aggregate_id = session.ledger().resolve(reference)
    return Case(reference, case_type, aggregate_id)


def claim_ids(case: Case, read_model: ReadModel) -> list[str]:
    """The claims a case stands for: itself, or every claim on a policy."""
    if case.is_a(*CLAIMS):
        return [str(case.id)]
    if case.is_a(POLICY):
        on_policy = [s for s in read_model.claim_sections() if s.policy_number == case.reference]
        return list(dict.fromkeys(s.claim_id for s in on_policy))
    return []


def references(read_model: ReadModel) -> dict[str, str]:
    """Case id -> the insurer's reference, for complaints and claims."""
    found = {s.complaint_id: s.reference for s in read_model.complaint_statuses()}
    found.update({s.claim_id: s.reference for s in read_model.claim_sections()})
    found.update({a.case_id: a.reference for a in read_model.assistance_cases()})
    return found


@group.command()
def status(
    reference: OptionalReference = None, as_json: JsonFlag = False, wide: WideFlag = False
) -> None:
    """Where a case stands: its type, state, version and last event.

    With a reference (any case type), from the event store; without one, every complaint's
    status from the read model."""
    session = for_reading()
    if reference is not None:
        current = session.reveal(case_status(session.ledger(), reference))
        if as_json:
            print_json(current)
        else:
            title = f"Status of {current['case_type']} {reference} (from the event store)"
            print_tables([views.fields_table(title, current)], wide)
        return
    statuses = session.read_model().complaint_statuses()
    if as_json:
        print_json(views.rows_json(statuses))
    else:
        title = f"Complaint status: {views.plural(len(statuses), 'complaint')}"
        print_tables([views.status_table(statuses, title)], wide)


@group.command()
def timeline(reference: Reference, as_json: JsonFlag = False, wide: WideFlag = False) -> None:
    """A case's timeline: every step, every deadline met or breached (CP-REG-1).

    From the read model: each step with its occurred and recorded times, each deadline with
    its due time, met or breached and by how long, and the rule set behind it."""
    from claims_ledger.projections.complaint_timeline import case_timeline
    from claims_ledger.projections.complaint_timeline import timeline as complaint_timeline

    session = for_reading()
    case = resolve(session, reference)
    read_model = session.read_model()
    events = read_model.events(str(case.id))
    complaint = read_model.complaint_status(reference) if case.is_a(COMPLAINT) else None
    if not events or (case.is_a(COMPLAINT) and complaint is None):
        raise NotInReadModel(
            f"{case} is in the event store but not yet in the read model: run "
            "`claims-ledger relay` and `claims-ledger consume` (or `rebuild --replace`)"
        )
    deadlines = read_model.deadlines(str(case.id))
    if complaint is not None:
        view = complaint_timeline(complaint, events, deadlines)
    else:
        view = case_timeline(reference, case.type.name, str(case.id), events, deadlines)
    view = session.reveal(view)
    if as_json:
        print_json(view)
    else:
        print_tables(views.timeline_tables(view), wide)


@group.command()
def payouts(reference: Reference, as_json: JsonFlag = False, wide: WideFlag = False) -> None:
    """Payout calculations with their traces (C-CALC-1), of a claim or a policy's claims."""
    session = for_reading()
    case = resolve(session, reference)
    read_model = session.read_model()
    ids = claim_ids(case, read_model)
    sections = [s for s in read_model.claim_sections() if s.claim_id in ids]
    calculations = session.reveal([c for claim in ids for c in read_model.calculations(claim)])
    if as_json:
        print_json(
            {
                "case": reference,
                "case_type": case.type.name,
                "sections": views.rows_json(sections),
                "calculations": views.rows_json(calculations),
            }
        )
        return
    if not case.is_a(*CLAIMS, POLICY):
        say(case.does_not_have("payout calculations", "property claims, travel claims, policies"))
        return
    names = references(read_model)
    tables = [views.claim_sections_table(sections, f"Payouts of {case}")]
    for claim in ids:
        tables += views.calculation_tables(
            names.get(claim, claim), session.reveal(read_model.calculations(claim))
        )
    print_tables(tables, wide)


@group.command("claim-documents")
def claim_documents(
    reference: Reference,
    outstanding: Annotated[bool, typer.Option(help="Only those not yet received.")] = False,
    as_json: JsonFlag = False,
    wide: WideFlag = False,
) -> None:
    """Documents requested and received, of a claim or a policy's claims (EC-S-3, RG-CL-2)."""
    session = for_reading()
    case = resolve(session, reference)
    read_model = session.read_model()
    ids = claim_ids(case, read_model)
    by_claim = {claim: read_model.claim_documents(claim) for claim in ids}
    if outstanding:
        by_claim = {
            claim: [r for r in rows if r.requested_at and not r.received_at]
            for claim, rows in by_claim.items()
        }
    if as_json:
        print_json([row for rows in by_claim.values() for row in views.rows_json(rows)])
        return
    if not case.is_a(*CLAIMS, POLICY):
        say(case.does_not_have("claim documents", "property claims, travel claims, policies"))
        return
    names = references(read_model)
    print_tables(
        [views.documents_table(names.get(c, c), rows) for c, rows in by_claim.items()], wide
    )


@group.command()
def deadlines(
    reference: OptionalReference = None,
    breached: Annotated[bool, typer.Option("--breached", help="Only breached ones.")] = False,
    as_json: JsonFlag = False,
    wide: WideFlag = False,
) -> None:
    """Deadlines (or only breached ones), of every case or of one case and its claims."""
    session = for_reading()
    read_model = session.read_model()
    rows = read_model.deadlines()
    title = "Deadlines"
    if reference is not None:
        case = resolve(session, reference)
        ids = {str(case.id), *claim_ids(case, read_model)}
        rows = [d for d in rows if d.case_id in ids]
        title = f"Deadlines of {case}"
    if breached:
        rows = [d for d in rows if d.breached_at is not None]
        title = title.replace("Deadlines", "Breached deadlines")
    if as_json:
        print_json(views.rows_json(rows))
    else:
        title += f": {len(rows)}"
        print_tables([views.deadlines_table(rows, references(read_model), title)], wide)


@group.command()
def aggregates(
    reference: OptionalReference = None, as_json: JsonFlag = False, wide: WideFlag = False
) -> None:
    """What remains of Section IV aggregates (EC-IV-1), per policy or of one case's policy."""
    session = for_reading()
    rows = session.read_model().policy_aggregates()
    if reference is not None:
        case = resolve(session, reference)
        policy = reference if case.is_a(POLICY) else None
        if case.is_a(PROPERTY_CLAIM):
            policy = str(getattr(session.ledger().case(reference), "policy_number", ""))
        rows = [r for r in rows if r.policy_number == policy]
        if policy is None and not as_json:
            say(case.does_not_have("Section IV aggregates", "EstateCare policies"))
            return
    if as_json:
        print_json(views.rows_json(rows))
    else:
        print_tables([views.aggregates_table(rows)], wide)


@group.command("travel-claims")
def travel_claims(
    reference: OptionalReference = None, as_json: JsonFlag = False, wide: WideFlag = False
) -> None:
    """Travel claims' stages in the submission flow (TR-FLOW-1) and their sections."""
    session = for_reading()
    read_model = session.read_model()
    claims = read_model.travel_claims()
    if reference is not None:
        case = resolve(session, reference)
        claims = [c for c in claims if c.claim_id == str(case.id)]
        if not case.is_a(TRAVEL_CLAIM) and not as_json:
            say(case.does_not_have("travel submission stages", "travel claims"))
            return
    ids = {t.claim_id for t in claims}
    sections = [s for s in read_model.claim_sections() if s.claim_id in ids]
    if as_json:
        print_json({"claims": views.rows_json(claims), "sections": views.rows_json(sections)})
        return
    print_tables(
        [
            views.travel_claims_table(claims, "Travel claims (TR-FLOW-1)"),
            views.claim_sections_table(sections, "Travel claims by section (RG-CL-3)"),
        ],
        wide,
    )


@group.command()
def assistance(
    reference: OptionalReference = None, as_json: JsonFlag = False, wide: WideFlag = False
) -> None:
    """Assistance cases: medical evacuation and repatriation (TR-AS-1)."""
    session = for_reading()
    rows = session.reveal(session.read_model().assistance_cases())
    if reference is not None:
        case = resolve(session, reference)
        rows = [r for r in rows if r.case_id == str(case.id)]
        if not case.is_a(ASSISTANCE_CASE) and not as_json:
            say(case.does_not_have("assistance arrangements", "assistance cases"))
            return
    if as_json:
        print_json(views.rows_json(rows))
    else:
        print_tables([views.assistance_table(rows)], wide)


def _time_with_offset(value: str) -> datetime:
    accepted = "an ISO 8601 time with an offset, e.g. 2026-03-02T09:00:00+07:00"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a time; accepted: {accepted}") from None
    if moment.tzinfo is None:
        raise typer.BadParameter(f"{value!r} has no offset (C-TIME-1); accepted: {accepted}")
    return moment


@group.command()
def state(
    reference: Reference,
    version: Annotated[
        int | None,
        typer.Option("--version", min=1, help="The case as it was at this version."),
    ] = None,
    as_of: Annotated[
        datetime | None,
        typer.Option(
            "--as-of",
            parser=_time_with_offset,
            metavar="TIME",
            help="The case as it was at this time, ISO 8601 with an offset.",
            show_default=False,
        ),
    ] = None,
    by: Annotated[
        Basis,
        typer.Option(
            "--by",
            help="With --as-of: `occurred` (business time: the events that had happened) or "
            "`recorded` (what the ledger knew then).",
        ),
    ] = Basis.OCCURRED,
    as_json: JsonFlag = False,
    wide: WideFlag = False,
) -> None:
    """A case of any type exactly as it was at a version or a moment (event store): where it
    stood, its fields, deadlines with due time and status, sections and calculations.

    Without --version or --as-of, the case now. Read through the latest snapshot at or below
    the version, so the cost does not grow with the case's history."""
    if version is not None and as_of is not None:
        raise typer.BadParameter("give --version or --as-of, not both")
    session = for_reading(quiet=True)
    case = resolve(session, reference)
    view = state_as_of(session.ledger(), case.id, version=version, at=as_of, by=by.value)
    if as_json:
        print_json(view)
        return
    print_tables(views_of_state(view), wide)


def views_of_state(view: dict[str, Any]) -> list[Table]:
    """The state view as tables: the case's fields, its deadlines, its sections."""
    when = f" as of {view['as_of']} ({view['by']})" if "as_of" in view else ""
    head = {k: v for k, v in view.items() if k not in ("fields", "deadlines", "sections")}
    head.pop("calculations", None)
    tables = [
        views.fields_table(
            f"{view['case_type']} {view['case']} at v{view['version']}{when}",
            head | view["fields"],
        )
    ]
    if view.get("deadlines"):
        table = views.new_table("Deadlines", ("rule", "party", "due", "status", "details"))
        for d in view["deadlines"]:
            shown = ("rule_id", "party", "due", "status")
            details = ", ".join(f"{k}: {v}" for k, v in d.items() if k not in shown)
            table.add_row(d["rule_id"], str(d["party"]), str(d["due"]), d["status"], details)
        tables.append(table)
    if view.get("sections"):
        table = views.new_table(
            "Sections and latest calculations",
            ("section", "status", "calculations", "payable", "agreed", "paid", "rule set"),
        )
        for name, s in view["sections"].items():
            calculation = view.get("calculations", {}).get(name, {})
            table.add_row(
                name,
                str(s["status"]),
                str(s["calculations"]),
                *(str(s[k] or "-") for k in ("payable", "agreed", "paid")),
                str(calculation.get("rule_set", "-")),
            )
        tables.append(table)
    return tables
