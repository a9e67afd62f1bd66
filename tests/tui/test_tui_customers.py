"""Customers section: paging, search, segment filter, sort and the profile, against the store."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Select, Static, TabbedContent

from lifecycle_tui import segments
from lifecycle_tui.store import open_store
from lifecycle_tui.store.browse import CustomerQuery, count_customers, customer_page
from lifecycle_tui.tui.screens.customer_profile import CustomerProfileScreen
from lifecycle_tui.tui.screens.customers import CustomersScreen
from tests.tui.conftest import FROZEN, settle, widget_text


def _ids(table: DataTable) -> list[str]:
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


async def _open_customers(pilot):
    await pilot.press("2")
    await settle(pilot)
    return pilot.app.screen.query_one("#customers-table", DataTable)


def test_keyset_pages_cover_every_customer_once(shop_db):
    with open_store(shop_db) as store:
        segments.ensure_metrics(store, FROZEN)
        total = count_customers(store, CustomerQuery())
        for query in (CustomerQuery(sort="revenue", descending=True), CustomerQuery(sort="name"),
                      CustomerQuery(sort="last_order")):
            seen, after = [], None
            while True:
                page = customer_page(store, query, after=after, limit=37)
                seen += [r["id"] for r in page.rows]
                if page.after is None:
                    break
                after = page.after
            assert len(seen) == len(set(seen)) == total
            keys = [r["revenue_cents"] for r in customer_page(store, query, limit=total).rows]
            if query.sort == "revenue":
                assert keys == sorted(keys, reverse=True)


def test_last_page_is_the_tail_of_the_walk_and_pages_back_from_it(shop_db):
    with open_store(shop_db) as store:
        segments.ensure_metrics(store, FROZEN)
        for query in (CustomerQuery(), CustomerQuery(sort="revenue", descending=True), CustomerQuery(sort="name"),
                      CustomerQuery(search="a", sort="last_order", descending=True)):
            every = [r["id"] for r in customer_page(store, query, limit=10_000).rows]
            last = customer_page(store, query, limit=37, last=True)
            assert [r["id"] for r in last.rows] == every[-37:]
            seen, before = [r["id"] for r in last.rows], last.before
            while before is not None:  # and backwards from there to the top, a page at a time
                page = customer_page(store, query, limit=37, before=before)
                seen = [r["id"] for r in page.rows] + seen
                before = page.before
            assert seen == every
        everyone = customer_page(store, CustomerQuery(), limit=10_000, last=True)  # all fit: nothing above
        assert everyone.before is None and len(everyone.rows) == count_customers(store, CustomerQuery())


async def _walk(pilot, table: DataTable, screen, forward: bool) -> None:
    """Scroll a window's length at a time, as holding an arrow key would: the cursor goes to the
    window's last (first) row, which loads the next (previous) page, until the end (top)."""
    for _ in range(200):
        if (screen._after is None) if forward else (screen._offset == 0):
            return
        table.move_cursor(row=table.row_count - 1 if forward else 0)
        await settle(pilot)
        assert table.row_count <= screen.max_rows
    raise AssertionError("the walk did not reach the end")


@pytest.fixture
def small_pages(shop_db, monkeypatch) -> list[str]:
    """Customers in pages of 30 rows (the first) and 40 (while scrolling), at most 90 held, so
    the 200-customer shop spans many pages; returns every customer id in the table's order."""
    monkeypatch.setattr(CustomersScreen, "page_size", 30)
    monkeypatch.setattr(CustomersScreen, "more_size", 40)
    monkeypatch.setattr(CustomersScreen, "max_rows", 90)
    with open_store(shop_db) as store:
        return [r[0] for r in store.conn.execute("SELECT customer_id FROM customers ORDER BY customer_id")]


async def test_table_holds_a_moving_window_of_pages(make_app, small_pages):
    every = small_pages
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        table = await _open_customers(pilot)
        screen = app.screen
        assert _ids(table) == every[:30]  # one page, not the whole store
        assert f"1–30 of {len(every)} customers" in widget_text(screen.query_one("#customers-status", Static))
        await _walk(pilot, table, screen, forward=True)  # scroll to the very end, a page at a time
        assert _ids(table) == every[-table.row_count:] and table.row_count > 40
        await pilot.press("end")  # the window holds the end: no load, the cursor goes there
        await settle(pilot)
        assert _ids(table) == every[-table.row_count:]
        assert str(table.get_row_at(table.cursor_row)[0]) == every[-1]
        first = len(every) - table.row_count + 1
        assert f"{first}–{len(every)} of {len(every)}" in widget_text(screen.query_one("#customers-status", Static))
        await _walk(pilot, table, screen, forward=False)  # and back to the top
        assert _ids(table) == every[: table.row_count] and table.row_count > 40
        await pilot.press("home")
        await settle(pilot)
        assert _ids(table) == every[: table.row_count]
        assert str(table.get_row_at(table.cursor_row)[0]) == every[0]
        assert screen._offset == 0


async def test_end_jumps_to_the_last_customer_and_home_back_to_the_first(make_app, small_pages):
    every = small_pages
    n = len(every)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        table = await _open_customers(pilot)
        screen = app.screen
        await pilot.press("end")
        await settle(pilot)
        assert _ids(table) == every[-30:]  # only the last page was read
        assert str(table.get_row_at(table.cursor_row)[0]) == every[-1]
        assert f"{n - 29}–{n} of {n} customers" in widget_text(screen.query_one("#customers-status", Static))
        # Paging back up from the end shows the customers before, in order, the cursor staying put.
        table.move_cursor(row=0)
        await settle(pilot)
        assert _ids(table) == every[-70:]
        assert str(table.get_row_at(table.cursor_row)[0]) == every[-30]
        assert f"{n - 69}–{n} of {n} customers" in widget_text(screen.query_one("#customers-status", Static))
        await pilot.press("end")  # the window reaches the end already: the cursor goes there
        await settle(pilot)
        assert _ids(table) == every[-70:] and str(table.get_row_at(table.cursor_row)[0]) == every[-1]
        await pilot.press("home")
        await settle(pilot)
        assert _ids(table) == every[:30] and table.cursor_row == 0 and screen._offset == 0
        # And forward again from the top: the next page follows the first.
        table.move_cursor(row=table.row_count - 1)
        await settle(pilot)
        assert _ids(table) == every[:70]
        assert str(table.get_row_at(table.cursor_row)[0]) == every[29]


async def test_end_follows_the_sort(make_app, shop_db, monkeypatch):
    monkeypatch.setattr(CustomersScreen, "page_size", 30)
    with open_store(shop_db) as store:
        segments.ensure_metrics(store, FROZEN)
        query = CustomerQuery(sort="revenue", descending=True)
        every = [r["customer_id"] for r in customer_page(store, query, limit=10_000).rows]
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        table = await _open_customers(pilot)
        await pilot.press("s", "s", "s", "s")  # revenue, highest first
        await settle(pilot)
        assert app.screen.query_state == query
        await pilot.press("end")
        await settle(pilot)
        assert _ids(table) == every[-30:]  # the lowest revenues, still highest first
        assert str(table.get_row_at(table.cursor_row)[0]) == every[-1]


async def test_search_filters_by_name_or_email(make_app, shop_db):
    with open_store(shop_db) as store:
        row = store.conn.execute("SELECT customer_id, last_name FROM customers WHERE last_name IS NOT NULL "
                                 "ORDER BY id LIMIT 1 OFFSET 17").fetchone()
        expected = {r[0] for r in store.conn.execute(
            "SELECT customer_id FROM customers WHERE lower(first_name || ' ' || last_name) LIKE ? "
            "OR email_norm LIKE ? OR lower(customer_id) LIKE ?", (f"%{row[1].lower()}%",) * 3)}
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        table = await _open_customers(pilot)
        await pilot.press("slash", *row[1], "enter")
        await settle(pilot)
        assert set(_ids(table)) == expected
        assert row[0] in _ids(table)


def _column_x(table, key: str) -> int:
    """The x offset of the middle of column ``key``'s header in the table."""
    x = 0
    for column in table.ordered_columns:
        width = column.get_render_width(table)
        if column.key == key:
            return x + width // 2
        x += width
    raise KeyError(key)


async def test_segment_filter_and_sort(make_app, shop_db):
    with open_store(shop_db) as store:
        members = set(segments.matching_customer_ids(store, 'stage = "Retention"', FROZEN))
        wanted = {r[0] for r in store.conn.execute("SELECT customer_id FROM customers WHERE id IN (%s)"
                                                   % ",".join(map(str, members)))}
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        table = await _open_customers(pilot)
        app.screen.query_one("#customers-segment", Select).value = "stage: Retention"
        await settle(pilot)
        assert set(_ids(table)) == wanted
        assert {str(cell) for cell in table.get_column("stage")} == {"Retention"}
        # Sort by revenue (click the header): highest first.
        await pilot.click("#customers-table", offset=(_column_x(table, "revenue"), 0))
        await settle(pilot)
        assert app.screen.query_state.sort == "revenue"
        revenues = [float(str(cell).replace(",", "")) for cell in table.get_column("revenue")]
        assert revenues == sorted(revenues, reverse=True)
        await pilot.press("r")
        await settle(pilot)
        revenues = [float(str(cell).replace(",", "")) for cell in table.get_column("revenue")]
        assert revenues == sorted(revenues)


async def test_choosing_all_customers_again_removes_the_segment_filter(make_app, shop_db):
    with open_store(shop_db) as store:
        total = store.scalar("SELECT count(*) FROM customers")
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        table = await _open_customers(pilot)
        app.screen.query_one("#customers-segment", Select).value = "stage: Retention"
        await settle(pilot)
        assert table.row_count < total
        await pilot.press("f", "enter", "home", "enter")  # the filter's first choice: All customers
        await settle(pilot)
        assert app.screen.segment_name is None
        status = str(app.screen.query_one("#customers-status").render())
        assert f"of {total:,} customers" in status and "segment:" not in status
        await pilot.press("slash", "a", "enter")  # and the screen still answers searches
        await settle(pilot)
        assert app.screen.query_state.search == "a"


async def test_enter_opens_the_profile_with_orders(make_app, shop_db):
    with open_store(shop_db) as store:
        cid, rowid, orders = store.conn.execute(
            "SELECT c.customer_id, c.id, count(o.id) FROM customers c JOIN orders o ON o.customer_id = c.id "
            "GROUP BY c.id HAVING count(o.id) >= 2 ORDER BY c.id LIMIT 1").fetchone()
        first_order = store.scalar("SELECT order_id FROM orders WHERE customer_id = ? ORDER BY placed_at DESC", (rowid,))
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        table = await _open_customers(pilot)
        await pilot.press("slash", *cid, "enter")
        await settle(pilot)
        assert _ids(table)[0] == cid
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CustomerProfileScreen)
        assert cid in widget_text(screen.query_one("#profile-title", Static))
        await pilot.press("o")
        assert screen.query_one(TabbedContent).active == "orders"
        await pilot.pause()
        orders_text = widget_text(screen.query_one("#profile-orders", Static))
        assert first_order in orders_text
        assert screen.profile.order_count == orders
        await pilot.press("x")
        await settle(pilot)
        explain_text = widget_text(screen.query_one("#explain-body", Static))
        assert "welcome" in explain_text  # a starter rule, explained for this customer
        await pilot.press("escape")
        assert app.screen.query_one("#customers-table", DataTable) is table


async def test_cells_draw_as_the_data_table_draws_them(make_app, shop_db):
    """The Customers table's cached cell drawing gives DataTable's own segments and styles
    (cursor, hover and zebra rows included), with the row/column meta mouse clicks use."""
    from rich.style import Style
    from textual.widgets import DataTable as PlainDataTable

    with open_store(shop_db) as store:
        store.conn.execute("UPDATE customers SET first_name = '[b]ob' WHERE id = (SELECT min(id) FROM customers)")
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        table = await _open_customers(pilot)
        assert "[b]ob" in widget_text(table)  # shown as typed, not read as markup
        base = table.rich_style
        checked = 0
        for row in range(0, 12):
            style = table._get_row_style(row, base)
            for column, spec in enumerate(table.ordered_columns):
                width = spec.get_render_width(table)
                for cursor, hover in ((False, False), (True, False), (False, True)):
                    for _ in range(2):  # the second time from the cache
                        ours = table._render_cell(row, column, style, width, cursor, hover)
                        theirs = PlainDataTable._render_cell(table, row, column, style, width, cursor, hover)
                        assert ours == theirs
                        assert [s.style.meta for line in ours for s in line] == [
                            Style.from_meta({"row": row, "column": column}).meta] * sum(map(len, ours))
                        checked += 1
        assert checked == 12 * 8 * 3 * 2


async def test_a_click_after_paging_lands_on_the_row_under_the_mouse(make_app, small_pages):
    """Drawn cells carry their row index (cached drawings get it added afresh): after the window
    moved, clicking a line puts the cursor on the customer drawn on that line."""
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        table = await _open_customers(pilot)
        screen = app.screen
        await _walk(pilot, table, screen, forward=True)  # the window moved: indices shifted
        assert screen._offset > 0
        for line in (3, 7):
            await pilot.click("#customers-table", offset=(2, line))
            await settle(pilot)
            drawn = widget_text(table).splitlines()[line].split()[0]  # the Customer column
            assert str(table.get_row_at(table.cursor_row)[0]) == drawn


async def test_f_on_a_profile_forgets_the_customer_once_their_id_is_typed(make_app, shop_db):
    from textual.widgets import Input

    from lifecycle_tui.tui.widgets.dialogs import PromptDialog

    with open_store(shop_db) as store:
        cid, orders = store.conn.execute(
            "SELECT c.customer_id, count(o.id) FROM customers c JOIN orders o ON o.customer_id = c.id "
            "GROUP BY c.id ORDER BY c.id LIMIT 1").fetchone()
        total = store.scalar("SELECT count(*) FROM customers")
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        table = await _open_customers(pilot)
        await pilot.press("slash", *cid, "enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, PromptDialog)
        question = widget_text(dialog.query_one(".dialog-text", Static))
        assert f"Forget customer {cid} with {orders} order" in " ".join(question.split())
        await pilot.press(*cid[:-1], "enter")  # one character short: refused, dialog stays
        await settle(pilot)
        assert app.screen is dialog
        assert f"Type {cid} exactly" in widget_text(dialog.query_one("#dialog-problem", Static))
        dialog.query_one(Input).value = cid
        await pilot.press("enter")
        await settle(pilot, rounds=5)
        assert app.screen.query_one("#customers-table", DataTable) is table
        assert any(n.title == "Customer forgotten" and cid in str(n.message) for n in app._notifications)
    with open_store(shop_db) as store:
        assert store.scalar("SELECT count(*) FROM customers WHERE customer_id = ?", (cid,)) == 0
        assert store.scalar("SELECT count(*) FROM customers") == total - 1
