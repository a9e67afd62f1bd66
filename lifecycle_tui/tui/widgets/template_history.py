"""Version history of one template: every saved version, its text beside it, Enter restores.

Dismisses with the version number to restore (the screen restores it as a new version, so
history is never rewritten), or None on Escape.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Static, TextArea

from lifecycle_tui.messages.repository import get_version
from lifecycle_tui.tui.base import highlighted_key, run_db
from lifecycle_tui.tui.screens.ops_common import minute, short


class TemplateHistory(ModalScreen[int | None]):
    """Versions of ``name`` (dicts from ``list_versions``), newest first."""

    DEFAULT_CSS = """
    TemplateHistory { align: center middle; }
    TemplateHistory > Vertical {
        width: 110; height: 32; max-width: 100%; max-height: 100%;  /* framed at 80x24 too */
        border: thick $accent; background: $surface;
    }
    TemplateHistory #history-title { padding: 0 1; text-style: bold; color: $accent; }
    TemplateHistory #history-table { width: 52; max-width: 60%; height: 1fr; }
    TemplateHistory #history-source { width: 1fr; height: 1fr; }
    """
    BINDINGS = [Binding("escape", "close", "Close"), Binding("enter", "restore", "Restore this version")]

    def __init__(self, name: str, versions: list[dict]) -> None:
        super().__init__()
        self.template_name = name
        self.versions = sorted(versions, key=lambda v: -v["version"])

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"Versions of {self.template_name}: Enter restores the highlighted one as a new version",
                         id="history-title", markup=False)
            with Horizontal():
                table = DataTable(id="history-table", cursor_type="row")
                table.add_columns("Ver", "Saved", "How", "Note")
                for v in self.versions:
                    how = v["origin"] + (" (current)" if v["current"] else "")
                    table.add_row(str(v["version"]), minute(v["saved_at"]), how, short(v["note"] or "", 18),
                                  key=str(v["version"]))
                yield table
                yield TextArea("", id="history-source", read_only=True, soft_wrap=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#history-table", DataTable).focus()

    @on(DataTable.RowHighlighted, "#history-table")
    def _show(self, event: DataTable.RowHighlighted) -> None:
        version, name = int(event.row_key.value), self.template_name
        run_db(self, lambda store: get_version(store, name, version),
               lambda text: self.query_one("#history-source", TextArea).load_text(text), group="history-source")

    @on(DataTable.RowSelected, "#history-table")
    def action_restore(self) -> None:
        key = highlighted_key(self.query_one("#history-table", DataTable))
        if key is not None:
            self.dismiss(int(key))

    def action_close(self) -> None:
        self.dismiss(None)
