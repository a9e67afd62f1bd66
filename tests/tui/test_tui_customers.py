"""Customers section: paging, search, segment filter, sort and the profile, against the store."""

from __future__ import annotations

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


async def test_table_holds_a_moving_window_of_pages(make_app, shop_db, monkeypatch):
    monkeypatch.setattr(CustomersScreen, "page_size", 30)
    monkeypatch.setattr(CustomersScreen, "max_rows", 90)
    with open_store(shop_db) as store:
        every = [r[0] for r in store.conn.execute("SELECT customer_id FROM customers ORDER BY customer_id")]
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        table = await _open_customers(pilot)
        screen = app.screen
        assert _ids(table) == every[:30]  # one page, not the whole store
        assert f"1–30 of {len(every)} customers" in widget_text(screen.query_one("#customers-status", Static))
        for _ in range(len(every) // 30 + 2):  # scroll to the very end, a page at a time
            await pilot.press("end")
            await settle(pilot)
            assert table.row_count <= 90
        assert _ids(table) == every[-90:]
        assert str(table.get_row_at(table.cursor_row)[0]) == every[-1]
        assert f"{len(every) - 89}–{len(every)} of {len(every)}" in widget_text(screen.query_one("#customers-status", Static))
        for _ in range(len(every) // 30 + 2):  # and back to the top
            await pilot.press("home")
            await settle(pilot)
            assert table.row_count <= 90
        assert _ids(table) == every[:90]
        assert screen._offset == 0


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
        assert {str(table.get_row_at(i)[6]) for i in range(table.row_count)} == {"Retention"}
        # Sort by revenue (click the header): highest first.
        await pilot.click("#customers-table", offset=(70, 0))
        await settle(pilot)
        assert app.screen.query_state.sort == "revenue"
        revenues = [float(str(table.get_row_at(i)[4]).replace(",", "")) for i in range(table.row_count)]
        assert revenues == sorted(revenues, reverse=True)
        await pilot.press("r")
        await settle(pilot)
        revenues = [float(str(table.get_row_at(i)[4]).replace(",", "")) for i in range(table.row_count)]
        assert revenues == sorted(revenues)


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
