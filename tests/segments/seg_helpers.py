"""Helpers for segment tests: a tiny builder for customers, orders and events (times in days before AS_OF)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from lifecycle_tui.store.timeutil import to_iso

AS_OF = datetime(2026, 6, 30, 12, 0, tzinfo=timezone.utc)


class Shop:
    """Writes rows straight into a store; times are given as days before AS_OF."""

    def __init__(self, store) -> None:
        self.store = store
        self._orders = 0
        self._events = 0

    def customer(self, cid: str, **fields) -> int:
        fields.setdefault("email", f"{cid}@example.com")
        fields.setdefault("tags", "[]")
        fields.setdefault("attributes", "{}")
        if not isinstance(fields["tags"], str):
            fields["tags"] = json.dumps(fields["tags"])
        if not isinstance(fields["attributes"], str):
            fields["attributes"] = json.dumps(fields["attributes"])
        fields["email_norm"] = fields["email"].lower() if fields["email"] else None
        cols = ["customer_id", *fields]
        with self.store.transaction() as conn:
            cur = conn.execute(
                f"INSERT INTO customers ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                (cid, *fields.values()),
            )
        return cur.lastrowid

    def order(self, rowid: int, days_ago: float, total: float = 10.0, status: str = "paid") -> int:
        self._orders += 1
        with self.store.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO orders (order_id, customer_id, placed_at, total_cents, currency, status) "
                "VALUES (?, ?, ?, ?, 'EUR', ?)",
                (f"O{self._orders}", rowid, to_iso(AS_OF - timedelta(days=days_ago)), round(total * 100), status),
            )
        return cur.lastrowid

    def event(self, rowid: int, etype: str, days_ago: float, **props) -> int:
        self._events += 1
        with self.store.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO events (event_key, customer_id, type, occurred_at, properties) VALUES (?, ?, ?, ?, ?)",
                (f"E{self._events}", rowid, etype, to_iso(AS_OF - timedelta(days=days_ago)), json.dumps(props)),
            )
        return cur.lastrowid

    def metrics(self, rowid: int) -> dict:
        row = self.store.conn.execute("SELECT * FROM customer_metrics WHERE customer_id = ?", (rowid,)).fetchone()
        return dict(row)

    def changes(self, rowid: int, kind: str = "stage") -> list[tuple]:
        return [
            tuple(r) for r in self.store.conn.execute(
                "SELECT from_value, to_value, changed_at FROM segment_changes WHERE customer_id = ? AND kind = ? "
                "ORDER BY id", (rowid, kind),
            )
        ]
