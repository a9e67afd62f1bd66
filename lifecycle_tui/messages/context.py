"""The render context: ``customer``, ``shop``, ``order``, ``cart``, ``browsed``, ``recommendations``,
``unsubscribe_url``, ``as_of`` and ``event``, plus whatever the caller (a rule) adds in ``extra``.

:class:`ContextBuilder` reads shop-wide data once (settings, products, best sellers and
co-purchase counts) and per-customer data with a few indexed queries, and builds only the
names a template uses. :meth:`ContextBuilder.prefetch` announces many customers (a plan's), whose
profiles, order totals and bought products are then read a chunk at a time with set-based
queries. :func:`build_context` is the one-off form for previews.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from lifecycle_tui.messages.context_schema import AGGREGATE_FIELDS, CONTEXT_NAMES, CUSTOMER_FIELDS, json_or
from lifecycle_tui.messages.errors import TemplateError
from lifecycle_tui.messages.recommend import Recommender
from lifecycle_tui.messages.records import Record, to_record
from lifecycle_tui.messages.unsubscribe import ensure_secret, sign, unsubscribe_base, unsubscribe_url
from lifecycle_tui.store.settings import get_all
from lifecycle_tui.store.timeutil import to_iso

RECOMMENDATIONS = 3
BROWSE_DAYS = 14
CART_EVENTS = ("cart_updated", "checkout_started")
_COUNTED = "status NOT IN ('cancelled', 'refunded') AND placed_at <= ?"
_COUNTED_O = "o.status NOT IN ('cancelled', 'refunded') AND o.placed_at <= ?"
PREFETCH_CHUNK = 500  # customers per set-based query (well under SQLite's bound-parameter limit)
_NO_METRICS = (None, None, None, None, None)  # a customer without a metrics row (as the LEFT JOIN gives)


class ContextBuilder:
    """Builds render contexts for many customers at one ``as_of`` (shop-wide data cached)."""

    def __init__(self, store, as_of: datetime):
        self.store = store
        self.as_of = as_of
        self.as_of_iso = to_iso(as_of)
        self.settings = get_all(store)
        s = self.settings
        self.currency = s["shop.currency"]
        self.timezone = s["shop.timezone"]
        self.unsubscribe_base = unsubscribe_base(s)
        self.shop = Record("shop", {
            "name": s["shop.name"], "url": s["shop.url"], "sender_name": s["shop.sender_name"],
            "sender_email": s["shop.sender_email"], "postal_address": s["shop.postal_address"],
            "currency": self.currency, "timezone": self.timezone, "unsubscribe_url": self.unsubscribe_base,
        })
        self.has_metrics = store.has_table("customer_metrics")
        self.recommender = Recommender(store, self.as_of_iso)
        self._secret: str | None = None
        self._products: dict | None = None
        self._products_by_code: dict | None = None
        self._catalogue: list[int] | None = None
        # prefetch(): customers a plan will render, in chunks loaded on first use (see _row)
        self._chunk_of: dict[int, int] = {}
        self._chunks: list[list[int]] = []
        self._loaded: dict[tuple[str, int], bool] = {}
        self._rows: dict[int, object] = {}  # rowid -> customer row (None: no such customer)
        self._held: dict[int, tuple] | None = None  # rowid -> (stage, r, f, m, segment): hold_metrics()
        self.hold_for_workers = False  # warm() holds the metrics: a dry-run's refresh is not committed
        self._aggs: dict[int, tuple] = {}  # rowid -> order aggregates
        self._bought: dict[int, set[int]] = {}
        self._recommended: dict[tuple[frozenset, int], list[int]] = {}

    # -- shop-wide, cached ---------------------------------------------------------------
    @property
    def products(self) -> dict[int, Record]:
        if self._products is None:
            self._products, self._products_by_code = {}, {}
            for r in self.store.conn.execute("SELECT id, product_id, title, price_cents, currency, url FROM products"):
                rec = Record("product", {
                    "product_id": r["product_id"], "title": r["title"] or r["product_id"],
                    "price_cents": r["price_cents"], "currency": r["currency"] or self.currency,
                    "url": r["url"] or f"{self.shop.url}/products/{r['product_id']}",
                })
                self._products[r["id"]] = rec
                self._products_by_code[r["product_id"]] = (r["id"], rec)
        return self._products

    def product_by_code(self, code) -> tuple[int | None, Record | None]:
        self.products  # noqa: B018 - loads both maps
        return self._products_by_code.get(str(code), (None, None)) if code is not None else (None, None)

    def token(self, customer_rowid: int, channel: str) -> str:
        if self._secret is None:
            self._secret = ensure_secret(self.store)
        return sign(self._secret, customer_rowid, channel)

    def warm(self, recommendations: bool) -> None:
        """Read the shop-wide data now (see Renderer.warm), and the stages and RFM the workers
        about to be forked cannot see, if the plan said so (``hold_for_workers``)."""
        self.products  # noqa: B018
        self.token(0, "email")
        if recommendations:
            self.recommender.rank  # noqa: B018 - runs the statistics scan
        if self.hold_for_workers and self._held is None:
            self.hold_metrics()

    def rebind(self, store) -> None:
        self.store = store
        self.recommender.store = store

    # -- many customers at once ------------------------------------------------------------
    def prefetch(self, rowids) -> None:
        """Announce the customers about to be rendered (a plan's): their profiles, order totals
        and bought products are then read with set-based queries, PREFETCH_CHUNK customers at a
        time, when the first of a chunk is needed, instead of with a few queries per customer."""
        ids = sorted(set(rowids) - self._chunk_of.keys())
        for i in range(0, len(ids), PREFETCH_CHUNK):
            chunk = ids[i:i + PREFETCH_CHUNK]
            for rowid in chunk:
                self._chunk_of[rowid] = len(self._chunks)
            self._chunks.append(chunk)

    def _chunk(self, kind: str, rowid: int) -> list[int] | None:
        """The not yet loaded ``kind`` chunk holding ``rowid`` (marked loaded), else None."""
        k = self._chunk_of.get(rowid)
        if k is None or self._loaded.get((kind, k)):
            return None
        self._loaded[(kind, k)] = True
        return self._chunks[k]

    def _customer_sql(self, where: str) -> str:
        metrics_cols = ("m.stage AS m_stage, m.r AS m_r, m.f AS m_f, m.m AS m_m, m.rfm_segment AS m_rfm"
                        if self.has_metrics else "NULL AS m_stage, NULL AS m_r, NULL AS m_f, NULL AS m_m, NULL AS m_rfm")
        join = "LEFT JOIN customer_metrics m ON m.customer_id = c.id" if self.has_metrics else ""
        return f"SELECT c.*, {metrics_cols} FROM customers c {join} WHERE {where}"

    def _customer_row(self, rowid: int):
        """The customer's row (with stage and RFM) from the prefetch, else queried; None if none."""
        chunk = self._chunk("customer", rowid)
        if chunk is not None:
            rows = {r["id"]: self._with_held(r) for r in self.store.conn.execute(
                self._customer_sql(f"c.id IN ({','.join('?' * len(chunk))})"), chunk)}
            self._rows = {cid: rows.get(cid) for cid in chunk}  # one chunk held
        if rowid in self._rows:
            return self._rows[rowid]
        return self._with_held(self.store.conn.execute(self._customer_sql("c.id = ?"), (rowid,)).fetchone())

    def hold_metrics(self) -> None:
        """Keep every customer's stage and RFM as this connection sees them now, and take them
        from here from now on. For a dry-run's plan split over forked workers: its metrics
        refresh is never committed, and the workers read customers through their own connections,
        which would see the stages of the last committed refresh. (Order totals need nothing held:
        where the metrics are not current for a connection, they are summed from the orders.)"""
        if not self.has_metrics:
            return
        cur = self.store.conn.cursor()
        cur.row_factory = None
        self._held = {r[0]: r[1:] for r in cur.execute("SELECT customer_id, stage, r, f, m, rfm_segment FROM customer_metrics")}

    def _with_held(self, row):
        """``row`` with the held stage and RFM (see :meth:`hold_metrics`), if any are held."""
        if row is None or self._held is None:
            return row
        out = dict(zip(row.keys(), row))
        out["m_stage"], out["m_r"], out["m_f"], out["m_m"], out["m_rfm"] = self._held.get(row["id"], _NO_METRICS)
        return out

    def _metrics_current(self) -> bool:
        """``customer_metrics`` holds every customer's order totals at this ``as_of`` (a plan and a
        preview bring it up to date first), so they need not be summed again from the orders."""
        if not self.has_metrics:
            return False
        from lifecycle_tui.segments import is_fresh

        return is_fresh(self.store, self.as_of)

    def _aggregates(self, rowid: int) -> tuple:
        """(orders, revenue, first, last) of counted orders, from the prefetch, else queried. Read
        only for a template that shows one of them (a newsletter reads none)."""
        chunk = self._chunk("aggregates", rowid)
        if chunk is not None:
            marks = ",".join("?" * len(chunk))
            if self._metrics_current():  # the same totals, computed already
                sql, params = (f"SELECT customer_id, orders, revenue_cents, first_order_at, last_order_at"
                               f" FROM customer_metrics WHERE customer_id IN ({marks})", chunk)
            else:
                sql, params = (f"SELECT customer_id, count(*), coalesce(sum(total_cents), 0), min(placed_at),"
                               f" max(placed_at) FROM orders WHERE customer_id IN ({marks}) AND {_COUNTED}"
                               f" GROUP BY customer_id", (*chunk, self.as_of_iso))
            aggs = {r[0]: tuple(r[1:]) for r in self.store.conn.execute(sql, params)}
            self._aggs = {cid: aggs.get(cid, (0, 0, None, None)) for cid in chunk}  # one chunk held
        hit = self._aggs.get(rowid)
        if hit is not None:
            return hit
        return tuple(self.store.conn.execute(
            f"SELECT count(*), coalesce(sum(total_cents), 0), min(placed_at), max(placed_at) FROM orders"
            f" WHERE customer_id = ? AND {_COUNTED}", (rowid, self.as_of_iso),
        ).fetchone())

    def bought(self, rowid: int) -> set[int]:
        """Product row ids the customer bought (counted orders up to ``as_of``)."""
        chunk = self._chunk("bought", rowid)
        if chunk is not None:
            marks = ",".join("?" * len(chunk))
            loaded: dict[int, set[int]] = {cid: set() for cid in chunk}
            # One row per customer (their product ids as text) rather than one per product: less
            # to step through and convert, for ~10 products per buyer.
            for cid, pids in self.store.conn.execute(
                f"SELECT o.customer_id, group_concat(DISTINCT oi.product_id) FROM orders o"
                f" JOIN order_items oi ON oi.order_id = o.id"
                f" WHERE o.customer_id IN ({marks}) AND oi.product_id IS NOT NULL AND {_COUNTED_O}"
                f" GROUP BY o.customer_id",
                (*chunk, self.as_of_iso),
            ):
                loaded[cid] = set(map(int, pids.split(",")))
            self._bought = loaded  # one chunk held at a time: memory stays flat on big plans
        hit = self._bought.get(rowid)
        return hit if hit is not None else self.recommender.bought(rowid)

    # -- per customer --------------------------------------------------------------------
    def customer(self, rowid: int, fields=None) -> Record:
        """The customer record; ``fields`` (see :func:`customer_fields`) builds only those
        fields, for a template that reads no others."""
        c = self._customer_row(rowid)
        if c is None:
            raise TemplateError(f"no customer with row id {rowid}")
        get = CUSTOMER_FIELDS
        agg = self._aggregates(rowid) if fields is None or not AGGREGATE_FIELDS.isdisjoint(fields) else None
        return Record("customer", {k: get[k](self, rowid, c, agg) for k in (fields or get)})

    def order(self, rowid: int) -> Record | None:
        conn = self.store.conn
        o = conn.execute(
            f"SELECT id, order_id, placed_at, total_cents, currency, status FROM orders WHERE customer_id = ? AND {_COUNTED}"
            " ORDER BY placed_at DESC, id DESC LIMIT 1", (rowid, self.as_of_iso),
        ).fetchone()
        if o is None:
            return None
        items = []
        for it in conn.execute(
            "SELECT product_id, sku, title, quantity, price_cents FROM order_items WHERE order_id = ? ORDER BY line", (o["id"],)
        ):
            product = self.products.get(it["product_id"])
            items.append(Record("order item", {
                "product_id": product.product_id if product else it["sku"], "sku": it["sku"],
                "title": it["title"] or (product.title if product else it["sku"]) or "item",
                "quantity": it["quantity"], "price_cents": it["price_cents"],
                "line_total_cents": it["price_cents"] * it["quantity"],
                "url": product.url if product else self.shop.url,
            }))
        return Record("order", {
            "id": o["order_id"], "order_id": o["order_id"], "placed_at": o["placed_at"], "total_cents": o["total_cents"],
            "currency": o["currency"], "status": o["status"], "items": items,
            "item_count": sum(i.quantity for i in items),
        })

    def _lines(self, raw_lines) -> list[Record]:
        lines = []
        for raw in raw_lines if isinstance(raw_lines, list) else []:
            if not isinstance(raw, dict):
                continue
            _, product = self.product_by_code(raw.get("product_id") or raw.get("sku"))
            price = raw.get("price_cents")
            if price is None and raw.get("price") is not None:
                price = round(float(raw["price"]) * 100)
            qty = int(raw.get("quantity") or 1)
            lines.append(Record("cart item", {
                "product_id": raw.get("product_id") or raw.get("sku"), "title": raw.get("title") or (product.title if product else "item"),
                "quantity": qty, "price_cents": price if price is not None else (product.price_cents if product else None),
                "url": product.url if product else self.shop.url,
            }))
        return lines

    def cart_from(self, props: dict, updated_at: str | None = None) -> Record:
        """A cart record from a cart event's properties (or a rule's ``extra['cart']``)."""
        if isinstance(props, list):
            props = {"cart": props}
        items = self._lines(props.get("cart") or props.get("items") or [])
        total = props.get("total_cents")
        if total is None:
            total = sum((i.price_cents or 0) * i.quantity for i in items)
        return Record("cart", {
            "items": items, "total_cents": total, "currency": props.get("currency") or self.currency,
            "item_count": sum(i.quantity for i in items), "updated_at": updated_at or props.get("updated_at"),
            "url": props.get("url") or f"{self.shop.url}/cart",
        })

    def cart(self, rowid: int) -> Record | None:
        """The customer's latest cart, unless an order was placed after it (then it was bought)."""
        ev = self.store.conn.execute(
            "SELECT type, occurred_at, properties FROM events WHERE customer_id = ? AND type IN (?, ?) AND occurred_at <= ?"
            " ORDER BY occurred_at DESC, id DESC LIMIT 1", (rowid, *CART_EVENTS, self.as_of_iso),
        ).fetchone()
        if ev is None:
            return None
        later = self.store.scalar(
            f"SELECT 1 FROM orders WHERE customer_id = ? AND placed_at >= ? AND {_COUNTED} LIMIT 1",
            (rowid, ev["occurred_at"], self.as_of_iso),
        )
        if later:
            return None
        cart = self.cart_from(json_or(ev["properties"], {}), ev["occurred_at"])
        return cart if cart.items else None

    def browsed(self, rowid: int, n: int = RECOMMENDATIONS) -> list[Record]:
        """Products viewed in the last 14 days and never bought, most recent first."""
        since = to_iso(self.as_of - timedelta(days=BROWSE_DAYS))
        bought = None
        out, seen = [], set()
        for ev in self.store.conn.execute(
            "SELECT properties FROM events WHERE customer_id = ? AND type = 'product_viewed' AND occurred_at > ?"
            " AND occurred_at <= ? ORDER BY occurred_at DESC, id DESC LIMIT 50", (rowid, since, self.as_of_iso),
        ):
            props = json_or(ev["properties"], {})
            code = props.get("product_id") or props.get("sku")
            if not code or code in seen:
                continue
            seen.add(code)
            pid, product = self.product_by_code(code)
            if bought is None:
                bought = self.bought(rowid)
            if pid is not None and pid in bought:
                continue
            out.append(product or Record("product", {
                "product_id": code, "title": props.get("title") or str(code), "price_cents": props.get("price_cents"),
                "currency": self.currency, "url": props.get("url") or self.shop.url,
            }))
            if len(out) >= n:
                break
        return out

    def anniversary(self, customer: Record) -> Record | None:
        """Years since the first order (as of now), for first-purchase anniversary messages."""
        first = customer.first_order_at
        if not first:
            return None
        years = self.as_of.year - int(first[:4]) - ((self.as_of.month, self.as_of.day) < (int(first[5:7]), int(first[8:10])))
        return Record("anniversary", {"years": max(years, 0), "first_order_at": first})

    def recommendations(self, rowid: int, n: int = RECOMMENDATIONS) -> list[Record]:
        products = self.products
        if self._catalogue is None:  # fallback order: priced products first, by row id
            self._catalogue = sorted(products, key=lambda p: (products[p].price_cents is None, p))
        key = (frozenset(self.bought(rowid)), n)  # many customers bought the same few things
        ids = self._recommended.get(key)
        if ids is None:
            if len(self._recommended) > 50_000:
                self._recommended.clear()
            ids = self._recommended[key] = self.recommender.for_bought(key[0], n, catalogue=self._catalogue)
        return [products[p] for p in ids if p in products]

    def build(self, rowid: int, *, channel: str = "email", names=None, extra: dict | None = None,
              fields: tuple | None = None) -> dict:
        """The context for one customer; ``names`` limits the work to the names a template uses,
        ``fields`` the customer record to the fields it reads (see :func:`customer_fields`)."""
        want = set(CONTEXT_NAMES) if names is None else set(names)
        if names is None:
            extra = dict(extra or {})
        else:  # a name the template never reads is never looked up: skip converting a rule's records for it
            extra = {k: v for k, v in (extra or {}).items() if k in want or k == "unsubscribe_url"}
        ctx: dict = {"customer": self.customer(rowid, fields), "shop": self.shop, "as_of": self.as_of_iso}
        if "order" in want:
            ctx["order"] = self.order(rowid)
        if "cart" in want or "cart" in extra:
            ctx["cart"] = self.cart_from(extra.pop("cart")) if isinstance(extra.get("cart"), (dict, list)) else (
                extra.pop("cart", None) or self.cart(rowid))
        if "browsed" in want:
            ctx["browsed"] = self.browsed(rowid)
        if "recommendations" in want:
            ctx["recommendations"] = self.recommendations(rowid)
        for key in ("event", "trigger", "rule"):  # given by the rule that sends the message; None in previews
            if key in want or key in extra:
                ctx[key] = to_record(key, extra.pop(key, None))
        if "anniversary" in want or "anniversary" in extra:
            ctx["anniversary"] = to_record("anniversary", extra.pop("anniversary", None)) or self.anniversary(ctx["customer"])
        url = extra.pop("unsubscribe_url", None)
        ctx["unsubscribe_url"] = url or unsubscribe_url(self.unsubscribe_base, self.token(rowid, channel))
        for key, value in extra.items():
            if key not in ("customer", "shop", "as_of"):  # the profile and shop are ours to build
                ctx[key] = to_record(key, value)
        return ctx


def ensure_fresh_metrics(store, as_of: datetime) -> None:
    """Bring ``customer_metrics`` (stage, RFM) up to ``as_of`` when the segments package can."""
    try:
        from lifecycle_tui.segments import ensure_metrics
    except ImportError:  # an older tree without segments: stage and rfm render as None
        return
    ensure_metrics(store, as_of)


def build_context(store, customer_rowid: int, as_of: datetime, extra: dict | None = None, channel: str = "email") -> dict:
    """Every documented context name for one customer (for previews and the console)."""
    return ContextBuilder(store, as_of).build(customer_rowid, channel=channel, extra=extra)
