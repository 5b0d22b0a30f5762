"""One calculator per EstateCare section, in the order RULES.md gives (section 2)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from decimal import Decimal

from claims_ledger.domain.calculation import Calculation, Tracer
from claims_ledger.domain.errors import RuleViolation
from claims_ledger.domain.estatecare.payout.contribution import OtherPolicy, apply_contribution
from claims_ledger.domain.money import ZERO, format_idr, rupiah

BUILDING_DAMAGE_CAP = Decimal(100_000)  # EC-II-2, per claim (one event)
LIABILITY_SHARE = Decimal("0.10")  # EC-III-1, of the Section I sum insured, per event
FAMILY_SHARE = Decimal("0.25")  # EC-IV-1, of the Section I sum insured, per policy period
HELPER_SHARE = Decimal("0.05")  # EC-IV-1


def _money(inputs: dict[str, object]) -> dict[str, object]:
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in inputs.items()}


# -- Section I: fire ---------------------------------------------------------------------------


def fire(
    *,
    sum_insured: Decimal,
    reinstatement_cost: Decimal,
    salvage: Decimal,
    reinstatement_evidenced: bool,
    others: list[OtherPolicy] | None = None,
) -> Calculation:
    """L = min(max(reinstatement_cost - salvage, 0), SI_I), then EC-C-1."""
    others = others or []
    si, cost, salv = (
        rupiah(sum_insured, "sum_insured"),
        rupiah(reinstatement_cost, "reinstatement_cost"),
        rupiah(salvage, "salvage"),
    )
    t = Tracer(
        "I",
        _money(
            {
                "sum_insured": si,
                "reinstatement_cost": cost,
                "salvage": salv,
                "reinstatement_evidenced": reinstatement_evidenced,
                "other_policies": [_other(o) for o in others],
            }
        ),
    )
    if reinstatement_evidenced:
        t.step("EC-I-2", f"reinstatement cost {format_idr(cost)} (rebuilding evidenced)", cost)
    else:
        t.unmet("EC-I-2: rebuilding / restoration not yet evidenced")
        t.step("EC-I-2", "reinstatement not yet evidenced: the reinstatement part is 0", ZERO)
    t.step(
        "EC-I-3", f"salvage {format_idr(salv)} deducted (not below 0)", max(t.amount - salv, ZERO)
    )
    loss = t.step(
        "EC-I-1", f"at most the Section I sum insured {format_idr(si)}", min(t.amount, si)
    )
    shared = [o for o in others if o.section == "I"]
    apply_contribution(t, loss, loss, shared)
    return t.finish(ceiling=min(si, loss) if shared else si)


# -- Section II: burglary ------------------------------------------------------------------------


@dataclass(frozen=True)
class StolenItem:
    item: str
    new_price: Decimal
    salvage: Decimal = ZERO


def burglary(
    *,
    schedule: dict[str, Decimal],
    items: list[StolenItem],
    building_damage: Decimal,
    others: list[OtherPolicy] | None = None,
) -> Calculation:
    """Per item min(max(new_price - salvage, 0), item_SI); building min(damage, 100.000);
    L = the sum of both; then EC-C-1."""
    others = others or []
    damage = rupiah(building_damage, "building_damage")
    t = Tracer(
        "II",
        _money(
            {
                "items": [
                    {
                        "item": i.item,
                        "new_price": str(i.new_price),
                        "salvage": str(i.salvage),
                        "sum_insured": str(schedule.get(i.item, "")),
                    }
                    for i in items
                ],
                "building_damage": damage,
                "other_policies": [_other(o) for o in others],
            }
        ),
    )
    for stolen in items:
        if stolen.item not in schedule:
            raise RuleViolation(
                "EC-II-1",
                f"item {stolen.item!r} is not on the policy's schedule",
                accepted=", ".join(sorted(schedule)) or "a scheduled item",
            )
        price = rupiah(stolen.new_price, f"{stolen.item} new_price")
        salv = rupiah(stolen.salvage, f"{stolen.item} salvage")
        base = t.amount
        t.step(
            "EC-II-3",
            f"{stolen.item}: new price {format_idr(price)} (new for old, no depreciation)",
            base + price,
        )
        t.step(
            "EC-II-4",
            f"{stolen.item}: salvage {format_idr(salv)} deducted (not below 0)",
            base + max(price - salv, ZERO),
        )
        t.step(
            "EC-II-1",
            f"{stolen.item}: at most its sum insured {format_idr(schedule[stolen.item])}",
            base + min(max(price - salv, ZERO), schedule[stolen.item]),
        )
    if damage:
        t.step(
            "EC-II-2",
            f"building damage {format_idr(damage)}, at most "
            f"{format_idr(BUILDING_DAMAGE_CAP)} per claim",
            t.amount + min(damage, BUILDING_DAMAGE_CAP),
        )
    loss = t.amount
    shared = [o for o in others if o.section == "II"]
    apply_contribution(t, loss, loss, shared)
    caps = sum((schedule[i.item] for i in items), ZERO) + (BUILDING_DAMAGE_CAP if damage else ZERO)
    return t.finish(ceiling=min(caps, loss) if shared else caps)


# -- Section III: third-party legal liability ---------------------------------------------------


def liability(
    *,
    section_i_sum_insured: Decimal,
    award: Decimal,
    legal_costs: Decimal,
    others: list[OtherPolicy] | None = None,
) -> Calculation:
    """min(award + legal costs, 10 % of the Section I SI) per event, then EC-C-1."""
    others = others or []
    si = rupiah(section_i_sum_insured, "section_i_sum_insured")
    awarded, costs = rupiah(award, "award"), rupiah(legal_costs, "legal_costs")
    cap = si * LIABILITY_SHARE
    t = Tracer(
        "III",
        _money(
            {
                "section_i_sum_insured": si,
                "award": awarded,
                "legal_costs": costs,
                "other_policies": [_other(o) for o in others],
            }
        ),
    )
    t.step("EC-III-1", f"third party's claim {format_idr(awarded)}", awarded)
    t.step("EC-III-1", f"legal costs {format_idr(costs)} added", awarded + costs)
    loss = t.step(
        "EC-III-1",
        f"at most 10 % of the Section I sum insured: {format_idr(cap)}",
        min(t.amount, cap),
    )
    shared = [o for o in others if o.section == "III"]
    apply_contribution(t, loss, loss, shared)
    return t.finish(ceiling=min(cap, loss) if shared else cap)


# -- Section IV: personal accident --------------------------------------------------------------


class Insured(enum.StrEnum):
    """EC-IV-1's two aggregates. The insured person is counted with the family."""

    FAMILY = "family"
    HELPER = "helper"


@dataclass(frozen=True)
class Aggregates:
    """EC-IV-1: what is left of the per-period aggregates, after earlier reservations."""

    section_i_sum_insured: Decimal
    reserved: dict[Insured, Decimal] = field(default_factory=dict)

    def limit(self, who: Insured) -> Decimal:
        share = FAMILY_SHARE if who is Insured.FAMILY else HELPER_SHARE
        return self.section_i_sum_insured * share

    def remaining(self, who: Insured) -> Decimal:
        return max(self.limit(who) - self.reserved.get(who, ZERO), ZERO)


def accident(*, who: Insured, benefit: Decimal, aggregates: Aggregates) -> Calculation:
    """The assessed benefit, at most what remains of the family (25 %) or helper (5 %)
    aggregate of the policy period (EC-IV-1)."""
    amount = rupiah(benefit, "benefit")
    remaining = aggregates.remaining(who)
    t = Tracer(
        "IV",
        _money(
            {
                "who": str(who),
                "benefit": amount,
                "aggregate_limit": aggregates.limit(who),
                "already_reserved": aggregates.reserved.get(who, ZERO),
            }
        ),
    )
    t.step("EC-IV-1", f"assessed benefit {format_idr(amount)}", amount)
    t.step(
        "EC-IV-1",
        f"at most what remains of the {who} aggregate this period: "
        f"{format_idr(remaining)} of {format_idr(aggregates.limit(who))}",
        min(amount, remaining),
    )
    return t.finish(ceiling=remaining)


def _other(o: OtherPolicy) -> dict[str, str]:
    return {
        "insurer": o.insurer,
        "policy_number": o.policy_number,
        "section": o.section,
        "sum_insured": str(o.sum_insured),
    }
