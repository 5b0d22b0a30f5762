"""Claim rules shared by property and travel claims: no re-request of a received document
(RG-CL-2) and payment of exactly the agreed amount (RG-CL-1)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal

from claims_ledger.domain.errors import RuleViolation
from claims_ledger.domain.money import format_idr


def refuse_rerequest(
    received: Mapping[str, datetime], wanted: Iterable[str], case_label: str
) -> None:
    """RG-CL-2 (UU 40/2014 Art. 31): a document already received is not requested again."""
    for document in wanted:
        if document in received:
            raise RuleViolation(
                "RG-CL-2",
                f"{document!r} was already received for {case_label} on "
                f"{received[document].isoformat()}; it may not be requested again",
                accepted="a request for documents not yet received",
            )


def require_agreed_payment(
    case_label: str, section: str, status: str, agreed: Decimal | None, amount: Decimal
) -> None:
    """RG-CL-1: a section is paid once its amount is agreed, and exactly that amount."""
    if agreed is None:
        raise RuleViolation(
            "RG-CL-1",
            f"section {section} of {case_label} is {status}; payment follows the agreed amount",
        )
    if amount != agreed:
        raise RuleViolation(
            "RG-CL-1",
            f"payment {format_idr(amount)} differs from the agreed {format_idr(agreed)}",
            accepted=format_idr(agreed),
        )
