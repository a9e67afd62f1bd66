"""``lifecycle customers list|show|forget``."""

from __future__ import annotations

from enum import Enum
from typing import Optional

import typer
from rich.markup import escape
from rich.table import Table

from lifecycle_tui.automation.runlock import DispatchBusyError
from lifecycle_tui.automation.forget import ForgetError, forget_customer, what_forget_removes
from lifecycle_tui.cli.common import JsonOption, YesOption, confirm_or_fail, console, emit_json, err_console, fail, state
from lifecycle_tui.segments import SegmentNotFound, SegmentRuleError, resolve_segment
from lifecycle_tui.store.browse import SORTS
from lifecycle_tui.store.customers import AmbiguousCustomerError, get_customer, iter_customers
from lifecycle_tui.wording import counted

Sort = Enum("Sort", {name: name for name in SORTS}, type=str)  # the console's sorts, by name

customers_app = typer.Typer(help="List customers, show one customer's profile, forget one (erasure).",
                            no_args_is_help=True)


@customers_app.command("list")
def customers_list(
    ctx: typer.Context,
    segment: Optional[str] = typer.Option(None, "--segment", help="Only members of this segment (saved or built-in)."),
    search: str = typer.Option("", "--search", help="Only customers whose name, email or id contains this text."),
    sort: Optional[Sort] = typer.Option(None, "--sort", help="Sort by this column (default: the order they were added)."),
    desc: bool = typer.Option(False, "--desc", help="Sort in descending order (with --sort)."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Show at most N customers."),
    json_out: bool = JsonOption,
) -> None:
    """Customers with orders, revenue, stage and RFM segment."""
    st = state(ctx)
    if desc and sort is None:
        raise typer.BadParameter("--desc needs --sort (e.g. --sort revenue --desc).", param_hint="--desc")
    with st.open() as store:
        as_of = st.as_of_for(store)
        try:
            rule = resolve_segment(store, segment) if segment else None
            rows = list(iter_customers(store, limit=limit, as_of=as_of, rule=rule, search=search,
                                       sort=sort.value if sort else None, descending=desc))
        except (SegmentNotFound, SegmentRuleError) as exc:
            fail(escape(str(exc)))
    if json_out:
        emit_json(rows)
        return
    table = Table("customer_id", "email", "orders", "revenue", "last order", "stage", "rfm")
    for r in rows:
        table.add_row(
            escape(r["customer_id"]), escape(r["email"] or ""), str(r["orders"]), f"{r['revenue']:,.2f}",
            (r["last_order_at"] or "")[:10], r["stage"] or "", escape(r["rfm"]["segment"] or ""),
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
    st = state(ctx)
    with st.open() as store:
        try:
            c = get_customer(store, customer_id, as_of=st.as_of_for(store))
        except AmbiguousCustomerError as exc:
            fail(escape(str(exc)))
    if c is None:
        fail(escape(f"no customer {customer_id.strip()!r} in this store."))
    if json_out:
        emit_json(c)
        return
    for key, value in c.items():
        if key == "rfm":
            value = "-" if value["segment"] is None else f"{value['segment']} (R{value['r']} F{value['f']} M{value['m']})"
        console.print(f"[bold]{key:>22}[/]: {escape(str(value if value is not None else '-'))}")


@customers_app.command("forget")
def customers_forget(
    ctx: typer.Context,
    customer_id: str = typer.Argument(..., help="The shop's customer id (or an email only one customer has)."),
    suppress: bool = typer.Option(False, "--suppress", help="Also put their email and phone on the suppression "
                                  "list, so a later import can never bring messages to them."),
    yes: bool = YesOption,
    json_out: bool = JsonOption,
) -> None:
    """Remove a customer and everything the store holds about them (orders, events, messages, files)."""
    st = state(ctx)
    with st.open() as store:
        try:
            if not yes:
                ahead = what_forget_removes(store, customer_id)
                err_console.print(f"This removes {ahead.what_goes()}.",
                                  markup=False, highlight=False, soft_wrap=True)
                confirm_or_fail(f"Forget {ahead.customer_id} ({ahead.email or 'no email'})? This cannot be undone.",
                                what="to forget them", unchanged="nothing was removed.")
            report = forget_customer(store, customer_id, at=st.as_of_for(store), suppress=suppress)
        except (ForgetError, DispatchBusyError) as exc:
            fail(escape(str(exc)))
    if json_out:
        emit_json(report.to_json())
        return
    console.print(f"Forgot {report.describe()}.", markup=False, highlight=False, soft_wrap=True)
    if report.files_removed:
        console.print(f"  {counted(report.files_removed, 'outbox file')} removed.")
    for path in report.files_left:
        err_console.print(f"  Could not remove {path}: remove it by hand.", markup=False, highlight=False)
    kept = report.suppressed_before + report.suppressed_now
    if kept:
        console.print(f"  Kept on the suppression list, so they are never messaged: {', '.join(kept)}.",
                      markup=False, highlight=False, soft_wrap=True)
    else:
        console.print("  They come back if a file you import holds them: remove them from your files too "
                      "(or forget with --suppress).", soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.add_typer(customers_app, name="customers")
