"""Test helpers for dispatch: customers, hand-built plans and a stand-in rendered message.

Importable from the subprocess scripts too (they put this folder on ``sys.path``).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.message import EmailMessage

from lifecycle_tui.automation.planner import Decision, Plan, dedupe_key
from lifecycle_tui.automation.runlock import run_lock
from lifecycle_tui.store.timeutil import to_iso

AS_OF = datetime(2026, 6, 30, 12, 0, tzinfo=timezone.utc)


@dataclass
class StandInMessage:
    """Shaped like ``RenderedMessage`` (channel, fields, to_eml_bytes, to_payload)."""

    channel: str
    to: str
    fields: dict = field(default_factory=dict)

    def to_eml_bytes(self) -> bytes:
        msg = EmailMessage()
        msg["From"] = "My Shop <hello@shop.example>"
        msg["To"] = self.to
        msg["Subject"] = self.fields["subject"]
        msg["List-Unsubscribe"] = "<https://shop.example/unsubscribe?t=abc>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        msg.set_content(self.fields["text"])
        msg.add_alternative(self.fields["html"], subtype="html")
        return msg.as_bytes()

    def to_payload(self) -> dict:
        return {"text": self.fields.get("text", "")}


def add_customers(store, n: int, *, start: int = 1) -> list[tuple[int, str]]:
    """``n`` customers with email, phone and push token, all consenting; returns (rowid, customer_id)."""
    rows = [(f"c{i:04d}", f"c{i}@example.com", f"c{i}@example.com", f"+4915100{i:04d}", f"tok{i}")
            for i in range(start, start + n)]
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO customers (customer_id, email, email_norm, phone, push_token, accepts_email, accepts_sms, "
            "accepts_push, created_at) VALUES (?, ?, ?, ?, ?, 1, 1, 1, '2026-01-01T00:00:00+00:00')", rows)
    ids = {r[0] for r in rows}
    return [(r[0], r[1]) for r in store.conn.execute("SELECT id, customer_id FROM customers ORDER BY id")
            if r[1] in ids]


def decision(rowid: int, customer_id: str, *, rule: str = "welcome", step: int = 1, channel: str = "email",
             action: str = "send", reason: str | None = None, trigger: str = "signup") -> Decision:
    to = {"email": f"{customer_id}@x", "sms": "+1", "push": "tok"}[channel]
    message = None
    if action == "send":
        message = StandInMessage(channel, to, {"subject": f"Hello {customer_id}", "text": f"Hi {customer_id}",
                                              "html": f"<p>Hi {customer_id}</p>"})
    return Decision(rule, step, rowid, customer_id, channel, f"{rule}_{step}", action, reason, to_iso(AS_OF),
                    trigger, dedupe_key(rule, step, customer_id, trigger), message)


def make_plan(customers: list[tuple[int, str]], *, channel: str = "email", **kw) -> Plan:
    return Plan(as_of=AS_OF, decisions=[decision(r, c, channel=channel, **kw) for r, c in customers])


@contextmanager
def lock_held_by_another_run(db_path):
    """While the body runs, another thread holds the store's dispatch lock (as a busy run would)."""
    from lifecycle_tui.store import open_store

    holding, release = threading.Event(), threading.Event()

    def other_run() -> None:
        with open_store(db_path) as store, run_lock(store):
            holding.set()
            release.wait(10)

    t = threading.Thread(target=other_run)
    t.start()
    try:
        assert holding.wait(10), "the other run never took the lock"
        yield
    finally:
        release.set()
        t.join()
