"""Generated scenario files: many complaints, some answered in time, some late, some never,
so that the deadline process has deadlines to meet, breach and close (used by tests and bench)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tests.factories import T0, WIB

CHANNELS = ["email", "letter", "contact_center", "live_chat"]


def complaint_lines(cases: int, start: datetime = T0, prefix: str = "GEN") -> list[dict[str, Any]]:
    """`cases` complaints received five minutes apart; two in three get an initial response
    (some after their deadline), in time order."""
    lines: list[dict[str, Any]] = []
    for i in range(cases):
        received = start + timedelta(minutes=5 * i)
        reference = f"{prefix}-{i:06d}"
        written = i % 2 == 0
        lines.append(
            {
                "at": received + timedelta(minutes=2),
                "command": "ReceiveComplaint",
                "complaint": reference,
                "channel": CHANNELS[i % len(CHANNELS)],
                "form": "written" if written else "oral",
                "product": "EstateCare",
                "explanation": "The claim has not been paid.",
                "occurred_at": received,
            }
        )
        if i % 3 == 2:
            continue  # never answered: its deadline is breached when it passes
        answered = received + (timedelta(hours=3) if i % 3 == 0 else timedelta(days=4))
        lines.append(
            {
                "at": answered + timedelta(minutes=1),
                "command": "GiveInitialResponse",
                "complaint": reference,
                "registration_reference": f"ACK-{i:06d}",
                "receipt_date": received.astimezone(WIB).date().isoformat(),
                "contact_phone": "1500481",
                "occurred_at": answered,
            }
        )
    lines.sort(key=lambda line: line["at"])
    return lines


def write_scenario(path: Path, lines: list[dict[str, Any]]) -> Path:
    def default(value: object) -> str:
        if isinstance(value, datetime):
            return value.isoformat()
        raise TypeError(type(value).__name__)

    path.write_text(
        "".join(json.dumps(line, default=default) + "\n" for line in lines), encoding="utf-8"
    )
    return path
