"""The benefit schedule (TR-PAY-1): section limits per plan, as data validated by pydantic.

The seed has no benefit table. The shipped schedule is an example, marked as one in the file
and in every calculation that uses it; an insurer replaces it with its own.
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from importlib.resources import files
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from claims_ledger.domain.errors import RuleViolation
from claims_ledger.domain.travel.catalogue import catalogue

EXAMPLE_SCHEDULE = "benefit-schedule.example.json"

Limit = Decimal


class BenefitSchedule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9-]+$")
    version: str = Field(pattern=r"^[0-9A-Za-z.]+$")
    example: bool
    disclaimer: str = Field(min_length=1)
    currency: Literal["IDR"]
    plans: dict[str, dict[str, Decimal]] = Field(min_length=1)

    @field_validator("plans")
    @classmethod
    def _limits(cls, plans: dict[str, dict[str, Decimal]]) -> dict[str, dict[str, Decimal]]:
        sections = set(catalogue().section_ids)
        for plan, limits in plans.items():
            missing = sections - set(limits)
            unknown = set(limits) - sections
            if missing or unknown:
                raise ValueError(
                    f"plan {plan!r}: every section needs a limit "
                    f"(missing {sorted(missing)}, unknown {sorted(unknown)})"
                )
            for section, limit in limits.items():
                if limit <= 0 or limit != limit.quantize(Decimal("0.01")):
                    raise ValueError(
                        f"plan {plan!r} section {section}: limit {limit} is not a positive "
                        "Rupiah amount with at most 2 decimal places (C-MONEY-1)"
                    )
        return plans

    @model_validator(mode="after")
    def _example_says_so(self) -> BenefitSchedule:
        if self.example and "EXAMPLE" not in self.disclaimer:
            raise ValueError("an example schedule says EXAMPLE in its disclaimer")
        return self

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    def limit(self, plan: str, section: str) -> Decimal:
        if plan not in self.plans:
            raise RuleViolation(
                "TR-PAY-1",
                f"plan {plan!r} is not in benefit schedule {self.ref}",
                accepted=", ".join(self.plans),
            )
        return self.plans[plan][section]


@cache
def benefit_schedule(name: str = EXAMPLE_SCHEDULE) -> BenefitSchedule:
    text = files(__package__).joinpath(name).read_text(encoding="utf-8")
    return BenefitSchedule.model_validate(json.loads(text, parse_float=Decimal))


def schedule_by_ref(ref: str) -> BenefitSchedule:
    """The schedule a claim recorded at submission (RG-V-1: kept for the claim's life)."""
    schedule = benefit_schedule()
    if schedule.ref != ref:
        raise RuleViolation("RG-V-1", f"unknown benefit schedule {ref!r}")
    return schedule
