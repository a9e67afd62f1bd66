"""A DataTable of rows to pick from, where Home and End go to the first and last row.

Textual's DataTable gives Home and End to horizontal scrolling (the top and bottom rows are on
ctrl+Home / ctrl+End); in a list of segments, settings or rules an owner presses Home for the
first row, as in the Customers table.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable


class RowTable(DataTable):
    """A row-cursor DataTable whose Home/End move to the first/last row."""

    BINDINGS = [
        Binding("home", "scroll_top", "First row", show=False),
        Binding("end", "scroll_bottom", "Last row", show=False),
    ]

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("cursor_type", "row")
        super().__init__(**kwargs)
