"""``lifecycle customers list|show``."""

from __future__ import annotations

from typing import Optional

import typer
from rich.table import Table

from lifecycle_tui.cli.common import JsonOption, console, emit_json, fail, state
from lifecycle_tui.store.customers import get_customer, iter_customers

customers_app = typer.Typer(help="List customers and show one customer's profile.", no_args_is_help=True)


@customers_app.command("list")
def customers_list(
    ctx: typer.Context,
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Show at most N customers."),
    json_out: bool = JsonOption,
) -> None:
    """Customers with orders, revenue, stage and RFM segment."""
    with state(ctx).open() as store:
        rows = list(iter_customers(store, limit=limit))
    if json_out:
        emit_json(rows)
        return
    table = Table("customer_id", "email", "orders", "revenue", "last order", "stage", "rfm")
    for r in rows:
        table.add_row(
            r["customer_id"], r["email"] or "", str(r["orders"]), f"{r['revenue']:,.2f}",
            (r["last_order_at"] or "")[:10], r["stage"] or "", (r["rfm"] or {}).get("segment") or "",
        )
    console.print(table)
    console.print(f"{len(rows)} customers")


@customers_app.command("show")
def customers_show(
    ctx: typer.Context,
    customer_id: str = typer.Argument(..., help="The shop's customer id (or the email)."),
    json_out: bool = JsonOption,
) -> None:
    """One customer's profile: contact, consent, orders, revenue, stage and RFM."""
    with state(ctx).open() as store:
        c = get_customer(store, customer_id)
    if c is None:
        fail(f"no customer {customer_id!r} in this store.")
    if json_out:
        emit_json(c)
        return
    for key, value in c.items():
        console.print(f"[bold]{key:>15}[/]: {value if value is not None else '-'}")


def register(app: typer.Typer) -> None:
    app.add_typer(customers_app, name="customers")
