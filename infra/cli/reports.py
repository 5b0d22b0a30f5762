"""Reports: the regulator's quarterly complaint report (RG-CP-6), the travel document lists as
the ledger holds them, and the published message format as JSON Schema."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from claims_ledger.domain.errors import LedgerError
from claims_ledger.infra import views
from claims_ledger.infra.cli.output import (
    JsonFlag,
    WideFlag,
    print_json,
    print_tables,
    progress,
    say,
)
from claims_ledger.infra.cli.registry import CommandGroup
from claims_ledger.infra.cli.session import for_reading

group = CommandGroup("Reports")


@group.command()
def report(
    quarter: Annotated[str, typer.Argument(help="The quarter, e.g. 2026-Q1.", show_default=False)],
    as_json: JsonFlag = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV (section,key,value).")] = False,
    record: Annotated[bool, typer.Option(help="Record that the report was produced.")] = False,
    wide: WideFlag = False,
) -> None:
    """The quarterly complaint report of RG-CP-6, from the read model."""
    import hashlib

    from claims_ledger.domain.clock import WIB
    from claims_ledger.domain.complaints.commands import ProduceQuarterlyReport
    from claims_ledger.domain.ledger import CommandContext
    from claims_ledger.projections.complaint_report import quarterly_report, report_csv

    if not re.fullmatch(r"[0-9]{4}-Q[1-4]", quarter):
        raise typer.BadParameter(
            f"{quarter!r} is not a quarter: accepted is YYYY-Qn, e.g. 2026-Q1",
            param_hint="'QUARTER'",
        )
    if as_json and as_csv:
        raise typer.BadParameter("--json and --csv exclude each other: give one")
    session = for_reading()
    read_model = session.read_model()
    figures = quarterly_report(quarter, read_model.events(), read_model.deadlines())
    if as_csv:
        print(report_csv(figures), end="")
    elif as_json:
        print_json(figures)
    else:
        print_tables([views.report_table(figures)], wide)
    if record:
        from datetime import datetime

        now = datetime.now(WIB).replace(microsecond=0)  # infra, never the domain, reads the clock
        session.ledger().execute(
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
        progress(f"recorded the production of the {quarter} report")


@group.command("travel-lists")
def travel_lists(
    sections: Annotated[
        list[str] | None,
        typer.Argument(help="Section ids (A, B2b, G1, H-death, ...); default: all."),
    ] = None,
    as_json: JsonFlag = False,
    wide: WideFlag = False,
) -> None:
    """The travel document lists as the ledger holds them, with the seed's text (TR-D-*)."""
    from claims_ledger.domain.travel.catalogue import catalogue

    books = catalogue()
    chosen = sections or list(books.section_ids)
    try:
        listings = [books.section(s) for s in chosen]
    except LedgerError as error:
        raise typer.BadParameter(str(error), param_hint="'SECTIONS'") from None
    if as_json:
        print_json([listing.model_dump() for listing in listings])
    else:
        print_tables(views.travel_list_tables(books, chosen), wide)


@group.command()
def schema(
    write: Annotated[Path | None, typer.Option(help="Write into this folder.")] = None,
) -> None:
    """Print the JSON Schema of the published envelope, or write the published message format
    into a folder: the envelope's schema, one per event type, their union, and the event
    reference beside the folder (`make schemas` writes docs/schemas and docs/events.md)."""
    from claims_ledger.infra.schemas import envelope_schema_text, write_schemas

    if write is None:
        print(envelope_schema_text(), end="")
    else:
        for path in write_schemas(write):
            say(f"wrote {path}")
