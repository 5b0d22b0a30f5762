"""Versioned rule sets (RG-V-1): data with an id, a version and an effective-from date.

A case uses the set in force at its receipt date and keeps it for its whole life, so a
corrected set can be issued (a new entry in the JSON file) without rewriting history.
"""

from __future__ import annotations

import json
from datetime import date
from importlib.resources import files
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from claims_ledger.domain.errors import RuleViolation


class RuleSet(BaseModel):
    """What every rule set carries (RG-V-1)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9-]+$")
    version: str = Field(pattern=r"^[0-9A-Za-z.]+$")
    effective_from: date
    source: str

    @property
    def ref(self) -> str:
        """The `id@version` form that every event and deadline records."""
        return f"{self.id}@{self.version}"


class ComplaintRuleSet(RuleSet):
    initial_response_working_days: int = Field(ge=1)  # CP-SLA-1
    document_window_working_days: int = Field(ge=1)  # CP-SLA-2
    document_extension_working_days: int = Field(ge=1)  # CP-SLA-3
    oral_resolution_working_days: int = Field(ge=1)  # RG-CP-1
    written_resolution_working_days: int = Field(ge=1)  # RG-CP-2
    resolution_extension_working_days: int = Field(ge=1)  # RG-CP-3
    quarterly_report_due_day: int = Field(ge=1, le=28)  # RG-CP-6


class ClaimRuleSet(RuleSet):
    """The EstateCare claim rule set: notice periods and payment terms (EC-III-N, EC-IV-N,
    EC-IV-D, RG-CL-1). The payout caps are named constants in domain/payout/sections.py."""

    notice_hours_x24: int = Field(ge=1)  # EC-III-N, EC-IV-N: 3 x 24 hours
    section_iv_documents_days: int = Field(ge=1)  # EC-IV-D: 30 days
    payment_days_after_agreement: int = Field(ge=1)  # RG-CL-1: 30 days


class TravelRuleSet(RuleSet):
    """The travel claim rule set: the police report window (TR-P-1) and the payment term
    (RG-CL-1). Document lists and grounds are in domain/travel/documents.json; section limits
    in the benefit schedule (TR-PAY-1)."""

    police_report_hours_x24: int = Field(ge=1)  # TR-P-1: 1 x 24 hours
    payment_days_after_agreement: int = Field(ge=1)  # RG-CL-1: 30 days


RS = TypeVar("RS", bound=RuleSet)


def _load(model: type[RS], name: str) -> tuple[RS, ...]:
    text = files(__package__).joinpath(name).read_text(encoding="utf-8")
    return tuple(TypeAdapter(list[model]).validate_python(json.loads(text)))  # type: ignore[valid-type]


def _in_force(rule_sets: tuple[RS, ...], on: date, kind: str) -> RS:
    """RG-V-1: the rule set in force on a case's receipt date."""
    in_force = [rs for rs in rule_sets if rs.effective_from <= on]
    if not in_force:
        earliest = min(rs.effective_from for rs in rule_sets)
        raise RuleViolation(
            "RG-V-1",
            f"no {kind} rule set is in force on {on.isoformat()}",
            accepted=f"a receipt date on or after {earliest.isoformat()}",
        )
    return max(in_force, key=lambda rs: (rs.effective_from, rs.version))


def _by_ref(rule_sets: tuple[RS, ...], ref: str) -> RS:
    """The rule set a case recorded at its receipt (RG-V-1)."""
    for rule_set in rule_sets:
        if rule_set.ref == ref:
            return rule_set
    raise RuleViolation("RG-V-1", f"unknown rule set {ref!r}")


COMPLAINT_RULE_SETS = _load(ComplaintRuleSet, "complaints.json")
CLAIM_RULE_SETS = _load(ClaimRuleSet, "estatecare.json")
TRAVEL_RULE_SETS = _load(TravelRuleSet, "travel.json")


def complaint_rule_set_for(received_on: date) -> ComplaintRuleSet:
    return _in_force(COMPLAINT_RULE_SETS, received_on, "complaint")


def complaint_rule_set(ref: str) -> ComplaintRuleSet:
    return _by_ref(COMPLAINT_RULE_SETS, ref)


def claim_rule_set_for(reported_on: date) -> ClaimRuleSet:
    return _in_force(CLAIM_RULE_SETS, reported_on, "claim")


def claim_rule_set(ref: str) -> ClaimRuleSet:
    return _by_ref(CLAIM_RULE_SETS, ref)


def travel_rule_set_for(submitted_on: date) -> TravelRuleSet:
    return _in_force(TRAVEL_RULE_SETS, submitted_on, "travel claim")


def travel_rule_set(ref: str) -> TravelRuleSet:
    return _by_ref(TRAVEL_RULE_SETS, ref)
