"""``lifecycle sample build``: make the demo store with the deterministic sample-shop generator."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from lifecycle_tui.cli.common import JsonOption, console, emit_json, fail
from lifecycle_tui.sample import DEFAULT_END, generate_shop
from lifecycle_tui.sample.generator import MIN_CUSTOMERS
from lifecycle_tui.store import StoreError
from lifecycle_tui.store.timeutil import parse_datetime, to_iso

sample_app = typer.Typer(help="The demo shop (Kettle & Kiln) and its deterministic generator.", no_args_is_help=True)


@sample_app.command("build")
def build(
    out: Path = typer.Argument(..., metavar="OUT", help="Store file to write, e.g. sample.db.", dir_okay=False),
    customers: int = typer.Option(3000, "--customers", min=MIN_CUSTOMERS, help="Number of customers."),
    seed: int = typer.Option(7, "--seed", help="Random seed: the same seed gives the same store."),
    end: Optional[str] = typer.Option(
        None, "--end", help=f"End of the history and the store's pinned as-of (ISO; default {to_iso(DEFAULT_END)})."
    ),
    force: bool = typer.Option(False, "--force", help="Replace OUT if it exists."),
    json_out: bool = JsonOption,
) -> None:
    """Build a sample store: customers, orders, events and recent activity for every starter rule."""
    try:
        end_dt = parse_datetime(end, "UTC") if end else DEFAULT_END
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--end") from None
    if out.exists() and not force:
        fail(f"{out} already exists; add --force to replace it.")
    try:
        report = generate_shop(out, customers=customers, seed=seed, end=end_dt, overwrite=True)
    except (StoreError, OSError, ValueError) as exc:
        fail(f"could not build {out}: {exc}")
    if json_out:
        emit_json(report.to_json())
        return
    console.print(
        f"Built {report.path}: {report.customers:,} customers, {report.orders:,} orders "
        f"({report.order_items:,} items), {report.events:,} events; clock pinned at {report.as_of} "
        f"({report.seconds:.1f} s)."
    )


def register(app: typer.Typer) -> None:
    app.add_typer(sample_app, name="sample")
