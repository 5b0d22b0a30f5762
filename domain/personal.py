"""Personal data: which command fields hold it, the form it is stored in, and its erasure.

A personal field (a name, a phone number, an e-mail address, free text that may hold an e-KTP
number or a medical condition) never reaches an aggregate in clear. The ledger's boundary
(infra/privacy.py) replaces it by an *encrypted value* under the key of the case's data subject
before the command is handled, so the stored event, its seal, the published payload and the read
models all carry the same ciphertext. Destroying the subject's key (crypto-shredding) erases the
field everywhere while every seal and proof still verifies.

The encrypted value is one string, `pd1.<subject>.<nonce>.<ciphertext>`:

- `pd1`: the format's version;
- `<subject>`: the data subject's pseudonymous id, 32 lower-case hex digits (a uuid minted per
  case by the key store; it says nothing about the person);
- `<nonce>`: the 12-byte AES-GCM nonce, base64url without padding;
- `<ciphertext>`: AES-256-GCM of the UTF-8 clear text with its 16-byte tag, base64url without
  padding; the associated data is `pd1.<subject>`.

The nonce is synthetic (derived from the subject key and the clear text), so one value encrypts
to one ciphertext under one subject: rules that compare personal values (EC-IV-1: the injured
person is named on the policy) keep working on ciphertext; nothing in a rule reads clear text.

Here, in the pure domain: the marker that declares a field personal, the value's pattern, and the
erasure event every case type with personal data records. No cryptography happens here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from pydantic import BaseModel


class _Personal:
    """Field metadata: this command field holds personal data (str, str | None or list[str])."""

    def __repr__(self) -> str:
        return "PERSONAL"


PERSONAL: Final = _Personal()
"""Put in a command field's `Annotated[...]` to make it personal: `Annotated[str, PERSONAL]`."""

FORMAT_VERSION = "pd1"
ENCRYPTED_PATTERN = r"^pd1\.[0-9a-f]{32}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22,}$"
ENCRYPTED = re.compile(ENCRYPTED_PATTERN)
ENCRYPTED_ANYWHERE = re.compile(ENCRYPTED_PATTERN.removeprefix("^").removesuffix("$"))
"""An encrypted value inside a longer text."""
ERASED = "[erased]"
"""What a personal field reads as once its subject's key is destroyed."""


def is_encrypted(value: object) -> bool:
    return isinstance(value, str) and ENCRYPTED.fullmatch(value) is not None


def subject_of(value: str) -> str:
    """The data subject an encrypted value belongs to."""
    return value.split(".", 2)[1]


def personal_fields(command_type: type[BaseModel]) -> tuple[str, ...]:
    """The names of a command type's personal fields."""
    return tuple(
        name
        for name, field in command_type.model_fields.items()
        if any(m is PERSONAL for m in field.metadata)
    )


class PersonalDataEventRules:
    """The erasure event's fields. Each aggregate that holds personal data declares it with its
    own stable topic (put the mixin first):

        class PersonalDataErased(PersonalDataEventRules.Erased, Event):
            TOPIC = "claims_ledger:ComplaintPersonalDataErased"
    """

    @dataclass(frozen=True)
    class Erased:
        subject: str
        basis: str

        def apply(self, aggregate: Any) -> None:
            erased: tuple[str, ...] = getattr(aggregate, "erased_subjects", ())
            aggregate.erased_subjects = (*erased, self.subject)


class HoldsPersonalData:
    """A case whose events may carry personal data: it records the erasure of a subject's data
    (the key was destroyed; the events stay as they are, ciphertext whose key is gone)."""

    PersonalDataErased: type[Any]

    def record_erasure(self, *, subject: str, basis: str, provenance: Any) -> None:
        self.trigger_event(  # type: ignore[attr-defined]
            self.PersonalDataErased, **provenance.fields(), subject=subject, basis=basis
        )
