"""A payload model per published event type: the registry covers every event class of every
aggregate, each model matches its event's fields, and every stored payload fits its model."""

from __future__ import annotations

import dataclasses
import json
import re
import typing
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.domain import Aggregate

from claims_ledger.domain.areas import CASE_TYPES, COMMAND_ADAPTER
from claims_ledger.domain.calculation import Step
from claims_ledger.domain.deadlines import Deadline
from claims_ledger.domain.envelope import PublishedEvent, seal
from claims_ledger.domain.event_types import EVENT_TYPES, PayloadMismatch
from claims_ledger.domain.ledger import CommandContext, Ledger
from claims_ledger.domain.payloads import (
    CalculationStep,
    ComputedDeadline,
    EventPayload,
    PayloadPart,
)
from claims_ledger.domain.travel.payloads import TravelClaimCalculationRecorded
from claims_ledger.infra.codec import (
    AGGREGATE_TYPES,
    ENVELOPE_ATTRIBUTES,
    UndecodableMessage,
    UnpublishableEvent,
    payload_of,
    publishable,
)
from claims_ledger.infra.store import envelope_chain, iter_stored_events

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "store-0.1.0" / "envelopes.jsonl"
WIB = timezone(timedelta(hours=7))
PARIS = timezone(timedelta(hours=2))


def fixture_envelopes() -> list[dict[str, Any]]:
    return [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]


def published_event_classes(aggregate: type[Aggregate]) -> set[type[Any]]:
    """Every event class an aggregate can record: the leaves of the tree of classes derived
    from its own `Event` class (bases such as `Event` and a `Created` that a `Received` refines
    are never recorded themselves)."""

    def derived(cls: type[Any]) -> Iterator[type[Any]]:
        for sub in cls.__subclasses__():
            yield sub
            yield from derived(sub)

    classes = set(derived(aggregate.Event))
    return {c for c in classes if not any(o is not c and issubclass(o, c) for o in classes)}


def parts(annotation: Any) -> Iterator[type[PayloadPart]]:
    if isinstance(annotation, type) and issubclass(annotation, PayloadPart):
        yield annotation
    for argument in typing.get_args(annotation):
        yield from parts(argument)


def models(root: type[PayloadPart]) -> Iterator[type[PayloadPart]]:
    """A model and every model nested in its fields."""
    yield root
    for field in root.model_fields.values():
        for part in parts(field.annotation):
            yield from models(part)


# -- the registry covers every event --------------------------------------------------------------


def test_every_event_class_of_every_aggregate_has_a_payload_model() -> None:
    # arrange: walk the aggregates, not the registry
    recorded = {c for case_type in CASE_TYPES for c in published_event_classes(case_type.aggregate)}
    # assert: a new event class without a model fails here, and so does a model of no event
    registered = {t.event_class for t in EVENT_TYPES}
    missing = sorted(c.TOPIC for c in recorded - registered)
    assert missing == [], f"events without a payload model (domain/<area>/payloads.py): {missing}"
    assert registered - recorded == set()
    assert len(EVENT_TYPES) == len(recorded) == 66


@pytest.mark.parametrize("event_type", list(EVENT_TYPES), ids=lambda t: t.name)
def test_each_payload_model_declares_exactly_the_fields_its_event_publishes(
    event_type: Any,
) -> None:
    published = {f.name for f in dataclasses.fields(event_type.event_class)} - ENVELOPE_ATTRIBUTES
    assert set(event_type.payload.model_fields) == published


def test_event_types_are_published_under_the_aggregate_type_of_their_aggregate() -> None:
    for event_type in EVENT_TYPES:
        aggregate = next(
            t.aggregate for t in CASE_TYPES if issubclass(event_type.event_class, t.aggregate.Event)
        )
        assert AGGREGATE_TYPES[aggregate.TOPIC] == event_type.aggregate_type, event_type.name
        assert event_type.name == event_type.event_class.TOPIC.removeprefix("claims_ledger:")


def test_the_shared_structures_have_the_fields_of_the_domain_values_they_publish() -> None:
    """A deadline (C-SLA-1) and a calculation step (C-CALC-1) are published as the domain
    writes them (`Deadline.as_payload`, `Calculation.event_fields`)."""
    assert list(ComputedDeadline.model_fields) == [f.name for f in dataclasses.fields(Deadline)]
    assert list(CalculationStep.model_fields) == [f.name for f in dataclasses.fields(Step)]


@pytest.mark.parametrize("event_type", list(EVENT_TYPES), ids=lambda t: t.name)
def test_payload_models_are_frozen_strict_closed_and_describe_every_field(event_type: Any) -> None:
    payload: type[EventPayload] = event_type.payload
    assert payload.__doc__ and payload.__doc__.strip()
    assert payload.rule_ids, f"{payload.__name__} names no rule id"
    assert all(re.fullmatch(r"[A-Z]+(-[A-Z0-9]+)+", r) for r in payload.rule_ids)
    for model in models(payload):
        assert model.model_config.get("frozen") is True, model.__name__
        assert model.model_config.get("extra") == "forbid", model.__name__
        assert model.model_config.get("strict") is True, model.__name__
        undescribed = [n for n, f in model.model_fields.items() if not f.description]
        assert undescribed == [], f"{model.__name__}: fields without a description"


# -- stored payloads fit their models -------------------------------------------------------------


def test_every_payload_stored_by_0_1_0_fits_the_model_of_its_event_type() -> None:
    envelopes = fixture_envelopes()
    validated = [
        (e["event_type"], EVENT_TYPES.validate(e["event_type"], e["payload"], e["aggregate_type"]))
        for e in envelopes
    ]
    assert len(validated) == 195
    assert all(isinstance(m, EVENT_TYPES.get(name).payload) for name, m in validated)


def test_the_envelope_rule_set_is_set_exactly_for_event_types_that_record_one() -> None:
    for envelope in fixture_envelopes():
        carries = EVENT_TYPES.get(envelope["event_type"]).carries_rule_set
        assert (envelope["rule_set"] is not None) == carries, envelope["event_type"]


def _scenario(ledger: Ledger, lines: list[dict[str, Any]]) -> None:
    at = datetime(2026, 7, 20, 9, 0, tzinfo=WIB)
    for line in lines:
        at += timedelta(hours=1)
        command = COMMAND_ADAPTER.validate_python({"occurred_at": at.isoformat(), **line})
        ledger.execute(command, CommandContext(at, "t", "t"))


def test_events_the_demo_never_records_fit_their_models_too() -> None:
    """Photo documentation (EC-S-2), a police report learned later (TR-P-1), a layoff ground
    with its dates (TR-A-2), and refunds above the claim, whose trace runs below 0 (TR-PAY-1)."""
    # arrange
    ledger = Ledger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    incident = datetime(2026, 7, 8, 18, 40, tzinfo=PARIS)
    _scenario(
        ledger,
        [
            {
                "command": "IssuePolicy",
                "policy": "EC-1",
                "insured": "Budi",
                "period_start": "2026-01-01",
                "period_end": "2026-12-31",
                "section_i_sum_insured": "1000000000",
            },
            {
                "command": "ReportClaim",
                "claim": "CL-1",
                "policy": "EC-1",
                "sections": ["I"],
                "loss_occurred_at": "2026-07-19T20:00:00+07:00",
            },
            {"command": "ApprovePhotoDocumentation", "claim": "CL-1"},
            {"command": "RecordRepairOrCleanUp", "claim": "CL-1", "work": "debris moved"},
            {
                "command": "SubmitTravelClaim",
                "claim": "TR-1",
                "policy": "AST-1",
                "plan": "Silver",
                "trip_start": "2026-07-01",
                "trip_end": "2026-07-15",
                "sections": [{"section": "G1", "incident_at": incident.isoformat()}],
            },
            {
                "command": "RecordPoliceReport",
                "claim": "TR-1",
                "section": "G1",
                "reported_at": (incident + timedelta(hours=3)).isoformat(),
            },
            {
                "command": "SubmitTravelClaim",
                "claim": "TR-2",
                "policy": "AST-2",
                "plan": "Silver",
                "trip_start": "2026-07-25",
                "trip_end": "2026-08-05",
                "sections": [{"section": "A"}],
                "ground": {
                    "ground": "layoff",
                    "event": "layoff",
                    "layoff_date": "2026-07-20",
                    "employment_start": "2020-01-06",
                },
            },
        ],
    )
    # act
    chain = envelope_chain(ledger)
    envelopes = [chain.envelope(event) for _, event in iter_stored_events(ledger)]
    # assert
    kinds = {e.event_type for e in envelopes}
    assert {"ClaimPhotoDocumentationApproved", "TravelClaimPoliceReportRecorded"} <= kinds
    for envelope in envelopes:
        assert publishable(envelope) is envelope


def test_a_trace_running_below_zero_fits_the_travel_calculation_model() -> None:
    # arrange: refunds above the amount claimed (TR-PAY-1)
    ledger = Ledger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    _scenario(
        ledger,
        [
            {
                "command": "SubmitTravelClaim",
                "claim": "TR-1",
                "policy": "AST-1",
                "plan": "Silver",
                "trip_start": "2026-07-01",
                "trip_end": "2026-07-15",
                "sections": [{"section": "F"}],
                "documents": ["mandatory.1", "mandatory.2", "mandatory.3", "mandatory.4"],
            },
            {"command": "ConfirmTravelClaimReceipt", "claim": "TR-1"},
            {"command": "RequestTravelDocuments", "claim": "TR-1"},
            {"command": "ReceiveTravelDocuments", "claim": "TR-1", "documents": ["F.b", "F.c"]},
            {"command": "ConfirmTravelClaimComplete", "claim": "TR-1"},
            {"command": "ReceiveTravelOriginals", "claim": "TR-1"},
            {
                "command": "AssessTravelSection",
                "claim": "TR-1",
                "section": "F",
                "claimed": "500000",
                "refunds": "600000",
            },
        ],
    )
    # act
    chain = envelope_chain(ledger)
    calculation = next(
        e
        for e in (chain.envelope(event) for _, event in iter_stored_events(ledger))
        if e.event_type == "TravelClaimCalculationRecorded"
    )
    # assert
    payload = EVENT_TYPES.validate(calculation.event_type, calculation.payload)
    assert isinstance(payload, TravelClaimCalculationRecorded)
    assert payload.steps[1].after == Decimal("-100000")
    assert payload.payable == Decimal(0)


# -- what does not fit is refused ----------------------------------------------------------------


def _received() -> dict[str, Any]:
    return dict(fixture_envelopes()[0])


def test_a_payload_with_an_unknown_field_does_not_fit() -> None:
    envelope = _received()
    with pytest.raises(PayloadMismatch, match="sneaky: Extra inputs are not permitted"):
        EVENT_TYPES.validate("ComplaintReceived", envelope["payload"] | {"sneaky": 1})


def test_a_payload_missing_a_field_does_not_fit() -> None:
    payload = {k: v for k, v in _received()["payload"].items() if k != "channel"}
    with pytest.raises(PayloadMismatch, match="channel: Field required"):
        EVENT_TYPES.validate("ComplaintReceived", payload)


def test_c_money_1_an_amount_as_a_json_number_does_not_fit() -> None:
    with pytest.raises(PayloadMismatch, match="C-MONEY-1: an amount of 0 or more as an exact"):
        EVENT_TYPES.validate("ClaimSectionPaid", {"section": "I", "amount": 1500000})


def test_a_value_is_never_coerced_into_its_type() -> None:
    payload = {"rule_id": "CP-SLA-1", "due": "2026-03-03T23:59:59+07:00", "duration_seconds": "60"}
    with pytest.raises(PayloadMismatch, match="duration_seconds: Input should be a valid integer"):
        EVENT_TYPES.validate("ComplaintBreachClosed", payload)


def test_c_time_1_a_time_without_an_offset_does_not_fit() -> None:
    payload = {"rule_id": "CP-SLA-1", "due": "2026-03-03T23:59:59"}
    with pytest.raises(PayloadMismatch, match="due: Input should have timezone info"):
        EVENT_TYPES.validate("ComplaintDeadlineMet", payload)


def test_an_unknown_event_type_and_a_foreign_aggregate_type_do_not_fit() -> None:
    with pytest.raises(PayloadMismatch, match="unknown event type 'ComplaintReopened'"):
        EVENT_TYPES.validate("ComplaintReopened", {})
    with pytest.raises(PayloadMismatch, match="published under aggregate type 'complaint'"):
        EVENT_TYPES.validate("ComplaintClosed", {}, aggregate_type="claim")


def _sealed(envelope: dict[str, Any], **changes: Any) -> PublishedEvent:
    fields = {k: v for k, v in envelope.items() if k != "hash"} | changes
    return seal(fields)


def test_the_relay_refuses_to_publish_a_payload_that_does_not_fit() -> None:
    bad = _sealed(_received(), payload=_received()["payload"] | {"channel": "pigeon"})
    with pytest.raises(UnpublishableEvent, match=r"ComplaintReceived v1 of .* channel: Input"):
        publishable(bad)


def test_a_consumer_reads_an_unknown_event_type_as_undecodable_with_the_reason() -> None:
    unknown = _sealed(_received(), event_type="ComplaintReopened")
    with pytest.raises(UndecodableMessage, match="unknown event type 'ComplaintReopened'"):
        payload_of(unknown)
