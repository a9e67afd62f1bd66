"""The Customers table: a DataTable built for a moving window over a large, paged result.

:class:`CustomerTable` is a ``DataTable`` whose rows come and go a page at a time (thousands of
rows per call, appended or prepended), whose columns all have fixed widths, and whose cells
are :class:`PlainCell` s (text shown as is). It keeps DataTable's look and behaviour (the
Customers snapshot test compares the screen) and replaces the per-row and per-cell work that
made paging slow; see each method for what it replaces. It relies on DataTable internals of
Textual 8.2 (``_data``, ``rows``, ``_row_locations``, ``_update_count``, ``_new_rows``,
``_render_cell``, ``_update_dimensions``); tests/tui/test_tui_customers.py pages across the
window's edges and compares the drawn cells with DataTable's own, so an upgrade that changes
them shows up there.
"""

from __future__ import annotations

from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from textual._two_way_dict import TwoWayDict
from textual.binding import Binding
from textual.geometry import Size
from textual.renderables.styled import Styled
from textual.widgets import DataTable
from textual.widgets._data_table import default_cell_formatter
from textual.widgets.data_table import CellKey, DuplicateKey, Row, RowKey

PLAIN_CELL_CACHE = 4_000  # drawn cells kept (a screenful is ~250 in 3 cursor states): cleared when full


class PlainCell:
    """A cell shown as its text, never parsed as markup (a name like ``[b]ob`` is shown as is).

    Not a ``str`` (the table would parse it as markup) and not a renderable, so ``DataTable``
    makes the ``Text`` itself when the cell is drawn: only visible cells get one, rather than
    every cell of every page loaded. ``str(cell)`` is the text.
    """

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"PlainCell({self.text!r})"


class CustomerTable(DataTable):
    """The customers table: home/end jump to the first/last customer of the whole result (the
    screen loads that page directly), and pages come and go in bulk (:meth:`put_rows`,
    :meth:`remove_rows`)."""

    BINDINGS = [
        Binding("home", "screen.first_customer", "First customer", show=False),
        Binding("end", "screen.last_customer", "Last customer", show=False),
    ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._plain_cell_lines: dict[tuple, list] = {}  # see _render_cell

    def put_rows(self, rows: list[tuple[str, list]], *, at_top: bool = False) -> None:
        """Add ``(key, cells)`` rows at the bottom (or, ``at_top``, above the rows held).

        ``DataTable.add_row`` re-validates the cursor and schedules an idle check per row, and
        can only append (prepending took a ``sort`` of the whole table). This does the same
        bookkeeping once for the lot: one-line rows without labels, cells as given.
        Same DataTable internals as :meth:`remove_rows`.
        """
        if not rows:
            return
        held = self.row_count
        columns = [column.key for column in self.ordered_columns]
        keys = [RowKey(key) for key, _ in rows]
        if len(set(keys)) < len(keys) or any(key in self._data for key in keys):
            raise DuplicateKey("a row key is given twice or already held")
        for row_key, (_, cells) in zip(keys, rows):
            self._data[row_key] = dict(zip(columns, cells))
            self.rows[row_key] = Row(row_key, 1)
        self._new_rows.update(keys)
        if at_top:
            order = keys + sorted(self._row_locations, key=self._row_locations.get)
            self._row_locations = TwoWayDict({key: index for index, key in enumerate(order)})
        else:
            for index, row_key in enumerate(keys, held):
                self._row_locations[row_key] = index
        self._require_update_dimensions = True
        self._update_count += 1
        self.cursor_coordinate = self.cursor_coordinate
        if not held and self.columns and self.show_cursor and self.cursor_type != "none":
            self._highlight_cursor()  # as add_row does when the first row appears
        self.check_idle()
        self.refresh()

    def remove_rows(self, keys: list[str]) -> None:
        """Remove many rows at once (the page that leaves the window).

        ``DataTable.remove_row`` rebuilds the row index and re-validates the cursor and hover
        (re-walking every row) for each row: dropping a 200-row page from a 1,000-row window
        that way took ~1.4 s. This does the same bookkeeping once for the lot. It uses
        DataTable internals (``_data``, ``_row_locations``, ``_updated_cells``,
        ``_update_count``) as ``remove_row`` does in Textual 8.2; recheck them on an upgrade
        (tests/tui/test_tui_customers.py scrolls across the window's edges).
        """
        locations = self._row_locations
        gone = {key for key in keys if key in locations}
        if not gone:
            return
        for key in gone:
            if self._updated_cells:  # cells changed by update_cell and not measured yet
                for column_key in self._data[key]:
                    self._updated_cells.discard(CellKey(RowKey(key), column_key))
            del self.rows[key]
            del self._data[key]
        in_order = (locations.get_key(index) for index in range(len(locations)))
        self._row_locations = TwoWayDict({key: index for index, key in enumerate(k for k in in_order if k not in gone)})
        self._require_update_dimensions = True
        self._update_count += 1
        self.cursor_coordinate = self.cursor_coordinate  # clamped by the reactive's validator
        self.hover_coordinate = self.hover_coordinate
        self.check_idle()
        self.refresh()  # the virtual size (a layout reactive) is set on idle, and only if it changed

    def _render_cell(self, row_index, column_index, base_style, width, cursor=False, hover=False):
        """A body cell's lines, from a cache keyed by what the cell shows rather than where.

        ``DataTable`` caches a cell's lines under its row key *and* the table's update count,
        and bakes the row index into the cell's style (as meta, for mouse clicks); every page
        that comes or goes bumps the count and shifts the indices, so each page load rendered
        every visible cell through Rich again (~0.4 ms each). :class:`PlainCell` cells of
        one-line rows are rendered exactly as ``DataTable._render_cell`` does (same formatter,
        Rich calls and styles) but without the meta, cached by text, width and styles, and get
        the row/column meta added to each segment afterwards; the result is equal segment for
        segment (the meta is the only style carrying meta, so its place in the sum does not
        matter). Anything else (header, labels, fixed cells, other renderables, taller rows)
        takes the full path.
        """
        row_key = self._row_locations.get_key(row_index) if row_index >= 0 else None
        row = self.rows.get(row_key) if row_key is not None else None
        column_key = self._column_locations.get_key(column_index) if column_index >= 0 else None
        cell = self._data[row_key].get(column_key) if row is not None and column_key is not None else None
        if (type(cell) is not PlainCell or row.height != 1 or row.auto_height
                or row_index < self.fixed_rows or column_index < self.fixed_columns):
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        component_style, post_style = self._get_styles_to_render_cell(
            False, False, False, hover, cursor, self.show_cursor, self._show_hover_cursor,
            self.cursor_foreground_priority == "css", self.cursor_background_priority == "css",
        )
        key = (cell.text, width, self.cell_padding, base_style, component_style, post_style)
        lines = self._plain_cell_lines.get(key)
        if lines is None:
            if len(self._plain_cell_lines) >= PLAIN_CELL_CACHE:
                self._plain_cell_lines.clear()
            options = self.app.console_options.update_dimensions(width, 1).update(no_wrap=True)
            text = default_cell_formatter(cell, wrap=False, height=1)  # as DataTable draws it
            lines = self._plain_cell_lines[key] = self.app.console.render_lines(
                Styled(Padding(text, (0, self.cell_padding)), pre_style=base_style + component_style,
                       post_style=post_style),
                options,
            )
        meta = Style.from_meta({"row": row_index, "column": column_index})
        return [[Segment(text, style + meta if style else meta, control) for text, style, control in line]
                for line in lines]

    def _update_dimensions(self, new_rows) -> None:
        """The virtual size after rows came or went, without measuring the new cells.

        ``DataTable`` measures every cell of every new row (a Rich render each) to widen
        auto-width columns; every column here has a fixed width and every row one line, so the
        measure changes nothing, and it was a fifth of the time of loading a page. Tables with
        an auto-width column or row labels take the full path.
        """
        if self._labelled_row_exists or any(column.auto_width for column in self.columns.values()):
            super()._update_dimensions(new_rows)
            return
        header_height = self.header_height if self.show_header else 0
        width = sum(column.get_render_width(self) for column in self.columns.values())
        self.virtual_size = Size(width + self._row_label_column_width, self._total_row_height + header_height)
