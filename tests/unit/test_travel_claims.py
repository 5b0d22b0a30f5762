"""The single-trip travel claim: RULES.md section 3 (TR-*) with RG-CL-1..3, rule by rule."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal as D
from typing import Any

import pytest

from claims_ledger.domain.areas import COMMAND_ADAPTER
from claims_ledger.domain.deadlines import DeadlineStatus
from claims_ledger.domain.errors import RuleViolation
from claims_ledger.domain.estatecare.property_claim import claim_id
from claims_ledger.domain.ledger import CommandContext, Ledger
from claims_ledger.domain.travel.assistance import AssistanceCase, assistance_case_id
from claims_ledger.domain.travel.claim import SectionStatus, Stage, TravelClaim
from claims_ledger.domain.travel.grounds import check_home_damage, check_layoff, years_before
from claims_ledger.domain.travel.schedule import BenefitSchedule, benefit_schedule

WIB = timezone(timedelta(hours=7))
PARIS = timezone(timedelta(hours=2))  # CEST
NEW_YORK = timezone(timedelta(hours=-4))  # EDT
KATHMANDU = timezone(timedelta(hours=5, minutes=45))
TRIP_START = date(2026, 7, 1)


def wib(m: int, d: int, hh: int = 9, mm: int = 0) -> datetime:
    return datetime(2026, m, d, hh, mm, tzinfo=WIB)


class Travel:
    """An in-memory ledger driven by the same commands a scenario file holds."""

    def __init__(self) -> None:
        self.ledger = Ledger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
        self.at = wib(8, 3)

    def do(self, name: str, at: datetime | None = None, **fields: Any) -> Travel:
        self.at = at or self.at + timedelta(hours=1)
        if "case" not in fields:  # an assistance case names `case`, a claim `claim`
            fields.setdefault("claim", "TR-1")
        parsed = COMMAND_ADAPTER.validate_python(
            {"command": name, "occurred_at": self.at.isoformat(), **fields}
        )
        self.ledger.execute(parsed, CommandContext(self.at, "t", "t"))
        return self

    def submit(self, sections: list[dict[str, Any]], **fields: Any) -> Travel:
        values = {
            "policy": "AST-1",
            "plan": "Silver",
            "trip_start": TRIP_START.isoformat(),
            "trip_end": "2026-07-15",
            "sections": sections,
            **fields,
        }
        return self.do("SubmitTravelClaim", **values)

    @property
    def claim(self) -> TravelClaim:
        claim: TravelClaim = self.ledger.repository.get(claim_id("TR-1"))
        return claim

    def complete(self) -> Travel:
        self.do("ConfirmTravelClaimReceipt")
        if self.claim.outstanding_documents():
            self.do("RequestTravelDocuments")
            self.do("ReceiveTravelDocuments", documents=self.claim.outstanding_documents())
        return self.do("ConfirmTravelClaimComplete")

    def stored(self) -> int:
        return self.ledger.recorder.max_notification_id() or 0


def refused(rule_id: str, travel: Travel, name: str, **fields: Any) -> RuleViolation:
    before = travel.stored()
    with pytest.raises(RuleViolation) as error:
        travel.do(name, **fields)
    assert error.value.rule_id == rule_id, str(error.value)
    assert travel.stored() == before, "nothing is stored for a refused command"
    return error.value


def refused_submission(
    rule_id: str, travel: Travel, sections: list[dict[str, Any]], **fields: Any
) -> RuleViolation:
    values = {"policy": "AST-1", "plan": "Silver", "trip_start": "2026-07-01",
              "trip_end": "2026-07-15", "sections": sections, **fields}  # fmt: skip
    return refused(rule_id, travel, "SubmitTravelClaim", **values)


FLIGHT_DELAY = [{"section": "F"}]
ILLNESS = {"ground": "death_injury_illness_quarantine", "event": "serious_illness"}


# -- TR-A-2: the layoff ground -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("layoff", "holds"),
    [
        (date(2026, 6, 23), False),  # trip_start - 8 days
        (date(2026, 6, 24), True),  # trip_start - 7 days: the first day that counts
        (date(2026, 6, 30), True),  # the day before the trip
        (date(2026, 7, 1), False),  # the trip start day itself
    ],
)
def test_tr_a_2_layoff_within_7_days_before_the_trip_start(layoff: date, holds: bool) -> None:
    employed_since = date(2020, 1, 6)
    if holds:
        findings = check_layoff(TRIP_START, layoff, employed_since)
        assert all(f.startswith("TR-A-2") for f in findings)
    else:
        with pytest.raises(RuleViolation) as error:
            check_layoff(TRIP_START, layoff, employed_since)
        assert error.value.rule_id == "TR-A-2"
        assert "layoff within 7 consecutive days before the trip start" in str(error.value)


@pytest.mark.parametrize(
    ("employment_start", "holds"),
    [
        (date(2024, 6, 29), False),  # one day short of 2 years before the layoff
        (date(2024, 6, 28), True),  # exactly layoff_date - 2 years
        (date(2024, 6, 27), True),
    ],
)
def test_tr_a_2_at_least_two_years_with_the_employer(employment_start: date, holds: bool) -> None:
    layoff = date(2026, 6, 28)
    if holds:
        check_layoff(TRIP_START, layoff, employment_start)
    else:
        with pytest.raises(RuleViolation) as error:
            check_layoff(TRIP_START, layoff, employment_start)
        assert "at least 2 consecutive years with the employer" in str(error.value)


def test_tr_a_2_two_years_before_29_february_is_28_february() -> None:
    assert years_before(date(2028, 2, 29), 2) == date(2026, 2, 28)
    trip = date(2028, 3, 3)
    check_layoff(trip, date(2028, 2, 29), date(2026, 2, 28))
    with pytest.raises(RuleViolation):
        check_layoff(trip, date(2028, 2, 29), date(2026, 3, 1))


def test_tr_a_2_a_failed_layoff_ground_refuses_the_whole_claim() -> None:
    travel = Travel()
    error = refused(
        "TR-A-2",
        travel,
        "SubmitTravelClaim",
        policy="AST-1",
        plan="Silver",
        trip_start="2026-07-01",
        trip_end="2026-07-10",
        sections=[{"section": "A"}],
        ground={
            "ground": "layoff",
            "event": "layoff",
            "layoff_date": "2026-06-28",
            "employment_start": "2025-01-02",
        },
    )
    assert "2 consecutive years" in error.reason


# -- TR-A-3: the home damage ground --------------------------------------------------------------


@pytest.mark.parametrize(
    ("damage", "holds"),
    [
        (date(2026, 6, 23), False),
        (date(2026, 6, 24), True),
        (date(2026, 6, 30), True),
        (date(2026, 7, 1), False),
        (date(2026, 7, 3), False),
    ],
)
def test_tr_a_3_home_damage_within_one_week_before_the_trip_start(
    damage: date, holds: bool
) -> None:
    if holds:
        assert check_home_damage(TRIP_START, damage)[0].startswith("TR-A-3")
    else:
        with pytest.raises(RuleViolation) as error:
            check_home_damage(TRIP_START, damage)
        assert error.value.rule_id == "TR-A-3"
        assert "home damaged within one week before the trip start" in str(error.value)


def test_tr_a_3_applies_to_an_early_return_too() -> None:
    travel = Travel()
    ground = {"ground": "home_damage", "event": "flood", "damage_date": "2026-06-20"}
    refused(
        "TR-A-3",
        travel,
        "SubmitTravelClaim",
        policy="AST-1",
        plan="Silver",
        trip_start="2026-07-01",
        trip_end="2026-07-10",
        sections=[{"section": "D", "circumstances": ["return_cost"]}],
        ground=ground,
    )
    travel.submit(
        [{"section": "D", "circumstances": ["return_cost"]}],
        ground={**ground, "damage_date": "2026-06-27"},
    )
    assert any(f.startswith("TR-A-3") for f in travel.claim.ground_findings)


# -- TR-A-1: grounds and their evidence -------------------------------------------------------


def test_tr_a_1_cancellation_and_early_return_need_a_ground_of_their_section() -> None:
    travel = Travel()
    refused_submission("TR-A-1", travel, [{"section": "A"}])
    layoff_on_return = {"ground": "layoff", "event": "layoff"}
    error = refused_submission(
        "TR-A-1",
        travel,
        [{"section": "D", "circumstances": ["return_cost"]}],
        ground=layoff_on_return,
    )
    assert "not a ground for section D" in error.reason
    hijack = {"ground": "disruption", "event": "hijack_trauma"}
    refused_submission("TR-A-1", travel, [{"section": "A"}], ground=hijack)
    travel.submit([{"section": "D", "circumstances": ["return_cost"]}], ground=hijack)
    assert "D.e" in travel.claim.outstanding_documents()


def test_tr_a_1_illness_of_a_relative_needs_the_medical_evidence_and_the_family_card() -> None:
    travel = Travel().submit([{"section": "A"}], ground={**ILLNESS, "person": "relative"})
    outstanding = travel.claim.outstanding_documents()
    assert {"A.h.1", "A.h.2", "A.l"} <= set(outstanding)
    assert "A.h.3" not in outstanding  # the death certificate is for a death


# -- TR-P-1: the police report within 1 x 24 hours, with times abroad -----------------------


def _baggage(incident: datetime, report: datetime | None) -> dict[str, Any]:
    section: dict[str, Any] = {"section": "G1", "incident_at": incident.isoformat()}
    if report is not None:
        section["police_report_at"] = report.isoformat()
    return section


def test_tr_p_1_a_report_exactly_24_hours_later_in_paris_time_is_met() -> None:
    incident = datetime(2026, 7, 8, 18, 40, tzinfo=PARIS)
    travel = Travel().submit([_baggage(incident, incident + timedelta(hours=24))])
    state = travel.claim.deadlines["TR-P-1/G1"]
    assert state.status is DeadlineStatus.MET
    assert state.due == incident + timedelta(hours=24)
    assert state.due.utcoffset() == timedelta(hours=2)  # the deadline keeps the local offset
    assert state.deadline.basis == incident


def test_tr_p_1_one_minute_late_is_a_breach_closed_by_the_late_report() -> None:
    incident = datetime(2026, 7, 8, 18, 40, tzinfo=PARIS)
    late = incident + timedelta(hours=24, minutes=1)
    travel = Travel().submit([_baggage(incident, late)])
    state = travel.claim.deadlines["TR-P-1/G1"]
    assert state.status is DeadlineStatus.BREACH_CLOSED
    assert state.breached_at == incident + timedelta(hours=24)
    assert state.fulfilled_at == late


def test_tr_p_1_compares_instants_not_wall_clocks_across_time_zones() -> None:
    """Lost in New York at 22:00 EDT on 8 July (09:00 WIB on 9 July); reported at 08:30 WIB on
    10 July: 23.5 hours on the clock, met, although read as WIB wall clocks the two times would
    be 34.5 hours apart."""
    incident = datetime(2026, 7, 8, 22, 0, tzinfo=NEW_YORK)
    report = datetime(2026, 7, 10, 8, 30, tzinfo=WIB)
    assert report - incident == timedelta(hours=23, minutes=30)
    travel = Travel().submit([_baggage(incident, report)])
    state = travel.claim.deadlines["TR-P-1/G1"]
    assert state.status is DeadlineStatus.MET
    assert state.due == datetime(2026, 7, 10, 9, 0, tzinfo=WIB)


def test_tr_p_1_a_report_time_not_yet_known_is_breached_by_the_deadline_process() -> None:
    incident = datetime(2026, 7, 30, 12, 0, tzinfo=KATHMANDU)
    travel = Travel()
    travel.submit([_baggage(incident, None)], at=datetime(2026, 7, 30, 20, 0, tzinfo=WIB))
    assert travel.claim.deadlines["TR-P-1/G1"].status is DeadlineStatus.OPEN
    assert travel.ledger.check_deadlines(datetime(2026, 8, 1, 9, 0, tzinfo=WIB)) == 1
    assert travel.claim.deadlines["TR-P-1/G1"].status is DeadlineStatus.BREACHED
    travel.do(
        "RecordPoliceReport",
        at=datetime(2026, 8, 1, 10, 0, tzinfo=WIB),
        section="G1",
        reported_at=(incident + timedelta(hours=30)).isoformat(),
    )
    assert travel.claim.deadlines["TR-P-1/G1"].status is DeadlineStatus.BREACH_CLOSED


def test_tr_p_1_g3_needs_the_card_blocking_time_and_g5_cheques_their_own_report() -> None:
    incident = datetime(2026, 7, 8, 18, 40, tzinfo=PARIS)
    card = {"section": "G3", "incident_at": incident.isoformat()}
    travel = Travel()
    error = refused_submission("TR-P-1", travel, [card])
    assert "card_blocked_at" in error.reason
    blocked = (incident + timedelta(minutes=75)).isoformat()
    money = {
        "section": "G5",
        "circumstances": ["cheques"],
        "incident_at": incident.isoformat(),
        "police_report_at": (incident + timedelta(hours=3)).isoformat(),
        "cheque_loss_reported_at": (incident + timedelta(hours=26)).isoformat(),
    }
    travel.submit([{**card, "card_blocked_at": blocked}, money])
    deadlines = travel.claim.deadlines
    assert set(deadlines) == {"TR-P-1/G3", "TR-P-1/G5", "TR-P-1/G5-cheque"}
    assert deadlines["TR-P-1/G5"].status is DeadlineStatus.MET
    assert deadlines["TR-P-1/G5-cheque"].status is DeadlineStatus.BREACH_CLOSED
    assert "G5.c" in travel.claim.outstanding_documents()


def test_tr_p_1_needs_the_event_time_and_refuses_a_report_before_the_event() -> None:
    travel = Travel()
    refused_submission("TR-P-1", travel, [{"section": "G4"}])
    incident = datetime(2026, 7, 8, 18, 40, tzinfo=PARIS)
    refused_submission("TR-P-1", travel, [_baggage(incident, incident - timedelta(minutes=1))])


def test_c_time_1_a_time_abroad_without_an_offset_is_refused() -> None:
    travel = Travel()
    with pytest.raises(ValueError, match="timezone"):
        travel.submit([{"section": "G1", "incident_at": "2026-07-08T18:40:00"}])
    assert travel.stored() == 0


# -- TR-FLOW-1: the submission flow ------------------------------------------------------------


def test_tr_flow_1_the_whole_flow_with_payment_within_30_days_rg_cl_1() -> None:
    travel = Travel().submit(FLIGHT_DELAY, documents=["mandatory.1", "mandatory.2"])
    assert travel.claim.stage is Stage.SUBMITTED
    travel.do("ConfirmTravelClaimReceipt")
    assert travel.claim.stage is Stage.CONFIRMED
    travel.do("RequestTravelDocuments")
    assert travel.claim.stage is Stage.AWAITING_DOCUMENTS
    assert travel.claim.outstanding_documents() == ["mandatory.3", "mandatory.4", "F.b", "F.c"]
    travel.do("ReceiveTravelDocuments", documents=["mandatory.3", "mandatory.4", "F.b", "F.c"])
    travel.do("ConfirmTravelClaimComplete")
    assert travel.claim.stage is Stage.COMPLETE
    travel.do("ReceiveTravelOriginals")
    travel.do("AssessTravelSection", section="F", claimed="1500000")
    travel.do("DecideTravelSection", section="F", decision="approve")
    travel.do("AcceptTravelAmount", section="F")
    accepted = travel.at
    due = travel.claim.deadlines["RG-CL-1/F"].due
    assert due == datetime(2026, 9, 2, 23, 59, 59, 999999, tzinfo=WIB)  # 30 days (C-D-1)
    assert accepted.date() + timedelta(days=30) == due.date()
    travel.do("PayTravelSection", section="F", amount="1500000")
    assert travel.claim.deadlines["RG-CL-1/F"].status is DeadlineStatus.MET
    assert travel.claim.stage is Stage.SETTLED


def test_tr_flow_1_a_decision_before_completeness_is_refused() -> None:
    travel = Travel().submit(FLIGHT_DELAY)
    error = refused("TR-FLOW-1", travel, "DecideTravelSection", section="F", decision="decline",
                    reason="Not covered.")  # fmt: skip
    assert "before its completeness is confirmed" in error.reason
    travel.do("ConfirmTravelClaimReceipt")
    refused("TR-FLOW-1", travel, "DecideTravelSection", section="F", decision="approve")


def test_tr_flow_1_completeness_is_refused_while_documents_are_outstanding() -> None:
    travel = Travel().submit(FLIGHT_DELAY)
    refused("TR-FLOW-1", travel, "ConfirmTravelClaimComplete")  # receipt not confirmed
    travel.do("ConfirmTravelClaimReceipt")
    error = refused("TR-FLOW-1", travel, "ConfirmTravelClaimComplete")
    assert "F.b" in error.reason


def test_tr_flow_1_originals_follow_completeness_and_assessment_follows_the_originals() -> None:
    travel = Travel().submit(FLIGHT_DELAY)
    refused("TR-FLOW-1", travel, "ReceiveTravelOriginals")
    travel.complete()
    refused("TR-FLOW-1", travel, "AssessTravelSection", section="F", claimed="100")
    travel.do("ReceiveTravelOriginals")
    travel.do("AssessTravelSection", section="F", claimed="100")


def test_rg_cl_2_a_received_document_is_not_requested_again() -> None:
    travel = Travel().submit(FLIGHT_DELAY, documents=["F.b"]).do("ConfirmTravelClaimReceipt")
    error = refused("RG-CL-2", travel, "RequestTravelDocuments", documents=["F.b"])
    assert "already received" in error.reason


def test_rg_cl_3_one_declined_section_does_not_hold_up_another() -> None:
    incident = datetime(2026, 7, 8, 18, 40, tzinfo=PARIS)
    travel = Travel().submit([_baggage(incident, incident + timedelta(hours=2)), *FLIGHT_DELAY])
    travel.complete().do("ReceiveTravelOriginals")
    travel.do("DecideTravelSection", section="G1", decision="decline", reason="Unattended bag.")
    travel.do("AssessTravelSection", section="F", claimed="900000")
    travel.do("DecideTravelSection", section="F", decision="approve")
    travel.do("AcceptTravelAmount", section="F").do(
        "PayTravelSection", section="F", amount="900000"
    )
    sections = travel.claim.sections
    assert sections["G1"].status is SectionStatus.DECLINED
    assert sections["F"].status is SectionStatus.PAID
    assert travel.claim.stage is Stage.SETTLED


def test_circumstances_are_checked_against_the_section_list() -> None:
    travel = Travel()
    error = refused_submission("TR-D-B", travel, [{"section": "B2d"}])
    assert "hospitalised_abroad" in error.reason
    refused_submission("TR-D-F", travel, [{"section": "F", "circumstances": ["cheques"]}])
    refused_submission("TR-D-D", travel, [{"section": "D"}], ground=ILLNESS | {"person": "insured"})


# -- TR-AS-1: assistance cases ---------------------------------------------------------------


@pytest.mark.parametrize("section", ["B2a", "C"])
def test_tr_as_1_evacuation_and_repatriation_are_not_document_claims(section: str) -> None:
    travel = Travel()
    error = refused_submission("TR-AS-1", travel, [{"section": section}])
    assert "assistance case" in error.reason and error.accepted == "ReportAssistanceCase"


def test_tr_as_1_an_assistance_case_takes_the_four_pieces_of_information() -> None:
    travel = Travel()
    event_at = datetime(2026, 10, 19, 6, 0, tzinfo=KATHMANDU)
    case = {
        "case": "AGA-1",
        "service": "medical_evacuation",
        "policy": "AST-1",
        "insured_name": "Rudi Hartono",
        "location": "Lobuche, Nepal",
        "condition": "Altitude sickness; needs evacuation.",
        "reported_by": "family",
        "event_at": event_at.isoformat(),
    }
    at = datetime(2026, 10, 19, 7, 55, tzinfo=WIB)
    with pytest.raises(ValueError, match="location"):
        travel.do("ReportAssistanceCase", at=at, **{**case, "location": ""})
    travel.do("ReportAssistanceCase", at=at, **case)
    travel.do("ArrangeAssistance", case="AGA-1", arrangement="Helicopter to Kathmandu.")
    travel.do("CloseAssistanceCase", case="AGA-1", outcome="Evacuated.")
    stored: AssistanceCase = travel.ledger.repository.get(assistance_case_id("AGA-1"))
    assert stored.closed_at is not None and stored.service.section == "B2a"
    (reported, *_) = travel.ledger.events.get(stored.id)
    assert reported.report_delay_seconds == 40 * 60  # 06:00 +05:45 is 07:15 WIB
    refused("TR-AS-1", travel, "ArrangeAssistance", case="AGA-1", arrangement="Again.")


# -- TR-PAY-1: payouts on the example benefit schedule ----------------------------------------


def test_tr_pay_1_refunds_and_compensation_are_deducted_then_the_limit_applies() -> None:
    travel = Travel().submit(
        [{"section": "A"}], ground={**ILLNESS, "person": "insured"}, plan="Gold"
    )
    travel.complete().do("ReceiveTravelOriginals")
    travel.do("AssessTravelSection", section="A", claimed="38500000.50", refunds="12250000")
    assert travel.claim.sections["A"].payable == D("26250001")  # one half-up rounding
    travel.do("AssessTravelSection", section="A", claimed="70000000", refunds="10000000")
    assert travel.claim.sections["A"].payable == D("50000000")  # the Gold plan's A limit
    assert travel.claim.sections["A"].calculations == 2  # a recalculation appends (C-CALC-1)
    (calculation, *_) = [
        e for e in travel.ledger.events.get(claim_id("TR-1")) if "Calculation" in type(e).__name__
    ]
    assert [s["rule_id"] for s in calculation.steps] == ["TR-PAY-1"] * 4 + ["C-MONEY-1"]
    assert calculation.inputs["example_schedule"] is True


def test_tr_pay_1_refunds_above_the_claim_pay_nothing_never_negative() -> None:
    travel = Travel().submit(FLIGHT_DELAY)
    travel.complete().do("ReceiveTravelOriginals")
    travel.do("AssessTravelSection", section="F", claimed="500000", refunds="400000",
              compensation="300000")  # fmt: skip
    assert travel.claim.sections["F"].payable == D(0)


def test_tr_pay_1_an_unknown_plan_is_refused_and_the_schedule_is_marked_as_an_example() -> None:
    travel = Travel()
    error = refused_submission("TR-PAY-1", travel, FLIGHT_DELAY, plan="Diamond")
    assert "Silver" in (error.accepted or "")
    schedule = benefit_schedule()
    assert schedule.example and "EXAMPLE" in schedule.disclaimer


def test_tr_pay_1_the_schedule_model_refuses_a_plan_without_every_section() -> None:
    data = benefit_schedule().model_dump()
    del data["plans"]["Silver"]["G5"]
    with pytest.raises(ValueError, match="G5"):
        BenefitSchedule.model_validate(data)
    data = benefit_schedule().model_dump()
    data["plans"]["Gold"]["A"] = D("-1")
    with pytest.raises(ValueError, match="not a positive"):
        BenefitSchedule.model_validate(data)
