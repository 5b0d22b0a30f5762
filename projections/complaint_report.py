"""RG-CP-6: the quarterly complaint report, folded from the read models (pure).

Per quarter (dates in WIB): complaints received, resolved, closed incomplete, and in progress at
the quarter's end; received by channel and product; resolved by outcome; SLA deadlines falling
due in the quarter, met or breached. Plus the report's own due time and, once produced, when.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from claims_ledger.domain.clock import WIB
from claims_ledger.domain.complaints.complaint import Complaint
from claims_ledger.domain.complaints.report import (
    QuarterlyComplaintReport,
    quarter_bounds,
    report_due,
)
from claims_ledger.domain.estatecare.policy import Policy
from claims_ledger.domain.estatecare.property_claim import PropertyClaim
from claims_ledger.domain.travel.assistance import AssistanceCase
from claims_ledger.domain.travel.claim import TravelClaim
from claims_ledger.projections.deadlines import DeadlineRow
from claims_ledger.projections.dispatch import Dispatch
from claims_ledger.projections.event_log import EventRow
from claims_ledger.projections.formatting import wib

__all__ = [
    "COUNTS",
    "SECTIONS",
    "SUMMARY_KEYS",
    "EventRow",  # moved to event_log; still importable from here
    "quarterly_report",
    "report_csv",
    "report_figures",
]


def _in(moment: datetime | None, quarter: str) -> bool:
    if moment is None:
        return False
    first, last = quarter_bounds(quarter)
    return first <= moment.astimezone(WIB).date() <= last


@dataclass
class _Tally:
    """What the event log says of one quarter, event by event."""

    quarter: str
    received: dict[str, EventRow] = field(default_factory=dict)
    ended: dict[str, datetime] = field(default_factory=dict)
    resolved: int = 0
    closed_incomplete: int = 0
    by_outcome: Counter[str] = field(default_factory=Counter)
    productions: list[dict[str, Any]] = field(default_factory=list)

    def ends(self, e: EventRow) -> bool:
        """Note when a complaint ended (its first end); True when that was in the quarter."""
        self.ended.setdefault(e.aggregate_id, e.occurred_at)
        return _in(e.occurred_at, self.quarter)


COUNTS = Dispatch[Callable[[_Tally, EventRow], None]]("quarterly report")
COUNTS.ignore_aggregates(Policy, PropertyClaim, TravelClaim, AssistanceCase)
COUNTS.ignore(
    QuarterlyComplaintReport.Created,
    # steps of a complaint in progress
    Complaint.InitialResponseGiven,
    Complaint.DocumentsSubmitted,
    Complaint.DocumentsCompleted,
    Complaint.MovedToWrittenTrack,
    Complaint.Verified,
    Complaint.Registered,
    Complaint.Forwarded,
    Complaint.Analysed,
    # follows a resolution: the complaint ended when it was resolved
    Complaint.Closed,
    # SLA figures come from the deadlines read model
    Complaint.DeadlineSet,
    Complaint.DeadlineMet,
    Complaint.DeadlineExtended,
    Complaint.DeadlineBreached,
    Complaint.BreachClosed,
    Complaint.DeadlineCancelled,
)


@COUNTS.on(Complaint.Received)
def _received(tally: _Tally, e: EventRow) -> None:
    tally.received[e.aggregate_id] = e


@COUNTS.on(Complaint.Resolved)
def _resolved(tally: _Tally, e: EventRow) -> None:
    if tally.ends(e):
        tally.resolved += 1
        tally.by_outcome[str(e.payload["outcome"])] += 1


@COUNTS.on(Complaint.ClosedIncomplete)
def _closed_incomplete(tally: _Tally, e: EventRow) -> None:
    if tally.ends(e):
        tally.closed_incomplete += 1


@COUNTS.on(QuarterlyComplaintReport.Produced)
def _produced(tally: _Tally, e: EventRow) -> None:
    if e.payload["quarter"] == tally.quarter:
        tally.productions.append(
            {
                "produced_at": wib(e.occurred_at),
                "late_by_seconds": e.payload["late_by_seconds"],
                "content_sha256": e.payload.get("content_sha256"),
            }
        )


def quarterly_report(
    quarter: str, events: Iterable[EventRow], deadlines: Iterable[DeadlineRow]
) -> dict[str, Any]:
    _, last = quarter_bounds(quarter)
    tally = _Tally(quarter)
    for e in events:
        count = COUNTS.handler(e.aggregate_type, e.event_type)
        if count is not None:
            count(tally, e)
    received = tally.received
    in_quarter = [r for r in received.values() if _in(r.occurred_at, quarter)]
    in_progress = sum(
        1
        for cid, r in received.items()
        if r.occurred_at.astimezone(WIB).date() <= last
        and (cid not in tally.ended or tally.ended[cid].astimezone(WIB).date() > last)
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
        "resolved": tally.resolved,
        "closed_incomplete": tally.closed_incomplete,
        "in_progress_at_quarter_end": in_progress,
        "received_by_channel": dict(
            sorted(Counter(str(r.payload["channel"]) for r in in_quarter).items())
        ),
        "received_by_product": dict(
            sorted(
                Counter(str(r.payload.get("product") or "unspecified") for r in in_quarter).items()
            )
        ),
        "resolved_by_outcome": dict(sorted(tally.by_outcome.items())),
        "sla_deadlines_due_in_quarter": dict(sorted(sla.items())),
        "productions": tally.productions,
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


# An erasure destroys a key: rows keep their ciphertext, which then reads as erased.
COUNTS.ignore(Complaint.PersonalDataErased)
