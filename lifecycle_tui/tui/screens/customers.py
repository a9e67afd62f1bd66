"""The Customers section (placeholder until the console issue lands)."""

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header, Static


class CustomersScreen(Screen):
    """Customers."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Customers", id="placeholder")
        yield Footer()
