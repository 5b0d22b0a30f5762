"""What regulators see: the timeline (CP-REG-1) and the quarterly report (RG-CP-6), folded from
the example scenarios through the same projections the Kafka consumer feeds."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from claims_ledger.domain.areas import COMMAND_ADAPTER
from claims_ledger.domain.calendar import end_of_wib_day
from claims_ledger.domain.complaints.report import report_due
from claims_ledger.domain.errors import RuleViolation
from claims_ledger.domain.ledger import CommandContext, Ledger
from claims_ledger.infra.audit import rebuild
from claims_ledger.infra.scenario import apply_file
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import build_ledger, open_read_model
from claims_ledger.projections.complaint_report import quarterly_report, report_csv
from claims_ledger.projections.complaint_timeline import timeline
from claims_ledger.projections.read_model import ReadModelMixin

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def read_model(tmp_path_factory: pytest.TempPathFactory) -> ReadModelMixin:
    settings = Settings(ledger_data_dir=tmp_path_factory.mktemp("views"))
    ledger = build_ledger(settings)
    for path in sorted(EXAMPLES.glob("*.jsonl")):
        apply_file(ledger, path)
    target = open_read_model(settings)
    rebuild(ledger, target)
    return target


def view(read_model: ReadModelMixin, reference: str) -> dict[str, object]:
    status = read_model.complaint_status(reference)
    assert status is not None
    return timeline(
        status, read_model.events(status.complaint_id), read_model.deadlines(status.complaint_id)
    )


def test_the_timeline_shows_every_step_with_occurred_and_recorded_times_in_wib_cp_reg_1(
    read_model: ReadModelMixin,
) -> None:
    t = view(read_model, "CMP-2026-0002")
    steps = t["steps"]
    assert isinstance(steps, list)
    assert [s["version"] for s in steps] == list(range(1, len(steps) + 1))
    assert steps[0]["step"] == "ComplaintReceived"
    assert steps[0]["occurred_at"] == "2026-03-02T22:47:00+07:00"
    assert steps[0]["recorded_at"] == "2026-03-03T08:10:00+07:00"
    assert steps[0]["recorded_late_by"] == "9h 23m"  # a back-dated fact is visible as such


def test_the_timeline_shows_each_deadline_met_or_breached_by_how_long_and_its_rule_set_cp_reg_1(
    read_model: ReadModelMixin,
) -> None:
    deadlines = {d["rule_id"]: d for d in view(read_model, "CMP-2026-0002")["deadlines"]}  # type: ignore[union-attr]
    assert deadlines["CP-SLA-1"]["status"] == "met"
    rg_cp_2 = deadlines["RG-CP-2"]
    assert rg_cp_2["original_due"] == "2026-03-27T23:59:59+07:00"  # Nyepi and Eid cuti skipped
    assert rg_cp_2["due"] == "2026-04-13T23:59:59+07:00"  # Good Friday skipped
    assert rg_cp_2["breached_at"] == "2026-04-13T23:59:59+07:00"
    assert rg_cp_2["breach_duration"] == "1d 10h 0m"
    assert rg_cp_2["rule_set"] == "id-ojk-complaints@2026.1"
    assert rg_cp_2["calendar"].startswith("ID public+government (holidays-")


def test_the_resolution_deadline_follows_the_track_cp_sla_5(read_model: ReadModelMixin) -> None:
    oral = {d["rule_id"] for d in view(read_model, "CMP-2026-0001")["deadlines"]}  # type: ignore[union-attr]
    written = {d["rule_id"] for d in view(read_model, "CMP-2026-0004")["deadlines"]}  # type: ignore[union-attr]
    assert "RG-CP-1" in oral and "RG-CP-2" not in oral
    assert "RG-CP-2" in written and "RG-CP-1" not in written


def test_the_quarterly_report_is_due_on_the_tenth_of_the_month_after_the_quarter_rg_cp_6() -> None:
    assert report_due("2026-Q1") == end_of_wib_day(date(2026, 4, 10))
    assert report_due("2026-Q4") == end_of_wib_day(date(2027, 1, 10))


def test_the_quarterly_report_counts_by_channel_product_outcome_and_sla_rg_cp_6(
    read_model: ReadModelMixin,
) -> None:
    report = quarterly_report("2026-Q1", read_model.events(), read_model.deadlines())
    assert report["received"] == 5
    assert report["received_by_channel"] == {
        "contact_center": 1,
        "email": 1,
        "in_person": 1,
        "sms": 1,
        "whatsapp": 1,
    }
    assert report["received_by_product"] == {"EstateCare": 3, "Travel Single Trip": 2}
    assert report["resolved"] == 2 and report["resolved_by_outcome"] == {"upheld": 2}
    assert report["closed_incomplete"] == 1
    assert report["in_progress_at_quarter_end"] == 2
    assert report["sla_deadlines_due_in_quarter"]["all:breached"] == 2
    assert report["productions"][0]["late_by_seconds"] == 0
    assert "summary,received,5" in report_csv(report)


def test_a_late_report_is_visible_with_its_lateness_rg_cp_6(read_model: ReadModelMixin) -> None:
    report = quarterly_report("2026-Q4", read_model.events(), read_model.deadlines())
    (production,) = report["productions"]
    assert (
        production["late_by_seconds"] == 86400 + 15 * 3600 + 30 * 60
    )  # due 10 Jan, made 12 Jan 15:30


def test_a_report_cannot_be_produced_before_its_quarter_ends_rg_cp_6() -> None:
    ledger = Ledger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    early = COMMAND_ADAPTER.validate_python(
        {
            "command": "ProduceQuarterlyReport",
            "quarter": "2026-Q2",
            "occurred_at": "2026-06-30T18:00:00+07:00",
        }
    )
    with pytest.raises(RuleViolation, match="RG-CP-6"):
        ledger.execute(early, CommandContext(early.occurred_at, "t", "t"))
