"""The Segments section (being built)."""

from textual.app import ComposeResult
from textual.widgets import Static

from lifecycle_tui.tui.base import SectionScreen


class SegmentsScreen(SectionScreen):
    """Segments."""

    SECTION = "Segments"

    def compose_body(self) -> ComposeResult:
        yield Static("Segments", id="placeholder")
