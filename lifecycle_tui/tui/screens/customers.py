"""The Customers section: a paged table with search, segment filter and sort; Enter opens a profile.

The table never holds the whole store: it loads a first page (200 rows, keyset-paged by
:mod:`lifecycle_tui.store.browse`), then 1,000 rows more whenever the cursor comes near either
edge of what it holds, dropping the far end so it holds 3,000 rows at most. Home and End read
the first and the last page of the result directly. Search is debounced; every query runs in a
thread worker and a newer query cancels an older one.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.timer import Timer
from textual.widgets import DataTable, Input, Select, Static

from lifecycle_tui.store.browse import (
    PAGE_SIZE,
    CustomerPage,
    CustomerQuery,
    count_customers,
    customer_page,
    row_key,
)
from lifecycle_tui.tui.base import SectionScreen
from lifecycle_tui.tui.screens.customer_profile import CustomerProfileScreen
from lifecycle_tui.tui.widgets import format as fmt
from lifecycle_tui.tui.widgets.customer_table import CustomerTable, PlainCell
from lifecycle_tui.tui.widgets.segment_filter import segment_choices, segment_query

# (column key = sort name, label, width). Stage and RFM segment come right after the name, so
# an 80-column terminal shows them (and the revenue) without scrolling; the email is last.
COLUMNS = [
    ("customer_id", "Customer", 8),
    ("name", "Name", 15),
    ("stage", "Stage", 13),
    ("rfm", "RFM segment", 18),
    ("revenue", "Revenue", 10),
    ("orders", "Orders", 6),
    ("last_order", "Last order", 10),
    ("email", "Email", 23),
]
SORT_KEYS = [key for key, _, _ in COLUMNS]
PREFETCH_ROWS = 40  # load the next page when the cursor is this close to the last row
SEARCH_DEBOUNCE = 0.3


class CustomersScreen(SectionScreen):
    """Customers: search, filter by segment, sort, open a profile."""

    SECTION = "Customers"
    page_size = PAGE_SIZE  # the first page: small, so the table paints at once
    more_size = 5 * PAGE_SIZE  # pages loaded while scrolling: fewer, bigger steps through the data
    max_rows = 3 * more_size  # rows held by the table at most (a window that moves as you scroll)
    BINDINGS = [
        # Shown in the hint line rather than the footer, which keeps room for the sections.
        Binding("slash", "focus_search", "Search", key_display="/", show=False),
        Binding("f", "focus_filter", "Filter by segment", show=False),
        Binding("s", "next_sort", "Sort by next column", show=False),
        Binding("r", "reverse_sort", "Reverse the sort", show=False),
        Binding("escape", "focus_table", "Table", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.query_state = CustomerQuery()
        self.segment_name: str | None = None
        self._rows: list[dict] = []  # the window shown, in display order
        self._offset = 0  # rows of the result before the window
        self._after: tuple | None = None  # key after the window's last row; None at the end
        self._loading_more = False
        self._total = 0
        self._debounce: Timer | None = None

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="customers-bar"):
            yield Input(placeholder="Search name, email or id  ( / )", id="customers-search")
            yield Select([], prompt="All customers", id="customers-segment", allow_blank=True)
        yield Static("Loading…", id="customers-status")
        table = CustomerTable(id="customers-table", cursor_type="row", zebra_stripes=True)
        for key, label, width in COLUMNS:
            table.add_column(label, key=key, width=width)
        yield table

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()

    # -- loading -----------------------------------------------------------------------------

    def reload(self) -> None:
        """Load the first page and the count for the current search, filter and sort."""
        as_of, name, base, size = self.as_of, self.segment_name, self.query_state, self.page_size

        def load(store):
            from lifecycle_tui.segments import ensure_metrics

            ensure_metrics(store, as_of)
            query = segment_query(store, base, name, as_of)
            return count_customers(store, query), customer_page(store, query, limit=size), segment_choices(store)

        self.run_db(load, self._show_first, group="customers")

    def _show_first(self, result: tuple[int, CustomerPage, list]) -> None:
        total, page, choices = result
        select = self.query_one("#customers-segment", Select)
        if [v for _, v in choices] != [v for _, v in getattr(self, "_choices", [])]:
            self._choices = choices
            with select.prevent(Select.Changed):
                select.set_options(choices)
                if self.segment_name in [v for _, v in choices]:
                    select.value = self.segment_name
        self._total = total
        self._fill(page.rows, 0, page.after, self.query_one(DataTable).cursor_row)

    def _fill(self, rows: list[dict], offset: int, after: tuple | None, cursor: int) -> None:
        """Replace the window with ``rows`` (``offset`` rows of the result above them) and put
        the cursor on row ``cursor``."""
        self._rows, self._offset, self._after = list(rows), offset, after
        table = self.query_one(CustomerTable)
        with self.prevent(DataTable.RowHighlighted):  # refilling and placing the cursor must not load again
            table.clear()
            table.put_rows(_keyed(self._rows))
        self._place_cursor(cursor)

    def _place_cursor(self, cursor: int) -> None:
        """Put the cursor on row ``cursor`` (clamped) without loading more, and refresh the status."""
        table = self.query_one(DataTable)
        if table.row_count:
            with self.prevent(DataTable.RowHighlighted):
                table.move_cursor(row=max(0, min(cursor, table.row_count - 1)), animate=False)
        self._update_status()

    def _update_status(self) -> None:
        q = self.query_state
        arrow = "▼" if q.descending else "▲"
        label = dict((k, lbl) for k, lbl, _ in COLUMNS)[q.sort]
        if self._rows:
            shown = f"{fmt.count(self._offset + 1)}–{fmt.count(self._offset + len(self._rows))}"
            parts = [f"{shown} of {fmt.count(self._total)} customers"]
        else:
            parts = [f"no customers of {fmt.count(self._total)}" if self._total else "no customers"]
        if self.segment_name:
            parts.append(f"segment: {self.segment_name}")
        if q.search.strip():
            parts.append(f"search: {q.search.strip()!r}")
        parts.append(f"sorted by {label} {arrow}")
        parts.append("/ search  f filter  s sort  r reverse  enter open")
        self.query_one("#customers-status", Static).update(" · ".join(parts))

    def _load_edge(self, forward: bool) -> None:
        """Load the page after (or before) the window; the far end of the window is dropped
        so the table never holds more than ``max_rows`` rows, however far one scrolls."""
        if self._loading_more or not self._rows:
            return
        if forward and self._after is None or not forward and self._offset == 0:
            return
        self._loading_more = True
        as_of, name, base, size = self.as_of, self.segment_name, self.query_state, self.more_size
        after = self._after if forward else None
        before = None if forward else row_key(self._rows[0])

        def load(store):
            return customer_page(store, segment_query(store, base, name, as_of), after=after, limit=size, before=before)

        def done(page: CustomerPage) -> None:
            # Only the page that arrives and the page that leaves touch the table: refilling the
            # whole window on every page made scrolling through 100k customers take minutes.
            self._loading_more = False
            table = self.query_one(CustomerTable)
            cursor, scroll_y = table.cursor_row, table.scroll_y
            with self.prevent(DataTable.RowHighlighted):
                if forward:
                    rows = self._rows + page.rows
                    drop = max(0, len(rows) - self.max_rows)
                    table.put_rows(_keyed(page.rows))
                    table.remove_rows([str(r["id"]) for r in self._rows[:drop]])
                    self._rows, self._offset, self._after = rows[drop:], self._offset + drop, page.after
                    cursor, scroll_y = cursor - drop, scroll_y - drop
                else:
                    rows = page.rows + self._rows
                    self._offset = 0 if page.before is None else max(0, self._offset - len(page.rows))
                    if len(rows) > self.max_rows:
                        table.remove_rows([str(r["id"]) for r in rows[self.max_rows:]])
                        rows = rows[: self.max_rows]
                        self._after = row_key(rows[-1])
                    table.put_rows(_keyed(page.rows), at_top=True)
                    self._rows = rows
                    cursor, scroll_y = cursor + len(page.rows), scroll_y + len(page.rows)
                # Keep the same rows in view: the rows above shifted by what came or went.
                table.scroll_to(y=max(0, scroll_y), animate=False, immediate=True)
            self._place_cursor(cursor)

        self.run_db(load, done, group="customers-more", on_error=self._more_failed)

    def _more_failed(self, exc: BaseException) -> None:
        self._loading_more = False
        self.lifecycle.report_error(exc)

    @on(DataTable.RowHighlighted, "#customers-table")
    def _near_edge(self, event: DataTable.RowHighlighted) -> None:
        row, count = event.cursor_row, event.data_table.row_count
        near_end = row >= count - PREFETCH_ROWS and self._after is not None
        near_top = row < PREFETCH_ROWS and self._offset > 0
        # A short window (the last page after End) is near both edges: go where the cursor is.
        if near_end and (not near_top or row >= count // 2):
            self._load_edge(forward=True)
        elif near_top:
            self._load_edge(forward=False)

    def action_first_customer(self) -> None:
        """Home: the first customer of the result (the first page again if the window moved)."""
        if self._offset == 0:
            self._place_cursor(0)
        else:
            self._jump(last=False)

    def action_last_customer(self) -> None:
        """End: the last customer of the result, read directly (keyset backwards from the end)
        rather than by walking every page before it."""
        if self._after is None:  # the window already reaches the end
            self._place_cursor(len(self._rows) - 1)
        else:
            self._jump(last=True)

    def _jump(self, last: bool) -> None:
        """Replace the window with the first or the last page of the result."""
        self._loading_more = True  # no edge loads meanwhile; a newer jump or query supersedes this
        as_of, name, base, size = self.as_of, self.segment_name, self.query_state, self.page_size

        def load(store):
            query = segment_query(store, base, name, as_of)
            return count_customers(store, query), customer_page(store, query, limit=size, last=last)

        def done(result: tuple[int, CustomerPage]) -> None:
            self._loading_more = False
            self._total, page = result
            if last:
                offset = 0 if page.before is None else max(0, self._total - len(page.rows))
                self._fill(page.rows, offset, None, len(page.rows) - 1)
            else:
                self._fill(page.rows, 0, page.after, 0)

        self.run_db(load, done, group="customers-more", on_error=self._more_failed)

    # -- search, filter, sort ----------------------------------------------------------------

    @on(Input.Changed, "#customers-search")
    def _search_changed(self, event: Input.Changed) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(SEARCH_DEBOUNCE, lambda: self._set_query(search=event.value))

    @on(Input.Submitted, "#customers-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._set_query(search=event.value)
        self.query_one(DataTable).focus()

    @on(Select.Changed, "#customers-segment")
    def _segment_changed(self, event: Select.Changed) -> None:
        value = None if event.value is Select.NULL else str(event.value)
        if value != self.segment_name:
            self.segment_name = value
            self._restart()

    @on(DataTable.HeaderSelected, "#customers-table")
    def _header_clicked(self, event: DataTable.HeaderSelected) -> None:
        key = str(event.column_key.value)
        if key == self.query_state.sort:
            self._set_query(descending=not self.query_state.descending)
        else:
            self._set_query(sort=key, descending=key in ("orders", "revenue", "last_order"))

    def action_next_sort(self) -> None:
        i = SORT_KEYS.index(self.query_state.sort)
        key = SORT_KEYS[(i + 1) % len(SORT_KEYS)]
        self._set_query(sort=key, descending=key in ("orders", "revenue", "last_order"))

    def action_reverse_sort(self) -> None:
        self._set_query(descending=not self.query_state.descending)

    def _set_query(self, **changes) -> None:
        q = self.query_state
        new = CustomerQuery(
            search=changes.get("search", q.search),
            sort=changes.get("sort", q.sort),
            descending=changes.get("descending", q.descending),
        )
        if new != q:
            self.query_state = new
            self._restart()

    def _restart(self) -> None:
        self._after, self._offset = None, 0
        self._loading_more = False
        self.workers.cancel_group(self, "customers-more")  # a stale next page must not be appended
        self.query_one(DataTable).move_cursor(row=0, animate=False)
        self.reload()

    # -- keys ----------------------------------------------------------------------------------

    def action_focus_search(self) -> None:
        self.query_one("#customers-search", Input).focus()

    def action_focus_filter(self) -> None:
        self.query_one("#customers-segment", Select).focus()

    def action_focus_table(self) -> None:
        self.query_one(DataTable).focus()

    @on(DataTable.RowSelected, "#customers-table")
    def _open_profile(self, event: DataTable.RowSelected) -> None:
        self.app.push_screen(CustomerProfileScreen(int(event.row_key.value)))


def _keyed(rows: list[dict]) -> list[tuple[str, list[PlainCell]]]:
    """Rows as the table takes them: keyed by the customer's row id."""
    return [(str(r["id"]), _cells(r)) for r in rows]


def _cells(r: dict) -> list[PlainCell]:
    """A customer row as table cells, in the order of :data:`COLUMNS`."""
    values = {
        "customer_id": r["customer_id"], "name": fmt.full_name(r), "stage": r["stage"] or "-",
        "rfm": r["rfm_segment"] or "-", "revenue": fmt.money(r["revenue_cents"]), "orders": r["orders"],
        "last_order": fmt.day(r["last_order_at"]), "email": r["email"] or "",
    }
    return [PlainCell(str(values[key])) for key, _, _ in COLUMNS]
