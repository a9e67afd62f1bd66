"""Writing customers: the resolver orders/events use, and the upsert of a customers file.

Matching: by the shop's ``customer_id``; a row without one by lowercased email (a customer
first known only by email is keyed by it, and adopts the shop's id when a later file brings
one). A ``name:...`` key (WooCommerce orders without email) first tries a customer with
that full name.
"""

from __future__ import annotations

import json

from lifecycle_tui.importers import consent
from lifecycle_tui.importers.batch import IN_JSON, DeferredIndexes, WriteState, dump, fetch_in, insert_many, is_empty, next_id
from lifecycle_tui.importers.revisits import Revisits

COLUMNS = (
    "customer_id", "email", "email_norm", "phone", "first_name", "last_name", "birthday", "created_at",
    "accepts_email", "accepts_sms", "accepts_push", "push_token", "timezone", "tags", "attributes",
)
_INSERT_HEAD = f"INSERT INTO customers (id, {', '.join(COLUMNS)}, updated_at)"
_UPDATE = f"UPDATE customers SET {', '.join(c + ' = ?' for c in COLUMNS)}, updated_at = ? WHERE id = ?"
_SELECT = f"SELECT id, {', '.join(COLUMNS)} FROM customers"
_STATE = f"SELECT id, updated_at, {', '.join(COLUMNS)} FROM customers WHERE id {IN_JSON}"
# Customers an orders/events file brings in: only what such a file knows (defaults do the rest).
_CREATE_HEAD = "INSERT INTO customers (id, customer_id, email, email_norm, first_name, last_name, created_at, updated_at)"


class CustomerResolver:
    """Maps the customer keys of order/event rows to ``customers.id``, creating unknown ones."""

    def __init__(self, state: WriteState) -> None:
        self.state = state
        self.by_id: dict[str, int] = {}
        self.by_email: dict[str, int] = {}
        self.next = next_id(state.conn, "customers")
        self.started_empty = is_empty(state.conn, "customers")
        # Nothing looks customers up by email or phone while the table holds only this import's
        # rows (the maps above know them), so those indexes are built once at the end.
        self.deferred = DeferredIndexes(state.conn, "customers") if self.started_empty and state.large else None

    def finish(self) -> None:
        if self.deferred:
            self.deferred.restore()
            self.deferred = None

    def resolve(self, rows: list[dict], when_field: str) -> list[int]:
        return self._resolve([
            (r["customer_id"], r["email"], r["email_norm"], r.get("first_name"), r.get("last_name"), r[when_field], r.get("match_name"))
            for r in rows
        ])

    def resolve_orders(self, cols: list) -> list[int]:
        """:meth:`resolve` for order rows given as columns (``generic.ORDER_FIELDS``, the bulk
        path). Rows whose customer id is already known are mapped in C (``map``); only the
        others go through :meth:`_resolve`."""
        cids, emails, norms, whens = cols[2], cols[3], cols[4], cols[5]
        if None in cids or "" in cids:  # some rows are keyed by email only: the general way
            return self._resolve([(c, e, m, None, None, w, None) for c, e, m, w in zip(cids, emails, norms, whens)])
        get = self.by_id.get
        out = list(map(get, cids))
        if None in out:
            # Only the first row of each unknown customer id decides anything: it creates the
            # customer (or finds it in the store), and _resolve puts every id it resolves into
            # by_id, so the rows after it are plain look-ups. A file sorted by customer has
            # nearly every row unknown here; its first rows are ~13x fewer. (Walking the
            # unknown rows backwards leaves each id with its first row; all at C level.)
            unknown = [i for i, rowid in enumerate(out) if rowid is None]
            unknown.reverse()
            first = sorted(dict(zip(map(cids.__getitem__, unknown), unknown)).values())
            self._resolve([(cids[i], emails[i], norms[i], None, None, whens[i], None) for i in first])
            if len(unknown) * 4 < len(out):  # a few new customers (most batches of a file in no order)
                for i in unknown:
                    out[i] = get(cids[i])
            else:
                out = list(map(get, cids))
        return out

    def _resolve(self, keys: list[tuple]) -> list[int]:
        """``keys``: ``(customer_id, email, email_norm, first_name, last_name, when, match_name)`` per row."""
        conn = self.state.conn
        by_id, by_email = self.by_id, self.by_email
        if not self.started_empty:  # else every customer is one this import made, already in the maps
            need_ids = {k[0] for k in keys if k[0] and k[0] not in by_id}
            need_emails = {k[2] for k in keys if not k[0] and k[2] not in by_email}
            if need_ids:
                for r in fetch_in(conn, f"SELECT customer_id, id FROM customers WHERE customer_id {IN_JSON}", need_ids):
                    by_id[r[0]] = r[1]
            if need_emails:
                self._load_emails(need_emails)
        names = {k[6] for k in keys if k[6] and k[0] not in by_id}
        if names:
            found: dict[str, list[int]] = {}
            for r in fetch_in(
                conn,
                "SELECT lower(trim(coalesce(first_name, '') || ' ' || coalesce(last_name, ''))) AS n, id FROM customers "
                f"WHERE n {IN_JSON}",
                names,
            ):
                found.setdefault(r[0], []).append(r[1])
            for k in keys:
                ids = found.get(k[6] or "")
                if ids and len(ids) == 1:  # only an unambiguous name match
                    by_id[k[0]] = ids[0]
        created = []
        out = []
        get_id, get_email = by_id.get, by_email.get
        for k in keys:
            cid = k[0]
            rowid = get_id(cid) if cid else get_email(k[2])
            if rowid is None:
                rowid = self.next
                self.next += 1
                cid, email, norm, first, last, when, _ = k
                created.append((rowid, cid or norm, email, norm, first, last, when, self.state.at))
                if cid:
                    by_id[cid] = rowid
                    if norm:  # later email-only rows of this file find this customer
                        by_email.setdefault(norm, rowid)
                else:  # keyed by the email itself: a later row may give that as its customer id
                    by_email[norm] = rowid
                    by_id.setdefault(norm, rowid)
            out.append(rowid)
        if created:
            insert_many(conn, _CREATE_HEAD, 8, created)
            self.state.counters.customers_created += len(created)
        return out

    def _load_emails(self, emails: set[str]) -> None:
        # Prefer the customer keyed by the email itself, else the oldest with that email.
        rows = fetch_in(
            self.state.conn,
            f"SELECT id, customer_id, email_norm FROM customers WHERE customer_id {IN_JSON} "
            f"OR email_norm IN (SELECT value FROM json_each(json(?1))) ORDER BY id",
            emails,
        )
        for r in rows:
            if r[1] in emails:
                self.by_email[r[1]] = r[0]
        for r in rows:
            if r[2] in emails:
                self.by_email.setdefault(r[2], r[0])


class CustomerWriter:
    """Upserts the rows of a customers file (see the module docstring for matching)."""

    def __init__(self, state: WriteState) -> None:
        self.state = state
        self.next = next_id(state.conn, "customers")
        self.first_consent_change = next_id(state.conn, "consent_changes")
        self.revisits = Revisits(self._state_of, self.next)

    @staticmethod
    def key(row: dict) -> str:
        return row["customer_id"] or "@" + row["email_norm"]

    @staticmethod
    def also_keys(row: dict) -> tuple[str, ...]:
        """A row with an id and an email may meet an email-only row of the same customer in the batch."""
        return ("@" + row["email_norm"],) if row["customer_id"] and row["email_norm"] else ()

    def _existing(self, rows: list[dict]) -> list[dict | None]:
        conn = self.state.conn
        ids = {r["customer_id"] for r in rows if r["customer_id"]}
        emails = {r["email_norm"] for r in rows if r["email_norm"]}
        by_id = {r["customer_id"]: dict(r) for r in fetch_in(conn, f"{_SELECT} WHERE customer_id {IN_JSON}", ids)}
        keyed_by_email: dict[str, dict] = {}
        by_email: dict[str, dict] = {}
        for r in fetch_in(conn, f"{_SELECT} WHERE customer_id {IN_JSON} OR email_norm IN (SELECT value FROM json_each(?1)) ORDER BY id", emails):
            if r["customer_id"] in emails:
                keyed_by_email[r["customer_id"]] = dict(r)
            if r["email_norm"] in emails:
                by_email.setdefault(r["email_norm"], dict(r))
        out = []
        for r in rows:
            if r["customer_id"]:
                # A customer first known by email only adopts the shop's id.
                out.append(by_id.get(r["customer_id"]) or (keyed_by_email.get(r["email_norm"]) if r["email_norm"] else None))
            else:
                out.append(keyed_by_email.get(r["email_norm"]) or by_email.get(r["email_norm"]))
        return out

    def write(self, rows: list[dict]) -> None:
        state = self.state
        existing = self._existing(rows)
        wants_on = [(r, ex) for r, ex in zip(rows, existing)
                    if any(r.get(f"accepts_{ch}") == 1 and (ex is None or ex[f"accepts_{ch}"] != 1) for ch in consent.CHANNELS)]
        found = consent.blocked(
            state.conn,
            [ex["id"] for _, ex in wants_on if ex],
            [r["email_norm"] or (ex or {}).get("email_norm") for r, ex in wants_on],
            [r.get("phone") or (ex or {}).get("phone") for r, ex in wants_on],
        ) if wants_on else (set(), set(), set())
        inserts, updates, changes = [], [], []
        c = state.counters
        self.revisits.note(ex["id"] for ex in existing if ex)
        for r, ex in zip(rows, existing):
            new = self._merge(r, ex)
            rowid = ex["id"] if ex else self.next
            for ch in consent.CHANNELS:
                f = f"accepts_{ch}"
                old = ex[f] if ex else None
                if new[f] == 1 and old != 1 and consent.is_blocked(ex and rowid, ch, new["email_norm"], new["phone"], found):
                    new[f] = old or 0
                    c.consent_kept_off += 1
                if new[f] != (old or 0) or (ex is None and new[f] == 1):
                    changes.append((rowid, ch, old, new[f]))
            values = tuple(new[k] for k in COLUMNS)
            if ex is None:
                inserts.append((rowid, *values, state.at))
                self.next += 1
                c.inserted += 1
            elif values != _canonical(ex):
                updates.append((*values, state.at, rowid))
                c.updated += 1
            else:
                c.unchanged += 1
        if inserts:
            insert_many(state.conn, _INSERT_HEAD, len(COLUMNS) + 2, inserts)
        if updates:
            self.revisits.updating([u[-1] for u in updates])
            state.conn.executemany(_UPDATE, updates)
        consent.record(state, changes)

    def finish(self) -> None:
        """Rows of one customer that left it as it was count as unchanged (see :mod:`.revisits`):
        its ``updated_at`` is put back and the consent changes they recorded are taken back."""
        back = self.revisits.settle(self.state.counters)
        if not back:
            return
        conn = self.state.conn
        conn.executemany("UPDATE customers SET updated_at = ? WHERE id = ?", [(at, rowid) for rowid, at in back.items()])
        undone = conn.execute(
            f"DELETE FROM consent_changes WHERE id >= ? AND customer_id {IN_JSON}",
            (self.first_consent_change, json.dumps(list(back))),
        ).rowcount
        self.state.counters.consent_changes -= undone

    def _state_of(self, rowids: list[int]) -> dict[int, tuple[int, object]]:
        return {r[0]: (hash(_canonical(r)), r[1]) for r in fetch_in(self.state.conn, _STATE, rowids)}

    def _merge(self, r: dict, ex: dict | None) -> dict:
        new = dict(zip(COLUMNS, _canonical(ex))) if ex else {k: None for k in COLUMNS}
        if ex is None:
            new.update(accepts_email=0, accepts_sms=0, accepts_push=0, tags="[]", attributes="{}")
            new["customer_id"] = r["customer_id"] or r["email_norm"]
        elif r["customer_id"]:
            new["customer_id"] = r["customer_id"]
        if r["email"]:
            new["email"], new["email_norm"] = r["email"], r["email_norm"]
        for f in ("phone", "first_name", "last_name", "birthday", "created_at", "push_token", "timezone",
                  "accepts_email", "accepts_sms", "accepts_push"):
            if f in r and r[f] is not None:
                new[f] = r[f]
        if "tags" in r:
            new["tags"] = dump(r["tags"])
        if r.get("attributes"):
            merged = json.loads(new["attributes"] or "{}")
            merged.update(r["attributes"])
            new["attributes"] = dump(merged)
        return new


def _canonical(ex: dict) -> tuple:
    """An existing row's values with its JSON columns in canonical text (other writers may format them differently)."""
    out = dict(ex)
    for k, empty in (("tags", "[]"), ("attributes", "{}")):
        try:
            out[k] = dump(json.loads(ex[k] or empty))
        except ValueError:
            pass
    return tuple(out[k] for k in COLUMNS)
