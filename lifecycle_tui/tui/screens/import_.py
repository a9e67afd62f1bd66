"""The Import section (placeholder until the console issue lands)."""

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header, Static


class ImportScreen(Screen):
    """Import."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Import", id="placeholder")
        yield Footer()
