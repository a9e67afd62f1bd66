"""The Textual console (placeholder: shows the store's counts until the console issue lands)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static

from lifecycle_tui.store import open_store
from lifecycle_tui.store.queries import store_counts


class LifecycleApp(App):
    TITLE = "Lifecycle console"
    BINDINGS = [("q", "quit", "Quit")]

    def __init__(self, db_path: Path, as_of: datetime | None = None) -> None:
        super().__init__()
        self.db_path = Path(db_path)
        self.as_of = as_of

    def compose(self) -> ComposeResult:
        yield Header()
        with open_store(self.db_path) as store:
            counts = store_counts(store)
        lines = "\n".join(f"{name:>12}: {n:,}" for name, n in counts.items())
        yield Static(f"Store {self.db_path}\n\n{lines}", id="counts")
        yield Footer()


def run_console(db_path: Path, as_of: datetime | None = None) -> None:
    LifecycleApp(db_path, as_of).run()
