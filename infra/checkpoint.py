"""Signed checkpoints: the C2SP tlog-checkpoint format, signed as a C2SP signed note (Ed25519).

A checkpoint commits to the whole notification log as it stood: its origin (which ledger), tree
size (how many events), and the RFC 6962 root hash of those events' leaves (domain/merkle.py),
plus one extension line of ours, `time <RFC 3339 UTC>`, when the ledger signed it:

    claims-ledger.example/id-ins-01
    195
    kRz0ljD4nRtn0C3uUBN5yY0oTfqRq1dcy5b7Kmq3W8s=
    time 2026-11-22T08:00:00Z

    — claims-ledger.example/id-ins-01 Az3grlgtzPI…

The signature line is `— <key name> base64(key ID || Ed25519 signature of the text above the
blank line)`, the key ID being SHA-256(key name || 0x0A || 0x01 || public key)[:4]. The public
key is published as a C2SP vkey, `<key name>+<hex key ID>+base64(0x01 || public key)`, so that
any note verifier (Go's golang.org/x/mod/sumdb/note, sigsum, our claims-ledger-verify) checks it.

Specs: https://c2sp.org/tlog-checkpoint, https://c2sp.org/signed-note (read at C2SP/C2SP
commit 5ba5ee830903e91240fc6f9f3a7a9293d49e69c9).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from nacl.signing import SigningKey
from pydantic import SecretStr

from claims_ledger.domain.errors import LedgerError
from claims_ledger.domain.merkle import HASH_SIZE

ED25519 = 0x01
"""The signed-note signature type byte of Ed25519."""
SIGNATURE_DASH = "\u2014"
MAX_SIGNATURES = 64
"""The spec asks verifiers to accept at least 16 signatures and to bound them."""
TIME_EXTENSION = "time "

_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


class CheckpointError(LedgerError):
    """A checkpoint, note, key or signature is malformed or does not verify; the message names
    which part and what was expected."""


class OriginMismatch(CheckpointError):
    """A checkpoint of another log (or of this one under another name)."""

    def __init__(self, message: str, *, found: str) -> None:
        super().__init__(message)
        self.found = found


def _b64decode(text: str, what: str) -> bytes:
    """Standard base64; refuses anything that is not exactly how those bytes encode."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise CheckpointError(f"{what} is not standard base64: {text!r}") from None
    if _b64(raw) != text:
        raise CheckpointError(f"{what} is not canonical base64 (stray bits): {text!r}")
    return raw


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def check_key_name(name: str) -> str:
    """Key names are non-empty, without Unicode spaces or '+' (signed-note)."""
    if not name or any(c.isspace() or c == "+" for c in name) or not name.isprintable():
        raise CheckpointError(
            f"key name {name!r} must be non-empty, printable, without spaces or '+' "
            "(e.g. claims-ledger.example/id-ins-01)"
        )
    return name


def key_id(name: str, public_key: bytes) -> bytes:
    """SHA-256(key name || 0x0A || 0x01 || 32-byte Ed25519 public key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + public_key).digest()[:4]


# --- the checkpoint body ---------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """The note text of a checkpoint. `time` is kept to the second, in UTC."""

    origin: str
    size: int
    root_hash: bytes
    time: datetime | None = None
    extensions: tuple[str, ...] = ()
    """Extension lines other than `time`, kept verbatim (they are signed too)."""

    def __post_init__(self) -> None:
        if not self.origin or not self.origin.isprintable():
            raise CheckpointError(f"origin {self.origin!r} must be a non-empty printable line")
        if self.size < 0:
            raise CheckpointError(f"tree size {self.size} cannot be negative")
        if len(self.root_hash) != HASH_SIZE:
            raise CheckpointError(f"root hash must be {HASH_SIZE} bytes, got {len(self.root_hash)}")
        if self.time is not None:
            if self.time.tzinfo is None:
                raise CheckpointError(f"checkpoint time {self.time} has no time zone")
            object.__setattr__(self, "time", self.time.astimezone(UTC).replace(microsecond=0))
        for line in self.extensions:
            if not line or not line.isprintable() or line.startswith(TIME_EXTENSION):
                raise CheckpointError(
                    f"extension line {line!r} must be a non-empty printable line, not a "
                    "second time line"
                )

    def text(self) -> str:
        lines = [self.origin, str(self.size), _b64(self.root_hash)]
        if self.time is not None:
            lines.append(TIME_EXTENSION + self.time.strftime("%Y-%m-%dT%H:%M:%SZ"))
        lines.extend(self.extensions)
        return "\n".join(lines) + "\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Read a checkpoint's note text (without signatures); refuses any malformation."""
        if not text.endswith("\n"):
            raise CheckpointError("checkpoint text must end with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise CheckpointError(
                f"checkpoint text has {len(lines)} line(s); it needs origin, tree size and "
                "root hash"
            )
        origin, size, root, *extensions = lines
        for number, line in enumerate(lines, start=1):
            if not line:
                raise CheckpointError(f"checkpoint line {number} is empty")
        if not _DECIMAL.fullmatch(size):
            raise CheckpointError(
                f"checkpoint tree size {size!r} is not a decimal number without leading zeros"
            )
        root_hash = _b64decode(root, "checkpoint root hash")
        if len(root_hash) != HASH_SIZE:
            raise CheckpointError(
                f"checkpoint root hash is {len(root_hash)} bytes; a SHA-256 hash is {HASH_SIZE}"
            )
        times = [line for line in extensions if line.startswith(TIME_EXTENSION)]
        if len(times) > 1:
            raise CheckpointError("checkpoint has more than one time line")
        time = None
        if times:
            value = times[0][len(TIME_EXTENSION) :]
            if not _TIME.fullmatch(value):
                raise CheckpointError(
                    f"checkpoint time {value!r} is not RFC 3339 UTC to the second, "
                    "e.g. 2026-11-22T08:00:00Z"
                )
            try:
                time = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            except ValueError:
                raise CheckpointError(f"checkpoint time {value!r} is not a real time") from None
        others = tuple(line for line in extensions if not line.startswith(TIME_EXTENSION))
        return cls(origin=origin, size=int(size), root_hash=root_hash, time=time, extensions=others)


# --- signed notes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NoteSignature:
    key_name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        return f"{SIGNATURE_DASH} {self.key_name} {_b64(self.key_id + self.signature)}\n"


@dataclass(frozen=True)
class SignedNote:
    text: str
    """The signed text: everything before the last blank line, its final newline included."""
    signatures: tuple[NoteSignature, ...]

    @classmethod
    def parse(cls, note: str) -> SignedNote:
        """Split a signed note into its text and signature lines; refuses any malformation."""
        for position, char in enumerate(note):
            if char < " " and char != "\n":
                raise CheckpointError(
                    f"signed note holds control character {char!r} at position {position}"
                )
        if not note.endswith("\n"):
            raise CheckpointError("signed note must end with a newline")
        split = note.rfind("\n\n")
        if split < 0:
            raise CheckpointError("signed note has no blank line between its text and signatures")
        text, block = note[: split + 1], note[split + 2 :]
        lines = block[:-1].split("\n") if block else []
        if not lines:
            raise CheckpointError("signed note has no signature line after its blank line")
        if len(lines) > MAX_SIGNATURES:
            raise CheckpointError(
                f"signed note has {len(lines)} signatures; at most {MAX_SIGNATURES}"
            )
        signatures = []
        for number, line in enumerate(lines, start=1):
            parts = line.split(" ")
            if len(parts) != 3 or parts[0] != SIGNATURE_DASH:
                raise CheckpointError(
                    f"signature line {number} {line!r} is not "
                    f"'{SIGNATURE_DASH} <key name> <base64 key ID and signature>'"
                )
            name = check_key_name(parts[1])
            raw = _b64decode(parts[2], f"signature line {number}")
            if len(raw) < 5:
                raise CheckpointError(f"signature line {number} is {len(raw)} bytes; too short")
            signatures.append(NoteSignature(name, raw[:4], raw[4:]))
        return cls(text=text, signatures=tuple(signatures))

    def render(self) -> str:
        return self.text + "\n" + "".join(s.line() for s in self.signatures)


# --- keys -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoteVerifier:
    """A public key and its name: checks notes and checkpoints signed by it."""

    name: str
    public_key: bytes

    def __post_init__(self) -> None:
        check_key_name(self.name)
        if len(self.public_key) != 32:
            raise CheckpointError(f"an Ed25519 public key is 32 bytes, got {len(self.public_key)}")

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public_key)

    @property
    def vkey(self) -> str:
        """C2SP verifier key: `<name>+<hex key ID>+base64(0x01 || public key)`."""
        return f"{self.name}+{self.key_id.hex()}+{_b64(bytes([ED25519]) + self.public_key)}"

    @classmethod
    def from_vkey(cls, vkey: str) -> NoteVerifier:
        parts = vkey.strip().split("+", 2)
        if len(parts) != 3:
            raise CheckpointError(f"vkey {vkey!r} is not <key name>+<hex key ID>+<base64 key>")
        name, hex_id, encoded = parts
        if not re.fullmatch(r"[0-9a-f]{8}", hex_id):
            raise CheckpointError(f"vkey key ID {hex_id!r} is not 8 lowercase hex digits")
        raw = _b64decode(encoded, "vkey public key")
        if len(raw) != 33 or raw[0] != ED25519:
            raise CheckpointError(
                "vkey public key is not an Ed25519 key (type byte 0x01 then 32 bytes)"
            )
        verifier = cls(name=name, public_key=raw[1:])
        if verifier.key_id.hex() != hex_id:
            raise CheckpointError(
                f"vkey key ID {hex_id} does not match its name and key "
                f"(expected {verifier.key_id.hex()})"
            )
        return verifier

    @classmethod
    def from_public_pem(cls, name: str, pem: bytes) -> NoteVerifier:
        try:
            key = serialization.load_pem_public_key(pem)
        except (ValueError, UnsupportedAlgorithm) as error:
            raise CheckpointError(f"not a PEM public key: {error}") from None
        if not isinstance(key, Ed25519PublicKey):
            raise CheckpointError(f"the PEM public key is {type(key).__name__}, not Ed25519")
        return cls(name=name, public_key=key.public_bytes_raw())

    def public_pem(self) -> bytes:
        return Ed25519PublicKey.from_public_bytes(self.public_key).public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def verify_note(self, note: str) -> str:
        """The note's text, once a signature by this key verifies over it.

        Signatures by other keys (witnesses, a rotated key) are ignored, as the spec says; one
        that claims to be by this key (same name and key ID) and fails rejects the note.
        """
        signed = SignedNote.parse(note)
        ours = [s for s in signed.signatures if s.key_name == self.name and s.key_id == self.key_id]
        if not ours:
            raise CheckpointError(
                f"signed note carries no signature by {self.name} (key ID {self.key_id.hex()}); "
                f"it is signed by {', '.join(s.key_name for s in signed.signatures)}"
            )
        public = Ed25519PublicKey.from_public_bytes(self.public_key)
        for signature in ours:
            try:
                public.verify(signature.signature, signed.text.encode())
            except InvalidSignature:
                raise CheckpointError(
                    f"the signature by {self.name} does not verify over the note text: the text "
                    "or the signature was altered"
                ) from None
        return signed.text

    def verify_checkpoint(self, note: str, *, origin: str | None = None) -> Checkpoint:
        """Parse and verify a signed checkpoint; `origin`, if given, must be its origin."""
        # A malformed checkpoint is named as such before any signature is checked.
        checkpoint = Checkpoint.parse(SignedNote.parse(note).text)
        if origin is not None and checkpoint.origin != origin:
            raise OriginMismatch(
                f"checkpoint origin is {checkpoint.origin!r}, expected {origin!r}",
                found=checkpoint.origin,
            )
        self.verify_note(note)
        return checkpoint


class CheckpointSigner:
    """An Ed25519 private key and its name: signs checkpoints. Keep it out of the data folder."""

    __slots__ = ("_private", "_sodium", "name")

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        self.name = check_key_name(name)
        self._private = private_key
        # The same key in libsodium, for the relay's message signatures (one per event):
        # 21 µs a signature here against 35 µs through `cryptography`, the same bytes.
        self._sodium = SigningKey(private_key.private_bytes_raw())

    def __repr__(self) -> str:  # never the key itself
        return f"CheckpointSigner({self.name!r}, key ID {self.verifier.key_id.hex()})"

    @classmethod
    def generate(cls, name: str) -> CheckpointSigner:
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, name: str, seed: SecretStr | str) -> CheckpointSigner:
        """From a setting: the 32-byte Ed25519 seed (RFC 8032 private key), base64."""
        secret = seed.get_secret_value() if isinstance(seed, SecretStr) else seed
        try:
            raw = base64.b64decode(secret.strip().encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError):
            raise CheckpointError(
                "the checkpoint signing key setting is not base64 (a 32-byte Ed25519 seed)"
            ) from None
        if len(raw) != 32:
            raise CheckpointError(
                f"the checkpoint signing key setting decodes to {len(raw)} bytes; an Ed25519 "
                "seed is 32"
            )
        return cls(name, Ed25519PrivateKey.from_private_bytes(raw))

    @classmethod
    def from_pem(cls, name: str, pem: bytes, password: bytes | None = None) -> CheckpointSigner:
        """From a PKCS#8 PEM private key (as `openssl genpkey -algorithm ed25519` writes)."""
        try:
            key = serialization.load_pem_private_key(pem, password=password)
        except (ValueError, TypeError, UnsupportedAlgorithm) as error:
            raise CheckpointError(f"not a usable PEM private key: {error}") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise CheckpointError(f"the PEM private key is {type(key).__name__}, not Ed25519")
        return cls(name, key)

    @classmethod
    def from_pem_file(
        cls, name: str, path: Path, password: bytes | None = None
    ) -> CheckpointSigner:
        try:
            pem = path.read_bytes()
        except OSError as error:
            raise CheckpointError(f"cannot read key file {path}: {error.strerror}") from None
        return cls.from_pem(name, pem, password)

    @property
    def verifier(self) -> NoteVerifier:
        return NoteVerifier(self.name, self._private.public_key().public_bytes_raw())

    @property
    def vkey(self) -> str:
        return self.verifier.vkey

    def seed(self) -> SecretStr:
        """The base64 seed, for a secret setting (`from_seed` reads it back)."""
        return SecretStr(_b64(self._private.private_bytes_raw()))

    def private_pem(self) -> bytes:
        return self._private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def write_private_pem(self, path: Path, *, exclusive: bool = False) -> bool:
        """Write the private key, readable by its owner only, atomically. `exclusive`: only if
        no key file is there yet (two processes generating one at once keep the first);
        returns False when another key was there first."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(self.private_pem())
            if not exclusive:
                os.replace(temporary, path)
                return True
            try:
                os.link(temporary, path)
            except FileExistsError:
                return False
            return True
        finally:
            Path(temporary).unlink(missing_ok=True)

    def sign_bytes(self, data: bytes) -> bytes:
        """A raw Ed25519 signature of `data` (the relay's message signatures use it, with
        their own domain-separation prefix: infra/message_signing.py)."""
        return self._sodium.sign(data).signature

    def sign_note(self, text: str) -> str:
        """A signed note of `text` (which must end with a newline) with one signature."""
        if not text.endswith("\n") or any(c < " " and c != "\n" for c in text):
            raise CheckpointError(
                "note text must end with a newline and hold no control character but newlines"
            )
        signature = NoteSignature(
            self.name, self.verifier.key_id, self._private.sign(text.encode())
        )
        return SignedNote(text, (signature,)).render()

    def sign(self, checkpoint: Checkpoint) -> str:
        """The signed checkpoint, as published and appended to the checkpoint file."""
        return self.sign_note(checkpoint.text())
