"""``lifecycle dispatch preview|dry-run|run|runs``: one message, the whole plan, carrying it out, and the runs so far.

``run`` lives in :mod:`lifecycle_tui.cli.dispatch_run` (the dispatcher's command) and is
registered here so the group is one ``dispatch`` app.
"""

from __future__ import annotations

from typing import Optional

import typer
from rich.markup import escape
from rich.table import Table

from lifecycle_tui.automation.planner import dry_run
from lifecycle_tui.automation.preview import preview
from lifecycle_tui.automation.rules import RuleError
from lifecycle_tui.automation.run_history import list_runs
from lifecycle_tui.cli.common import JsonOption, console, emit_json, fail, state

dispatch_app = typer.Typer(help="Preview, dry-run and run the messages the rules call for.", no_args_is_help=True)
LISTED = 200  # decisions printed in the human dry-run; --json lists all


@dispatch_app.command("preview")
def preview_command(
    ctx: typer.Context,
    rule: str = typer.Argument(..., help="Rule name."),
    customer: str = typer.Option(..., "--customer", help="The shop's customer id (or the email)."),
    step: Optional[int] = typer.Option(None, "--step", min=1, help="Step number (default: the step due now, else 1)."),
    json_out: bool = JsonOption,
) -> None:
    """The message exactly as it would be sent to this customer, and the planner's decision."""
    st = state(ctx)
    with st.open() as store:
        try:
            result = preview(store, rule, customer, st.as_of_for(store), step)
        except RuleError as exc:
            fail(str(exc))
    if json_out:
        emit_json(result.to_json())
    else:
        console.print(f"[bold]{result.rule}[/] step {result.step} ({result.channel}, template {result.template}) "
                      f"for [bold]{result.customer_id}[/]")
        for title, body in result.blocks:
            console.rule(title)
            console.print(body, markup=False, soft_wrap=True)
    if result.message is None:
        raise typer.Exit(1)  # nothing could be rendered (template error)


@dispatch_app.command("dry-run")
def dry_run_command(
    ctx: typer.Context,
    rule: Optional[str] = typer.Option(None, "--rule", help="Only this rule (a disabled rule is planned as if on)."),
    json_out: bool = JsonOption,
) -> None:
    """The whole plan at --as-of: every due step with send, skip (and why) or defer; sends nothing."""
    st = state(ctx)
    with st.open() as store:
        try:
            # Decisions only: every send is rendered and checked, but no email is kept in memory.
            result = dry_run(store, st.as_of_for(store), rule=rule, include_disabled=rule is not None,
                             keep_messages=False)
        except RuleError as exc:
            fail(str(exc))
    if json_out:
        emit_json(result.to_json())
        return
    s = result.summary
    console.print(f"Plan as of {result.as_of.isoformat()}: [bold]{s['send']} to send[/], {s['skip']} skipped, "
                  f"{s['defer']} deferred ({len(result.rules)} rules).")
    for note in result.notes:
        console.print(f"Note: {note}", markup=False)
    table = Table("rule", "channel", "action", "count", title="Summary")
    for row in s["by_rule"]:
        table.add_row(row["rule"], row["channel"], row["action"], str(row["count"]))
    console.print(table)
    if not result.decisions:
        return
    listing = Table("rule", "step", "customer", "channel", "action", "due", "reason", title="Decisions")
    for d in result.decisions[:LISTED]:
        listing.add_row(d.rule, str(d.step), escape(d.customer_id), d.channel, d.action,
                        d.due_at[:16].replace("T", " "), escape(d.reason or ""))
    console.print(listing)
    if len(result.decisions) > LISTED:
        console.print(f"... and {len(result.decisions) - LISTED} more decisions (use --json for all).")


@dispatch_app.command("runs")
def runs_command(
    ctx: typer.Context,
    limit: int = typer.Option(20, "--limit", min=1, help="Show the N most recent runs."),
    json_out: bool = JsonOption,
) -> None:
    """The runs so far, newest first: when, who, transport, rule, status and counts."""
    with state(ctx).open() as store:
        runs = list_runs(store, limit)
    if json_out:
        emit_json(runs)
        return
    if not runs:
        console.print("No runs yet: `lifecycle dispatch run` carries out the plan.")
        return
    table = Table("run", "started (UTC)", "as of", "who", "transport", "rule", "status",
                  "sent", "skipped", "deferred", "failed")
    for r in runs:
        table.add_row(str(r["id"]), _minute(r["started_at"]), _minute(r["as_of"]), escape(r["who"]), r["transport"],
                      escape(r["rule_filter"] or "all"), r["status"], *(f"{r[k]:,}" for k in ("sent", "skipped", "deferred", "failed")))
    console.print(table)
    for r in runs:
        if r["note"]:
            console.print(f"Run {r['id']}: {r['note']}", markup=False, highlight=False, soft_wrap=True)
    console.print("Messages of one run: `lifecycle outbox list --run N`.")


def _minute(iso: str | None) -> str:
    return (iso or "")[:16].replace("T", " ")


def register(app: typer.Typer) -> None:
    from lifecycle_tui.cli.dispatch_run import run_command

    dispatch_app.command("run")(run_command)
    app.add_typer(dispatch_app, name="dispatch")
