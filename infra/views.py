"""Tables for people (rich) and JSON for machines, from the read models and the event store.

Conventions (README, "Command line"): times in WIB with their offset, durations as `1d 10h 0m`
(projections/formatting.py), and no value ever cut: a column too narrow for the terminal folds
its values onto more lines, and the command line prints tables at full width when piped.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from typing import Any

from rich.table import Table

from claims_ledger.domain.envelope import PublishedEvent
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
from claims_ledger.projections.deadlines import DeadlineRow
from claims_ledger.projections.formatting import duration, wib


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """`1 event`, `2 events`, `0 breaches`."""
    return f"{count} {noun if count == 1 else (nouns or noun + 's')}"


def jsonable(value: Any) -> Any:
    """JSON-ready, with every time in WIB with its offset, as the tables show it."""
    if isinstance(value, datetime):
        return wib(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return json_safe(value)


def as_json(value: Any) -> str:
    return json.dumps(jsonable(value), indent=2, ensure_ascii=False)


def rows_json(rows: list[Any]) -> list[dict[str, Any]]:
    return [jsonable(asdict(r)) for r in rows]


def new_table(title: str, columns: Sequence[str], right: Sequence[str] = ()) -> Table:
    """A table whose values are folded onto more lines when narrow, never cut short."""
    table = Table(title=title)
    for column in columns:
        table.add_column(column, justify="right" if column in right else "left", overflow="fold")
    return table


def status_table(statuses: list[ComplaintStatus], title: str) -> Table:
    table = new_table(
        title,
        (
            "reference",
            "state",
            "track",
            "channel",
            "product",
            "received",
            "outcome",
            "breaches",
            "last event",
        ),
    )
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
    table = new_table(
        title,
        (
            "case",
            "rule",
            "party",
            "due",
            "status",
            "met / fulfilled",
            "breached",
            "late by",
            "extended",
        ),
    )
    for d in deadlines:
        late = "-" if d.breach_seconds is None else duration(d.breach_seconds)
        table.add_row(
            references.get(d.case_id, d.case_id),
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
    """A complaint's timeline (CP-REG-1), or a case's of another type (`case_timeline`)."""
    if "complaint" in view:
        title = (
            f"Timeline of complaint {view['complaint']} ({view['state']}, "
            f"rule set {view['rule_set']})"
        )
    else:
        title = f"Timeline of {view['case_type']} {view['case']}"
    steps = new_table(
        f"{title}: {plural(len(view['steps']), 'step')}",
        ("v", "step", "occurred", "recorded", "details"),
    )
    for s in view["steps"]:
        recorded = s["recorded_at"] + (
            f" (+{s['recorded_late_by']})" if s["recorded_late_by"] else ""
        )
        steps.add_row(str(s["version"]), s["step"], s["occurred_at"], recorded, s["details"])
    deadlines = new_table(
        "Deadlines",
        (
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
        ),
    )
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


def history_table(title: str, envelopes: list[PublishedEvent]) -> Table:
    """Every stored event of a case with its place in the hash chain (the hash in full)."""
    table = new_table(title, ("v", "event", "occurred", "recorded", "rule set", "hash"))
    for e in envelopes:
        table.add_row(
            str(e.version),
            e.event_type,
            wib(e.occurred_at),
            wib(e.recorded_at),
            e.rule_set or "-",
            e.hash,
        )
    return table


def fields_table(title: str, fields: dict[str, Any]) -> Table:
    """One record as `field | value` rows (the status of one case)."""
    table = new_table(title, ("field", "value"))
    for key, value in fields.items():
        shown = jsonable(value)
        if isinstance(shown, dict):
            shown = ", ".join(f"{k}: {v}" for k, v in shown.items()) or "-"
        elif isinstance(shown, list):
            shown = ", ".join(str(v) for v in shown) or "-"
        table.add_row(key.replace("_", " "), "-" if shown is None else str(shown))
    return table


def report_table(report: dict[str, Any]) -> Table:
    table = new_table(
        f"Quarterly complaint report {report['quarter']} (RG-CP-6), due {report['due']}",
        ("figure", "value"),
        right=("value",),
    )
    for section, key, value in report_figures(report):
        label = key if section == "summary" else f"{section}: {key}"
        table.add_row(label.replace("_", " "), str(value))
    for production in report["productions"]:
        late = production["late_by_seconds"]
        table.add_row(
            "produced at",
            production["produced_at"] + (f" (late by {duration(late)})" if late else " (on time)"),
        )
    return table


def claim_sections_table(rows: list[ClaimSectionRow], title: str) -> Table:
    table = new_table(
        title,
        ("claim", "policy", "section", "status", "calculations", "payable", "agreed", "paid"),
        right=("payable", "agreed", "paid"),
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
        table = new_table(
            f"Claim {reference}, Section {calc.section}, calculation "
            f"{calc.number} ({wib(calc.calculated_at)}, {calc.rule_set})",
            ("rule", "step", "before", "after"),
            right=("before", "after"),
        )
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
    table = new_table(
        f"Documents of claim {reference} (EC-S-3, TR-D-*, RG-CL-2)",
        ("document", "name", "section", "requested", "received", "outstanding"),
    )
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
    table = new_table(
        "Section IV aggregates per policy period (EC-IV-1)",
        ("policy", "category", "limit", "reserved", "remaining"),
        right=("limit", "reserved", "remaining"),
    )
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
    table = new_table(
        title,
        (
            "claim",
            "policy",
            "plan",
            "trip",
            "ground",
            "stage",
            "submitted",
            "complete",
            "originals",
        ),
    )
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
    table = new_table(
        "Assistance cases reported to the assistance provider (TR-AS-1)",
        (
            "case",
            "section",
            "service",
            "policy",
            "location",
            "event",
            "reported",
            "after",
            "arranged",
            "closed",
        ),
    )
    for r in rows:
        table.add_row(
            r.reference,
            r.section,
            r.service,
            r.policy_number,
            r.location,
            wib(r.event_at),
            wib(r.reported_at),
            duration(r.report_delay_seconds),
            r.arrangement or "-",
            wib(r.closed_at) or "-",
        )
    return table


def travel_list_tables(books: Catalogue, sections: list[str]) -> list[Table]:
    """The seed's document lists as the ledger holds them (TR-D-0, TR-D-A … TR-D-J)."""
    tables = []
    mandatory = new_table(
        f"{books.mandatory.rule_id}: {books.mandatory.heading}",
        ("no", "id", "document", "seed text"),
    )
    for m in books.mandatory.items:
        mandatory.add_row(str(m.number), m.id, m.name, m.text)
    tables.append(mandatory)
    for section in sections:
        listing = books.section(section)
        table = new_table(
            f"{listing.rule_id}: {listing.heading} {listing.subheading or ''}".strip(),
            ("item", "id", "document", "kind", "when", "seed text"),
        )
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


def history_changes_table(title: str, rows: list[dict[str, Any]]) -> Table:
    """Every stored event of a case: provenance, rules, the hash chain in full, and the change
    it made to the case (`path: before → after`)."""
    table = new_table(
        title,
        (
            "v",
            "event",
            "occurred / recorded",
            "correlation / causation",
            "rules",
            "chain",
            "change",
        ),
    )
    for row in rows:
        audit = row["audit"]
        rules = [*([row["rule_set"]] if row["rule_set"] else []), *audit["rule_ids"]]
        table.add_row(
            str(row["version"]),
            row["event_type"],
            "\n".join(
                wib(datetime.fromisoformat(row[k])) or "-" for k in ("occurred_at", "recorded_at")
            ),
            f"{row['correlation_id']}\n{row['causation_id']}",
            "\n".join(rules) or "-",
            f"prev {row['prev_hash']}\nhash {row['hash']}",
            "\n".join(
                f"{c['path']}: {_shown(c['before'])} → {_shown(c['after'])}"
                for c in audit["change"]
            )
            or "-",
        )
    return table


def _shown(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
