"""TR-PAY-1 as properties (hypothesis): never negative, never above the section limit, refunds
and compensation only ever lower the amount, one half-up rounding at the end (C-MONEY-1)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given
from hypothesis import strategies as st

from claims_ledger.domain.travel.payout import section_payout

money = st.decimals(min_value=0, max_value=10**10, places=2, allow_nan=False, allow_infinity=False)
limits = st.decimals(min_value=1, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


def pay(claimed: Decimal, refunds: Decimal, compensation: Decimal, limit: Decimal) -> Decimal:
    return section_payout(
        section="G1",
        claimed=claimed,
        refunds=refunds,
        compensation=compensation,
        plan="Silver",
        limit=limit,
        schedule="travel-benefits-example@2026.1",
        example_schedule=True,
    ).payable


@given(money, money, money, limits)
def test_tr_pay_1_is_the_formula_rounded_once_never_negative_never_above_the_limit(
    claimed: Decimal, refunds: Decimal, compensation: Decimal, limit: Decimal
) -> None:
    payable = pay(claimed, refunds, compensation, limit)
    exact = min(max(claimed - refunds - compensation, Decimal(0)), limit)
    assert Decimal(0) <= payable <= limit
    assert payable == payable.to_integral_value()
    assert abs(payable - exact) < 1  # half-up, or down where half-up would pass a sen cap
    if exact.quantize(Decimal(1), rounding=ROUND_HALF_UP) <= limit:
        assert payable == exact.quantize(Decimal(1), rounding=ROUND_HALF_UP)


@given(money, money, money, money, limits)
def test_tr_pay_1_a_larger_refund_never_raises_the_payable(
    claimed: Decimal, refunds: Decimal, more: Decimal, compensation: Decimal, limit: Decimal
) -> None:
    assert pay(claimed, refunds + more, compensation, limit) <= pay(
        claimed, refunds, compensation, limit
    )
