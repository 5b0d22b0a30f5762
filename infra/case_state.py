"""The state of one case as an auditor reads it, from the event store: a stable, readable JSON
view per case type (where it stands, its fields, its deadlines with due time and status, its
claim sections and latest calculations), the case as it was at a version or a moment, and the
change each event made (a diff of consecutive views).

Times are in WIB with their offset, amounts as exact decimal strings, enums by their value.
Personal data held by a case (names of the insured and of people covered) is not shown.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from claims_ledger.domain.areas import CASE_INDEX
from claims_ledger.domain.as_of import AsOfBasis, state_at
from claims_ledger.domain.deadlines import DeadlineState, DeadlineTracking
from claims_ledger.domain.ledger import Ledger
from claims_ledger.infra import views
from claims_ledger.infra.case_status import state_of

PERSONAL = frozenset({"insured", "family_members", "domestic_helpers", "injured_person"})
HIDDEN = "(personal data, not shown)"
PARTS = ("deadlines", "sections", "latest_calculations")
"""Attributes shown in their own part of the view rather than among the fields."""


def plain(value: Any) -> Any:
    """JSON-ready: dataclasses as their fields, enums by value, sets sorted, times in WIB."""
    if isinstance(value, enum.Enum):
        return plain(value.value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(plain(k)): plain(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((plain(v) for v in value), key=str)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return views.jsonable(value)


def reference_of(aggregate: Aggregate) -> str:
    for name in ("reference", "policy_number", "quarter"):
        value = getattr(aggregate, name, None)
        if isinstance(value, str):
            return value
    return str(aggregate.id)


def state_view(aggregate: Aggregate) -> dict[str, Any]:
    """The case at its version, as a stable JSON-ready mapping."""
    view: dict[str, Any] = {
        "case": reference_of(aggregate),
        "case_type": CASE_INDEX.by_aggregate(aggregate).name,
        "case_id": str(aggregate.id),
        "version": aggregate.version,
        "last_changed_at": views.jsonable(aggregate.modified_on),
        "state": state_of(aggregate),
        "fields": {
            name: HIDDEN if name in PERSONAL else plain(value)
            for name, value in sorted(vars(aggregate).items())
            if not name.startswith("_") and name not in PARTS
        },
    }
    if isinstance(aggregate, DeadlineTracking):
        view["deadlines"] = [_deadline(s) for _, s in sorted(aggregate.deadlines.items())]
    sections = getattr(aggregate, "sections", None)
    if isinstance(sections, dict):
        view["sections"] = plain(dict(sorted(sections.items())))
        view["calculations"] = plain(dict(sorted(vars(aggregate).get(PARTS[2], {}).items())))
    return view


def _deadline(state: DeadlineState) -> dict[str, Any]:
    deadline = state.deadline
    shown = {
        "rule_id": deadline.rule_id,
        "party": plain(deadline.party),
        "due": plain(state.due),
        "status": plain(state.status),
        "basis": plain(deadline.basis),
        "units": deadline.units,
        "kind": plain(deadline.kind),
        "rule_set": deadline.rule_set,
    }
    details = plain(state)
    details.pop("deadline", None)
    shown.update({k: v for k, v in details.items() if v is not None})
    return shown


def state_as_of(
    ledger: Ledger,
    aggregate_id: UUID,
    *,
    version: int | None,
    at: datetime | None,
    by: AsOfBasis,
) -> dict[str, Any]:
    """The case as the ledger knew it at `version`, or at `at` by `by` (the web app's
    `StateAsOf`, and `claims-ledger state`)."""
    aggregate = state_at(ledger, aggregate_id, version=version, at=at, by=by)
    view = state_view(aggregate)
    if at is not None:
        view = {"as_of": views.jsonable(at), "by": by, **view}
    return view


# -- the change each event made --------------------------------------------------------------


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested mappings as `a.b.c -> leaf` (lists are leaves: compared whole; an empty
    mapping is no leaf, so that filling it shows only what was added)."""
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for key, inner in value.items():
            flat.update(flatten(inner, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    return {prefix: value}


def changes(before: dict[str, Any] | None, after: dict[str, Any]) -> list[dict[str, Any]]:
    """Each field path whose value differs, with both values (`None`: absent)."""
    old = flatten(_comparable(before)) if before is not None else {}
    new = flatten(_comparable(after))
    return [
        {"path": path, "before": old.get(path), "after": new.get(path)}
        for path in sorted(old.keys() | new.keys())
        if old.get(path) != new.get(path)
    ]


def _comparable(view: dict[str, Any]) -> dict[str, Any]:
    """The parts of a view an event changes (not its version or time of change), deadlines
    keyed by rule id so that a path names the deadline."""
    shown = {k: v for k, v in view.items() if k not in ("version", "last_changed_at")}
    if "deadlines" in shown:
        shown["deadlines"] = {d["rule_id"]: d for d in shown["deadlines"]}
    return shown


def folded_changes(events: Iterable[Any]) -> Iterator[tuple[Any, list[dict[str, Any]]]]:
    """Each event with the change it made, folding the events once, one by one (linear in
    the history, however long)."""
    aggregate: Any = None
    before: dict[str, Any] | None = None
    for event in events:
        aggregate = event.mutate(aggregate)
        after = state_view(aggregate)
        yield event, changes(before, after)
        before = after


def rule_ids(payload: Any) -> list[str]:
    """The rule ids an event's payload names (its deadline's, its calculation steps'), in
    order of first mention."""
    found: dict[str, None] = {}

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key in ("rule_id", "extended_by_rule") and isinstance(inner, str):
                    found.setdefault(inner)
                else:
                    walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(payload)
    return list(found)
