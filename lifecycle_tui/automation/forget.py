"""Forgetting a customer (an erasure request): what the store holds about them, then removing it.

:func:`what_forget_removes` counts, without writing, what :func:`forget_customer` removes: the
customer row and, through the schema's ``ON DELETE CASCADE``, their orders and items, events,
consent changes, stage and segment history, metrics and message records, in one transaction;
after the commit, the outbox files of their messages (each file the outbox transport wrote for
one of those messages, found by its name, nothing else).

The suppression list is kept as it is: an address on it stays there, because it is what keeps
an unsubscribe or bounce honoured if the person turns up again in an imported file. With
``suppress=True`` their email address and phone number are added to it (reason ``forgotten``),
so that an old file imported later can bring the record back but never a message to them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from lifecycle_tui.automation.runlock import run_lock
from lifecycle_tui.automation.transports.outbox import file_name
from lifecycle_tui.store.addresses import normalise_phone
from lifecycle_tui.store.customers import require_customer
from lifecycle_tui.store.timeutil import to_iso
from lifecycle_tui.wording import counted

# Rows removed with the customer (each table has customer_id ... ON DELETE CASCADE):
# key in the report, the word for one, how to count them.
_CASCADED = [
    ("orders", "order", "SELECT count(*) FROM orders WHERE customer_id = :id"),
    ("order_items", "order item",
     "SELECT count(*) FROM order_items WHERE order_id IN (SELECT id FROM orders WHERE customer_id = :id)"),
    ("events", "event", "SELECT count(*) FROM events WHERE customer_id = :id"),
    ("messages", "message record", "SELECT count(*) FROM messages WHERE customer_id = :id"),
    ("consent_changes", "consent change", "SELECT count(*) FROM consent_changes WHERE customer_id = :id"),
    ("stage_and_segment_changes", "stage or segment change",
     "SELECT count(*) FROM segment_changes WHERE customer_id = :id"),
]


class ForgetError(LookupError):
    """No such customer, or an email that names more than one; the message says which."""


@dataclass
class ForgetReport:
    """What forgetting a customer removes (or removed) and what stays on the suppression list."""

    customer_id: str
    email: str | None
    removed: dict[str, int]
    suppressed_before: list[str]  # their addresses already on the list (kept)
    suppressed_now: list[str] = field(default_factory=list)  # added with suppress=True
    files_removed: int = 0
    files_left: list[str] = field(default_factory=list)  # outbox files that could not be removed

    def to_json(self) -> dict:
        return {"customer_id": self.customer_id, "removed": self.removed, "files_removed": self.files_removed,
                "files_left": self.files_left, "suppressed_before": self.suppressed_before,
                "suppressed_now": self.suppressed_now}

    def what_goes(self) -> str:
        """:meth:`describe`, and their outbox files where they were sent anything: for the question."""
        return self.describe() + (", and their outbox files" if self.removed.get("messages") else "")

    def describe(self) -> str:
        parts = ", ".join(counted(self.removed[key], word) for key, word, _ in _CASCADED if self.removed.get(key))
        return f"customer {self.customer_id}" + (f" with {parts}" if parts else " (no orders, events or messages)")


def _find(store, key: str):
    """The customer whose id is ``key``, else the one customer with that email (never a guess)."""
    return require_customer(store, key, ForgetError, "id, customer_id, email, email_norm, phone")


def _contacts(row) -> list[tuple[str, str]]:
    found = []
    if row["email_norm"]:
        found.append(("email", row["email_norm"]))
    if row["phone"]:
        found.append(("phone", normalise_phone(row["phone"])))
    return found


def _already_suppressed(store, contacts: list[tuple[str, str]]) -> list[str]:
    return [value for kind, value in contacts
            if store.scalar("SELECT 1 FROM suppressions WHERE kind = ? AND value = ?", (kind, value))]


def what_forget_removes(store, key: str) -> ForgetReport:
    """What :func:`forget_customer` would remove for the customer ``key`` (id, or a unique email)."""
    return _report(store, _find(store, key))


def _report(store, row) -> ForgetReport:
    removed = {name: store.scalar(sql, {"id": row["id"]}) for name, _, sql in _CASCADED}
    return ForgetReport(row["customer_id"], row["email"], removed, _already_suppressed(store, _contacts(row)))


def forget_customer(store, key: str, *, at: datetime, suppress: bool = False) -> ForgetReport:
    """Remove the customer ``key`` and everything the store holds about them; one transaction.

    Refused (:class:`DispatchBusyError`) while a dispatch run holds the store: the run may be
    about to record a message to them.
    """
    with run_lock(store), store.transaction() as conn:
        row = _find(store, key)
        report = _report(store, row)
        files = [(r["path"], file_name(r["dedupe_key"], r["channel"]))
                 for r in conn.execute("SELECT path, dedupe_key, channel FROM messages "
                                       "WHERE customer_id = ? AND path IS NOT NULL", (row["id"],))]
        if suppress:
            for kind, value in _contacts(row):
                if value in report.suppressed_before:
                    continue
                conn.execute("INSERT INTO suppressions (kind, value, reason, source, created_at) "
                             "VALUES (?, ?, 'forgotten', 'forget', ?) ON CONFLICT(kind, value) DO NOTHING",
                             (kind, value, to_iso(at)))
                report.suppressed_now.append(value)
        conn.execute("DELETE FROM customers WHERE id = ?", (row["id"],))
    for recorded, expected_name in files:
        path = Path(recorded)
        if path.name != expected_name or not path.is_file():
            continue  # not a file our outbox wrote for this message (or already gone)
        try:
            path.unlink()
            report.files_removed += 1
        except OSError:
            report.files_left.append(recorded)
    return report
