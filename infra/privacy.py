"""Personal data at the ledger's boundary: encrypted before the domain sees a command, revealed
only where a person must read it.

`KeyStoreBoundary.protect` replaces every personal field of a command (domain/personal.py
`PERSONAL`) by an encrypted value under the key of the case's data subject, before the command
is handled: the aggregate, the stored event, its seal, the Kafka message and the read models
only ever hold ciphertext. `Revealer.reveal` turns encrypted values back into clear text for the
command line's case views, or `[erased]` once the subject's key is destroyed.

Crypto: AES-256-GCM (`cryptography`). The subject's stored key is split with HKDF-SHA256 into an
encryption key and a nonce key; the nonce is HMAC-SHA256(nonce key, associated data, clear
text), truncated to 12 bytes (a synthetic nonce: one clear text, one ciphertext per subject, so
rules comparing names keep working; two different clear texts never share a nonce).
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from eventsourcing.persistence import IntegrityError

from claims_ledger.domain.cases import UnitOfWork
from claims_ledger.domain.commands import CommandModel
from claims_ledger.domain.estatecare import commands as estatecare
from claims_ledger.domain.ledger import CommandContext, Ledger
from claims_ledger.domain.personal import (
    ENCRYPTED,
    ERASED,
    FORMAT_VERSION,
    is_encrypted,
    personal_fields,
    subject_of,
)
from claims_ledger.infra.keystore import KeyStore, mint_key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _keys(key: bytes) -> tuple[AESGCM, bytes]:
    material = HKDF(
        algorithm=hashes.SHA256(), length=64, salt=None, info=b"claims-ledger personal data pd1"
    ).derive(key)
    return AESGCM(material[:32]), material[32:]


def encrypt(subject: str, key: bytes, clear: str) -> str:
    """The encrypted value `pd1.<subject>.<nonce>.<ciphertext>` of one clear text."""
    return _encrypt(subject, _keys(key), clear)


def _encrypt(subject: str, ciphers: tuple[AESGCM, bytes], clear: str) -> str:
    aead, nonce_key = ciphers
    associated = f"{FORMAT_VERSION}.{subject}".encode()
    data = clear.encode("utf-8")
    nonce = hmac.new(nonce_key, associated + b"\x00" + data, hashlib.sha256).digest()[:12]
    return f"{FORMAT_VERSION}.{subject}.{_b64(nonce)}.{_b64(aead.encrypt(nonce, data, associated))}"


def decrypt(value: str, key: bytes) -> str:
    _, subject, nonce, ciphertext = value.split(".")
    aead, _ = _keys(key)
    associated = f"{FORMAT_VERSION}.{subject}".encode()
    return aead.decrypt(_unb64(nonce), _unb64(ciphertext), associated).decode("utf-8")


class KeyStoreBoundary:
    """Encrypts the personal fields of each command under its case's data subject.

    The subject is the case the personal data belongs to: the complaint, the travel claim, the
    assistance case; for EstateCare, the policy (a property claim's injured person must be named
    on the policy, EC-IV-1, so claim and policy share the policy's subject and key).

    Keys are looked up once per unit of work. A case without one gets a key minted in memory;
    `seal_keys` stores every key minted for the unit of work in one transaction just before its
    events are stored (a key is always stored before anything encrypted under it). When another
    writer stored a key for the same case first, the events were encrypted under a key that
    will not be kept: `seal_keys` refuses with the store's `IntegrityError`, and the command (or
    file) is handled again on fresh state, as for any concurrent change."""

    def __init__(self, keys: KeyStore) -> None:
        self.keys = keys
        self._uow: UnitOfWork | None = None
        self._known: dict[str, tuple[str, bytes]] = {}
        self._minted: dict[str, tuple[str, bytes]] = {}
        self._ciphers: dict[bytes, tuple[AESGCM, bytes]] = {}

    def protect(self, command: CommandModel, uow: UnitOfWork) -> CommandModel:
        names = personal_fields(type(command))
        values = {name: getattr(command, name) for name in names}
        if not any(v for v in values.values()):
            return command
        subject, key = self._key_for(self.case_of(command, uow), uow)
        ciphers = self._ciphers.get(key)
        if ciphers is None:
            ciphers = self._ciphers[key] = _keys(key)
        return command.model_copy(
            update={name: _encrypted(subject, ciphers, value) for name, value in values.items()}
        )

    def _key_for(self, case: str, uow: UnitOfWork) -> tuple[str, bytes]:
        if uow is not self._uow:  # a new unit of work reads the key store afresh
            self._uow, self._known, self._minted = uow, {}, {}
            self._ciphers.clear()
        if case not in self._known:
            stored = self.keys.stored_key(case)
            if stored is None:
                stored = self._minted[case] = mint_key()
            self._known[case] = stored
        return self._known[case]

    def close(self) -> None:
        self.keys.close()

    def seal_keys(self) -> None:
        """Store the keys minted since the last call (see the class's docstring)."""
        minted, self._minted = self._minted, {}
        stored = self.keys.store_keys(minted)
        for case, key in minted.items():
            if stored.get(case) != key:
                self._uow = None  # nothing encrypted under the lost key may be used again
                raise IntegrityError(f"another writer gave case {case} a data subject first")

    @staticmethod
    def case_of(command: CommandModel, uow: UnitOfWork) -> str:
        if isinstance(command, estatecare.IssuePolicy | estatecare.ReportClaim):
            return command.policy
        if isinstance(command, estatecare.ClaimCommand):
            policy = getattr(uow.find(command.claim), "policy_number", None)
            return policy if isinstance(policy, str) else command.claim
        for name in ("complaint", "case", "claim", "policy"):
            reference = getattr(command, name, None)
            if isinstance(reference, str):
                return reference
        raise TypeError(f"{type(command).__name__} has personal fields but names no case")


def _encrypted(subject: str, ciphers: tuple[AESGCM, bytes], value: Any) -> Any:
    if isinstance(value, str) and not is_encrypted(value):
        return _encrypt(subject, ciphers, value)
    if isinstance(value, list):
        return [_encrypted(subject, ciphers, v) for v in value]
    return value


class Revealer:
    """Clear text for a person who must read it: every encrypted value in a structure is
    decrypted, or reads `[erased]` when its subject's key is gone. Anything else is returned as
    it is (events stored before 0.2 carry clear text)."""

    def __init__(self, keys: KeyStore | None) -> None:
        self.keys = keys
        self._cache: dict[str, bytes | None] = {}

    def reveal(self, value: Any) -> Any:
        if isinstance(value, str):
            return self._text(value) if ENCRYPTED.fullmatch(value) else value
        if isinstance(value, dict):
            return {k: self.reveal(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self.reveal(v) for v in value)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return dataclasses.replace(
                value,
                **{
                    f.name: self.reveal(getattr(value, f.name))
                    for f in dataclasses.fields(value)
                    if f.init
                },
            )
        return value

    def _text(self, value: str) -> str:
        subject = subject_of(value)
        if subject not in self._cache:
            self._cache[subject] = self.keys.key_of(subject) if self.keys else None
        key = self._cache[subject]
        if key is None:
            return ERASED
        try:
            return decrypt(value, key)
        except (InvalidTag, ValueError):
            return ERASED


def erase_subject(ledger: Ledger, keys: KeyStore, subject: str, basis: str, now: datetime) -> str:
    """Crypto-shredding: destroy the subject's key, then record the erasure on its case.

    Returns the case reference. The key goes first: should recording fail, the data is erased
    all the same and `erase` can be run again to record it."""
    found = keys.subject(subject)
    if found.erased_at is None:
        keys.erase(subject, basis)
    context = CommandContext(
        recorded_at=now, correlation_id=f"erase:{subject}", causation_id=f"cli:erase:{subject}"
    )
    ledger.record_erasure(found.case, subject, basis, context)
    return found.case
