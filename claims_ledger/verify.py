"""claims-ledger-verify: check an exported case without the ledger's database.

One file, the Python standard library and the `cryptography` package; nothing of the ledger.
Run it as `claims-ledger-verify PATH`, `python claims_ledger_verify.py PATH` (the copy written
next to an export) or `python -m claims_ledger.verify PATH`. PATH is an export file
(`ledger-export.json`) or a folder holding one.

It re-checks, from the export alone (docs/auditing.md has the formats and every step):
1. the file is the canonical rendering of its content (so no byte of it goes unchecked);
2. the public key is the trusted one (`--key`; else the export's own, which you must compare
   with the key the ledger publishes);
3. the checkpoint (C2SP tlog-checkpoint, signed note, Ed25519) is signed by that key;
4. each event's `hash` is the SHA-256 of the canonical JSON of its envelope, its `prev_hash`
   links it to the previous version of the case (64 zeros for version 1), versions run 1, 2, 3…;
5. each event's leaf (SHA-256(0x00 || hash bytes)) is in the checkpoint's RFC 6962 tree at its
   notification-log index, by its inclusion proof;
6. the export's seal (a signed note over the SHA-256 of its canonical JSON) is signed by the key.

Exit status 0: every check passed. 1: something is wrong; each problem names the event
(version, event type, leaf index) and the field, proof or signature at fault. 2: bad usage.

This deliberately re-implements what the ledger does (canonical JSON, RFC 6962 hashing, C2SP
signed notes) rather than importing it: it is a second, independent implementation, and the
ledger's tests check that both agree.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import re
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

EXPORT_FORMAT = "claims-ledger-export/v1"
EXPORT_FILE_NAME = "ledger-export.json"
VERIFIER_FILE_NAME = "claims_ledger_verify.py"
GENESIS_HASH = "0" * 64
EVENT_ID_NAMESPACE = uuid.UUID("b7d9a1c2-4e5f-5a6b-8c7d-9e0f1a2b3c4d")
HASH_SIZE = 32
ED25519_TYPE = b"\x01"

ENVELOPE_FIELDS = (
    "schema_version",
    "event_id",
    "aggregate_type",
    "aggregate_id",
    "version",
    "event_type",
    "occurred_at",
    "recorded_at",
    "rule_set",
    "payload",
    "correlation_id",
    "causation_id",
    "prev_hash",
    "hash",
)
AGGREGATE_TYPES = ("complaint", "report", "claim", "policy")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_EVENT_TYPE = re.compile(r"[A-Z][A-Za-z0-9]+")
_RULE_SET = re.compile(r"[a-z0-9-]+@[0-9A-Za-z.]+")
_RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)")
_DECIMAL = re.compile(r"0|[1-9][0-9]*")


class VerificationError(ValueError):
    """Something in the export does not check out; the message says what."""


# --- the envelope's seal (domain/envelope.py: canonical_json, chain_hash) -----------------------


def canonical_json(document: Any) -> bytes:
    """Sorted keys, no insignificant white space, UTF-8 (not \\u-escaped), no NaN."""
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def envelope_hash(envelope: dict[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of every field of the envelope but `hash`."""
    return hashlib.sha256(
        canonical_json({k: v for k, v in envelope.items() if k != "hash"})
    ).hexdigest()


# --- RFC 6962 / RFC 9162 Merkle tree --------------------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """RFC 9162 section 2.1.3.2: raise unless `proof` leads from `leaf` at `index` to `root`,
    the root of the tree of `size` leaves."""
    if not 0 <= index < size:
        raise VerificationError(f"leaf index {index} is not in a tree of size {size}")
    if len(leaf) != HASH_SIZE or any(len(p) != HASH_SIZE for p in proof):
        raise VerificationError("a hash in the proof is not 32 bytes long")
    fn, sn, result = index, size - 1, leaf
    for sibling in proof:
        if sn == 0:
            raise VerificationError(f"the proof has more hashes ({len(proof)}) than the path")
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            result = node_hash(result, sibling)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise VerificationError(f"the proof has fewer hashes ({len(proof)}) than the path")
    if result != root:
        raise VerificationError(
            f"the proof leads to root {result.hex()}, not to the checkpoint's {root.hex()}"
        )


# --- C2SP signed notes and checkpoints ------------------------------------------------------------


def b64decode_strict(text: str, what: str) -> bytes:
    """Standard base64 with padding, and nothing else: a string that decodes but is not how
    these bytes are encoded (stray bits in the last character) is refused too."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as error:
        raise VerificationError(f"{what} is not standard base64: {error}") from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise VerificationError(f"{what} is not canonical base64")
    return raw


def key_id(name: str, public_key: bytes) -> bytes:
    """C2SP signed-note key ID: SHA-256(key name || 0x0A || 0x01 || public key)[:4]."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + ED25519_TYPE + public_key).digest()[:4]


def _check_key_name(name: str, what: str) -> None:
    if not name or any(c.isspace() or c == "+" for c in name):
        raise VerificationError(f"{what} {name!r} is empty or holds a space or a '+'")


@dataclass(frozen=True)
class PublicKey:
    """An Ed25519 note verifier key: `<name>+<hex key id>+<base64(0x01 || key)>` (C2SP vkey)."""

    name: str
    key_id: bytes
    key: bytes

    @classmethod
    def parse(cls, vkey: str) -> PublicKey:
        parts = vkey.strip().split("+", 2)
        if len(parts) != 3:
            raise VerificationError(
                f"public key {vkey!r} is not a vkey <name>+<key id>+<base64 key>"
            )
        name, hex_id, encoded = parts
        _check_key_name(name, "the public key's name")
        if not re.fullmatch(r"[0-9a-f]{8}", hex_id):
            raise VerificationError(f"the public key's id {hex_id!r} is not 8 lowercase hex digits")
        raw = b64decode_strict(encoded, "the public key")
        if len(raw) != 1 + HASH_SIZE or raw[:1] != ED25519_TYPE:
            raise VerificationError(
                "the public key is not an Ed25519 key (type byte 0x01 and 32 bytes)"
            )
        if key_id(name, raw[1:]) != bytes.fromhex(hex_id):
            raise VerificationError(
                f"the public key's id {hex_id} is not the one its name and key give "
                f"({key_id(name, raw[1:]).hex()})"
            )
        return cls(name=name, key_id=bytes.fromhex(hex_id), key=raw[1:])

    def vkey(self) -> str:
        encoded = base64.b64encode(ED25519_TYPE + self.key).decode("ascii")
        return f"{self.name}+{self.key_id.hex()}+{encoded}"


def verify_note(note: str, key: PublicKey, what: str) -> str:
    """Check a C2SP signed note and return its text (the part that is signed).

    Raises unless the note is well formed and carries a valid signature by `key`; signatures
    by other keys are ignored, as the spec says, but one by `key` that fails rejects the note.
    """
    if any(c < " " and c != "\n" for c in note):
        raise VerificationError(f"{what} holds a control character")
    if not note.endswith("\n"):
        raise VerificationError(f"{what} does not end with a newline")
    split = note.rfind("\n\n")
    if split < 0:
        raise VerificationError(f"{what} has no blank line before its signatures")
    text, signature_block = note[: split + 1], note[split + 2 :]
    found = False
    # split on newlines only: a note may hold other Unicode line separators
    for number, line in enumerate(signature_block[:-1].split("\n"), start=1):
        match = re.fullmatch(r"\u2014 (\S+) (\S+)", line)
        if not match:
            raise VerificationError(
                f"{what}: signature line {number} is not '\u2014 <key name> <base64>'"
            )
        name, encoded = match.groups()
        _check_key_name(name, f"{what}: the key name of signature line {number}")
        raw = b64decode_strict(encoded, f"{what}: signature line {number}")
        if len(raw) < 5:
            raise VerificationError(f"{what}: signature line {number} is too short")
        if name != key.name or raw[:4] != key.key_id:
            continue  # another key's signature (a witness, a rotated key): not ours to judge
        try:
            Ed25519PublicKey.from_public_bytes(key.key).verify(raw[4:], text.encode("utf-8"))
        except InvalidSignature:
            raise VerificationError(
                f"{what}: the signature by {key.name} does not verify: the signed text or the "
                "signature was altered"
            ) from None
        found = True
    if not found:
        raise VerificationError(f"{what} carries no signature by {key.name} ({key.key_id.hex()})")
    return text


@dataclass(frozen=True)
class Checkpoint:
    """C2SP tlog-checkpoint: origin, tree size, root hash, extension lines (ours: `time`)."""

    origin: str
    size: int
    root: bytes
    time: str | None

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        lines = text.split("\n")[:-1]
        if len(lines) < 3 or not all(lines):
            raise VerificationError(
                "the checkpoint text is not origin, tree size and root hash lines, then "
                "optional non-empty extension lines"
            )
        origin, size, root, *extensions = lines
        if not _DECIMAL.fullmatch(size):
            raise VerificationError(f"the checkpoint's tree size {size!r} is not a decimal number")
        raw_root = b64decode_strict(root, "the checkpoint's root hash")
        if len(raw_root) != HASH_SIZE:
            raise VerificationError("the checkpoint's root hash is not 32 bytes")
        times = [line[5:] for line in extensions if line.startswith("time ")]
        if len(times) > 1:
            raise VerificationError("the checkpoint has more than one time line")
        if times and not _is_rfc3339(times[0]):
            raise VerificationError(f"the checkpoint's time {times[0]!r} is not RFC 3339")
        return cls(origin=origin, size=int(size), root=raw_root, time=times[0] if times else None)


def _is_rfc3339(value: str) -> bool:
    if not _RFC3339.fullmatch(value):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


# --- the export -----------------------------------------------------------------------------------


def render_export(export: dict[str, Any]) -> bytes:
    """The one byte sequence an export's content is written as (2-space indent, sorted keys)."""
    return (json.dumps(export, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def seal_text(export: dict[str, Any]) -> str:
    """The text the export's seal signs: format line and SHA-256 of everything but the seal."""
    digest = hashlib.sha256(canonical_json({k: v for k, v in export.items() if k != "seal"}))
    return f"{EXPORT_FORMAT}\nsha256 {digest.hexdigest()}\n"


@dataclass
class Report:
    """What was checked: `passed` lines, and `problems`, each naming what is wrong."""

    passed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.passed)

    def check(self, ok_line: str, problem: str | None) -> None:
        if problem is None:
            self.passed.append(ok_line)
        else:
            self.problems.append(problem)


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise VerificationError(f"key {key!r} appears twice in one object")
        document[key] = value
    return document


def _reject_constant(name: str) -> Any:
    raise VerificationError(f"{name} is not a JSON number")


def _load(data: bytes) -> dict[str, Any]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise VerificationError(f"the file is not UTF-8 (byte {error.start})") from None
    try:
        document = json.loads(
            text, object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant
        )
    except json.JSONDecodeError as error:
        raise VerificationError(
            f"the file is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from None
    if not isinstance(document, dict):
        raise VerificationError("the file is not a JSON object")
    return document


def _first_difference(a: bytes, b: bytes) -> str:
    position = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
    line = a[:position].count(b"\n") + 1
    return f"byte {position} (line {line})"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _envelope_problem(envelope: Any) -> str | None:
    """The first field of `envelope` that is missing, unknown or not of its published form."""
    if not isinstance(envelope, dict):
        return "the envelope is not a JSON object"
    missing = [f for f in ENVELOPE_FIELDS if f not in envelope]
    unknown = sorted(set(envelope) - set(ENVELOPE_FIELDS))
    if missing or unknown:
        return f"envelope fields missing {missing}, unknown {unknown}"
    checks: list[tuple[str, bool, str]] = [
        ("schema_version", envelope["schema_version"] == 1, "1"),
        ("event_id", _is_uuid(envelope["event_id"]), "a UUID"),
        ("aggregate_type", envelope["aggregate_type"] in AGGREGATE_TYPES, str(AGGREGATE_TYPES)),
        ("aggregate_id", _is_uuid(envelope["aggregate_id"]), "a UUID"),
        ("version", _is_int(envelope["version"]) and envelope["version"] >= 1, "an integer >= 1"),
        ("event_type", _matches(_EVENT_TYPE, envelope["event_type"]), "a CamelCase name"),
        ("occurred_at", _is_time(envelope["occurred_at"]), "an RFC 3339 time with offset"),
        ("recorded_at", _is_time(envelope["recorded_at"]), "an RFC 3339 time with offset"),
        (
            "rule_set",
            envelope["rule_set"] is None or _matches(_RULE_SET, envelope["rule_set"]),
            "null or id@version",
        ),
        ("payload", isinstance(envelope["payload"], dict), "a JSON object"),
        ("correlation_id", _nonempty(envelope["correlation_id"]), "a non-empty string"),
        ("causation_id", _nonempty(envelope["causation_id"]), "a non-empty string"),
        ("prev_hash", _matches(_HEX64, envelope["prev_hash"]), "64 lowercase hex digits"),
        ("hash", _matches(_HEX64, envelope["hash"]), "64 lowercase hex digits"),
    ]
    for name, ok, accepted in checks:
        if not ok:
            return f"field {name} is {envelope[name]!r}, not {accepted}"
    return None


def _is_uuid(value: Any) -> bool:
    try:
        return isinstance(value, str) and str(uuid.UUID(value)) == value
    except ValueError:
        return False


def _is_time(value: Any) -> bool:
    return isinstance(value, str) and _is_rfc3339(value)


def _matches(pattern: re.Pattern[str], value: Any) -> bool:
    return isinstance(value, str) and pattern.fullmatch(value) is not None


def _nonempty(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def _proof_hashes(proof: Any) -> list[bytes]:
    if not isinstance(proof, list) or not all(isinstance(p, str) for p in proof):
        raise VerificationError("inclusion_proof is not a list of base64 strings")
    hashes = [b64decode_strict(p, f"inclusion_proof[{i}]") for i, p in enumerate(proof)]
    for i, h in enumerate(hashes):
        if len(h) != HASH_SIZE:
            raise VerificationError(f"inclusion_proof[{i}] is not a 32-byte hash")
    return hashes


TOP_LEVEL_REQUIRED = ("format", "case", "checkpoint", "public_key", "events", "seal")
TOP_LEVEL_OPTIONAL = ("derived",)


def verify_export(data: bytes, trusted_key: str | None = None) -> Report:
    """Check an export (the file's bytes); `trusted_key` is the ledger's published vkey."""
    report = Report()
    try:
        export = _load(data)
    except VerificationError as error:
        report.problems.append(f"file: {error}")
        return report

    # 1. layout: the file must be exactly the rendering of its content
    canonical = render_export(export)
    report.check(
        "layout: the file is the canonical rendering of its content",
        None
        if canonical == data
        else "layout: the file differs from the canonical rendering of its content at "
        + _first_difference(data, canonical),
    )

    missing = [k for k in TOP_LEVEL_REQUIRED if k not in export]
    unknown = sorted(set(export) - set(TOP_LEVEL_REQUIRED) - set(TOP_LEVEL_OPTIONAL))
    if missing or unknown:
        report.problems.append(f"export: keys missing {missing}, unknown {unknown}")
        return report
    if export["format"] != EXPORT_FORMAT:
        report.problems.append(f"export: format is {export['format']!r}, not {EXPORT_FORMAT!r}")
        return report

    # 2. the key
    key = _check_key(export["public_key"], trusted_key, report)
    if key is None:
        return report

    # 3. the checkpoint
    checkpoint = _check_checkpoint(export["checkpoint"], key, report)

    # 4, 5. the events
    _check_events(export, checkpoint, report)

    # 6. the seal
    seal = export["seal"]
    try:
        if not isinstance(seal, str):
            raise VerificationError("the seal is not a string")
        signed = verify_note(seal, key, "seal")
        expected = seal_text(export)
        if signed != expected:
            raise VerificationError(
                "the content differs from what the ledger sealed: "
                f"sealed {signed.splitlines()[-1]!r}, the content gives "
                f"{expected.splitlines()[-1]!r}"
            )
        report.passed.append(f"seal: the whole export is as {key.name} signed it")
    except VerificationError as error:
        report.problems.append(f"seal: {error}")
    return report


def _check_key(vkey: Any, trusted_key: str | None, report: Report) -> PublicKey | None:
    try:
        if not isinstance(vkey, str):
            raise VerificationError("public_key is not a string")
        exported = PublicKey.parse(vkey)
        if trusted_key is None:
            report.notes.append(
                f"public key {exported.vkey()} is the export's own: compare it with the key "
                "the ledger publishes, or pass that key with --key"
            )
            return exported
        trusted = PublicKey.parse(trusted_key)
    except VerificationError as error:
        report.problems.append(f"public_key: {error}")
        return None
    if trusted != exported:
        report.problems.append(
            f"public_key: the export names key {exported.vkey()}, not the trusted {trusted.vkey()}"
        )
    else:
        report.passed.append(f"public key: the export's key is the trusted key {trusted.vkey()}")
    return trusted


def _check_checkpoint(note: Any, key: PublicKey, report: Report) -> Checkpoint | None:
    try:
        if not isinstance(note, str):
            raise VerificationError("the checkpoint is not a string")
        # Parse before the signature, so a malformed checkpoint says what is malformed.
        text = note[: note.rfind("\n\n") + 1] if "\n\n" in note else note
        checkpoint = Checkpoint.parse(text)
    except VerificationError as error:
        report.problems.append(f"checkpoint: {error}")
        return None
    try:
        verify_note(note, key, "checkpoint")
    except VerificationError as error:
        report.problems.append(f"checkpoint: {error}")
    else:
        report.passed.append(
            f"checkpoint: signed by {key.name} (Ed25519, key id {key.key_id.hex()}); origin "
            f"{checkpoint.origin}, tree size {checkpoint.size}, root {checkpoint.root.hex()}, "
            f"time {checkpoint.time or '(none)'}"
        )
    return checkpoint


def _check_events(export: dict[str, Any], checkpoint: Checkpoint | None, report: Report) -> None:
    case, events = export["case"], export["events"]
    if (
        not isinstance(case, dict)
        or sorted(case) != ["aggregate_id", "aggregate_type"]
        or not all(isinstance(v, str) for v in case.values())
    ):
        report.problems.append("case: not an object of aggregate_type and aggregate_id")
        return
    if not isinstance(events, list) or not events:
        report.problems.append("events: not a non-empty list")
        return
    previous: dict[str, Any] | None = None
    previous_hashes: set[str] = set()
    previous_leaf = -1
    for position, item in enumerate(events):
        label = f"event #{position + 1}"
        if not isinstance(item, dict) or sorted(item) != [
            "envelope",
            "inclusion_proof",
            "leaf_index",
        ]:
            report.problems.append(f"{label}: not an object of leaf_index, envelope, proof")
            continue
        envelope, leaf_index = item["envelope"], item["leaf_index"]
        if isinstance(envelope, dict) and _is_int(envelope.get("version")):
            label = f"event v{envelope['version']}"
            if isinstance(envelope.get("event_type"), str):
                label += f" {envelope['event_type']}"
        label += f" (leaf {leaf_index})"
        problem = _envelope_problem(envelope)
        if problem is not None:
            report.problems.append(f"{label}: {problem}")
            previous, previous_hashes = None, set()
            continue
        problems = _identity_problems(envelope, case, position, previous, previous_hashes)
        recomputed = envelope_hash(envelope)
        problems += _inclusion_problems(
            item, recomputed, envelope["hash"], checkpoint, previous_leaf
        )
        if recomputed != envelope["hash"] and not any("was altered" in p for p in problems):
            problems.append(
                f"field hash is {envelope['hash']}, but the envelope hashes to {recomputed}"
            )
        for problem in problems:
            report.problems.append(f"{label}: {problem}")
        if not problems:
            report.passed.append(
                f"{label}: hash recomputed, linked to "
                + ("genesis" if envelope["version"] == 1 else f"v{envelope['version'] - 1}")
                + (f", included in the tree of size {checkpoint.size}" if checkpoint else "")
            )
        previous, previous_hashes = envelope, {envelope["hash"], recomputed}
        if _is_int(leaf_index):
            previous_leaf = leaf_index


def _identity_problems(
    envelope: dict[str, Any],
    case: dict[str, str],
    position: int,
    previous: dict[str, Any] | None,
    previous_hashes: set[str],
) -> list[str]:
    problems = []
    for name in ("aggregate_type", "aggregate_id"):
        if envelope[name] != case[name]:
            problems.append(f"field {name} is {envelope[name]!r}, the case's is {case[name]!r}")
    if envelope["version"] != position + 1:
        problems.append(
            f"field version is {envelope['version']}, but it is event {position + 1} of the "
            "case: versions must run 1, 2, 3… with none missing, repeated or out of order"
        )
    expected_id = str(
        uuid.uuid5(EVENT_ID_NAMESPACE, f"{envelope['aggregate_id']}:{envelope['version']}")
    )
    if envelope["event_id"] != expected_id:
        problems.append(
            f"field event_id is {envelope['event_id']}, not {expected_id} (uuid5 of aggregate "
            "id and version)"
        )
    if position == 0:
        if envelope["prev_hash"] != GENESIS_HASH:
            problems.append("field prev_hash of the case's first event is not 64 zeros (genesis)")
    elif previous is not None and envelope["prev_hash"] not in previous_hashes:
        problems.append(
            f"field prev_hash {envelope['prev_hash']} does not link to the previous event "
            f"(v{previous['version']}, hash {previous['hash']})"
        )
    return problems


def _inclusion_problems(
    item: dict[str, Any],
    recomputed: str,
    stored: str,
    checkpoint: Checkpoint | None,
    previous_leaf: int,
) -> list[str]:
    leaf_index = item["leaf_index"]
    if not _is_int(leaf_index) or leaf_index < 0:
        return [f"leaf_index {leaf_index!r} is not a notification-log index (an integer >= 0)"]
    problems = []
    if leaf_index <= previous_leaf:
        problems.append(
            f"leaf_index {leaf_index} is not after the previous event's ({previous_leaf}): a "
            "later version is stored later in the log"
        )
    try:
        proof = _proof_hashes(item["inclusion_proof"])
    except VerificationError as error:
        return [*problems, str(error)]
    if checkpoint is None:
        return [*problems, "no checkpoint to check the inclusion proof against"]

    def included(sealed: str) -> VerificationError | None:
        try:
            verify_inclusion(
                leaf_index,
                checkpoint.size,
                leaf_hash(bytes.fromhex(sealed)),
                proof,
                checkpoint.root,
            )
        except VerificationError as error:
            return error
        return None

    failure = included(recomputed)
    if failure is None:
        if stored != recomputed:
            problems.append(
                f"field hash was altered: it is {stored}, but the envelope hashes to "
                f"{recomputed}, which is the one in the signed tree"
            )
        return problems
    if stored != recomputed and included(stored) is None:
        problems.append(
            f"the envelope was altered after it was sealed: it hashes to {recomputed}, but "
            f"its sealed hash {stored} is the one in the signed tree"
        )
        return problems
    problems.append(
        f"inclusion proof does not show the event at leaf {leaf_index} of the checkpoint's "
        f"tree (leaf_index or inclusion_proof altered, or the event is not in the log): {failure}"
    )
    return problems


# --- command line ---------------------------------------------------------------------------------


def copy_to(folder: Path) -> Path:
    """Write this verifier, unchanged, into `folder` as claims_ledger_verify.py (next to an
    export), so an auditor needs nothing else but Python and `cryptography`."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / VERIFIER_FILE_NAME
    target.write_bytes(Path(__file__).read_bytes())
    return target


def _read_key_option(value: str | None) -> str | None:
    if value is None:
        return None
    path = Path(value)
    if "+" not in value and path.is_file():
        return path.read_text(encoding="utf-8").strip()
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="claims-ledger-verify",
        description="Check an exported claims-ledger case: seals, hash chain, Merkle inclusion "
        "proofs and signed checkpoint. Exit 0 when all hold, 1 naming what does not.",
    )
    parser.add_argument(
        "path", type=Path, help=f"an export file, or a folder with {EXPORT_FILE_NAME}"
    )
    parser.add_argument(
        "--key",
        help="the ledger's published public key (vkey), or a file holding it; without it, the "
        "export's own key is used and shown for you to compare",
    )
    options = parser.parse_args(argv)
    path: Path = options.path
    if path.is_dir():
        path = path / EXPORT_FILE_NAME
    try:
        data = path.read_bytes()
        trusted = _read_key_option(options.key)
    except OSError as error:
        print(
            f"claims-ledger-verify: cannot read {error.filename}: {error.strerror}", file=sys.stderr
        )
        return 2
    report = verify_export(data, trusted)
    print(f"claims-ledger-verify {path}")
    for line in report.passed:
        print(f"  ok    {line}")
    for line in report.notes:
        print(f"  note  {line}")
    for line in report.problems:
        print(f"  FAIL  {line}")
    if report.ok:
        print(f"verified: {len(report.passed)} checks passed")
        return 0
    print(f"NOT verified: {len(report.problems)} problem(s)")
    return 1


if __name__ == "__main__":
    sys.exit(main())
