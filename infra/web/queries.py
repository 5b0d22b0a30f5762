"""Read-only queries of the web application over the read-model tables.

The cases list is one `UNION ALL` of the case tables (complaints, property claims, travel claims,
assistance cases), each branch filtered on indexed columns and ordered by reference, so the
database merges the branches in index order and stops at the page (see `indexes.py`). The
query plan is checked by a test on 100,000 cases.
"""

from __future__ import annotations

import enum
import typing
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, TypeVar

from claims_ledger.infra.store import ReadModel


class CaseKind(enum.StrEnum):
    COMPLAINT = "complaint"
    PROPERTY_CLAIM = "property_claim"
    TRAVEL_CLAIM = "travel_claim"
    ASSISTANCE_CASE = "assistance_case"


CLAIM_KINDS = frozenset({CaseKind.PROPERTY_CLAIM, CaseKind.TRAVEL_CLAIM, CaseKind.ASSISTANCE_CASE})
PRODUCT_OF_KIND = {
    CaseKind.PROPERTY_CLAIM: "EstateCare",
    CaseKind.TRAVEL_CLAIM: "Travel Single Trip",
    CaseKind.ASSISTANCE_CASE: "Travel Single Trip",
}


T = TypeVar("T")


def as_row(row_type: type[T], r: dict[str, Any]) -> T:
    """A read-model row (a dataclass) from a fetched mapping: ISO times become datetimes."""
    hints = typing.get_type_hints(row_type)
    values: dict[str, Any] = {}
    for f in fields(row_type):  # type: ignore[arg-type]
        value, hint = r[f.name], hints[f.name]
        if value is not None and datetime in (hint, *typing.get_args(hint)):
            value = datetime.fromisoformat(value)
        elif value is not None and hint is bool:
            value = bool(value)
        values[f.name] = value
    return row_type(**values)


def rows(
    read_model: ReadModel, sql: str, params: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    with read_model.datastore.transaction(commit=False) as c:
        c.execute(read_model._sql(sql), params or {})
        return [dict(r) for r in c.fetchall()]


@dataclass(frozen=True)
class CaseFilter:
    reference: str | None = None
    """A reference or its beginning (`CMP-2026`), case-insensitive."""
    kinds: Sequence[CaseKind] = tuple(CaseKind)
    state: str | None = None
    channel: str | None = None
    product: str | None = None
    breached: bool | None = None


def _breached_claim(p: str, case_id: str) -> str:
    return (
        f"EXISTS (SELECT 1 FROM {p}case_deadlines d WHERE d.case_id = {case_id} "
        "AND d.breached_at IS NOT NULL)"
    )


ASSISTANCE_STATE = (
    "CASE WHEN a.closed_at IS NOT NULL THEN 'closed' "
    "WHEN a.arranged_at IS NOT NULL THEN 'arranged' ELSE 'reported' END"
)


def _branch(p: str, kind: CaseKind, f: CaseFilter) -> str | None:
    """One kind's SELECT, or None when the filter excludes the kind outright."""
    if kind is not CaseKind.COMPLAINT and (
        f.channel or (f.product and f.product != PRODUCT_OF_KIND[kind])
    ):
        return None
    where: list[str] = []
    if kind is CaseKind.COMPLAINT:
        select = (
            "SELECT 'complaint' AS kind, c.reference AS reference, c.complaint_id AS case_id, "
            "c.state AS state, c.channel AS channel, c.product AS product, "
            "c.received_at AS opened_at, CASE WHEN c.breaches > 0 THEN 1 ELSE 0 END AS breached "
            f"FROM {p}complaint_status c"
        )
        column = "c.reference"
        if f.state:
            where.append("c.state = %(state)s")
        if f.channel:
            where.append("c.channel = %(channel)s")
        if f.product:
            where.append("c.product = %(product)s")
        if f.breached is not None:
            where.append("c.breaches > 0" if f.breached else "c.breaches = 0")
    elif kind is CaseKind.PROPERTY_CLAIM:
        breached = _breached_claim(p, "s.claim_id")
        select = (
            "SELECT 'property_claim' AS kind, s.reference AS reference, s.claim_id AS case_id, "
            "NULL AS state, NULL AS channel, 'EstateCare' AS product, "
            f"(SELECT e.occurred_at FROM {p}ledger_events e WHERE e.aggregate_id = s.claim_id "
            "AND e.version = 1) AS opened_at, "
            f"CASE WHEN {breached} THEN 1 ELSE 0 END AS breached "
            f"FROM {p}claim_sections s"
        )
        column = "s.reference"
        # One row per claim: its first section's row (the primary key finds it).
        where.append(
            f"s.section = (SELECT MIN(s2.section) FROM {p}claim_sections s2 "
            "WHERE s2.claim_id = s.claim_id)"
        )
        where.append(f"NOT EXISTS (SELECT 1 FROM {p}travel_claims t WHERE t.claim_id = s.claim_id)")
        if f.state:
            where.append(
                f"EXISTS (SELECT 1 FROM {p}claim_sections s3 WHERE s3.claim_id = s.claim_id "
                "AND s3.status = %(state)s)"
            )
        if f.breached is not None:
            where.append(breached if f.breached else f"NOT {breached}")
    elif kind is CaseKind.TRAVEL_CLAIM:
        breached = _breached_claim(p, "t.claim_id")
        select = (
            "SELECT 'travel_claim' AS kind, t.reference AS reference, t.claim_id AS case_id, "
            "t.stage AS state, NULL AS channel, 'Travel Single Trip' AS product, "
            f"t.submitted_at AS opened_at, CASE WHEN {breached} THEN 1 ELSE 0 END AS breached "
            f"FROM {p}travel_claims t"
        )
        column = "t.reference"
        if f.state:
            where.append("t.stage = %(state)s")
        if f.breached is not None:
            where.append(breached if f.breached else f"NOT {breached}")
    else:
        select = (
            "SELECT 'assistance_case' AS kind, a.reference AS reference, a.case_id AS case_id, "
            f"{ASSISTANCE_STATE} AS state, NULL AS channel, 'Travel Single Trip' AS product, "
            "a.reported_at AS opened_at, 0 AS breached "
            f"FROM {p}assistance_cases a"
        )
        column = "a.reference"
        if f.state:
            where.append(f"{ASSISTANCE_STATE} = %(state)s")
        if f.breached:
            return None
    if f.reference:
        where.append(f"{column} >= %(ref_lo)s AND {column} < %(ref_hi)s")
    return select + (" WHERE " + " AND ".join(where) if where else "")


def _params(f: CaseFilter) -> dict[str, Any]:
    params: dict[str, Any] = {"state": f.state, "channel": f.channel, "product": f.product}
    if f.reference:
        lo = f.reference.strip().upper()
        params.update(ref_lo=lo, ref_hi=lo + "\U0010ffff")
    return {k: v for k, v in params.items() if v is not None}


def cases_sql(prefix: str, f: CaseFilter) -> str | None:
    branches = [b for kind in f.kinds if (b := _branch(prefix, kind, f)) is not None]
    if not branches:
        return None
    return " UNION ALL ".join(branches) + " ORDER BY reference LIMIT %(limit)s OFFSET %(offset)s"


def count_sql(prefix: str, f: CaseFilter) -> str | None:
    branches = [b for kind in f.kinds if (b := _branch(prefix, kind, f)) is not None]
    if not branches:
        return None
    counted = " UNION ALL ".join(
        f"SELECT COUNT(*) AS n FROM ({b}) AS k{i}" for i, b in enumerate(branches)
    )
    return f"SELECT SUM(n) AS total FROM ({counted}) AS counts"


def find_cases(
    read_model: ReadModel, f: CaseFilter, page: int, page_size: int
) -> tuple[list[dict[str, Any]], int]:
    """One page of cases (ordered by reference) and how many match in all."""
    page_sql = cases_sql(read_model.prefix, f)
    total_sql = count_sql(read_model.prefix, f)
    if page_sql is None or total_sql is None:
        return [], 0
    params = _params(f)
    found = rows(
        read_model, page_sql, {**params, "limit": page_size, "offset": (page - 1) * page_size}
    )
    total = rows(read_model, total_sql, params)[0]["total"] or 0
    _add_section_states(read_model, found)
    return found, int(total)


def _add_section_states(read_model: ReadModel, found: list[dict[str, Any]]) -> None:
    """A property claim's state is its sections' states (RG-CL-3): `I: paid, II: assessed`."""
    ids = [r["case_id"] for r in found if r["kind"] == CaseKind.PROPERTY_CLAIM.value]
    if not ids:
        return
    names = {f"id{i}": v for i, v in enumerate(ids)}
    sections = rows(
        read_model,
        f"SELECT claim_id, section, status FROM {read_model.prefix}claim_sections "
        f"WHERE claim_id IN ({', '.join(f'%({n})s' for n in names)}) ORDER BY claim_id, section",
        names,
    )
    states: dict[str, list[str]] = {}
    for s in sections:
        states.setdefault(s["claim_id"], []).append(f"{s['section']}: {s['status']}")
    for r in found:
        if r["case_id"] in states:
            r["state"] = ", ".join(states[r["case_id"]])


def explain_cases(read_model: ReadModel, f: CaseFilter) -> list[str]:
    """SQLite's EXPLAIN QUERY PLAN of the cases page query (what the 100,000-case test reads)."""
    sql = cases_sql(read_model.prefix, f)
    if sql is None:
        return []
    params = {**_params(f), "limit": 50, "offset": 0}
    return [str(r["detail"]) for r in rows(read_model, "EXPLAIN QUERY PLAN " + sql, params)]


# -- filters' choices --------------------------------------------------------------------------


def distinct_values(read_model: ReadModel, table: str, column: str) -> list[str]:
    """The values present in an indexed column (the index is read, not the table)."""
    return [
        str(r["v"])
        for r in rows(
            read_model,
            f"SELECT DISTINCT {column} AS v FROM {read_model.prefix}{table} "
            f"WHERE {column} IS NOT NULL ORDER BY {column}",
        )
    ]


# -- deadlines ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineFilter:
    party: str | None = None
    rule_id: str | None = None
    complaints_only: bool = False


def _deadline_where(p: str, f: DeadlineFilter) -> list[str]:
    where = []
    if f.party:
        where.append("d.party = %(party)s")
    if f.rule_id:
        where.append("d.rule_id = %(rule_id)s")
    if f.complaints_only:
        where.append(
            f"EXISTS (SELECT 1 FROM {p}complaint_status c WHERE c.complaint_id = d.case_id)"
        )
    return where


def _deadline_params(f: DeadlineFilter) -> dict[str, Any]:
    return {k: v for k, v in {"party": f.party, "rule_id": f.rule_id}.items() if v}


def open_deadlines(
    read_model: ReadModel, f: DeadlineFilter, page: int, page_size: int
) -> tuple[list[dict[str, Any]], int]:
    """Open deadlines, the soonest due first (least time left)."""
    p = read_model.prefix
    where = " AND ".join(["d.status = 'open'", *_deadline_where(p, f)])
    params = _deadline_params(f)
    found = rows(
        read_model,
        f"SELECT d.* FROM {p}case_deadlines d WHERE {where} ORDER BY d.due, d.case_id, d.key "
        "LIMIT %(limit)s OFFSET %(offset)s",
        {**params, "limit": page_size, "offset": (page - 1) * page_size},
    )
    total = rows(read_model, f"SELECT COUNT(*) AS n FROM {p}case_deadlines d WHERE {where}", params)
    return found, int(total[0]["n"])


def breached_deadlines(
    read_model: ReadModel, f: DeadlineFilter, page: int, page_size: int
) -> tuple[list[dict[str, Any]], int]:
    """Breached deadlines (still open or fulfilled late), the latest breach first."""
    p = read_model.prefix
    where = " AND ".join(["d.breached_at IS NOT NULL", *_deadline_where(p, f)])
    params = _deadline_params(f)
    found = rows(
        read_model,
        f"SELECT d.* FROM {p}case_deadlines d WHERE {where} "
        "ORDER BY d.breached_at DESC, d.case_id, d.key LIMIT %(limit)s OFFSET %(offset)s",
        {**params, "limit": page_size, "offset": (page - 1) * page_size},
    )
    total = rows(read_model, f"SELECT COUNT(*) AS n FROM {p}case_deadlines d WHERE {where}", params)
    return found, int(total[0]["n"])


def breaches_by_party_and_rule(read_model: ReadModel, f: DeadlineFilter) -> list[dict[str, Any]]:
    """Aggregate figures: how many deadlines were breached, per party and rule."""
    p = read_model.prefix
    where = " AND ".join(["d.breached_at IS NOT NULL", *_deadline_where(p, f)])
    return rows(
        read_model,
        f"SELECT d.party AS party, d.rule_id AS rule_id, COUNT(*) AS breaches, "
        "SUM(CASE WHEN d.status = 'breached' THEN 1 ELSE 0 END) AS still_open, "
        "MAX(d.breach_seconds) AS longest_seconds "
        f"FROM {p}case_deadlines d WHERE {where} "
        "GROUP BY d.party, d.rule_id ORDER BY d.party, d.rule_id",
        _deadline_params(f),
    )


def references_of(
    read_model: ReadModel, case_ids: Sequence[str]
) -> dict[str, tuple[str, CaseKind]]:
    """Case id -> (reference, kind), for the deadline rows on a page."""
    if not case_ids:
        return {}
    p = read_model.prefix
    names = {f"id{i}": v for i, v in enumerate(dict.fromkeys(case_ids))}
    marks = ", ".join(f"%({n})s" for n in names)
    found: dict[str, tuple[str, CaseKind]] = {}
    tables = (
        ("claim_sections", "claim_id", CaseKind.PROPERTY_CLAIM),
        ("travel_claims", "claim_id", CaseKind.TRAVEL_CLAIM),  # after: a travel claim's sections
        ("complaint_status", "complaint_id", CaseKind.COMPLAINT),
    )
    for table, key, kind in tables:
        for r in rows(
            read_model,
            f"SELECT DISTINCT {key} AS id, reference FROM {p}{table} WHERE {key} IN ({marks})",
            names,
        ):
            found[r["id"]] = (r["reference"], kind)
    return found


def report_productions(read_model: ReadModel) -> list[dict[str, Any]]:
    """Every recorded production of a quarterly report (RG-CP-6), newest first."""
    return rows(
        read_model,
        f"SELECT aggregate_id, version, occurred_at, recorded_at, payload, hash "
        f"FROM {read_model.prefix}ledger_events "
        "WHERE event_type = 'QuarterlyComplaintReportProduced' ORDER BY occurred_at DESC",
    )
