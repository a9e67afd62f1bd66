"""A modal that shows one message as it was (or would be) sent: headers, text and HTML, or JSON.

The caller loads the text in a worker and passes it in; this widget only shows it,
read-only and scrollable, and closes on Escape.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Static, TextArea


class MessageView(ModalScreen[None]):
    """Shows ``body`` under a one-line ``title``; Escape closes."""

    DEFAULT_CSS = """
    MessageView { align: center middle; }
    MessageView > Vertical { width: 90%; height: 90%; border: thick $accent; background: $surface; }
    MessageView #message-title { padding: 0 1; text-style: bold; }
    MessageView TextArea { height: 1fr; }
    """
    BINDINGS = [Binding("escape", "dismiss_view", "Close")]

    def __init__(self, title: str, body: str) -> None:
        super().__init__()
        self._title = title
        self._body = body

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self._title, id="message-title", markup=False)
            yield TextArea(self._body, read_only=True, id="message-body", soft_wrap=True)
        yield Footer()

    def action_dismiss_view(self) -> None:
        self.dismiss(None)
