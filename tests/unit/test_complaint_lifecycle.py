"""The complaint lifecycle: RULES.md sections 1 and 4, rule by rule."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from claims_ledger.domain.calendar import end_of_wib_day
from claims_ledger.domain.clock import WIB
from claims_ledger.domain.complaints.complaint import Complaint, ComplaintState, Track, complaint_id
from claims_ledger.domain.deadlines import DeadlineStatus, Party
from claims_ledger.domain.errors import CaseAlreadyExists, CaseNotFound, RuleViolation
from claims_ledger.domain.ledger import CommandContext, Ledger
from tests.factories import ALL_DOCUMENTS, command, context


class Case:
    """One complaint driven through commands at given WIB times, on an in-memory ledger."""

    def __init__(self, reference: str = "CMP-1") -> None:
        self.ledger = Ledger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
        self.reference = reference

    def do(
        self, name: str, at: datetime, recorded_at: datetime | None = None, **fields: Any
    ) -> Case:
        self.ledger.execute(
            command(name, complaint=self.reference, occurred_at=at, **fields),
            context(recorded_at or at),
        )
        return self

    def check(self, now: datetime) -> int:
        return self.ledger.check_deadlines(now)

    @property
    def complaint(self) -> Complaint:
        return self.ledger.complaint(self.reference)

    def events(self) -> list[str]:
        return [type(e).__name__ for e in self.ledger.history(complaint_id(self.reference))]

    def stored(self) -> int:
        return self.ledger.recorder.max_notification_id() or 0


def wib(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=WIB)


MON = wib(2026, 11, 9)  # Monday 9 November 2026, no holidays that week


def written(at: datetime = MON, **fields: Any) -> Case:
    return Case().do("ReceiveComplaint", at, **({"form": "written"} | fields))


def oral(at: datetime = MON) -> Case:
    return Case().do("ReceiveComplaint", at, form="oral", channel="contact_center")


def through_analysis(case: Case, start: datetime) -> Case:
    case.do("SubmitDocuments", start, documents=ALL_DOCUMENTS)
    case.do("VerifyComplaint", start + timedelta(minutes=10))
    case.do("RegisterComplaint", start + timedelta(minutes=20))
    case.do("ForwardComplaint", start + timedelta(minutes=30))
    case.do("AnalyseComplaint", start + timedelta(minutes=40))
    return case


# -- receipt: CP-CH-1, CP-FORM-1, RG-V-1, C-TIME-1, C-TIME-2 -------------------------------


@pytest.mark.parametrize(
    "channel", ["contact_center", "sms", "whatsapp", "email", "live_chat", "letter", "in_person"]
)
def test_every_channel_of_cp_ch_1_is_accepted_any_day_any_hour(channel: str) -> None:
    sunday_3am = wib(2026, 11, 15, 3)
    case = Case().do("ReceiveComplaint", sunday_3am, channel=channel)
    assert case.complaint.channel == channel


def test_an_unknown_channel_is_refused_cp_ch_1() -> None:
    with pytest.raises(ValidationError, match="channel"):
        command("ReceiveComplaint", complaint="C-1", channel="carrier_pigeon")


def test_oral_starts_on_the_oral_track_written_on_the_written_cp_form_1() -> None:
    assert oral().complaint.track is Track.ORAL
    assert written().complaint.track is Track.WRITTEN
    assert written(form="oral_and_written").complaint.track is Track.WRITTEN


def test_an_empty_explanation_is_refused_cp_form_1() -> None:
    with pytest.raises(ValidationError):
        command("ReceiveComplaint", complaint="C-1", explanation="")
    with pytest.raises(RuleViolation, match="CP-FORM-1"):
        Case().do("ReceiveComplaint", MON, explanation="   ")


def test_a_complaint_keeps_the_rule_set_in_force_at_receipt_rg_v_1() -> None:
    case = written()
    assert case.complaint.rule_set == "id-ojk-complaints@2026.1"
    assert all(
        s.deadline.rule_set == "id-ojk-complaints@2026.1" for s in case.complaint.deadlines.values()
    )


def test_a_complaint_before_any_rule_set_is_in_force_is_refused_rg_v_1() -> None:
    with pytest.raises(RuleViolation, match="RG-V-1"):
        Case().do("ReceiveComplaint", wib(2019, 5, 1))


def test_a_naive_occurred_at_is_refused_c_time_1() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        command("ReceiveComplaint", complaint="C-1", occurred_at=datetime(2026, 3, 2, 9))
    with pytest.raises(RuleViolation, match="C-TIME-1"):
        CommandContext(recorded_at=datetime(2026, 3, 2, 9), correlation_id="x", causation_id="x")


def test_an_occurred_at_later_than_the_recording_time_is_refused_c_time_2() -> None:
    case = Case()
    with pytest.raises(RuleViolation, match="C-TIME-2"):
        case.do("ReceiveComplaint", MON, recorded_at=MON - timedelta(seconds=1))
    assert case.stored() == 0


def test_events_carry_the_ledger_time_and_the_business_time_c_time_2() -> None:
    case = written(recorded_at=MON + timedelta(days=2))
    first = next(iter(case.ledger.history(complaint_id("CMP-1"))))
    assert first.timestamp == MON + timedelta(days=2)
    assert first.occurred_at == MON


def test_a_reference_is_received_once_and_an_unknown_one_is_refused() -> None:
    case = written()
    with pytest.raises(CaseAlreadyExists):
        case.do("ReceiveComplaint", MON)
    with pytest.raises(CaseNotFound, match="C-404"):
        case.ledger.execute(command("VerifyComplaint", complaint="C-404"), context())


# -- CP-SLA-1 and RG-CP-4: the initial response ------------------------------------------


def test_initial_response_is_due_at_the_end_of_the_next_working_day_cp_sla_1() -> None:
    deadline = written().complaint.deadlines["CP-SLA-1"].deadline
    assert deadline.due == end_of_wib_day(date(2026, 11, 10))
    assert deadline.party is Party.INSURER
    assert deadline.computed_from == "ComplaintReceived v1"
    assert deadline.calendar_version.startswith("holidays-")


def test_a_complaint_received_on_saturday_night_is_answered_by_monday_cp_sla_1() -> None:
    case = Case().do("ReceiveComplaint", wib(2026, 11, 14, 23, 40), channel="whatsapp")
    assert case.complaint.deadlines["CP-SLA-1"].due == end_of_wib_day(date(2026, 11, 16))


def test_the_initial_response_in_time_meets_cp_sla_1() -> None:
    case = written().do("GiveInitialResponse", MON + timedelta(hours=5), receipt_date=MON.date())
    assert case.complaint.deadlines["CP-SLA-1"].status is DeadlineStatus.MET


def test_the_acknowledgement_must_state_the_true_receipt_date_rg_cp_4() -> None:
    case = written()
    with pytest.raises(RuleViolation, match="RG-CP-4"):
        case.do("GiveInitialResponse", MON, receipt_date=date(2026, 11, 8))


def test_an_acknowledgement_without_a_contact_phone_is_refused_rg_cp_4() -> None:
    with pytest.raises(ValidationError, match="contact_phone"):
        command("GiveInitialResponse", complaint="C-1", contact_phone="")


def test_a_late_initial_response_closes_the_breach_and_keeps_its_duration_c_sla_1() -> None:
    case = written()
    assert case.check(wib(2026, 11, 11, 8)) == 1  # Wednesday morning: CP-SLA-1 has passed
    state = case.complaint.deadlines["CP-SLA-1"]
    assert state.status is DeadlineStatus.BREACHED
    assert state.breached_at == end_of_wib_day(date(2026, 11, 10))
    case.do("GiveInitialResponse", wib(2026, 11, 11, 10), receipt_date=MON.date())
    state = case.complaint.deadlines["CP-SLA-1"]
    assert state.status is DeadlineStatus.BREACH_CLOSED
    assert state.breached_at is not None  # the breach is never erased
    assert case.events()[-1] == "BreachClosed"


def test_a_back_dated_late_response_records_the_breach_at_the_deadline_c_sla_1() -> None:
    case = written()
    late = wib(2026, 11, 12, 9)
    case.do(
        "GiveInitialResponse", late, recorded_at=late + timedelta(days=1), receipt_date=MON.date()
    )
    state = case.complaint.deadlines["CP-SLA-1"]
    assert state.breached_at == end_of_wib_day(date(2026, 11, 10))
    assert state.status is DeadlineStatus.BREACH_CLOSED


def test_the_deadline_process_records_each_breach_once() -> None:
    case = written()
    assert case.check(wib(2026, 11, 11)) == 1
    assert case.check(wib(2026, 11, 12)) == 0


def test_a_second_initial_response_is_refused_cp_flow_1() -> None:
    case = written().do("GiveInitialResponse", MON, receipt_date=MON.date())
    with pytest.raises(RuleViolation, match="CP-FLOW-1"):
        case.do("GiveInitialResponse", MON, receipt_date=MON.date())


# -- CP-DOC-1, CP-SLA-2, CP-SLA-3, CP-SLA-4: documents ------------------------------------


def test_the_document_window_is_ten_working_days_from_receipt_cp_sla_2() -> None:
    state = written().complaint.deadlines["CP-SLA-2"]
    assert state.deadline.party is Party.CUSTOMER
    assert state.due == end_of_wib_day(date(2026, 11, 23))


def test_complete_documents_meet_cp_sla_2_and_start_the_resolution_clock_rg_cp_2() -> None:
    case = written().do("SubmitDocuments", wib(2026, 11, 11), documents=ALL_DOCUMENTS)
    complaint = case.complaint
    assert complaint.state is ComplaintState.DOCUMENTS_COMPLETE
    assert complaint.deadlines["CP-SLA-2"].status is DeadlineStatus.MET
    rg_cp_2 = complaint.deadlines["RG-CP-2"].deadline
    assert rg_cp_2.due == end_of_wib_day(date(2026, 11, 25))
    assert rg_cp_2.computed_from.startswith("ComplaintDocumentsCompleted")


def test_a_represented_customer_also_owes_a_power_of_attorney_cp_doc_1_rg_cp_5() -> None:
    case = written(represented=True).do("SubmitDocuments", MON, documents=ALL_DOCUMENTS)
    assert case.complaint.state is ComplaintState.RECEIVED
    assert [str(d) for d in case.complaint.missing_documents] == ["power_of_attorney"]
    case.do("SubmitDocuments", MON + timedelta(hours=1), documents=["power_of_attorney"])
    assert case.complaint.state is ComplaintState.DOCUMENTS_COMPLETE


def test_without_representation_no_power_of_attorney_is_needed_cp_doc_1() -> None:
    case = written().do(
        "SubmitDocuments",
        MON,
        documents=ALL_DOCUMENTS,
        other_documents=["Bank statement, March 2026"],
    )
    assert case.complaint.state is ComplaintState.DOCUMENTS_COMPLETE
    assert case.complaint.other_documents == ["Bank statement, March 2026"]


def test_the_window_is_extended_once_by_ten_working_days_after_the_original_cp_sla_3() -> None:
    case = written().do("ExtendDocumentWindow", wib(2026, 11, 20))
    state = case.complaint.deadlines["CP-SLA-2"]
    assert state.original_due == end_of_wib_day(date(2026, 11, 23))
    assert state.due == end_of_wib_day(date(2026, 12, 7))
    assert state.extended_by_rule == "CP-SLA-3"


def test_a_second_extension_is_refused_and_nothing_is_stored_cp_sla_3() -> None:
    case = written().do("ExtendDocumentWindow", wib(2026, 11, 20))
    before = case.stored()
    with pytest.raises(RuleViolation, match="CP-SLA-3.*already extended once"):
        case.do("ExtendDocumentWindow", wib(2026, 11, 24))
    assert case.stored() == before


def test_an_extension_after_the_window_passed_is_refused_cp_sla_3() -> None:
    case = written()
    before = case.stored()
    with pytest.raises(RuleViolation, match="CP-SLA-3.*before the original deadline passes"):
        case.do("ExtendDocumentWindow", wib(2026, 11, 24, 0, 1))
    assert case.stored() == before


def test_the_window_passing_with_documents_missing_closes_the_complaint_incomplete_cp_sla_4() -> (
    None
):
    case = written().do("SubmitDocuments", MON, documents=["ektp_copy", "policy_number"])
    case.check(wib(2026, 11, 24, 0, 5))
    complaint = case.complaint
    assert complaint.state is ComplaintState.CLOSED_INCOMPLETE
    assert complaint.missing_at_closure == ["email_address", "phone_number"]
    assert complaint.deadlines["CP-SLA-2"].status is DeadlineStatus.BREACHED
    assert "ClosedIncomplete" in case.events()
    with pytest.raises(RuleViolation, match="CP-FLOW-1.*closed_incomplete"):
        case.do("SubmitDocuments", wib(2026, 11, 25), documents=["email_address"])


# -- CP-FLOW-1: the steps in order ---------------------------------------------------------


def test_a_written_complaint_goes_through_every_step_to_closed_cp_flow_1() -> None:
    case = through_analysis(written(), MON + timedelta(hours=1))
    case.do("ResolveComplaint", MON + timedelta(hours=2), outcome="partially_upheld")
    case.do("CloseComplaint", MON + timedelta(hours=3))
    complaint = case.complaint
    assert complaint.state is ComplaintState.CLOSED
    assert complaint.registration_number == "REG-1"
    assert complaint.deadlines["RG-CP-2"].status is DeadlineStatus.MET


@pytest.mark.parametrize(
    ("step", "fields"),
    [
        ("VerifyComplaint", {}),
        ("ForwardComplaint", {}),
        ("AnalyseComplaint", {}),
        ("ResolveComplaint", {}),
        ("CloseComplaint", {}),
    ],
)
def test_a_step_out_of_order_is_refused_naming_the_expected_step_cp_flow_1(
    step: str, fields: dict[str, Any]
) -> None:
    case = written()
    before = case.stored()
    with pytest.raises(RuleViolation) as raised:
        case.do(step, MON + timedelta(hours=1), **fields)
    assert raised.value.rule_id == "CP-FLOW-1"
    assert "only when the complaint is" in str(raised.value)
    assert case.stored() == before


def test_registration_with_a_document_missing_is_refused_cp_doc_1() -> None:
    case = written().do("SubmitDocuments", MON, documents=["ektp_copy"])
    before = case.stored()
    with pytest.raises(RuleViolation, match="CP-DOC-1.*email_address, phone_number, policy_number"):
        case.do("RegisterComplaint", MON + timedelta(hours=1))
    assert case.stored() == before


def test_a_step_dated_before_the_receipt_is_refused_cp_flow_1() -> None:
    with pytest.raises(RuleViolation, match="before the complaint was received"):
        written().do("SubmitDocuments", MON - timedelta(minutes=1), documents=ALL_DOCUMENTS)


# -- RG-CP-1..3: resolution deadlines -------------------------------------------------------


def test_an_oral_complaint_is_resolved_within_five_working_days_of_receipt_rg_cp_1() -> None:
    case = oral()
    assert case.complaint.deadlines["RG-CP-1"].due == end_of_wib_day(date(2026, 11, 16))
    for name in [
        "VerifyComplaint",
        "RegisterComplaint",
        "ForwardComplaint",
        "AnalyseComplaint",
        "ResolveComplaint",
    ]:
        case.do(name, MON + timedelta(hours=1))
    assert case.complaint.deadlines["RG-CP-1"].status is DeadlineStatus.MET


def test_an_oral_complaint_that_needs_documents_moves_to_the_written_track_rg_cp_1() -> None:
    case = oral().do("MoveToWrittenTrack", wib(2026, 11, 10))
    complaint = case.complaint
    assert complaint.track is Track.WRITTEN
    assert complaint.deadlines["RG-CP-1"].status is DeadlineStatus.CANCELLED
    assert complaint.deadlines["CP-SLA-2"].due == end_of_wib_day(date(2026, 11, 24))
    assert "MovedToWrittenTrack" in case.events()


def test_the_resolution_deadline_is_extended_once_with_reason_and_prior_notice_rg_cp_3() -> None:
    case = through_analysis(written(), MON)  # documents complete Monday: RG-CP-2 due 23 Nov
    case.do(
        "ExtendResolutionDeadline",
        wib(2026, 11, 20),
        reason_code="c",
        notice_sent_at=wib(2026, 11, 19),
    )
    state = case.complaint.deadlines["RG-CP-2"]
    assert state.original_due == end_of_wib_day(date(2026, 11, 23))
    assert state.due == end_of_wib_day(date(2026, 12, 7))
    assert state.extension_reason == "c"
    with pytest.raises(RuleViolation, match="RG-CP-3.*second extension"):
        case.do(
            "ExtendResolutionDeadline",
            wib(2026, 11, 21),
            reason_code="a",
            notice_sent_at=wib(2026, 11, 21),
        )


def test_a_notice_sent_after_the_first_deadline_is_refused_rg_cp_3() -> None:
    case = through_analysis(written(), MON)
    with pytest.raises(RuleViolation, match="RG-CP-3"):
        case.do(
            "ExtendResolutionDeadline",
            wib(2026, 11, 23, 12),
            reason_code="b",
            notice_sent_at=wib(2026, 11, 24),
        )


def test_an_extension_after_the_resolution_deadline_is_refused_rg_cp_3() -> None:
    case = through_analysis(written(), MON)
    with pytest.raises(RuleViolation, match="RG-CP-3.*before the original deadline passes"):
        case.do(
            "ExtendResolutionDeadline",
            wib(2026, 11, 24, 9),
            reason_code="b",
            notice_sent_at=wib(2026, 11, 23, 9),
        )


def test_an_unknown_extension_reason_is_refused_rg_cp_3() -> None:
    with pytest.raises(ValidationError, match="reason_code"):
        command("ExtendResolutionDeadline", complaint="C-1", reason_code="d", notice_sent_at=MON)


def test_a_resolution_after_the_deadline_is_a_breach_closed_late_rg_cp_2() -> None:
    case = written().do("GiveInitialResponse", MON, receipt_date=MON.date())
    through_analysis(case, MON)
    case.check(wib(2026, 11, 24, 8))
    case.do("ResolveComplaint", wib(2026, 11, 26, 9))
    state = case.complaint.deadlines["RG-CP-2"]
    assert state.status is DeadlineStatus.BREACH_CLOSED
    assert case.events().count("DeadlineBreached") == 1


def test_no_fee_can_be_recorded_against_a_complaint_rg_cp_5() -> None:
    with pytest.raises(ValidationError, match="fee"):
        command("ResolveComplaint", complaint="C-1", fee="50000")
