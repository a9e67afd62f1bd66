"""The rule form: create or edit a trigger rule, with the domain validator's messages as you type.

The form turns its fields into the rule's JSON definition and asks
:meth:`lifecycle_tui.automation.rules.Rule.from_definition` whether it holds (structure:
trigger parameters, step order, durations) on every keystroke. Save (ctrl+s) runs
``save_rule`` in a thread worker, which also checks the store's templates and the segment
filter; a refusal stays in the form under the fields, so nothing typed is lost. Dismisses
with the saved :class:`Rule`, or None when cancelled; cancelling a form whose fields were
changed asks first, and so does quitting the console while it is open.

Steps are typed one per line, ``DELAY CHANNEL TEMPLATE`` (``0h email welcome_1``), which is
quicker at the keyboard than a grid of inputs and reads like the rule itself.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static, TextArea

from lifecycle_tui.automation.rules import EXITS, TRIGGERS, Rule, RuleError, get_rule, save_rule
from lifecycle_tui.segments.errors import SegmentRuleError
from lifecycle_tui.segments.saved import validate_rule
from lifecycle_tui.tui.base import run_db
from lifecycle_tui.tui.widgets.dialogs import unless_unsaved

# Trigger parameters that take a list of names (typed comma-separated in the form).
LIST_PARAMS = {"events", "segments"}


def _param_value(key: str, text: str):
    """Form text -> the JSON value the validator expects (lists, whole numbers, text)."""
    text = text.strip()
    if not text:
        return None
    if key in LIST_PARAMS:
        return [p.strip() for p in text.split(",") if p.strip()]
    if text.lstrip("-").isdigit():
        return int(text)
    return text


def _param_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def steps_text(rule: Rule) -> str:
    return "\n".join(f"{s.delay} {s.channel} {s.template}" for s in rule.steps)


def parse_steps(text: str) -> list[dict]:
    """``DELAY CHANNEL TEMPLATE`` lines -> step dicts (a short line is kept for the validator to refuse)."""
    steps = []
    for line in text.splitlines():
        parts = line.split()
        if parts:
            keys = ("delay", "channel", "template")
            steps.append({k: parts[i] if i < len(parts) else "" for i, k in enumerate(keys)})
    return steps


class RuleForm(ModalScreen[Rule | None]):
    """Create (``rule=None``) or edit a rule. ctrl+s saves, Escape cancels."""

    DEFAULT_CSS = """
    RuleForm { align: center middle; }
    /* At most the terminal: on 80x24 the fields scroll and the title, message and buttons stay in view. */
    RuleForm > Vertical { width: 100; max-width: 100%; height: 34; max-height: 100%;
                          border: thick $accent; background: $surface; padding: 0 1; }
    RuleForm #form-title { text-style: bold; color: $accent; }
    RuleForm VerticalScroll { height: 1fr; }
    RuleForm .row { height: auto; }
    RuleForm .row Label { width: 18; }
    RuleForm .row Input, RuleForm .row Select { width: 1fr; }
    RuleForm #trigger-params { height: auto; }
    RuleForm #steps { height: 5; width: 1fr; }
    RuleForm #exits { height: auto; }
    RuleForm #exits Checkbox { width: auto; }
    RuleForm #form-error { color: $error; height: auto; min-height: 1; }
    RuleForm #form-buttons { height: auto; align-horizontal: right; }
    RuleForm #form-buttons Button { margin-left: 2; }
    """
    BINDINGS = [Binding("ctrl+s", "save", "Save"), Binding("escape", "cancel", "Cancel")]

    def __init__(self, rule: Rule | None = None, templates: list[str] | None = None) -> None:
        super().__init__()
        self.rule = rule
        self.templates = templates or []
        self._kind = rule.kind if rule else "signup"
        self._opened_with: tuple | None = None  # the fields as the form opened (see unsaved_changes)

    def compose(self) -> ComposeResult:
        r = self.rule
        with Vertical():
            yield Static(f"Edit rule {r.name} (version {r.version})" if r else "New rule", id="form-title")
            with VerticalScroll():
                with Horizontal(classes="row"):
                    yield Label("Name")
                    yield Input(r.name if r else "", id="name", disabled=r is not None, compact=True,
                                placeholder="lower-case, e.g. winback_90")
                with Horizontal(classes="row"):
                    yield Label("Description")
                    yield Input(r.description if r else "", id="description", compact=True)
                with Horizontal(classes="row"):
                    yield Label("Trigger")
                    yield Select([(k, k) for k in TRIGGERS], value=self._kind, allow_blank=False,
                                 id="kind", compact=True)
                yield Vertical(id="trigger-params")
                with Horizontal(classes="row"):
                    yield Label("Filter")
                    yield Input(r.filter or "" if r else "", id="filter", compact=True,
                                placeholder='segment language, e.g. accepts_email = true and orders >= 1')
                with Horizontal(classes="row"):
                    yield Label("Steps")
                    yield TextArea(steps_text(r) if r else "0h email ", id="steps", compact=True)
                yield Static("  one step per line: DELAY CHANNEL TEMPLATE   e.g. 3d email welcome_2"
                             + (f"   templates: {', '.join(self.templates)}" if self.templates else ""),
                             classes="muted", markup=False)
                with Horizontal(classes="row", id="exits"):
                    yield Label("Exits")
                    for e in EXITS:
                        yield Checkbox(e, value=bool(r and e in r.exits), id=f"exit-{e}", compact=True)
                with Horizontal(classes="row"):
                    yield Label("Re-entry")
                    reentry = "" if not r or r.reentry == "once" else str(r.reentry["after_days"])
                    yield Input(reentry, id="reentry", compact=True, placeholder="empty: once ever; N: again after N days")
                with Horizontal(classes="row"):
                    yield Label("Priority")
                    yield Input(str(r.priority if r else 50), id="priority", compact=True)
                with Horizontal(classes="row"):
                    yield Label("Catch-up")
                    yield Input(r.catch_up if r else "2d", id="catch_up", compact=True,
                                placeholder="skip steps due longer ago than this, e.g. 2d")
                with Horizontal(classes="row"):
                    yield Label("Enabled")
                    yield Checkbox("switched on", value=r.enabled if r else False, id="enabled", compact=True)
            yield Static("", id="form-error", markup=False)
            with Horizontal(id="form-buttons"):
                # The form covers the footer, so the buttons name their keys.
                yield Button("Cancel (esc)", id="cancel")
                yield Button("Save (ctrl+s)", id="save", variant="primary")

    async def on_mount(self) -> None:
        await self._show_params(self._kind, self.rule.trigger if self.rule else {})
        self.query_one("#description" if self.rule else "#name", Input).focus()
        self._opened_with = self._fields()

    def _fields(self) -> tuple:
        """Every field's value, in order (the trigger's parameters change with the trigger)."""
        return tuple(
            (w.id, w.text if isinstance(w, TextArea) else w.value)
            for w in self.query("Input, TextArea, Checkbox, Select")
        )

    def unsaved_changes(self) -> str | None:
        """What cancelling or quitting now would lose, or None."""
        if self._opened_with is None or self._fields() == self._opened_with:
            return None
        return f"rule {self.rule.name}" if self.rule else "the new rule"

    def _show_params(self, kind: str, values: dict):
        box = self.query_one("#trigger-params", Vertical)
        box.remove_children()
        rows = []
        for key, (default, _parse) in TRIGGERS[kind].items():
            hint = f"default {_param_text(default)}" if default is not None else "required"
            if key in LIST_PARAMS:
                hint += " (comma-separated)"
            row = Horizontal(Label(f"  {key}"), Input(_param_text(values.get(key)), id=f"param-{key}",
                                                      placeholder=hint, compact=True), classes="row")
            rows.append(row)
        return box.mount_all(rows)

    @on(Select.Changed, "#kind")
    def _kind_changed(self, event: Select.Changed) -> None:
        if event.value != self._kind and event.value is not Select.NULL:
            self._kind = str(event.value)
            self._show_params(self._kind, {})
            self.validate()

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Checkbox.Changed)
    def _changed(self) -> None:
        self.validate()

    # -- building and checking -------------------------------------------------------------
    def _value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value

    def build(self) -> Rule:
        """The rule the fields describe; raises RuleError with the validator's message."""
        trigger = {"kind": self._kind}
        for key in TRIGGERS[self._kind]:
            inputs = self.query(f"#param-{key}").results(Input)
            for field in inputs:
                value = _param_value(key, field.value)
                if value is not None:
                    trigger[key] = value
        reentry_text = self._value("reentry").strip()
        reentry: str | dict = "once"
        if reentry_text and reentry_text != "once":
            if not reentry_text.isdigit():
                raise RuleError("re-entry: leave empty for once ever, or give a number of days")
            reentry = {"after_days": int(reentry_text)}
        priority_text = self._value("priority").strip()
        if not priority_text.lstrip("-").isdigit():
            raise RuleError("priority: must be a whole number 0-1000")
        filter_text = self._value("filter")
        if filter_text.strip():
            try:  # the segment language's own check, as you type (the store's checks run on save)
                validate_rule(filter_text)
            except SegmentRuleError as exc:
                raise RuleError(f"filter: {exc.reason} (column {exc.column})") from None
        definition = {
            "description": self._value("description"),
            "trigger": trigger,
            "filter": filter_text or None,
            "steps": parse_steps(self.query_one("#steps", TextArea).text),
            "exits": [e for e in EXITS if self.query_one(f"#exit-{e}", Checkbox).value],
            "reentry": reentry,
            "catch_up": self._value("catch_up").strip() or "2d",
        }
        return Rule.from_definition(
            self._value("name").strip(), definition,
            enabled=self.query_one("#enabled", Checkbox).value, priority=int(priority_text),
            version=self.rule.version if self.rule else 0,
        )

    def validate(self) -> Rule | None:
        try:
            rule = self.build()
        except RuleError as exc:
            self.show_error(str(exc))
            return None
        self.show_error("")
        return rule

    def show_error(self, message: str) -> None:
        """Show a refusal (from the form's own check, or from saving) under the fields."""
        self.query_one("#form-error", Static).update(message)

    # -- actions ---------------------------------------------------------------------------
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        rule = self.validate()
        if rule is None:
            return
        creating = self.rule is None

        def save(store) -> Rule:
            if creating and get_rule(store, rule.name) is not None:
                raise RuleError(f"a rule named {rule.name!r} already exists: pick another name")
            return save_rule(store, rule)

        self.query_one("#form-error", Static).update("Saving…")
        run_db(self, save, self.dismiss, group="rule-save", on_error=lambda exc: self.show_error(str(exc)))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        unless_unsaved(self.app, self.unsaved_changes(), lambda: self.dismiss(None))
