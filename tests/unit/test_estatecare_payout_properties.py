"""Property tests of the payout calculators: never negative, never above a cap, a contribution
share never above this policy's own liability, one rounding per final amount (C-MONEY-1)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from claims_ledger.domain.calculation import Calculation
from claims_ledger.domain.estatecare.payout.contribution import OtherPolicy
from claims_ledger.domain.estatecare.payout.sections import (
    BUILDING_DAMAGE_CAP,
    Aggregates,
    Insured,
    StolenItem,
    accident,
    burglary,
    fire,
    liability,
)

amounts = st.decimals(
    min_value=0, max_value=10**12, places=2, allow_nan=False, allow_infinity=False
)
positive = st.decimals(
    min_value=Decimal("0.01"), max_value=10**12, places=2, allow_nan=False, allow_infinity=False
)
others = st.lists(
    st.builds(
        OtherPolicy, st.just("Other"), st.just("P-1"), st.sampled_from(["I", "II", "III"]), positive
    ),
    max_size=3,
)


def rounded_once(calculation: Calculation) -> bool:
    money = [s for s in calculation.steps if s.rule_id == "C-MONEY-1"]
    return (
        len(money) == 1
        and calculation.steps[-1] is money[0]
        and calculation.payable == calculation.payable.to_integral_value()
    )


@given(positive, amounts, amounts, st.booleans(), others)
def test_fire_is_never_negative_never_above_the_sum_insured_or_the_loss(
    si: Decimal, cost: Decimal, salvage: Decimal, evidenced: bool, other: list[OtherPolicy]
) -> None:
    c = fire(
        sum_insured=si,
        reinstatement_cost=cost,
        salvage=salvage,
        reinstatement_evidenced=evidenced,
        others=other,
    )
    loss = min(max(cost - salvage, Decimal(0)), si) if evidenced else Decimal(0)
    assert Decimal(0) <= c.payable <= si
    assert c.payable <= loss.to_integral_value(rounding="ROUND_HALF_UP")
    if any(o.section == "I" for o in other):
        assert c.payable <= loss  # a contribution share never exceeds this policy's liability
    assert rounded_once(c)


@given(st.lists(st.tuples(positive, amounts, amounts), min_size=0, max_size=5), amounts, others)
def test_burglary_never_above_the_items_sums_insured_plus_the_building_cap(
    rows: list[tuple[Decimal, Decimal, Decimal]], damage: Decimal, other: list[OtherPolicy]
) -> None:
    schedule = {f"item-{i}": si for i, (si, _, _) in enumerate(rows)}
    items = [StolenItem(f"item-{i}", price, salvage) for i, (_, price, salvage) in enumerate(rows)]
    c = burglary(schedule=schedule, items=items, building_damage=damage, others=other)
    assert Decimal(0) <= c.payable <= sum(schedule.values(), Decimal(0)) + BUILDING_DAMAGE_CAP
    assert rounded_once(c)


@given(positive, amounts, amounts, others)
def test_liability_never_above_ten_percent_of_the_section_i_sum_insured(
    si: Decimal, award: Decimal, costs: Decimal, other: list[OtherPolicy]
) -> None:
    c = liability(section_i_sum_insured=si, award=award, legal_costs=costs, others=other)
    assert Decimal(0) <= c.payable <= si * Decimal("0.10")
    assert rounded_once(c)


@given(positive, st.sampled_from(list(Insured)), amounts, amounts)
def test_accident_never_above_what_remains_of_the_aggregate(
    si: Decimal, who: Insured, reserved: Decimal, benefit: Decimal
) -> None:
    aggregates = Aggregates(si, {who: reserved})
    c = accident(who=who, benefit=benefit, aggregates=aggregates)
    assert Decimal(0) <= c.payable <= aggregates.remaining(who)
    assert rounded_once(c)
