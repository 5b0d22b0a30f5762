"""Audit: replay one case's stored history with its hash chain, rebuild the read models from the
event store (verify, checkpoints and exports: checkpoints.py). A failed check exits with
status 1."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

import typer

from claims_ledger.infra import views
from claims_ledger.infra.case_state import folded_changes, rule_ids
from claims_ledger.infra.cli.cases import Reference, resolve
from claims_ledger.infra.cli.exits import CHECK_FAILED
from claims_ledger.infra.cli.output import JsonFlag, WideFlag, print_json, print_tables, say
from claims_ledger.infra.cli.registry import CommandGroup
from claims_ledger.infra.cli.session import for_reading
from claims_ledger.infra.full_rebuild import FRESH_PREFIX, full_rebuild
from claims_ledger.infra.full_rebuild import as_json as full_rebuild_json
from claims_ledger.infra.store import envelope_chain

group = CommandGroup("Audit")

AUDIT_KEY = "audit"
"""`history --json`: the key beside the published envelope's fields that holds what the ledger
adds for an auditor (`rule_ids`, `change`)."""


@group.command()
def history(reference: Reference, as_json: JsonFlag = False, wide: WideFlag = False) -> None:
    """Every stored event of a case of any type, in order: version, occurred and recorded
    times (WIB), correlation and causation ids, rule ids, the hash chain in full, and the
    change each event made to the case (field paths, before → after). From the event store.

    With --json, each event is the envelope exactly as published (docs/schemas), so its `hash`
    can be recomputed from the printed fields; the event's rule ids and the change it made are
    added under one more key, `audit` (not sealed, not part of the published envelope)."""
    session = for_reading(quiet=True)
    case = resolve(session, reference)
    ledger = session.ledger()
    chain = envelope_chain(ledger)
    rows: list[dict[str, Any]] = []
    for event, change in folded_changes(ledger.history(case.id)):
        envelope = chain.envelope(event)
        rows.append(
            # As published, times not re-rendered: the hash covers these exact strings.
            envelope.model_dump(mode="json")
            | {AUDIT_KEY: {"rule_ids": rule_ids(envelope.payload), "change": change}}
        )
    if as_json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    title = f"History of {case}: {views.plural(len(rows), 'event')}"
    # Personal fields as a person with access reads them (clear, or [erased]).
    readable = [row | {"payload": session.reveal(dict(row["payload"]))} for row in rows]
    print_tables([views.history_changes_table(title, readable)], wide)


@group.command("rebuild")
def rebuild_(
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Put the rebuilt read models in place of the Kafka-fed ones (one transaction).",
        ),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Build every read model from nothing, from the event store alone, into fresh tables;
    compare them with the Kafka-fed ones row by row and report every difference (table, key,
    column, both values). With --replace, swap them in.

    Exit status 1 when they differ (nothing is replaced then unless --replace is given)."""
    session = for_reading()
    fresh = session.read_model(prefix=FRESH_PREFIX, explain_empty=False)
    live = session.read_model(explain_empty=False)
    report = full_rebuild(session.ledger(), fresh, live)
    if replace:
        fresh.replace(live)
        report.replaced = True
    if as_json:
        print_json(full_rebuild_json(report))
    else:
        say(
            f"rebuilt from the event store: {views.plural(report.applied, 'event')}, "
            f"{views.plural(report.rows, 'row')}; identical to the Kafka-fed read model: "
            f"{report.identical} ({views.plural(len(report.differences), 'difference')})"
        )
        for problem in report.problems:
            say(f"  {problem}")
        for difference in report.differences:
            say(f"  {difference.line()}")
        if report.replaced:
            say("the rebuilt read models replaced the Kafka-fed ones")
    if not report.identical:
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
