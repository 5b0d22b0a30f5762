"""EC-IV-1 acceptance: two OS processes decide Section IV claims on one policy at the same
moment; the aggregates hold. Each process has loaded the policy before either saves, so the
second save meets a stale version, is refused by the store, and is decided again."""

from __future__ import annotations

import multiprocessing
from datetime import datetime
from decimal import Decimal
from typing import Any

from claims_ledger.domain.areas import COMMAND_ADAPTER
from claims_ledger.domain.clock import WIB
from claims_ledger.domain.commands import CommandModel as Command
from claims_ledger.domain.estatecare.policy import Policy, policy_id
from claims_ledger.domain.estatecare.property_claim import Section, claim_id
from claims_ledger.domain.ledger import CommandContext, Ledger, UnitOfWork
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import build_ledger

AT = datetime(2026, 4, 1, 10, tzinfo=WIB)


def command(document: dict[str, Any]) -> Command:
    return COMMAND_ADAPTER.validate_python({"occurred_at": AT.isoformat(), **document})


def decide(settings: Settings, reference: str, barrier: Any, results: Any) -> None:
    class SlowLedger(Ledger):
        name = Ledger.name  # the same tables as the ledger's (PostgreSQL names them after it)
        attempts = 0

        def handle(self, cmd: Command, context: CommandContext, uow: UnitOfWork) -> Any:
            result = super().handle(cmd, context, uow)
            SlowLedger.attempts += 1
            if SlowLedger.attempts == 1:
                barrier.wait(timeout=60)  # both have read the policy; neither has saved
            return result

    ledger = SlowLedger(env=settings.event_store_env(), calendar=settings.calendar())
    ledger.execute(
        command({"command": "AssessAccident", "claim": reference, "benefit": "200000000"}),
        CommandContext(AT, reference, reference),
    )
    results.put((reference, SlowLedger.attempts))


def test_two_processes_deciding_section_iv_at_once_never_exceed_the_aggregate(
    store_settings: Settings,
) -> None:
    """On real SQLite files and on a real PostgreSQL server."""
    # arrange: a policy with a 250M family aggregate and two family-member claims of 200M each
    settings = store_settings
    ledger = build_ledger(settings)
    context = CommandContext(AT, "setup", "setup")
    ledger.execute(
        command(
            {
                "command": "IssuePolicy",
                "policy": "EC-9",
                "insured": "Budi",
                "period_start": "2026-01-01",
                "period_end": "2026-12-31",
                "section_i_sum_insured": "1000000000",
                "family_members": ["Sari", "Dewi"],
            }
        ),
        context,
    )
    for reference, person in (("CL-A", "Sari"), ("CL-B", "Dewi")):
        ledger.execute(
            command(
                {
                    "command": "ReportClaim",
                    "claim": reference,
                    "policy": "EC-9",
                    "sections": ["IV"],
                    "loss_occurred_at": "2026-03-30T08:00:00+07:00",
                    "injured_person": person,
                    "in_writing": True,
                }
            ),
            context,
        )
    spawn = multiprocessing.get_context("spawn")
    barrier, results = spawn.Barrier(2), spawn.Queue()
    # act
    processes = [
        spawn.Process(target=decide, args=(settings, ref, barrier, results))
        for ref in ("CL-A", "CL-B")
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    attempts = dict(results.get(timeout=10) for _ in processes)
    # assert: one decision was refused as stale and made again on fresh state
    assert sorted(attempts.values()) == [1, 2]
    fresh = build_ledger(settings)
    payables = sorted(
        fresh.repository.get(claim_id(r)).sections[Section.IV].payable for r in ("CL-A", "CL-B")
    )
    assert payables == [Decimal(50_000_000), Decimal(200_000_000)]
    policy: Policy = fresh.repository.get(policy_id("EC-9"))
    assert policy.aggregates().reserved == {"family": Decimal(250_000_000)}
