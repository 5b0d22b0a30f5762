"""EC-C-1: contribution when other policies cover the same interest, on the independent-liability
basis: each policy's liability Li = min(L, SIi) as if it were the only policy; this policy pays
L x L_this / sum(Li)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from claims_ledger.domain.calculation import Tracer
from claims_ledger.domain.money import format_idr


@dataclass(frozen=True)
class OtherPolicy:
    insurer: str
    policy_number: str
    section: str
    sum_insured: Decimal


def apply_contribution(
    tracer: Tracer, loss: Decimal, this_liability: Decimal, others: list[OtherPolicy]
) -> Decimal:
    """Scale the running amount to this policy's rateable share (EC-C-1)."""
    if not others or loss == 0:
        return tracer.amount
    liabilities = [min(loss, other.sum_insured) for other in others]
    total = this_liability + sum(liabilities, Decimal(0))
    share = loss * this_liability / total
    listed = ", ".join(
        f"{o.insurer} {o.policy_number}: {format_idr(li)}"
        for o, li in zip(others, liabilities, strict=True)
    )
    return tracer.step(
        "EC-C-1",
        f"rateable share {format_idr(this_liability)} / {format_idr(total)} of the loss "
        f"(independent liabilities: this policy {format_idr(this_liability)}; {listed})",
        share,
    )
