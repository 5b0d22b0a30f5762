"""The same pages and API on PostgreSQL (event store and read model), as `serve` runs at scale."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from claims_ledger.infra.audit import rebuild
from claims_ledger.infra.scenario import apply_file
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import build_ledger, open_read_model
from claims_ledger.infra.web.app import create_app
from claims_ledger.infra.web.auth import Role, hash_token
from claims_ledger.infra.web.command import FixedClock
from claims_ledger.infra.web.settings import WebSettings
from tests.web.conftest import EXAMPLES, NOW, TOKENS, bearer

pytestmark = pytest.mark.postgres


def test_pages_and_api_read_a_postgresql_ledger(postgres_settings: Settings) -> None:
    # arrange
    ledger = build_ledger(postgres_settings)
    for path in EXAMPLES:
        apply_file(ledger, path)
    rebuild(ledger, open_read_model(postgres_settings))
    web = WebSettings(tokens=SecretStr(f"auditor:audit:{hash_token(TOKENS[Role.AUDITOR])}"))
    client = TestClient(
        create_app(postgres_settings, web, clock=FixedClock(NOW)), base_url="https://testserver"
    )
    auditor = bearer(Role.AUDITOR)
    # act / assert
    cases = client.get("/api/cases", headers=auditor).json()
    assert cases["paging"]["total"] == 15
    assert [c["reference"] for c in cases["items"]] == sorted(
        c["reference"] for c in cases["items"]
    )
    for query, total in [
        ("q=cl-2026", 4),
        ("kind=complaint&channel=email", 1),
        ("state=resolved", 2),
        ("breached=true", 6),
        ("kind=travel_claim&state=settled", 3),
    ]:
        assert client.get(f"/api/cases?{query}", headers=auditor).json()["paging"]["total"] == total
    claim = client.get("/api/cases/CL-2026-0101", headers=auditor).json()
    assert claim["chain_verified"] and len(claim["calculations"]) == 2
    assert client.get("/api/deadlines?view=breached", headers=auditor).json()["items"]
    assert client.get("/api/deadlines/breaches-by-rule", headers=auditor).json()
    assert client.get("/api/reports", headers=auditor).json()
    assert client.get("/api/reports/2026-Q1/csv", headers=auditor).text.startswith("section,")
    for page in ("/cases", "/cases/CMP-2026-0002", "/deadlines", "/reports/2026-Q1"):
        assert client.get(page, headers=auditor).status_code == 200, page
    assert client.get("/healthz").json()["status"] == "ok"
