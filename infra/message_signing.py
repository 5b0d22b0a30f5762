"""Signed messages: only the ledger's own relay writes events consumers apply.

The relay signs each published event's seal (its envelope `hash`, which covers the aggregate id,
the version, the payload and `prev_hash`) with the ledger's Ed25519 signing key, the key that
signs checkpoints (LEDGER_SIGNING_KEY / LEDGER_SIGNING_KEY_FILE, or the demo key generated in the
data folder). The signed bytes are a domain-separation prefix and the hash, so a message
signature can never be taken for a checkpoint signature or the other way round:

    b"claims-ledger event seal v1\\n" + hash (64 lowercase hex digits, ASCII)

Headers of every event message (Kafka header values are bytes):

    ledger.signature   the 64-byte Ed25519 signature, raw
    ledger.key_id      the 4-byte C2SP key ID of the signing key (as in checkpoint signatures)
    ledger.epoch       the relay's log epoch, ASCII decimal: raised each time the relay finds a
                       topic lost messages (the embedded broker restarted, a topic was deleted)
                       and republishes from the store; a consumer seeing a higher epoch than it
                       stored for a partition knows the log was replaced and rereads it from the
                       earliest offset, deduplicating by (aggregate id, version).

A consumer applies a message only when its signature verifies against the configured public key
(LEDGER_PUBLIC_KEY, default the public half of the signing key); anything else goes to the
dead-letter topic with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence

from nacl.exceptions import CryptoError
from nacl.signing import VerifyKey

from claims_ledger.infra.checkpoint import CheckpointSigner, NoteVerifier
from claims_ledger.infra.settings import EVENTS_FILE, Settings

SIGNATURE_HEADER = "ledger.signature"
KEY_ID_HEADER = "ledger.key_id"
EPOCH_HEADER = "ledger.epoch"
SIGNED_PREFIX = b"claims-ledger event seal v1\n"

Headers = Sequence[tuple[str, bytes]]


def signed_bytes(seal_hash: str) -> bytes:
    return SIGNED_PREFIX + seal_hash.encode("ascii")


class MessageSigner:
    """Signs the seals of the events the relay publishes."""

    def __init__(self, key: CheckpointSigner) -> None:
        self._key = key
        self.key_id = key.verifier.key_id

    def headers(self, seal_hash: str, epoch: int) -> list[tuple[str, bytes]]:
        return [
            (SIGNATURE_HEADER, self._key.sign_bytes(signed_bytes(seal_hash))),
            (KEY_ID_HEADER, self.key_id),
            (EPOCH_HEADER, str(epoch).encode("ascii")),
        ]


class MessageVerifier:
    """Checks a message's signature headers against the ledger's public key.

    With libsodium (PyNaCl): a check takes 51 µs here against 111 µs through the `cryptography`
    package's OpenSSL build, where it had been the consumer's largest single cost (the same
    RFC 8032 signatures: both sign the same bytes identically)."""

    def __init__(self, public_key: NoteVerifier) -> None:
        self.key_id = public_key.key_id
        self._public = VerifyKey(public_key.public_key)

    def problem(self, seal_hash: str, headers: Headers | None) -> str | None:
        """None when the message is signed by the ledger's key; otherwise the reason."""
        found = dict(headers or ())
        signature = found.get(SIGNATURE_HEADER)
        if signature is None:
            return f"unsigned: no {SIGNATURE_HEADER} header"
        key_id = found.get(KEY_ID_HEADER)
        if key_id is not None and key_id != self.key_id:
            return (
                f"signed with key ID {key_id.hex()}, not the ledger's key {self.key_id.hex()} "
                "(LEDGER_PUBLIC_KEY)"
            )
        try:
            self._public.verify(signed_bytes(seal_hash), signature)
        except (CryptoError, ValueError, TypeError, UnicodeEncodeError):
            return "forged: the signature does not verify against the ledger's public key"
        return None


def epoch_of(headers: Headers | None) -> int | None:
    """The relay's log epoch a message was published in (None: no or unreadable header)."""
    value = dict(headers or ()).get(EPOCH_HEADER)
    if value is None:
        return None
    try:
        return int(value.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return None


def message_verifier(settings: Settings) -> MessageVerifier:
    """The consumer's check: LEDGER_PUBLIC_KEY (a vkey or a key file), else the public half of
    the ledger's signing key (configured, or the demo key in the data folder).

    The demo key is generated here only beside the SQLite event store itself (a consumer and a
    relay starting together in one folder: whichever comes first makes it). A consumer in a
    folder of its own with no key refuses to start: a key generated there could never be the
    relay's, and every message would go to the dead-letter topic."""
    from claims_ledger.infra.checkpoint_log import NoSigningKey, read_public_key, signing_key

    if settings.ledger_public_key:
        return MessageVerifier(
            read_public_key(settings.ledger_public_key, settings.checkpoint_origin)
        )
    beside_the_store = (
        not settings.uses_postgres and (settings.ledger_data_dir / EVENTS_FILE).exists()
    )
    configured = settings.ledger_signing_key or settings.ledger_signing_key_file
    try:
        return MessageVerifier(signing_key(settings, create=beside_the_store).verifier)
    except NoSigningKey:
        if configured:
            raise
        raise NoSigningKey(
            "no key to check the ledger's message signatures: set LEDGER_PUBLIC_KEY to the "
            "ledger's public key (`claims-ledger public-key` where the relay runs prints it), "
            "or LEDGER_SIGNING_KEY / LEDGER_SIGNING_KEY_FILE; "
            f"{settings.ledger_data_dir} holds neither the event store nor its generated key"
        ) from None
