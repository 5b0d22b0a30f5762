"""EstateCare payout calculators with worked numbers (RULES.md section 2, C-MONEY-1, C-CALC-1)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from claims_ledger.domain.errors import RuleViolation
from claims_ledger.domain.estatecare.payout.contribution import OtherPolicy
from claims_ledger.domain.estatecare.payout.sections import (
    Aggregates,
    Insured,
    StolenItem,
    accident,
    burglary,
    fire,
)
from claims_ledger.domain.estatecare.payout.sections import liability as third_party
from claims_ledger.domain.money import format_idr, rupiah

SCHEDULE = {"Television": D(6_000_000), "Laptop": D(15_000_000), "Jewellery": D(25_000_000)}


@pytest.mark.parametrize(
    ("case", "kwargs", "payable", "unmet"),
    [
        (
            "loss above the sum insured is capped (EC-I-1)",
            {
                "sum_insured": D(500_000_000),
                "reinstatement_cost": D(650_000_000),
                "salvage": D(20_000_000),
                "reinstatement_evidenced": True,
            },
            D(500_000_000),
            (),
        ),
        (
            "salvage is deducted, then one half-up rounding (EC-I-3, C-MONEY-1)",
            {
                "sum_insured": D(1_000_000_000),
                "reinstatement_cost": D(120_000_000),
                "salvage": D("15500000.50"),
                "reinstatement_evidenced": True,
            },
            D(104_500_000),
            (),
        ),
        (
            "reinstatement not yet evidenced pays 0 and reports the condition (EC-I-2)",
            {
                "sum_insured": D(500_000_000),
                "reinstatement_cost": D(80_000_000),
                "salvage": D(0),
                "reinstatement_evidenced": False,
            },
            D(0),
            ("EC-I-2: rebuilding / restoration not yet evidenced",),
        ),
        (
            "salvage above the cost pays 0, never negative (EC-I-3)",
            {
                "sum_insured": D(500_000_000),
                "reinstatement_cost": D(5_000_000),
                "salvage": D(7_000_000),
                "reinstatement_evidenced": True,
            },
            D(0),
            (),
        ),
    ],
)
def test_section_i_fire(
    case: str, kwargs: dict[str, object], payable: D, unmet: tuple[str, ...]
) -> None:
    calculation = fire(**kwargs)  # type: ignore[arg-type]
    assert calculation.payable == payable, case
    assert calculation.conditions_unmet == unmet


def test_section_i_contribution_with_another_policy_on_independent_liabilities_ec_c_1() -> None:
    other = OtherPolicy("Asuransi Lain", "FIRE-77-0012", "I", D(200_000_000))
    calculation = fire(
        sum_insured=D(400_000_000),
        reinstatement_cost=D(300_000_000),
        salvage=D(0),
        reinstatement_evidenced=True,
        others=[other],
    )
    # L = 300M; this policy's liability 300M, the other's min(300M, 200M) = 200M
    assert calculation.payable == D(180_000_000)  # 300M x 300M / 500M
    assert [s.rule_id for s in calculation.steps] == [
        "EC-I-2",
        "EC-I-3",
        "EC-I-1",
        "EC-C-1",
        "C-MONEY-1",
    ]


def test_section_i_trace_lists_each_step_with_amount_before_and_after_c_calc_1() -> None:
    calculation = fire(
        sum_insured=D(500_000_000),
        reinstatement_cost=D(650_000_000),
        salvage=D(20_000_000),
        reinstatement_evidenced=True,
    )
    steps = [(s.rule_id, s.before, s.after) for s in calculation.steps]
    assert steps == [
        ("EC-I-2", D(0), D(650_000_000)),
        ("EC-I-3", D(650_000_000), D(630_000_000)),
        ("EC-I-1", D(630_000_000), D(500_000_000)),
        ("C-MONEY-1", D(500_000_000), D(500_000_000)),
    ]
    assert calculation.inputs["reinstatement_cost"] == "650000000"


def test_section_ii_items_above_and_below_their_sums_insured_and_building_damage_capped() -> None:
    calculation = burglary(
        schedule=SCHEDULE,
        items=[
            StolenItem("Television", D(8_000_000), D(500_000)),  # 7.5M, capped at 6M
            StolenItem("Laptop", D(12_000_000)),
        ],  # 12M, below its 15M
        building_damage=D(350_000),  # a broken door and lock: at most 100.000
    )
    assert calculation.payable == D(18_100_000)
    assert [s.rule_id for s in calculation.steps] == [
        "EC-II-3",
        "EC-II-4",
        "EC-II-1",
        "EC-II-3",
        "EC-II-4",
        "EC-II-1",
        "EC-II-2",
        "C-MONEY-1",
    ]


def test_section_ii_building_damage_below_the_cap_is_paid_in_full_ec_ii_2() -> None:
    calculation = burglary(schedule=SCHEDULE, items=[], building_damage=D(75_000))
    assert calculation.payable == D(75_000)


def test_section_ii_an_unscheduled_item_is_refused_ec_ii_1() -> None:
    with pytest.raises(RuleViolation, match="EC-II-1.*'Painting' is not on the policy's schedule"):
        burglary(
            schedule=SCHEDULE, items=[StolenItem("Painting", D(9_000_000))], building_damage=D(0)
        )


def test_section_iii_legal_costs_pushing_past_10_percent_are_capped_ec_iii_1() -> None:
    calculation = third_party(
        section_i_sum_insured=D(800_000_000), award=D(70_000_000), legal_costs=D(15_000_000)
    )
    assert calculation.payable == D(80_000_000)  # 10 % of 800M


def test_section_iii_contribution_with_another_liability_policy_ec_c_1() -> None:
    other = OtherPolicy("Asuransi Lain", "TPL-2026-9", "III", D(50_000_000))
    calculation = third_party(
        section_i_sum_insured=D(800_000_000),
        award=D(20_000_000),
        legal_costs=D(5_000_000),
        others=[other],
    )
    assert calculation.payable == D(12_500_000)  # 25M x 25M / (25M + 25M)


def test_section_iv_family_and_helper_aggregates_are_used_up_across_claims_ec_iv_1() -> None:
    si = D(1_000_000_000)  # family aggregate 250M, helper aggregate 50M per period
    reserved: dict[Insured, D] = {}
    paid = []
    for who, benefit in [
        (Insured.FAMILY, D(150_000_000)),
        (Insured.HELPER, D(30_000_000)),
        (Insured.FAMILY, D(120_000_000)),
        (Insured.HELPER, D(30_000_000)),
        (Insured.FAMILY, D(10_000_000)),
    ]:
        calculation = accident(who=who, benefit=benefit, aggregates=Aggregates(si, reserved))
        reserved[who] = reserved.get(who, D(0)) + calculation.payable
        paid.append(calculation.payable)
    assert paid == [D(150_000_000), D(30_000_000), D(100_000_000), D(20_000_000), D(0)]
    assert reserved == {Insured.FAMILY: D(250_000_000), Insured.HELPER: D(50_000_000)}


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (D(-1), "negative"),
        (D("1.001"), "more than 2 decimal places"),
        (1.5, "float"),
        ("abc", "not a number"),
        (D("NaN"), "not a finite amount"),
    ],
)
def test_bad_amounts_are_refused_c_money_1(value: object, reason: str) -> None:
    with pytest.raises(RuleViolation, match=f"C-MONEY-1.*{reason}"):
        rupiah(value)  # type: ignore[arg-type]


def test_rupiah_are_written_the_indonesian_way() -> None:
    assert format_idr(D("1234567.5")) == "Rp 1.234.567,50"
    assert format_idr(D(100_000)) == "Rp 100.000"
