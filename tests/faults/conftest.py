"""The fault suite prints its figures at the end of every run that included it."""

from __future__ import annotations

from typing import Any

from tests.faults import harness


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not harness.RESULTS:
        return
    mode = "soak" if harness.soak() else "normal (FAULT_SOAK=1 for the long run)"
    terminalreporter.write_sep("=", f"fault suite: {mode}")
    terminalreporter.write_line(harness.table())
    harness.write_last_run()
    terminalreporter.write_line(f"(also in {harness.LAST_RUN})")
