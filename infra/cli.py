"""The `claims-ledger` command line."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import structlog
import typer
from rich.console import Console
from rich.table import Table

from claims_ledger.domain.envelope import PublishedEvent
from claims_ledger.domain.errors import LedgerError
from claims_ledger.infra import views
from claims_ledger.infra.audit import rebuild, verify
from claims_ledger.infra.logging import configure_logging
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.store import ReadModel, build_ledger, envelope_chain, open_read_model
from claims_ledger.projections.complaint_status import ComplaintStatus

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    help="claims-ledger: an event-sourced ledger of insurance claims and complaints.",
)
out = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)
log = structlog.get_logger(__name__)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]


def _settings(quiet: bool = False) -> Settings:
    settings = Settings()
    # The demo prints a table for a person: its logs stay at warnings unless LOG_LEVEL says.
    level = "warning" if quiet and "LOG_LEVEL" not in os.environ else settings.log_level
    configure_logging(settings.log_format, level)
    return settings


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def handler(signum: int, _frame: Any) -> None:
        log.info("signal.received", signal=signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    return stop


def _fail(message: str) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code=2)


def _print_statuses(statuses: list[ComplaintStatus], json_out: bool, title: str) -> None:
    if json_out:
        print(views.as_json(views.rows_json(statuses)))
    else:
        out.print(views.status_table(statuses, title))


def _references(read_model: ReadModel) -> dict[str, str]:
    """Case id -> the insurer's reference, for complaints and claims."""
    references = {s.complaint_id: s.reference for s in read_model.complaint_statuses()}
    references.update({s.claim_id: s.reference for s in read_model.claim_sections()})
    return references


@app.command()
def demo(
    as_json: JsonFlag = False,
    examples: Annotated[Path, typer.Option(help="Folder of scenario files.")] = Path("examples"),
) -> None:
    """The main job: embedded broker, example scenarios, relay, consumer, status table."""
    from claims_ledger.infra.runtime import run_demo

    settings = _settings(quiet=True)
    files = sorted(examples.glob("*.jsonl"))
    if not files:
        _fail(f"no scenario files (*.jsonl) in {examples}")
    try:
        applied, read_model = run_demo(settings, files)
    except LedgerError as error:
        _fail(str(error))
    statuses = read_model.complaint_statuses()
    breaches = [d for d in read_model.deadlines() if d.breached_at is not None]
    if as_json:
        print(
            views.as_json(
                {
                    "complaints": views.rows_json(statuses),
                    "breaches": views.rows_json(breaches),
                    "claims": views.rows_json(read_model.claim_sections()),
                    "calculations": views.rows_json(read_model.calculations()),
                    "travel_claims": views.rows_json(read_model.travel_claims()),
                    "assistance_cases": views.rows_json(read_model.assistance_cases()),
                }
            )
        )
        return
    for a in applied:
        err.print(f"applied {a.commands} commands from {a.path}", highlight=False)
    out.print(views.status_table(statuses, "Complaint status (read from the Kafka-fed read model)"))
    travel = {t.claim_id for t in read_model.travel_claims()}
    sections = read_model.claim_sections()
    out.print(
        views.claim_sections_table(
            [s for s in sections if s.claim_id not in travel],
            "EstateCare claims by section (RG-CL-3)",
        )
    )
    out.print(
        views.travel_claims_table(
            read_model.travel_claims(), "Travel claims in the submission flow (TR-FLOW-1)"
        )
    )
    out.print(
        views.claim_sections_table(
            [s for s in sections if s.claim_id in travel], "Travel claims by section (RG-CL-3)"
        )
    )
    out.print(views.assistance_table(read_model.assistance_cases()))
    references = _references(read_model)
    for calc_claim in sorted(
        {c.claim_id for c in read_model.calculations()}, key=lambda cid: references.get(cid, cid)
    ):
        for table in views.calculation_tables(
            references.get(calc_claim, calc_claim), read_model.calculations(calc_claim)
        ):
            out.print(table)
    out.print(
        views.deadlines_table(breaches, _references(read_model), "Breached deadlines (C-SLA-1)")
    )


@app.command("apply")
def apply_(
    files: Annotated[list[Path], typer.Argument(help="Scenario files (JSON Lines).")],
) -> None:
    """Apply scenario files to the configured event store, each as one unit."""
    from claims_ledger.infra.scenario import apply_file

    settings = _settings()
    ledger = build_ledger(settings)
    for path in files:
        if not path.is_file():
            _fail(f"{path}: no such file")
        try:
            applied = apply_file(ledger, path)
        except (LedgerError, ValueError) as error:
            _fail(str(error))
        out.print(f"applied {applied.commands} commands from {path}", highlight=False)


@app.command()
def relay(
    until_caught_up: Annotated[bool, typer.Option(help="Exit when all is published.")] = False,
) -> None:
    """Publish the event store's notification log to Kafka (transactional outbox)."""
    from claims_ledger.infra.kafka_io import ensure_topics
    from claims_ledger.infra.relay import Relay

    settings = _settings()
    if not settings.kafka_bootstrap_servers:
        _fail("KAFKA_BOOTSTRAP_SERVERS is not set (start one with `claims-ledger broker`)")
    stop = _stop_on_signals()
    ensure_topics(settings)
    the_relay = Relay(build_ledger(settings), settings)
    try:
        the_relay.run(stop, until_caught_up=until_caught_up)
    finally:
        the_relay.close()


@app.command()
def consume() -> None:
    """Feed the read models from Kafka until SIGTERM."""
    from claims_ledger.infra.kafka_io import ensure_topics
    from claims_ledger.infra.runtime import read_model_consumer

    settings = _settings()
    if not settings.kafka_bootstrap_servers:
        _fail("KAFKA_BOOTSTRAP_SERVERS is not set (start one with `claims-ledger broker`)")
    stop = _stop_on_signals()
    ensure_topics(settings)
    consumer = read_model_consumer(settings, open_read_model(settings))
    try:
        consumer.run(stop)
    finally:
        consumer.close()
        log.info(
            "consumer.stopped",
            applied=consumer.applied,
            duplicates=consumer.duplicates,
            dead_lettered=consumer.dead_lettered,
        )


@app.command()
def broker(port: Annotated[int, typer.Option(help="0 picks a free port.")] = 0) -> None:
    """Run the embedded Kafka broker (Tansu) alone until SIGTERM."""
    from claims_ledger.infra.broker import EmbeddedBroker

    settings = _settings()
    stop = _stop_on_signals()
    with EmbeddedBroker(settings.ledger_data_dir, port=port or None) as embedded:
        print(f"KAFKA_BOOTSTRAP_SERVERS={embedded.bootstrap}", flush=True)
        stop.wait()


@app.command()
def status(as_json: JsonFlag = False) -> None:
    """Complaint statuses from the Kafka-fed read model."""
    settings = _settings()
    _print_statuses(open_read_model(settings).complaint_statuses(), as_json, "Complaint status")


@app.command()
def history(
    reference: Annotated[str, typer.Argument(help="The complaint reference.")],
    as_json: JsonFlag = False,
) -> None:
    """Every stored event of one case, with its hash chain, straight from the event store."""
    settings = _settings()
    ledger = build_ledger(settings)
    try:
        complaint = ledger.complaint(reference)
    except LedgerError as error:
        _fail(str(error))
    chain = envelope_chain(ledger)
    envelopes: list[PublishedEvent] = [chain.envelope(e) for e in ledger.history(complaint.id)]
    if as_json:
        print(json.dumps([e.model_dump(mode="json") for e in envelopes], indent=2))
        return
    table = Table(title=f"History of complaint {reference}")
    for column in ("v", "event", "occurred at", "recorded at", "rule set", "hash"):
        table.add_column(column)
    for e in envelopes:
        table.add_row(
            str(e.version),
            e.event_type,
            e.occurred_at.isoformat(),
            e.recorded_at.isoformat(),
            e.rule_set or "-",
            e.hash[:16] + "…",
        )
    out.print(table)


@app.command("rebuild")
def rebuild_(as_json: JsonFlag = False) -> None:
    """Rebuild the read models from the event store and compare with the Kafka-fed ones."""
    settings = _settings()
    ledger = build_ledger(settings)
    live = open_read_model(settings)
    rebuilt = open_read_model(settings, prefix="rb_")
    applied = rebuild(ledger, rebuilt)
    same = live.snapshot() == rebuilt.snapshot()
    if as_json:
        print(json.dumps({"applied": applied, "identical_to_kafka_fed": same}))
    else:
        out.print(
            f"rebuilt from the event store ({applied} new events); "
            f"identical to the Kafka-fed read model: {same}",
            highlight=False,
        )
    if not same:
        raise typer.Exit(code=1)


@app.command("verify")
def verify_(as_json: JsonFlag = False) -> None:
    """Recompute every hash chain from the event store; compare with what was published."""
    settings = _settings()
    report = verify(build_ledger(settings), open_read_model(settings))
    if as_json:
        print(json.dumps(asdict(report) | {"ok": report.ok}, indent=2))
    else:
        out.print(
            f"{report.stored_events} stored events, {report.witnessed_events} witnessed by the "
            f"read model, {report.not_witnessed} not yet published, "
            f"{len(report.mismatches)} mismatches",
            highlight=False,
        )
        for line in report.mismatches:
            out.print(f"  {line}", highlight=False)
    if not report.ok:
        raise typer.Exit(code=1)


@app.command()
def timeline(
    reference: Annotated[str, typer.Argument(help="The complaint reference.")],
    as_json: JsonFlag = False,
) -> None:
    """A complaint's timeline as a regulator sees it (CP-REG-1), from the read model."""
    from claims_ledger.projections.complaint_timeline import timeline as build_timeline

    read_model = open_read_model(_settings())
    status = read_model.complaint_status(reference)
    if status is None:
        _fail(f"unknown complaint {reference!r} in the read model (has it been consumed?)")
        return
    view = build_timeline(
        status, read_model.events(status.complaint_id), read_model.deadlines(status.complaint_id)
    )
    if as_json:
        print(views.as_json(view))
    else:
        for table in views.timeline_tables(view):
            out.print(table)


@app.command()
def deadlines(
    breached: Annotated[bool, typer.Option("--breached", help="Only breached ones.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Every complaint deadline (or only the breached ones), from the read model."""
    read_model = open_read_model(_settings())
    rows = read_model.deadlines()
    if breached:
        rows = [d for d in rows if d.breached_at is not None]
    if as_json:
        print(views.as_json(views.rows_json(rows)))
    else:
        out.print(
            views.deadlines_table(
                rows, _references(read_model), "Breached deadlines" if breached else "Deadlines"
            )
        )


@app.command()
def report(
    quarter: Annotated[str, typer.Argument(help="The quarter, e.g. 2026-Q1.")],
    output: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    record: Annotated[bool, typer.Option(help="Record that the report was produced.")] = False,
) -> None:
    """The quarterly complaint report of RG-CP-6, from the read model."""
    import hashlib
    import re
    from datetime import UTC, datetime

    from claims_ledger.domain.complaints.commands import ProduceQuarterlyReport
    from claims_ledger.domain.ledger import CommandContext
    from claims_ledger.projections.complaint_report import quarterly_report, report_csv

    if not re.fullmatch(r"[0-9]{4}-Q[1-4]", quarter):
        _fail(f"quarter {quarter!r} is not of the form YYYY-Qn, e.g. 2026-Q1")
    if output not in ("table", "json", "csv"):
        _fail(f"--format {output!r}: accepted are table, json, csv")
    settings = _settings()
    read_model = open_read_model(settings)
    figures = quarterly_report(quarter, read_model.events(), read_model.deadlines())
    text = report_csv(figures) if output == "csv" else views.as_json(figures)
    if output == "table":
        out.print(views.report_table(figures))
    else:
        print(text, end="" if output == "csv" else "\n")
    if record:
        now = datetime.now(UTC)  # the wall clock: infra, never the domain, reads it
        build_ledger(settings).execute(
            ProduceQuarterlyReport(
                command="ProduceQuarterlyReport",
                quarter=quarter,
                occurred_at=now,
                content_sha256=hashlib.sha256(report_csv(figures).encode()).hexdigest(),
            ),
            CommandContext(
                recorded_at=now,
                correlation_id=f"report:{quarter}",
                causation_id=f"cli:report:{quarter}",
            ),
        )
        err.print(f"recorded the production of the {quarter} report", highlight=False)


@app.command("check-deadlines")
def check_deadlines(
    now: Annotated[
        str | None,
        typer.Option(
            help="The ledger's clock for this run, ISO with offset (as a scenario "
            "line's `at`); default: the wall clock."
        ),
    ] = None,
) -> None:
    """The deadline process: record a breach for every deadline passed unmet (C-SLA-1)."""
    from datetime import UTC, datetime

    moment = datetime.now(UTC)
    if now is not None:
        moment = datetime.fromisoformat(now)
        if moment.tzinfo is None:
            _fail(f"--now {now!r} has no offset (C-TIME-1): e.g. 2026-03-02T09:00:00+07:00")
    breaches = build_ledger(_settings()).check_deadlines(moment)
    out.print(f"{breaches} breaches recorded as of {moment.isoformat()}", highlight=False)


def _claim_id(read_model: ReadModel, reference: str) -> str:
    for section in read_model.claim_sections():
        if section.reference == reference:
            return section.claim_id
    _fail(f"unknown claim {reference!r} in the read model (has it been consumed?)")
    raise AssertionError("unreachable")


@app.command()
def payouts(
    reference: Annotated[str, typer.Argument(help="The claim reference.")],
    as_json: JsonFlag = False,
) -> None:
    """A claim's payout calculations, every one, with its trace (C-CALC-1)."""
    read_model = open_read_model(_settings())
    claim = _claim_id(read_model, reference)
    calculations = read_model.calculations(claim)
    sections = [s for s in read_model.claim_sections() if s.claim_id == claim]
    if as_json:
        print(
            views.as_json(
                {
                    "sections": views.rows_json(sections),
                    "calculations": views.rows_json(calculations),
                }
            )
        )
        return
    out.print(views.claim_sections_table(sections, f"Claim {reference}"))
    for table in views.calculation_tables(reference, calculations):
        out.print(table)


@app.command()
def aggregates(as_json: JsonFlag = False) -> None:
    """What remains of every policy's Section IV aggregates (EC-IV-1)."""
    rows = open_read_model(_settings()).policy_aggregates()
    if as_json:
        print(views.as_json(views.rows_json(rows)))
    else:
        out.print(views.aggregates_table(rows))


@app.command("claim-documents")
def claim_documents(
    reference: Annotated[str, typer.Argument(help="The claim reference.")],
    outstanding: Annotated[bool, typer.Option(help="Only those not yet received.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """The documents requested and received for a claim (EC-S-3, RG-CL-2)."""
    read_model = open_read_model(_settings())
    rows = read_model.claim_documents(_claim_id(read_model, reference))
    if outstanding:
        rows = [r for r in rows if r.requested_at and not r.received_at]
    if as_json:
        print(views.as_json(views.rows_json(rows)))
    else:
        out.print(views.documents_table(reference, rows))


@app.command("travel-claims")
def travel_claims(as_json: JsonFlag = False) -> None:
    """Every travel claim's stage in the submission flow (TR-FLOW-1) and its sections."""
    read_model = open_read_model(_settings())
    claims = read_model.travel_claims()
    ids = {t.claim_id for t in claims}
    sections = [s for s in read_model.claim_sections() if s.claim_id in ids]
    if as_json:
        print(
            views.as_json(
                {"claims": views.rows_json(claims), "sections": views.rows_json(sections)}
            )
        )
        return
    out.print(views.travel_claims_table(claims, "Travel claims (TR-FLOW-1)"))
    out.print(views.claim_sections_table(sections, "Travel claims by section (RG-CL-3)"))


@app.command()
def assistance(as_json: JsonFlag = False) -> None:
    """Assistance cases: medical evacuation and repatriation (TR-AS-1)."""
    rows = open_read_model(_settings()).assistance_cases()
    if as_json:
        print(views.as_json(views.rows_json(rows)))
    else:
        out.print(views.assistance_table(rows))


@app.command("travel-lists")
def travel_lists(
    sections: Annotated[
        list[str] | None, typer.Argument(help="Section ids (A, B2b, G1, H-death, ...).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """The travel document lists as the ledger holds them, with the seed's text (TR-D-*)."""
    from claims_ledger.domain.travel.catalogue import catalogue

    books = catalogue()
    try:
        chosen = sections or list(books.section_ids)
        if as_json:
            print(views.as_json([books.section(s).model_dump() for s in chosen]))
            return
        for table in views.travel_list_tables(books, chosen):
            out.print(table)
    except LedgerError as error:
        _fail(str(error))


@app.command()
def schema(
    write: Annotated[Path | None, typer.Option(help="Write into this folder.")] = None,
) -> None:
    """Print (or write) the JSON Schema of the published event envelope."""
    from claims_ledger.infra.schemas import write_schemas

    if write is None:
        print(json.dumps(PublishedEvent.model_json_schema(), indent=2, sort_keys=True))
    else:
        for path in write_schemas(write):
            out.print(f"wrote {path}", highlight=False)


@app.command()
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
    from claims_ledger.infra.web.command import ServeError, hash_token_from, run_serve

    try:
        if hash_token:
            print(hash_token_from(sys.stdin))
            return
        run_serve(_settings(), demo=demo, host=host, port=port, now=now, examples=None)
    except ServeError as error:
        _fail(str(error))


def main() -> None:
    try:
        app()
    except LedgerError as error:
        err.print(f"[bold red]error:[/] {error}", highlight=False)
        sys.exit(2)


if __name__ == "__main__":
    main()
