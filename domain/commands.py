"""What every command shares: the base model and the field types of the boundary.

Each area (complaints, EstateCare, travel) declares its own commands on this base; every model
forbids unknown fields, and times must carry an offset (C-TIME-1).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from claims_ledger.domain.personal import PERSONAL


def _no_float(value: Any) -> Any:
    if isinstance(value, float):
        raise ValueError(
            "C-MONEY-1: money is never a float; write it as a string or an exact "
            'decimal, e.g. "1500000.50"'
        )
    return value


Money = Annotated[
    Decimal,
    BeforeValidator(_no_float),
    Field(
        ge=0,
        decimal_places=2,
        max_digits=18,
        description="Rupiah, at most 2 decimal places, never negative (C-MONEY-1).",
    ),
]

Reference = Annotated[
    str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
]
Text = Annotated[str, Field(min_length=1, max_length=10_000)]
PersonalText = Annotated[str, Field(min_length=1, max_length=10_000), PERSONAL]
"""Free text that may hold personal data: stored encrypted under its data subject's key."""
PersonalName = Annotated[str, Field(min_length=1, max_length=200), PERSONAL]
"""A person's name: stored encrypted under its data subject's key."""


class CommandModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    occurred_at: AwareDatetime = Field(
        description="When it happened in the world (C-TIME-2), with an offset (C-TIME-1)."
    )

    @classmethod
    def name(cls) -> str:
        """The command's name as it is written in a scenario line (`"command": ...`)."""
        annotation = cls.model_fields["command"].annotation
        return str(annotation.__args__[0])  # type: ignore[union-attr]
