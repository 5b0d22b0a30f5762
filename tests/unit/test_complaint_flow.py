"""The minimal complaint aggregate: CP-FLOW-1, CP-CH-1, CP-FORM-1, C-TIME-1, C-TIME-2, RG-V-1."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from pydantic import ValidationError

from domain.complaint import ComplaintState, complaint_id
from domain.errors import CaseAlreadyExists, CaseNotFound, RuleViolation
from domain.ledger import CommandContext, Ledger
from tests.factories import T0, command, context


@pytest.fixture
def ledger() -> Ledger:
    return Ledger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


def stored_count(ledger: Ledger) -> int:
    return ledger.recorder.max_notification_id() or 0


def test_complaint_goes_received_responded_resolved_in_order(ledger: Ledger) -> None:
    # arrange
    ledger.execute(command("ReceiveComplaint", complaint="C-1"), context())
    # act
    ledger.execute(
        command("GiveInitialResponse", complaint="C-1", occurred_at=T0 + timedelta(minutes=30)),
        context(),
    )
    ledger.execute(
        command(
            "ResolveComplaint",
            complaint="C-1",
            outcome="rejected",
            occurred_at=T0 + timedelta(minutes=50),
        ),
        context(),
    )
    # assert
    complaint = ledger.complaint("C-1")
    assert complaint.state is ComplaintState.RESOLVED
    assert complaint.outcome == "rejected"
    assert complaint.version == 3
    assert complaint.id == complaint_id("C-1")


def test_resolving_before_the_initial_response_is_refused_naming_cp_flow_1(ledger: Ledger) -> None:
    ledger.execute(command("ReceiveComplaint", complaint="C-1"), context())
    with pytest.raises(RuleViolation) as raised:
        ledger.execute(command("ResolveComplaint", complaint="C-1"), context())
    assert raised.value.rule_id == "CP-FLOW-1"
    assert "initial response only when" not in str(raised.value)
    assert "resolution only when the complaint is responded" in str(raised.value)
    assert stored_count(ledger) == 1


def test_a_second_initial_response_is_refused_and_nothing_is_stored(ledger: Ledger) -> None:
    ledger.execute(command("ReceiveComplaint", complaint="C-1"), context())
    ledger.execute(command("GiveInitialResponse", complaint="C-1"), context())
    with pytest.raises(RuleViolation, match="CP-FLOW-1"):
        ledger.execute(command("GiveInitialResponse", complaint="C-1"), context())
    assert stored_count(ledger) == 2


def test_a_step_dated_before_the_receipt_is_refused(ledger: Ledger) -> None:
    ledger.execute(command("ReceiveComplaint", complaint="C-1"), context())
    with pytest.raises(RuleViolation, match=r"CP-FLOW-1.*before the complaint was received"):
        ledger.execute(
            command("GiveInitialResponse", complaint="C-1", occurred_at=T0 - timedelta(minutes=1)),
            context(),
        )


def test_an_occurred_at_later_than_the_recording_time_is_refused_c_time_2(ledger: Ledger) -> None:
    with pytest.raises(RuleViolation) as raised:
        ledger.execute(
            command("ReceiveComplaint", complaint="C-1"),
            context(recorded_at=T0 - timedelta(seconds=1)),
        )
    assert raised.value.rule_id == "C-TIME-2"
    assert stored_count(ledger) == 0


def test_a_naive_occurred_at_is_refused_c_time_1() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        command("ReceiveComplaint", complaint="C-1", occurred_at=datetime(2026, 3, 2, 9))


def test_a_naive_recording_time_is_refused_c_time_1() -> None:
    with pytest.raises(RuleViolation, match="C-TIME-1"):
        CommandContext(recorded_at=datetime(2026, 3, 2, 9), correlation_id="x", causation_id="x")


def test_an_unknown_channel_is_refused_cp_ch_1() -> None:
    with pytest.raises(ValidationError, match="channel"):
        command("ReceiveComplaint", complaint="C-1", channel="carrier_pigeon")


def test_a_complaint_reference_is_received_once(ledger: Ledger) -> None:
    ledger.execute(command("ReceiveComplaint", complaint="C-1"), context())
    with pytest.raises(CaseAlreadyExists):
        ledger.execute(command("ReceiveComplaint", complaint="C-1"), context())
    assert stored_count(ledger) == 1


def test_a_step_for_an_unknown_complaint_is_refused(ledger: Ledger) -> None:
    with pytest.raises(CaseNotFound, match="C-404"):
        ledger.execute(command("GiveInitialResponse", complaint="C-404"), context())


def test_a_complaint_keeps_the_rule_set_in_force_at_receipt_rg_v_1(ledger: Ledger) -> None:
    ledger.execute(command("ReceiveComplaint", complaint="C-1"), context())
    assert ledger.complaint("C-1").rule_set == "id-ojk-complaints@2026.1"


def test_a_complaint_before_any_rule_set_is_in_force_is_refused_rg_v_1(ledger: Ledger) -> None:
    early = datetime(2019, 5, 1, 9, tzinfo=T0.tzinfo)
    with pytest.raises(RuleViolation, match="RG-V-1"):
        ledger.execute(
            command("ReceiveComplaint", complaint="C-1", occurred_at=early),
            context(recorded_at=early),
        )


def test_events_carry_the_ledger_time_not_the_wall_clock_c_time_2(ledger: Ledger) -> None:
    recorded = T0 + timedelta(days=3)
    ledger.execute(command("ReceiveComplaint", complaint="C-1"), context(recorded_at=recorded))
    (event,) = list(ledger.history(complaint_id("C-1")))
    assert event.timestamp == recorded
    assert event.occurred_at == T0
