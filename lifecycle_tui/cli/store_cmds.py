"""``lifecycle init`` and ``lifecycle settings list|set``."""

from __future__ import annotations

import typer
from rich.table import Table

from lifecycle_tui.bootstrap import init_store
from lifecycle_tui.cli.common import JsonOption, console, emit_json, err_console, fail, state
from lifecycle_tui.store import StoreError
from lifecycle_tui.store.settings import SETTINGS, SettingError, brief, change, get_all, printable

settings_app = typer.Typer(help="Show and change store settings.", no_args_is_help=True)


def init(ctx: typer.Context, json_out: bool = JsonOption) -> None:
    """Create a new store with starter templates and rules (safe to run again)."""
    st = state(ctx)
    try:
        report = init_store(st.db)
    except StoreError as exc:
        fail(str(exc))
    if json_out:
        emit_json(
            {
                "path": str(report.path),
                "created": report.created,
                "templates_added": report.templates_added,
                "rules_added": report.rules_added,
            }
        )
        return
    verb = "Created" if report.created else "Checked"
    console.print(
        f"{verb} store {report.path} "
        f"({report.templates_added} starter templates and {report.rules_added} starter rules added)."
    )


@settings_app.command("list")
def settings_list(ctx: typer.Context, json_out: bool = JsonOption) -> None:
    """Every setting with its value and what it does."""
    with state(ctx).open() as store:
        values = get_all(store)
    if json_out:
        emit_json({k: printable(k, v) for k, v in values.items()})
        return
    table = Table("key", "value", "what it does")
    for key, value in values.items():
        table.add_row(key, brief(key, value), SETTINGS[key].doc)
    console.print(table)


# "settings set caps.email_hours -1": a negative value is a value, not an unknown option.
@settings_app.command("set", context_settings={"ignore_unknown_options": True})
def settings_set(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="Setting key, e.g. shop.timezone."),
    value: str = typer.Argument(..., help="New value."),
    json_out: bool = JsonOption,
) -> None:
    """Change one setting (the value is checked first)."""
    with state(ctx).open() as store:
        try:
            stored, note = change(store, key, value)
        except SettingError as exc:
            fail(str(exc))
    if json_out:
        emit_json({"key": key, "value": printable(key, stored), **({"note": note} if note else {})})
    else:
        console.print(f"{key} = {printable(key, stored)}")
        if note:
            err_console.print(f"[yellow]Note:[/] {note}", soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.add_typer(settings_app, name="settings")
