"""The consent rule of imports: never re-subscribe a contact who opted out or is suppressed.

A contact is *blocked* on a channel when the store has a consent change to 0 for it (an
opt-out recorded by an import, the unsubscribe link or a command), an ``unsubscribed``
event for that channel (``properties.channel``, default email), or a suppression of its
email (email channel) or phone (SMS channel). Every change an import makes is recorded
in ``consent_changes`` with the file as source.
"""

from __future__ import annotations

import sqlite3

from lifecycle_tui.store.addresses import normalise_phone as phone_norm  # the form suppressions hold
from lifecycle_tui.importers.batch import IN_JSON, WriteState, fetch_in

CHANNELS = ("email", "sms", "push")


def blocked(conn: sqlite3.Connection, rowids, emails, phones) -> tuple[set, set, set]:
    """``({(rowid, channel)}, {suppressed email_norm}, {suppressed phone_norm})``."""
    opted_out: set[tuple[int, str]] = set()
    rowids = [r for r in rowids if r is not None]
    for r in fetch_in(conn, f"SELECT customer_id, channel FROM consent_changes WHERE new_value = 0 AND customer_id {IN_JSON}", rowids):
        opted_out.add((r[0], r[1]))
    for r in fetch_in(
        conn,
        "SELECT customer_id, coalesce(json_extract(properties, '$.channel'), 'email') FROM events "
        f"WHERE type = 'unsubscribed' AND customer_id {IN_JSON}",
        rowids,
    ):
        opted_out.add((r[0], r[1]))
    emails = {e for e in emails if e}
    phones = {phone_norm(p) for p in phones if p}
    sup_email = {r[0] for r in fetch_in(conn, f"SELECT value FROM suppressions WHERE kind = 'email' AND value {IN_JSON}", emails)}
    sup_phone = {r[0] for r in fetch_in(conn, f"SELECT value FROM suppressions WHERE kind = 'phone' AND value {IN_JSON}", phones)}
    return opted_out, sup_email, sup_phone


def is_blocked(rowid, channel: str, email_norm, phone, found: tuple[set, set, set]) -> bool:
    opted_out, sup_email, sup_phone = found
    if rowid is not None and (rowid, channel) in opted_out:
        return True
    if channel == "email" and email_norm and email_norm in sup_email:
        return True
    if channel == "sms" and phone and phone_norm(phone) in sup_phone:
        return True
    return False


def record(state: WriteState, changes: list[tuple[int, str, int | None, int]]) -> None:
    """Insert ``(rowid, channel, old, new)`` consent changes with the file as source."""
    if not changes:
        return
    state.conn.executemany(
        "INSERT INTO consent_changes (customer_id, channel, old_value, new_value, source, changed_at) VALUES (?, ?, ?, ?, ?, ?)",
        [(rowid, ch, old, new, state.source, state.at) for rowid, ch, old, new in changes],
    )
    state.counters.consent_changes += len(changes)


def apply_unsubscribes(state: WriteState, pairs: set[tuple[int, str]]) -> None:
    """``unsubscribed`` events just imported: turn that channel off where it is on."""
    if not pairs:
        return
    conn = state.conn
    current = {
        r[0]: r for r in fetch_in(conn, f"SELECT id, accepts_email, accepts_sms, accepts_push FROM customers WHERE id {IN_JSON}", {p[0] for p in pairs})
    }
    changes = []
    for rowid, channel in sorted(pairs):
        if channel not in CHANNELS or rowid not in current:
            continue
        if current[rowid][f"accepts_{channel}"] == 1:
            conn.execute(f"UPDATE customers SET accepts_{channel} = 0, updated_at = ? WHERE id = ?", (state.at, rowid))
            changes.append((rowid, channel, 1, 0))
    record(state, changes)
