"""The trace of a payout calculation (C-CALC-1)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from claims_ledger.domain.money import round_payable


@dataclass(frozen=True)
class Step:
    rule_id: str
    description: str
    before: Decimal
    after: Decimal


@dataclass(frozen=True)
class Calculation:
    """A finished calculation: what went in, every step, what is payable."""

    section: str
    inputs: dict[str, Any]
    steps: tuple[Step, ...]
    payable: Decimal
    conditions_unmet: tuple[str, ...] = ()

    def as_payload(self) -> dict[str, Any]:
        return asdict(self)

    def event_fields(self, number: int) -> dict[str, Any]:
        """The fields of a calculation event (C-CALC-1): the section, its calculation number,
        the inputs, every step (amounts as exact decimal strings), the payable and the
        conditions unmet."""
        payload = self.as_payload()
        return {
            "section": self.section,
            "number": number,
            "inputs": payload["inputs"],
            "steps": [
                {**s, "before": str(s["before"]), "after": str(s["after"])}
                for s in payload["steps"]
            ],
            "payable": self.payable,
            "conditions_unmet": list(self.conditions_unmet),
        }


@dataclass
class Tracer:
    """Records each step as it changes the running amount; rounds once, at the end."""

    section: str
    inputs: dict[str, Any]
    amount: Decimal = Decimal(0)
    steps: list[Step] = field(default_factory=list)
    conditions_unmet: list[str] = field(default_factory=list)

    def step(self, rule_id: str, description: str, after: Decimal) -> Decimal:
        self.steps.append(Step(rule_id, description, self.amount, after))
        self.amount = after
        return after

    def unmet(self, condition: str) -> None:
        self.conditions_unmet.append(condition)

    def finish(self, ceiling: Decimal) -> Calculation:
        """Round the final amount once (C-MONEY-1). `ceiling` is the lowest cap that applies
        (with a contribution, this policy's own liability too): where rounding half-up would lift
        the payable above it (a cap with sen), the payable is the ceiling rounded down instead,
        so no cap is ever exceeded."""
        final = round_payable(self.amount)
        if final > ceiling:
            final = ceiling.quantize(Decimal(1), rounding=ROUND_FLOOR)
            self.step(
                "C-MONEY-1", "payable rounded down to a whole Rupiah (not above the cap)", final
            )
        else:
            self.step("C-MONEY-1", "payable rounded half-up to a whole Rupiah", final)
        return Calculation(
            self.section, self.inputs, tuple(self.steps), final, tuple(self.conditions_unmet)
        )
