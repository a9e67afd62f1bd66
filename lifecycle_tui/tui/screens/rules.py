"""The Rules section: every trigger rule with its switch, trigger, steps and last-run counts.

Space or Enter switches the highlighted rule on or off (``set_enabled``, a new rule
version; switching on checks the rule's templates and filter first and refuses with the
reason). ``e`` edits and ``n`` creates a rule in :class:`RuleForm`; ``d`` removes a rule that
is off, after asking (``remove_rule``). The panel under the table spells out the highlighted
rule in full.
"""

from __future__ import annotations

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from lifecycle_tui.automation.rules import Rule, describe_duration, list_rules, remove_rule, set_enabled
from lifecycle_tui.store import console_queries as q
from lifecycle_tui.tui.base import SectionScreen, highlighted_key
from lifecycle_tui.tui.screens.ops_common import minute, short
from lifecycle_tui.tui.widgets.dialogs import ConfirmDialog
from lifecycle_tui.tui.widgets.rule_form import RuleForm
from lifecycle_tui.tui.widgets.row_table import RowTable
from lifecycle_tui.wording import counted

COLUMNS = ("On", "Rule", "Prio", "Trigger", "Steps", "Last run", "Sent")


def trigger_text(rule: Rule) -> str:
    params = ", ".join(
        f"{k} {', '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in rule.trigger.items() if k != "kind"
    )
    return f"{rule.kind} ({params})" if params else rule.kind


def steps_summary(rule: Rule) -> str:
    return " → ".join(f"{s.delay} {s.channel}" for s in rule.steps)


def rule_detail(rule: Rule, counts: dict | None) -> str:
    lines = [
        f"[b]{rule.name}[/b]  v{rule.version}  {'[green]enabled[/]' if rule.enabled else '[dim]disabled[/]'}"
        f"  priority {rule.priority}  catch-up {rule.catch_up}  re-entry: {rule.describe_reentry()}",
        f"Trigger: {escape(trigger_text(rule))}",
        f"Filter:  {escape(rule.filter or '(everyone)')}",
        "Exits:   " + (", ".join(rule.exits) or "none"),
    ]
    for i, s in enumerate(rule.steps, start=1):
        lines.append(f"Step {i}: after {describe_duration(s.delay_td)} send {s.channel} [b]{escape(s.template)}[/b]")
    if rule.description:
        lines.append(escape(rule.description))
    if counts:
        lines.append(
            f"Last run #{counts['last_run']}: {counts['last_sent']} sent, {counts['last_failed']} failed; "
            f"{counts['total_sent']} sent in all, last at {minute(counts['last_sent_at'])}"
        )
    return "\n".join(lines)


def _load(store) -> tuple[list[Rule], dict, list[str]]:
    templates = [r[0] for r in store.conn.execute("SELECT name FROM templates ORDER BY name")]
    return list_rules(store), q.rule_message_counts(store), templates


class RulesScreen(SectionScreen):
    """Rules: list with switches; space/enter toggles, e edits, n creates."""

    SECTION = "Rules"
    CSS_PATH = "../screens_b.tcss"
    BINDINGS = [
        Binding("space", "toggle", "On/off"),
        Binding("e", "edit", "Edit"),
        Binding("n", "new", "New"),
        Binding("d", "remove", "Remove"),
    ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rules: dict[str, Rule] = {}
        self.counts: dict[str, dict] = {}
        self.templates: list[str] = []

    def compose_body(self) -> ComposeResult:
        table = RowTable(id="rules-table", cursor_type="row", zebra_stripes=True)
        table.add_columns(*COLUMNS)
        yield table
        yield Static("", id="rule-detail")

    def on_mount(self) -> None:
        self.query_one("#rules-table", DataTable).focus()

    def reload(self) -> None:
        self.run_db(_load, self._show, group="rules-load")

    def _show(self, loaded: tuple[list[Rule], dict, list[str]]) -> None:
        rules, self.counts, self.templates = loaded
        self.rules = {r.name: r for r in rules}
        table = self.query_one("#rules-table", DataTable)
        keep = self.current_name()
        table.clear()
        for r in rules:
            c = self.counts.get(r.name)
            last = f"#{c['last_run']}: {c['last_sent']} sent" + (f", {c['last_failed']} failed" if c["last_failed"] else "") if c else "never"
            table.add_row(
                "[green]●[/]" if r.enabled else "[dim]○[/]", r.name, str(r.priority), escape(short(trigger_text(r), 34)),
                short(steps_summary(r), 22), last, str(c["total_sent"] if c else 0), key=r.name,
            )
        if keep in self.rules:
            table.move_cursor(row=table.get_row_index(keep))
        self._show_detail()
        if not rules:
            self.query_one("#rule-detail", Static).update("No rules yet: press n to create one.")

    def current_name(self) -> str | None:
        return highlighted_key(self.query_one("#rules-table", DataTable))

    @on(DataTable.RowHighlighted, "#rules-table")
    def _show_detail(self) -> None:
        name = self.current_name()
        if name in self.rules:
            self.query_one("#rule-detail", Static).update(rule_detail(self.rules[name], self.counts.get(name)))

    @on(DataTable.RowSelected, "#rules-table")
    def _selected(self) -> None:
        self.action_toggle()

    def action_toggle(self) -> None:
        name = self.current_name()
        if name not in self.rules:
            return
        enable = not self.rules[name].enabled
        self.run_db(lambda store: set_enabled(store, name, enable), self._toggled, group="rules-toggle")

    def _toggled(self, result: tuple[Rule, bool]) -> None:
        rule, _changed = result
        self.notify(f"{rule.name} {'enabled' if rule.enabled else 'disabled'} (version {rule.version})")
        self.reload()

    def action_edit(self) -> None:
        name = self.current_name()
        if name in self.rules:
            self.app.push_screen(RuleForm(self.rules[name], self.templates), self._saved)

    def action_new(self) -> None:
        self.app.push_screen(RuleForm(None, self.templates), self._saved)

    def action_remove(self) -> None:
        name = self.current_name()
        if name not in self.rules:
            return
        if self.rules[name].enabled:  # say so before asking
            self.app.report_error(ValueError(f"{name} is on: switch it off first (space), then remove it."),
                                  title="Not removed")
            return
        question = escape(f"Remove rule {name} ({counted(self.rules[name].version, 'saved version')})? "
                          "What it sent stays in the outbox and the run record.")
        self.app.push_screen(ConfirmDialog(question, "Remove"), lambda yes: self._remove(name) if yes else None)

    def _remove(self, name: str) -> None:
        self.run_db(lambda store: remove_rule(store, name), self._removed, group="rules-remove")

    def _removed(self, rule: Rule) -> None:
        self.notify(f"Removed {rule.name}")
        self.reload()

    def _saved(self, rule: Rule | None) -> None:
        if rule is not None:
            self.notify(f"Saved {rule.name} (version {rule.version})")
            self.reload()
