"""Row buffers for the sample generator: ids, timestamps, JSON snippets and batched inserts.

The generator simulates one customer at a time and hands every row it invents to a
:class:`Rows` buffer, which assigns ids and writes in ``executemany`` batches inside the
caller's transaction. Timestamps are integer Unix seconds until they are written, when they
become the store's UTC ISO-8601 text; JSON for events is assembled from pre-encoded
snippets, because per-row ``json.dumps`` dominates the cost at a million rows.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from lifecycle_tui.sample.catalogue import CURRENCY, PRODUCTS, SHOP_URL
from lifecycle_tui.sample.draw import cumulative

DAY = 86_400
HOUR = 3_600


def iso(ts: int) -> str:
    """Unix seconds -> the store's UTC ISO-8601 text (same shape as ``timeutil.to_iso``)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(ts))


def _slug(title: str) -> str:
    keep = "".join(ch.lower() if ch.isalnum() else "-" for ch in title)
    return "-".join(part for part in keep.split("-") if part)


PRODUCT_ROWS = [
    (i + 1, pid, title, price, CURRENCY, f"{SHOP_URL}/products/{_slug(title)}", json.dumps({"category": cat}))
    for i, (pid, title, price, cat, _w) in enumerate(PRODUCTS)
]
PRODUCT_CUM_WEIGHTS = cumulative([p[4] for p in PRODUCTS])
PRODUCT_INDEXES = list(range(len(PRODUCTS)))

# Pre-encoded JSON fragments per product (and per quantity for cart lines).
# Compact separators: event properties are most of the file's size.
_COMPACT = (",", ":")
_VIEW_JSON = [json.dumps({"product_id": p[0], "title": p[1]}, separators=_COMPACT) for p in PRODUCTS]
_CART_LINE = [
    [json.dumps({"product_id": p[0], "title": p[1], "quantity": q, "price_cents": p[2]}, separators=_COMPACT)
     for q in range(0, 10)]
    for p in PRODUCTS
]
_PID_JSON = [json.dumps(p[0]) for p in PRODUCTS]


def view_props(product: int) -> str:
    return _VIEW_JSON[product]


def cart_props(lines: list[tuple[int, int]], *, checkout: bool = False) -> str:
    """``{"product_id": <last added>, "cart": [...], "total_cents": N}`` for cart/checkout events."""
    cart = ",".join(_CART_LINE[p][q] for p, q in lines)
    total = sum(PRODUCTS[p][2] * q for p, q in lines)
    if checkout:
        return f'{{"cart":[{cart}],"total_cents":{total}}}'
    return f'{{"product_id":{_PID_JSON[lines[-1][0]]},"cart":[{cart}],"total_cents":{total}}}'


_CUSTOMER_SQL = (
    "INSERT INTO customers (id, customer_id, email, email_norm, phone, first_name, last_name, birthday,"
    " created_at, accepts_email, accepts_sms, accepts_push, push_token, timezone, tags, attributes, updated_at)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
_ORDER_SQL = "INSERT INTO orders (id, order_id, customer_id, placed_at, total_cents, currency, status) VALUES (?,?,?,?,?,?,?)"
_ITEM_SQL = "INSERT INTO order_items (order_id, line, product_id, sku, title, quantity, price_cents) VALUES (?,?,?,?,?,?,?)"
_EVENT_SQL = "INSERT INTO events (id, event_id, event_key, customer_id, type, occurred_at, properties) VALUES (?,?,?,?,?,?,?)"
_CONSENT_SQL = (
    "INSERT INTO consent_changes (customer_id, channel, old_value, new_value, source, changed_at) VALUES (?,?,?,?,?,?)"
)
_SUPPRESSION_SQL = "INSERT INTO suppressions (kind, value, reason, source, created_at) VALUES (?,?,?,?,?)"


@dataclass
class Rows:
    """Buffered rows with running ids; ``flush`` writes them (customers first, for the foreign keys)."""

    conn: object
    batch: int = 50_000
    customers: list = field(default_factory=list)
    orders: list = field(default_factory=list)
    items: list = field(default_factory=list)
    events: list = field(default_factory=list)
    consents: list = field(default_factory=list)
    suppressions: list = field(default_factory=list)
    cutoff: int = 0  # last_before holds each customer's last counted order at or before this time
    last_counted: dict = field(default_factory=dict)  # customers.id -> time of last counted order
    last_before: dict = field(default_factory=dict)
    next_order: int = 1
    next_event: int = 1
    counts: dict = field(default_factory=lambda: dict.fromkeys(
        ("customers", "orders", "order_items", "events", "consent_changes", "suppressions"), 0))

    def order(self, customer: int, ts: int, lines: list[tuple[int, int]], status: str) -> int:
        """Record an order with its items; the total is the sum of the lines."""
        oid = self.next_order
        self.next_order += 1
        total = 0
        items = self.items
        for n, (p, q) in enumerate(lines, 1):
            pid, title, price = PRODUCTS[p][0], PRODUCTS[p][1], PRODUCTS[p][2]
            items.append((oid, n, p + 1, pid, title, q, price))
            total += price * q
        if status not in ("cancelled", "refunded"):
            if ts > self.last_counted.get(customer, 0):
                self.last_counted[customer] = ts
            if ts <= self.cutoff and ts > self.last_before.get(customer, 0):
                self.last_before[customer] = ts
        # A temporary id: renumbered in time order once every order is in (see generator).
        self.orders.append((oid, f"tmp-{oid}", customer, iso(ts), total, CURRENCY, status))
        return oid

    def event(self, customer: int, kind: str, ts: int, props: str = "{}") -> None:
        eid = self.next_event
        self.next_event += 1
        key = f"ev-{eid:08d}"
        self.events.append((eid, key, key, customer, kind, iso(ts), props))

    def consent(self, customer: int, channel: str, old: int | None, new: int, source: str, ts: int) -> None:
        self.consents.append((customer, channel, old, new, source, iso(ts)))

    def suppress(self, kind: str, value: str, reason: str, source: str, ts: int) -> None:
        self.suppressions.append((kind, value, reason, source, iso(ts)))

    def full(self) -> bool:
        return len(self.events) >= self.batch or len(self.items) >= self.batch

    def flush(self) -> None:
        conn = self.conn
        for name, sql, rows in (
            ("customers", _CUSTOMER_SQL, self.customers),
            ("orders", _ORDER_SQL, self.orders),
            ("order_items", _ITEM_SQL, self.items),
            ("events", _EVENT_SQL, self.events),
            ("consent_changes", _CONSENT_SQL, self.consents),
            ("suppressions", _SUPPRESSION_SQL, self.suppressions),
        ):
            if rows:
                conn.executemany(sql, rows)
                self.counts[name] += len(rows)
                rows.clear()
