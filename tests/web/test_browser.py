"""The web application in a real browser: headless Chromium from Debian's `chromium` package,
driven by Playwright for Python (no browser download), against the application served by
uvicorn on the demo's SQLite files.

Screenshots are written to a temporary folder, or to LEDGER_WEB_SCREENSHOTS when it is set
(`make screenshots` writes docs/screenshots/).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from claims_ledger.infra.web.auth import Role
from tests.web.conftest import TOKENS, Store

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists() and not os.environ.get("CI"),
        reason="Debian's chromium is not installed (apt-get install chromium; .ci/run does)",
    ),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def context(browser: Browser, server: str) -> Iterator[BrowserContext]:
    ctx = browser.new_context(
        base_url=server, accept_downloads=True, viewport={"width": 1400, "height": 900}
    )
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get("LEDGER_WEB_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def sign_in(context: BrowserContext, role: Role, start: str = "/cases") -> Page:
    page = context.new_page()
    page.goto(start)
    expect(page).to_have_url(re.compile(re.escape("/login")))
    page.fill("#token", TOKENS[role])
    page.click("#login-submit")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#role")).to_have_text(role.value)
    return page


def claims_ledger_report(store: Store, quarter: str, output: str) -> bytes:
    command = [str(Path(sys.executable).parent / "claims-ledger"), "report", quarter]
    result = subprocess.run(
        [*command, f"--{output}"],
        env={**os.environ, "LEDGER_DATA_DIR": str(store.settings.ledger_data_dir)},
        capture_output=True,
        check=True,
        timeout=60,
    )
    return result.stdout


def test_auditor_opens_the_demo_cases_and_follows_a_calculation_line_to_its_rule(
    context: BrowserContext, shots: Path
) -> None:
    page = sign_in(context, Role.AUDITOR)
    table = page.locator("#cases-table")
    for reference in ("CMP-2026-0001", "CL-2026-0101", "TR-2026-0302", "AGA-2026-1107"):
        expect(table).to_contain_text(reference)
    page.screenshot(path=shots / "cases.png", full_page=True)

    # htmx swaps the results when a filter changes
    page.select_option("#kind", "property_claim")
    expect(page.locator("#total")).to_contain_text("4 results")
    expect(page).to_have_url(re.compile(re.escape("kind=property_claim")))
    page.fill("#q", "CL-2026-0101")
    expect(page.locator("#total")).to_contain_text("1 results")

    page.click("text=CL-2026-0101")
    expect(page.locator("#case-reference")).to_contain_text("CL-2026-0101")
    expect(page.locator("#chain")).to_have_class("ok")
    expect(page.locator("#timeline .seal-verified").first).to_be_visible()
    calculation = page.locator("#calculations .calculation").first
    expect(calculation.locator(".trace-line")).to_have_count(4)
    page.screenshot(path=shots / "case-claim.png", full_page=True)

    first_line = calculation.locator(".trace-line a.rule-link").first
    rule_id = first_line.inner_text()
    first_line.click()
    expect(page).to_have_url(re.compile(re.escape(f"/rules#{rule_id}") + "$"))
    rule = page.locator(f"[id='{rule_id}']")
    expect(rule).to_be_visible()
    expect(rule).to_contain_text(rule_id)
    assert page.evaluate("document.querySelector(':target').id") == rule_id
    page.screenshot(path=shots / "rules.png")


def test_auditor_reads_open_deadlines_with_the_sla_time_left(
    context: BrowserContext, shots: Path
) -> None:
    page = sign_in(context, Role.AUDITOR, "/cases/CMP-2026-0105")
    expect(page.locator("#case-deadlines .status-open .time-left").first).not_to_have_text("-")
    page.screenshot(path=shots / "case-complaint.png", full_page=True)
    page.goto("/deadlines")
    expect(page.locator("#open-deadlines")).to_contain_text("CMP-2026-0105")
    expect(page.locator("#breach-figures")).to_contain_text("CP-SLA-1")
    page.select_option("#party", "customer")
    expect(page).to_have_url(re.compile(re.escape("party=customer")))
    expect(page.locator("#breach-figures")).not_to_contain_text("insurer")
    page.goto("/deadlines")
    page.screenshot(path=shots / "deadlines.png", full_page=True)
    page.goto("/verification")
    expect(page.locator("#checkpoint")).to_contain_text('"tree_size"')
    expect(page.locator("#last-run")).to_contain_text('"ok": true')
    page.screenshot(path=shots / "verification.png")


def _pick_as_of(context: BrowserContext) -> Page:
    page = sign_in(context, Role.AUDITOR, "/cases/CMP-2026-0002")
    page.click("#as-of-link")
    page.fill("#as-of-at", "2026-03-05T12:00:00")
    page.click("#as-of-submit")
    expect(page).to_have_url(re.compile(re.escape("at=2026-03-05T12%3A00")))
    return page


def test_state_as_of_shows_the_case_then_beside_now(context: BrowserContext, shots: Path) -> None:
    page = _pick_as_of(context)
    expect(page.locator("#as-of-result")).to_be_visible(timeout=2000)
    expect(page.locator("#as-of-at")).to_have_value("2026-03-05T12:00")
    expect(page.locator("#as-of-then")).to_contain_text('"case": "CMP-2026-0002"')
    expect(page.locator("#as-of-now")).to_contain_text('"case": "CMP-2026-0002"')
    page.screenshot(path=shots / "as-of.png")


def test_regulator_reads_complaints_in_bahasa_indonesia_and_is_refused_claims(
    context: BrowserContext, shots: Path
) -> None:
    page = sign_in(context, Role.REGULATOR)
    assert page.locator("html").get_attribute("lang") == "id"
    expect(page.locator("h1")).to_have_text("Kasus")
    kinds = page.locator("#cases-table tbody tr td:nth-child(2)").all_inner_texts()
    assert kinds and set(kinds) == {"Pengaduan"}

    page.click("text=CMP-2026-0002")
    expect(page.locator("#timeline")).to_contain_text("ComplaintReceived")
    expect(page.locator("#chain")).to_have_class("ok")
    page.screenshot(path=shots / "regulator-complaint.png", full_page=True)

    response = page.goto("/cases/CL-2026-0101")
    assert response is not None and response.status == 403
    expect(page.locator("#error-title")).to_have_text("Akses ditolak")
    for path in ("/api/claims/CL-2026-0101/calculations", "/api/cases/CL-2026-0101"):
        assert page.request.get(path).status == 403

    page.click("#lang-en")
    expect(page.locator("#error-title")).to_have_text("Access denied")


def test_reporting_team_downloads_the_quarterly_report_equal_to_the_command_line(
    context: BrowserContext, shots: Path, demo_store: Store
) -> None:
    page = sign_in(context, Role.REPORTING, "/")
    expect(page).to_have_url(re.compile(re.escape("/reports/2026-Q4")))  # the clock's quarter
    page.fill("#quarter-input", "2026-Q1")
    page.press("#quarter-input", "Enter")
    expect(page.locator("#quarter")).to_have_text("2026-Q1")
    expect(page.locator("#productions")).to_contain_text("2026-Q1")
    page.screenshot(path=shots / "report.png", full_page=True)

    with page.expect_download() as csv_download:
        page.click("#download-csv")
    csv_bytes = Path(csv_download.value.path()).read_bytes()
    assert csv_bytes == claims_ledger_report(demo_store, "2026-Q1", "csv")

    with page.expect_download() as json_download:
        page.click("#download-json")
    json_bytes = Path(json_download.value.path()).read_bytes()
    assert json_bytes == claims_ledger_report(demo_store, "2026-Q1", "json")

    response = page.goto("/cases")
    assert response is not None and response.status == 403
