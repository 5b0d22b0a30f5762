"""Operations: the demo (the main job), applying scenario files, the relay, a read-model consumer,
the embedded broker and the deadline process. These commands write; apply, demo, relay, consume
and broker create the data folder when it does not exist yet."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Annotated

import structlog
import typer

from claims_ledger.domain.errors import LedgerError
from claims_ledger.infra import views
from claims_ledger.infra.cli.exits import BAD_INPUT, INTERRUPTED
from claims_ledger.infra.cli.output import (
    JsonFlag,
    WideFlag,
    error,
    print_json,
    print_tables,
    progress,
    say,
)
from claims_ledger.infra.cli.registry import CommandGroup
from claims_ledger.infra.cli.session import Stop, for_reading, for_writing
from claims_ledger.infra.errors import InvalidSettings
from claims_ledger.infra.privacy import Revealer
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import open_key_store

group = CommandGroup("Operations")
log = structlog.get_logger(__name__)

ISO_TIME_WITH_OFFSET = "an ISO 8601 time with an offset, e.g. 2026-03-02T09:00:00+07:00"


@contextlib.contextmanager
def _scenario_files(folder: Path | None) -> Iterator[list[Path]]:
    """The scenario files of a folder, or of the examples shipped inside the package."""
    if folder is not None:
        yield sorted(folder.glob("*.jsonl"))
        return
    with resources.as_file(resources.files("claims_ledger") / "examples") as shipped:
        yield sorted(shipped.glob("*.jsonl"))


def _require_kafka(settings: Settings, command: str) -> None:
    if not settings.kafka_bootstrap_servers:
        raise InvalidSettings(
            f"KAFKA_BOOTSTRAP_SERVERS is not set: {command} needs a Kafka cluster "
            "(`claims-ledger broker` starts an embedded one and prints the value to set)"
        )


@group.command()
def demo(
    as_json: JsonFlag = False,
    examples: Annotated[
        Path | None,
        typer.Option(
            help="Folder of scenario files; default: the examples shipped with the ledger.",
            show_default=False,
        ),
    ] = None,
    wide: WideFlag = False,
) -> None:
    """The main job: embedded broker, example scenarios, relay, consumer, status tables."""
    from claims_ledger.infra.runtime import demo_settings, run_demo

    settings = for_writing(quiet=True).settings
    with _scenario_files(examples) as files:
        if not files:
            raise typer.BadParameter(
                f"no scenario files (*.jsonl) in {examples}", param_hint="'--examples'"
            )
        applied, read_model = run_demo(settings, files)
    # The demo shows its cases to the person running it: personal fields in clear, with the
    # keys of the demo's own folder (the data folder's key store has none of them).
    reveal = Revealer(open_key_store(demo_settings(settings), create=False)).reveal
    statuses = read_model.complaint_statuses()
    breaches = [d for d in read_model.deadlines() if d.breached_at is not None]
    if as_json:
        print_json(
            {
                "complaints": views.rows_json(statuses),
                "breaches": views.rows_json(breaches),
                "claims": views.rows_json(read_model.claim_sections()),
                "calculations": views.rows_json(reveal(read_model.calculations())),
                "travel_claims": views.rows_json(read_model.travel_claims()),
                "assistance_cases": views.rows_json(reveal(read_model.assistance_cases())),
            }
        )
        return
    for a in applied:
        progress(f"applied {views.plural(a.commands, 'command')} from {Path(a.path).name}")
    travel = {t.claim_id for t in read_model.travel_claims()}
    sections = read_model.claim_sections()
    references = {s.complaint_id: s.reference for s in statuses}
    references.update({s.claim_id: s.reference for s in sections})
    tables = [
        views.status_table(statuses, "Complaint status (read from the Kafka-fed read model)"),
        views.claim_sections_table(
            [s for s in sections if s.claim_id not in travel],
            "EstateCare claims by section (RG-CL-3)",
        ),
        views.travel_claims_table(
            read_model.travel_claims(), "Travel claims in the submission flow (TR-FLOW-1)"
        ),
        views.claim_sections_table(
            [s for s in sections if s.claim_id in travel], "Travel claims by section (RG-CL-3)"
        ),
        views.assistance_table(reveal(read_model.assistance_cases())),
    ]
    calculated = {c.claim_id for c in read_model.calculations()}
    for claim in sorted(calculated, key=lambda cid: references.get(cid, cid)):
        tables += views.calculation_tables(
            references.get(claim, claim), reveal(read_model.calculations(claim))
        )
    tables.append(views.deadlines_table(breaches, references, "Breached deadlines (C-SLA-1)"))
    print_tables(tables, wide)


@group.command("apply")
def apply_(
    files: Annotated[
        list[Path], typer.Argument(help="Scenario files (JSON Lines).", show_default=False)
    ],
    as_json: JsonFlag = False,
) -> None:
    """Apply scenario files to the configured event store, each as one unit."""
    from claims_ledger.infra.scenario import apply_file

    for path in files:
        if not path.is_file():
            raise typer.BadParameter(f"{path}: no such file", param_hint="'FILES'")
    # A person reads the progress and the summary line: a log line per command (file, line,
    # case, correlation id) only when LOG_LEVEL asks for info, as a scheduled job sets it.
    ledger = for_writing(quiet=True).ledger()
    results = []
    for path in files:
        try:
            applied = apply_file(ledger, path)
        except (LedgerError, ValueError) as failure:  # a rule, or a line that is no command
            error(str(failure))
            raise typer.Exit(BAD_INPUT) from None
        results.append({"file": str(path), "commands": applied.commands})
        if not as_json:
            say(f"applied {views.plural(applied.commands, 'command')} from {path}")
    if as_json:
        print_json(results)


@group.command()
def relay(
    until_caught_up: Annotated[bool, typer.Option(help="Exit when all is published.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Publish the event store to Kafka (transactional outbox) until SIGTERM or Ctrl-C."""
    from claims_ledger.infra.checkpoint_log import checkpoint_writer
    from claims_ledger.infra.kafka_io import ensure_topics
    from claims_ledger.infra.relay import Relay
    from claims_ledger.infra.relay_lease import relay_lease

    session = for_writing()
    _require_kafka(session.settings, "the relay")
    stop = Stop().install()
    ensure_topics(session.settings)  # fails fast when the cluster does not answer
    ledger = session.ledger()
    # One relay publishes at a time; another started beside it waits as a standby.
    the_relay = Relay(
        ledger,
        session.settings,
        checkpoints=checkpoint_writer(ledger, session.settings),
        lease=relay_lease(ledger, session.settings),
    )
    try:
        published = the_relay.run(stop.event, until_caught_up=until_caught_up)
        position = the_relay.position()
    finally:
        the_relay.close()
    if as_json:
        print_json({"published": published, "position": position})
    else:
        say(f"published {views.plural(published, 'event')}; position {position}")
    if stop.interrupted:
        raise typer.Exit(INTERRUPTED)


@group.command()
def consume(as_json: JsonFlag = False) -> None:
    """Feed the read models from Kafka until SIGTERM or Ctrl-C."""
    from claims_ledger.infra.kafka_io import ensure_topics
    from claims_ledger.infra.message_signing import message_verifier
    from claims_ledger.infra.runtime import read_model_consumer

    session = for_writing()
    _require_kafka(session.settings, "the consumer")
    stop = Stop().install()
    ensure_topics(session.settings)  # fails fast when the cluster does not answer
    verifier = message_verifier(session.settings)  # no key to check messages with: refused
    consumer = read_model_consumer(session.settings, session.read_model(), verifier=verifier)
    try:
        consumer.run(stop.event)
    finally:
        consumer.close()
        log.info(
            "consumer.stopped",
            applied=consumer.applied,
            duplicates=consumer.duplicates,
            dead_lettered=consumer.dead_lettered,
        )
    counts = {
        "applied": consumer.applied,
        "duplicates": consumer.duplicates,
        "dead_lettered": consumer.dead_lettered,
    }
    if as_json:
        print_json(counts)
    else:
        say(
            f"applied {views.plural(consumer.applied, 'event')}, "
            f"{views.plural(consumer.duplicates, 'duplicate')}, "
            f"{consumer.dead_lettered} dead-lettered"
        )
    if stop.interrupted:
        raise typer.Exit(INTERRUPTED)


@group.command()
def broker(
    port: Annotated[int, typer.Option(min=0, max=65535, help="0 picks a free port.")] = 0,
    as_json: JsonFlag = False,
) -> None:
    """Run the embedded Kafka broker (Tansu) until SIGTERM or Ctrl-C.

    Prints the KAFKA_BOOTSTRAP_SERVERS value that reaches it."""
    from claims_ledger.infra.broker import EmbeddedBroker

    settings = for_writing().settings
    stop = Stop().install()
    with EmbeddedBroker(settings.ledger_data_dir, port=port or None) as embedded:
        if as_json:
            print_json({"bootstrap_servers": embedded.bootstrap})
        else:
            say(f"KAFKA_BOOTSTRAP_SERVERS={embedded.bootstrap}")
        stop.event.wait()
    if stop.interrupted:
        raise typer.Exit(INTERRUPTED)


def _moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a time; accepted: {ISO_TIME_WITH_OFFSET}"
        ) from None
    if moment.tzinfo is None:
        raise typer.BadParameter(
            f"{value!r} has no offset (C-TIME-1); accepted: {ISO_TIME_WITH_OFFSET}"
        )
    return moment


@group.command("check-deadlines")
def check_deadlines(
    now: Annotated[
        datetime | None,
        typer.Option(
            parser=_moment,
            metavar="TIME",
            help="The ledger's clock for this run, ISO 8601 with an offset (as a scenario "
            "line's `at`); default: the wall clock.",
            show_default=False,
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """The deadline process: record a breach for each deadline passed unmet (C-SLA-1)."""
    from claims_ledger.domain.clock import WIB

    # the wall clock: infra, never the domain, reads it
    moment = now or datetime.now(WIB).replace(microsecond=0)
    breaches = for_reading().ledger().check_deadlines(moment)
    as_of = views.jsonable(moment)
    if as_json:
        print_json({"breaches": breaches, "as_of": as_of})
    else:
        say(f"{views.plural(breaches, 'breach', 'breaches')} recorded as of {as_of}")


@group.command()
def serve(
    demo: Annotated[
        bool, typer.Option(help="Apply the examples into a fresh folder; print a token per role.")
    ] = False,
    host: Annotated[str | None, typer.Option(help="Default LEDGER_WEB_HOST (127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Default LEDGER_WEB_PORT (8000).")] = None,
    now: Annotated[
        str | None, typer.Option(help="Pin the clock SLA time left is computed against.")
    ] = None,
    hash_token: Annotated[
        bool, typer.Option("--hash-token", help="Read a token on stdin, print its hash.")
    ] = False,
) -> None:
    """Serve the read-only web application: pages and a JSON API (see README)."""
    import sys

    from claims_ledger.infra.cli.session import load_settings
    from claims_ledger.infra.web.command import hash_token_from, run_serve

    if hash_token:
        print(hash_token_from(sys.stdin))
        return
    run_serve(load_settings(), demo=demo, host=host, port=port, now=now, examples=None)
