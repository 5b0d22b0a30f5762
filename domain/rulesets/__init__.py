"""Versioned rule sets (RG-V-1): data with an id, a version and an effective-from date.

A complaint uses the set in force at its receipt date and keeps it for its whole life, so a
corrected set can be issued (a new entry in the JSON file) without rewriting history.
"""

from __future__ import annotations

import json
from datetime import date
from importlib.resources import files

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from domain.errors import RuleViolation


class ComplaintRuleSet(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9-]+$")
    version: str = Field(pattern=r"^[0-9A-Za-z.]+$")
    effective_from: date
    source: str
    initial_response_working_days: int = Field(ge=1)  # CP-SLA-1
    document_window_working_days: int = Field(ge=1)  # CP-SLA-2
    document_extension_working_days: int = Field(ge=1)  # CP-SLA-3
    oral_resolution_working_days: int = Field(ge=1)  # RG-CP-1
    written_resolution_working_days: int = Field(ge=1)  # RG-CP-2
    resolution_extension_working_days: int = Field(ge=1)  # RG-CP-3
    quarterly_report_due_day: int = Field(ge=1, le=28)  # RG-CP-6

    @property
    def ref(self) -> str:
        """The `id@version` form that every event and deadline records."""
        return f"{self.id}@{self.version}"


def _load() -> tuple[ComplaintRuleSet, ...]:
    text = files(__package__).joinpath("complaints.json").read_text(encoding="utf-8")
    adapter = TypeAdapter(list[ComplaintRuleSet])
    return tuple(adapter.validate_python(json.loads(text)))


COMPLAINT_RULE_SETS: tuple[ComplaintRuleSet, ...] = _load()


def complaint_rule_set_for(received_on: date) -> ComplaintRuleSet:
    """RG-V-1: the rule set in force on the receipt date."""
    in_force = [rs for rs in COMPLAINT_RULE_SETS if rs.effective_from <= received_on]
    if not in_force:
        earliest = min(rs.effective_from for rs in COMPLAINT_RULE_SETS)
        raise RuleViolation(
            "RG-V-1",
            f"no complaint rule set is in force on {received_on.isoformat()}",
            accepted=f"a receipt date on or after {earliest.isoformat()}",
        )
    return max(in_force, key=lambda rs: (rs.effective_from, rs.version))


def complaint_rule_set(ref: str) -> ComplaintRuleSet:
    """The rule set a case recorded at its receipt (RG-V-1)."""
    for rule_set in COMPLAINT_RULE_SETS:
        if rule_set.ref == ref:
            return rule_set
    raise RuleViolation("RG-V-1", f"unknown rule set {ref!r}")


class ClaimRuleSet(BaseModel):
    """The EstateCare claim rule set: notice periods and payment terms (EC-III-N, EC-IV-N,
    EC-IV-D, RG-CL-1). The payout caps are named constants in domain/payout/sections.py."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9-]+$")
    version: str = Field(pattern=r"^[0-9A-Za-z.]+$")
    effective_from: date
    source: str
    notice_hours_x24: int = Field(ge=1)  # EC-III-N, EC-IV-N: 3 x 24 hours
    section_iv_documents_days: int = Field(ge=1)  # EC-IV-D: 30 days
    payment_days_after_agreement: int = Field(ge=1)  # RG-CL-1: 30 days

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"


CLAIM_RULE_SETS: tuple[ClaimRuleSet, ...] = tuple(
    TypeAdapter(list[ClaimRuleSet]).validate_python(
        json.loads(files(__package__).joinpath("estatecare.json").read_text(encoding="utf-8"))
    )
)


def claim_rule_set_for(reported_on: date) -> ClaimRuleSet:
    """RG-V-1: the claim rule set in force on the report date."""
    in_force = [rs for rs in CLAIM_RULE_SETS if rs.effective_from <= reported_on]
    if not in_force:
        raise RuleViolation("RG-V-1", f"no claim rule set is in force on {reported_on}")
    return max(in_force, key=lambda rs: (rs.effective_from, rs.version))


def claim_rule_set(ref: str) -> ClaimRuleSet:
    for rule_set in CLAIM_RULE_SETS:
        if rule_set.ref == ref:
            return rule_set
    raise RuleViolation("RG-V-1", f"unknown rule set {ref!r}")


class TravelRuleSet(BaseModel):
    """The travel claim rule set: the police report window (TR-P-1) and the payment term
    (RG-CL-1). Document lists and grounds are in domain/travel/documents.json; section limits
    in the benefit schedule (TR-PAY-1)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9-]+$")
    version: str = Field(pattern=r"^[0-9A-Za-z.]+$")
    effective_from: date
    source: str
    police_report_hours_x24: int = Field(ge=1)  # TR-P-1: 1 x 24 hours
    payment_days_after_agreement: int = Field(ge=1)  # RG-CL-1: 30 days

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"


TRAVEL_RULE_SETS: tuple[TravelRuleSet, ...] = tuple(
    TypeAdapter(list[TravelRuleSet]).validate_python(
        json.loads(files(__package__).joinpath("travel.json").read_text(encoding="utf-8"))
    )
)


def travel_rule_set_for(submitted_on: date) -> TravelRuleSet:
    """RG-V-1: the travel rule set in force on the submission date."""
    in_force = [rs for rs in TRAVEL_RULE_SETS if rs.effective_from <= submitted_on]
    if not in_force:
        raise RuleViolation("RG-V-1", f"no travel claim rule set is in force on {submitted_on}")
    return max(in_force, key=lambda rs: (rs.effective_from, rs.version))


def travel_rule_set(ref: str) -> TravelRuleSet:
    for rule_set in TRAVEL_RULE_SETS:
        if rule_set.ref == ref:
            return rule_set
    raise RuleViolation("RG-V-1", f"unknown rule set {ref!r}")
