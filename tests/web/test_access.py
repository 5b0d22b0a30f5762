"""Who may read what, and how: tokens, sessions, roles, headers, logs (in-process client)."""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import datetime
from pathlib import Path

import pytest
import structlog
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import SecretStr

from claims_ledger.domain.personal import ENCRYPTED_ANYWHERE
from claims_ledger.infra.web.auth import (
    SESSION_COOKIE,
    Role,
    TokenSettingsError,
    hash_token,
    parse_token_entries,
    token_matches,
)
from claims_ledger.infra.web.command import ServeError, check_ready
from claims_ledger.infra.web.settings import WebSettings
from tests.web.conftest import TOKENS, Store, bearer

PUBLIC = {"/healthz", "/login", "/lang/{lang}"}
EXAMPLE_PARAMS = {"reference": "CMP-2026-0001", "quarter": "2026-Q1", "lang": "en"}
CLAIM_ROUTES = [
    "/api/cases/CL-2026-0101",
    "/api/cases/TR-2026-0302",
    "/api/cases/AGA-2026-1107",
    "/api/cases/EC-2026-0481",
    "/api/claims/CL-2026-0101/calculations",
    "/api/claims/TR-2026-0302/calculations",
    "/api/cases/CL-2026-0101/as-of",
    "/api/cases?kind=property_claim",
    "/api/cases?kind=travel_claim",
]


def _routes(app: FastAPI) -> list[APIRoute]:
    """Every route, those of included routers too (FastAPI keeps them behind a wrapper)."""
    found: list[APIRoute] = []
    pending = list(app.routes)
    while pending:
        route = pending.pop(0)
        included = getattr(route, "original_router", None)
        if included is not None:
            pending.extend(included.routes)
        elif isinstance(route, APIRoute):
            found.append(route)
    return found


def _get_routes(app: FastAPI) -> list[str]:
    return [r.path for r in _routes(app) if "GET" in r.methods]


def test_every_route_but_health_login_and_language_needs_a_token(
    app: FastAPI, client: TestClient
) -> None:
    checked = 0
    for path in _get_routes(app):
        if path in PUBLIC:
            continue
        url = re.sub(r"\{(\w+)\}", lambda m: EXAMPLE_PARAMS[m.group(1)], path)
        response = client.get(url)
        if path.startswith(("/api/", "/metrics", "/openapi.json")):
            assert response.status_code == 401, url
            assert response.headers["www-authenticate"] == "Bearer"
        else:
            assert response.status_code == 303, url
            assert response.headers["location"].startswith("/login?next=")
        checked += 1
    assert checked >= 20


def test_the_only_routes_that_are_not_get_sign_in_and_out(app: FastAPI) -> None:
    writes = {(r.path, m) for r in _routes(app) for m in r.methods if m not in ("GET", "HEAD")}
    assert writes == {("/login", "POST"), ("/logout", "POST")}


def test_a_wrong_token_is_refused(client: TestClient) -> None:
    response = client.get("/api/cases", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401


@pytest.mark.parametrize("path", CLAIM_ROUTES)
def test_regulator_is_refused_every_claim_route(client: TestClient, path: str) -> None:
    response = client.get(path, headers=bearer(Role.REGULATOR))
    assert response.status_code == 403
    assert "regulator" in response.json()["detail"]


def test_regulator_is_refused_a_claim_page(client: TestClient) -> None:
    response = client.get("/cases/CL-2026-0101", headers=bearer(Role.REGULATOR))
    assert response.status_code == 403
    assert "Akses ditolak" in response.text  # the regulator's pages are in Bahasa Indonesia


def test_regulator_lists_complaints_only(client: TestClient) -> None:
    page = client.get("/api/cases", headers=bearer(Role.REGULATOR)).json()
    assert page["items"], "the demo has complaints"
    assert {c["kind"] for c in page["items"]} == {"complaint"}


def test_regulator_reads_a_complaint_timeline_and_the_quarterly_report(client: TestClient) -> None:
    assert client.get("/api/cases/CMP-2026-0002", headers=bearer(Role.REGULATOR)).is_success
    assert client.get("/api/reports/2026-Q1", headers=bearer(Role.REGULATOR)).is_success


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/deadlines/breaches-by-rule", 200),
        ("/api/reports/2026-Q1", 200),
        ("/api/reports", 200),
        ("/metrics", 200),
        ("/api/cases", 403),
        ("/api/cases/CMP-2026-0001", 403),
        ("/api/deadlines", 403),
        ("/api/verification", 403),
    ],
)
def test_reporting_reads_aggregate_figures_only(client: TestClient, path: str, status: int) -> None:
    assert client.get(path, headers=bearer(Role.REPORTING)).status_code == status


def test_reporting_sees_breach_figures_but_no_single_deadline(client: TestClient) -> None:
    html = client.get("/deadlines", headers=bearer(Role.REPORTING)).text
    assert 'id="breach-figures"' in html
    assert 'id="open-deadlines"' not in html
    assert "CMP-2026" not in html


@pytest.mark.parametrize("path", ["/login", "/cases", "/api/cases", "/cases/CMP-2026-0002"])
def test_every_response_carries_the_security_headers(client: TestClient, path: str) -> None:
    headers = client.get(path, headers=bearer(Role.AUDITOR)).headers
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize(
    "path", ["/cases", "/cases/CL-2026-0101", "/cases/CMP-2026-0002", "/deadlines", "/rules"]
)
def test_pages_hold_no_inline_script_or_style(client: TestClient, path: str) -> None:
    html = client.get(path, headers=bearer(Role.AUDITOR)).text
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\sstyle=|\son[a-z]+=", html)


def test_login_sets_a_signed_httponly_strict_secure_session_cookie(client: TestClient) -> None:
    response = client.post(
        "/login",
        content=f"token={TOKENS[Role.AUDITOR]}&next=/cases",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/cases"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" in cookie
    assert TOKENS[Role.AUDITOR] not in cookie
    session = cookie.split(";")[0].split("=", 1)[1]
    fresh = TestClient(client.app, base_url="https://testserver", follow_redirects=False)
    fresh.cookies.set(SESSION_COOKIE, session)
    assert fresh.get("/api/me").json()["name"] == "audit-team"
    fresh.cookies.set(SESSION_COOKIE, session[:-2] + ("AA" if session[-2:] != "AA" else "BB"))
    assert fresh.get("/api/me").status_code == 401


def test_login_with_an_unknown_token_is_refused(client: TestClient) -> None:
    response = client.post(
        "/login",
        content="token=guess&next=/cases",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 401
    assert "set-cookie" not in response.headers


def test_login_never_redirects_to_another_site(client: TestClient) -> None:
    response = client.post(
        "/login",
        content=f"token={TOKENS[Role.AUDITOR]}&next=//evil.example/",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.headers["location"] == "/"


def test_reading_a_case_is_logged_with_who_and_what_without_personal_data(
    client: TestClient,
) -> None:
    previous = structlog.get_config()["wrapper_class"]
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.INFO))
    try:
        with structlog.testing.capture_logs() as logs:
            client.get("/api/cases/CMP-2026-0001", headers=bearer(Role.AUDITOR))
            client.get("/api/cases/CL-2026-0101", headers=bearer(Role.REGULATOR))
    finally:
        structlog.configure(wrapper_class=previous)
    reads = [e for e in logs if e["event"] == "web.case_read"]
    assert len(reads) == 1
    read = reads[0]
    assert read["who"] == "audit-team" and read["role"] == "auditor"
    assert read["case_reference"] == "CMP-2026-0001" and read["case_id"]
    assert datetime.fromisoformat(read["at"]).tzinfo is not None
    refused = [e for e in logs if e["event"] == "web.case_read_refused"]
    assert refused and refused[0]["case_reference"] == "CL-2026-0101"
    text = repr(logs)
    assert "surveyor has not come" not in text  # CMP-2026-0001's explanation
    assert TOKENS[Role.AUDITOR] not in text


def test_personal_data_is_masked_in_a_timeline(client: TestClient) -> None:
    case = client.get("/api/cases/CMP-2026-0001", headers=bearer(Role.AUDITOR)).json()
    received = case["timeline"][0]
    assert received["event_type"] == "ComplaintReceived"
    assert received["change"]["explanation"] == "[personal data]"
    assert received["change"]["channel"] == "contact_center"
    response = next(
        e for e in case["timeline"] if e["event_type"] == "ComplaintInitialResponseGiven"
    )
    assert response["change"]["contact_phone"] == "[personal data]"


def test_a_timeline_holds_every_stored_event_each_seal_verified(client: TestClient) -> None:
    case = client.get("/api/cases/CMP-2026-0002", headers=bearer(Role.AUDITOR)).json()
    versions = [e["version"] for e in case["timeline"]]
    assert versions == list(range(1, len(versions) + 1))
    assert all(e["seal"] == "verified" for e in case["timeline"])
    assert case["chain_verified"] is True
    for before, after in zip(case["timeline"], case["timeline"][1:], strict=False):
        assert after["prev_hash"] == before["hash"]
    # CMP-2026-0002 was e-mailed at night and logged the next morning (C-TIME-2).
    assert case["timeline"][0]["recorded_late_by"] is not None
    assert all(e["occurred_at"].endswith("+07:00") for e in case["timeline"])  # WIB


def _wib(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_open_deadlines_show_the_sla_time_left_against_the_injected_clock(
    client: TestClient,
) -> None:
    from tests.web.conftest import NOW

    page = client.get("/api/deadlines?view=open", headers=bearer(Role.AUDITOR)).json()
    assert page["items"], "CMP-2026-0105 still awaits its documents on 30 December"
    lefts = [d["time_left_seconds"] for d in page["items"]]
    assert lefts == sorted(lefts)  # least time left first
    for d in page["items"]:
        expected = (_wib(d["due"]) - NOW).total_seconds()
        assert abs(d["time_left_seconds"] - expected) < 1


def test_a_breach_states_how_late_the_deadline_was_met(client: TestClient) -> None:
    case = client.get("/api/cases/CMP-2026-0002", headers=bearer(Role.AUDITOR)).json()
    late = [d for d in case["deadlines"] if d["status"] == "breach_closed"]
    assert late and all(d["late_by_seconds"] > 0 for d in late)


def test_report_of_a_quarter_without_rule_set_is_not_found(client: TestClient) -> None:
    assert client.get("/api/reports/2001-Q1", headers=bearer(Role.AUDITOR)).status_code == 404


def test_health_answers_without_a_token(client: TestClient) -> None:
    assert client.get("/healthz").json() == {
        "status": "ok",
        "event_store": True,
        "read_model": True,
    }


def test_metrics_count_requests_and_show_where_the_pipeline_stands(
    client: TestClient, demo_store: Store
) -> None:
    client.get("/api/cases", headers=bearer(Role.AUDITOR))
    text = client.get("/metrics", headers=bearer(Role.AUDITOR)).text
    assert 'ledger_web_requests_total{method="GET",route="/api/cases",status="200"}' in text
    assert "ledger_web_request_duration_seconds_bucket" in text
    assert f"ledger_read_model_events {float(demo_store.events)}" in text
    assert "ledger_read_model_lag_events 0.0" in text


def test_tokens_are_read_from_a_json_list_or_a_comma_list() -> None:
    digest = "sha256$" + hashlib.sha256(b"x" * 20).hexdigest()
    as_list = parse_token_entries(f"auditor:a:{digest}, reporting:b:{digest}")
    as_json = parse_token_entries(
        f'[{{"role": "auditor", "name": "a", "hash": "{digest}"}},'
        f' {{"role": "reporting", "name": "b", "hash": "{digest}"}}]'
    )
    assert as_list == as_json
    assert [e.role for e in as_list] == [Role.AUDITOR, Role.REPORTING]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("auditor:a", "role:name:hash"),
        ("owner:a:sha256$" + "0" * 64, "roles: auditor, regulator, reporting"),
        ("auditor:a:plain-token", "hash"),
        ("[{", "not valid JSON"),
    ],
)
def test_a_bad_token_setting_is_refused_naming_what_is_accepted(text: str, names: str) -> None:
    with pytest.raises(TokenSettingsError, match=re.escape(names)):
        parse_token_entries(text)


def test_a_token_hash_matches_its_token_only() -> None:
    stored = hash_token("correct horse battery staple")
    assert stored.startswith("scrypt$")
    assert token_matches("correct horse battery staple", stored)
    assert not token_matches("correct horse battery stapler", stored)


def test_serve_refuses_an_empty_data_folder_and_says_how_to_fill_it(tmp_path: Path) -> None:
    from claims_ledger.infra.settings import Settings

    web = WebSettings(tokens=SecretStr("auditor:a:sha256$" + "0" * 64))
    with pytest.raises(ServeError, match="serve --demo"):
        check_ready(Settings(ledger_data_dir=tmp_path / "empty"), web)
    with pytest.raises(ServeError, match="LEDGER_WEB_TOKENS"):
        check_ready(Settings(ledger_data_dir=tmp_path / "empty"), WebSettings())


def test_the_verification_page_shows_the_latest_signed_checkpoint_and_the_last_verify_run(
    client: TestClient, demo_store: Store
) -> None:
    view = client.get("/api/verification", headers=bearer(Role.AUDITOR)).json()
    assert view["available"] is True
    assert view["checkpoint"]["tree_size"] == demo_store.events
    assert view["checkpoint"]["note"].startswith(view["checkpoint"]["origin"] + "\n")
    assert view["last_run"]["ok"] is True and view["last_run"]["problems"] == 0
    assert view["last_run"]["checkpoints_checked"] >= 1


def test_no_page_or_answer_about_any_case_shows_a_ciphertext(client: TestClient) -> None:
    """Personal fields are masked by name, and any encrypted value by its form, wherever it
    stands (an assistance case's arrangement and outcome, an analysis's free text)."""
    auditor = bearer(Role.AUDITOR)
    references = [
        c["reference"]
        for c in client.get("/api/cases?page_size=100", headers=auditor).json()["items"]
    ]
    assert "AGA-2026-1107" in references and "CMP-2026-0001" in references
    answers = [client.get(f"/api/cases/{ref}", headers=auditor) for ref in references]
    answers += [client.get(f"/cases/{ref}", headers=auditor) for ref in references]
    answers += [
        client.get(path, headers=auditor)
        for path in ("/api/cases?page_size=100", "/api/deadlines", "/cases", "/deadlines")
    ]
    for answer in answers:
        assert answer.status_code == 200, answer.url
        assert not ENCRYPTED_ANYWHERE.search(answer.text), answer.url
    evacuation = client.get("/api/cases/AGA-2026-1107", headers=auditor).json()
    assert evacuation["facts"]["arrangement"] == "[personal data]"
