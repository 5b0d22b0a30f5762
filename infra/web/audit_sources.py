"""What the state-as-of and verification pages read, behind one function each.

Both come from issue 10's engines: `claims-ledger state REF --version N / --as-of TIME`, and the
signed checkpoints and recorded `verify` runs of the checkpoint folder. Where a function returns
None the pages say "not yet available"; nothing is faked.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Protocol
from uuid import UUID

from claims_ledger.domain.ledger import Ledger
from claims_ledger.infra.settings import Settings

AsOfBasis = Literal["occurred", "recorded"]


class StateAsOf(Protocol):
    """The case as the ledger knew it at `version`, or at `at` (by business or recording
    time), as a JSON-ready mapping: state, deadlines and calculations included."""

    def __call__(
        self,
        ledger: Ledger,
        aggregate_id: UUID,
        *,
        version: int | None,
        at: datetime | None,
        by: AsOfBasis,
    ) -> dict[str, Any]: ...


class Verification(Protocol):
    def latest_checkpoint(self) -> dict[str, Any] | None:
        """The latest signed checkpoint: origin, tree size, root hash, time, signature."""

    def last_run(self) -> dict[str, Any] | None:
        """The last recorded `verify` run: when, against which checkpoint, its findings."""


def default_state_as_of() -> StateAsOf | None:
    """Issue 10's state-as-of engine (`claims-ledger state`, infra/case_state.py)."""
    from claims_ledger.infra.case_state import state_as_of

    return state_as_of


def default_verification(settings: Settings) -> Verification | None:
    """Issue 10's signed checkpoints and recorded `verify` runs, from the checkpoint folder."""
    from claims_ledger.infra.verify_runs import CheckpointFolderVerification

    return CheckpointFolderVerification(settings)
