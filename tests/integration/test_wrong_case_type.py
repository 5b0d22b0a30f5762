"""A command sent to a case of another type is refused, naming the reference, the case's type
and the command; `apply` exits 2 and stores nothing (issue 9: one shape for every case).

Every command type is sent to a case of every other case type. The target cases have
quarter-shaped references (`2031-Q1`...), so that even `ProduceQuarterlyReport`, whose quarter
must look like one, can be addressed to a complaint, a policy, a claim or an assistance case.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from claims_ledger.domain.areas import AREAS, COMMAND_NAMES
from claims_ledger.domain.cases import CaseType
from claims_ledger.domain.complaints.handlers import COMPLAINT, REPORT
from claims_ledger.domain.estatecare.handlers import POLICY, PROPERTY_CLAIM
from claims_ledger.domain.travel.handlers import ASSISTANCE_CASE, TRAVEL_CLAIM
from claims_ledger.infra import cli
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import build_ledger

ROOT = Path(__file__).parent.parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.jsonl"))

TARGETS: dict[str, str] = {
    COMPLAINT.name: "2031-Q1",
    POLICY.name: "2031-Q2",
    PROPERTY_CLAIM.name: "2031-Q3",
    TRAVEL_CLAIM.name: "2031-Q4",
    ASSISTANCE_CASE.name: "2032-Q1",
    REPORT.name: "2026-Q1",  # produced by the first example file
}

# The field that names the case, by the case type a command belongs to.
REFERENCE_FIELD = {
    COMPLAINT.name: "complaint",
    REPORT.name: "quarter",
    POLICY.name: "policy",
    PROPERTY_CLAIM.name: "claim",
    TRAVEL_CLAIM.name: "claim",
    ASSISTANCE_CASE.name: "case",
}


def _example_lines() -> dict[str, dict[str, Any]]:
    """The first example line of every command, as a template."""
    found: dict[str, dict[str, Any]] = {}
    for path in EXAMPLES:
        for text in path.read_text().splitlines():
            if text.strip() and not text.startswith("#"):
                line = json.loads(text)
                found.setdefault(line["command"], line)
    at = {"at": "2026-12-01T10:00:00+07:00", "occurred_at": "2026-12-01T09:00:00+07:00"}
    # Three commands the examples do not use.
    found["ApprovePhotoDocumentation"] = {"command": "ApprovePhotoDocumentation", **at}
    found["ExtendDocumentWindow"] = {
        "command": "ExtendDocumentWindow", "reason": "The customer is abroad.", **at
    }  # fmt: skip
    found["RecordPoliceReport"] = {
        "command": "RecordPoliceReport", "section": "G1",
        "reported_at": "2026-12-01T08:00:00+07:00", **at,
    }  # fmt: skip
    return found


TEMPLATES = _example_lines()


def _home(command: str) -> CaseType:
    """The case type a command belongs to, from the handler map of its area."""
    for area in AREAS:
        for command_type in area.HANDLERS:
            if command_type.name() == command:
                opens_or_acts_on = {
                    "ProduceQuarterlyReport": REPORT,
                    "IssuePolicy": POLICY,
                }.get(command)
                if opens_or_acts_on is not None:
                    return opens_or_acts_on
                module = command_type.__module__
                if ".complaints." in module:
                    return COMPLAINT
                if ".estatecare." in module:
                    return PROPERTY_CLAIM
                if "Assistance" in command:
                    return ASSISTANCE_CASE
                return TRAVEL_CLAIM
    raise KeyError(command)


def _addressed_to(command: str, reference: str) -> dict[str, Any]:
    line = dict(TEMPLATES[command])
    line[REFERENCE_FIELD[_home(command).name]] = reference
    line.pop("correlation_id", None)
    return line


CASES = [
    (command, target)
    for command in COMMAND_NAMES
    for target in TARGETS
    if target != _home(command).name
]


@pytest.fixture(scope="module")
def ledger_of_every_case_type(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ledger holding the examples and one case of each type under a quarter-shaped name."""
    data = tmp_path_factory.mktemp("every-case-type")
    settings = Settings(ledger_data_dir=data)
    ledger = build_ledger(settings)
    from claims_ledger.infra.scenario import apply_file

    for path in EXAMPLES:
        apply_file(ledger, path)
    openers = {
        COMPLAINT.name: "ReceiveComplaint",
        POLICY.name: "IssuePolicy",
        PROPERTY_CLAIM.name: "ReportClaim",
        TRAVEL_CLAIM.name: "SubmitTravelClaim",
        ASSISTANCE_CASE.name: "ReportAssistanceCase",
    }
    for case_type, command in openers.items():
        setup = data / f"open-{command}.jsonl"
        setup.write_text(json.dumps(_addressed_to(command, TARGETS[case_type])) + "\n")
        apply_file(ledger, setup)
    for case_type, reference in TARGETS.items():
        assert ledger.resolve(reference)[0].name == case_type
    return data


def _apply(data: Path, scenario: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setenv("LEDGER_DATA_DIR", str(data))
    monkeypatch.setattr(sys, "argv", ["claims-ledger", "apply", str(scenario)])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    return int(exit_info.value.code or 0)


def test_every_case_type_of_the_demo_is_a_target() -> None:
    assert len(TARGETS) == 6
    assert {_home(c).name for c in COMMAND_NAMES} == set(TARGETS)


@pytest.mark.parametrize(("command", "target"), CASES, ids=[f"{c}->{t}" for c, t in CASES])
def test_a_command_for_a_case_of_another_type_is_refused_and_nothing_is_stored(
    command: str,
    target: str,
    ledger_of_every_case_type: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # arrange: a private copy of the ledger, and a one-line scenario file
    data = tmp_path / "ledger"
    shutil.copytree(ledger_of_every_case_type, data)
    settings = Settings(ledger_data_dir=data)
    ledger = build_ledger(settings)
    before = ledger.recorder.max_notification_id()
    ledger.close()
    reference = TARGETS[target]
    scenario = tmp_path / "wrong.jsonl"
    scenario.write_text(json.dumps(_addressed_to(command, reference)) + "\n")
    # act
    code = _apply(data, scenario, monkeypatch)
    # assert
    stderr = " ".join(capsys.readouterr().err.split())
    assert code == 2, stderr
    assert f"{reference!r} is a {target}, not a {_home(command).name}" in stderr
    assert command in stderr and "line 1" in stderr and "Traceback" not in stderr
    ledger = build_ledger(settings)
    assert ledger.recorder.max_notification_id() == before
    ledger.close()
