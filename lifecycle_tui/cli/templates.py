"""``lifecycle templates list|show|lint|import|render|versions|restore``: thin calls into messages."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from lifecycle_tui.cli.common import JsonOption, console, emit_json, err_console, fail, state
from lifecycle_tui.messages import (
    TemplateError, get_template, get_version, lint_all, lint_template, list_templates, list_versions,
    preview, remove_template, restore_version, save_template,
)
from lifecycle_tui.automation.transports import UnknownTransportError
from lifecycle_tui.automation.trial import TrialError, send_trial
from lifecycle_tui.store.customers import require_customer
from lifecycle_tui.textfiles import NotUtf8Error, read_utf8
from lifecycle_tui.wording import counted

templates_app = typer.Typer(help="Message templates: list, show, lint, import, render, versions, send-test, remove.", no_args_is_help=True)


def _out(text: str) -> None:
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def _file_text(text: str) -> None:
    """A template's text exactly as stored (no tabs expanded, no newline added after the last
    one), so ``templates show NAME > FILE`` and importing FILE again changes nothing."""
    typer.echo(text, nl=not text.endswith("\n"))


@templates_app.command("list")
def templates_list(ctx: typer.Context, json_out: bool = JsonOption) -> None:
    """Every template with its channel, version and purpose."""
    with state(ctx).open() as store:
        rows = [t.to_dict() for t in list_templates(store)]
    if json_out:
        emit_json(rows)
        return
    table = Table("name", "channel", "version", "marketing", "description")
    for r in rows:
        table.add_row(r["name"], r["channel"], str(r["version"]), "yes" if r["marketing"] else "no", r["description"])
    console.print(table)
    console.print(f"{len(rows)} templates")


@templates_app.command("show")
def templates_show(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Template name."),
    version: Optional[int] = typer.Option(None, "--version", min=1, help="Show this saved version instead of the current one."),
    json_out: bool = JsonOption,
) -> None:
    """A template's file text (front matter and body)."""
    with state(ctx).open() as store:
        tpl = get_template(store, name)
        if tpl is None:
            fail(f"no template {name!r} in this store (see `lifecycle templates list`).")
        try:
            text = get_version(store, name, version) if version else tpl.source_text
        except TemplateError as exc:
            fail(str(exc))
    if json_out:
        emit_json(tpl.to_dict() | {"shown_version": version or tpl.version, "source": text})
        return
    _file_text(text)


@templates_app.command("lint")
def templates_lint(
    ctx: typer.Context,
    name: Optional[str] = typer.Argument(None, help="Template name (default: every template)."),
    json_out: bool = JsonOption,
) -> None:
    """Check templates: syntax, unknown variables, channel limits, renders for each RFM segment."""
    st = state(ctx)
    with st.open() as store:
        as_of = st.as_of_for(store)
        if name and get_template(store, name) is None:
            fail(f"no template {name!r} in this store (see `lifecycle templates list`).")
        reports = [lint_template(store, name, as_of)] if name else lint_all(store, as_of)
    failed = [r for r in reports if not r.ok]
    if json_out:
        emit_json([r.to_json() for r in reports])
    else:
        for r in reports:
            mark = "FAIL" if not r.ok else ("warn" if r.warnings else "ok  ")
            _out(f"{mark} {r.template} ({r.channel or '?'})")
            for f in r.findings:
                _out(f"     {f}")
        _out(f"{counted(len(reports), 'template')} checked: {len(failed)} with errors, "
             f"{sum(1 for r in reports if r.warnings)} with warnings.")
    if failed:
        raise typer.Exit(1)


@templates_app.command("import")
def templates_import(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="Template file: front matter between --- lines, then the body."),
    name: Optional[str] = typer.Option(None, "--name", help="Template name (default: front matter name, else the file name)."),
    json_out: bool = JsonOption,
) -> None:
    """Add a template, or update one as a new version, from a file."""
    try:
        text = read_utf8(file)
    except NotUtf8Error as exc:
        fail(f"{exc} (nothing imported)")
    except OSError as exc:
        fail(f"{file}: cannot read the file ({exc.strerror or exc}).")
    with state(ctx).open() as store:
        try:
            result = save_template(store, text, name=name, filename=file.name, origin="import", note=f"imported from {file.name}")
        except TemplateError as exc:
            line = f"line {exc.line}: " if exc.line else ""
            fail(f"{file}: {line}{exc.reason} (nothing imported)")
        t = result.template
        # Saved either way (the text parses); what lint finds is what every run would hit.
        lint = lint_template(store, t.name, state(ctx).as_of_for(store)) if result.changed else None
    status = "added" if result.created else ("updated" if result.changed else "unchanged")
    if json_out:
        emit_json({"name": t.name, "channel": t.channel, "version": t.version, "status": status,
                   **({"lint": lint.to_json()} if lint else {})})
        return
    _out(f"{t.name}: {status} (version {t.version}, {t.channel}).")
    if lint and lint.findings:
        err_console.print(f"[yellow]Lint:[/] {counted(len(lint.errors), 'error')}, {counted(len(lint.warnings), 'warning')}"
                          + (" - messages from this template fail until it is fixed:" if lint.errors else ":"),
                          soft_wrap=True)
        for f in lint.findings:
            err_console.print(f"  {f}", markup=False, highlight=False, soft_wrap=True)


@templates_app.command("render")
def templates_render(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Template name."),
    customer: str = typer.Option(..., "--customer", help="The shop's customer id (or email) to render for."),
    html: bool = typer.Option(False, "--html", help="Print the email's HTML part instead of its text part."),
    eml: bool = typer.Option(False, "--eml", help="Print the whole email as RFC 5322 (.eml) text."),
    json_out: bool = JsonOption,
) -> None:
    """Render a template for one customer (refused renders exit 1 with the reason)."""
    st = state(ctx)
    with st.open() as store:
        try:
            rowid = require_customer(store, customer, LookupError)[0]
        except LookupError as exc:
            fail(str(exc))
        try:
            msg = preview(store, name, rowid, st.as_of_for(store))
        except TemplateError as exc:
            fail(str(exc))
    if json_out:
        emit_json(msg.to_json())
        return
    if eml and msg.channel == "email":
        _out(msg.to_eml_bytes().decode("utf-8", "replace").replace("\r\n", "\n"))
        return
    f = msg.fields
    _out(f"To: {msg.to or '(none)'}")
    if msg.channel == "email":
        _out(f"Subject: {f['subject']}\nPreheader: {f['preheader']}\n")
        _out(f["html"] if html else f["text"])
    elif msg.channel == "sms":
        _out(f"{f['encoding']}, {counted(f['segments'], 'segment')}, {counted(f['units'], 'unit')}\n\n{f['text']}")
    else:
        _out(f"Title: {f['title']}\nLink: {f['url'] or '-'}\nPayload: {f['payload_bytes']} bytes\n\n{f['body']}")
    for w in msg.warnings:
        _out(f"warning: {w}")


@templates_app.command("send-test")
def templates_send_test(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Template name."),
    to: str = typer.Option(..., "--to", help="Your own email address, phone number or push token."),
    customer: Optional[str] = typer.Option(None, "--customer", help="Render with this customer's data (default: a sample customer)."),
    transport: str = typer.Option("outbox", "--transport", help="outbox, smtp or webhook."),
    json_out: bool = JsonOption,
) -> None:
    """Send one test message to yourself, as a customer would get it (not recorded, unsubscribes no one)."""
    st = state(ctx)
    with st.open() as store:
        try:
            result = send_trial(store, name, to, st.as_of_for(store), customer=customer, transport=transport)
        except UnknownTransportError as exc:
            raise typer.BadParameter(str(exc), param_hint="--transport") from None
        except (TrialError, TemplateError) as exc:
            fail(str(exc))
    if json_out:
        emit_json(result.to_json())
        return
    where = f" ({result.path})" if result.path else ""
    _out(f"Test {result.channel} {name!r} sent to {result.to} through {result.transport}{where}, "
         f"rendered with customer {result.customer_id}'s data. Not recorded; its unsubscribe link unsubscribes no one.")
    for w in result.warnings:
        _out(f"warning: {w}")


@templates_app.command("versions")
def templates_versions(ctx: typer.Context, name: str = typer.Argument(..., help="Template name."), json_out: bool = JsonOption) -> None:
    """Every saved version of a template."""
    with state(ctx).open() as store:
        try:
            rows = list_versions(store, name)
        except TemplateError as exc:
            fail(str(exc))
    if json_out:
        emit_json(rows)
        return
    table = Table("version", "saved at", "origin", "note", "")
    for r in rows:
        table.add_row(str(r["version"]), r["saved_at"], r["origin"], r["note"] or "", "current" if r["current"] else "")
    console.print(table)


@templates_app.command("restore")
def templates_restore(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Template name."),
    version: int = typer.Argument(..., min=1, help="The version to make current again (saved as a new version)."),
    json_out: bool = JsonOption,
) -> None:
    """Make an older version current again (history is kept)."""
    with state(ctx).open() as store:
        try:
            result = restore_version(store, name, version)
        except TemplateError as exc:
            fail(str(exc))
    t = result.template
    if json_out:
        emit_json({"name": t.name, "version": t.version, "restored_from": version, "changed": result.changed})
    else:
        _out(f"{t.name}: version {version} restored as version {t.version}." if result.changed
             else f"{t.name}: version {version} is already the current text.")


@templates_app.command("remove")
def templates_remove(ctx: typer.Context, name: str = typer.Argument(..., help="Template name."),
                     json_out: bool = JsonOption) -> None:
    """Delete a template and its versions (refused while a rule step sends it)."""
    with state(ctx).open() as store:
        try:
            t = remove_template(store, name)
        except TemplateError as exc:
            fail(str(exc))
    if json_out:
        emit_json({"name": t.name, "removed": True, "versions": t.version})
    else:
        _out(f"{t.name}: removed ({counted(t.version, 'version')}).")


def register(app: typer.Typer) -> None:
    app.add_typer(templates_app, name="templates")
