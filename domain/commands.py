"""Commands: the boundary models through which the ledger is told what happened.

Every model forbids unknown fields; times must carry an offset (C-TIME-1).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter

from domain.complaint import Channel, Form, Outcome

Reference = Annotated[
    str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
]


class CommandModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    occurred_at: AwareDatetime = Field(
        description="When it happened in the world (C-TIME-2), with an offset (C-TIME-1)."
    )


class ReceiveComplaint(CommandModel):
    command: Literal["ReceiveComplaint"]
    complaint: Reference = Field(description="The insurer's complaint reference.")
    channel: Channel
    form: Form
    explanation: str = Field(min_length=1, max_length=10_000)
    product: str | None = None


class GiveInitialResponse(CommandModel):
    command: Literal["GiveInitialResponse"]
    complaint: Reference


class ResolveComplaint(CommandModel):
    command: Literal["ResolveComplaint"]
    complaint: Reference
    outcome: Outcome


Command = Annotated[
    ReceiveComplaint | GiveInitialResponse | ResolveComplaint,
    Field(discriminator="command"),
]
COMMAND_ADAPTER: TypeAdapter[Command] = TypeAdapter(Command)
COMMAND_NAMES: tuple[str, ...] = ("ReceiveComplaint", "GiveInitialResponse", "ResolveComplaint")
