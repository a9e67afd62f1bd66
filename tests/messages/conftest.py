"""A small seeded shop for template tests: products, customers with orders, carts and views."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from lifecycle_tui.store import settings

AS_OF = datetime(2026, 6, 30, 12, 0, tzinfo=timezone.utc)

PRODUCTS = [
    (1, "TEA-1", "Sencha, 100 g", 1450), (2, "TEA-2", "Genmaicha, 100 g", 990),
    (3, "CUP-1", "Stoneware Cup", 2200), (4, "POT-1", "Cast Iron Teapot", 6400),
    (5, "MAT-1", "Ceremonial Matcha, 30 g", 2890),
]
# (rowid, customer_id, email, phone, first, last, birthday, accepts email/sms/push, push_token)
CUSTOMERS = [
    (1, "C1", "anna@example.com", "+4915100000001", "anna", "Berg", "1990-07-01", 1, 1, 1, "tok-anna"),
    (2, "C2", "ben@example.com", "+4915100000002", "Ben", "Olsen", None, 1, 1, 0, None),
    (3, "C3", "cara@example.com", None, "Cara", None, "--12-24", 1, 0, 0, None),
    (4, "C4", "dan@example.com", None, None, None, None, 1, 0, 0, None),
    (5, "C5", "zoe@example.com", "+4915100000005", "Zoë", "Ålund", None, 1, 1, 1, "tok-zoe"),
]
# (order rowid, order_id, customer rowid, placed_at, status, [(product rowid, qty)])
ORDERS = [
    (1, "O1", 1, "2025-06-01T10:00:00+00:00", "paid", [(1, 1), (3, 2)]),
    (2, "O2", 1, "2026-05-20T10:00:00+00:00", "paid", [(1, 1), (2, 1)]),
    (3, "O3", 2, "2026-04-02T10:00:00+00:00", "paid", [(1, 2)]),
    (4, "O4", 2, "2026-06-01T10:00:00+00:00", "cancelled", [(4, 1)]),
    (5, "O5", 5, "2024-01-15T10:00:00+00:00", "paid", [(3, 1), (1, 1)]),
]


def seed_shop(store) -> None:
    """Insert the small shop above with plain SQL (one transaction)."""
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO products (id, product_id, title, price_cents, currency, url) VALUES (?, ?, ?, ?, 'EUR', ?)",
            [(i, pid, t, p, f"https://shop.example/p/{pid}") for i, pid, t, p in PRODUCTS],
        )
        conn.executemany(
            "INSERT INTO customers (id, customer_id, email, email_norm, phone, first_name, last_name, birthday,"
            " created_at, accepts_email, accepts_sms, accepts_push, push_token)"
            " VALUES (?, ?, ?, lower(?), ?, ?, ?, ?, '2024-01-01T00:00:00+00:00', ?, ?, ?, ?)",
            [(c[0], c[1], c[2], c[2], *c[3:]) for c in CUSTOMERS],
        )
        prices = {p[0]: p[3] for p in PRODUCTS}
        for oid, code, cust, at, status, lines in ORDERS:
            total = sum(prices[p] * q for p, q in lines)
            conn.execute("INSERT INTO orders (id, order_id, customer_id, placed_at, total_cents, currency, status)"
                         " VALUES (?, ?, ?, ?, ?, 'EUR', ?)", (oid, code, cust, at, total, status))
            conn.executemany(
                "INSERT INTO order_items (order_id, line, product_id, sku, title, quantity, price_cents) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(oid, n, p, PRODUCTS[p - 1][1], PRODUCTS[p - 1][2], q, prices[p]) for n, (p, q) in enumerate(lines, 1)],
            )
        cart = {"product_id": "POT-1", "cart": [{"product_id": "POT-1", "title": "Cast Iron Teapot", "quantity": 1,
                                                 "price_cents": 6400}], "total_cents": 6400}
        events = [
            ("e1", 3, "cart_updated", "2026-06-29T09:00:00+00:00", json.dumps(cart)),
            ("e2", 3, "product_viewed", "2026-06-28T09:00:00+00:00", json.dumps({"product_id": "MAT-1", "title": "Ceremonial Matcha, 30 g"})),
            ("e3", 1, "product_viewed", "2026-06-27T09:00:00+00:00", json.dumps({"product_id": "TEA-1"})),
            ("e4", 1, "product_viewed", "2026-06-27T10:00:00+00:00", json.dumps({"product_id": "POT-1"})),
        ]
        conn.executemany(
            "INSERT INTO events (event_key, customer_id, type, occurred_at, properties) VALUES (?, ?, ?, ?, ?)", events
        )
    settings.set_value(store, "shop.name", "Kettle & Kiln")
    settings.set_value(store, "shop.url", "https://shop.example")
    settings.set_value(store, "shop.postal_address", "Lindenstraße 12, 10969 Berlin")


@pytest.fixture
def shop(store):
    """The `store` fixture (starter templates seeded by init) with the small shop inserted."""
    seed_shop(store)
    return store


@pytest.fixture(scope="module")
def shop_ro(tmp_path_factory):
    """The same shop, built once per module, for tests that only read (rendering is read-only)."""
    from lifecycle_tui.bootstrap import init_store
    from lifecycle_tui.store import open_store

    path = tmp_path_factory.mktemp("shop") / "shop.db"
    init_store(path)
    s = open_store(path)
    seed_shop(s)
    yield s
    s.close()
