"""``lifecycle check``: is this store ready to send? What to fix first, and how."""

from __future__ import annotations

import typer

from lifecycle_tui.automation.readiness import check_readiness
from lifecycle_tui.cli.common import JsonOption, console, emit_json, state
from lifecycle_tui.styles import LEVEL_STYLE


def check(ctx: typer.Context, json_out: bool = JsonOption) -> None:
    """Check the store before real customers get mail: shop details, templates, rules, transports."""
    st = state(ctx)
    with st.open() as store:
        result = check_readiness(store, st.as_of_for(store))
    if json_out:
        emit_json(result.to_json())
    else:
        for f in result.findings:
            console.print(f"[{LEVEL_STYLE[f.level]}]{f.level:>7}[/] {f.area:<10} ", end="")
            console.print(f.message, markup=False, highlight=False, soft_wrap=True)
            if f.fix:
                console.print(f"{'':18} {f.fix}", style="cyan", markup=False, highlight=False, soft_wrap=True)
        console.print(result.summary())
    if not result.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("check")(check)
