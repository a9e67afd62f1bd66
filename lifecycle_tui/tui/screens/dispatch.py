"""The Dispatch section: dry-run the plan, look at each decision and message, then run it.

Pick the rules (all enabled, or one), the as-of time (the console's, editable) and the
transport. ``d`` computes, in a thread worker, the plan a run would send (nothing is sent) and
lists it grouped by rule and action with the reasons. Like ``lifecycle dispatch run``, it first
resolves what an interrupted run left behind (:func:`~lifecycle_tui.automation.dispatcher.plan_to_run`),
so a message released from a dead run's claim is in the plan on screen and is sent by ``r``.
Highlighting a decision shows its message (Enter: full screen) from
:func:`lifecycle_tui.automation.preview.preview`, the function behind ``lifecycle dispatch
preview``, so both show the same bytes. ``r`` asks for confirmation
(:class:`ConfirmRun`, with the counts) and sends the plan on screen through the transport
with a progress bar; the run's outcome, and any error, is shown, never swallowed.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.timer import Timer
from textual.widgets import Button, DataTable, Input, ProgressBar, Select, Static

from lifecycle_tui.automation.dispatcher import RunReport, plan_to_run, run_plan
from lifecycle_tui.automation.planner import Plan, plan
from lifecycle_tui.automation.preview import preview
from lifecycle_tui.automation.rules import list_rules
from lifecycle_tui.automation.runlock import DispatchBusyError
from lifecycle_tui.automation.transports import DEFAULT_TRANSPORT, transport_names
from lifecycle_tui.store.timeutil import parse_as_of, to_iso
from lifecycle_tui.tui.base import SectionScreen
from lifecycle_tui.tui.screens.ops_common import minute, short
from lifecycle_tui.tui.widgets.confirm_run import ConfirmRun, run_summary
from lifecycle_tui.tui.widgets.message_view import MessageView
from lifecycle_tui.tui.widgets.row_table import RowTable
from lifecycle_tui.wording import sentence

ALL = "__all__"
ACTION_ORDER = {"send": 0, "defer": 1, "skip": 2}
ACTION_STYLE = {"send": "green", "defer": "yellow", "skip": "dim"}
MAX_ROWS_PER_GROUP = 300  # a long group shows its first rows and a count of the rest
COLUMNS = ("Rule / customer", "Step", "Due (UTC)", "Action · reason")
PREVIEW_DELAY = 0.15
PREVIEW_HINT = "Highlight a customer row to see the message, exactly as `lifecycle dispatch preview` shows it."


def as_of_text(as_of: datetime | None) -> str:
    """The as-of as the field shows it: UTC, to the minute unless it has seconds
    (``2026-06-30 18:00``; the whole ISO form did not fit the field). Read back as UTC."""
    if as_of is None:
        return ""
    iso = to_iso(as_of)
    return minute(iso) if iso[17:19] == "00" else iso[:19].replace("T", " ")


def plan_for_screen(store, as_of: datetime, rule: str | None) -> tuple[Plan, bool]:
    """The plan to show and run, and whether an interrupted run was resolved first.

    While another process runs dispatch (its lock is held) nothing is resolved: the plan is
    still shown, with a note, and ``r`` will be refused until that run ends.
    """
    options = {"include_disabled": True, "keep_messages": None}  # a big plan keeps no messages
    try:
        result, recovered = plan_to_run(store, as_of, rule, **options)
    except DispatchBusyError as exc:
        result = plan(store, as_of, rule, **options)
        result.notes.append(f"not sendable now: {exc}")
        return result, False
    if recovered:
        result.notes.insert(0, recovered.describe())
    return result, bool(recovered)


def grouped(decisions, rule_order: list[str]) -> list[tuple[tuple[str, str], list[tuple[int, object]]]]:
    """Decisions (with their index in the plan) grouped by (rule, action), rules in plan order."""
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for i, d in enumerate(decisions):
        groups[(d.rule, d.action)].append((i, d))
    rank = {r: n for n, r in enumerate(rule_order)}
    return sorted(groups.items(), key=lambda kv: (rank.get(kv[0][0], len(rank)), kv[0][0], ACTION_ORDER[kv[0][1]]))


class DispatchScreen(SectionScreen):
    """Dispatch: d dry-runs, r runs (after confirmation); the highlighted row's message on the right."""

    SECTION = "Dispatch"
    CSS_PATH = "../screens_b.tcss"
    BINDINGS = [
        Binding("d", "dry_run", "Dry-run"),
        Binding("r", "run", "Run…"),
        Binding("escape", "focus_plan", "Leave the field", show=False),  # as-of, rule or transport
    ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.plan: Plan | None = None
        self.plan_scope: str | None = None  # the rule the plan is for (None: all enabled rules)
        self.enabled: dict[str, bool] = {}
        self.busy = False
        self.stale = False
        self.last_run: str | None = None  # the outcome of the latest run from this screen
        self.recovery_note: str | None = None  # what the last plan resolved of an interrupted run
        self._preview_timer: Timer | None = None

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="dispatch-controls"):
            yield Select([("All enabled rules", ALL)], value=ALL, allow_blank=False, id="dispatch-rule")
            yield Input("", id="dispatch-as-of", placeholder="as of (date and time, UTC)")
            yield Select([(t, t) for t in transport_names()], value=DEFAULT_TRANSPORT, allow_blank=False,
                         id="dispatch-transport")
            yield Button("Dry-run", id="dry-run", variant="primary")
            yield Button("Run…", id="run", variant="warning", disabled=True)
        yield ProgressBar(id="dispatch-progress", show_eta=False)
        yield Static("Press d for a dry-run: the plan at the as-of time, nothing is sent or written.",
                     id="dispatch-status", classes="status-line")
        with Horizontal(id="dispatch-body"):
            table = RowTable(id="plan-table", cursor_type="row")
            table.add_columns(*COLUMNS)
            yield table
            with VerticalScroll(id="plan-message"):
                yield Static("", id="plan-message-body", markup=False)

    def on_mount(self) -> None:
        self.query_one("#dispatch-progress").display = False
        self.query_one("#plan-table", DataTable).focus()
        self.query_one("#plan-message", VerticalScroll).border_title = "Message"
        self.query_one("#dispatch-as-of", Input).value = as_of_text(self.as_of)
        self.watch(self.app, "as_of", self._console_as_of_moved, init=False)

    def action_focus_plan(self) -> None:
        self.query_one("#plan-table", DataTable).focus()

    def _console_as_of_moved(self, as_of: datetime | None) -> None:
        """The console's as-of changed: plan at the new time from now on."""
        self.query_one("#dispatch-as-of", Input).value = as_of_text(as_of)

    # -- loading ---------------------------------------------------------------------------
    def reload(self) -> None:
        self.run_db(lambda store: [(r.name, r.enabled) for r in list_rules(store)], self._show_rules,
                    group="dispatch-rules")

    def _show_rules(self, rules: list[tuple[str, bool]]) -> None:
        self.enabled = dict(rules)
        select = self.query_one("#dispatch-rule", Select)
        current = select.value
        with select.prevent(Select.Changed):
            select.set_options([("All enabled rules", ALL)] +
                               [(name + ("" if on else " (disabled)"), name) for name, on in rules])
            select.value = current if current == ALL or current in self.enabled else ALL

    def store_changed(self, version: int) -> None:
        if self.busy:
            return  # our own run commits message by message; the plan is refreshed when it ends
        self.reload()
        if self.plan is not None:
            self.stale = True
            self.action_dry_run()

    # -- dry-run ---------------------------------------------------------------------------
    def _as_of(self) -> datetime | None:
        text = self.query_one("#dispatch-as-of", Input).value.strip()
        if not text:
            return self.as_of
        try:
            return parse_as_of(text)
        except ValueError as exc:
            self.app.report_error(ValueError(f"as of: {exc}"))
            return None

    def _scope(self) -> str | None:
        value = self.query_one("#dispatch-rule", Select).value
        return None if value in (ALL, Select.NULL) else str(value)

    @on(Button.Pressed, "#dry-run")
    def action_dry_run(self) -> None:
        as_of = self._as_of()
        if as_of is None or self.busy:
            return
        rule = self._scope()
        self._set_busy(True, f"Planning {'rule ' + rule if rule else 'all enabled rules'} as of {minute(to_iso(as_of))} UTC…")
        # A big plan keeps no messages (previews render the highlighted one; a run renders as it sends).
        self.run_db(lambda store: plan_for_screen(store, as_of, rule), self._show_plan,
                    group="dispatch-plan", on_error=self._failed)

    def _show_plan(self, planned: tuple[Plan, bool]) -> None:
        result, recovered = planned
        self._set_busy(False)
        if recovered:
            # Kept on the status line until the next run: the plan made again a second later (the
            # recovery's own commit counts as a change to the store) has nothing left to resolve.
            self.recovery_note = result.notes[0]
            self.notify(self.recovery_note, title="Interrupted run resolved", severity="warning", timeout=10)
        elif self.recovery_note:
            result.notes.insert(0, self.recovery_note)
        self.plan, self.plan_scope, self.stale = result, self._scope(), False
        table = self.query_one("#plan-table", DataTable)
        table.clear()
        for (rule, action), items in grouped(result.decisions, result.rules):
            style = ACTION_STYLE[action]
            table.add_row(Text(short(rule, 24), style="bold"), "", "",
                          Text.from_markup(f"[{style} b]{action} {len(items)}[/]"), key=f"g:{rule}:{action}")
            for i, d in items[:MAX_ROWS_PER_GROUP]:
                table.add_row(Text("  " + short(d.customer_id, 20)), f"{d.step} {d.channel}",
                              minute(d.defer_until or d.due_at)[5:],
                              Text(short(action + (f": {d.reason}" if d.reason else ""), 30), style=style),
                              key=f"d:{i}")
            if len(items) > MAX_ROWS_PER_GROUP:
                table.add_row(f"  … {len(items) - MAX_ROWS_PER_GROUP} more", "", "", "", key=f"m:{rule}:{action}")
        s = result.summary
        notes = ("\n" + "; ".join(result.notes)) if result.notes else ""
        self._status((f"{sentence(self.last_run)} Now: " if self.last_run else "") + (f"Plan as of {minute(to_iso(result.as_of))} UTC: {s['send']} to send, {s['skip']} skipped, "
                     f"{s['defer']} deferred{notes}" if s["total"] else
                     f"Nothing is due as of {minute(to_iso(result.as_of))} UTC.{notes}"))
        self.query_one("#run", Button).disabled = not s["send"]
        self.query_one("#plan-message-body", Static).update(PREVIEW_HINT if s["total"] else "")

    # -- the highlighted decision's message ------------------------------------------------
    @on(DataTable.RowHighlighted, "#plan-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self._preview_timer is not None:
            self._preview_timer.stop()
        key = event.row_key.value or ""
        if not key.startswith("d:") or self.plan is None:
            self.query_one("#plan-message-body", Static).update(PREVIEW_HINT if self.plan and self.plan.decisions else "")
            return
        d = self.plan.decisions[int(key[2:])]
        # A short pause so that scrolling through the table does not render every row passed.
        self._preview_timer = self.set_timer(PREVIEW_DELAY, lambda: self._load_preview(d))

    @on(DataTable.RowSelected, "#plan-table")
    def _open_full(self, event: DataTable.RowSelected) -> None:
        """Enter on a decision: its message full-screen."""
        key = event.row_key.value or ""
        if not key.startswith("d:") or self.plan is None:
            return
        d, as_of = self.plan.decisions[int(key[2:])], self.plan.as_of
        title = f"{d.rule} step {d.step} → {d.customer_id} ({d.channel}, {d.template})"
        self.run_db(lambda store: preview(store, d.rule, d.customer_id, as_of, step=d.step).text(),
                    lambda text: self.app.push_screen(MessageView(title, text)), group="dispatch-open")

    @on(Input.Submitted, "#dispatch-as-of")
    def _as_of_entered(self) -> None:
        self.action_dry_run()

    def _load_preview(self, d) -> None:
        as_of = self.plan.as_of
        self.run_db(lambda store: preview(store, d.rule, d.customer_id, as_of, step=d.step).text(),
                    lambda text: self.query_one("#plan-message-body", Static).update(text),
                    group="dispatch-preview")

    # -- run -------------------------------------------------------------------------------
    @on(Button.Pressed, "#run")
    def action_run(self) -> None:
        if self.busy or self.plan is None:
            self.notify("Dry-run first (d): the run sends the plan you see.", severity="warning")
            return
        if self.stale or self.plan_scope != self._scope():
            self.notify("The plan on screen is out of date: dry-run again (d).", severity="warning")
            return
        if self.plan_scope is not None and not self.enabled.get(self.plan_scope, False):
            self.app.report_error(ValueError(f"rule {self.plan_scope!r} is disabled: enable it in Rules (5) to send"))
            return
        sends = sum(1 for d in self.plan.decisions if d.action == "send")
        if not sends:
            self.notify("Nothing to send in this plan.")
            return
        transport = str(self.query_one("#dispatch-transport", Select).value)
        summary = run_summary(self.plan.decisions, transport, f"{minute(to_iso(self.plan.as_of))} UTC",
                              self.plan_scope or "all enabled rules")
        the_plan, scope = self.plan, self.plan_scope  # send exactly the plan the counts were taken from
        self.app.push_screen(ConfirmRun(summary, sends), lambda ok: ok and self._start_run(the_plan, scope, transport))

    def _start_run(self, the_plan: Plan, scope: str | None, transport: str) -> None:
        self.recovery_note = None
        self._set_busy(True, f"Sending through {transport}…", determinate=True)

        def progress(done: int, total: int) -> None:  # called in the worker thread
            self.app.call_from_thread(self._progress, done, total)

        def send(store) -> RunReport | Plan:
            # Planned again now: a rule switched off, a template saved or an import since the dry-run
            # (perhaps in another terminal, within the second before the console notices) must not
            # be sent from the old plan. The same messages go out, rendered from what is saved now;
            # different ones are shown instead, and nothing is sent.
            fresh, _ = plan_for_screen(store, the_plan.as_of, scope)
            if fresh.sends() != the_plan.sends():
                return fresh
            return run_plan(store, fresh, transport, progress, rule_filter=scope)

        self.run_db(send, self._run_done, group="dispatch-run", on_error=self._failed)

    def _progress(self, done: int, total: int) -> None:
        self.query_one("#dispatch-progress", ProgressBar).update(total=max(total, 1), progress=done)

    def _run_done(self, report: RunReport | Plan) -> None:
        self._set_busy(False)
        if isinstance(report, Plan):  # the plan changed since it was confirmed
            self._show_plan((report, False))
            self.app.report_error(ValueError(
                "The plan changed since the dry-run (a rule, template, setting or the data changed): "
                "nothing was sent. Here is the plan as it is now; press r to send it."), title="Not sent")
            return
        left = report.left_note()
        text = f"Run #{report.run_id} ({report.transport}): {report.counts()}." + (f" {left}" if left else "")
        if report.status != "done" or report.failed or report.unknown:
            why = f"{report.stopped_reason}\n{left}" if report.stopped_reason and left else report.stopped_reason
            self.app.report_error(ValueError(why or text), title=f"Run #{report.run_id}: {report.status}")
        else:
            self.notify(text, title="Run done")
        self.plan, self.last_run = None, text
        self.action_dry_run()  # show what is left (normally nothing due now)

    # -- helpers ---------------------------------------------------------------------------
    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self._status(f"Failed: {exc}")
        self.app.report_error(exc)

    def _set_busy(self, busy: bool, message: str | None = None, determinate: bool = False) -> None:
        self.busy = busy
        bar = self.query_one("#dispatch-progress", ProgressBar)
        bar.display = busy
        if busy:
            bar.update(total=None if not determinate else 1, progress=0)
        for button in ("#dry-run", "#run"):
            self.query_one(button, Button).disabled = busy or (button == "#run" and self.plan is None)
        if message:
            self._status(message)

    def _status(self, text: str) -> None:
        # Text, not markup: notes and errors quote rule names, paths and exception messages.
        self.query_one("#dispatch-status", Static).update(Text(text))
