"""A case as it was: at every version, between two events, by business or recording time;
on SQLite and PostgreSQL, with snapshots on (issue 10, acceptance 3)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from claims_ledger.domain.as_of import NotInHistory, last_version, state_at, version_as_of
from claims_ledger.domain.complaints.complaint import complaint_id
from claims_ledger.domain.ledger import Ledger
from claims_ledger.domain.snapshots import case_state
from claims_ledger.infra.case_state import state_as_of
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import build_ledger
from tests.long_cases import RECORDING_DELAY, STEP, long_complaint, occurred

INTERVAL = 20


@pytest.fixture
def ledger(store_settings: Settings) -> Iterator[Ledger]:
    settings = store_settings.model_copy(update={"ledger_snapshot_interval": INTERVAL})
    ledger = build_ledger(settings)
    yield ledger
    ledger.close()


def folds(ledger: Ledger, case: UUID) -> list[dict[str, Any]]:
    """The case's state after each of its events, folded one by one from the store."""
    states: list[dict[str, Any]] = []
    aggregate: Any = None
    for event in ledger.events.get(case):
        aggregate = event.mutate(aggregate)
        states.append(copy.deepcopy(case_state(aggregate)))
    return states


def test_state_at_every_version_equals_the_fold_of_that_many_events(ledger: Ledger) -> None:
    # arrange: a complaint with a few hundred events, a snapshot every 20 of them
    long_complaint(ledger, "CMP-ASOF-1", events=300)
    case = complaint_id("CMP-ASOF-1")
    expected = folds(ledger, case)
    assert ledger.snapshots is not None and len(list(ledger.snapshots.get(case))) >= 14
    # act / assert
    for version, state in enumerate(expected, start=1):
        assert case_state(state_at(ledger, case, version=version)) == state, version


def test_a_moment_between_two_events_gives_the_earlier_state(ledger: Ledger) -> None:
    long_complaint(ledger, "CMP-ASOF-2", events=120)
    case = complaint_id("CMP-ASOF-2")
    expected = folds(ledger, case)
    events = list(ledger.events.get(case))
    for version in (3, 57, 100, len(events) - 1):
        earlier, later = events[version - 1], events[version]
        between = earlier.occurred_at + (later.occurred_at - earlier.occurred_at) / 2
        assert earlier.occurred_at < between < later.occurred_at
        assert version_as_of(ledger, case, between, "occurred") == version
        assert (
            case_state(state_at(ledger, case, at=between, by="occurred")) == expected[version - 1]
        )
        assert version_as_of(ledger, case, between + RECORDING_DELAY, "recorded") == version


def test_by_recorded_differs_from_by_occurred_for_a_back_dated_event(ledger: Ledger) -> None:
    # arrange: the last event happened on time but was recorded three days later
    long_complaint(ledger, "CMP-ASOF-3", events=3)
    case = complaint_id("CMP-ASOF-3")
    before = last_version(ledger, case)
    late = list(ledger.events.get(case))[-1].occurred_at + STEP
    from claims_ledger.domain.areas import COMMAND_ADAPTER
    from claims_ledger.domain.ledger import CommandContext

    ledger.execute(
        COMMAND_ADAPTER.validate_python(
            {
                "command": "SubmitDocuments",
                "complaint": "CMP-ASOF-3",
                "occurred_at": late,
                "documents": ["phone_number"],
            }
        ),
        CommandContext(late + timedelta(days=3), "back-dated", "back-dated"),
    )
    moment = late + timedelta(hours=1)  # after it happened, before the ledger knew
    # act
    occurred_view = state_as_of(ledger, case, version=None, at=moment, by="occurred")
    recorded_view = state_as_of(ledger, case, version=None, at=moment, by="recorded")
    # assert
    assert occurred_view["version"] == before + 1
    assert recorded_view["version"] == before
    assert "phone_number" in occurred_view["fields"]["documents"]
    assert "phone_number" not in recorded_view["fields"]["documents"]
    assert occurred_view["deadlines"] and recorded_view["by"] == "recorded"


def test_a_moment_before_the_case_was_opened_is_refused(ledger: Ledger) -> None:
    long_complaint(ledger, "CMP-ASOF-4", events=3)
    with pytest.raises(NotInHistory, match="did not exist yet"):
        state_at(ledger, complaint_id("CMP-ASOF-4"), at=occurred(1) - STEP, by="occurred")
    last = last_version(ledger, complaint_id("CMP-ASOF-4"))
    with pytest.raises(NotInHistory, match=f"versions 1 to {last}"):
        state_at(ledger, complaint_id("CMP-ASOF-4"), version=last + 1)
