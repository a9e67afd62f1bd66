"""``lifecycle rules list|show|enable|disable|import|remove`` and ``lifecycle explain CUSTOMER_ID``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from lifecycle_tui.automation.explain import explain
from lifecycle_tui.automation.rule_files import load_rules
from lifecycle_tui.automation.rules import RuleError, list_rules, remove_rule, require_rule, rule_versions, set_enabled
from lifecycle_tui.cli.common import JsonOption, console, emit_json, fail, state
from lifecycle_tui.wording import counted

rules_app = typer.Typer(help="Trigger rules: list, show, enable, disable, import from a file and remove.", no_args_is_help=True)


def _trigger_text(rule) -> str:
    params = ", ".join(f"{k}={v}" for k, v in rule.trigger.items() if k != "kind")
    return f"{rule.kind} ({params})" if params else rule.kind


def _steps_text(rule) -> str:
    return ", ".join(f"{s.delay} {s.channel}" for s in rule.steps)


@rules_app.command("list")
def rules_list(ctx: typer.Context, json_out: bool = JsonOption) -> None:
    """Every rule with its trigger, steps, priority and whether it is enabled."""
    with state(ctx).open() as store:
        rules = list_rules(store)
    if json_out:
        emit_json([r.to_json() for r in rules])
        return
    table = Table("rule", "on", "priority", "trigger", "steps", "re-entry")
    table.columns[0].no_wrap = True
    for r in rules:
        table.add_row(r.name, "yes" if r.enabled else "no", str(r.priority), r.kind, _steps_text(r),
                      r.describe_reentry())
    console.print(table)
    console.print(f"{len(rules)} rules, {sum(r.enabled for r in rules)} enabled")


@rules_app.command("show")
def rules_show(ctx: typer.Context, name: str = typer.Argument(..., help="Rule name."),
               json_out: bool = JsonOption) -> None:
    """One rule in full: trigger, filter, steps, exits, re-entry, catch-up and its versions."""
    with state(ctx).open() as store:
        try:
            rule = require_rule(store, name)
        except RuleError as exc:
            fail(str(exc))
        versions = rule_versions(store, name)
    if json_out:
        emit_json({**rule.to_json(), "versions": versions})
        return
    console.print(f"[bold]{rule.name}[/] ({'enabled' if rule.enabled else 'disabled'}, priority {rule.priority}, "
                  f"version {rule.version})")
    if rule.description:
        console.print(rule.description)
    console.print(f"  trigger:  {_trigger_text(rule)}", markup=False)
    console.print(f"  filter:   {rule.filter or '-'}", markup=False)
    for i, s in enumerate(rule.steps, start=1):
        console.print(f"  step {i}:   after {s.delay}, {s.channel}, template {s.template}")
    console.print(f"  exits:    {', '.join(rule.exits) or '-'}")
    console.print(f"  re-entry: {rule.describe_reentry()}")
    console.print(f"  catch-up: steps due more than {rule.catch_up} ago are skipped")
    console.print("  versions: " + ", ".join(f"v{v['version']} {v['saved_at'][:16]}" for v in versions))


def _toggle(ctx: typer.Context, name: str, enabled: bool, json_out: bool) -> None:
    with state(ctx).open() as store:
        try:
            rule, changed = set_enabled(store, name, enabled)
        except RuleError as exc:
            fail(str(exc))
    if json_out:
        emit_json({"name": rule.name, "enabled": rule.enabled, "changed": changed, "version": rule.version})
        return
    word = "enabled" if enabled else "disabled"
    console.print(f"{rule.name}: {word} (version {rule.version})" if changed else f"{rule.name} was already {word}.")


@rules_app.command("enable")
def rules_enable(ctx: typer.Context, name: str = typer.Argument(..., help="Rule name."),
                 json_out: bool = JsonOption) -> None:
    """Switch a rule on (refused if its templates or filter do not check out)."""
    _toggle(ctx, name, True, json_out)


@rules_app.command("disable")
def rules_disable(ctx: typer.Context, name: str = typer.Argument(..., help="Rule name."),
                  json_out: bool = JsonOption) -> None:
    """Switch a rule off: the planner ignores it until it is enabled again."""
    _toggle(ctx, name, False, json_out)


@rules_app.command("import")
def rules_import(ctx: typer.Context,
                 file: Path = typer.Argument(..., help="JSON: one rule or a list, as `rules list --json` prints."),
                 json_out: bool = JsonOption) -> None:
    """Add rules, or update them as new versions, from a JSON file (all checked before any is saved)."""
    with state(ctx).open() as store:
        try:
            loaded = load_rules(store, file)
        except RuleError as exc:
            fail(str(exc))
    if json_out:
        emit_json([r.to_json() for r in loaded])
        return
    for r in loaded:
        state_word = "on" if r.rule.enabled else "off"
        console.print(f"{r.rule.name}: {r.outcome} (version {r.rule.version}, {state_word})", markup=False)
    if any(r.outcome == "created" and not r.rule.enabled for r in loaded):
        console.print("New rules start off: `lifecycle rules enable NAME` when you are ready.")


@rules_app.command("remove")
def rules_remove(ctx: typer.Context, name: str = typer.Argument(..., help="Rule name (switched off first)."),
                 json_out: bool = JsonOption) -> None:
    """Delete a rule that is off, with its versions (what it sent stays in the outbox and run record)."""
    with state(ctx).open() as store:
        try:
            rule = remove_rule(store, name)
        except RuleError as exc:
            fail(str(exc))
    if json_out:
        emit_json({"name": rule.name, "removed": True, "versions": rule.version})
        return
    console.print(f"{rule.name}: removed ({counted(rule.version, 'version')}).", markup=False)


def explain_command(ctx: typer.Context,
                    customer_id: str = typer.Argument(..., help="The shop's customer id (or the email)."),
                    json_out: bool = JsonOption) -> None:
    """Why each enabled rule did or did not message this customer: sent, due next, skipped and why."""
    st = state(ctx)
    with st.open() as store:
        try:
            result = explain(store, customer_id, st.as_of_for(store))
        except RuleError as exc:
            fail(str(exc))
    if json_out:
        emit_json(result.to_json())
        return
    console.print(f"[bold]{result.customer_id}[/] as of {result.as_of.isoformat()}")
    for r in result.rules:
        mark = "[green]triggered[/]" if r.triggered else "[dim]not triggered[/]"
        console.print(f"\n[bold]{r.rule}[/] - {mark}")
        console.print(f"  {r.summary}", soft_wrap=True, markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(rules_app, name="rules")
    app.command("explain")(explain_command)
