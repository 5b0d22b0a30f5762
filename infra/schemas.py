"""The published message format, generated from the models into docs/ (`make schemas`).

- docs/schemas/ledger-event.v1.schema.json: the envelope (domain/envelope.py), any payload;
- docs/schemas/events/<EventType>.v1.schema.json: one per event type: the envelope with its
  `event_type` and `aggregate_type` fixed, `rule_set` set or null as the event type carries one,
  and `payload` that event type's model (domain/event_types.py);
- docs/schemas/ledger-events.v1.schema.json: all of those in one file, a union discriminated
  on `event_type`;
- docs/events.md: the reference for people: per topic, each event type, its fields with their
  types and meaning, and the rule ids it carries.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, create_model

from claims_ledger.domain.envelope import PublishedEvent
from claims_ledger.domain.event_types import EVENT_TYPES, EventType
from claims_ledger.domain.payloads import PATTERN_NAMES, RuleSetRef
from claims_ledger.infra.settings import Settings

SCHEMAS_FOLDER = "schemas"
SCHEMA_FILE = "ledger-event.v1.schema.json"
UNION_FILE = "ledger-events.v1.schema.json"
EVENTS_FOLDER = "events"
REFERENCE_FILE = "events.md"
"""Written beside the schemas folder (docs/events.md for docs/schemas)."""

DIALECT = "https://json-schema.org/draft/2020-12/schema"
BASE_ID = "https://claims-ledger.example/schemas/"


def event_schema_file(event_type: EventType) -> str:
    return f"{EVENTS_FOLDER}/{event_type.name}.v1.schema.json"


def _text(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def envelope_schema_text() -> str:
    schema = PublishedEvent.model_json_schema()
    schema["$schema"] = DIALECT
    return _text(schema)


class _TypedEnvelope(PublishedEvent):
    """The envelope of one event type; subclasses are made per event type, for the schemas."""

    # no title or $id of the generic envelope: each event type's file names its own
    model_config = ConfigDict(title=None, json_schema_extra=None)


def topic_of(event_type: EventType) -> str:
    """The Kafka topic an event type is published on, with the default topic prefix."""
    return Settings.model_construct().topic(event_type.aggregate_type)


def envelope_model(event_type: EventType) -> type[BaseModel]:
    """The envelope of one event type as a pydantic model (schema export only: hashing stays
    with PublishedEvent, whose payload is any JSON object)."""
    if event_type.carries_rule_set:
        rule_set: Any = (
            RuleSetRef,
            Field(description="id@version of the rule set the event recorded (RG-V-1)."),
        )
    else:
        rule_set = (None, Field(description="Always null: this event records no rule set."))
    aggregate_type: Any = Literal[event_type.aggregate_type]
    name: Any = Literal[event_type.name]
    model: type[BaseModel] = create_model(
        f"{event_type.name}Event",
        __base__=_TypedEnvelope,
        __doc__=f"A {event_type.name} event as published on {topic_of(event_type)}: "
        f"{event_type.summary}",
        aggregate_type=(aggregate_type, Field(description="The aggregate type, and so the topic.")),
        event_type=(name, Field(description="The event type.")),
        rule_set=rule_set,
        payload=(event_type.payload, Field(description=f"The {event_type.name} payload.")),
    )
    return model


def event_schema(event_type: EventType) -> dict[str, Any]:
    schema = envelope_model(event_type).model_json_schema()
    schema["$schema"] = DIALECT
    schema["$id"] = f"{BASE_ID}{EVENTS_FOLDER}/{event_type.name}.v1.json"
    return schema


def union_schema() -> dict[str, Any]:
    models = tuple(envelope_model(t) for t in EVENT_TYPES)
    union: Any = Annotated[Union[models], Field(discriminator="event_type")]  # noqa: UP007
    adapter: TypeAdapter[Any] = TypeAdapter(union)
    schema = adapter.json_schema()
    return {
        "$schema": DIALECT,
        "$id": f"{BASE_ID}events.v1.json",
        "title": "ClaimsLedgerEventTypes",
        "description": "Every event type the ledger publishes (envelope v1 with its payload), "
        "one file: a union discriminated on `event_type`.",
        **schema,
    }


# -- docs/events.md ------------------------------------------------------------------------------


class _Renderer:
    """Reads one JSON Schema (with its $defs) to write field types as people read them."""

    def __init__(self, defs: dict[str, Any]) -> None:
        self.defs = defs
        self.structures: set[str] = set()

    def type_of(self, schema: dict[str, Any]) -> str:
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            target = self.defs[name]
            if "enum" in target:
                return self._enum(target["enum"])
            self.structures.add(name)
            return f"[{name}](#{name.lower()})"
        if "anyOf" in schema:
            return " or ".join(self.type_of(option) for option in schema["anyOf"])
        if "const" in schema:
            return f"`{json.dumps(schema['const'])}`"
        if "enum" in schema:
            return self._enum(schema["enum"])
        kind = schema.get("type")
        if kind == "array":
            return f"list of {self.type_of(schema['items'])}"
        if kind == "object":
            values = schema.get("additionalProperties")
            return f"map of string to {self.type_of(values)}" if values else "object"
        if kind == "string" and schema.get("format") == "personal-data":
            return "[encrypted personal data](#personal-data)"
        if kind == "string":
            pattern = schema.get("pattern")
            if pattern in PATTERN_NAMES:
                return PATTERN_NAMES[pattern]
            if "format" in schema:
                form = str(schema["format"])
                return "date-time (with offset)" if form == "date-time" else form
            return f"string `{pattern}`" if pattern else "string"
        if kind == "integer" and "minimum" in schema:
            return f"integer ≥ {schema['minimum']}"
        return str(kind)

    @staticmethod
    def _enum(values: list[Any]) -> str:
        return " \\| ".join(f"`{v}`" for v in values)

    def fields_table(self, model_schema: dict[str, Any]) -> list[str]:
        properties: dict[str, Any] = model_schema.get("properties", {})
        if not properties:
            return ["No fields: the event itself is the fact (its envelope carries the times)."]
        rows = ["| Field | Type | Meaning |", "|---|---|---|"]
        for name, field in properties.items():
            meaning = _one_line(field.get("description")).replace("|", "\\|")
            rows.append(f"| `{name}` | {self.type_of(field)} | {meaning} |")
        return rows


def events_reference() -> str:
    """docs/events.md, generated from the payload models."""
    schema = union_schema()
    renderer = _Renderer(schema.get("$defs", {}))
    lines = [
        "# Published events",
        "",
        "<!-- Generated from the payload models (domain/*/payloads.py) by `make schemas`; "
        "do not edit. -->",
        "",
        "Every message on a ledger topic is one envelope "
        f"([schemas/{SCHEMA_FILE}](schemas/{SCHEMA_FILE})): key = `aggregate_id`, value = the "
        "envelope as JSON. The envelope carries the case, its version, `event_type`, the "
        "business and ledger times (C-TIME-2), `rule_set` where a rule set applied (RG-V-1), the "
        "correlation and causation ids and the hash chain; `payload` holds the event's own "
        "fields, described below per event type.",
        "",
        "Each event type has its own JSON Schema, the envelope with that event type's payload: "
        f"`schemas/{EVENTS_FOLDER}/<EventType>.v1.schema.json`. "
        f"[schemas/{UNION_FILE}](schemas/{UNION_FILE}) holds all of them in one file, a union "
        "discriminated on `event_type`.",
        "",
        "Conventions: every field listed is present (`null` where the type allows it), and no "
        "other field is; amounts are Rupiah as exact decimal strings, never JSON numbers "
        "(C-MONEY-1); times are RFC 3339 with their UTC offset (C-TIME-1). "
        "`Rule ids` name the rules of the rule book the event records or enforces. Topic names "
        "use the default prefix `ledger` (`KAFKA_TOPIC_PREFIX`). A consumer that meets an "
        "unknown event type or a payload that does not fit sends it to the dead-letter topic.",
        "",
        "### Personal data",
        "",
        "A field typed *encrypted personal data* (a name, a phone number, free text that may "
        "hold an e-KTP number, an e-mail address or a medical condition) never carries clear "
        "text. It is one string, `pd1.<subject>.<nonce>.<ciphertext>`: `pd1` the format's "
        "version; `<subject>` the data subject's pseudonymous id (32 hex digits, minted per "
        "case; it names no person); `<nonce>` the 12-byte AES-GCM nonce and `<ciphertext>` "
        "AES-256-GCM of the UTF-8 text with its tag, both base64url without padding, under the "
        "subject's own key, with `pd1.<subject>` as associated data. The keys stay in the "
        "ledger's key store: consumers store the value as it is, never decrypt it, and group a "
        "person's data by the subject id. When a subject's data is erased (the "
        "`...PersonalDataErased` events) its key is destroyed, so every copy of its values, on "
        "any topic or in any store, becomes unreadable; the events and their hashes stay valid. "
        "Events stored before claims-ledger 0.2 (no key store yet) carry these fields in clear; "
        "stored events are immutable, so they keep them.",
        "",
        "## Topics",
        "",
        "| Topic | `aggregate_type` | Case types | Event types |",
        "|---|---|---|---|",
    ]
    topics: dict[str, list[EventType]] = {}
    for event_type in EVENT_TYPES:
        topics.setdefault(topic_of(event_type), []).append(event_type)
    for topic, event_types in topics.items():
        case_types = ", ".join(dict.fromkeys(t.case_type for t in event_types))
        lines.append(
            f"| [`{topic}`](#{topic.replace('.', '')}) | `{event_types[0].aggregate_type}` "
            f"| {case_types} | {len(event_types)} |"
        )
    for topic, event_types in topics.items():
        lines += ["", f"## {topic}"]
        case_type = None
        for event_type in event_types:
            if event_type.case_type != case_type:
                case_type = event_type.case_type
                lines += ["", f"### {case_type[0].upper()}{case_type[1:]} events"]
            lines += _event_section(event_type, schema, renderer)
    lines += ["", "## Structures", "", "Objects that appear inside payloads."]
    done: set[str] = set()
    while renderer.structures - done:
        name = sorted(renderer.structures - done)[0]
        done.add(name)
        structure = renderer.defs[name]
        lines += ["", f"### {name}", "", _one_line(structure.get("description")), ""]
        lines += renderer.fields_table(structure)
    return "\n".join(lines) + "\n"


def _event_section(event_type: EventType, schema: dict[str, Any], renderer: _Renderer) -> list[str]:
    payload = schema["$defs"][event_type.payload.__name__]
    rule_set = "set (RG-V-1)" if event_type.carries_rule_set else "null"
    file = event_schema_file(event_type)
    return [
        "",
        f"#### {event_type.name}",
        "",
        event_type.summary,
        "",
        f"Rule ids: {', '.join(event_type.rule_ids)}. Envelope `rule_set`: {rule_set}. "
        f"Schema: [{file}](schemas/{file}).",
        "",
        *renderer.fields_table(payload),
    ]


# -- writing -------------------------------------------------------------------------------------


def generated_files() -> dict[str, str]:
    """Every generated file's text, by its path relative to the docs folder."""
    files = {f"{SCHEMAS_FOLDER}/{SCHEMA_FILE}": envelope_schema_text()}
    for event_type in EVENT_TYPES:
        files[f"{SCHEMAS_FOLDER}/{event_schema_file(event_type)}"] = _text(event_schema(event_type))
    files[f"{SCHEMAS_FOLDER}/{UNION_FILE}"] = _text(union_schema())
    files[REFERENCE_FILE] = events_reference()
    return files


def stale_files(folder: Path) -> list[Path]:
    """Per-event schema files in `folder` (docs/schemas) of event types that no longer exist."""
    wanted = {f"{SCHEMAS_FOLDER}/{event_schema_file(t)}" for t in EVENT_TYPES}
    found = (folder / EVENTS_FOLDER).glob("*.schema.json")
    return sorted(p for p in found if f"{SCHEMAS_FOLDER}/{EVENTS_FOLDER}/{p.name}" not in wanted)


def write_schemas(folder: Path) -> list[Path]:
    """Write the schemas into `folder` (docs/schemas) and the reference beside it
    (docs/events.md); remove the schemas of event types that no longer exist."""
    written: list[Path] = []
    for relative, text in generated_files().items():
        inside = relative.removeprefix(f"{SCHEMAS_FOLDER}/")
        path = folder / inside if inside != relative else folder.parent / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    for path in stale_files(folder):
        path.unlink()
    return written
