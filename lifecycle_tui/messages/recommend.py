"""Product recommendations: what customers who bought the same things also bought.

:class:`Recommender` computes the shop-wide statistics once (co-purchase counts and best
sellers over counted orders placed up to ``as_of``) and then ranks products for a customer
from the set of products they bought: candidates score by how many orders contained both a
bought product and the candidate; ties and empty slots fall back to best sellers.
"""

from __future__ import annotations

from collections import Counter, defaultdict

TOP_PER_PRODUCT = 25  # co-purchase partners kept per product (bounds per-customer work)
BEST_SELLERS = 50

_COUNTED = "o.status NOT IN ('cancelled', 'refunded') AND o.placed_at <= ?"


class Recommender:
    def __init__(self, store, as_of_iso: str):
        self.store = store
        self.as_of_iso = as_of_iso
        self._pairs: dict[int, list[tuple[int, int]]] | None = None
        self._best: list[int] | None = None

    @property
    def best_sellers(self) -> list[int]:
        """Product row ids, most units sold first (ties by id, so the order is stable)."""
        if self._best is None:
            rows = self.store.conn.execute(
                f"SELECT oi.product_id, sum(oi.quantity) AS units FROM order_items oi JOIN orders o ON o.id = oi.order_id"
                f" WHERE oi.product_id IS NOT NULL AND {_COUNTED} GROUP BY oi.product_id ORDER BY units DESC, oi.product_id"
                f" LIMIT {BEST_SELLERS}",
                (self.as_of_iso,),
            ).fetchall()
            self._best = [r[0] for r in rows]
        return self._best

    @property
    def pairs(self) -> dict[int, list[tuple[int, int]]]:
        """product -> [(other product, orders containing both)], strongest first."""
        if self._pairs is None:
            rows = self.store.conn.execute(
                f"SELECT a.product_id, b.product_id, count(DISTINCT a.order_id) FROM order_items a"
                f" JOIN order_items b ON b.order_id = a.order_id AND b.product_id <> a.product_id"
                f" JOIN orders o ON o.id = a.order_id"
                f" WHERE a.product_id IS NOT NULL AND b.product_id IS NOT NULL AND {_COUNTED}"
                f" GROUP BY a.product_id, b.product_id",
                (self.as_of_iso,),
            )
            grouped: dict[int, list[tuple[int, int]]] = defaultdict(list)
            for a, b, n in rows:
                grouped[a].append((b, n))
            self._pairs = {a: sorted(v, key=lambda t: (-t[1], t[0]))[:TOP_PER_PRODUCT] for a, v in grouped.items()}
        return self._pairs

    def bought(self, customer_rowid: int) -> set[int]:
        rows = self.store.conn.execute(
            f"SELECT DISTINCT oi.product_id FROM orders o JOIN order_items oi ON oi.order_id = o.id"
            f" WHERE o.customer_id = ? AND oi.product_id IS NOT NULL AND {_COUNTED}",
            (customer_rowid, self.as_of_iso),
        )
        return {r[0] for r in rows}

    def for_customer(self, customer_rowid: int, n: int = 3, exclude: set[int] | None = None,
                     catalogue: list[int] | tuple = ()) -> list[int]:
        """Up to ``n`` product row ids the customer has not bought, best first.

        Co-purchase partners first, then best sellers, then the rest of ``catalogue`` (in its
        order), so a shop whose buyers bought everything popular still gets suggestions.
        """
        bought = self.bought(customer_rowid) | (exclude or set())
        scores: Counter[int] = Counter()
        pairs = self.pairs if bought else {}
        for p in bought:
            for other, count in pairs.get(p, ()):
                if other not in bought:
                    scores[other] += count
        rank = {p: i for i, p in enumerate(self.best_sellers)}
        ranked = sorted(scores, key=lambda p: (-scores[p], rank.get(p, len(rank)), p))[:n]
        for p in (*self.best_sellers, *catalogue):
            if len(ranked) >= n:
                break
            if p not in bought and p not in ranked:
                ranked.append(p)
        return ranked
