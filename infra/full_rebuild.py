"""Full rebuild: every read model built from nothing, from the event store alone, into a fresh
set of tables (their own prefix, in the same database); compared with the Kafka-fed read model
row by row; put in its place only when asked, in one transaction.

An event altered in the store after it was published folds into different rows (its hash at
least): the comparison names each table, key, column and both values.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from claims_ledger.domain.ledger import Ledger
from claims_ledger.infra.audit import EVENT_STORE_SOURCE
from claims_ledger.infra.progress import progress
from claims_ledger.infra.store import envelope_chain, iter_stored_events
from claims_ledger.projections.folds import TABLES
from claims_ledger.projections.read_model import ReadModelMixin

FRESH_PREFIX = "fr_"
"""The fresh read model's tables: `fr_<table>` beside the live `rm_<table>`."""
ROW = "(row)"
"""The column named when a whole row is in one read model and not the other."""


@dataclass(frozen=True)
class Difference:
    table: str
    key: dict[str, Any]
    column: str
    kafka_fed: Any
    rebuilt: Any

    def line(self) -> str:
        key = ", ".join(f"{k}={v}" for k, v in self.key.items())
        return (
            f"{self.table} [{key}] {self.column}: Kafka-fed {self.kafka_fed!r}, "
            f"rebuilt {self.rebuilt!r}"
        )


@dataclass
class RebuildReport:
    applied: int = 0
    rows: int = 0
    differences: list[Difference] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    replaced: bool = False

    @property
    def identical(self) -> bool:
        return not self.differences and not self.problems


def full_rebuild(ledger: Ledger, fresh: ReadModelMixin, live: ReadModelMixin) -> RebuildReport:
    """Empty `fresh`, fold every stored event into it, compare it with `live` row by row."""
    report = RebuildReport()
    fresh.reset()
    chain = envelope_chain(ledger)
    total = ledger.recorder.max_notification_id() or 0
    with progress("rebuild", total) as advance:
        for notification_id, domain_event in iter_stored_events(ledger):
            try:
                fresh.apply(chain.envelope(domain_event), EVENT_STORE_SOURCE, notification_id)
            except Exception as error:  # an altered event may not fold: name it, go on
                report.problems.append(
                    f"notification {notification_id} ({domain_event.originator_id} "
                    f"v{domain_event.originator_version}) not applied: "
                    f"{type(error).__name__}: {error}"
                )
            report.applied += 1
            advance(1)
    report.differences = compare(live.snapshot(), fresh.snapshot())
    report.rows = sum(len(rows) for rows in fresh.snapshot().values())
    return report


def compare(kafka_fed: dict[str, list[Any]], rebuilt: dict[str, list[Any]]) -> list[Difference]:
    """Every difference between two read models: per table, per key, per column."""
    differences: list[Difference] = []
    for table in TABLES:
        old = _by_key(kafka_fed.get(table.name, []), table.key)
        new = _by_key(rebuilt.get(table.name, []), table.key)
        for key in sorted(old.keys() | new.keys(), key=repr):
            named = dict(zip(table.key, key, strict=True))
            before, after = old.get(key), new.get(key)
            if before is None or after is None:
                differences.append(
                    Difference(
                        table.name,
                        named,
                        ROW,
                        "present" if before is not None else "missing",
                        "present" if after is not None else "missing",
                    )
                )
                continue
            for column in table.columns:
                a, b = getattr(before, column), getattr(after, column)
                if a != b:
                    differences.append(Difference(table.name, named, column, a, b))
    return differences


def _by_key(rows: list[Any], key: tuple[str, ...]) -> dict[tuple[Any, ...], Any]:
    return {tuple(getattr(r, k) for k in key): r for r in rows}


def as_json(report: RebuildReport) -> dict[str, Any]:
    return {
        "applied": report.applied,
        "rows": report.rows,
        "identical_to_kafka_fed": report.identical,
        "replaced": report.replaced,
        "differences": [dataclasses.asdict(d) for d in report.differences],
        "problems": report.problems,
    }
