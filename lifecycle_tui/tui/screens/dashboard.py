"""The Dashboard section (placeholder until the console issue lands)."""

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header, Static


class DashboardScreen(Screen):
    """Dashboard."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Dashboard", id="placeholder")
        yield Footer()
