"""The Rules section (placeholder until the console issue lands)."""

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header, Static


class RulesScreen(Screen):
    """Rules."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Rules", id="placeholder")
        yield Footer()
