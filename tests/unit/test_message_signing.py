"""Signed messages (issue 11): a consumer applies only what the ledger's relay signed."""

from __future__ import annotations

from claims_ledger.infra.checkpoint import CheckpointSigner
from claims_ledger.infra.message_signing import (
    EPOCH_HEADER,
    SIGNATURE_HEADER,
    MessageSigner,
    MessageVerifier,
    epoch_of,
    signed_bytes,
)

NAME = "claims-ledger.example/test"
SEAL = "3f" * 32


def test_a_message_signed_with_the_ledgers_key_verifies() -> None:
    key = CheckpointSigner.generate(NAME)
    headers = MessageSigner(key).headers(SEAL, epoch=2)
    assert MessageVerifier(key.verifier).problem(SEAL, headers) is None
    assert epoch_of(headers) == 2


def test_a_signature_moved_to_another_event_is_forged() -> None:
    key = CheckpointSigner.generate(NAME)
    headers = MessageSigner(key).headers(SEAL, epoch=0)
    problem = MessageVerifier(key.verifier).problem("40" * 32, headers)
    assert problem is not None and problem.startswith("forged")


def test_an_unsigned_message_is_refused_naming_the_header() -> None:
    key = CheckpointSigner.generate(NAME)
    problem = MessageVerifier(key.verifier).problem(SEAL, [("event_type", b"X")])
    assert problem is not None and SIGNATURE_HEADER in problem


def test_a_message_signed_by_another_key_names_both_key_ids() -> None:
    ledger, forger = CheckpointSigner.generate(NAME), CheckpointSigner.generate(NAME)
    problem = MessageVerifier(ledger.verifier).problem(SEAL, MessageSigner(forger).headers(SEAL, 0))
    assert problem is not None
    assert forger.verifier.key_id.hex() in problem and ledger.verifier.key_id.hex() in problem


def test_a_forger_who_copies_the_key_id_still_fails_the_signature() -> None:
    ledger, forger = CheckpointSigner.generate(NAME), CheckpointSigner.generate(NAME)
    headers = dict(MessageSigner(forger).headers(SEAL, 0))
    headers["ledger.key_id"] = ledger.verifier.key_id
    problem = MessageVerifier(ledger.verifier).problem(SEAL, list(headers.items()))
    assert problem is not None and problem.startswith("forged")


def test_a_checkpoint_signature_cannot_pass_for_a_message_signature() -> None:
    """Domain separation: the signed bytes of a message start with their own prefix."""
    key = CheckpointSigner.generate(NAME)
    raw = key.sign_bytes(SEAL.encode("ascii"))  # the seal signed without the prefix
    problem = MessageVerifier(key.verifier).problem(SEAL, [(SIGNATURE_HEADER, raw)])
    assert problem is not None and problem.startswith("forged")
    assert signed_bytes(SEAL) != SEAL.encode("ascii")


def test_an_unreadable_epoch_header_reads_as_none() -> None:
    assert epoch_of([(EPOCH_HEADER, b"x1")]) is None
    assert epoch_of(None) is None


def test_message_signatures_are_plain_rfc8032_ed25519_an_openssl_client_checks_too() -> None:
    """The relay signs and the consumer checks with libsodium (speed); anyone else checks the
    same signature with OpenSSL (the `cryptography` package), and the other way round."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    key = CheckpointSigner.generate(NAME)
    signature = dict(MessageSigner(key).headers(SEAL, 0))[SIGNATURE_HEADER]
    Ed25519PublicKey.from_public_bytes(key.verifier.public_key).verify(
        signature, signed_bytes(SEAL)
    )  # raises InvalidSignature otherwise
    openssl_signed = key._private.sign(signed_bytes(SEAL))
    assert openssl_signed == signature  # deterministic: one key, one message, one signature
    assert MessageVerifier(key.verifier).problem(SEAL, [(SIGNATURE_HEADER, openssl_signed)]) is None


def test_a_truncated_or_padded_signature_is_forged_not_an_error() -> None:
    key = CheckpointSigner.generate(NAME)
    signature = dict(MessageSigner(key).headers(SEAL, 0))[SIGNATURE_HEADER]
    for mangled in (signature[:63], signature + b"\x00", b""):
        problem = MessageVerifier(key.verifier).problem(SEAL, [(SIGNATURE_HEADER, mangled)])
        assert problem is not None and problem.startswith("forged")
