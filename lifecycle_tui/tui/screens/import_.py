"""The Import section: pick a file, see its format, column mapping and first rows, dry-run it
(inserts, updates, rejections with line numbers), then import it with a progress bar.

Both the dry run and the import call :func:`lifecycle_tui.importers.import_file`, as
``lifecycle import`` does; the dry run is the same work rolled back, so its counts are exact.
The Import button stays disabled until a dry run of the same file, kind and format passed.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, DataTable, Input, ProgressBar, Select, Static

from lifecycle_tui.importers import FORMATS, KINDS, ImportRefused, ImportReport, import_file
from lifecycle_tui.tui.base import SectionScreen
from lifecycle_tui.tui.pasted import pasted_path
from lifecycle_tui.tui.widgets.import_preview import FilePreview, PathInput, PathSuggester, preview_file
from lifecycle_tui.wording import with_article

PROGRESS_STEPS = 200  # progress callbacks forwarded to the UI per import, at most


class ImportScreen(SectionScreen):
    """Import customers, orders or events from a file."""

    SECTION = "Import"
    AUTO_FOCUS = ""  # keep the section keys (1-9, q) working until the user picks the file field
    BINDINGS = [
        Binding("f", "focus_path", "File"),
        Binding("ctrl+r", "dry_run", "Dry run", priority=True),
        Binding("ctrl+s", "commit", "Import", priority=True),
        Binding("escape", "blur", "Leave field", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.preview: FilePreview | None = None
        self.checked: tuple | None = None  # (path, kind, format, skip) of the last clean dry run
        self._last_failure = ""  # the reason the last preview failed, notified once

    def compose_body(self) -> ComposeResult:
        # One scrolling column: at 80x24 the result (the rejected rows) lies below the screen,
        # and moving the focus to it (tab) scrolls it into view; at 120x36 everything fits.
        with VerticalScroll(id="imp-body"):
            with Horizontal(id="imp-bar"):
                yield PathInput(placeholder="File to import (tab completes a path; enter previews)", id="imp-path",
                                suggester=PathSuggester())
                yield Select([(k, k) for k in KINDS], value="customers", allow_blank=False, id="imp-kind")
                yield Select([(f, f) for f in FORMATS], value="auto", allow_blank=False, id="imp-format")
                yield Checkbox("Skip invalid rows", id="imp-skip")
            yield Static("Choose a file: its format, columns and first rows show here before anything is written.",
                         id="imp-detected", classes="muted")
            with Horizontal(id="imp-preview"):
                yield DataTable(id="imp-mapping", cursor_type="row", show_cursor=False)
                yield DataTable(id="imp-rows", cursor_type="row", show_cursor=False, zebra_stripes=True)
            with Horizontal(id="imp-actions"):
                yield Button("Dry run (ctrl+r)", id="imp-dry", variant="primary")
                yield Button("Import (ctrl+s)", id="imp-commit", variant="success", disabled=True)
                yield ProgressBar(id="imp-progress", show_eta=False)
            with Vertical(id="imp-result-box", classes="panel"):
                yield Static("", id="imp-result")
                yield DataTable(id="imp-rejected", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one("#imp-mapping", DataTable).add_columns("Column", "Becomes")
        self.query_one("#imp-rejected", DataTable).add_columns("Line", "Column", "Reason")
        self.query_one("#imp-result-box").border_title = "Result"
        self.query_one("#imp-progress", ProgressBar).display = False  # shown while a run is going

    def action_focus_path(self) -> None:
        self.query_one("#imp-path", Input).focus()

    def action_blur(self) -> None:
        self.set_focus(None)

    def reload(self) -> None:
        """Nothing in the store to show; a store change does not alter a file preview."""

    # -- choosing ------------------------------------------------------------------------------

    def _options(self) -> tuple[str, str, str, bool]:
        path = pasted_path(self.query_one("#imp-path", Input).value)
        kind = str(self.query_one("#imp-kind", Select).value)
        fmt = str(self.query_one("#imp-format", Select).value)
        return path, kind, fmt, self.query_one("#imp-skip", Checkbox).value

    @on(Input.Submitted, "#imp-path")
    def _path_submitted(self) -> None:
        self.load_preview()

    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _options_changed(self) -> None:
        self._invalidate()
        if self.preview is not None:
            self.load_preview()

    @on(Input.Changed, "#imp-path")
    def _path_changed(self) -> None:
        self._invalidate()

    def _invalidate(self) -> None:
        self.checked = None
        self.query_one("#imp-commit", Button).disabled = True

    def load_preview(self) -> None:
        path, kind, fmt, _ = self._options()
        if not path:
            return
        self.run_db(lambda _store: preview_file(path, kind, fmt), self._show_preview, group="imp-preview",
                    on_error=self._preview_failed)

    def _preview_failed(self, exc: BaseException) -> None:
        # Shown in place of the preview (the old file's rows would look like this file's), and
        # notified once per reason: a dry run right after a failed preview says it again.
        self.preview = None
        self.query_one("#imp-detected", Static).update(Text(str(exc), style="bold red"))
        self.query_one("#imp-mapping", DataTable).clear()
        self.query_one("#imp-rows", DataTable).clear(columns=True)
        if str(exc) != self._last_failure:
            self.lifecycle.report_error(exc, title="Import")
        self._last_failure = str(exc)

    def _show_preview(self, p: FilePreview) -> None:
        self.preview = p
        self._last_failure = ""
        kind = str(self.query_one("#imp-kind", Select).value)
        line = Text.assemble(("Detected: ", "bold"), p.describe())
        if p.kind and p.kind != kind:
            line.append(f"  — this is {with_article(p.kind)} file; choose {p.kind} "
                        "to import it", style="bold yellow")
        self.query_one("#imp-detected", Static).update(line)
        mapping = self.query_one("#imp-mapping", DataTable)
        mapping.clear()
        for column, target in p.mapping:
            mapping.add_row(column, Text(target, style="dim" if target.startswith(("kept", "read")) else "green"))
        rows = self.query_one("#imp-rows", DataTable)
        rows.clear(columns=True)
        rows.add_column("Line")
        for h in p.header:
            rows.add_column(h[:18])
        for n, cells in enumerate(p.rows, start=2 if p.format != "jsonl" else 1):
            padded = (list(cells) + [""] * len(p.header))[: max(len(p.header), 1)]
            rows.add_row(str(n), *(c[:24] for c in padded))

    # -- dry run and import --------------------------------------------------------------------

    def action_dry_run(self) -> None:
        self._run(dry_run=True)

    def action_commit(self) -> None:
        if self.query_one("#imp-commit", Button).disabled:
            self.notify("Run a dry run first (ctrl+r): the import is allowed once it passes.", severity="warning")
            return
        self._run(dry_run=False)

    @on(Button.Pressed, "#imp-dry")
    def _dry_pressed(self) -> None:
        self.action_dry_run()

    @on(Button.Pressed, "#imp-commit")
    def _commit_pressed(self) -> None:
        self.action_commit()

    def _run(self, dry_run: bool) -> None:
        options = self._options()
        path, kind, fmt, skip = options
        if not path:
            self.notify("Choose a file first.", severity="warning")
            self.query_one("#imp-path", Input).focus()
            return
        if self.preview is None or str(self.preview.path) != path:
            self.load_preview()
            if not Path(path).expanduser().is_file():
                return  # the preview says so; the run would only say it again
        as_of = self.as_of
        bar = self.query_one("#imp-progress", ProgressBar)
        bar.display = True
        bar.update(total=None, progress=0)
        app = self.app
        step = {"last": -1}

        def progress(done: int, total: int) -> None:
            # Forward at most PROGRESS_STEPS updates: call_from_thread waits for the UI each time.
            tick = done * PROGRESS_STEPS // max(total, 1)
            if tick != step["last"]:
                step["last"] = tick
                app.call_from_thread(bar.update, total=total, progress=done)

        def work(store) -> ImportReport:
            report = import_file(store, path, kind, fmt, at=as_of, dry_run=dry_run, skip_invalid=skip,
                                 progress=progress)
            if not dry_run and report.changed:
                from lifecycle_tui.segments import ensure_metrics

                ensure_metrics(store, as_of)  # new customers get their stage at once, as the CLI does
            return report

        self.query_one("#imp-result", Static).update("Dry run…" if dry_run else "Importing…")
        self.query_one("#imp-commit", Button).disabled = True
        self.run_db(work, lambda r: self._show_report(r, options), group="imp-run",
                    on_error=lambda exc: self._refused(exc, dry_run))

    def _show_report(self, r: ImportReport, options: tuple) -> None:
        bar = self.query_one("#imp-progress", ProgressBar)
        bar.update(total=1, progress=1)
        done = "to " if r.dry_run else ""  # a dry run tells what the import would do
        head = Text.assemble(
            ("Dry run: nothing written. " if r.dry_run else "Imported. ", "bold"),
            (f"{r.inserted:,} {done}insert" + ("" if r.dry_run else "ed"), "green"), " · ",
            (f"{r.updated:,} {done}update" + ("" if r.dry_run else "d"), "cyan"), " · ",
            f"{r.unchanged:,} unchanged", " · ", (f"{r.rejected_total:,} rejected", "red" if r.rejected_total else ""),
            f"   ({r.rows:,} rows, {r.format})",
        )
        if r.customers_created:
            head.append(f"\n{r.customers_created:,} customers created from the file's emails.")
        if r.consent_kept_off:
            head.append(f"\n{r.consent_kept_off:,} unsubscribed or suppressed contacts kept unsubscribed.")
        if r.unknown_columns:
            head.append(f"\nKept as attributes: {', '.join(r.unknown_columns)}", style="dim")
        for note in r.notes:
            head.append(f"\n{note}", style="dim")
        self.query_one("#imp-result", Static).update(head)
        self._show_rejected([e.to_json() for e in r.rejected])
        if r.dry_run:
            self.checked = options
            self.query_one("#imp-commit", Button).disabled = False
            self.notify("Dry run done: ctrl+s imports it.")
        else:
            self.checked = None
            self.notify(f"Imported {Path(r.file).name}: {r.inserted:,} inserted, {r.updated:,} updated.")

    def _refused(self, exc: BaseException, dry_run: bool) -> None:
        self.query_one("#imp-progress", ProgressBar).display = False
        verb = "The dry run refused the file" if dry_run else "The import was refused"
        hint = "\nTick “Skip invalid rows” to import the other rows." if getattr(exc, "skippable", False) else ""
        self.query_one("#imp-result", Static).update(
            Text.assemble((f"{verb}; nothing was written.\n", "bold red"), str(exc), hint))
        self._show_rejected(getattr(exc, "rejected", []) if isinstance(exc, ImportRefused) else [])
        self.lifecycle.report_error(exc, title="Import")

    def _show_rejected(self, rows: list[dict]) -> None:
        table = self.query_one("#imp-rejected", DataTable)
        table.clear()
        for e in rows:
            table.add_row(str(e.get("line", "")), str(e.get("column", "")), str(e.get("reason", "")))
