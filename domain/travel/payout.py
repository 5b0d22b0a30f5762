"""TR-PAY-1: a travel section's payable amount, with its trace (C-CALC-1).

payable = min(max(claimed - refunds - third-party compensation, 0), section limit)
"""

from __future__ import annotations

from decimal import Decimal

from claims_ledger.domain.calculation import Calculation, Tracer
from claims_ledger.domain.money import ZERO, format_idr, rupiah


def section_payout(
    *,
    section: str,
    claimed: Decimal,
    refunds: Decimal,
    compensation: Decimal,
    plan: str,
    limit: Decimal,
    schedule: str,
    example_schedule: bool,
    conditions_unmet: tuple[str, ...] = (),
) -> Calculation:
    amounts = {
        "claimed": rupiah(claimed, "claimed"),
        "refunds": rupiah(refunds, "refunds"),
        "compensation": rupiah(compensation, "compensation"),
        "limit": rupiah(limit, "section limit"),
    }
    t = Tracer(
        section,
        {
            **{k: str(v) for k, v in amounts.items()},
            "plan": plan,
            "benefit_schedule": schedule,
            "example_schedule": example_schedule,
        },
    )
    for condition in conditions_unmet:
        t.unmet(condition)
    t.step("TR-PAY-1", f"amount claimed {format_idr(amounts['claimed'])}", amounts["claimed"])
    t.step(
        "TR-PAY-1",
        f"refunds {format_idr(amounts['refunds'])} deducted (A f-g, D c, E f)",
        t.amount - amounts["refunds"],
    )
    t.step(
        "TR-PAY-1",
        f"third-party compensation {format_idr(amounts['compensation'])} deducted "
        "(G1 d, G4 h, G5 d); not below 0",
        max(t.amount - amounts["compensation"], ZERO),
    )
    marked = " (EXAMPLE schedule)" if example_schedule else ""
    t.step(
        "TR-PAY-1",
        f"at most the {plan} plan's section {section} limit {format_idr(amounts['limit'])}{marked}",
        min(t.amount, amounts["limit"]),
    )
    return t.finish(ceiling=amounts["limit"])
