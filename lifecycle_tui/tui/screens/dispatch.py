"""The Dispatch section (placeholder until the console issue lands)."""

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header, Static


class DispatchScreen(Screen):
    """Dispatch."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Dispatch", id="placeholder")
        yield Footer()
