"""The Customers section (being built)."""

from textual.app import ComposeResult
from textual.widgets import Static

from lifecycle_tui.tui.base import SectionScreen


class CustomersScreen(SectionScreen):
    """Customers."""

    SECTION = "Customers"

    def compose_body(self) -> ComposeResult:
        yield Static("Customers", id="placeholder")
