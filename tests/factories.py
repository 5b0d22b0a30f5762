"""Commands and contexts for tests, with realistic defaults."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from claims_ledger.domain.areas import COMMAND_ADAPTER
from claims_ledger.domain.commands import CommandModel as Command
from claims_ledger.domain.ledger import CommandContext, Ledger

WIB = timezone(timedelta(hours=7))
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=WIB)  # a Monday

DEFAULTS: dict[str, dict[str, Any]] = {
    "ReceiveComplaint": {"channel": "email", "form": "written", "explanation": "Claim unpaid."},
    "GiveInitialResponse": {"registration_reference": "ACK-1", "contact_phone": "1500481"},
    "RegisterComplaint": {"registration_number": "REG-1"},
    "ForwardComplaint": {"department": "Claims"},
    "AnalyseComplaint": {"finding": "Payment was delayed by a missing survey report."},
    "ResolveComplaint": {"outcome": "upheld"},
    "ExtendDocumentWindow": {"reason": "Customer is abroad until next month."},
    "MoveToWrittenTrack": {"reason": "Policy schedule and receipts are needed."},
    "ExtendResolutionDeadline": {"reason_code": "b"},
}
ALL_DOCUMENTS = ["ektp_copy", "phone_number", "email_address", "policy_number"]

ORAL_FLOW = [
    "ReceiveComplaint",
    "GiveInitialResponse",
    "VerifyComplaint",
    "RegisterComplaint",
    "ForwardComplaint",
    "AnalyseComplaint",
    "ResolveComplaint",
    "CloseComplaint",
]


def command(name: str, **fields: Any) -> Command:
    values: dict[str, Any] = {"occurred_at": T0, **DEFAULTS.get(name, {})}
    if name == "GiveInitialResponse":
        values["receipt_date"] = T0.date()
    return COMMAND_ADAPTER.validate_python({"command": name, **values, **fields})


def context(recorded_at: datetime = T0 + timedelta(hours=1), tag: str = "test") -> CommandContext:
    return CommandContext(recorded_at=recorded_at, correlation_id=tag, causation_id=tag)


def complaint_lifecycle(
    ledger: Ledger, reference: str, start: datetime = T0, steps: int = 3
) -> None:
    """An oral complaint taken through the first `steps` steps of its flow, an hour apart."""
    for i, name in enumerate(ORAL_FLOW[:steps]):
        at = start + timedelta(hours=i)
        extra: dict[str, Any] = {"form": "oral"} if name == "ReceiveComplaint" else {}
        if name == "GiveInitialResponse":
            extra["receipt_date"] = start.astimezone(WIB).date()
        ledger.execute(
            command(name, complaint=reference, occurred_at=at, **extra),
            context(at + timedelta(minutes=5), tag=f"{reference}:{i}"),
        )


def store_complaints(ledger: Ledger, first: int, count: int) -> int:
    """`count` oral complaints through their whole flow (8 events each)."""
    uow = ledger.unit_of_work()
    for n in range(first, first + count):
        reference = f"CMP-{n:05}"
        for i, name in enumerate(ORAL_FLOW):
            at = T0 + timedelta(minutes=n, seconds=i)
            fields = {"form": "oral"} if name == "ReceiveComplaint" else {}
            ledger.handle(
                command(name, complaint=reference, occurred_at=at, **fields),
                context(at, tag=reference),
                uow,
            )
        if n % 20 == 0:
            uow.commit()
    uow.commit()
    return ledger.recorder.max_notification_id() or 0
