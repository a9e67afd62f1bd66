"""Migration 8 rebuilds ``orders`` so order-id uniqueness is a named (droppable) index.

A store at migration 7 with orders, line items and metrics triggers is opened: every row
and id survives, nothing cascades, uniqueness and the triggers still hold, foreign keys are
enforced again afterwards; a store whose rows would break a reference is not upgraded.
"""

from __future__ import annotations

import sqlite3

import pytest

from lifecycle_tui.store import open_store
from lifecycle_tui.store.migrations import applied_versions, discover


def _store_at_7(path):
    with open_store(path, create=True, migrate=False) as s:
        applied_versions(s.conn)
        with s.transaction() as conn:
            for mig in discover():
                if mig.version <= 7:
                    mig.up(conn)
                    conn.execute("INSERT INTO schema_migrations VALUES (?, ?, 'then')", (mig.version, mig.name))
            conn.execute("INSERT INTO customers (id, customer_id) VALUES (1, 'C1'), (2, 'C2')")
            conn.execute(
                "INSERT INTO orders (id, order_id, customer_id, placed_at, total_cents, currency, status, attributes) "
                "VALUES (5, 'A', 1, '2026-01-01', 100, 'EUR', 'paid', '{\"x\":1}'), (9, 'B', 2, '2026-02-01', 250, 'EUR', 'refunded', '{}')"
            )
            conn.execute("INSERT INTO order_items (order_id, line, sku, quantity, price_cents) VALUES (5, 1, 'S1', 2, 50), (9, 1, 'S2', 1, 250)")
            assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_autoindex_orders_1'").fetchone()[0] == 1
    return path


def _rows(s, table):
    return [tuple(r) for r in s.conn.execute(f"SELECT * FROM {table} ORDER BY id")]


def test_rows_ids_items_indexes_and_triggers_survive(tmp_path):
    path = _store_at_7(tmp_path / "old.db")
    with open_store(path, migrate=False) as s:
        before_orders, before_items = _rows(s, "orders"), _rows(s, "order_items")
    with open_store(path) as s:
        assert 8 in {r[0] for r in s.conn.execute("SELECT version FROM schema_migrations")}
        assert _rows(s, "orders") == before_orders and _rows(s, "order_items") == before_items
        names = {r[0] for r in s.conn.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'orders'")}
        assert {"orders_order_id", "orders_customer_placed", "orders_placed", "orders_metrics_delete",
                "orders_metrics_update"} <= names and "sqlite_autoindex_orders_1" not in names
        assert s.scalar("PRAGMA foreign_keys") == 1
        with pytest.raises(sqlite3.IntegrityError, match="orders.order_id"):
            s.conn.execute("INSERT INTO orders (order_id, customer_id, placed_at, total_cents, currency) VALUES ('A', 1, 'x', 1, 'EUR')")
        generation = s.scalar("SELECT generation FROM metrics_state WHERE id = 1")
        with s.transaction() as conn:
            conn.execute("DELETE FROM orders WHERE id = 5")  # cascades to its items; the trigger bumps metrics
        assert s.scalar("SELECT generation FROM metrics_state WHERE id = 1") == generation + 1
        assert s.scalar("SELECT count(*) FROM order_items") == 1
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            s.conn.execute("INSERT INTO orders (order_id, customer_id, placed_at, total_cents, currency) VALUES ('Z', 99, 'x', 1, 'EUR')")


def test_rows_already_without_their_parent_do_not_stop_the_upgrade(tmp_path):
    path = _store_at_7(tmp_path / "old.db")
    raw = sqlite3.connect(path)  # another tool, foreign keys off: orphans of its own making
    raw.execute("INSERT INTO order_items (order_id, line, quantity, price_cents) VALUES (77, 1, 1, 1)")  # no order 77
    raw.execute("INSERT INTO events (customer_id, type, occurred_at, event_key) VALUES (55, 'x', '2026-01-01', 'k')")
    raw.commit()
    raw.close()
    with open_store(path) as s:
        assert s.scalar("SELECT max(version) FROM schema_migrations") >= 8
        assert s.scalar("SELECT count(*) FROM order_items WHERE order_id = 77") == 1


def test_a_rebuild_that_would_orphan_rows_is_rolled_back(tmp_path):
    from lifecycle_tui.store.migrations import Migration, _apply

    path = _store_at_7(tmp_path / "old.db")
    with open_store(path, migrate=False) as s:
        before = _rows(s, "order_items")
        broken = Migration(99, "broken", lambda conn: conn.execute("DELETE FROM orders WHERE id = 5"), foreign_keys_off=True)
        with pytest.raises(sqlite3.IntegrityError, match="would leave rows without their parent"):
            _apply(s, broken)
        assert _rows(s, "order_items") == before and s.scalar("SELECT count(*) FROM orders") == 2
        assert s.scalar("SELECT count(*) FROM schema_migrations WHERE version = 99") == 0
        assert s.scalar("PRAGMA foreign_keys") == 1


def test_an_owners_view_of_orders_does_not_stop_the_upgrade(tmp_path):
    path = _store_at_7(tmp_path / "old.db")
    raw = sqlite3.connect(path)
    raw.execute("CREATE VIEW my_big_orders AS SELECT order_id, total_cents FROM orders WHERE total_cents > 150")
    raw.commit()
    raw.close()
    with open_store(path) as s:
        assert s.scalar("SELECT max(version) FROM schema_migrations") >= 8
        assert [tuple(r) for r in s.conn.execute("SELECT * FROM my_big_orders")] == [("B", 250)]
        assert s.scalar("PRAGMA legacy_alter_table") == 0
