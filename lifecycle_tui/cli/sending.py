"""``lifecycle outbox list``, ``lifecycle suppress`` and ``lifecycle unsubscribe``.

Thin: each command opens the store and calls one function of ``automation.message_log`` or
``automation.suppression``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from lifecycle_tui.automation.message_log import STATUSES, list_messages, resolve_unknown, status_of
from lifecycle_tui.automation.suppression import SuppressionError, import_suppressions, suppress, unsubscribe
from lifecycle_tui.cli.common import JsonOption, console, emit_json, fail, state

outbox_app = typer.Typer(help="Messages recorded by dispatch runs (sent, failed, unknown).", no_args_is_help=True)

CHANNELS = ("email", "sms", "push")


@outbox_app.command("list")
def outbox_list(
    ctx: typer.Context,
    run: Optional[int] = typer.Option(None, "--run", help="Only messages of this run id."),
    rule: Optional[str] = typer.Option(None, "--rule", help="Only messages of this rule."),
    channel: Optional[str] = typer.Option(None, "--channel", help="Only email, sms or push."),
    status: Optional[str] = typer.Option(None, "--status", help="Only claimed, sent, failed or unknown."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Show at most N messages."),
    json_out: bool = JsonOption,
) -> None:
    """Recorded messages with run, rule, step, customer, channel, status and outbox file."""
    channel, status = (None if v is None else v.strip().lower() for v in (channel, status))  # EMAIL, Sent
    if channel is not None and channel not in CHANNELS:
        raise typer.BadParameter(f"must be one of {', '.join(CHANNELS)}", param_hint="--channel")
    if status is not None and status not in STATUSES:
        raise typer.BadParameter(f"must be one of {', '.join(STATUSES)}", param_hint="--status")
    with state(ctx).open() as store:
        rows = list_messages(store, run_id=run, rule=rule, channel=channel, status=status, limit=limit)
    if json_out:
        emit_json(rows)
        return
    table = Table("run", "rule", "step", "customer_id", "channel", "status", "sent at", "file / reason")
    for r in rows:
        where = r["path"] and Path(r["path"]).name or r["reason"] or ""
        table.add_row(str(r["run_id"] or ""), r["rule"], str(r["step"]), r["customer_id"], r["channel"],
                      r["status"], (r["sent_at"] or "")[:16].replace("T", " "), where)
    console.print(table)
    console.print(f"{len(rows)} messages")


@outbox_app.command("resolve")
def outbox_resolve(
    ctx: typer.Context,
    dedupe_key: str = typer.Argument(..., help="The dedupe key of a message whose outcome is unknown."),
    outcome: str = typer.Option(..., "--as", help="sent (it did arrive) or failed (send it again in the next run)."),
    json_out: bool = JsonOption,
) -> None:
    """Settle a message of unknown outcome after checking the mail server or gateway."""
    if outcome not in ("sent", "failed"):
        raise typer.BadParameter("must be sent or failed", param_hint="--as")
    with state(ctx).open() as store:
        if not resolve_unknown(store, dedupe_key, outcome):
            current = status_of(store, dedupe_key)
            fail(f"no message {dedupe_key!r}" if current is None
                 else f"message {dedupe_key!r} is {current}, not unknown: nothing to settle")
    if json_out:
        emit_json({"dedupe_key": dedupe_key, "status": outcome})
    else:
        console.print(f"{dedupe_key}: marked {outcome}" + (" (the next run sends it again)" if outcome == "failed" else "."))


def suppress_command(
    ctx: typer.Context,
    value: Optional[str] = typer.Argument(None, help="An email address or phone number to suppress."),
    reason: Optional[str] = typer.Option(None, "--reason", help="unsubscribe, bounce, complaint or manual (any text)."),
    file: Optional[Path] = typer.Option(
        None, "--file", help="Import an unsubscribe/bounce list: one address per line, or a CSV with an email/phone column."
    ),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help="With --file: add the good lines, report the bad."),
    json_out: bool = JsonOption,
) -> None:
    """Never message an email address or phone number again (or a whole list with --file)."""
    if (value is None) == (file is None):
        raise typer.BadParameter("give either an EMAIL|PHONE or --file FILE (one of them)")
    st = state(ctx)
    with st.open() as store:
        at = st.as_of_for(store)
        try:
            if file is not None:
                result = import_suppressions(store, file, reason or "bounce", at=at, source=file.name,
                                             skip_invalid=skip_invalid)
            else:
                one = suppress(store, value, reason or "manual", "lifecycle suppress", at=at)
        except SuppressionError as exc:
            fail(str(exc))
    if file is not None:
        if json_out:
            emit_json({"added": result.added, "already": result.already, "rejected": result.rejected})
            return
        console.print(f"{result.added} added to the suppression list, {result.already} were already on it.")
        for bad in result.rejected:
            console.print(f"  skipped line {bad['line']}, column {bad['column']}: {bad['reason']}")
        return
    if json_out:
        emit_json({"kind": one.kind, "value": one.value, "added": one.added})
    elif one.added:
        console.print(f"Suppressed {one.kind} {one.value}: no message will be sent to it.")
    else:
        console.print(f"{one.kind} {one.value} was already suppressed.")


def unsubscribe_command(
    ctx: typer.Context,
    token: str = typer.Argument(..., help="The token from an unsubscribe link (the t=... part)."),
    json_out: bool = JsonOption,
) -> None:
    """Unsubscribe the customer and channel an unsubscribe link's token names."""
    st = state(ctx)
    with st.open() as store:
        try:
            result = unsubscribe(store, token, at=st.as_of_for(store))
        except SuppressionError as exc:
            fail(str(exc))
    if json_out:
        emit_json({"customer_id": result.customer_id, "channel": result.channel, "changed": result.changed,
                   "suppressed": result.suppressed})
    elif result.changed:
        console.print(f"Customer {result.customer_id} no longer receives {result.channel}.")
    else:
        console.print(f"Customer {result.customer_id} was already unsubscribed from {result.channel}.")


def register(app: typer.Typer) -> None:
    app.add_typer(outbox_app, name="outbox")
    app.command("suppress")(suppress_command)
    app.command("unsubscribe")(unsubscribe_command)
