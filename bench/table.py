"""The README's performance tables, from bench/results.json: `python bench/table.py` prints them
(paste them between the README's `bench-table` markers; tests/unit/test_bench_table.py checks
that the README holds exactly what this prints)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).with_name("results.json")

ORDER = [
    "scenario_file_500_sqlite",
    "scenario_file_500_postgres",
    "scenario_file_growth_sqlite",
    "one_command_sqlite",
    "rebuild_sqlite",
    "rebuild_postgres",
    "relay_sqlite_embedded",
    "relay_sqlite_apache",
    "kafka_to_read_models_sqlite_embedded",
    "kafka_to_read_models_sqlite_apache",
    "consumer_group_postgres_embedded",
    "consumer_group_postgres_apache",
    "latency_p99_embedded",
    "latency_p99_apache",
]


def _number(value: float, unit: str) -> str:
    return f"{value:,.0f} {unit}"


def _row(entry: dict[str, Any]) -> str:
    unit = entry["unit"]
    bound = "≤" if entry.get("target_is") == "at most" else "≥"
    met = "**met**" if entry["met"] else "not met"
    return (
        f"| {entry['what']} | {_number(entry['ours'], unit)} | {entry['raw_baseline']}: "
        f"{_number(entry['raw'], unit)} | {entry['ratio']:.2f} | {bound} {entry['target']} | "
        f"{met} |"
    )


def tables(results: dict[str, Any]) -> str:
    lines = [
        "| path | ours | raw baseline (same run) | ratio | target | |",
        "|---|---|---|---|---|---|",
        *(_row(results[key]) for key in ORDER if key in results),
    ]
    state = results.get("state_as_of")
    if state:
        version, command = state["state_as_of_version"], state["command_on_long_case"]
        lines += [
            f"| state as of version 10,000 vs version 10 of one case | "
            f"{version['ours_v10000_ms']} vs {version['ours_v10_ms']} ms | the library without "
            f"snapshots: {version['raw_v10000_ms']} vs {version['raw_v10_ms']} ms "
            f"({version['raw_ratio']}x) | {version['ratio']}x | ≤ 3x | "
            f"{'**met**' if version['ratio'] <= 3 else 'not met'} |",
            f"| a command on a 10,000-event case vs a 10-event case | "
            f"{command['ours_10000_events_ms']} vs {command['ours_10_events_ms']} ms | without "
            f"snapshots: {command['raw_10000_events_ms']} vs {command['raw_10_events_ms']} ms "
            f"({command['raw_ratio']}x) | {command['ratio']}x | ≤ 3x | "
            f"{'**met**' if command['ratio'] <= 3 else 'not met'} |",
        ]
    growth = results.get("growth")
    if growth:
        lines += [
            "",
            "| events in the store (SQLite) | rebuild | rebuild rate | rebuild peak memory |"
            " applying that step's files | apply peak memory |",
            "|---|---|---|---|---|---|",
        ]
        for row in sorted(growth["sizes"].values(), key=lambda r: r["events"]):
            lines.append(
                f"| {row['events']:,} | {row['rebuild_seconds']} s | "
                f"{row['rebuild_events_per_second']:,} ev/s | "
                f"{row['rebuild_peak_memory_mib']} MiB | {row['apply_step_seconds']} s | "
                f"{row['apply_step_peak_memory_mib']} MiB |"
            )
        versus = growth.get("rebuild_1m_vs_100k")
        if versus:
            lines += [
                "",
                f"Rebuild at the largest size vs the middle one: {versus['ratio']}x the time "
                f"(target ≤ {versus['target_at_most']}x and under 1 GiB: "
                f"{'**met**' if versus['met'] else 'not met'}).",
            ]
    return "\n".join(lines)


def main() -> None:
    print(tables(json.loads(RESULTS.read_text())))


if __name__ == "__main__":
    main()
