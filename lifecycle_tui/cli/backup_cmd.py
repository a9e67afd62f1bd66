"""``lifecycle backup [FILE]`` and ``lifecycle restore FILE``: a safe copy of the store, and putting one back."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Optional

import typer

from lifecycle_tui.automation.runlock import DispatchBusyError, run_lock
from lifecycle_tui.cli.common import JsonOption, YesOption, confirm_or_fail, console, emit_json, err_console, fail, state
from lifecycle_tui.store import StoreError
from lifecycle_tui.store.backup import (
    backup_store, describe_counts, inspect_backup, move_damaged_aside, prune_backups, restore_backup,
)
from lifecycle_tui.store.connection import DamagedStoreError, has_store_file, open_store
from lifecycle_tui.wording import counted


def backup(
    ctx: typer.Context,
    dest: Optional[Path] = typer.Argument(
        None, help="Backup file, or a folder for it (default: <store>-backup-<date>-<time>.db beside the store)."),
    force: bool = typer.Option(False, "--force", help="Replace the file if it exists."),
    keep: Optional[int] = typer.Option(
        None, "--keep", min=1, metavar="N", help="Then delete all but the N newest backups with the default name in that folder."),
    json_out: bool = JsonOption,
) -> None:
    """Copy the store to one file, safely while the console or a run uses it (owner-only, checked)."""
    st = state(ctx)
    with st.open() as store:
        try:
            report = backup_store(store, dest, at=datetime.now(), overwrite=force)
        except StoreError as exc:
            fail(str(exc))
    pruned = prune_backups(st.db, report.path.parent, keep, just_made=report.path) if keep else []
    if json_out:
        emit_json(report.to_json() | {"pruned": [str(p) for p in pruned]})
        return
    console.print(f"Backed up to {report.summary()}.", markup=False, highlight=False, soft_wrap=True)
    if pruned:
        console.print(f"  Deleted {counted(len(pruned), 'older backup')}: {', '.join(p.name for p in pruned)}.",
                      markup=False, highlight=False, soft_wrap=True)
    console.print(f"  Put it back with `lifecycle --db {st.db} restore {report.path}`.",
                  markup=False, highlight=False, soft_wrap=True)


def restore(
    ctx: typer.Context,
    source: Path = typer.Argument(..., help="A backup made by `lifecycle backup`."),
    yes: bool = YesOption,
    json_out: bool = JsonOption,
) -> None:
    """Replace the store with a backup; the store as it is now is saved beside it first.

    A store that cannot be opened at all (damaged) is moved aside as <store>-damaged-<time>.db."""
    st = state(ctx)
    existed = has_store_file(st.db)
    try:
        held = inspect_backup(source, st.db)
    except StoreError as exc:
        fail(str(exc))
    damaged_aside = None
    try:
        store = open_store(st.db, create=not existed)
    except DamagedStoreError as exc:
        if not yes:
            _confirm_over_damaged(st.db, source, held, exc)
        damaged_aside = move_damaged_aside(st.db, datetime.now())
        store = st.open(create=True)
        existed = False
    except StoreError as exc:
        fail(str(exc))
    with store:
        if existed and not yes:
            _confirm(st.db, source, held)
        try:
            with run_lock(store):
                report = restore_backup(store, source, at=datetime.now(), save_current=existed)
        except (StoreError, DispatchBusyError) as exc:
            fail(str(exc))
    previous = report.saved.path if report.saved is not None else damaged_aside
    if json_out:
        emit_json({**report.to_json(), "previous_saved_to": None if previous is None else str(previous),
                   "previous_was_damaged": damaged_aside is not None})
        return
    console.print(f"Restored {st.db} from {source}: {describe_counts(report.restored)}.", markup=False, highlight=False, soft_wrap=True)
    if previous is not None:
        state_word = "the damaged file" if damaged_aside is not None else "the store as it was"
        console.print(f"  {state_word.capitalize()} is saved in {previous}.", markup=False, highlight=False, soft_wrap=True)
    if report.migrated:
        console.print(f"  Brought up to date (schema {', '.join(map(str, report.migrated))}).")


def _confirm(db: Path, source: Path, held: dict[str, int]) -> None:
    err_console.print(f"{source} holds {describe_counts(held)}.", markup=False, highlight=False, soft_wrap=True)
    confirm_or_fail(f"Replace everything in {db} with it? (The store as it is now is saved first.)",
                    what="to restore", unchanged="the store is unchanged.")


def _confirm_over_damaged(db: Path, source: Path, held: dict[str, int], why: StoreError) -> None:
    err_console.print(f"{why}", markup=False, highlight=False, soft_wrap=True)
    err_console.print(f"{source} holds {describe_counts(held)}.", markup=False, highlight=False, soft_wrap=True)
    confirm_or_fail(f"Put it in place of {db}? (The damaged file is moved aside, not deleted.)",
                    what="to restore", unchanged="the store is unchanged.")


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
    app.command("restore")(restore)
