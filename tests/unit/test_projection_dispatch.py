"""Projections dispatch by event type: every event type an aggregate publishes is handled or
explicitly ignored by each read model, and the pure fold, fed the envelopes of a stored
history, gives the rows the store keeps for it."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar, cast

import pytest
from eventsourcing.domain import Aggregate

from claims_ledger.domain.areas import CASE_TYPES
from claims_ledger.domain.complaints.complaint import Complaint
from claims_ledger.domain.complaints.report import QuarterlyComplaintReport
from claims_ledger.domain.envelope import PublishedEvent
from claims_ledger.domain.estatecare.policy import Policy
from claims_ledger.domain.estatecare.property_claim import PropertyClaim
from claims_ledger.domain.travel.assistance import AssistanceCase
from claims_ledger.domain.travel.claim import TravelClaim
from claims_ledger.infra.codec import json_safe
from claims_ledger.projections import claims, complaint_report, complaint_timeline
from claims_ledger.projections.dispatch import (
    AGGREGATE_TYPE,
    Dispatch,
    MissingRow,
    Projection,
    event_class,
)
from claims_ledger.projections.event_log import EventRow
from claims_ledger.projections.folds import READ_MODELS, TABLE_OF_ROW, TABLES, fold
from claims_ledger.projections.tables import Table

R = TypeVar("R")

FIXTURE = Path(__file__).parent.parent / "fixtures" / "store-0.1.0"

AGGREGATES: tuple[type[Aggregate], ...] = (
    Complaint,  # domain/complaints/complaint.py
    QuarterlyComplaintReport,  # domain/complaints/report.py
    Policy,  # domain/estatecare/policy.py
    PropertyClaim,  # domain/estatecare/property_claim.py
    TravelClaim,  # domain/travel/claim.py
    AssistanceCase,  # domain/travel/assistance.py
)


def published_events(aggregate: type[Aggregate]) -> list[type[Aggregate.Event]]:
    """The aggregate's nested event classes that are stored and published: those no other of
    its nested event classes extends (its `Event` base, a `Created` that `Received` extends)."""
    nested = [
        value
        for value in vars(aggregate).values()
        if isinstance(value, type) and issubclass(value, Aggregate.Event)
    ]
    return [c for c in nested if not any(o is not c and issubclass(o, c) for o in nested)]


PUBLISHED = [cls for aggregate in AGGREGATES for cls in published_events(aggregate)]

READERS: dict[str, Any] = {
    **{model.name: model for model in READ_MODELS},
    "complaint timeline (details)": complaint_timeline.DETAILS,
    "quarterly report (RG-CP-6)": complaint_report.COUNTS,
}


def envelope_type(cls: type[Aggregate.Event]) -> str:
    return str(vars(cls)["TOPIC"]).removeprefix("claims_ledger:")


def fixture_envelopes() -> list[PublishedEvent]:
    lines = (FIXTURE / "envelopes.jsonl").read_text().splitlines()
    return [PublishedEvent.model_validate_json(line) for line in lines]


class MemoryTables:
    """The read-model tables as dictionaries: what the pure fold needs to run without a store."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[tuple[Any, ...], object]] = {t.name: {} for t in TABLES}

    def load(self, table: Table[R], key: Any) -> R | None:
        return cast("R | None", self.rows[table.name].get(tuple(key[k] for k in table.key)))

    def write(self, row: object) -> None:
        table = TABLE_OF_ROW[type(row)]
        self.rows[table.name][tuple(getattr(row, k) for k in table.key)] = row

    def snapshot(self) -> dict[str, list[object]]:
        return {name: [rows[k] for k in sorted(rows)] for name, rows in self.rows.items()}


# -- every event type has a decision -------------------------------------------------------------


def test_the_aggregates_walked_are_every_case_type_the_ledger_knows() -> None:
    assert set(AGGREGATES) == {case_type.aggregate for case_type in CASE_TYPES}
    assert set(AGGREGATE_TYPE) == set(AGGREGATES)


def test_every_event_type_in_a_stored_history_is_a_published_event_class() -> None:
    stored = {e.event_type for e in fixture_envelopes()}
    assert stored <= {envelope_type(cls) for cls in PUBLISHED}
    assert "ComplaintCreated" not in {envelope_type(cls) for cls in PUBLISHED}  # a base only


@pytest.mark.parametrize("reader", sorted(READERS))
def test_each_read_model_handles_or_explicitly_ignores_every_published_event_type(
    reader: str,
) -> None:
    undecided = [
        f"{cls.__qualname__} ({envelope_type(cls)})"
        for cls in PUBLISHED
        if READERS[reader].decision(cls) is None
    ]
    assert undecided == [], f"{reader} has no decision for {undecided}"


def test_every_published_event_type_resolves_from_its_envelope_to_its_class() -> None:
    for aggregate in AGGREGATES:
        for cls in published_events(aggregate):
            assert event_class(AGGREGATE_TYPE[aggregate], envelope_type(cls)) is cls


def test_an_event_type_under_another_aggregate_type_resolves_to_nothing() -> None:
    assert event_class("claim", "ComplaintReceived") is None
    assert event_class("complaint", "ComplaintReopened") is None


def test_a_read_model_decides_once_about_an_event_type() -> None:
    projection = Projection("twice")
    projection.ignore(Complaint.Verified)
    with pytest.raises(TypeError, match="already ignored"):
        projection.on(Complaint.Verified)(lambda event, load: [])


def test_an_aggregate_read_event_by_event_is_not_ignored_as_a_whole() -> None:
    dispatch = Dispatch[object]("mixed")
    dispatch.on(Complaint.Verified)(object())
    with pytest.raises(TypeError, match="read and ignored"):
        dispatch.ignore_aggregates(Complaint)


def test_an_event_class_that_is_never_published_cannot_be_registered() -> None:
    with pytest.raises(TypeError, match="not a published event class"):
        Projection("base").on(Complaint.Created)


def test_property_and_travel_claims_share_the_handler_of_a_settlement_step_rg_cl_1() -> None:
    for step in ("CalculationRecorded", "AmountAccepted", "SectionPaid", "DocumentsReceived"):
        handler = claims.PROJECTION.handler("claim", f"Claim{step}")
        assert handler is not None
        assert claims.PROJECTION.handler("claim", f"TravelClaim{step}") is handler


# -- the pure fold ---------------------------------------------------------------------------


def test_the_tables_keep_their_names_and_order() -> None:
    assert [t.name for t in TABLES] == [
        "ledger_events",
        "complaint_status",
        "case_deadlines",
        "claim_sections",
        "claim_documents",
        "claim_calculations",
        "policy_aggregates",
        "travel_claims",
        "assistance_cases",
    ]


def test_the_pure_fold_of_a_0_1_0_history_gives_the_committed_read_model() -> None:
    # arrange
    tables = MemoryTables()
    expected = json.loads((FIXTURE / "readmodel.json").read_text())
    # act: no database, the rows as the folds return them
    for event in fixture_envelopes():
        for row in fold(event, tables.load):
            tables.write(row)
    # assert
    got = json.loads(
        json.dumps(
            {
                name: [json_safe(asdict(r)) for r in rows]
                for name, rows in tables.snapshot().items()
            },
            sort_keys=True,
            default=str,
        )
    )
    assert got == expected


def test_an_event_type_this_code_does_not_know_is_kept_in_the_event_log_only() -> None:
    # arrange: a newer ledger's complaint event
    received = fixture_envelopes()[0]
    assert received.event_type == "ComplaintReceived"
    newer = received.model_copy(update={"event_type": "ComplaintReopened", "version": 9})
    # act
    rows = fold(newer, MemoryTables().load)
    # assert
    assert [type(r) for r in rows] == [EventRow]
    assert isinstance(rows[0], EventRow)
    assert (rows[0].event_type, rows[0].version) == ("ComplaintReopened", 9)


def test_a_step_before_its_case_was_opened_is_refused_naming_the_event() -> None:
    envelopes = fixture_envelopes()
    verified = next(e for e in envelopes if e.event_type == "ComplaintVerified")
    with pytest.raises(
        MissingRow, match="ComplaintVerified v.* arrived before its ComplaintReceived"
    ):
        fold(verified, MemoryTables().load)


def test_a_row_comes_back_from_its_table_columns_as_it_went_in() -> None:
    wib = timezone(timedelta(hours=7))
    row = EventRow(
        aggregate_id="a",
        version=3,
        aggregate_type="complaint",
        event_type="ComplaintVerified",
        occurred_at=datetime(2026, 3, 2, 9, 5, tzinfo=wib),
        recorded_at=datetime(2026, 3, 2, 9, 10, tzinfo=wib),
        rule_set=None,
        correlation_id="c",
        prev_hash="0" * 64,
        hash="1" * 64,
        payload={"documents": ["e-KTP"], "nested": {"b": 1, "a": None}},
    )
    table = TABLE_OF_ROW[EventRow]
    stored = table.to_db(row)
    assert stored["occurred_at"] == "2026-03-02T09:05:00+07:00"
    assert stored["payload"] == '{"documents":["e-KTP"],"nested":{"a":null,"b":1}}'
    assert table.from_db(stored) == row
