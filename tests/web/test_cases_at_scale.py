"""The cases page on 100,000 cases: measured (printed, not asserted), and its query reads
indexes, never a whole table. The rows are written straight into the read-model tables."""

from __future__ import annotations

import re
import sqlite3
import time
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import open_read_model
from claims_ledger.infra.web.app import create_app
from claims_ledger.infra.web.auth import hash_token
from claims_ledger.infra.web.command import FixedClock
from claims_ledger.infra.web.queries import CaseFilter, CaseKind, explain_cases
from claims_ledger.infra.web.settings import WebSettings
from claims_ledger.projections.claims import AssistanceCaseRow, ClaimSectionRow, TravelClaimRow
from claims_ledger.projections.complaint_status import ComplaintStatus

COMPLAINTS, PROPERTY, TRAVEL, ASSISTANCE = 70_000, 10_000, 10_000, 10_000
STATES = ("received", "documents_complete", "verified", "registered", "resolved", "closed")
CHANNELS = ("contact_center", "email", "whatsapp", "sms", "letter", "live_chat", "in_person")
TOKEN = "scale-auditor-token-0123456789"


def _insert(
    db: sqlite3.Connection, table: str, row_type: type[Any], rows: list[tuple[Any, ...]]
) -> None:
    names = [f.name for f in fields(row_type)]
    db.executemany(
        f"INSERT INTO rm_{table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})", rows
    )


def _seed(path: Path) -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    at = [(start + timedelta(minutes=7 * i)).isoformat() for i in range(COMPLAINTS)]
    db = sqlite3.connect(path)
    with db:
        _insert(
            db,
            "complaint_status",
            ComplaintStatus,
            [
                (
                    f"complaint-{i}",
                    f"CMP-2025-{i:06d}",
                    STATES[i % 6],
                    "written",
                    CHANNELS[i % 7],
                    "written",
                    ("EstateCare", "Travel Single Trip")[i % 2],
                    0,
                    "id-ojk-complaints@2026.1",
                    at[i],
                    None,
                    None,
                    1 if i % 17 == 0 else 0,
                    "ComplaintReceived",
                    at[i],
                    1,
                )
                for i in range(COMPLAINTS)
            ],
        )
        _insert(
            db,
            "claim_sections",
            ClaimSectionRow,
            [
                (
                    f"claim-{i}",
                    section,
                    f"CL-2025-{i:06d}",
                    "EC-2025-0001",
                    ("claimed", "assessed", "paid")[i % 3],
                    0,
                    None,
                    None,
                    None,
                    at[i],
                )
                for i in range(PROPERTY)
                for section in (("I", "II") if i % 4 == 0 else ("I",))
            ],
        )
        _insert(
            db,
            "travel_claims",
            TravelClaimRow,
            [
                (
                    f"travel-{i}",
                    f"TR-2025-{i:06d}",
                    "AST-1",
                    "Gold",
                    "2025-07-01",
                    "2025-07-10",
                    None,
                    ("submitted", "confirmed", "settled")[i % 3],
                    1,
                    at[i],
                    None,
                    None,
                    None,
                    at[i],
                )
                for i in range(TRAVEL)
            ],
        )
        _insert(
            db,
            "claim_sections",
            ClaimSectionRow,
            [
                (
                    f"travel-{i}",
                    "F",
                    f"TR-2025-{i:06d}",
                    "AST-1",
                    "claimed",
                    0,
                    None,
                    None,
                    None,
                    at[i],
                )
                for i in range(TRAVEL)
            ],
        )
        _insert(
            db,
            "assistance_cases",
            AssistanceCaseRow,
            [
                (
                    f"assist-{i}",
                    f"AGA-2025-{i:06d}",
                    "B2a",
                    "medical_evacuation",
                    "AST-1",
                    "[redacted]",
                    "family",
                    at[i],
                    at[i],
                    600,
                    None,
                    None,
                    None,
                    None,
                )
                for i in range(ASSISTANCE)
            ],
        )
    db.close()


@pytest.fixture(scope="module")
def scale_client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    settings = Settings(ledger_data_dir=tmp_path_factory.mktemp("scale") / "ledger")
    open_read_model(settings)  # creates the tables
    started = time.perf_counter()
    _seed(settings.ledger_data_dir / "readmodels.sqlite")
    seconds = time.perf_counter() - started
    print(f"\nseeded {COMPLAINTS + PROPERTY + TRAVEL + ASSISTANCE:,} cases in {seconds:.2f} s")
    web = WebSettings(tokens=SecretStr(f"auditor:scale:{hash_token(TOKEN)}"))
    app = create_app(settings, web, clock=FixedClock(datetime(2026, 1, 1, tzinfo=UTC)))
    return TestClient(app, base_url="https://testserver")


PAGES = {
    "first page": "/cases",
    "page 1,000": "/cases?page=1000",
    "search CMP-2025-0421": "/cases?q=CMP-2025-0421",
    "state resolved": "/cases?state=resolved",
    "complaints by e-mail": "/cases?kind=complaint&channel=email",
    "breached": "/cases?breached=yes",
    "travel claims settled": "/cases?kind=travel_claim&state=settled",
}


def test_cases_page_response_time_on_100_000_cases(scale_client: TestClient) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    first = scale_client.get("/api/cases?page_size=1", headers=headers).json()
    assert first["paging"]["total"] == COMPLAINTS + PROPERTY + TRAVEL + ASSISTANCE
    print()
    for label, path in PAGES.items():
        scale_client.get(path, headers=headers)  # warm
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            response = scale_client.get(path, headers=headers)
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200
        timings.sort()
        print(
            f"cases page, {label:<24} median {timings[2] * 1000:7.1f} ms"
            f"  (best {timings[0] * 1000:.1f} ms)"
        )


@pytest.mark.parametrize(
    "case_filter",
    [
        CaseFilter(),
        CaseFilter(reference="CMP-2025-0421"),
        CaseFilter(state="resolved"),
        CaseFilter(kinds=[CaseKind.COMPLAINT], channel="email"),
        CaseFilter(kinds=[CaseKind.TRAVEL_CLAIM], state="settled"),
        CaseFilter(breached=True),
    ],
    ids=["all", "reference", "state", "channel", "travel-state", "breached"],
)
def test_cases_query_reads_indexes_not_whole_tables(
    scale_client: TestClient, case_filter: CaseFilter
) -> None:
    ctx = scale_client.app.state.ctx  # type: ignore[attr-defined]
    plan = explain_cases(ctx.read_model, case_filter)
    print("\n" + "\n".join(plan))
    assert any("USING INDEX" in line or "USING COVERING INDEX" in line for line in plan)
    full_scans = [line for line in plan if re.fullmatch(r"SCAN \w+", line.strip())]
    assert not full_scans, plan
