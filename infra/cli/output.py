"""What commands print: tables for people on stdout, JSON for machines on stdout, errors and
progress on stderr. Tables never cut a value: in a terminal, narrow columns fold their values onto
more lines; with `--wide`, or whenever stdout is not a terminal, tables keep their full width."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Annotated, Any

import typer
from rich.console import Console, RenderableType

from claims_ledger.infra import views

FULL_WIDTH = 100_000
"""Wide enough for any table: rich lays it out at its natural width."""

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]
WideFlag = Annotated[
    bool,
    typer.Option(
        "--wide",
        help="Print tables at full width, never folded (the default when stdout is not a "
        "terminal).",
    ),
]


def console(wide: bool = False) -> Console:
    """stdout: the terminal's width, or full width when asked for or piped."""
    full = wide or not sys.stdout.isatty()
    return Console(width=FULL_WIDTH if full else None, highlight=False, soft_wrap=full)


def print_json(value: Any) -> None:
    print(views.as_json(value))


def print_tables(tables: Iterable[RenderableType], wide: bool) -> None:
    out = console(wide)
    for table in tables:
        out.print(table)


def say(text: str) -> None:
    """One line of result for a person, on stdout."""
    print(text, flush=True)


def progress(text: str) -> None:
    """One line of progress, on stderr (stdout stays for results)."""
    print(text, file=sys.stderr, flush=True)


def warn(text: str) -> None:
    print(f"warning: {text}", file=sys.stderr, flush=True)


def error(text: str) -> None:
    """The one line a failed command leaves on stderr."""
    print(f"error: {text}", file=sys.stderr, flush=True)


def article(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"
