"""The JSON API's response models (pydantic; the OpenAPI document is built from them).

Field names follow the command line's `--json` output where the same thing is shown. Times meant
for people are strings in WIB (`2026-03-02 09:05:00 WIB`), as in `claims-ledger timeline`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from claims_ledger.infra.web.queries import CaseKind


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Paging(Model):
    page: int = Field(ge=1)
    page_size: int = Field(ge=1)
    total: int = Field(ge=0)
    pages: int = Field(ge=0)


class CaseSummary(Model):
    kind: CaseKind
    reference: str
    case_id: str
    state: str | None
    channel: str | None
    product: str | None
    opened_at: str | None
    breached: bool


class CasePage(Model):
    items: list[CaseSummary]
    paging: Paging


SealStatus = Literal["verified", "mismatch", "not_published"]


class TimelineEntry(Model):
    version: int
    event_type: str
    occurred_at: str
    recorded_at: str
    recorded_late_by: str | None = Field(description="C-TIME-2: recorded more than an hour late")
    rule_set: str | None
    rule_ids: list[str]
    details: str
    change: dict[str, Any] = Field(description="The event's fields; personal data is masked")
    correlation_id: str
    causation_id: str
    prev_hash: str
    hash: str
    seal: SealStatus = Field(
        description="verified: the hash recomputed from the event store equals the hash that was "
        "published and links to the previous event's; mismatch: it does not; not_published: the "
        "read model has not received this event yet"
    )


class DeadlineView(Model):
    case_id: str
    reference: str | None
    rule_id: str
    key: str
    party: str
    kind: str
    due: str
    original_due: str | None
    extended_by: str | None
    status: str
    met_at: str | None
    breached_at: str | None
    fulfilled_at: str | None
    late_by_seconds: int | None = Field(description="Met late or still overdue: by how long")
    time_left_seconds: int | None = Field(description="Open ones: due minus now (sisa SLA)")
    computed_from: str
    calendar: str
    rule_set: str


class TraceLine(Model):
    rule_id: str
    rule_url: str
    description: str
    before: str
    after: str


class CalculationView(Model):
    section: str
    number: int
    calculated_at: str
    payable: str
    rule_set: str
    inputs: dict[str, Any]
    steps: list[TraceLine]
    conditions_unmet: list[str]


class SectionView(Model):
    section: str
    status: str
    calculations: int
    payable: str | None
    agreed: str | None
    paid: str | None


class DocumentView(Model):
    document: str
    name: str
    section: str | None
    requested_at: str | None
    received_at: str | None
    outstanding: bool


class CaseDetail(Model):
    reference: str
    case_type: str
    case_id: str
    aggregate_type: str
    state: str | None
    facts: dict[str, str | int | bool | None]
    now: str = Field(description="The clock the SLA time left was computed against")
    chain_verified: bool = Field(description="Every event's seal is verified")
    timeline: list[TimelineEntry]
    deadlines: list[DeadlineView]
    sections: list[SectionView]
    calculations: list[CalculationView]
    documents: list[DocumentView]


class CalculationsView(Model):
    reference: str
    sections: list[SectionView]
    calculations: list[CalculationView]


class DeadlinePage(Model):
    now: str
    items: list[DeadlineView]
    paging: Paging


class BreachFigure(Model):
    party: str
    rule_id: str
    breaches: int
    still_open: int
    longest_seconds: int | None


class QuarterlyReport(Model):
    """The same figures as `claims-ledger report QUARTER --format json` (RG-CP-6)."""

    quarter: str
    rule: str
    due: str
    received: int
    resolved: int
    closed_incomplete: int
    in_progress_at_quarter_end: int
    received_by_channel: dict[str, int]
    received_by_product: dict[str, int]
    resolved_by_outcome: dict[str, int]
    sla_deadlines_due_in_quarter: dict[str, int]
    productions: list[dict[str, Any]]


class ReportProduction(Model):
    quarter: str
    produced_at: str
    recorded_at: str
    late_by_seconds: int | None
    content_sha256: str | None


class AsOfView(Model):
    reference: str
    available: bool
    message: str
    at: str | None = None
    version: int | None = None
    then: dict[str, Any] | None = None
    now: dict[str, Any] | None = None


class VerificationView(Model):
    available: bool
    message: str
    checkpoint: dict[str, Any] | None = None
    last_run: dict[str, Any] | None = None


class RuleView(Model):
    rule_id: str
    section: str
    text: str
    url: str


class Health(Model):
    status: Literal["ok", "unavailable"]
    event_store: bool
    read_model: bool
