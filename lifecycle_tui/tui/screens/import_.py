"""The Import section (being built)."""

from textual.app import ComposeResult
from textual.widgets import Static

from lifecycle_tui.tui.base import SectionScreen


class ImportScreen(SectionScreen):
    """Import."""

    SECTION = "Import"

    def compose_body(self) -> ComposeResult:
        yield Static("Import", id="placeholder")
