"""The standalone verifier (claims_ledger/verify.py): it agrees with the ledger on every seal,
leaf and signature, accepts an honest export, and refuses any altered one, naming what."""

from __future__ import annotations

import ast
import base64
import copy
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claims_ledger import verify as standalone
from claims_ledger.domain.envelope import PublishedEvent
from claims_ledger.domain.merkle import MerkleTree, leaf_hash
from claims_ledger.infra.case_export import write_export_folder
from claims_ledger.infra.checkpoint import CheckpointSigner
from tests.exports import (
    LARGE_CASE,
    ORIGIN,
    SMALL_CASE,
    build_export,
    fixture_envelopes,
    rerender,
)
from tests.unit.test_checkpoint import C2SP_NOTE, C2SP_VKEY, ENOCH_SIG, PETER_SIG, PETER_TEXT
from tests.unit.test_checkpoint import PETER_VKEY as PETER
from tests.unit.test_envelope_properties import envelopes as sealed_envelopes
from tests.unit.test_merkle_vectors import inclusion_args, inclusion_params

VERIFIER_SOURCE = Path(standalone.__file__)


@pytest.fixture(scope="module")
def signer() -> CheckpointSigner:
    return CheckpointSigner.generate(ORIGIN)


@pytest.fixture(scope="module")
def small_export(signer: CheckpointSigner) -> bytes:
    return build_export(signer, SMALL_CASE, derived={"timeline": ["received", "assessed"]})


def _problems(data: bytes, signer: CheckpointSigner | None = None) -> list[str]:
    report = standalone.verify_export(data, signer.vkey if signer else None)
    return report.problems


def _tampered(export: bytes, change: Callable[[dict[str, Any]], None]) -> bytes:
    content = json.loads(export)
    change(content)
    return rerender(content)


# --- it is standalone ---------------------------------------------------------------------------


def test_the_verifier_imports_nothing_but_the_standard_library_and_cryptography() -> None:
    tree = ast.parse(VERIFIER_SOURCE.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported - set(sys.stdlib_module_names) == {"cryptography"}


# --- it agrees with the ledger --------------------------------------------------------------------


def test_it_recomputes_the_seal_of_every_envelope_stored_by_0_1_0() -> None:
    envelopes = fixture_envelopes()
    assert len(envelopes) == 195
    for envelope in envelopes:
        ledger_hash = PublishedEvent.model_validate(envelope).computed_hash()
        assert standalone.envelope_hash(envelope) == ledger_hash == envelope["hash"]


@given(sealed_envelopes())
def test_it_recomputes_the_seal_of_any_envelope_the_ledger_seals(published: PublishedEvent) -> None:
    wire = json.loads(published.model_dump_json())
    assert standalone.envelope_hash(wire) == published.hash


@pytest.mark.parametrize("probe", inclusion_params())
def test_its_inclusion_check_passes_the_rfc6962_vectors(probe: dict[str, Any]) -> None:
    if probe["wantErr"]:
        with pytest.raises(standalone.VerificationError):
            standalone.verify_inclusion(*inclusion_args(probe))
    else:
        standalone.verify_inclusion(*inclusion_args(probe))


@given(st.integers(1, 300), st.data())
def test_it_accepts_every_inclusion_proof_of_the_ledgers_tree_and_no_altered_one(
    size: int, data: st.DataObject
) -> None:
    tree = MerkleTree(leaf_hash(i.to_bytes(4, "big")) for i in range(size))
    index = data.draw(st.integers(0, size - 1))
    proof, root = tree.inclusion_proof(index), tree.root()
    standalone.verify_inclusion(index, size, tree.leaf(index), proof, root)
    other = data.draw(st.integers(0, size).filter(lambda i: i != index))
    with pytest.raises(standalone.VerificationError):
        standalone.verify_inclusion(other, size, tree.leaf(index), proof, root)
    if proof:
        at = data.draw(st.integers(0, len(proof) * 32 - 1))
        flipped = bytearray(proof[at // 32])
        flipped[at % 32] ^= 1 << data.draw(st.integers(0, 7))
        proof[at // 32] = bytes(flipped)
        with pytest.raises(standalone.VerificationError):
            standalone.verify_inclusion(index, size, tree.leaf(index), proof, root)


def test_it_verifies_the_published_signed_notes() -> None:
    assert standalone.verify_note(C2SP_NOTE, standalone.PublicKey.parse(C2SP_VKEY), "note") == (
        "This is an example message.\n"
    )
    two_signatures = PETER_TEXT + "\n" + PETER_SIG + ENOCH_SIG
    assert standalone.verify_note(two_signatures, standalone.PublicKey.parse(PETER), "note")
    with pytest.raises(standalone.VerificationError, match="no signature by PeterNeumann"):
        standalone.verify_note(
            PETER_TEXT + "\n" + ENOCH_SIG, standalone.PublicKey.parse(PETER), "note"
        )
    assert standalone.PublicKey.parse(PETER).vkey() == PETER


def test_it_reads_the_ledgers_checkpoints(signer: CheckpointSigner) -> None:
    export = json.loads(build_export(signer, SMALL_CASE))
    key = standalone.PublicKey.parse(signer.vkey)
    text = standalone.verify_note(export["checkpoint"], key, "checkpoint")
    checkpoint = standalone.Checkpoint.parse(text)
    assert (checkpoint.origin, checkpoint.size, checkpoint.time) == (
        ORIGIN,
        195,
        "2026-11-22T08:00:00Z",
    )


# --- an honest export passes ----------------------------------------------------------------------


def test_an_honest_export_passes_every_check(signer: CheckpointSigner) -> None:
    export = build_export(signer, LARGE_CASE, derived={"payouts": [{"rule": "RG-CL-1"}]})
    report = standalone.verify_export(export, signer.vkey)
    assert report.problems == []
    assert report.ok
    assert len([line for line in report.passed if line.startswith("event v")]) == 20
    assert any(line.startswith("checkpoint: signed by") for line in report.passed)
    assert any(line.startswith("seal:") for line in report.passed)


def test_an_export_against_an_earlier_checkpoint_passes(signer: CheckpointSigner) -> None:
    # the large case's events are leaves 159 to 178; a checkpoint of 180 events covers them
    assert _problems(build_export(signer, LARGE_CASE, size=180), signer) == []


def test_without_a_trusted_key_it_says_to_compare_the_exports_own_key(
    signer: CheckpointSigner, small_export: bytes
) -> None:
    report = standalone.verify_export(small_export)
    assert report.ok
    assert any(signer.vkey in note and "compare" in note for note in report.notes)


def test_the_command_line_exits_0_and_prints_what_it_checked(
    signer: CheckpointSigner,
    small_export: bytes,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "ledger-export.json").write_bytes(small_export)
    (tmp_path / "ledger.vkey").write_text(signer.vkey + "\n")
    assert standalone.main([str(tmp_path), "--key", str(tmp_path / "ledger.vkey")]) == 0
    out = capsys.readouterr().out
    assert "ok    checkpoint: signed by claims-ledger.example/test" in out
    assert "ok    event v3" in out
    assert out.strip().endswith("checks passed")


def test_a_copy_written_next_to_the_export_runs_as_a_script(
    signer: CheckpointSigner, small_export: bytes, tmp_path: Path
) -> None:
    written = write_export_folder(tmp_path / "export", small_export)
    assert [p.name for p in written] == ["ledger-export.json", "claims_ledger_verify.py"]
    assert written[1].read_bytes() == VERIFIER_SOURCE.read_bytes()
    result = subprocess.run(
        [
            sys.executable,
            "-I",
            "claims_ledger_verify.py",
            "ledger-export.json",
            "--key",
            signer.vkey,
        ],
        cwd=tmp_path / "export",
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "checks passed" in result.stdout


def test_the_command_line_exits_2_on_an_unreadable_path(tmp_path: Path) -> None:
    assert standalone.main([str(tmp_path / "missing.json")]) == 2


# --- any altered export fails, naming what --------------------------------------------------------


def _flip_every_byte(export: bytes) -> list[tuple[int, bytes]]:
    """The export with each byte changed in turn, a different bit for neighbouring bytes."""
    flipped = []
    for position in range(len(export)):
        changed = bytearray(export)
        changed[position] ^= 1 << (position % 8)
        flipped.append((position, bytes(changed)))
    return flipped


def test_flipping_any_single_byte_of_an_export_makes_it_fail(
    signer: CheckpointSigner, small_export: bytes
) -> None:
    passed = [
        position
        for position, changed in _flip_every_byte(small_export)
        if standalone.verify_export(changed, signer.vkey).ok
    ]
    assert passed == [], f"altered bytes at {passed[:10]} went unnoticed"


def test_flipping_a_byte_fails_even_without_a_trusted_key(small_export: bytes) -> None:
    # Without --key the export's own key is used: still, a single changed byte cannot carry a
    # new key and matching signatures, so every flip fails. (Sample: every 7th byte.)
    passed = [
        position
        for position, changed in _flip_every_byte(small_export)[::7]
        if standalone.verify_export(changed).ok
    ]
    assert passed == []


def _event(content: dict[str, Any], version: int) -> dict[str, Any]:
    event: dict[str, Any] = content["events"][version - 1]
    return event


def _alter_payload(content: dict[str, Any]) -> None:
    payload = _event(content, 2)["envelope"]["payload"]
    key = sorted(payload)[0]
    payload[key] = "tampered"


def _alter_hash(content: dict[str, Any]) -> None:
    _event(content, 2)["envelope"]["hash"] = "ab" * 32


def _alter_prev_hash(content: dict[str, Any]) -> None:
    _event(content, 3)["envelope"]["prev_hash"] = "cd" * 32


def _delete_middle(content: dict[str, Any]) -> None:
    del content["events"][1]


def _swap(content: dict[str, Any]) -> None:
    events = content["events"]
    events[1], events[2] = events[2], events[1]


def _alter_leaf_index(content: dict[str, Any]) -> None:
    _event(content, 2)["leaf_index"] += 1


def _alter_proof(content: dict[str, Any]) -> None:
    proof = _event(content, 1)["inclusion_proof"]
    proof[0] = base64.b64encode(b"\x00" * 32).decode()


def _alter_checkpoint_size(content: dict[str, Any]) -> None:
    content["checkpoint"] = content["checkpoint"].replace("\n195\n", "\n196\n")


def _alter_derived(content: dict[str, Any]) -> None:
    content["derived"]["timeline"].append("paid")


def _alter_version(content: dict[str, Any]) -> None:
    _event(content, 3)["envelope"]["version"] = 4


def _alter_case(content: dict[str, Any]) -> None:
    _event(content, 1)["envelope"]["aggregate_id"] = LARGE_CASE


def _drop_field(content: dict[str, Any]) -> None:
    del _event(content, 2)["envelope"]["rule_set"]


def _add_key(content: dict[str, Any]) -> None:
    content["note"] = "trust me"


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (_alter_payload, "v2 AssistanceCaseArranged (leaf"),
        (_alter_payload, "the envelope was altered after it was sealed"),
        (_alter_hash, "v2 AssistanceCaseArranged (leaf"),
        (_alter_hash, "field hash was altered"),
        (_alter_prev_hash, "field prev_hash cdcd"),
        (_alter_prev_hash, "does not link to the previous event (v2"),
        (_delete_middle, "field version is 3, but it is event 2 of the case"),
        (_swap, "field version is 3, but it is event 2 of the case"),
        (_swap, "leaf_index"),
        (_alter_leaf_index, "inclusion proof does not show the event at leaf"),
        (_alter_proof, "v1 AssistanceCaseReported"),
        (_alter_proof, "inclusion proof does not show"),
        (_alter_checkpoint_size, "checkpoint: the signature by claims-ledger.example/test does"),
        (_alter_derived, "seal: the content differs from what the ledger sealed"),
        (_alter_version, "field event_id"),
        (_alter_case, "field aggregate_id is '3944e45b"),
        (_drop_field, "envelope fields missing ['rule_set']"),
        (_add_key, "export: keys missing [], unknown ['note']"),
    ],
)
def test_an_altered_export_fails_naming_the_event_and_what_is_wrong(
    signer: CheckpointSigner,
    small_export: bytes,
    change: Callable[[dict[str, Any]], None],
    named: str,
) -> None:
    problems = _problems(_tampered(small_export, change), signer)
    assert any(named in problem for problem in problems), problems


def test_an_event_type_is_what_the_fixture_says() -> None:
    # the expectations above name the small case's event types
    types = [e["event_type"] for e in fixture_envelopes() if e["aggregate_id"] == SMALL_CASE]
    assert types == ["AssistanceCaseReported", "AssistanceCaseArranged", "AssistanceCaseClosed"]


def test_a_rewritten_and_rechained_case_fails_against_the_signed_checkpoint(
    signer: CheckpointSigner, small_export: bytes
) -> None:
    # arrange: alter v2's payload, then recompute v2's and v3's hashes so the chain holds
    content = json.loads(small_export)
    _alter_payload(content)
    previous = None
    for item in content["events"]:
        envelope = item["envelope"]
        if previous is not None:
            envelope["prev_hash"] = previous
        envelope["hash"] = standalone.envelope_hash(envelope)
        previous = envelope["hash"]
    # act
    problems = _problems(rerender(content), signer)
    # assert: the chain checks pass, the tree does not include the rewritten events
    assert not any("prev_hash" in p for p in problems)
    assert any(p.startswith("event v2") and "inclusion proof" in p for p in problems)
    assert any(p.startswith("event v3") and "inclusion proof" in p for p in problems)


def test_an_export_resealed_with_another_key_fails_against_the_trusted_key(
    signer: CheckpointSigner, small_export: bytes
) -> None:
    forger = CheckpointSigner.generate(ORIGIN)  # same name, another key
    forged = build_export(forger, SMALL_CASE)
    assert standalone.verify_export(forged).ok  # self-consistent: that is why --key matters
    problems = _problems(forged, signer)
    assert any(p.startswith("public_key: the export names key") for p in problems)
    assert not standalone.verify_export(forged, signer.vkey).ok


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (b"\xff{}", "file: the file is not UTF-8 (byte 0)"),
        (b'{"format": ', "file: the file is not valid JSON"),
        (b"[]\n", "file: the file is not a JSON object"),
        (b'{"a": 1, "a": 2}', "key 'a' appears twice"),
        (b'{"a": NaN}', "NaN is not a JSON number"),
    ],
)
def test_a_file_that_is_not_an_export_is_refused_saying_why(data: bytes, named: str) -> None:
    problems = standalone.verify_export(data).problems
    assert any(named in p for p in problems), problems


def test_a_layout_change_alone_is_named_as_such(
    signer: CheckpointSigner, small_export: bytes
) -> None:
    changed = small_export.replace(b'\n  "case"', b'\n   "case"', 1)
    problems = _problems(changed, signer)
    assert problems == [problems[0]]
    assert problems[0].startswith("layout: the file differs from the canonical rendering")
    assert problems[0].endswith("at byte 4 (line 2)")


def test_a_deep_copy_of_the_content_rerenders_to_the_same_bytes(small_export: bytes) -> None:
    assert rerender(copy.deepcopy(json.loads(small_export))) == small_export
