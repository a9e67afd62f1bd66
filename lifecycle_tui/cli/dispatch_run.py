"""``lifecycle dispatch run``: plan at ``as_of``, confirm the counts, carry the plan out.

Registered by ``cli/dispatch.py`` as ``dispatch run``. The whole command holds the store's
dispatch lock, so what was confirmed is what is sent, and a second run is refused at once.
Exit 0 when the run finished (single messages may have failed: see the counts), 1 when it was
refused, not confirmed, could not start its transport, or stopped after failures in a row.
"""

from __future__ import annotations

from collections import Counter
from typing import NoReturn, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from lifecycle_tui.automation.dispatcher import Recovery, RunInterrupted, RunReport, plan_to_run, run_plan
from lifecycle_tui.automation.planner import RuleError
from lifecycle_tui.automation.runlock import DispatchBusyError, run_lock
from lifecycle_tui.automation.transports import DEFAULT_TRANSPORT, UnknownTransportError, get_transport, outbox_dir
from lifecycle_tui.cli.common import JsonOption, YesOption, confirm_or_fail, console, emit_json, err_console, fail, state

PROGRESS_FROM = 50  # show a progress bar for runs with at least this many messages to send


def run_command(
    ctx: typer.Context,
    rule: Optional[str] = typer.Option(None, "--rule", help="Only this rule (default: every enabled rule)."),
    transport: str = typer.Option(
        DEFAULT_TRANSPORT, "--transport", help="outbox (files beside the store; default), smtp or webhook."
    ),
    yes: bool = YesOption,
    json_out: bool = JsonOption,
) -> None:
    """Carry out the plan: send every due message through a transport, each exactly once."""
    st = state(ctx)
    with st.open() as store:
        try:
            carrier = get_transport(transport, store)
        except UnknownTransportError as exc:
            raise typer.BadParameter(str(exc), param_hint="--transport") from None
        as_of = st.as_of_for(store)
        try:
            with run_lock(store):
                try:
                    # A big plan's messages are rendered as they are sent (run_plan), not all held at once.
                    the_plan, recovered = plan_to_run(store, as_of, rule=rule, keep_messages=None)
                except RuleError as exc:
                    fail(str(exc))
                if recovered and not json_out:
                    _show_recovery(recovered)
                if rule is not None and not the_plan.rules:
                    fail(f"rule {rule!r} is disabled: enable it first (`lifecycle rules enable {rule}`).")
                sends = [d for d in the_plan.decisions if d.action == "send"]
                if sends and not yes:
                    _confirm(the_plan, sends, carrier.name)
                try:
                    report = _run(store, the_plan, carrier, len(sends), rule, quiet=json_out)
                except RunInterrupted as stop:
                    _interrupted(stop.report, len(sends), json_out)
                report.recovered = recovered + report.recovered
        except DispatchBusyError as exc:
            fail(str(exc))
        folder = outbox_dir(store) if carrier.name == "outbox" else None
    if json_out:
        emit_json(report.to_json())
    else:
        _show_report(report, folder)
    if report.status in ("failed", "stopped"):
        if json_out:
            err_console.print(f"[bold red]Error:[/] {report.stopped_reason}", soft_wrap=True)
        raise typer.Exit(1)


def _interrupted(r: RunReport, total: int, json_out: bool) -> NoReturn:
    """Ctrl-C during the sends: what went out, and that running again sends the rest (exit 130)."""
    if json_out:
        emit_json(r.to_json())
    err_console.print(
        f"[bold yellow]Interrupted:[/] run {r.run_id} stopped after {r.sent} of {total} sent"
        + (f", {r.failed} failed" if r.failed else "") + ". Nothing is sent twice: "
        "`lifecycle dispatch run` again sends the rest.", soft_wrap=True)
    raise typer.Exit(130)


def _confirm(the_plan, sends, transport_name: str) -> None:
    by_channel = Counter(d.channel for d in sends)
    summary = the_plan.summary
    channels = ", ".join(f"{n} {ch}" for ch, n in sorted(by_channel.items()))
    err_console.print(
        f"Plan at {the_plan.as_of.isoformat()}: [bold]{len(sends)} to send[/] ({channels}), "
        f"{summary['skip']} skipped, {summary['defer']} deferred."
    )
    confirm_or_fail(f"Send {len(sends)} messages through {transport_name}?", what="to run",
                    unchanged="nothing was sent.")


def _run(store, the_plan, carrier, total: int, rule: str | None, quiet: bool) -> RunReport:
    if quiet or total < PROGRESS_FROM:
        return run_plan(store, the_plan, carrier, rule_filter=rule)
    columns = (TextColumn("sending"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task("send", total=total)
        return run_plan(store, the_plan, carrier, lambda done, _total: bar.update(task, completed=done),
                        rule_filter=rule)


def _show_recovery(rec: Recovery) -> None:
    err_console.print(rec.describe(), style="yellow", markup=False, highlight=False, soft_wrap=True)
    if rec.unknown:
        err_console.print("  Not resent automatically; see `lifecycle outbox list --status unknown`.")


def _show_report(r: RunReport, folder) -> None:
    console.print(f"Run {r.run_id} ({r.transport}, as of {r.as_of}): {r.counts()}.", markup=False, highlight=False)
    if r.already_done:
        console.print(f"  {r.already_done} were already sent by an earlier run and were not sent again.")
    if r.left_note():
        console.print(f"  {r.left_note()}", markup=False, highlight=False)
    if r.failed or r.unknown:
        console.print(f"  Details: `lifecycle outbox list --run {r.run_id} --status failed` (or unknown).")
    if folder is not None and r.sent:
        console.print(f"  Files in {folder}")
    if r.stopped_reason:
        err_console.print(f"[bold red]{r.stopped_reason}[/]", soft_wrap=True)
