"""Product recommendations: what customers who bought the same things also bought.

:class:`Recommender` computes the shop-wide statistics once (co-purchase counts and best
sellers over the latest counted orders placed up to ``as_of``) and then ranks products for a customer
from the set of products they bought: candidates score by how many orders contained both a
bought product and the candidate; ties and empty slots fall back to best sellers.
"""

from __future__ import annotations

import heapq
import itertools
from collections import Counter, defaultdict

TOP_PER_PRODUCT = 25  # co-purchase partners kept per product (bounds per-customer work)
BEST_SELLERS = 50
MAX_BASKET = 40
STATS_ORDERS = 50_000  # the most recent counted orders that best sellers and pairs are drawn from
DENSE_MAX = 256  # up to this many partner products, scores are summed as dense vectors (in C)

_COUNTED = "o.status NOT IN ('cancelled', 'refunded') AND o.placed_at <= ?"


class Recommender:
    def __init__(self, store, as_of_iso: str):
        self.store = store
        self.as_of_iso = as_of_iso
        self._pairs: dict[int, list[tuple[int, int]]] | None = None
        self._best: list[int] | None = None
        self._rank: dict[int, int] | None = None
        self._dense: tuple[list[int], dict[int, tuple[int, ...]]] | bool | None = None

    def _scan(self) -> None:
        """One pass over the items of the latest STATS_ORDERS counted orders: units and pairs.

        Recent orders say what sells now, and the cap bounds the cost on big stores (a million
        orders: SQL's self-join took ~40 s; this takes a few). Counting in Python beats a
        self-join with GROUP BY. Baskets of more than MAX_BASKET distinct products (wholesale
        orders) count for best sellers but not for pairs.
        """
        conn = self.store.conn
        units: Counter[int] = Counter()
        pairs: dict[int, Counter[int]] = defaultdict(Counter)

        def count(basket: set[int]) -> None:
            if 1 < len(basket) <= MAX_BASKET:
                for a in basket:
                    row = pairs[a]
                    for b in basket:
                        if a != b:
                            row[b] += 1

        current, basket = None, set()
        for order_id, product_id, quantity in conn.execute(
            f"SELECT oi.order_id, oi.product_id, oi.quantity FROM (SELECT o.id FROM orders o WHERE {_COUNTED}"
            " ORDER BY o.placed_at DESC LIMIT ?) recent JOIN order_items oi ON oi.order_id = recent.id"
            " WHERE oi.product_id IS NOT NULL ORDER BY oi.order_id",
            (self.as_of_iso, STATS_ORDERS),
        ):
            if order_id != current:
                count(basket)
                current, basket = order_id, set()
            basket.add(product_id)
            units[product_id] += quantity or 0
        count(basket)
        self._best = [p for p, _ in sorted(units.items(), key=lambda t: (-t[1], t[0]))[:BEST_SELLERS]]
        self._pairs = {a: sorted(row.items(), key=lambda t: (-t[1], t[0]))[:TOP_PER_PRODUCT] for a, row in pairs.items()}

    @property
    def best_sellers(self) -> list[int]:
        """Product row ids, most units sold first (ties by id, so the order is stable)."""
        if self._best is None:
            self._scan()
        return self._best

    @property
    def pairs(self) -> dict[int, list[tuple[int, int]]]:
        """product -> [(other product, orders containing both)], strongest first."""
        if self._pairs is None:
            self._scan()
        return self._pairs

    @property
    def rank(self) -> dict[int, int]:
        """product -> position among the best sellers (computed once)."""
        if self._rank is None:
            self._rank = {p: i for i, p in enumerate(self.best_sellers)}
        return self._rank

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
        return self.for_bought(self.bought(customer_rowid) | (exclude or set()), n, catalogue=catalogue)

    def dense_pairs(self) -> tuple[list[int], dict[int, tuple[int, ...]]] | bool:
        """(partner products, product -> its pair counts as a vector over them), or False when
        the shop has more than DENSE_MAX partner products (then dicts are cheaper)."""
        if self._dense is None:
            partners = sorted({other for row in self.pairs.values() for other, _ in row})
            if len(partners) > DENSE_MAX:
                self._dense = False
            else:
                column = {p: i for i, p in enumerate(partners)}
                rows = {}
                for product, row in self.pairs.items():
                    vector = [0] * len(partners)
                    for other, count in row:
                        vector[column[other]] = count
                    rows[product] = tuple(vector)
                self._dense = (partners, rows)
        return self._dense

    def for_bought(self, bought: set[int], n: int = 3, catalogue: list[int] | tuple = ()) -> list[int]:
        """:meth:`for_customer` from the set of products already bought (e.g. prefetched)."""
        scores = self._scores(bought) if bought else {}
        rank = self.rank
        last = len(rank)
        ranked = [p for _, _, p in heapq.nsmallest(n, ((-c, rank.get(p, last), p) for p, c in scores.items()))]
        for p in itertools.chain(self.best_sellers, catalogue):
            if len(ranked) >= n:
                break
            if p not in bought and p not in ranked:
                ranked.append(p)
        return ranked

    def _scores(self, bought: set[int]) -> dict[int, int]:
        """Candidate -> orders that contained it and one of ``bought`` (summed over ``bought``;
        bought products and candidates that never came with one left out)."""
        dense = self.dense_pairs()
        if dense:
            # A shop with a small catalogue: one column sum per partner product, all in C (a
            # repeat buyer has bought 10-20 products; the dict loop below was ~20% of a plan).
            partners, rows = dense
            vectors = [rows[p] for p in bought if p in rows]
            if not vectors:
                return {}
            totals = map(sum, zip(*vectors)) if len(vectors) > 1 else vectors[0]
            return {p: c for p, c in zip(partners, totals) if c and p not in bought}
        scores: dict[int, int] = {}
        get = scores.get
        pairs = self.pairs
        for p in bought:
            for other, count in pairs.get(p, ()):
                scores[other] = get(other, 0) + count
        for p in bought:
            scores.pop(p, None)
        return scores
