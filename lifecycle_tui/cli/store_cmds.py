"""``lifecycle init`` and ``lifecycle settings list|get|set|reset``."""

from __future__ import annotations

import typer
from rich.table import Table

from lifecycle_tui.bootstrap import init_store
from lifecycle_tui.cli.common import JsonOption, console, emit_json, err_console, fail, state
from lifecycle_tui.store import StoreError
from lifecycle_tui.store.settings import (
    SETTINGS, SettingError, as_text, brief, change, explicit_keys, get, get_all, printable, reset, spec,
)

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


@settings_app.command("get")
def settings_get(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="Setting key, e.g. shop.timezone."),
    json_out: bool = JsonOption,
) -> None:
    """One setting's value (the RFM grid as JSON), for scripts: `$(lifecycle settings get shop.name)`."""
    with state(ctx).open() as store:
        try:
            value = get(store, key)
        except SettingError as exc:
            fail(str(exc))
        explicit = key in explicit_keys(store)
    if json_out:
        emit_json({"key": key, "value": printable(key, value), "default": not explicit, "doc": spec(key).doc})
    else:
        typer.echo(_plain(key, value))  # not through rich: a script reads it back exactly


@settings_app.command("reset")
def settings_reset(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="Setting key, e.g. caps.email_hours."),
    json_out: bool = JsonOption,
) -> None:
    """Put one setting back to its default."""
    with state(ctx).open() as store:
        try:
            default, note = reset(store, key)
        except SettingError as exc:
            fail(str(exc))
    _changed(key, default, note, json_out)


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
    _changed(key, stored, note, json_out)


def _plain(key: str, value) -> str:
    """A value as ``settings set`` takes it (the grid as JSON); a secret only as "(set)"."""
    return str(printable(key, value)) if key.startswith("secret.") else as_text(key, value)


def _changed(key: str, value, note: str, json_out: bool) -> None:
    if json_out:
        emit_json({"key": key, "value": printable(key, value), **({"note": note} if note else {})})
    else:
        console.print(f"{key} = {_plain(key, value)}", markup=False, highlight=False, soft_wrap=True)
        if note:
            err_console.print(f"[yellow]Note:[/] {note}", soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.add_typer(settings_app, name="settings")
