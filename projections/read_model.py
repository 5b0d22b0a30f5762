"""The read-model store: projection tables plus the position they were fed to, written in one
transaction (the effect, then the position), on SQLite or PostgreSQL.

Built on the event sourcing library's tracking recorders, so a position already applied is
refused by the database itself: a message or notification can never be applied twice.
"""

from __future__ import annotations

import enum
import json
import re
import types
import typing
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder
from psycopg.sql import SQL

from claims_ledger.domain.envelope import GENESIS_HASH, PublishedEvent
from claims_ledger.projections import claims, complaint_status, deadlines
from claims_ledger.projections.claims import (
    AssistanceCaseRow,
    CalculationRow,
    ClaimDocumentRow,
    ClaimSectionRow,
    PolicyAggregateRow,
    TravelClaimRow,
)
from claims_ledger.projections.complaint_report import EventRow
from claims_ledger.projections.complaint_status import ComplaintStatus
from claims_ledger.projections.deadlines import DeadlineRow

Row = TypeVar(
    "Row",
    ComplaintStatus,
    DeadlineRow,
    EventRow,
    ClaimSectionRow,
    ClaimDocumentRow,
    CalculationRow,
    PolicyAggregateRow,
    TravelClaimRow,
    AssistanceCaseRow,
)


class ApplyResult(enum.StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    """Same aggregate id and version as an event already applied: skipped, position kept."""


class ChainBroken(ValueError):
    """An event does not follow the last applied event of its aggregate."""


def _column_type(annotation: Any) -> str:
    base = annotation
    if isinstance(annotation, types.UnionType):
        base = next(a for a in typing.get_args(annotation) if a is not type(None))
    return {int: "BIGINT", bool: "BOOLEAN"}.get(base, "TEXT")


def _columns(row_type: type[Any]) -> list[str]:
    return [f.name for f in fields(row_type)]


def _create_table(name: str, row_type: type[Any], key: tuple[str, ...]) -> str:
    hints = typing.get_type_hints(row_type)
    columns = ", ".join(f"{c} {_column_type(hints[c])}" for c in _columns(row_type))
    return f"CREATE TABLE IF NOT EXISTS {name} ({columns}, PRIMARY KEY ({', '.join(key)}))"


TABLES: dict[str, tuple[type[Any], tuple[str, ...]]] = {
    "ledger_events": (EventRow, ("aggregate_id", "version")),
    "complaint_status": (ComplaintStatus, ("complaint_id",)),
    "case_deadlines": (DeadlineRow, ("case_id", "key")),
    "claim_sections": (ClaimSectionRow, ("claim_id", "section")),
    "claim_documents": (ClaimDocumentRow, ("claim_id", "document")),
    "claim_calculations": (CalculationRow, ("claim_id", "section", "number")),
    "policy_aggregates": (PolicyAggregateRow, ("policy_number", "category")),
    "travel_claims": (TravelClaimRow, ("claim_id",)),
    "assistance_cases": (AssistanceCaseRow, ("case_id",)),
}
TABLE_OF = {row: name for name, (row, _) in TABLES.items()}


def _table_statements(p: str) -> list[str]:
    return [_create_table(p + name, row, key) for name, (row, key) in TABLES.items()]


def _to_db(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return value


def _from_db(row_type: type[Row], row: Any) -> Row:
    hints = typing.get_type_hints(row_type)
    values: dict[str, Any] = {}
    for name in _columns(row_type):
        value = row[name]
        hint: Any = hints[name]
        if value is not None and datetime in (hint, *typing.get_args(hint)):
            value = datetime.fromisoformat(value)
        elif value is not None and hint is bool:
            value = bool(value)
        elif hint == dict[str, Any]:
            value = json.loads(value)
        values[name] = value
    return row_type(**values)


class ReadModelMixin:
    """Dialect-neutral projection logic. SQL is written with `%(name)s` parameters."""

    prefix: str
    datastore: Any

    if TYPE_CHECKING:  # provided by the dialect class and the library's tracking recorder

        def _sql(self, text: str) -> Any: ...

        def _insert_tracking(self, c: Any, tracking: Tracking) -> None: ...

        def _max_tracking_id(self, application_name: str, c: Any) -> int | None: ...

    @contextmanager
    def _transaction(self) -> Iterator[Any]:
        with self.datastore.transaction(commit=True) as c:
            yield c

    def position(self, source: str) -> int | None:
        """The last position applied from a source (a Kafka partition, the event store)."""
        with self.datastore.transaction(commit=False) as c:
            return self._max_tracking_id(self.prefix + source, c)

    def apply(self, event: PublishedEvent, source: str, position: int) -> ApplyResult:
        """Fold one event into every table and record `position` for `source`, atomically.

        Raises ChainBroken (and stores nothing) when the event skips a version or its
        prev_hash is not the hash of the version before it.
        """
        with self._transaction() as c:
            self._insert_tracking(c, Tracking(self.prefix + source, position))
            c.execute(
                self._sql(
                    f"SELECT version, hash FROM {self.prefix}ledger_events "
                    "WHERE aggregate_id = %(id)s ORDER BY version DESC LIMIT 1"
                ),
                {"id": str(event.aggregate_id)},
            )
            last = c.fetchone()
            last_version, last_hash = (last["version"], last["hash"]) if last else (0, GENESIS_HASH)
            if event.version <= last_version:
                return ApplyResult.DUPLICATE
            if event.version != last_version + 1:
                raise ChainBroken(
                    f"version gap for {event.aggregate_id}: got v{event.version}, "
                    f"expected v{last_version + 1}"
                )
            if event.prev_hash != last_hash:
                raise ChainBroken(
                    f"hash chain broken for {event.aggregate_id} v{event.version}: prev_hash "
                    f"{event.prev_hash[:12]}… is not the hash of v{last_version}"
                )
            self._upsert(c, "ledger_events", _event_row(event))
            self._fold_complaint(c, event)
            self._fold_deadline(c, event)
            self._fold_claim(c, event)
            return ApplyResult.APPLIED

    def skip(self, source: str, position: int) -> None:
        """Record a position without applying anything (a dead-lettered message)."""
        with self._transaction() as c:
            self._insert_tracking(c, Tracking(self.prefix + source, position))

    # -- folds ------------------------------------------------------------------------------

    def _fold_complaint(self, c: Any, event: PublishedEvent) -> None:
        if event.aggregate_type != "complaint":
            return
        key = {"complaint_id": str(event.aggregate_id)}
        current = self._select_one(c, ComplaintStatus, "complaint_status", key)
        updated = complaint_status.fold(current, event)
        if updated is not None:
            self._upsert(c, "complaint_status", updated)

    def _fold_deadline(self, c: Any, event: PublishedEvent) -> None:
        deadline_key = deadlines.key_of(event)
        if deadline_key is None:
            return
        key = {"case_id": str(event.aggregate_id), "key": deadline_key}
        current = self._select_one(c, DeadlineRow, "case_deadlines", key)
        updated = deadlines.fold(current, event)
        if updated is not None:
            self._upsert(c, "case_deadlines", updated)

    def _fold_claim(self, c: Any, event: PublishedEvent) -> None:
        def load(row_type: type[Any], key: dict[str, Any]) -> Any:
            return self._select_one(c, row_type, TABLE_OF[row_type], key)

        for row in claims.claim_rows(event, load):
            self._upsert(c, TABLE_OF[type(row)], row)

    # -- SQL helpers -----------------------------------------------------------------------

    def _select_one(
        self, c: Any, row_type: type[Row], table: str, key: dict[str, Any]
    ) -> Row | None:
        where = " AND ".join(f"{k} = %({k})s" for k in key)
        c.execute(self._sql(f"SELECT * FROM {self.prefix}{table} WHERE {where}"), key)
        row = c.fetchone()
        return _from_db(row_type, row) if row else None

    def _upsert(self, c: Any, table: str, row: Any) -> None:
        row_type, key = TABLES[table]
        names = _columns(row_type)
        values = {k: _to_db(v) for k, v in asdict(row).items()}
        updates = ", ".join(f"{n} = excluded.{n}" for n in names if n not in key)
        c.execute(
            self._sql(
                f"INSERT INTO {self.prefix}{table} ({', '.join(names)}) "
                f"VALUES ({', '.join(f'%({n})s' for n in names)}) "
                f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}"
            ),
            values,
        )

    def _select_all(
        self,
        row_type: type[Row],
        table: str,
        where: str = "",
        params: dict[str, Any] | None = None,
        order: str = "",
    ) -> list[Row]:
        with self.datastore.transaction(commit=False) as c:
            sql = f"SELECT * FROM {self.prefix}{table}"
            if where:
                sql += f" WHERE {where}"
            if order:
                sql += f" ORDER BY {order}"
            c.execute(self._sql(sql), params or {})
            return [_from_db(row_type, row) for row in c.fetchall()]

    # -- readers ---------------------------------------------------------------------------

    def complaint_statuses(self) -> list[ComplaintStatus]:
        return self._select_all(ComplaintStatus, "complaint_status", order="reference")

    def complaint_status(self, reference: str) -> ComplaintStatus | None:
        rows = self._select_all(
            ComplaintStatus, "complaint_status", "reference = %(r)s", {"r": reference}
        )
        return rows[0] if rows else None

    def deadlines(self, case_id: str | None = None) -> list[DeadlineRow]:
        if case_id is None:
            return self._select_all(DeadlineRow, "case_deadlines", order="due, case_id, key")
        return self._select_all(
            DeadlineRow,
            "case_deadlines",
            "case_id = %(id)s",
            {"id": case_id},
            order="due, key",
        )

    def events(self, aggregate_id: str | None = None) -> list[EventRow]:
        if aggregate_id is None:
            return self._select_all(
                EventRow, "ledger_events", order="occurred_at, aggregate_id, version"
            )
        return self._select_all(
            EventRow,
            "ledger_events",
            "aggregate_id = %(id)s",
            {"id": aggregate_id},
            order="version",
        )

    def claim_sections(self) -> list[ClaimSectionRow]:
        return self._select_all(ClaimSectionRow, "claim_sections", order="reference, section")

    def claim_documents(self, claim_id: str) -> list[ClaimDocumentRow]:
        return self._select_all(
            ClaimDocumentRow,
            "claim_documents",
            "claim_id = %(id)s",
            {"id": claim_id},
            order="requested_at, document",
        )

    def calculations(self, claim_id: str | None = None) -> list[CalculationRow]:
        if claim_id is None:
            return self._select_all(
                CalculationRow, "claim_calculations", order="claim_id, section, number"
            )
        return self._select_all(
            CalculationRow,
            "claim_calculations",
            "claim_id = %(id)s",
            {"id": claim_id},
            order="section, number",
        )

    def policy_aggregates(self) -> list[PolicyAggregateRow]:
        return self._select_all(
            PolicyAggregateRow, "policy_aggregates", order="policy_number, category"
        )

    def travel_claims(self) -> list[TravelClaimRow]:
        return self._select_all(TravelClaimRow, "travel_claims", order="reference")

    def assistance_cases(self) -> list[AssistanceCaseRow]:
        return self._select_all(AssistanceCaseRow, "assistance_cases", order="reference")

    def snapshot(self) -> dict[str, list[Any]]:
        """Every table, every row, in key order: what two read models are compared by."""
        return {
            name: self._select_all(row_type, name, order=", ".join(key))
            for name, (row_type, key) in TABLES.items()
        }

    def event_hashes(self) -> dict[tuple[str, int], str]:
        """(aggregate id, version) -> hash of every event this read model has applied."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                self._sql(f"SELECT aggregate_id, version, hash FROM {self.prefix}ledger_events")
            )
            return {(r["aggregate_id"], r["version"]): r["hash"] for r in c.fetchall()}

    def event_count(self) -> int:
        with self.datastore.transaction(commit=False) as c:
            c.execute(self._sql(f"SELECT COUNT(*) AS n FROM {self.prefix}ledger_events"))
            return int(c.fetchone()["n"])


def _event_row(event: PublishedEvent) -> EventRow:
    return EventRow(
        aggregate_id=str(event.aggregate_id),
        version=event.version,
        aggregate_type=event.aggregate_type,
        event_type=event.event_type,
        occurred_at=event.occurred_at,
        recorded_at=event.recorded_at,
        rule_set=event.rule_set,
        correlation_id=event.correlation_id,
        prev_hash=event.prev_hash,
        hash=event.hash,
        payload=dict(event.payload),
    )


_NAMED = re.compile(r"%\((\w+)\)s")


class SQLiteReadModel(ReadModelMixin, SQLiteTrackingRecorder):
    def __init__(self, datastore: SQLiteDatastore, prefix: str = "rm_", **kwargs: Any) -> None:
        self.prefix = prefix
        super().__init__(datastore, **kwargs)

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *_table_statements(self.prefix)]

    def _sql(self, text: str) -> str:
        return _NAMED.sub(r":\1", text)


class PostgresReadModel(ReadModelMixin, PostgresTrackingRecorder):
    def __init__(self, datastore: PostgresDatastore, prefix: str = "rm_", **kwargs: Any) -> None:
        self.prefix = prefix
        super().__init__(datastore, **kwargs)
        for statement in _table_statements(prefix):
            self.sql_create_statements.append(SQL(statement))  # type: ignore[arg-type]

    def _sql(self, text: str) -> SQL:
        return SQL(text)
