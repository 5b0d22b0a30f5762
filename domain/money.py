"""C-MONEY-1: Indonesian Rupiah as exact decimals. Inputs carry at most 2 decimal places (sen);
intermediate results stay exact; each final payable amount is rounded half-up to a whole Rupiah
once. Negative amounts are rejected unless a rule says otherwise."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from claims_ledger.domain.errors import RuleViolation

ZERO = Decimal(0)
SEN = Decimal("0.01")


def rupiah(value: Decimal | int | str, field: str = "amount") -> Decimal:
    """An input amount: a decimal with at most 2 decimal places, never negative, never a float."""
    if isinstance(value, float):
        raise RuleViolation(
            "C-MONEY-1",
            f"{field} was given as a float ({value!r})",
            accepted='a decimal string such as "1500000.50"',
        )
    try:
        amount = Decimal(value)
    except (InvalidOperation, ValueError):
        raise RuleViolation("C-MONEY-1", f"{field} {value!r} is not a number") from None
    if not amount.is_finite():
        raise RuleViolation("C-MONEY-1", f"{field} {value!r} is not a finite amount")
    if amount < 0:
        raise RuleViolation(
            "C-MONEY-1", f"{field} {amount} is negative", accepted="an amount of 0 or more"
        )
    if amount != amount.quantize(SEN):
        raise RuleViolation(
            "C-MONEY-1",
            f"{field} {amount} has more than 2 decimal places",
            accepted="whole Rupiah or sen (2 decimal places)",
        )
    return amount


def round_payable(amount: Decimal) -> Decimal:
    """The one rounding of a final payable amount: half-up to a whole Rupiah."""
    return amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def format_idr(amount: Decimal) -> str:
    """Rp 1.234.567,50 (Indonesian grouping)."""
    whole, _, sen = f"{amount:,.2f}".partition(".")
    text = f"Rp {whole.replace(',', '.')}"
    return text if sen == "00" else f"{text},{sen}"
