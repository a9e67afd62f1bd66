"""``lifecycle import customers|orders|events FILE``: thin wrapper over :func:`lifecycle_tui.importers.import_file`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn
from rich.table import Table

from lifecycle_tui.cli.common import JsonOption, console, emit_json, err_console, fail, state
from lifecycle_tui.importers import FORMATS, ImportRefused, ImportReport, import_file

import_app = typer.Typer(help="Import customers, orders or events from a CSV or JSON Lines file.", no_args_is_help=True)

PROGRESS_MIN_BYTES = 2 << 20  # show a progress bar for files above 2 MB

FileArg = typer.Argument(..., help="CSV/TSV or JSON Lines file (UTF-8 with or without BOM, or Latin-1).")
FormatOption = typer.Option(
    "auto", "--format", help="Source format: auto (detect from the header), generic, shopify, woocommerce, jsonl."
)
DryRunOption = typer.Option(False, "--dry-run", help="Report what would change; write nothing.")
SkipOption = typer.Option(False, "--skip-invalid", help="Import the good rows and report the bad ones (default: refuse the file).")


def _run(ctx: typer.Context, kind: str, file: Path, fmt: str, dry_run: bool, skip_invalid: bool, json_out: bool) -> None:
    if fmt not in FORMATS:
        raise typer.BadParameter(f"{fmt!r} is not one of {', '.join(FORMATS)}", param_hint="--format")
    st = state(ctx)
    with st.open() as store:
        at = st.as_of_for(store)
        show_bar = not json_out and file.is_file() and file.stat().st_size >= PROGRESS_MIN_BYTES
        try:
            if show_bar:
                with Progress(
                    "[progress.description]{task.description}", BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                    console=err_console, transient=True,
                ) as bar:
                    task = bar.add_task(f"Importing {file.name}", total=file.stat().st_size)
                    report = import_file(
                        store, file, kind, fmt, at=at, dry_run=dry_run, skip_invalid=skip_invalid,
                        progress=lambda done, total: bar.update(task, completed=done, total=total),
                    )
            else:
                report = import_file(store, file, kind, fmt, at=at, dry_run=dry_run, skip_invalid=skip_invalid)
        except ImportRefused as exc:
            message = str(exc) + (SKIP_HINT if exc.skippable else "")
            if json_out:
                emit_json(refusal_json(exc, message, file, kind, dry_run))
            elif len(exc.rejected) > 1:  # the message names the first; here is the list to fix
                err_console.print(_rejected_table(exc.rejected, exc.rejected_total))
            fail(message)
        if not dry_run and report.changed:
            _refresh_metrics(store, at)
    if json_out:
        emit_json(report.to_json())
    else:
        _print(report)


SKIP_HINT = " Use --skip-invalid to import the other rows."


def refusal_json(exc: ImportRefused, message: str, file: Path, kind: str, dry_run: bool) -> dict:
    """A refused import in the shape of a report (every key a script reads is there), plus
    ``refused``: the message. Its counts are 0: the engine fills them in only once it committed."""
    report = exc.report or ImportReport(file=str(file), kind=kind, format="", dry_run=dry_run)
    return {**report.to_json(), "rejected": exc.rejected, "rejected_total": exc.rejected_total, "refused": message}


SHOWN_REJECTED = 50


def _rejected_table(rows: list[dict], total: int) -> Table:
    """The first SHOWN_REJECTED bad rows (line, column, reason), and how many more there are."""
    more = total - min(len(rows), SHOWN_REJECTED)
    table = Table("line", "column", "reason", title="Rejected rows", show_edge=False,
                  caption=f"... and {more:,} more (use --json for the list)." if more > 0 else None)
    for r in rows[:SHOWN_REJECTED]:
        table.add_row(str(r["line"]), r["column"], r["reason"])
    return table


def _refresh_metrics(store, at) -> None:
    # Metrics belong to the segments package; refresh them so the console shows new stages at once.
    try:
        from lifecycle_tui.segments import ensure_metrics
    except ImportError:
        return
    try:
        ensure_metrics(store, at)
    except Exception as exc:  # the import is committed; a metrics failure must not read as "nothing changed"
        err_console.print(f"[yellow]Warning:[/] imported, but metrics could not be refreshed ({exc}).")


def _print(report: ImportReport) -> None:
    verb = "Would import" if report.dry_run else "Imported"
    console.print(f"{verb} {report.kind} from {report.file} ({report.format}, {report.encoding}).")
    table = Table("inserted", "updated", "unchanged", "rejected", show_edge=False)
    table.add_row(str(report.inserted), str(report.updated), str(report.unchanged), str(report.rejected_total))
    console.print(table)
    if report.customers_created:
        console.print(f"New customers created from this file: {report.customers_created}")
    if report.consent_changes:
        console.print(f"Consent changes recorded: {report.consent_changes}")
    if report.unknown_columns:
        console.print(f"Kept as attributes (unknown columns): {', '.join(report.unknown_columns)}")
    for note in report.notes:
        console.print(f"Note: {note}")
    if report.rejected:
        console.print(_rejected_table([r.to_json() for r in report.rejected], report.rejected_total))
    if report.dry_run:
        console.print("Dry run: nothing was written.")


def customers(ctx: typer.Context, file: Path = FileArg, fmt: str = FormatOption, dry_run: bool = DryRunOption,
              skip_invalid: bool = SkipOption, json_out: bool = JsonOption) -> None:
    """Import customers (generic CSV, JSON Lines, Shopify or WooCommerce customer export)."""
    _run(ctx, "customers", file, fmt, dry_run, skip_invalid, json_out)


def orders(ctx: typer.Context, file: Path = FileArg, fmt: str = FormatOption, dry_run: bool = DryRunOption,
           skip_invalid: bool = SkipOption, json_out: bool = JsonOption) -> None:
    """Import orders (generic CSV, JSON Lines, Shopify or WooCommerce order export); unknown customers are created."""
    _run(ctx, "orders", file, fmt, dry_run, skip_invalid, json_out)


def events(ctx: typer.Context, file: Path = FileArg, fmt: str = FormatOption, dry_run: bool = DryRunOption,
           skip_invalid: bool = SkipOption, json_out: bool = JsonOption) -> None:
    """Import site events (generic CSV or JSON Lines); unknown customers are created."""
    _run(ctx, "events", file, fmt, dry_run, skip_invalid, json_out)


import_app.command("customers")(customers)
import_app.command("orders")(orders)
import_app.command("events")(events)


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")
