"""The read models the store keeps, in the order their tables are created and compared, and the
one pure fold over them all: the rows an event changes, given the rows as they are. Writing the
rows (and the position they were fed to) is the store's job, in projections/read_model.py."""

from __future__ import annotations

from typing import Any, Protocol

from claims_ledger.domain.envelope import PublishedEvent
from claims_ledger.projections import (
    assistance_cases,
    claims,
    complaint_status,
    deadlines,
    event_log,
    travel_claims,
)
from claims_ledger.projections.dispatch import Decision, EventClass, Load
from claims_ledger.projections.tables import Table


class ReadModel(Protocol):
    """One read model: its tables, and the rows of them an event changes."""

    @property
    def name(self) -> str: ...

    @property
    def tables(self) -> tuple[Table[Any], ...]: ...

    def rows(self, event: PublishedEvent, load: Load) -> list[object]: ...

    def decision(self, cls: EventClass) -> Decision | None: ...


READ_MODELS: tuple[ReadModel, ...] = (
    event_log.PROJECTION,
    complaint_status.PROJECTION,
    deadlines.PROJECTION,
    claims.PROJECTION,
    travel_claims.PROJECTION,
    assistance_cases.PROJECTION,
)

TABLES: tuple[Table[Any], ...] = tuple(t for model in READ_MODELS for t in model.tables)
TABLE_OF_ROW: dict[type[Any], Table[Any]] = {t.row_type: t for t in TABLES}
if len(TABLE_OF_ROW) != len(TABLES) or len({t.name for t in TABLES}) != len(TABLES):
    raise TypeError("each table, and each row type, belongs to one read model")


def fold(event: PublishedEvent, load: Load) -> list[object]:
    """Every row `event` changes, in every read model. Each table is written by one read model,
    so what one of them loads is never what another changes for the same event."""
    return [row for model in READ_MODELS for row in model.rows(event, load)]
