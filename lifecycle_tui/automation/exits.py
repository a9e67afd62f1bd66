"""Exit conditions: what ends a rule's series for a customer after its trigger.

``ordered_since_trigger``: a counted order placed after the trigger (up to ``as_of``);
``unsubscribed``: an ``unsubscribed`` event after the trigger. The rows are loaded once per plan
for the customers concerned, then each check is a bisect in a sorted list.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from datetime import datetime

from lifecycle_tui.store.timeutil import to_iso


def _when(text: str) -> str:
    return text[:16].replace("T", " ") + " UTC"


class ExitFinder:
    """Answers "did this instance exit, and on what?" for the candidates of one plan."""

    def __init__(self, store, as_of: datetime, cands) -> None:
        self.as_of = to_iso(as_of)
        wanted: dict[str, set[int]] = defaultdict(set)
        since: dict[str, str] = {}
        for c in cands:
            for kind in c.rule.exits:
                wanted[kind].add(c.inst.customer)
                since[kind] = min(since.get(kind, c.inst.anchor), c.inst.anchor)
        self.orders = self._load(
            store, wanted.get("ordered_since_trigger"), since.get("ordered_since_trigger"),
            "SELECT customer_id, placed_at, order_id FROM orders WHERE status NOT IN ('cancelled', 'refunded') "
            "AND placed_at > ? AND placed_at <= ? ORDER BY customer_id, placed_at, id")
        self.unsubscribes = self._load(
            store, wanted.get("unsubscribed"), since.get("unsubscribed"),
            "SELECT customer_id, occurred_at, type FROM events WHERE type = 'unsubscribed' "
            "AND occurred_at > ? AND occurred_at <= ? ORDER BY customer_id, occurred_at, id")

    def _load(self, store, customers: set[int] | None, since: str | None, sql: str) -> dict[int, list]:
        out: dict[int, list] = defaultdict(list)
        if not customers:
            return out
        if len(customers) <= 500:  # one customer (preview) or a few: narrow by id
            ids = sorted(customers)
            sql = sql.replace(" ORDER BY", f" AND customer_id IN ({','.join('?' * len(ids))}) ORDER BY")
            rows = store.conn.execute(sql, (since, self.as_of, *ids))
        else:
            rows = store.conn.execute(sql, (since, self.as_of))
        for cid, at, what in rows:
            if cid in customers:
                out[cid].append((at, what))
        return out

    @staticmethod
    def _after(rows: list, anchor: str):
        i = bisect_right(rows, (anchor, "\uffff"))
        return rows[i] if i < len(rows) else None

    def reason(self, rule, inst) -> str | None:
        """The exit reason for this instance at ``as_of``, or None."""
        for kind in rule.exits:
            if kind == "ordered_since_trigger":
                hit = self._after(self.orders.get(inst.customer, []), inst.anchor)
                if hit:
                    number = hit[1] if str(hit[1]).startswith("#") else f"#{hit[1]}"
                    return f"exited: ordered {number} at {_when(hit[0])}"
            elif kind == "unsubscribed":
                hit = self._after(self.unsubscribes.get(inst.customer, []), inst.anchor)
                if hit:
                    return f"exited: unsubscribed at {_when(hit[0])}"
        return None
