"""Commands and contexts for tests, with realistic defaults."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from domain.commands import COMMAND_ADAPTER, Command
from domain.ledger import CommandContext, Ledger

WIB = timezone(timedelta(hours=7))
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=WIB)


def command(name: str, **fields: Any) -> Command:
    defaults: dict[str, Any] = {"occurred_at": T0}
    if name == "ReceiveComplaint":
        defaults |= {"channel": "email", "form": "written", "explanation": "Claim unpaid."}
    if name == "ResolveComplaint":
        defaults |= {"outcome": "upheld"}
    return COMMAND_ADAPTER.validate_python({"command": name, **defaults, **fields})


def context(recorded_at: datetime = T0 + timedelta(hours=1), tag: str = "test") -> CommandContext:
    return CommandContext(recorded_at=recorded_at, correlation_id=tag, causation_id=tag)


def complaint_lifecycle(
    ledger: Ledger, reference: str, start: datetime = T0, steps: int = 3
) -> None:
    """Receive (and, with steps > 1, respond to, and resolve) one complaint."""
    names = ["ReceiveComplaint", "GiveInitialResponse", "ResolveComplaint"][:steps]
    for i, name in enumerate(names):
        at = start + timedelta(hours=i)
        ledger.execute(
            command(name, complaint=reference, occurred_at=at),
            context(at + timedelta(minutes=5), tag=f"{reference}:{i}"),
        )
