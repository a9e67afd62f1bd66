"""What every command shares: the selected store, the as-of time, output and failure helpers."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.text import Text

from lifecycle_tui.store import Store, StoreError, default_store_path, open_store
from lifecycle_tui.store.settings import resolve_as_of

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

# This invocation's output mode: whether --json was given, and whether its JSON is printed yet
# (so that a refusal under --json is JSON on stdout too, once). Set while the command's options
# are parsed (click calls an option's callback with its default as well) and by the root callback.
_output = {"json": False, "printed": False}


def reset_output(json_mode: bool = False) -> bool:
    _output.update(json=bool(json_mode), printed=False)
    return json_mode


JsonOption = typer.Option(False, "--json", help="Print JSON for scripts instead of a table.", callback=reset_output)
YesOption = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation (needed without a terminal).")


@dataclass
class CliState:
    """Global options, kept on the typer context object."""

    db: Path
    as_of: datetime | None  # explicit --as-of, or None for the store's pinned clock / now

    def open(self, *, create: bool = False) -> Store:
        try:
            return open_store(self.db, create=create)
        except StoreError as exc:
            fail(str(exc))

    def as_of_for(self, store: Store) -> datetime:
        return resolve_as_of(store, self.as_of)


def state(ctx: typer.Context) -> CliState:
    obj = ctx.find_root().obj
    if obj is None:  # a sub-app invoked on its own in a test
        obj = CliState(db=default_store_path(None), as_of=None)
        ctx.find_root().obj = obj
    return obj


def fail(message: str, code: int = 1) -> NoReturn:
    """Print a refusal on stderr and exit (1: refused or failed, nothing changed).

    Under ``--json`` stdout also gets ``{"error": message}`` (unless the command printed its
    own JSON already), so a script's ``json.loads(stdout)`` reads a refusal too."""
    err_console.print(f"[bold red]Error:[/] {message}", soft_wrap=True)
    if _output["json"] and not _output["printed"]:
        emit_json({"error": Text.from_markup(message).plain})
    raise typer.Exit(code)


def confirm_or_fail(question: str, *, what: str, unchanged: str) -> None:
    """Ask ``question`` on the terminal (default no); without a yes, fail saying ``unchanged``.

    With no terminal input the refusal names ``--yes``, which ``what`` (e.g. "to run") needs.
    """
    try:
        ok = typer.confirm(question, default=False, err=True)
    except typer.Abort:
        fail(f"no answer to the confirmation (no terminal input). Pass --yes {what} without asking.")
    if not ok:
        fail(f"not confirmed: {unchanged}")


def _default(o: Any) -> Any:
    if isinstance(o, (datetime, date)):
        return o.isoformat()
    if isinstance(o, Path):
        return str(o)
    if isinstance(o, (set, frozenset)):
        return sorted(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def emit_json(data: Any) -> None:
    """Print JSON on stdout (plain, no rich markup, so scripts can parse it)."""
    sys.stdout.write(json.dumps(data, default=_default, ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()
    _output["printed"] = True


def money(cents: int | None, currency: str = "") -> str:
    if cents is None:
        return "-"
    return f"{cents / 100:,.2f} {currency}".strip()
