"""Scenario files: JSON Lines, one timestamped command per line (see docs/scenarios.md).

A file is checked line by line and applied as one unit: if any line is rejected, the error
names its line number and the reason, and nothing of the file is stored.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import structlog
from eventsourcing.persistence import IntegrityError
from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError

from claims_ledger.domain.areas import COMMAND_ADAPTER, COMMAND_NAMES
from claims_ledger.domain.clock import ScenarioClock
from claims_ledger.domain.commands import CommandModel
from claims_ledger.domain.errors import LedgerError
from claims_ledger.domain.ledger import CommandContext, Ledger
from claims_ledger.infra.progress import progress

log = structlog.get_logger(__name__)


class ScenarioError(ValueError):
    def __init__(self, path: str, line_no: int, reason: str) -> None:
        self.path = path
        self.line_no = line_no
        # one line whatever the file holds: control characters are shown escaped
        self.reason = "".join(c if c.isprintable() else repr(c)[1:-1] for c in reason)
        super().__init__(f"{path}, line {line_no}: {self.reason}; nothing of this file was stored")


class _LineHeader(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    at: AwareDatetime
    correlation_id: str | None = None


@dataclass(frozen=True)
class ScenarioLine:
    line_no: int
    at: datetime
    correlation_id: str | None
    command: CommandModel


def _readable(error: ValidationError) -> str:
    problems = []
    for e in error.errors():
        where = ".".join(
            str(p) if str(p).isidentifier() or isinstance(p, int) else repr(str(p))
            for p in e["loc"]
            if not str(p).startswith("function-")
        )
        if e["type"] == "union_tag_invalid":
            tag = e.get("ctx", {}).get("tag")
            problems.append(f"unknown command {tag!r} (accepted: {', '.join(COMMAND_NAMES)})")
            continue
        if e["type"] == "union_tag_not_found":
            problems.append(f"missing field 'command' (accepted: {', '.join(COMMAND_NAMES)})")
            continue
        message = e["msg"]
        if e["type"] in {"timezone_aware", "timezone_naive"}:
            message += " (C-TIME-1: a time without an offset is rejected, e.g. use +07:00)"
        if e["type"] == "missing":
            message = "missing field"
        if e["type"] == "extra_forbidden":
            message = "unknown field"
        parts = where.split(".", 1)
        if len(parts) == 2 and parts[0] in COMMAND_NAMES:
            where = parts[1]
        problems.append(f"{where}: {message}" if where else message)
    return "; ".join(problems)


def parse_line(text: str, line_no: int, path: str) -> ScenarioLine:
    try:
        document: Any = json.loads(text, parse_float=Decimal)  # money stays exact (C-MONEY-1)
    except json.JSONDecodeError as error:
        raise ScenarioError(path, line_no, f"not valid JSON ({error.msg})") from None
    except RecursionError:
        raise ScenarioError(
            path, line_no, "nested too deeply (a command's fields are flat values)"
        ) from None
    if not isinstance(document, dict):
        raise ScenarioError(path, line_no, "a line must be a JSON object")
    try:
        header = _LineHeader.model_validate(document)
    except ValidationError as error:
        raise ScenarioError(path, line_no, _readable(error)) from None
    body = {k: v for k, v in document.items() if k not in {"at", "correlation_id"}}
    try:
        command = COMMAND_ADAPTER.validate_python(body)
    except ValidationError as error:
        raise ScenarioError(path, line_no, _readable(error)) from None
    return ScenarioLine(line_no, header.at, header.correlation_id, command)


def parse_file(path: Path) -> tuple[list[ScenarioLine], str]:
    """Every command line of a file (blank lines and `#` comments skipped), and its SHA-256."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ScenarioError(str(path), 1, f"not UTF-8 text ({error.reason})") from None
    lines = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        lines.append(parse_line(stripped, line_no, str(path)))
    return lines, hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True)
class AppliedScenario:
    path: str
    commands: int
    aggregates: list[UUID]


CONFLICT_ATTEMPTS = 5
"""How many times a file is applied again on fresh state when another writer stored a change to
one of its cases first (the optimistic retry of `Ledger.execute`)."""


def apply_file(ledger: Ledger, path: Path) -> AppliedScenario:
    """Apply a scenario file as one unit: all its lines, or (on any error) none. When another
    process stores a change to one of its cases between reading and writing, the whole file is
    applied again on the fresh state (a line that no longer fits is then refused, naming it)."""
    lines, digest = parse_file(path)
    if not lines:
        return AppliedScenario(str(path), 0, [])
    for attempt in range(1, CONFLICT_ATTEMPTS + 1):
        try:
            touched, case_of_line = _apply_lines(ledger, path, lines, digest)
            break
        except IntegrityError:
            log.info("scenario.concurrent_change_retried", file=path.name, attempt=attempt)
            if attempt == CONFLICT_ATTEMPTS:
                raise ScenarioError(
                    str(path),
                    lines[0].line_no,
                    f"other writers changed the same cases {CONFLICT_ATTEMPTS} times while this "
                    "file was applied; apply it again",
                ) from None
    for line in lines:
        log.info(
            "scenario.command_applied",
            file=path.name,
            line=line.line_no,
            command=line.command.name(),
            case_id=str(case_of_line[line.line_no]),
            correlation_id=line.correlation_id or f"scenario:{digest[:16]}:{line.line_no}",
        )
    return AppliedScenario(str(path), len(lines), touched)


def _apply_lines(
    ledger: Ledger, path: Path, lines: list[ScenarioLine], digest: str
) -> tuple[list[UUID], dict[int, UUID]]:
    """One attempt: every line on one unit of work, committed at the end (IntegrityError when
    another writer stored a change to one of its cases first)."""
    try:
        clock = ScenarioClock(lines[0].at)
    except LedgerError as error:
        raise ScenarioError(str(path), lines[0].line_no, str(error)) from None
    uow = ledger.unit_of_work()
    # Lines are in time order (C-TIME-2): no line reaches a deadline due after the last one.
    watch = ledger.deadline_watch(uow, until=lines[-1].at)
    touched: dict[UUID, None] = {}  # in order of first touch
    case_of_line: dict[int, UUID] = {}
    with progress(f"apply {path.name}", len(lines)) as advance:
        for line in lines:
            try:
                clock.advance_to(line.at)
                causation_id = f"scenario:{digest[:16]}:{line.line_no}"
                context = CommandContext(
                    recorded_at=clock.now(),
                    correlation_id=line.correlation_id or causation_id,
                    causation_id=causation_id,
                )
                aggregate_id = ledger.handle(line.command, context, uow)
                # The deadline process, with the scenario clock as "now" (C-SLA-1): replays of
                # the same file record the same breaches at the same times. Only the deadlines
                # that have fallen due are examined.
                for case in uow.take_touched():
                    watch.watch(case)
                watch.detect_breaches(uow, now=clock.now(), recorded_at=clock.now())
            except LedgerError as error:
                ledger.end_watch(watch)
                raise ScenarioError(str(path), line.line_no, str(error)) from None
            case_of_line[line.line_no] = aggregate_id
            touched.setdefault(aggregate_id)
            advance(1)
    ledger.end_watch(watch)
    uow.commit()
    return list(touched), case_of_line
