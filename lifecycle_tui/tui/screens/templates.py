"""The Templates section (placeholder until the console issue lands)."""

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header, Static


class TemplatesScreen(Screen):
    """Templates."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Templates", id="placeholder")
        yield Footer()
