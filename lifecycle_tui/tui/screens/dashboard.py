"""The Dashboard section (being built)."""

from textual.app import ComposeResult
from textual.widgets import Static

from lifecycle_tui.tui.base import SectionScreen


class DashboardScreen(SectionScreen):
    """Dashboard."""

    SECTION = "Dashboard"

    def compose_body(self) -> ComposeResult:
        yield Static("Dashboard", id="placeholder")
