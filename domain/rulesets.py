"""Versioned rule sets (RG-V-1): a case keeps the set in force at its receipt for its whole life."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.errors import RuleViolation


@dataclass(frozen=True)
class RuleSet:
    id: str
    version: str
    effective_from: date

    @property
    def ref(self) -> str:
        """The `id@version` form that every event and deadline records."""
        return f"{self.id}@{self.version}"


COMPLAINT_RULE_SETS: tuple[RuleSet, ...] = (
    RuleSet(id="id-ojk-complaints", version="2026.1", effective_from=date(2023, 1, 1)),
)


def complaint_rule_set_for(received_on: date) -> RuleSet:
    """RG-V-1: the rule set in force on the receipt date."""
    in_force = [rs for rs in COMPLAINT_RULE_SETS if rs.effective_from <= received_on]
    if not in_force:
        earliest = min(rs.effective_from for rs in COMPLAINT_RULE_SETS)
        raise RuleViolation(
            "RG-V-1",
            f"no complaint rule set is in force on {received_on.isoformat()}",
            accepted=f"a receipt date on or after {earliest.isoformat()}",
        )
    return max(in_force, key=lambda rs: rs.effective_from)
