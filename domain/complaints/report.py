"""RG-CP-6: the quarterly complaint report, due by the 10th day of the month after the quarter.
Producing it is recorded, with its due time, so a late report is visible."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from claims_ledger.domain.calendar import day_of_next_month
from claims_ledger.domain.errors import RuleViolation
from claims_ledger.domain.rulesets import complaint_rule_set_for

REPORT_NAMESPACE = UUID("0d6f4c1a-9b2e-5c3d-8e4f-a1b2c3d4e5f6")


def report_id(quarter: str) -> UUID:
    return uuid5(REPORT_NAMESPACE, f"complaint-report:{quarter}")


def quarter_bounds(quarter: str) -> tuple[date, date]:
    """First and last date of a quarter written `YYYY-Qn`."""
    year, q = int(quarter[:4]), int(quarter[-1])
    first = date(year, 3 * q - 2, 1)
    last = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
    return first, date.fromordinal(last.toordinal() - 1)


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def report_due(quarter: str) -> datetime:
    """RG-CP-6: the end (WIB) of the 10th day of the month after the quarter ends."""
    _, last = quarter_bounds(quarter)
    return day_of_next_month(last, complaint_rule_set_for(last).quarterly_report_due_day)


class QuarterlyComplaintReport(Aggregate):
    TOPIC = "claims_ledger:QuarterlyComplaintReport"

    class Event(Aggregate.Event):
        TOPIC = "claims_ledger:QuarterlyComplaintReportEvent"
        occurred_at: datetime
        correlation_id: str
        causation_id: str

    class Created(Event, Aggregate.Created):
        TOPIC = "claims_ledger:QuarterlyComplaintReportCreated"
        quarter: str

    class Produced(Event):
        TOPIC = "claims_ledger:QuarterlyComplaintReportProduced"
        quarter: str
        due: datetime
        late_by_seconds: int
        content_sha256: str | None
        rule_set: str

        def apply(self, aggregate: Any) -> None:
            aggregate.productions.append(self.occurred_at)

    def __init__(
        self, occurred_at: datetime, correlation_id: str, causation_id: str, quarter: str
    ) -> None:
        self.quarter = quarter
        self.productions: list[datetime] = []

    @classmethod
    def open(cls, quarter: str, fields: dict[str, Any]) -> QuarterlyComplaintReport:
        return cls._create(cls.Created, id=report_id(quarter), quarter=quarter, **fields)

    def produce(self, content_sha256: str | None, fields: dict[str, Any]) -> None:
        occurred_at: datetime = fields["occurred_at"]
        _, last = quarter_bounds(self.quarter)
        if occurred_at.date() <= last:
            raise RuleViolation(
                "RG-CP-6",
                f"the report for {self.quarter} cannot be produced before the quarter ends "
                f"({last.isoformat()})",
            )
        due = report_due(self.quarter)
        self.trigger_event(
            self.Produced,
            **fields,
            quarter=self.quarter,
            due=due,
            late_by_seconds=max(int((occurred_at - due).total_seconds()), 0),
            content_sha256=content_sha256,
            rule_set=complaint_rule_set_for(last).ref,
        )
