"""Signed checkpoints (C2SP tlog-checkpoint + signed-note, Ed25519) against published vectors.

Sources:
- C2SP/C2SP at commit 5ba5ee830903e91240fc6f9f3a7a9293d49e69c9, signed-note.md ("Example"): a
  vkey and a note it verifies;
- golang/mod at commit fe2ec04f7c3c3aa6fad97631aafcff6e49e2d1db (BSD-3-Clause),
  sumdb/note/note_test.go (TestSign, TestOpen): a private key, the exact note it signs
  (Ed25519 is deterministic, so signing is checked byte for byte), and a second key's signature;
  sumdb/tlog/note_test.go (TestFormatTree, TestParseTree): a tree note and malformed ones.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from pydantic import SecretStr

from claims_ledger.domain.merkle import leaf_hash
from claims_ledger.infra.checkpoint import (
    Checkpoint,
    CheckpointError,
    CheckpointSigner,
    NoteVerifier,
    SignedNote,
    key_id,
)

# C2SP signed-note.md, "Example"
C2SP_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
C2SP_NOTE = (
    "This is an example message.\n"
    "\n"
    "\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3"
    "mFXmRKuwHjG1Yu72IneyaQM=\n"
)

# golang/mod sumdb/note/note_test.go, TestSign and TestOpen
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
PETER_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_SIG = (
    "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfq"
    "dngotpRZb6KE6RyyBwJnAM=\n"
)
ENOCH_SIG = (
    "\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGw"
    "nWLox33WWd1RvMc+QQ=\n"
)

# golang/mod sumdb/tlog/note_test.go, TestFormatTree: RecordHash is the RFC 6962 leaf hash
GO_TREE_NOTE = "go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n"

ORIGIN = "claims-ledger.example/test"
ROOT = bytes(range(32))
NOON = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
TIME_LINE = "time 2026-11-22T08:00:00Z"


def _peter() -> CheckpointSigner:
    # Go's private key text: PRIVATE+KEY+<name>+<key id>+base64(0x01 || 32-byte seed)
    raw = base64.b64decode(PETER_SKEY.split("+", 4)[-1])  # base64 holds "+" too
    assert raw[0] == 0x01
    return CheckpointSigner.from_seed("PeterNeumann", base64.b64encode(raw[1:]).decode())


def test_the_c2sp_example_note_verifies_with_its_vkey() -> None:
    verifier = NoteVerifier.from_vkey(C2SP_VKEY)
    assert verifier.key_id.hex() == "530d903a"
    assert verifier.vkey == C2SP_VKEY
    assert verifier.verify_note(C2SP_NOTE) == "This is an example message.\n"


def test_signing_reproduces_the_go_sumdb_note_byte_for_byte() -> None:
    signer = _peter()
    assert signer.vkey == PETER_VKEY
    assert key_id("PeterNeumann", signer.verifier.public_key).hex() == "c74f20a3"
    assert signer.sign_note(PETER_TEXT) == PETER_TEXT + "\n" + PETER_SIG


def test_signatures_by_other_keys_are_ignored_and_their_own_key_verifies_them() -> None:
    note = PETER_TEXT + "\n" + PETER_SIG + ENOCH_SIG
    assert NoteVerifier.from_vkey(PETER_VKEY).verify_note(note) == PETER_TEXT
    assert NoteVerifier.from_vkey(ENOCH_VKEY).verify_note(note) == PETER_TEXT
    only_enoch = PETER_TEXT + "\n" + ENOCH_SIG
    with pytest.raises(CheckpointError, match="no signature by PeterNeumann"):
        NoteVerifier.from_vkey(PETER_VKEY).verify_note(only_enoch)


def test_the_go_tree_note_is_a_checkpoint_of_the_rfc6962_leaf_hash() -> None:
    checkpoint = Checkpoint(
        origin="go.sum database tree", size=123456789012, root_hash=leaf_hash(b"hello world")
    )
    assert checkpoint.text() == GO_TREE_NOTE
    assert Checkpoint.parse(GO_TREE_NOTE) == checkpoint
    with_extension = Checkpoint.parse(GO_TREE_NOTE + "JOE\n")
    assert with_extension.extensions == ("JOE",)
    assert with_extension.text() == GO_TREE_NOTE + "JOE\n"


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        # golang/mod sumdb/tlog/note_test.go, TestParseTree's bad trees (the first is refused
        # by Go for its origin only; a checkpoint may have any origin)
        (GO_TREE_NOTE.replace("123456789012", "0xabcdef"), "tree size '0xabcdef'"),
        (GO_TREE_NOTE.replace("Bb0=", "BTOOBIG="), "root hash"),
        (GO_TREE_NOTE[:-1], "end with a newline"),
        ("origin\n12\n", "needs origin, tree size and root hash"),
        ("origin\n012\n" + base64.b64encode(ROOT).decode() + "\n", "leading zeros"),
        ("origin\n-1\n" + base64.b64encode(ROOT).decode() + "\n", "tree size '-1'"),
        ("origin\n1\n" + base64.b64encode(ROOT[:31]).decode() + "\n", "31 bytes"),
        ("\n1\n" + base64.b64encode(ROOT).decode() + "\n", "line 1 is empty"),
        ("o\n1\n" + base64.b64encode(ROOT).decode() + "\n\nx\n", "line 4 is empty"),
        ("o\n1\n" + base64.b64encode(ROOT).decode() + "\ntime 2026-11-22\n", "RFC 3339 UTC"),
        ("o\n1\n" + base64.b64encode(ROOT).decode() + "\ntime 2026-02-30T00:00:00Z\n", "real"),
        (
            "o\n1\n"
            + base64.b64encode(ROOT).decode()
            + "\ntime 2026-11-22T08:00:00Z\ntime 2026-11-22T08:00:00Z\n",
            "more than one time line",
        ),
        # stray bits in the last base64 character: decodes to the same bytes, not canonical
        ("o\n1\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=\n", "canonical"),
    ],
)
def test_a_malformed_checkpoint_is_refused_naming_what_is_wrong(text: str, complaint: str) -> None:
    with pytest.raises(CheckpointError, match=complaint):
        Checkpoint.parse(text)


def test_a_checkpoint_round_trips_through_sign_and_verify_with_its_time() -> None:
    # arrange
    signer = CheckpointSigner.generate(ORIGIN)
    wib = timezone(timedelta(hours=7))
    checkpoint = Checkpoint(
        ORIGIN, 195, ROOT, time=NOON.astimezone(wib) + timedelta(microseconds=9)
    )
    # act
    note = signer.sign(checkpoint)
    # assert: time is written in UTC, to the second; the verifier gets back what was signed
    lines = note.splitlines()
    assert lines[:5] == [ORIGIN, "195", base64.b64encode(ROOT).decode(), TIME_LINE, ""]
    assert lines[5].startswith(f"\u2014 {ORIGIN} ")
    verified = NoteVerifier.from_vkey(signer.vkey).verify_checkpoint(note, origin=ORIGIN)
    assert verified == checkpoint
    assert verified.time == NOON


def test_a_checkpoint_altered_after_signing_is_refused() -> None:
    signer = CheckpointSigner.generate(ORIGIN)
    note = signer.sign(Checkpoint(ORIGIN, 195, ROOT, time=NOON))
    verifier = signer.verifier
    for altered in (
        note.replace("\n195\n", "\n196\n"),
        note.replace("08:00:00Z", "08:00:01Z"),
    ):
        with pytest.raises(CheckpointError, match="does not verify"):
            verifier.verify_checkpoint(altered)
    with pytest.raises(CheckpointError, match="origin is"):
        verifier.verify_checkpoint(note, origin="another.example/log")
    other = CheckpointSigner.generate(ORIGIN)
    with pytest.raises(CheckpointError, match="no signature by"):
        other.verifier.verify_checkpoint(note)


@pytest.mark.parametrize(
    ("note", "complaint"),
    [
        (PETER_TEXT + PETER_SIG, "no blank line"),
        (PETER_TEXT + "\n", "no signature line"),
        (PETER_TEXT + "\n" + PETER_SIG[:-1], "end with a newline"),
        (PETER_TEXT + "\n" + PETER_SIG.replace("\u2014", "-"), "is not"),
        (PETER_TEXT + "\n" + PETER_SIG.replace("PeterNeumann", "Peter+Neumann"), "key name"),
        (PETER_TEXT + "\n" + PETER_SIG.replace("x08go", "x08g!"), "not standard base64"),
        (PETER_TEXT + "\n\u2014 PeterNeumann AAAA\n", "too short"),
        (PETER_TEXT.replace("problem,", "problem,\r") + "\n" + PETER_SIG, "control character"),
    ],
)
def test_a_malformed_signed_note_is_refused_naming_what_is_wrong(note: str, complaint: str) -> None:
    with pytest.raises(CheckpointError, match=complaint):
        SignedNote.parse(note)


@pytest.mark.parametrize(
    ("vkey", "complaint"),
    [
        # golang/mod sumdb/note/note_test.go, TestNewVerifier's bad keys
        (
            "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
            "not canonical base64",
        ),
        ("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "not an Ed25519"),
        ("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "does not match"),
        ("PeterNeumann+c74f20a3", "is not <key name>"),
        ("PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "8 lowercase hex"),
    ],
)
def test_a_malformed_vkey_is_refused_naming_what_is_wrong(vkey: str, complaint: str) -> None:
    with pytest.raises(CheckpointError, match=complaint):
        NoteVerifier.from_vkey(vkey)


def test_a_key_pair_survives_pem_files_and_the_seed_setting(tmp_path: Path) -> None:
    # arrange
    signer = CheckpointSigner.generate(ORIGIN)
    key_file = tmp_path / "keys" / "checkpoint.pem"
    # act
    signer.write_private_pem(key_file)
    from_file = CheckpointSigner.from_pem_file(ORIGIN, key_file)
    from_setting = CheckpointSigner.from_seed(ORIGIN, SecretStr(signer.seed().get_secret_value()))
    from_public_pem = NoteVerifier.from_public_pem(ORIGIN, signer.verifier.public_pem())
    # assert
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert key_file.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert from_file.vkey == from_setting.vkey == from_public_pem.vkey == signer.vkey
    note = from_setting.sign(Checkpoint(ORIGIN, 1, ROOT))
    assert signer.verifier.verify_note(note)
    assert "PRIVATE" not in repr(signer) and signer.seed().get_secret_value() not in repr(signer)


@pytest.mark.parametrize(
    ("seed", "complaint"),
    [("not base64!", "not base64"), (base64.b64encode(b"short").decode(), "decodes to 5 bytes")],
)
def test_a_bad_seed_setting_is_refused_without_echoing_it(seed: str, complaint: str) -> None:
    with pytest.raises(CheckpointError, match=complaint) as raised:
        CheckpointSigner.from_seed(ORIGIN, SecretStr(seed))
    assert seed not in str(raised.value)


def test_a_pem_that_is_not_an_ed25519_private_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="not a usable PEM private key"):
        CheckpointSigner.from_pem(ORIGIN, b"-----BEGIN PRIVATE KEY-----\nAAAA\n")
    with pytest.raises(CheckpointError, match="cannot read key file"):
        CheckpointSigner.from_pem_file(ORIGIN, tmp_path / "missing.pem")


@pytest.mark.parametrize("name", ["", "with space", "a+b", "tab\tname"])
def test_a_key_name_with_spaces_or_plus_is_refused(name: str) -> None:
    with pytest.raises(CheckpointError, match="key name"):
        CheckpointSigner.generate(name)


def test_a_checkpoint_refuses_a_naive_time_and_a_short_root() -> None:
    with pytest.raises(CheckpointError, match="no time zone"):
        Checkpoint(ORIGIN, 1, ROOT, time=datetime(2026, 11, 22, 8, 0))
    with pytest.raises(CheckpointError, match="32 bytes"):
        Checkpoint(ORIGIN, 1, ROOT[:16])
