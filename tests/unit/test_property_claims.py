"""The EstateCare property claim: RULES.md section 2 with RG-CL-1..4, rule by rule."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal as D
from typing import Any

import pytest

from claims_ledger.domain.areas import COMMAND_ADAPTER
from claims_ledger.domain.calendar import end_of_wib_day
from claims_ledger.domain.clock import WIB
from claims_ledger.domain.deadlines import DeadlineStatus
from claims_ledger.domain.errors import RuleViolation
from claims_ledger.domain.estatecare.policy import Policy, policy_id
from claims_ledger.domain.estatecare.property_claim import (
    PropertyClaim,
    Section,
    SectionStatus,
    claim_id,
)
from claims_ledger.domain.ledger import CommandContext, Ledger


def wib(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=WIB)


POLICY = {
    "command": "IssuePolicy",
    "policy": "EC-2026-001",
    "insured": "Budi Santoso",
    "period_start": "2026-01-01",
    "period_end": "2026-12-31",
    "section_i_sum_insured": "1000000000",
    "schedule": {"Television": "6000000", "Laptop": "15000000"},
    "family_members": ["Sari Santoso", "Dewi Santoso"],
    "domestic_helpers": ["Ani"],
}


class Claim:
    def __init__(self, **policy: Any) -> None:
        self.ledger = Ledger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
        self.do(POLICY | policy, wib(2026, 1, 1))

    def do(self, command: dict[str, Any], at: datetime) -> Claim:
        parsed = COMMAND_ADAPTER.validate_python({"occurred_at": at.isoformat(), **command})
        self.ledger.execute(parsed, CommandContext(at, "t", "t"))
        return self

    def on(self, name: str, at: datetime, reference: str = "CL-1", **fields: Any) -> Claim:
        return self.do({"command": name, "claim": reference, **fields}, at)

    def report(self, at: datetime, sections: list[str], loss: datetime, **fields: Any) -> Claim:
        return self.on(
            "ReportClaim",
            at,
            policy="EC-2026-001",
            sections=sections,
            loss_occurred_at=loss.isoformat(),
            **fields,
        )

    def claim(self, reference: str = "CL-1") -> PropertyClaim:
        claim: PropertyClaim = self.ledger.repository.get(claim_id(reference))
        return claim

    def policy(self) -> Policy:
        policy: Policy = self.ledger.repository.get(policy_id("EC-2026-001"))
        return policy

    def stored(self) -> int:
        return self.ledger.recorder.max_notification_id() or 0


def fire_claim() -> Claim:
    return Claim().report(wib(2026, 5, 4), ["I"], wib(2026, 5, 2, 20))


def test_the_report_records_its_delay_after_the_loss_but_never_breaches_ec_n_1() -> None:
    claim = fire_claim()
    (reported, *_) = claim.ledger.history(claim_id("CL-1"))
    assert reported.__dict__["report_delay_seconds"] == 37 * 3600
    assert claim.claim().deadlines == {}


def test_a_loss_outside_the_policy_period_is_refused_ec_n_1() -> None:
    with pytest.raises(RuleViolation, match="outside policy"):
        Claim().report(wib(2027, 1, 5), ["I"], wib(2027, 1, 2))


def test_repairs_before_the_survey_are_flagged_not_refused_ec_s_1() -> None:
    claim = fire_claim().on("RecordRepairOrCleanUp", wib(2026, 5, 4, 12), work="kitchen wall")
    assert claim.claim().condition_violations == ["EC-S-1: kitchen wall before survey"]


def test_approved_photo_documentation_satisfies_the_condition_ec_s_2() -> None:
    claim = fire_claim().on("ApprovePhotoDocumentation", wib(2026, 5, 4, 10))
    claim.on("RecordRepairOrCleanUp", wib(2026, 5, 4, 12), work="burnt debris removed")
    assert claim.claim().condition_violations == []


def test_documents_are_requested_after_the_survey_with_the_sections_list_ec_s_3_ec_i_d() -> None:
    claim = fire_claim()
    with pytest.raises(RuleViolation, match="EC-S-3"):
        claim.on("RequestDocuments", wib(2026, 5, 5), section="I")
    claim.on("RecordSurvey", wib(2026, 5, 5)).on(
        "RequestDocuments", wib(2026, 5, 5, 14), section="I", extra=["PLN electricity report"]
    )
    assert claim.claim().outstanding_documents() == [
        "formal_claim_letter",
        "official_report_and_chronology",
        "loss_estimate",
        "police_security_or_lurah_report",
        "photos",
        "price_quotation",
        "replacement_and_repair_invoices",
        "other:PLN electricity report",
    ]


def test_a_received_document_may_not_be_requested_again_rg_cl_2() -> None:
    claim = fire_claim().on("RecordSurvey", wib(2026, 5, 5))
    claim.on("ReceiveClaimDocuments", wib(2026, 5, 5, 11), documents=["photos"])
    before = claim.stored()
    with pytest.raises(RuleViolation, match="RG-CL-2.*'photos' was already received"):
        claim.on("RequestDocuments", wib(2026, 5, 6), section="I")
    assert claim.stored() == before


def test_until_reinstatement_is_evidenced_the_fire_payout_is_zero_ec_i_2() -> None:
    claim = fire_claim().on(
        "AssessFire", wib(2026, 5, 20), reinstatement_cost="80000000", salvage="2500000"
    )
    assert claim.claim().sections[Section.I].payable == D(0)
    claim.on("EvidenceReinstatement", wib(2026, 6, 20), invoices=["INV-2026-118"])
    claim.on("AssessFire", wib(2026, 6, 21), reinstatement_cost="80000000", salvage="2500000")
    section = claim.claim().sections[Section.I]
    assert section.payable == D(77_500_000) and section.calculations == 2


def test_every_calculation_is_recorded_with_inputs_trace_result_and_rule_set_c_calc_1() -> None:
    claim = fire_claim().on("AssessFire", wib(2026, 5, 20), reinstatement_cost="80000000")
    claim.on("AssessFire", wib(2026, 5, 21), reinstatement_cost="85000000")
    calculations = [
        e
        for e in claim.ledger.history(claim_id("CL-1"))
        if type(e).__name__ == "CalculationRecorded"
    ]
    assert [c.__dict__["number"] for c in calculations] == [1, 2]  # recalculation appends
    first = calculations[0].__dict__
    assert first["inputs"]["reinstatement_cost"] == "80000000"
    assert [s["rule_id"] for s in first["steps"]] == ["EC-I-2", "EC-I-3", "EC-I-1", "C-MONEY-1"]
    assert first["rule_set"] == "estatecare-claims@2026.1"
    assert first["conditions_unmet"] == ["EC-I-2: rebuilding / restoration not yet evidenced"]


def test_notice_in_x24_hours_counts_a_weekend_and_a_holiday_on_the_clock_ec_iv_n() -> None:
    # Accident on Friday 14 August 2026 at 16:00; 17 August (Monday) is Independence Day
    claim = Claim().report(
        wib(2026, 8, 15), ["IV"], wib(2026, 8, 14, 16), injured_person="Sari Santoso"
    )
    deadlines = claim.claim().deadlines
    assert deadlines["EC-IV-N"].due == wib(2026, 8, 17, 16)  # exactly 72 hours later
    assert deadlines["EC-IV-D"].due == end_of_wib_day(date(2026, 9, 13))  # 30 days (C-D-1)
    claim.on("GiveWrittenNotice", wib(2026, 8, 17, 15, 59))
    assert claim.claim().deadlines["EC-IV-N"].status is DeadlineStatus.MET


def test_a_written_notice_one_minute_late_is_a_breach_ec_iii_n() -> None:
    claim = Claim().report(
        wib(2026, 8, 15),
        ["III"],
        wib(2026, 8, 14, 8),
        third_party_claim_known_at=wib(2026, 8, 14, 16).isoformat(),
    )
    claim.on("GiveWrittenNotice", wib(2026, 8, 17, 16, 1))
    state = claim.claim().deadlines["EC-III-N"]
    assert state.status is DeadlineStatus.BREACH_CLOSED
    assert state.breached_at == wib(2026, 8, 17, 16)


def test_the_section_iv_documents_are_due_within_30_days_of_the_accident_ec_iv_d() -> None:
    claim = Claim().report(
        wib(2026, 8, 15),
        ["IV"],
        wib(2026, 8, 14, 16),
        in_writing=True,
        injured_person="Sari Santoso",
    )
    claim.on(
        "ReceiveClaimDocuments",
        wib(2026, 9, 10),
        documents=["accident_cause_information", "disability_or_death_information", "claim_form"],
    )
    assert claim.claim().deadlines["EC-IV-D"].status is DeadlineStatus.MET
    assert claim.claim().deadlines["EC-IV-N"].status is DeadlineStatus.MET


def test_a_medical_examination_or_autopsy_is_recorded_ec_iv_e() -> None:
    claim = Claim().report(
        wib(2026, 8, 15), ["IV"], wib(2026, 8, 14, 16), injured_person="Sari Santoso"
    )
    claim.on("RequireMedicalExamination", wib(2026, 8, 20), kind="examination")
    claim.on(
        "RecordMedicalExamination",
        wib(2026, 8, 25),
        kind="examination",
        finding="Permanent loss of use of the left hand.",
    )
    kinds = [type(e).__name__ for e in claim.ledger.history(claim_id("CL-1"))]
    assert "MedicalExaminationRequired" in kinds and "MedicalExaminationDone" in kinds
    with pytest.raises(RuleViolation, match="RG-CL-3"):
        fire_claim().on("RequireMedicalExamination", wib(2026, 5, 6), kind="autopsy")


def test_a_person_not_named_on_the_policy_is_refused_ec_iv_1() -> None:
    with pytest.raises(RuleViolation, match="EC-IV-1.*not a family member"):
        Claim().report(wib(2026, 8, 15), ["IV"], wib(2026, 8, 14), injured_person="Stranger")


def test_section_iv_decisions_reserve_the_policys_aggregates_ec_iv_1() -> None:
    claim = Claim()
    for n, (person, benefit) in enumerate(
        [
            ("Sari Santoso", "200000000"),
            ("Ani", "30000000"),
            ("Dewi Santoso", "100000000"),
            ("Ani", "40000000"),
        ]
    ):
        reference = f"CL-{n}"
        claim.do(
            {
                "command": "ReportClaim",
                "claim": reference,
                "policy": "EC-2026-001",
                "sections": ["IV"],
                "loss_occurred_at": wib(2026, 3, 2 + n).isoformat(),
                "injured_person": person,
            },
            wib(2026, 3, 2 + n, 12),
        )
        claim.on("AssessAccident", wib(2026, 4, 1 + n), reference=reference, benefit=benefit)
    paid = [claim.claim(f"CL-{n}").sections[Section.IV].payable for n in range(4)]
    assert paid == [D(200_000_000), D(30_000_000), D(50_000_000), D(20_000_000)]
    aggregates = claim.policy().aggregates()
    assert aggregates.reserved == {"family": D(250_000_000), "helper": D(50_000_000)}


def test_payment_is_due_30_days_after_the_insured_accepts_the_amount_rg_cl_1() -> None:
    claim = fire_claim().on("EvidenceReinstatement", wib(2026, 6, 1), invoices=["INV-1"])
    claim.on("AssessFire", wib(2026, 6, 2), reinstatement_cost="80000000")
    with pytest.raises(RuleViolation, match="RG-CL-1"):
        claim.on("PaySection", wib(2026, 6, 3), section="I", amount="80000000")
    claim.on("AcceptAmount", wib(2026, 6, 3), section="I")
    state = claim.claim().deadlines["RG-CL-1/I"]
    assert state.due == end_of_wib_day(date(2026, 7, 3))
    with pytest.raises(RuleViolation, match="RG-CL-1.*differs from the agreed"):
        claim.on("PaySection", wib(2026, 6, 10), section="I", amount="79000000")
    claim.ledger.check_deadlines(wib(2026, 7, 4))
    claim.on("PaySection", wib(2026, 7, 6), section="I", amount="80000000")
    state = claim.claim().deadlines["RG-CL-1/I"]
    assert state.status is DeadlineStatus.BREACH_CLOSED


def test_a_dispute_on_one_section_does_not_hold_up_another_rg_cl_3() -> None:
    claim = Claim().report(wib(2026, 5, 4), ["I", "II"], wib(2026, 5, 2, 20))
    claim.on(
        "AssessBurglary",
        wib(2026, 5, 10),
        items=[{"item": "Television", "new_price": "8000000", "salvage": "500000"}],
        building_damage="350000",
    )
    claim.on("AcceptAmount", wib(2026, 5, 11), section="II")
    claim.on("PaySection", wib(2026, 5, 12), section="II", amount="6100000")
    sections = claim.claim().sections
    assert sections[Section.II].status is SectionStatus.PAID
    assert sections[Section.I].status is SectionStatus.CLAIMED  # still disputed: not waited for


def test_no_state_of_a_claim_waits_on_reinsurance_rg_cl_4() -> None:
    claim = Claim().report(wib(2026, 5, 4), ["II"], wib(2026, 5, 2, 20))
    claim.on("AssessBurglary", wib(2026, 5, 10), building_damage="90000")
    claim.on("AcceptAmount", wib(2026, 5, 11), section="II")
    claim.on("PaySection", wib(2026, 5, 12), section="II", amount="90000")
    events = [type(e).__name__ for e in claim.ledger.history(claim_id("CL-1"))]
    assert not any("reinsur" in e.lower() for e in events)
    assert not any("reinsur" in s.lower() for s in dir(PropertyClaim))
    assert claim.claim().sections[Section.II].status is SectionStatus.PAID


def test_money_given_as_a_json_float_is_refused_c_money_1() -> None:
    with pytest.raises(Exception, match="C-MONEY-1"):
        COMMAND_ADAPTER.validate_python(
            {
                "command": "AssessLiability",
                "claim": "CL-1",
                "award": 1500000.5,
                "occurred_at": wib(2026, 5, 1),
            }
        )


def test_a_claim_step_before_the_report_is_refused_ec_n_1() -> None:
    with pytest.raises(RuleViolation, match="EC-N-1"):
        fire_claim().on("RecordSurvey", wib(2026, 5, 3) - timedelta(minutes=1))
