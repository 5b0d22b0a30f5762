"""Audit: replay one case's stored history with its hash chain, rebuild the read models from the
event store (verify, checkpoints and exports: checkpoints.py). A failed check exits with
status 1."""

from __future__ import annotations

import json

import typer

from claims_ledger.infra import views
from claims_ledger.infra.audit import rebuild
from claims_ledger.infra.cli.cases import Reference, resolve
from claims_ledger.infra.cli.exits import CHECK_FAILED
from claims_ledger.infra.cli.output import JsonFlag, WideFlag, print_json, print_tables, say
from claims_ledger.infra.cli.registry import CommandGroup
from claims_ledger.infra.cli.session import for_reading
from claims_ledger.infra.store import envelope_chain

group = CommandGroup("Audit")


@group.command()
def history(reference: Reference, as_json: JsonFlag = False, wide: WideFlag = False) -> None:
    """Every stored event of a case of any type, with its hash chain (event store).

    With --json, each event is the envelope exactly as published (docs/schemas): its `hash`
    can be recomputed from the printed fields."""
    session = for_reading()
    case = resolve(session, reference)
    ledger = session.ledger()
    chain = envelope_chain(ledger)
    envelopes = [chain.envelope(e) for e in ledger.history(case.id)]
    if as_json:
        # As published, times not re-rendered: the hash covers these exact strings.
        print(json.dumps([e.model_dump(mode="json") for e in envelopes], indent=2))
        return
    title = f"History of {case}: {views.plural(len(envelopes), 'event')}"
    print_tables([views.history_table(title, envelopes)], wide)


@group.command("rebuild")
def rebuild_(as_json: JsonFlag = False) -> None:
    """Rebuild the read models from the event store; compare with the Kafka-fed ones.

    Exit status 1 when they differ."""
    session = for_reading()
    applied = rebuild(session.ledger(), session.read_model(prefix="rb_"))
    same = session.read_model().snapshot() == session.read_model(prefix="rb_").snapshot()
    if as_json:
        print_json({"applied": applied, "identical_to_kafka_fed": same})
    else:
        say(
            f"rebuilt from the event store ({views.plural(applied, 'new event')}); "
            f"identical to the Kafka-fed read model: {same}"
        )
    if not same:
        raise typer.Exit(CHECK_FAILED)
