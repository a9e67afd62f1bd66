"""Writing events, matched by ``event_key``: the file's ``event_id``, else a digest.

The digest covers customer key, type, time and properties, so re-importing a file without
event ids is still idempotent. A newly imported ``unsubscribed`` event turns that channel's
consent off (recorded in ``consent_changes``).
"""

from __future__ import annotations

import hashlib
import json

from lifecycle_tui.importers import consent
from lifecycle_tui.importers.batch import IN_JSON, DeferredIndexes, WriteState, dump, fetch_in, insert_many, is_empty, next_id
from lifecycle_tui.importers.customers_sink import CustomerResolver
from lifecycle_tui.importers.revisits import Revisits

_INSERT_HEAD = "INSERT INTO events (id, event_id, event_key, customer_id, type, occurred_at, properties)"
_STATE = f"SELECT id, event_id, customer_id, type, occurred_at, properties FROM events WHERE id {IN_JSON}"
_UPDATE = "UPDATE events SET event_id = ?, customer_id = ?, type = ?, occurred_at = ?, properties = ? WHERE id = ?"


def event_key(row: dict) -> str:
    if row["event_id"]:
        return row["event_id"]
    basis = dump([row["customer_id"] or row["email_norm"], row.get("type_as_written") or row["type"], row["occurred_at"], row["properties"]])
    return "sha1:" + hashlib.sha1(basis.encode("utf-8")).hexdigest()


class EventWriter:
    def __init__(self, state: WriteState, resolver: CustomerResolver) -> None:
        self.state = state
        self.resolver = resolver
        self.next = next_id(state.conn, "events")
        fresh = is_empty(state.conn, "events")
        self.deferred = DeferredIndexes(state.conn, "events") if fresh and state.large else None
        self.revisits = Revisits(self._state_of, self.next)

    @staticmethod
    def key(row: dict) -> str:
        row["event_key"] = key = event_key(row)
        return key

    def write(self, rows: list[dict]) -> None:
        conn, c = self.state.conn, self.state.counters
        customers = self.resolver.resolve(rows, "occurred_at")
        existing = {
            r["event_key"]: r
            for r in fetch_in(
                conn,
                f"SELECT id, event_id, event_key, customer_id, type, occurred_at, properties FROM events WHERE event_key {IN_JSON}",
                [r["event_key"] for r in rows],
            )
        }
        self.revisits.note(ex["id"] for ex in existing.values())
        inserts, updates = [], []
        unsubscribes: set[tuple[int, str]] = set()
        for r, cust in zip(rows, customers):
            props = dump(r["properties"])
            ex = existing.get(r["event_key"])
            if ex is None:
                inserts.append((self.next, r["event_id"], r["event_key"], cust, r["type"], r["occurred_at"], props))
                self.next += 1
                c.inserted += 1
                if r["type"] == "unsubscribed":
                    unsubscribes.add((cust, str(r["properties"].get("channel") or "email").lower()))
                continue
            new = (r["event_id"], cust, r["type"], r["occurred_at"], props)
            old = _stored(ex)
            if new != old:
                updates.append((*new, ex["id"]))
                c.updated += 1
            else:
                c.unchanged += 1
        if inserts:
            insert_many(conn, _INSERT_HEAD, 7, inserts)
        if updates:
            self.revisits.updating([u[-1] for u in updates])
            conn.executemany(_UPDATE, updates)
        consent.apply_unsubscribes(self.state, unsubscribes)

    def finish(self) -> None:
        self.resolver.finish()
        if self.deferred:
            self.deferred.restore()
        self.revisits.settle(self.state.counters)  # rows of one event that left it as it was

    def _state_of(self, rowids: list[int]) -> dict[int, tuple[int, None]]:
        return {
            r["id"]: (hash(_stored(r)), None)
            for r in fetch_in(self.state.conn, _STATE, rowids)
        }


def _stored(row) -> tuple:
    """What an upsert compares of a stored event: the values it would write, properties canonical."""
    return (row["event_id"], row["customer_id"], row["type"], row["occurred_at"], dump(json.loads(row["properties"] or "{}")))
