"""Tables for people (rich) and JSON for machines, from the read models."""

from __future__ import annotations

import json
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from rich.table import Table

from claims_ledger.domain.money import format_idr
from claims_ledger.domain.travel.catalogue import Catalogue, catalogue
from claims_ledger.infra.codec import json_safe
from claims_ledger.projections.claims import (
    AssistanceCaseRow,
    CalculationRow,
    ClaimDocumentRow,
    ClaimSectionRow,
    PolicyAggregateRow,
    TravelClaimRow,
)
from claims_ledger.projections.complaint_report import report_figures
from claims_ledger.projections.complaint_status import ComplaintStatus
from claims_ledger.projections.complaint_timeline import wib
from claims_ledger.projections.deadlines import DeadlineRow


def as_json(value: Any) -> str:
    return json.dumps(json_safe(value), indent=2, ensure_ascii=False)


def rows_json(rows: list[Any]) -> list[dict[str, Any]]:
    return [json_safe(asdict(r)) for r in rows]


def status_table(statuses: list[ComplaintStatus], title: str) -> Table:
    table = Table(title=title)
    for column in (
        "reference",
        "state",
        "track",
        "channel",
        "product",
        "received (WIB)",
        "outcome",
        "breaches",
        "last event",
    ):
        table.add_column(column)
    for s in statuses:
        table.add_row(
            s.reference,
            s.state,
            s.track,
            s.channel,
            s.product or "-",
            wib(s.received_at),
            s.outcome or "-",
            str(s.breaches),
            s.last_event_type.removeprefix("Complaint"),
        )
    return table


def deadlines_table(deadlines: list[DeadlineRow], references: dict[str, str], title: str) -> Table:
    table = Table(title=title)
    for column in (
        "case",
        "rule",
        "party",
        "due (WIB)",
        "status",
        "met / fulfilled",
        "breached",
        "late by",
        "extended",
    ):
        table.add_column(column)
    for d in deadlines:
        late = "-" if d.breach_seconds is None else _duration(d.breach_seconds)
        table.add_row(
            references.get(d.case_id, d.case_id[:8]),
            d.key,
            d.party,
            wib(d.due),
            d.status,
            wib(d.met_at or d.fulfilled_at) or "-",
            wib(d.breached_at) or "-",
            late,
            f"{d.extended_by_rule} (was {wib(d.original_due)})" if d.extended_by_rule else "-",
        )
    return table


def timeline_tables(view: dict[str, Any]) -> list[Table]:
    steps = Table(
        title=f"Timeline of complaint {view['complaint']} ({view['state']}, "
        f"rule set {view['rule_set']})"
    )
    for column in ("v", "step", "occurred (WIB)", "recorded (WIB)", "details"):
        steps.add_column(column)
    for s in view["steps"]:
        recorded = s["recorded_at"] + (
            f" (+{s['recorded_late_by']})" if s["recorded_late_by"] else ""
        )
        steps.add_row(
            str(s["version"]),
            s["step"].removeprefix("Complaint"),
            s["occurred_at"],
            recorded,
            s["details"],
        )
    deadlines = Table(title="Deadlines")
    for column in (
        "rule",
        "party",
        "due",
        "status",
        "met at",
        "breached at",
        "late by",
        "from",
        "calendar",
        "rule set",
    ):
        deadlines.add_column(column)
    for d in view["deadlines"]:
        deadlines.add_row(
            d["rule_id"],
            d["party"],
            d["due"],
            d["status"],
            d["met_at"] or d["fulfilled_at"] or "-",
            d["breached_at"] or "-",
            d["breach_duration"] or "-",
            d["computed_from"],
            d["calendar"],
            d["rule_set"],
        )
    return [steps, deadlines]


def report_table(report: dict[str, Any]) -> Table:
    table = Table(
        title=f"Quarterly complaint report {report['quarter']} (RG-CP-6), due {report['due']}"
    )
    table.add_column("figure")
    table.add_column("value", justify="right")
    for section, key, value in report_figures(report):
        label = key if section == "summary" else f"{section}: {key}"
        table.add_row(label.replace("_", " "), str(value))
    for production in report["productions"]:
        late = production["late_by_seconds"]
        table.add_row(
            "produced at",
            production["produced_at"] + (f" (late by {_duration(late)})" if late else " (on time)"),
        )
    return table


def _duration(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    return f"{days}d {hours}h {rest // 60}m"


def claim_sections_table(rows: list[ClaimSectionRow], title: str) -> Table:
    table = Table(title=title)
    for column in (
        "claim",
        "policy",
        "section",
        "status",
        "calculations",
        "payable",
        "agreed",
        "paid",
    ):
        table.add_column(
            column, justify="right" if column in ("payable", "agreed", "paid") else "left"
        )
    for r in rows:
        table.add_row(
            r.reference,
            r.policy_number,
            r.section,
            r.status,
            str(r.calculations),
            _idr(r.payable),
            _idr(r.agreed),
            _idr(r.paid),
        )
    return table


def calculation_tables(reference: str, rows: list[CalculationRow]) -> list[Table]:
    """Every calculation of a claim, step by step, as an auditor reads it (C-CALC-1)."""
    tables = []
    for calc in rows:
        table = Table(
            title=f"Claim {reference}, Section {calc.section}, calculation "
            f"{calc.number} ({wib(calc.calculated_at)}, {calc.rule_set})"
        )
        for column in ("rule", "step", "before", "after"):
            table.add_column(column, justify="right" if column in ("before", "after") else "left")
        for step in calc.trace["steps"]:
            table.add_row(
                step["rule_id"], step["description"], _idr(step["before"]), _idr(step["after"])
            )
        table.add_row("", "payable", "", _idr(calc.payable))
        for condition in calc.trace["conditions_unmet"]:
            table.add_row("", f"condition unmet: {condition}", "", "")
        tables.append(table)
    return tables


def documents_table(reference: str, rows: list[ClaimDocumentRow]) -> Table:
    table = Table(title=f"Documents of claim {reference} (EC-S-3, TR-D-*, RG-CL-2)")
    for column in ("document", "name", "section", "requested", "received", "outstanding"):
        table.add_column(column)
    names = catalogue().names()
    for r in rows:
        table.add_row(
            r.document,
            names.get(r.document, ""),
            r.section or "-",
            wib(r.requested_at) or "-",
            wib(r.received_at) or "-",
            "yes" if r.requested_at and not r.received_at else "",
        )
    return table


def aggregates_table(rows: list[PolicyAggregateRow]) -> Table:
    table = Table(title="Section IV aggregates per policy period (EC-IV-1)")
    for column in ("policy", "category", "limit", "reserved", "remaining"):
        table.add_column(column, justify="left" if column in ("policy", "category") else "right")
    for r in rows:
        remaining = Decimal(r.aggregate_limit) - Decimal(r.reserved)
        table.add_row(
            r.policy_number,
            r.category,
            _idr(r.aggregate_limit),
            _idr(r.reserved),
            _idr(str(remaining)),
        )
    return table


def _idr(value: str | None) -> str:
    return "-" if value is None else format_idr(Decimal(value))


def travel_claims_table(rows: list[TravelClaimRow], title: str) -> Table:
    table = Table(title=title)
    for column in (
        "claim",
        "policy",
        "plan",
        "trip",
        "ground",
        "stage",
        "submitted",
        "complete",
        "originals",
    ):
        table.add_column(column)
    for r in rows:
        table.add_row(
            r.reference,
            r.policy_number,
            r.plan,
            f"{r.trip_start} to {r.trip_end}",
            r.ground or "-",
            r.stage,
            wib(r.submitted_at),
            wib(r.complete_at) or "-",
            wib(r.originals_at) or "-",
        )
    return table


def assistance_table(rows: list[AssistanceCaseRow]) -> Table:
    table = Table(title="Assistance cases reported to the assistance provider (TR-AS-1)")
    for column in (
        "case",
        "section",
        "service",
        "policy",
        "location",
        "event (local time)",
        "reported (WIB)",
        "after",
        "arranged",
        "closed",
    ):
        table.add_column(column)
    for r in rows:
        table.add_row(
            r.reference,
            r.section,
            r.service,
            r.policy_number,
            r.location,
            r.event_at.isoformat(),
            wib(r.reported_at),
            _duration(r.report_delay_seconds),
            r.arrangement or "-",
            wib(r.closed_at) or "-",
        )
    return table


def travel_list_tables(books: Catalogue, sections: list[str]) -> list[Table]:
    """The seed's document lists as the ledger holds them (TR-D-0, TR-D-A … TR-D-J)."""
    tables = []
    mandatory = Table(title=f"{books.mandatory.rule_id}: {books.mandatory.heading}")
    for column in ("no", "id", "document", "seed text"):
        mandatory.add_column(column)
    for m in books.mandatory.items:
        mandatory.add_row(str(m.number), m.id, m.name, m.text)
    tables.append(mandatory)
    for section in sections:
        listing = books.section(section)
        table = Table(title=f"{listing.rule_id}: {listing.heading} {listing.subheading or ''}")
        for column in ("item", "id", "document", "kind", "when", "seed text"):
            table.add_column(column)
        if listing.note:
            table.caption = listing.note
        for item in listing.items:
            table.add_row(
                f"{item.letter})",
                item.id,
                item.name,
                item.kind,
                item.when or item.time_rule or "",
                item.text,
            )
            for sub in item.documents:
                table.add_row(
                    f"  - {sub.number}", sub.id, sub.name, sub.kind, sub.when or "", sub.text
                )
        tables.append(table)
    return tables
