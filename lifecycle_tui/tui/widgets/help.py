"""The ``?`` modal: every key binding active where it was opened, grouped by where it is defined."""

from __future__ import annotations

import re

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static


class HelpScreen(ModalScreen[None]):
    """A table of key, action and where it applies; escape, ? or q closes it."""

    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("question_mark", "dismiss", "Close", key_display="?"),
        Binding("q", "dismiss", "Close"),
    ]

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.rows = rows

    @classmethod
    def from_screen(cls, screen: Screen) -> "HelpScreen":
        """Collect the bindings active on ``screen`` (focused widget, screen and app)."""
        app = screen.app
        rows: list[tuple[str, str, str]] = []
        seen: set[tuple[str, str]] = set()
        for key, active in screen.active_bindings.items():
            binding: Binding = active.binding
            if not binding.description:
                continue  # internal keys (cursor moves) without a description
            where = _where(active.node, screen)
            label = binding.description or binding.action
            if (label, where) in seen and where != "global":
                continue
            seen.add((label, where))
            rows.append((app.get_key_display(binding), label, where))
        if app.COMMAND_PALETTE_BINDING not in screen.active_bindings:
            rows.append((app.COMMAND_PALETTE_BINDING, "Command palette (sections and commands)", "global"))
        # This section's own keys first (what ? is pressed for), then the focused widget's, then
        # the keys that work everywhere: on a small terminal the first rows are the ones in view.
        order = {"section": 0, "global": 2}
        rows.sort(key=lambda r: (order.get(r[2], 1), r[2]))
        return cls(rows)

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Static("Keys", id="help-title")
            yield DataTable(id="help-table", cursor_type="row", zebra_stripes=True)
            yield Static("escape closes", id="help-hint")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Key", "Does", "Where")
        for row in self.rows:
            table.add_row(*row)
        table.focus()


# Where a key applies, in the owner's words (a widget id such as dash-plan-table means nothing to them).
_WIDGET_WORDS = {
    "DataTable": "table", "Input": "text field", "TextArea": "editor", "Select": "choice list",
    "SelectOverlay": "choice list", "OptionList": "list", "ListView": "list", "Tree": "list",
    "Button": "button", "Checkbox": "checkbox", "RadioSet": "choice", "TabbedContent": "tabs",
    "Tabs": "tabs", "VerticalScroll": "scrolling panel", "ScrollableContainer": "scrolling panel",
}


def _where(node, screen: Screen) -> str:
    from textual.app import App

    if isinstance(node, App):
        return "global"
    if node is screen:
        return "section"
    for cls in type(node).__mro__:  # a subclass of DataTable is still a table
        if cls.__name__ in _WIDGET_WORDS:
            return _WIDGET_WORDS[cls.__name__]
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", type(node).__name__).lower()  # CustomerTable -> customer table
