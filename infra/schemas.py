"""The published message format as JSON Schema, generated into docs/schemas/."""

from __future__ import annotations

import json
from pathlib import Path

from claims_ledger.domain.envelope import PublishedEvent

SCHEMA_FILE = "ledger-event.v1.schema.json"


def envelope_schema_text() -> str:
    schema = PublishedEvent.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def write_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / SCHEMA_FILE
    path.write_text(envelope_schema_text(), encoding="utf-8")
    return [path]
