"""Long cases for state-as-of tests and benchmarks: one complaint with many document
submissions (each a stored event), written in batches through the ledger's unit of work."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from claims_ledger.domain.areas import COMMAND_ADAPTER
from claims_ledger.domain.ledger import CommandContext, Ledger

WIB = timezone(timedelta(hours=7))
OPENED = datetime(2026, 3, 2, 9, 0, tzinfo=WIB)
STEP = timedelta(seconds=30)
RECORDING_DELAY = timedelta(minutes=5)


def occurred(version: int) -> datetime:
    """When the complaint's event at `version` happened (one every 30 seconds)."""
    return OPENED + (version - 1) * STEP


def long_complaint(ledger: Ledger, reference: str, events: int, batch: int = 500) -> None:
    """A written complaint received, then `events - 1` submissions of one document (its
    state stays the same size however long its history)."""
    written = 1
    uow = ledger.unit_of_work()
    _handle(
        ledger,
        uow,
        reference,
        written,
        "ReceiveComplaint",
        form="written",
        channel="email",
        explanation="Claim unpaid.",
    )
    while written < events:
        written += 1
        _handle(ledger, uow, reference, written, "SubmitDocuments", documents=["ektp_copy"])
        if written % batch == 0:
            uow.commit()
            uow = ledger.unit_of_work()
    uow.commit()


def _handle(
    ledger: Ledger, uow: object, reference: str, version: int, name: str, **fields: object
) -> None:
    at = occurred(version)
    command = COMMAND_ADAPTER.validate_python(
        {"command": name, "complaint": reference, "occurred_at": at, **fields}
    )
    context = CommandContext(
        recorded_at=at + RECORDING_DELAY,
        correlation_id=f"{reference}:{version}",
        causation_id=f"{reference}:{version}",
    )
    ledger.handle(command, context, uow)  # type: ignore[arg-type]
