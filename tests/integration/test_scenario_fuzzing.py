"""Fuzzed scenario files (issue 11): hypothesis writes scenario lines (valid commands mutated,
deep nesting, years 1 and 9999, naive times, huge and negative numbers, unicode, garbage) and
each file is applied to a real SQLite store the way `claims-ledger apply` does. Never a
traceback: either the whole file is stored, or the error is one the command line explains in
one line naming the file and the line (exit 2); never a partial write."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims_ledger.domain.errors import LedgerError
from claims_ledger.infra.cli.exits import BAD_INPUT, explain
from claims_ledger.infra.scenario import apply_file
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import build_ledger

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))


def example_lines() -> list[dict[str, Any]]:
    lines = []
    for path in sorted(EXAMPLES.glob("*.jsonl")):
        for text in path.read_text().splitlines():
            if text.strip() and not text.startswith("#"):
                lines.append(json.loads(text, parse_float=Decimal))
    return lines


EXAMPLE_LINES = example_lines()

odd_times = st.sampled_from(
    [
        "0001-01-01T00:00:00+07:00",
        "9999-12-31T23:59:59+07:00",
        "9999-12-31T23:59:59-12:00",
        "0001-01-01T00:00:00+14:00",
        "2026-03-02T09:10:00",  # naive (C-TIME-1)
        "2026-02-30T09:00:00+07:00",
        "2026-03-02T09:10:00+07:00",
        "yesterday",
        "",
    ]
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
    st.text(max_size=40),
    odd_times,
)


def nested(depth: int) -> Any:
    value: Any = "x"
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


values = st.one_of(
    scalars,
    st.lists(scalars, max_size=3),
    st.integers(min_value=1, max_value=50).map(nested),
)


@st.composite
def mutated_line(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["mutate", "mutate", "mutate", "garbage", "raw", "deep"]))
    if kind == "deep":  # nesting deeper than any JSON parser's recursion
        depth = draw(st.integers(min_value=500, max_value=100_000))
        open_, close = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
        field = draw(st.sampled_from(["explanation", "complaint", "at", "payload"]))
        return (
            '{"at": "2026-03-02T09:10:00+07:00", "command": "ReceiveComplaint", '
            f'"{field}": {open_ * depth}1{close * depth}}}'
        )
    if kind == "garbage":
        return draw(st.text(max_size=60)).replace("\n", " ").replace("\r", " ")
    line = dict(draw(st.sampled_from(EXAMPLE_LINES)))
    if kind == "raw":
        return json.dumps(line, default=str)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        action = draw(st.sampled_from(["set", "drop", "add", "time"]))
        keys = sorted(line)
        if action == "set" and keys:
            line[draw(st.sampled_from(keys))] = draw(values)
        elif action == "drop" and keys:
            line.pop(draw(st.sampled_from(keys)))
        elif action == "add":
            line[draw(st.text(min_size=1, max_size=12))] = draw(values)
        else:
            line[draw(st.sampled_from(["at", "occurred_at"]))] = draw(odd_times)
    return json.dumps(line, default=str)


def event_count(ledger: Any) -> int:
    return ledger.recorder.max_notification_id() or 0


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return build_ledger(Settings(ledger_data_dir=tmp_path_factory.mktemp("fuzz") / "ledger"))


@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(lines=st.lists(mutated_line(), min_size=1, max_size=6))
def test_a_fuzzed_scenario_file_is_stored_whole_or_refused_in_one_line_naming_it(
    ledger: Any, tmp_path_factory: pytest.TempPathFactory, lines: list[str]
) -> None:
    path = tmp_path_factory.mktemp("file") / "fuzzed.jsonl"
    path.write_text("\n".join(lines) + "\n")
    before = event_count(ledger)
    try:
        applied = apply_file(ledger, path)
    except Exception as error:  # what `claims-ledger apply` would show (infra/cli/operations.py)
        if isinstance(error, LedgerError | ValueError):
            status, line = BAD_INPUT, str(error)
        else:
            status, line = explain(error)
        assert status == BAD_INPUT, f"{type(error).__name__}: {error}"
        assert str(path) in line and ", line " in line, line
        assert "\n" not in line
        assert event_count(ledger) == before  # nothing of the file stored
    else:
        assert applied.commands == sum(
            1 for t in lines if t.strip() and not t.strip().startswith("#")
        )
        assert event_count(ledger) >= before
