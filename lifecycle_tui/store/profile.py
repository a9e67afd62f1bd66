"""One customer's full profile for the console: contact, consent, metrics, history, orders, events, messages.

Read-only queries, each bounded (the newest ``limit`` orders, events and messages) so a
customer with years of history still opens at once. Metrics come from ``customer_metrics``
(refresh them first with ``segments.ensure_metrics``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

HISTORY_LIMIT = 50


@dataclass
class Profile:
    customer: dict
    metrics: dict | None
    suppressed: list[dict]
    consent_changes: list[dict]
    stage_history: list[dict]
    orders: list[dict] = field(default_factory=list)  # newest first, each with "items"
    events: list[dict] = field(default_factory=list)  # newest first
    messages: list[dict] = field(default_factory=list)  # newest first
    order_count: int = 0
    event_count: int = 0
    message_count: int = 0


def _rows(store, sql: str, params: tuple) -> list[dict]:
    return [dict(r) for r in store.conn.execute(sql, params)]


def customer_profile(store, rowid: int, limit: int = HISTORY_LIMIT) -> Profile | None:
    """The profile of the customer with internal id ``rowid``, or None when there is none."""
    row = store.conn.execute("SELECT * FROM customers WHERE id = ?", (rowid,)).fetchone()
    if row is None:
        return None
    customer = dict(row)
    customer["tags"] = json.loads(customer.get("tags") or "[]")
    customer["attributes"] = json.loads(customer.get("attributes") or "{}")
    metrics = store.conn.execute("SELECT * FROM customer_metrics WHERE customer_id = ?", (rowid,)).fetchone()
    suppressed = _rows(
        store,
        "SELECT kind, value, reason, created_at FROM suppressions"
        " WHERE (kind = 'email' AND value = ?) OR (kind = 'phone' AND value = ?)",
        (customer.get("email_norm") or "", customer.get("phone") or ""),
    )
    orders = _rows(
        store,
        "SELECT id, order_id, placed_at, total_cents, currency, status FROM orders"
        " WHERE customer_id = ? ORDER BY placed_at DESC, id DESC LIMIT ?",
        (rowid, limit),
    )
    if orders:
        ids = [o["id"] for o in orders]
        marks = ", ".join("?" for _ in ids)
        items: dict[int, list[dict]] = {}
        for item in _rows(
            store,
            f"SELECT order_id, line, sku, title, quantity, price_cents FROM order_items"
            f" WHERE order_id IN ({marks}) ORDER BY order_id, line",
            tuple(ids),
        ):
            items.setdefault(item["order_id"], []).append(item)
        for o in orders:
            o["items"] = items.get(o["id"], [])
    return Profile(
        customer=customer,
        metrics=dict(metrics) if metrics else None,
        suppressed=suppressed,
        consent_changes=_rows(
            store,
            "SELECT channel, old_value, new_value, source, changed_at FROM consent_changes"
            " WHERE customer_id = ? ORDER BY changed_at DESC, id DESC LIMIT ?",
            (rowid, limit),
        ),
        stage_history=_rows(
            store,
            "SELECT kind, from_value, to_value, changed_at FROM segment_changes"
            " WHERE customer_id = ? ORDER BY changed_at DESC, id DESC LIMIT ?",
            (rowid, limit),
        ),
        orders=orders,
        events=_rows(
            store,
            "SELECT type, occurred_at, properties FROM events"
            " WHERE customer_id = ? ORDER BY occurred_at DESC, id DESC LIMIT ?",
            (rowid, limit),
        ),
        messages=_rows(
            store,
            "SELECT run_id, rule, step, channel, template, status, reason, due_at, sent_at FROM messages"
            " WHERE customer_id = ? ORDER BY coalesce(sent_at, claimed_at) DESC, id DESC LIMIT ?",
            (rowid, limit),
        ),
        order_count=int(store.scalar("SELECT count(*) FROM orders WHERE customer_id = ?", (rowid,))),
        event_count=int(store.scalar("SELECT count(*) FROM events WHERE customer_id = ?", (rowid,))),
        message_count=int(store.scalar("SELECT count(*) FROM messages WHERE customer_id = ?", (rowid,))),
    )
