"""The Segments section (placeholder until the console issue lands)."""

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header, Static


class SegmentsScreen(Screen):
    """Segments."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Segments", id="placeholder")
        yield Footer()
