"""The Segments section: saved and built-in segments with live counts, and an editor for the
segment language that checks the rule as you type, counts members and shows a sample.

Parsing (``validate_rule``) is pure and quick, so it runs on every keystroke on the UI thread;
counting and the member sample touch the store, so they run debounced in a worker.
Save, delete and export call the segments package, as ``lifecycle segments add|export`` do.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import Button, DataTable, Input, Static, TextArea

from lifecycle_tui import segments
from lifecycle_tui.segments.saved import RFM_PREFIX, STAGE_PREFIX
from lifecycle_tui.store.browse import CustomerQuery, customer_page
from lifecycle_tui.tui.base import SectionScreen, highlighted_key
from lifecycle_tui.tui.pasted import pasted_path
from lifecycle_tui.tui.widgets import format as fmt
from lifecycle_tui.tui.widgets.dialogs import ConfirmDialog, PromptDialog, unless_unsaved
from lifecycle_tui.tui.widgets.row_table import RowTable
from lifecycle_tui.wording import noun

SAMPLE_SIZE = 8
COUNT_DEBOUNCE = 0.35


class SegmentsScreen(SectionScreen):
    """List on the left, editor on the right."""

    SECTION = "Segments"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("n", "new", "New"),
        Binding("d", "delete", "Delete"),
        Binding("e", "export", "Export CSV"),
        Binding("escape", "focus_list", "List", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.editing: str | None = None  # the saved segment loaded into the editor
        self.loaded: tuple[str, str] = ("", "")  # (name, rule) as loaded or last saved: what "unsaved" compares with
        self.rule_error = ""  # why the rule in the editor is refused ("" when it is valid)
        self._debounce: Timer | None = None
        self._segments: dict[str, segments.Segment] = {}

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="seg-main"):
            with Vertical(id="seg-list-box", classes="panel"):
                yield RowTable(id="seg-list", cursor_type="row", zebra_stripes=True)
                yield Static("enter edit · n new · d delete · e export", classes="muted")
            with Vertical(id="seg-editor", classes="panel"):
                yield Input(placeholder="Segment name", id="seg-name")
                yield TextArea("", id="seg-rule", soft_wrap=True, show_line_numbers=False)
                yield Static("", id="seg-error")
                yield Static("", id="seg-count")
                yield DataTable(id="seg-sample", cursor_type="row", show_cursor=False)
                with Horizontal(id="seg-buttons"):
                    yield Button("Save (ctrl+s)", variant="primary", id="seg-save")
                    yield Button("Delete (d)", variant="error", id="seg-delete")
                    yield Button("Export CSV (e)", id="seg-export")

    def on_mount(self) -> None:
        self.query_one("#seg-list-box").border_title = "Segments"
        self.query_one("#seg-editor").border_title = "Editor"
        self.query_one("#seg-list", DataTable).add_columns("Segment", "Members")
        self.query_one("#seg-sample", DataTable).add_columns("Customer", "Name", "Email", "Stage", "RFM")
        self.query_one("#seg-rule", TextArea).placeholder = 'e.g. orders >= 2 and days_since_last_order > 90'
        self.query_one("#seg-list", DataTable).focus()

    # -- the list ------------------------------------------------------------------------------

    def reload(self) -> None:
        as_of = self.as_of

        def load(store):
            found = segments.list_segments(store)
            # Built-ins in two grouped reads (the `lifecycle stages` / `rfm` figures); saved ones one by one.
            builtin = {STAGE_PREFIX + r["stage"]: r["customers"] for r in segments.stage_counts(store, as_of)["stages"]}
            builtin |= {RFM_PREFIX + r["segment"]: r["customers"] for r in segments.rfm_report(store, as_of, scores=False)["segments"]}
            return [(s, builtin[s.name] if s.name in builtin else segments.count_segment(store, s.rule, as_of))
                    for s in found]

        self.run_db(load, self._show_list, group="seg-list")
        self._schedule_count(0)

    def _show_list(self, rows: list) -> None:
        table = self.query_one("#seg-list", DataTable)
        keep = table.cursor_row
        table.clear()
        self._segments = {s.name: s for s, _ in rows}
        for s, n in rows:
            label = s.name if s.builtin else f"★ {s.name}"
            table.add_row(label, fmt.count(n), key=s.name)
        if table.row_count:
            table.move_cursor(row=min(keep, table.row_count - 1), animate=False)

    def _selected(self) -> segments.Segment | None:
        key = highlighted_key(self.query_one("#seg-list", DataTable))
        return None if key is None else self._segments.get(str(key))

    @on(DataTable.RowSelected, "#seg-list")
    def _edit_selected(self, event: DataTable.RowSelected) -> None:
        seg = self._segments.get(str(event.row_key.value))
        if seg is None:
            return
        self._unless_unsaved(lambda: self._load(seg))

    def _load(self, seg) -> None:
        # A built-in is a starting point: saving it needs a new name.
        self.editing = None if seg.builtin else seg.name
        self.query_one("#seg-name", Input).value = "" if seg.builtin else seg.name
        self.query_one("#seg-rule", TextArea).text = seg.rule
        self.loaded = ("" if seg.builtin else seg.name, seg.rule)
        self.query_one("#seg-rule", TextArea).focus()

    @property
    def modified(self) -> bool:
        """The editor holds a name or rule that was not saved."""
        now = (self.query_one("#seg-name", Input).value.strip(), self.query_one("#seg-rule", TextArea).text.strip())
        return now != (self.loaded[0].strip(), self.loaded[1].strip())

    def unsaved_changes(self) -> str | None:
        """What quitting now would lose (the app asks before it quits)."""
        return "the segment in the editor" if self.modified else None

    def _unless_unsaved(self, then) -> None:
        """Run ``then`` (which replaces the editor's text) at once, or after the owner agreed to
        lose the unsaved edit."""
        unless_unsaved(self.app, self.unsaved_changes(), then)

    # -- the editor ----------------------------------------------------------------------------

    @on(TextArea.Changed, "#seg-rule")
    def _rule_changed(self) -> None:
        self._schedule_count(COUNT_DEBOUNCE)

    def _check(self, text: str) -> bool:
        """Parse the rule now; show the error with its position. True when the rule is valid."""
        error = self.query_one("#seg-error", Static)
        self.rule_error = "the rule is empty." if not text.strip() else ""
        if not text.strip():
            error.update("")
            return False
        try:
            segments.validate_rule(text)
        except segments.SegmentRuleError as exc:
            self.rule_error = f"{exc.reason} (column {exc.with_text(text).column})"
            error.update(_error_text(exc, text, error.content_size.width or 60))
            return False
        error.update(Text("✓ valid rule", style="green"))
        return True

    def _schedule_count(self, delay: float) -> None:
        text = self.query_one("#seg-rule", TextArea).text
        if self._debounce is not None:
            self._debounce.stop()
        if not self._check(text):
            self.query_one("#seg-count", Static).update("")
            self.query_one("#seg-sample", DataTable).clear()
            return
        self._debounce = self.set_timer(delay, lambda: self._count(text)) if delay else None
        if not delay:
            self._count(text)

    def _count(self, text: str) -> None:
        as_of = self.as_of

        def load(store):
            n = segments.count_segment(store, text, as_of)
            sql, params = segments.segment_where(text, as_of)
            page = customer_page(store, CustomerQuery(filter_sql=sql, filter_params=params), limit=SAMPLE_SIZE)
            return n, page.rows

        self.run_db(load, self._show_count, group="seg-count")

    def _show_count(self, result: tuple[int, list[dict]]) -> None:
        n, rows = result
        self.query_one("#seg-count", Static).update(f"[b]{n:,}[/] {noun(n, 'member')} now")
        sample = self.query_one("#seg-sample", DataTable)
        sample.clear()
        for r in rows:
            sample.add_row(r["customer_id"], fmt.full_name(r), r["email"] or "", r["stage"] or "-", r["rfm_segment"] or "-")

    # -- actions -------------------------------------------------------------------------------

    def action_new(self) -> None:
        self._unless_unsaved(self._clear)

    def _clear(self) -> None:
        self.editing = None
        self.loaded = ("", "")
        self.query_one("#seg-name", Input).value = ""
        self.query_one("#seg-rule", TextArea).text = ""
        self.query_one("#seg-name", Input).focus()

    def action_focus_list(self) -> None:
        self.query_one("#seg-list", DataTable).focus()

    def action_save(self) -> None:
        name = self.query_one("#seg-name", Input).value.strip()
        rule = self.query_one("#seg-rule", TextArea).text
        if not name:
            self.notify("Give the segment a name first.", severity="warning")
            self.query_one("#seg-name", Input).focus()
            return
        if not self._check(rule):
            self.notify(f"Fix the rule first: {self.rule_error}", severity="warning")
            return
        replace = self.editing is not None and self.editing.lower() == name.lower()

        def save(store):
            return segments.add_segment(store, name, rule, replace=replace)

        def saved(seg) -> None:
            self.editing = seg.name
            self.loaded = (seg.name, seg.rule)
            self.notify(f"Saved segment {seg.name!r}.")
            self.reload()

        self.run_db(save, saved, group="seg-write", exclusive=False)

    def action_delete(self) -> None:
        seg = self._selected()
        if seg is None:
            return
        if seg.builtin:
            self.notify(f"{seg.name!r} is built in and cannot be deleted.", severity="warning")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_db(lambda store: segments.remove_segment(store, seg.name), lambda _: self._deleted(seg.name),
                            group="seg-write", exclusive=False,
                            on_error=lambda exc: self.notify(str(exc), title="Not deleted", severity="warning"))

        self.app.push_screen(ConfirmDialog(f"Delete the segment {seg.name!r}? Its rule is lost.", "Delete"), answered)

    def _deleted(self, name: str) -> None:
        self.notify(f"Deleted segment {name!r}.")
        if self.editing == name:
            self._clear()
        self.reload()

    def action_export(self) -> None:
        seg = self._selected()
        if seg is None:
            return
        default = str(Path.cwd() / (seg.name.replace(": ", "-").replace(" ", "_") + ".csv"))
        as_of = self.as_of

        def write(path: str, overwrite: bool) -> None:
            self.run_db(lambda store: segments.export_csv(store, seg.rule, as_of, Path(path), overwrite=overwrite),
                        lambda n: self.notify(f"Exported {n:,} customers of {seg.name!r} to {path}."),
                        group="seg-write", exclusive=False,
                        on_error=lambda exc: self.notify(str(exc), title="Not exported", severity="warning"))

        def answered(text: str | None) -> None:
            path = pasted_path(text or "")
            if not path:
                return
            if Path(path).expanduser().is_file():
                self.app.push_screen(ConfirmDialog(f"{path} already exists. Replace it with this export?", "Replace"),
                                     lambda yes: write(path, True) if yes else None)
            else:
                write(path, False)

        self.app.push_screen(PromptDialog(f"Export {seg.name!r} to CSV file:", default), answered)

    @on(Button.Pressed, "#seg-save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#seg-delete")
    def _delete_pressed(self) -> None:
        self.action_delete()

    @on(Button.Pressed, "#seg-export")
    def _export_pressed(self) -> None:
        self.action_export()


def _error_text(exc, text: str, width: int) -> Text:
    """The reason, then the rule line with a caret under the offending spot. A line wider than
    ``width`` is shown as the part around the spot (cut ends marked "…"), so it never wraps and
    the caret stays under the right character."""
    line_start = text.rfind("\n", 0, exc.position) + 1
    line_end = text.find("\n", exc.position)
    line = text[line_start: None if line_end < 0 else line_end]
    col = exc.position - line_start
    out = Text.assemble(("✗ ", "bold red"), (f"{exc.reason} (column {col + 1})", "red"), "\n")
    shown, at = _around(line, col, max(width, 12))
    out.append(shown.replace(" ", "\u00a0") + "\n")  # non-breaking: keep the caret aligned
    out.append("\u00a0" * at + "^", style="bold red")
    return out


def _around(line: str, col: int, width: int) -> tuple[str, int]:
    """``line`` cut to at most ``width`` characters around ``col`` (a cut end shows "…"), and
    where ``col`` is in what is shown."""
    if len(line) <= width:
        return line, col
    room = width - 2  # a "…" at either end
    start = max(0, min(col - room // 2, len(line) - room))
    shown = line[start: start + room]
    if start:
        shown, col = "…" + shown, col + 1
    if start + room < len(line):
        shown += "…"
    return shown, col - start
