"""Audit: replay one case's stored history with its hash chain, rebuild the read models from the
event store, verify that no stored event changed since it was published. A failed check exits
with status 1."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Annotated

import typer

from claims_ledger.infra import views
from claims_ledger.infra.audit import rebuild, verify
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
    readable = [
        e.model_copy(update={"payload": session.reveal(dict(e.payload))}) for e in envelopes
    ]
    print_tables([views.history_table(title, readable)], wide)


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


@group.command("verify")
def verify_(as_json: JsonFlag = False) -> None:
    """Check every stored event against the seal written with it, and every seal chain.

    Exit status 1 on any problem."""
    session = for_reading()
    report = verify(session.ledger())
    if as_json:
        print_json(asdict(report) | {"ok": report.ok})
    else:
        say(report.summary())
        for line in report.lines():
            say(f"  {line}")
    if not report.ok:
        raise typer.Exit(CHECK_FAILED)


@group.command("erase")
def erase(
    subject: Annotated[
        str,
        typer.Argument(
            help="The data subject's id: the 32 hex digits after `pd1.` in an encrypted field.",
            show_default=False,
        ),
    ],
    basis: Annotated[
        str,
        typer.Option(help="The legal basis or reason, recorded with the erasure."),
    ] = "UU PDP art. 43: erasure on the data subject's request",
    as_json: JsonFlag = False,
) -> None:
    """Erase a data subject's personal data: destroy its key, record the erasure on its case.

    Every personal field of the subject then reads as [erased], everywhere; seals, chains and
    reports are unchanged."""
    from claims_ledger.domain.clock import WIB
    from claims_ledger.infra.privacy import erase_subject
    from claims_ledger.infra.store import build_ledger, open_key_store

    session = for_reading()
    ledger = build_ledger(session.settings)
    # the wall clock: infra, never the domain, reads it
    now = datetime.now(WIB).replace(microsecond=0)
    case = erase_subject(ledger, open_key_store(session.settings), subject, basis, now)
    if as_json:
        print_json({"subject": subject, "case": case, "erased": True})
    else:
        say(f"personal data of subject {subject} (case {case}) erased; its key is destroyed")
