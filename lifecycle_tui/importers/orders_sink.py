"""Writing orders and their line items, matched by ``order_id``.

An order row changes the store only when a value differs (attributes are merged, line
items replaced as a whole when they differ), so a re-import reports ``unchanged``.
Into an empty ``orders`` table the writer takes a fast path: no look-up of existing
orders, plain inserts, secondary indexes rebuilt at the end. A duplicate order id inside
the file is caught by the unique index (rows), or flagged by the reader (columns, where
that index too is built after the load); from that batch on, the writer goes the careful way.
"""

from __future__ import annotations

import json
import sqlite3
from operator import itemgetter

from lifecycle_tui.importers.batch import IN_JSON, DeferredIndexes, WriteState, dump, fetch_in, insert_many, is_empty, next_id
from lifecycle_tui.importers.customers_sink import CustomerResolver
from lifecycle_tui.importers.errors import ImportRefused
from lifecycle_tui.importers.generic import order_dict
from lifecycle_tui.importers.revisits import Revisits

_INSERT_HEAD = "INSERT INTO orders (id, order_id, customer_id, placed_at, total_cents, currency, status, attributes)"
_APPEND_HEAD = "INSERT INTO orders (order_id, customer_id, placed_at, total_cents, currency, status, attributes)"
_APPEND_PLAIN_HEAD = "INSERT INTO orders (order_id, customer_id, placed_at, total_cents, currency, status)"
_UPDATE = "UPDATE orders SET customer_id = ?, placed_at = ?, total_cents = ?, currency = ?, status = ?, attributes = ? WHERE id = ?"
_STATE = f"SELECT id, customer_id, placed_at, total_cents, currency, status, attributes FROM orders WHERE id {IN_JSON}"
_STATE_ITEMS = f"SELECT order_id, sku, title, quantity, price_cents FROM order_items WHERE order_id {IN_JSON} ORDER BY order_id, line"
_ITEM = "INSERT INTO order_items (order_id, line, product_id, sku, title, quantity, price_cents) VALUES (?, ?, ?, ?, ?, ?, ?)"


class OrderWriter:
    """Writes order rows: :meth:`write` takes dicts, :meth:`write_columns` the bulk path's columns.

    ``repeats_flagged``: the caller writes columns only, each batch saying whether an order
    id repeats (``bulk.order_batches``); the unique index on order ids is then deferred too.
    """

    def __init__(self, state: WriteState, resolver: CustomerResolver, *, repeats_flagged: bool = False) -> None:
        self.state = state
        self.resolver = resolver
        conn = state.conn
        self.next = next_id(conn, "orders")
        self.fresh = is_empty(conn, "orders")
        self.deferred = DeferredIndexes(conn, "orders", unique=repeats_flagged) if self.fresh and state.large else None
        self.products: dict[str, int] = {}
        self.next_product = next_id(conn, "products")
        self.revisits = Revisits(self._state_of, self.next)

    key = staticmethod(itemgetter("order_id"))  # C-level: called once per row

    def write(self, rows: list[dict]) -> None:
        customers = self.resolver.resolve(rows, "placed_at")
        if self.fresh:
            conn = self.state.conn
            start, products_created = self.next, self.state.counters.products_created
            conn.execute("SAVEPOINT orders_batch")
            try:
                self._insert_all(rows, customers)
            except sqlite3.IntegrityError:
                # The file repeats an order id: undo this batch and go the careful way from here on.
                conn.execute("ROLLBACK TO orders_batch")
                conn.execute("RELEASE orders_batch")
                self.next, self.fresh = start, False
                self.products.clear()  # products made inside the undone batch are gone too
                self.next_product = next_id(conn, "products")
                self.state.counters.products_created = products_created
                self._upsert(rows, customers)
                return
            conn.execute("RELEASE orders_batch")
            self.state.counters.inserted += len(rows)
            return
        self._upsert(rows, customers)

    def write_columns(self, cols: list, repeats: bool) -> None:
        """Write order rows given as columns (``generic.ORDER_FIELDS``; the bulk path).

        Into a table that was empty, until an order id repeats (``repeats``, from the reader,
        which sees the whole file): plain many-row inserts. From then on the careful dict
        path, split so that a repeated order id comes in a later batch than its first row
        (which it then updates).
        """
        if self.fresh and not repeats:
            customers = self.resolver.resolve_orders(cols)
            n_rows = len(cols[1])
            # No ids bound: every order in the table is one this writer added, in order, so
            # SQLite's next rowid (max + 1) is self.next, and appending without a given key
            # skips a seek per row (1M orders: ~0.4 s less).
            conn = self.state.conn
            if any(cols[9]):
                attrs = [dump(a) if a else "{}" for a in cols[9]]
                insert_many(conn, _APPEND_HEAD, 7, zip(cols[1], customers, cols[5], cols[6], cols[7], cols[8], attrs))
            else:  # no attributes: the column default ('{}') saves binding one value per row
                insert_many(conn, _APPEND_PLAIN_HEAD, 6, zip(cols[1], customers, cols[5], cols[6], cols[7], cols[8]))
            self.next += n_rows
            if conn.execute("SELECT max(id) FROM orders").fetchone()[0] != self.next - 1:  # a bug guard, O(log n)
                raise ImportRefused("internal error: order ids out of step; nothing was imported.")
            self.state.counters.inserted += n_rows
            return
        self._leave_fast_path()
        batch: list[dict] = []
        keys: set[str] = set()
        for t in zip(*cols):
            if t[1] in keys:
                self.write(batch)
                batch, keys = [], set()
            batch.append(order_dict(t))
            keys.add(t[1])
        if batch:
            self.write(batch)

    def _leave_fast_path(self) -> None:
        if self.fresh:
            self.fresh = False
            if self.deferred:  # the careful way looks orders up by their id
                self.deferred.restore(unique_only=True)

    def _insert_all(self, rows: list[dict], customers: list[int]) -> None:
        n = self.next
        params = []
        items = []
        for r, cust in zip(rows, customers):
            attrs = r["attributes"]
            params.append((n, r["order_id"], cust, r["placed_at"], r["total_cents"], r["currency"], r["status"], dump(attrs) if attrs else "{}"))
            if r["items"]:
                items.append((n, r["items"]))
            n += 1
        insert_many(self.state.conn, _INSERT_HEAD, 8, params)
        self.next = n
        if items:
            self._insert_items(items)

    def _upsert(self, rows: list[dict], customers: list[int]) -> None:
        conn, c = self.state.conn, self.state.counters
        existing = {
            r["order_id"]: r
            for r in fetch_in(
                conn,
                f"SELECT id, order_id, customer_id, placed_at, total_cents, currency, status, attributes FROM orders WHERE order_id {IN_JSON}",
                [r["order_id"] for r in rows],
            )
        }
        self.revisits.note(ex["id"] for ex in existing.values())
        old_items: dict[int, list[tuple]] = {}
        with_items = [existing[r["order_id"]]["id"] for r in rows if r["items"] is not None and r["order_id"] in existing]
        for it in fetch_in(conn, _STATE_ITEMS, with_items):
            old_items.setdefault(it[0], []).append((it[1], it[2], it[3], it[4]))
        inserts, updates, item_sets, replaced = [], [], [], []
        for r, cust in zip(rows, customers):
            ex = existing.get(r["order_id"])
            if ex is None:
                attrs = dump(r["attributes"]) if r["attributes"] else "{}"
                inserts.append((self.next, r["order_id"], cust, r["placed_at"], r["total_cents"], r["currency"], r["status"], attrs))
                if r["items"]:
                    item_sets.append((self.next, r["items"]))
                self.next += 1
                c.inserted += 1
                continue
            old_attrs = json.loads(ex["attributes"] or "{}")
            attrs = dump({**old_attrs, **r["attributes"]}) if r["attributes"] else dump(old_attrs)
            new = (cust, r["placed_at"], r["total_cents"], r["currency"], r["status"], attrs)
            old = _stored(ex, old_attrs)
            items_differ = r["items"] is not None and [tuple(i) for i in r["items"]] != old_items.get(ex["id"], [])
            if new != old or items_differ:
                updates.append((*new, ex["id"]))
                if items_differ:
                    replaced.append(ex["id"])
                    if r["items"]:
                        item_sets.append((ex["id"], r["items"]))
                c.updated += 1
            else:
                c.unchanged += 1
        if inserts:
            insert_many(conn, _INSERT_HEAD, 8, inserts)
        if updates:
            self.revisits.updating([u[-1] for u in updates])
            conn.executemany(_UPDATE, updates)
        if replaced:
            conn.execute(f"DELETE FROM order_items WHERE order_id {IN_JSON}", (json.dumps(replaced),))
        if item_sets:
            self._insert_items(item_sets)

    def _insert_items(self, sets: list[tuple[int, list[tuple]]]) -> None:
        skus = {it[0] for _, items in sets for it in items if it[0]}
        self._ensure_products(skus, sets)
        params = [
            (oid, line, self.products.get(sku) if sku else None, sku, title, qty, price)
            for oid, items in sets
            for line, (sku, title, qty, price) in enumerate(items, start=1)
        ]
        self.state.conn.executemany(_ITEM, params)

    def _ensure_products(self, skus: set[str], sets) -> None:
        missing = {s for s in skus if s not in self.products}
        if not missing:
            return
        conn = self.state.conn
        for r in fetch_in(conn, f"SELECT product_id, id FROM products WHERE product_id {IN_JSON}", missing):
            self.products[r[0]] = r[1]
        new = []
        for _, items in sets:
            for sku, title, _qty, price in items:
                if sku and sku not in self.products:
                    self.products[sku] = self.next_product
                    new.append((self.next_product, sku, title, price))
                    self.next_product += 1
        if new:
            conn.executemany("INSERT INTO products (id, product_id, title, price_cents) VALUES (?, ?, ?, ?)", new)
            self.state.counters.products_created += len(new)

    def finish(self) -> None:
        self.resolver.finish()
        if self.deferred:
            self.deferred.restore()
        self.revisits.settle(self.state.counters)  # rows of one order that left it as it was

    def _state_of(self, rowids: list[int]) -> dict[int, tuple[int, None]]:
        conn = self.state.conn
        items: dict[int, list[tuple]] = {}
        for it in fetch_in(conn, _STATE_ITEMS, rowids):
            items.setdefault(it[0], []).append(tuple(it[1:]))
        return {
            r["id"]: (hash((_stored(r, json.loads(r["attributes"] or "{}")), tuple(items.get(r["id"], ())))), None)
            for r in fetch_in(conn, _STATE, rowids)
        }


def _stored(row, attributes: dict) -> tuple:
    """What an upsert compares of a stored order (its line items apart), ``attributes`` parsed."""
    return (row["customer_id"], row["placed_at"], row["total_cents"], row["currency"], row["status"], dump(attributes))
