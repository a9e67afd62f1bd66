"""The Outbox section (placeholder until the console issue lands)."""

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header, Static


class OutboxScreen(Screen):
    """Outbox."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Outbox", id="placeholder")
        yield Footer()
