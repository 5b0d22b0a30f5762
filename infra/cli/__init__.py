"""The `claims-ledger` command line, one module per user group:

- `cases`: where a case of any type stands and what happened to it (status, timeline, payouts,
  claim documents, deadlines, Section IV aggregates, travel claims, assistance cases);
- `audit`: a case's stored history with its hash chain, rebuild;
- `checkpoints`: signed checkpoints, verify against them, the public key, case exports;
- `reports`: the quarterly complaint report, the travel document lists, the message schema;
- `operations`: the demo, apply, relay, consume, the embedded broker, the deadline process.

Conventions (README, "Command line"): `--json` for machines, times in WIB with their offset,
durations as `1d 10h 0m`, tables never cut (`--wide`), and exit statuses 0 done, 1 a check
failed, 2 bad input / settings / unreachable, 70 internal error, 130 interrupted: every failure
leaves one line on stderr, never a traceback.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError

from claims_ledger import __version__
from claims_ledger.infra.cli import audit, cases, checkpoints, operations, reports
from claims_ledger.infra.cli.exits import BAD_INPUT, INTERRUPTED, OK, explain
from claims_ledger.infra.cli.output import error

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
    help="claims-ledger: an event-sourced ledger of insurance claims and complaints.",
    epilog="Exit status: 0 done; 1 a check failed (verify, rebuild); 2 bad input or settings, "
    "an unreachable broker or database, no ledger in the data folder; 70 internal error; "
    "130 interrupted. Conventions: --json for machines, times in WIB (+07:00), durations as "
    "1d 10h 0m, --wide tables (full width whenever stdout is not a terminal).",
)

for _group in (cases.group, audit.group, checkpoints.group, reports.group, operations.group):
    for _name, _function in _group.commands:
        app.command(_name, rich_help_panel=_group.panel)(_function)


def _show_version(value: bool) -> None:
    if value:
        print(f"claims-ledger {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            is_eager=True,
            callback=_show_version,
            help="Print the installed version and exit.",
        ),
    ] = False,
) -> None:
    """claims-ledger: an event-sourced ledger of insurance claims and complaints."""


def _command_path(args: list[str]) -> str:
    """`claims-ledger deadlines` for `deadlines --breached=maybe`: some usage errors (an option
    given a value it does not take) come without the command they were raised in."""
    path, command = ["claims-ledger"], typer.main.get_command(app)
    for token in args:
        subcommands = getattr(command, "commands", {})
        if token.startswith("-") or token not in subcommands:
            break
        path.append(token)
        command = subcommands[token]
    return " ".join(path)


def run(args: list[str] | None = None) -> int:
    """Run one command; returns its exit status. Failures print one line on stderr."""
    try:
        status = app(args=args, prog_name="claims-ledger", standalone_mode=False)
    except NoArgsIsHelpError as usage:
        usage.show()
        return BAD_INPUT
    except UsageError as usage:
        where = (
            usage.ctx.command_path
            if usage.ctx is not None
            else _command_path(sys.argv[1:] if args is None else args)
        )
        error(f"{usage.format_message()} (see `{where} --help`)")
        return usage.exit_code
    except ClickException as failure:
        error(failure.format_message())
        return failure.exit_code
    except (typer.Abort, KeyboardInterrupt):
        status = INTERRUPTED
    except Exception as failure:
        code, message = explain(failure)
        error(message)
        return code
    if status == INTERRUPTED:
        error("interrupted")
    return status if isinstance(status, int) else OK


def main() -> None:
    sys.exit(run(sys.argv[1:]))
