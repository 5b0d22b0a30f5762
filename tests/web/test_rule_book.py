"""The rule book the pages link to, and the files shipped with the web application."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from claims_ledger.infra.web.auth import Role
from claims_ledger.infra.web.rules import rule_anchor, rule_book, rules_markdown
from tests.web.conftest import bearer

WEB = Path(__file__).parents[2] / "infra" / "web"
SHARED_RULES = Path(__file__).parents[3] / "shared" / "RULES.md"


@pytest.mark.skipif(not SHARED_RULES.exists(), reason="no shared/ beside this checkout")
def test_the_shipped_rule_book_is_the_shared_one() -> None:
    assert rules_markdown() == SHARED_RULES.read_text("utf-8"), (
        "copy ../shared/RULES.md to infra/web/RULES.md"
    )


def test_every_rule_of_the_book_has_an_anchor() -> None:
    book = rule_book()
    ids = re.findall(r"^- \*\*([A-Z]{1,3}(?:-[A-Z0-9]+)+)", rules_markdown(), re.MULTILINE)
    assert set(ids) == set(book.rules)
    for rule_id in ids:
        assert f'id="{rule_id}"' in book.html


def test_every_calculation_line_and_deadline_of_the_demo_links_to_a_rule_in_the_book(
    client: TestClient,
) -> None:
    book = rule_book()
    references = ["CL-2026-0101", "CL-2026-0102", "CL-2026-0103", "CL-2026-0104"]
    references += ["TR-2026-0301", "TR-2026-0302", "TR-2026-0303", "CMP-2026-0002"]
    linked = set()
    for reference in references:
        case = client.get(f"/api/cases/{reference}", headers=bearer(Role.AUDITOR)).json()
        urls = [s["rule_url"] for c in case["calculations"] for s in c["steps"]]
        urls += [rule_anchor(d["rule_id"]) for d in case["deadlines"]]
        for url in urls:
            linked.add(url)
            assert url.removeprefix("/rules#") in book.rules, url
    assert len(linked) >= 12


def test_rule_text_in_the_book_is_escaped() -> None:
    assert "<script" not in rule_book().html


def test_the_vendored_htmx_is_the_version_the_notice_names() -> None:
    notice = (WEB / "NOTICE").read_text()
    digest = hashlib.sha256((WEB / "static" / "htmx.min.js").read_bytes()).hexdigest()
    assert f"SHA-256 {digest}" in notice
    assert "htmx.org@2.0.11" in notice and "Zero-Clause BSD" in notice
