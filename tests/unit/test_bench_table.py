"""Issue 12, acceptance 1: the README's performance tables are what bench/results.json holds
(regenerate them with `python bench/table.py` after `make bench`)."""

from __future__ import annotations

import json
from pathlib import Path

from bench.table import RESULTS, tables

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_performance_tables_match_bench_results() -> None:
    text = README.read_text()
    start = text.index("<!-- bench-table -->") + len("<!-- bench-table -->")
    end = text.index("<!-- /bench-table -->")
    assert text[start:end].strip() == tables(json.loads(RESULTS.read_text())).strip()
