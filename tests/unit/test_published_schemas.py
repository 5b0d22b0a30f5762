"""The published message format in docs/: the envelope, one JSON Schema per event type, their
union, and docs/events.md, all generated from the models and committed."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from claims_ledger.domain.event_types import EVENT_TYPES
from claims_ledger.infra.schemas import (
    SCHEMA_FILE,
    UNION_FILE,
    event_schema_file,
    generated_files,
    stale_files,
    write_schemas,
)

DOCS = Path(__file__).resolve().parents[2] / "docs"
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "store-0.1.0" / "envelopes.jsonl"


@functools.cache
def validator(relative: str) -> Draft202012Validator:
    schema = json.loads((DOCS / "schemas" / relative).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def fixture_envelopes() -> list[dict[str, Any]]:
    return [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]


def errors(validator: Draft202012Validator, document: dict[str, Any]) -> list[str]:
    return [error.message for error in validator.iter_errors(document)]


def test_the_committed_schemas_and_event_reference_equal_the_generated_ones() -> None:
    stale = [
        relative
        for relative, text in generated_files().items()
        if not (DOCS / relative).is_file() or (DOCS / relative).read_text("utf-8") != text
    ]
    removed = [p.name for p in stale_files(DOCS / "schemas")]
    assert stale == [] and removed == [], (
        f"docs/ differs from the payload models ({stale or removed}): run `make schemas`"
    )


def test_every_event_type_has_its_schema_file_and_a_section_in_the_reference() -> None:
    reference = (DOCS / "events.md").read_text(encoding="utf-8")
    for event_type in EVENT_TYPES:
        assert (DOCS / "schemas" / event_schema_file(event_type)).is_file()
        section = reference.split(f"#### {event_type.name}\n", 1)[1].split("\n#### ", 1)[0]
        assert f"Rule ids: {', '.join(event_type.rule_ids)}." in section
        for field in event_type.payload.model_fields:
            assert f"| `{field}` |" in section, (event_type.name, field)


def test_every_envelope_stored_by_0_1_0_validates_against_its_event_type_and_the_union() -> None:
    union = validator(UNION_FILE)
    envelope = validator(SCHEMA_FILE)
    for document in fixture_envelopes():
        own = validator(event_schema_file(EVENT_TYPES.get(document["event_type"])))
        assert errors(own, document) == [], document["event_type"]
        assert errors(union, document) == [], document["event_type"]
        assert errors(envelope, document) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda p: p | {"sneaky": True}, "Additional properties are not allowed"),
        (lambda p: {k: v for k, v in p.items() if k != "channel"}, "'channel' is a required"),
        (lambda p: p | {"represented": "no"}, "'no' is not of type 'boolean'"),
    ],
    ids=["unknown field", "missing field", "wrong type"],
)
def test_an_event_schema_rejects_a_payload_that_does_not_fit(change: Any, problem: str) -> None:
    document = fixture_envelopes()[0]
    assert document["event_type"] == "ComplaintReceived"
    own = validator(event_schema_file(EVENT_TYPES.get("ComplaintReceived")))
    found = errors(own, document | {"payload": change(document["payload"])})
    assert any(problem in message for message in found), found
    assert errors(validator(UNION_FILE), document | {"payload": change(document["payload"])})


def test_an_event_schema_fixes_its_event_type_and_its_topic() -> None:
    document = fixture_envelopes()[0]
    own = validator(event_schema_file(EVENT_TYPES.get("ComplaintReceived")))
    assert errors(own, document | {"event_type": "ComplaintClosed"})
    assert errors(own, document | {"aggregate_type": "claim"})
    assert errors(validator(UNION_FILE), document | {"event_type": "ComplaintReopened"})


def test_c_money_1_an_amount_as_a_json_number_is_rejected_by_the_schema() -> None:
    document = next(d for d in fixture_envelopes() if d["event_type"] == "ClaimSectionPaid")
    own = validator(event_schema_file(EVENT_TYPES.get("ClaimSectionPaid")))
    assert errors(own, document | {"payload": document["payload"] | {"amount": 85750000}})


def test_writing_the_schemas_puts_the_reference_beside_them_and_drops_removed_event_types(
    tmp_path: Path,
) -> None:
    # arrange: a schema of an event type that no longer exists
    folder = tmp_path / "docs" / "schemas"
    (folder / "events").mkdir(parents=True)
    (folder / "events" / "ComplaintReopened.v1.schema.json").write_text("{}")
    # act
    written = write_schemas(folder)
    # assert
    assert len(written) == len(EVENT_TYPES) + 3
    assert (tmp_path / "docs" / "events.md").is_file()
    assert not (folder / "events" / "ComplaintReopened.v1.schema.json").exists()
    assert sorted(p.name for p in (folder / "events").iterdir()) == sorted(
        f"{t.name}.v1.schema.json" for t in EVENT_TYPES
    )
