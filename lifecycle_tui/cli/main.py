"""The ``lifecycle`` command: global options, then one registered group per module."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Optional

import typer

from lifecycle_tui.cli.common import CliState, reset_output
from lifecycle_tui.store import default_store_path
from lifecycle_tui.store.timeutil import parse_as_of

app = typer.Typer(
    name="lifecycle",
    help="Customer-lifecycle marketing from one local SQLite file. With no command: open the console.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

# Each module defines register(app). Order = order in `lifecycle --help`.
COMMAND_MODULES = [
    "store_cmds",  # init, settings
    "check_cmd",  # check
    "backup_cmd",  # backup, restore
    "import_cmd",
    "customers",
    "segments",
    "templates",
    "rules",
    "dispatch",
    "sending",  # outbox list, suppress, unsubscribe
    "sample_cmd",  # sample build
]


@app.callback(invoke_without_command=True)
def main(
    ctx: typer.Context,
    db: Optional[Path] = typer.Option(None, "--db", help="Store file (default: $LIFECYCLE_DB, then ./lifecycle.db)."),
    as_of: Optional[str] = typer.Option(
        None, "--as-of", help="Compute as of this ISO date/time (default: the store's pinned clock, else now)."
    ),
) -> None:
    try:
        as_of_dt = parse_as_of(as_of)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--as-of") from None
    ctx.obj = CliState(db=default_store_path(db), as_of=as_of_dt)
    reset_output()  # a command without --json prints no JSON refusal
    if ctx.invoked_subcommand is None:
        from lifecycle_tui.tui.app import run_console

        store = ctx.obj.open()
        store.close()
        run_console(ctx.obj.db, as_of_dt)


for _name in COMMAND_MODULES:
    importlib.import_module(f"lifecycle_tui.cli.{_name}").register(app)


def run() -> None:
    """Console-script entry point."""
    app()
