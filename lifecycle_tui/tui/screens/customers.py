"""The Customers section: a paged table with search, segment filter and sort; Enter opens a profile.

The table never holds the whole store: it loads one page (200 rows, keyset-paged by
:mod:`lifecycle_tui.store.browse`) and the next page when the cursor comes near the end.
Search is debounced; every query runs in a thread worker and a newer query cancels an older one.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.timer import Timer
from textual.widgets import DataTable, Input, Select, Static

from lifecycle_tui.store.browse import PAGE_SIZE, CustomerPage, CustomerQuery, count_customers, customer_page
from lifecycle_tui.tui.base import SectionScreen
from lifecycle_tui.tui.screens.customer_profile import CustomerProfileScreen
from lifecycle_tui.tui.widgets import format as fmt
from lifecycle_tui.tui.widgets.segment_filter import segment_choices, segment_query

# (column key = sort name, label, width)
COLUMNS = [
    ("customer_id", "Customer", 8),
    ("name", "Name", 15),
    ("email", "Email", 23),
    ("orders", "Orders", 6),
    ("revenue", "Revenue", 10),
    ("last_order", "Last order", 10),
    ("stage", "Stage", 13),
    ("rfm", "RFM segment", 17),
]
SORT_KEYS = [key for key, _, _ in COLUMNS]
PREFETCH_ROWS = 40  # load the next page when the cursor is this close to the last row
SEARCH_DEBOUNCE = 0.3


class CustomerTable(DataTable):
    """The customers table: home/end jump to the first/last loaded row (the last loads the next page)."""

    BINDINGS = [
        Binding("home", "scroll_top", "First row", show=False),
        Binding("end", "scroll_bottom", "Last row", show=False),
    ]


class CustomersScreen(SectionScreen):
    """Customers: search, filter by segment, sort, open a profile."""

    SECTION = "Customers"
    page_size = PAGE_SIZE
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
        self._after: tuple | None = None
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
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear()
        self._total = total
        self._append(page)
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1), animate=False)

    def _append(self, page: CustomerPage) -> None:
        table = self.query_one(DataTable)
        for r in page.rows:
            table.add_row(
                r["customer_id"], fmt.full_name(r), r["email"] or "", str(r["orders"]),
                fmt.money(r["revenue_cents"]), fmt.day(r["last_order_at"]), r["stage"] or "-",
                r["rfm_segment"] or "-", key=str(r["id"]),
            )
        self._after = page.after
        self._update_status()

    def _update_status(self) -> None:
        table = self.query_one(DataTable)
        q = self.query_state
        arrow = "▼" if q.descending else "▲"
        label = dict((k, lbl) for k, lbl, _ in COLUMNS)[q.sort]
        parts = [f"{fmt.count(table.row_count)} of {fmt.count(self._total)} customers loaded"]
        if self.segment_name:
            parts.append(f"segment: {self.segment_name}")
        if q.search.strip():
            parts.append(f"search: {q.search.strip()!r}")
        parts.append(f"sorted by {label} {arrow}")
        parts.append("/ search  f filter  s sort  r reverse  enter open")
        self.query_one("#customers-status", Static).update(" · ".join(parts))

    def _load_more(self) -> None:
        if self._after is None or self._loading_more:
            return
        self._loading_more = True
        as_of, name, base, after, size = self.as_of, self.segment_name, self.query_state, self._after, self.page_size

        def load(store):
            return customer_page(store, segment_query(store, base, name, as_of), after=after, limit=size)

        def done(page: CustomerPage) -> None:
            self._loading_more = False
            self._append(page)

        def failed(exc: BaseException) -> None:
            self._loading_more = False
            self.lifecycle.report_error(exc)

        self.run_db(load, done, group="customers-more", on_error=failed)

    @on(DataTable.RowHighlighted, "#customers-table")
    def _near_end(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row >= event.data_table.row_count - PREFETCH_ROWS:
            self._load_more()

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
        value = None if event.value is Select.BLANK else str(event.value)
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
        self._after = None
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
