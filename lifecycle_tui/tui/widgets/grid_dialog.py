"""A dialog that edits the RFM grid as a grid: one field per cell, rows R=5..1, columns F=1..5.

It dismisses with the grid as the JSON text ``settings set rfm.grid`` takes (so the Settings
section stores it through the same path and checks as any other value), or None on escape.
``check(text)`` says why a grid is refused; the dialog then stays open with the reason.
"""

from __future__ import annotations

import json
from typing import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from lifecycle_tui.tui.widgets.dialogs import offer

SIZE = 5  # R and F scores run 1..5


def cell_id(row: int, col: int) -> str:
    """The field of grid row ``row`` (0 = R5) and column ``col`` (0 = F1)."""
    return f"rfm-cell-{row}-{col}"


class GridDialog(ModalScreen[str | None]):
    """Edit a 5x5 grid of segment names; up/down move between rows, tab along them."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("up", "move(-1)", "Row up", show=False),
        Binding("down", "move(1)", "Row down", show=False),
    ]

    def __init__(self, question: str, grid: list[list[str]], *,
                 check: Callable[[str], str | None] | None = None) -> None:
        super().__init__(classes="dialog")
        self.question = question
        self.grid = grid
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="rfm-grid-box"):
            yield Static(self.question, classes="dialog-text", markup=False)
            with Grid(id="rfm-grid"):
                yield Label("")
                for col in range(SIZE):
                    yield Label(f"F{col + 1}", classes="rfm-head rfm-col")
                for row in range(SIZE):
                    yield Label(f"R{SIZE - row}", classes="rfm-head")
                    for col in range(SIZE):
                        yield Input(self.grid[row][col], id=cell_id(row, col), classes="rfm-cell")
            # A cell is narrower than the longest names ("Potential Loyalist") at 80 columns:
            # the one being edited is also shown here in full.
            yield Static("", id="rfm-cell-full", classes="muted", markup=False)
            yield Static("", id="dialog-problem", classes="error-text", markup=False)
            yield Static("enter saves · tab / ↑ ↓ move · escape cancels", classes="muted")

    def on_mount(self) -> None:
        self.query_one("#dialog-problem", Static).display = False
        self.query_one(f"#{cell_id(0, 0)}", Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _focused_cell(self) -> tuple[Input, int, int] | None:
        """The focused grid field with its row and column, if a grid field has the focus."""
        focused = self.focused
        if isinstance(focused, Input) and focused.id and focused.id.startswith("rfm-cell-"):
            row, col = (int(p) for p in focused.id.rsplit("-", 2)[1:])
            return focused, row, col
        return None

    def action_move(self, rows: int) -> None:
        if (cell := self._focused_cell()) is not None:
            _, row, col = cell
            self.query_one(f"#{cell_id((row + rows) % SIZE, col)}", Input).focus()

    def on_descendant_focus(self) -> None:
        self._show_cell()

    @on(Input.Changed)
    def _show_cell(self) -> None:
        """The focused cell's name in full, under the grid."""
        if (cell := self._focused_cell()) is not None:
            field, row, col = cell
            self.query_one("#rfm-cell-full", Static).update(f"R{SIZE - row} F{col + 1}: {field.value.strip()}")

    def text(self) -> str:
        """The grid as it stands in the fields, as JSON."""
        return json.dumps([[self.query_one(f"#{cell_id(r, c)}", Input).value.strip() for c in range(SIZE)]
                           for r in range(SIZE)], ensure_ascii=False)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        offer(self, self.text(), self.check)
