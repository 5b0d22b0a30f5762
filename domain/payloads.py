"""The published payload of every event type: one pydantic model per event type.

A payload is what an event publishes besides the envelope's own fields (the envelope carries
`occurred_at`, `recorded_at`, `rule_set`, the correlation and causation ids and the hash chain;
see domain/envelope.py). Payload models are frozen, forbid unknown fields, describe every field,
and name the rule ids their event carries (`rule_ids`). They are validated as JSON in strict mode,
so they accept what the JSON Schema exported from them accepts: money as exact decimal strings,
times as RFC 3339 strings with their offset, no coercion of "5" into 5.

Here, in the kernel: the base models, the field types every area shares, and the payloads every
case type shares: the six deadline events (`DeadlineEventRules`, C-SLA-1) and the payout
calculation (C-CALC-1). Each area declares its own payloads beside its aggregates
(`domain/<area>/payloads.py`); domain/event_types.py composes them into one registry.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Generic, TypeVar

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
)

from claims_ledger.domain.calendar import DeadlineKind
from claims_ledger.domain.deadlines import DeadlineTracking, Party

# -- field types -------------------------------------------------------------------------------

_DECIMAL = r"[0-9]+(\.[0-9]+)?([Ee][+-]?[0-9]+)?"
_UNSIGNED = re.compile(f"^{_DECIMAL}$")
_SIGNED = re.compile(f"^-?{_DECIMAL}$")


def _exact_decimal(pattern: re.Pattern[str], what: str) -> Any:
    def validate(value: object) -> Decimal:
        if isinstance(value, Decimal):
            return value
        if isinstance(value, str) and pattern.fullmatch(value):
            return Decimal(value)
        raise ValueError(
            f'C-MONEY-1: {what} as an exact decimal string such as "1500000" or '
            f'"6200000.50" (never a JSON number); got {value!r}'
        )

    return validate


Amount = Annotated[
    Decimal,
    PlainValidator(_exact_decimal(_UNSIGNED, "an amount of 0 or more")),
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": "string", "pattern": _UNSIGNED.pattern}),
]
"""Rupiah as an exact decimal string, never negative (C-MONEY-1)."""

SignedAmount = Annotated[
    Decimal,
    PlainValidator(_exact_decimal(_SIGNED, "an amount")),
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": "string", "pattern": _SIGNED.pattern}),
]
"""Rupiah as an exact decimal string; a running amount in a trace may fall below 0."""

_RULE_ID = r"[A-Z]+(-[A-Z0-9]+)+"
RuleId = Annotated[str, Field(pattern=f"^{_RULE_ID}$")]
DeadlineKey = Annotated[str, Field(pattern=f"^{_RULE_ID}(/[A-Za-z0-9-]+)?$")]
"""A deadline as a case names it: its rule id, and `/subject` when a case has several under
one rule (`RG-CL-1/II`, `TR-P-1/G5-cheque`)."""
RuleSetRef = Annotated[str, Field(pattern=r"^[a-z0-9-]+@[0-9A-Za-z.]+$")]
"""id@version of a rule set or a benefit schedule (RG-V-1)."""

Personal = Annotated[
    str,
    WithJsonSchema(
        {
            "type": "string",
            "format": "personal-data",
            "x-personal-data": True,
            "examples": [
                "pd1.6f1c0a3e9b5d4c2a8e7f1b0c9d8e7f6a.q1Yv2n0dXzJ8bW3e.8pZ2Qk1nV0mXbG7sT4yR2w",
            ],
        }
    ),
]
"""Personal data as an encrypted value `pd1.<subject>.<nonce>.<ciphertext>` (domain/personal.py):
the pseudonymous subject id and AES-256-GCM ciphertext under that subject's key, never clear
text. Events stored before claims-ledger 0.2 carry the clear text they were written with (stored
events are immutable, and their seals cover what they hold)."""

PATTERN_NAMES = {
    _UNSIGNED.pattern: "amount (decimal string)",
    _SIGNED.pattern: "signed amount (decimal string)",
    f"^{_RULE_ID}$": "rule id",
    f"^{_RULE_ID}(/[A-Za-z0-9-]+)?$": "rule id[/subject]",
    r"^[a-z0-9-]+@[0-9A-Za-z.]+$": "id@version",
}
"""How the reference (docs/events.md) names the string types above."""


# -- base models -------------------------------------------------------------------------------


def _rule_ids_in_schema(schema: dict[str, Any], cls: type[Any]) -> None:
    rule_ids: tuple[str, ...] = getattr(cls, "rule_ids", ())
    if rule_ids:
        schema["x-rule-ids"] = list(rule_ids)


class PayloadPart(BaseModel):
    """A structure inside a payload (a deadline, a calculation step): frozen, no unknown field,
    no coercion."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class EventPayload(PayloadPart):
    """The payload of one published event type. `rule_ids`: the rules of RULES.md the event
    records or enforces (exported into its JSON Schema as `x-rule-ids`)."""

    model_config = ConfigDict(json_schema_extra=_rule_ids_in_schema)

    rule_ids: ClassVar[tuple[str, ...]] = ()


# -- the deadline events (C-SLA-1), shared by every case type through DeadlineEventRules --------


class ComputedDeadline(PayloadPart):
    """One computed deadline: which rule, whose, when, from what, on which calendar and rules
    (domain/deadlines.py `Deadline`)."""

    rule_id: RuleId = Field(description="The rule that sets the deadline.")
    party: Party = Field(
        description="Whose deadline: `insurer` (a service level) or `customer` (a condition "
        "the insured must meet) (C-SLA-1)."
    )
    kind: DeadlineKind = Field(
        description="How it is counted: working days (C-WD-2), N x 24 hours (C-H-1) or "
        "calendar days (C-D-1)."
    )
    units: int = Field(description="How many of `kind`.")
    basis: AwareDatetime = Field(description="The time it is counted from.")
    computed_from: str = Field(
        description="The event (or extension) the basis comes from, e.g. `ComplaintReceived v1`."
    )
    due: AwareDatetime = Field(description="When the deadline passes.")
    calendar: str = Field(description="The working-day calendar used (C-WD-1).")
    calendar_version: str = Field(description="That calendar's version (C-WD-1).")
    rule_set: RuleSetRef = Field(description="id@version of the rule set that set it (RG-V-1).")
    subject: str | None = Field(
        description="What the deadline is about when a case has several under one rule (a "
        "claim section, `G5-cheque`); null otherwise."
    )


class DeadlineSet(EventPayload):
    """A deadline was computed and set on the case (C-SLA-1)."""

    rule_ids = ("C-SLA-1", "C-WD-1", "C-WD-2", "C-H-1", "C-D-1", "RG-V-1")

    deadline: ComputedDeadline = Field(description="The deadline as computed.")


class DeadlineMet(EventPayload):
    """The fulfilling event occurred at or before the deadline (C-SLA-1)."""

    rule_ids = ("C-SLA-1",)

    rule_id: DeadlineKey = Field(description="The deadline met.")
    due: AwareDatetime = Field(description="When it was due.")


class DeadlineExtended(EventPayload):
    """A deadline was extended once, with a reason, before it passed (CP-SLA-3, RG-CP-3)."""

    rule_ids = ("C-SLA-1", "CP-SLA-3", "RG-CP-3")

    rule_id: DeadlineKey = Field(description="The deadline extended.")
    extension_rule: RuleId = Field(description="The rule that allows the extension.")
    reason: Personal = Field(
        description="The stated reason: for RG-CP-3 its letter (`a`, `b` or `c`); free text "
        "(CP-SLA-3) is personal data, encrypted."
    )
    original_due: AwareDatetime = Field(description="When it was due before the extension.")
    deadline: ComputedDeadline = Field(description="The deadline as extended.")
    notice_sent_at: AwareDatetime | None = Field(
        description="When the written notice went to the customer (RG-CP-3); null when the "
        "extension needs none."
    )


class DeadlineBreached(EventPayload):
    """A deadline passed unmet: the breach is a recorded fact; the event's `occurred_at` is the
    deadline itself and its `recorded_at` when the deadline process noticed it (C-SLA-1)."""

    rule_ids = ("C-SLA-1",)

    rule_id: DeadlineKey = Field(description="The deadline breached.")
    party: Party = Field(description="Whose deadline it was.")
    due: AwareDatetime = Field(description="When it was due.")


class BreachClosed(EventPayload):
    """A late fulfilment closed a breach; the breach and its duration stay on record (C-SLA-1)."""

    rule_ids = ("C-SLA-1",)

    rule_id: DeadlineKey = Field(description="The breached deadline now fulfilled.")
    due: AwareDatetime = Field(description="When it was due.")
    duration_seconds: int = Field(ge=0, description="How late the fulfilment was, in seconds.")


class PersonalDataErased(EventPayload):
    """A data subject's personal data was erased: the key it was encrypted with is destroyed
    (crypto-shredding), so every personal field of this case under that subject now reads as
    `[erased]`, on every topic and in every read model. The events themselves, their seals and
    every proof stay as they are (they cover the ciphertext). UU-PDP-43: the data subject's
    right to erasure (Law 27 of 2022 on Personal Data Protection, article 43)."""

    rule_ids = ("UU-PDP-43",)

    subject: str = Field(
        pattern=r"^[0-9a-f]{32}$", description="The pseudonymous id of the data subject erased."
    )
    basis: str = Field(description="The legal basis or reason given for the erasure.")


class DeadlineCancelled(EventPayload):
    """An open deadline no longer applies (the case closed, or moved track)."""

    rule_ids = ("C-SLA-1",)

    rule_id: DeadlineKey = Field(description="The deadline cancelled.")
    reason: str = Field(description="Why it no longer applies.")


def deadline_payloads(aggregate: type[DeadlineTracking]) -> dict[type[Any], type[EventPayload]]:
    """The payloads of an aggregate's six deadline events (each aggregate declares them with its
    own stable topics; their fields come from DeadlineEventRules)."""
    return {
        aggregate.DeadlineSet: DeadlineSet,
        aggregate.DeadlineMet: DeadlineMet,
        aggregate.DeadlineExtended: DeadlineExtended,
        aggregate.DeadlineBreached: DeadlineBreached,
        aggregate.BreachClosed: BreachClosed,
        aggregate.DeadlineCancelled: DeadlineCancelled,
    }


# -- the payout calculation (C-CALC-1) -----------------------------------------------------------


class CalculationStep(PayloadPart):
    """One step of a calculation's trace: the rule, what it did, the running amount before and
    after (domain/calculation.py `Step`)."""

    rule_id: RuleId = Field(description="The rule the step applies.")
    description: str = Field(description="What the step did, for the auditor.")
    before: SignedAmount = Field(description="The running amount before the step.")
    after: SignedAmount = Field(description="The running amount after the step.")


SectionT = TypeVar("SectionT")
InputsT = TypeVar("InputsT")


class CalculationRecorded(EventPayload, Generic[SectionT, InputsT]):
    """A payout calculation with its inputs, every step and the payable amount; a recalculation
    appends a new one (C-CALC-1). The rule set is the envelope's `rule_set`. Each claim type
    declares its own, with the sections and inputs of its calculators."""

    section: SectionT = Field(description="The section calculated.")
    number: int = Field(ge=1, description="The calculation's number within its section, from 1.")
    inputs: InputsT = Field(description="What the calculation used, by name.")
    steps: list[CalculationStep] = Field(description="Every step, in order.")
    payable: Amount = Field(description="The payable amount, rounded to a whole Rupiah.")
    conditions_unmet: list[str] = Field(
        description="Conditions not (yet) met, each starting with its rule id; the amount they "
        "concern is not paid while they are unmet."
    )
