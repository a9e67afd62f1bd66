"""Customer read models: the profile summary that `customers list|show` and the console print."""

from __future__ import annotations

import sqlite3
from typing import Iterator

# Cancelled and refunded orders never count as purchases.
NOT_COUNTED_STATUSES = ("cancelled", "refunded")

_SUMMARY_SQL = """
SELECT c.id, c.customer_id, c.email, c.first_name, c.last_name, c.phone,
       c.accepts_email, c.accepts_sms, c.accepts_push,
       count(o.id) AS orders,
       coalesce(sum(o.total_cents), 0) AS revenue_cents,
       min(o.placed_at) AS first_order_at,
       max(o.placed_at) AS last_order_at
FROM customers c
LEFT JOIN orders o ON o.customer_id = c.id AND o.status NOT IN ('cancelled', 'refunded')
{where}
GROUP BY c.id
ORDER BY c.id
{limit}
"""


def _summary(row: sqlite3.Row) -> dict:
    return {
        "customer_id": row["customer_id"],
        "email": row["email"],
        "first_name": row["first_name"],
        "last_name": row["last_name"],
        "orders": row["orders"],
        "revenue": row["revenue_cents"] / 100,
        "first_order_at": row["first_order_at"],
        "last_order_at": row["last_order_at"],
        "stage": None,
        "rfm": None,
        "accepts_email": bool(row["accepts_email"]),
        "accepts_sms": bool(row["accepts_sms"]),
        "accepts_push": bool(row["accepts_push"]),
    }


def get_customer(store, customer_id: str) -> dict | None:
    """The summary of one customer by the shop's customer_id (or email), or None."""
    row = store.conn.execute(
        _SUMMARY_SQL.format(where="WHERE c.customer_id = ? OR c.email_norm = lower(trim(?))", limit="LIMIT 1"),
        (customer_id, customer_id),
    ).fetchone()
    return None if row is None else _summary(row)


def iter_customers(store, limit: int | None = None) -> Iterator[dict]:
    """Summaries of every customer in id order (streamed; ``limit`` caps the count)."""
    sql = _SUMMARY_SQL.format(where="", limit="LIMIT ?" if limit else "")
    params = (limit,) if limit else ()
    for row in store.conn.execute(sql, params):
        yield _summary(row)
