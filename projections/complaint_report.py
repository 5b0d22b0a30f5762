"""RG-CP-6: the quarterly complaint report, folded from the read models (pure).

Per quarter (dates in WIB): complaints received, resolved, closed incomplete, and in progress at
the quarter's end; received by channel and product; resolved by outcome; SLA deadlines falling
due in the quarter, met or breached. Plus the report's own due time and, once produced, when.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from claims_ledger.domain.clock import WIB
from claims_ledger.domain.complaints.report import quarter_bounds, report_due
from claims_ledger.projections.deadlines import DeadlineRow
from claims_ledger.projections.formatting import wib


@dataclass(frozen=True)
class EventRow:
    """One applied event as the read model keeps it (the auditor's event log)."""

    aggregate_id: str
    version: int
    aggregate_type: str
    event_type: str
    occurred_at: datetime
    recorded_at: datetime
    rule_set: str | None
    correlation_id: str
    prev_hash: str
    hash: str
    payload: dict[str, Any]


def _in(moment: datetime | None, quarter: str) -> bool:
    if moment is None:
        return False
    first, last = quarter_bounds(quarter)
    return first <= moment.astimezone(WIB).date() <= last


def quarterly_report(
    quarter: str, events: Iterable[EventRow], deadlines: Iterable[DeadlineRow]
) -> dict[str, Any]:
    _, last = quarter_bounds(quarter)
    received: dict[str, EventRow] = {}
    ended: dict[str, datetime] = {}
    resolved, closed_incomplete, by_outcome = 0, 0, Counter[str]()
    productions: list[dict[str, Any]] = []
    for e in events:
        if e.event_type == "ComplaintReceived":
            received[e.aggregate_id] = e
        elif e.event_type in ("ComplaintResolved", "ComplaintClosedIncomplete"):
            ended.setdefault(e.aggregate_id, e.occurred_at)
            if _in(e.occurred_at, quarter):
                if e.event_type == "ComplaintResolved":
                    resolved += 1
                    by_outcome[str(e.payload["outcome"])] += 1
                else:
                    closed_incomplete += 1
        elif e.event_type == "QuarterlyComplaintReportProduced" and e.payload["quarter"] == quarter:
            productions.append(
                {
                    "produced_at": wib(e.occurred_at),
                    "late_by_seconds": e.payload["late_by_seconds"],
                    "content_sha256": e.payload.get("content_sha256"),
                }
            )
    in_quarter = [r for r in received.values() if _in(r.occurred_at, quarter)]
    in_progress = sum(
        1
        for cid, r in received.items()
        if r.occurred_at.astimezone(WIB).date() <= last
        and (cid not in ended or ended[cid].astimezone(WIB).date() > last)
    )
    due_in_quarter = [
        d
        for d in deadlines
        if d.case_id in received and _in(d.due, quarter) and d.status != "cancelled"
    ]
    sla = Counter[str]()
    for d in due_in_quarter:
        outcome = (
            "breached" if d.breached_at is not None else ("met" if d.met_at is not None else "open")
        )
        sla[f"{d.rule_id}:{outcome}"] += 1
        sla[f"all:{outcome}"] += 1
    return {
        "quarter": quarter,
        "rule": "RG-CP-6",
        "due": wib(report_due(quarter)),
        "received": len(in_quarter),
        "resolved": resolved,
        "closed_incomplete": closed_incomplete,
        "in_progress_at_quarter_end": in_progress,
        "received_by_channel": dict(
            sorted(Counter(str(r.payload["channel"]) for r in in_quarter).items())
        ),
        "received_by_product": dict(
            sorted(
                Counter(str(r.payload.get("product") or "unspecified") for r in in_quarter).items()
            )
        ),
        "resolved_by_outcome": dict(sorted(by_outcome.items())),
        "sla_deadlines_due_in_quarter": dict(sorted(sla.items())),
        "productions": productions,
    }


SUMMARY_KEYS = ("received", "resolved", "closed_incomplete", "in_progress_at_quarter_end")
SECTIONS = (
    "received_by_channel",
    "received_by_product",
    "resolved_by_outcome",
    "sla_deadlines_due_in_quarter",
)


def report_figures(report: dict[str, Any]) -> Iterator[tuple[str, str, Any]]:
    """Every figure of a report as (section, key, value), in a fixed order."""
    for key in SUMMARY_KEYS:
        yield "summary", key, report[key]
    for section in SECTIONS:
        for key, value in report[section].items():
            yield section, key, value


def report_csv(report: dict[str, Any]) -> str:
    """The same report as CSV: one `section,key,value` row per figure."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "key", "value"])
    for key in ("quarter", "rule", "due"):
        writer.writerow(["summary", key, report[key]])
    writer.writerows(report_figures(report))
    for production in report["productions"]:
        writer.writerow(["produced", production["produced_at"], production["late_by_seconds"]])
    return out.getvalue()
