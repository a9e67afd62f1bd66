"""Fixtures for the automation tests: a fresh store and a tiny builder that inserts rows by SQL."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta, timezone

import pytest

from lifecycle_tui.automation.rules import Rule, save_rule
from lifecycle_tui.bootstrap import init_store
from lifecycle_tui.store import open_store
from lifecycle_tui.store.timeutil import to_iso

AS_OF = datetime(2026, 6, 30, 12, 0, tzinfo=timezone.utc)  # a Tuesday, 14:00 in Berlin


def iso(dt: datetime) -> str:
    return to_iso(dt)


class Shop:
    """Inserts customers, orders and events with explicit times; returns row ids."""

    def __init__(self, store):
        self.store = store
        self._n = 0

    def customer(self, cid: str | None = None, *, created: datetime | None = None, email: str | None = "auto",
                 phone: str | None = "+4915100000000", push_token: str | None = "tok", consent=(1, 1, 1),
                 timezone_name: str | None = None, birthday: str | None = None, first_name: str = "Ada") -> int:
        self._n += 1
        cid = cid or f"c{self._n:03d}"
        if email == "auto":
            email = f"{cid}@example.com"
        with self.store.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO customers (customer_id, email, email_norm, phone, first_name, birthday, created_at, "
                "accepts_email, accepts_sms, accepts_push, push_token, timezone) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (cid, email, email.lower() if email else None, phone, first_name, birthday,
                 iso(created) if created else None, *consent, push_token, timezone_name))
        return cur.lastrowid

    def order(self, customer: int, at: datetime, *, order_id: str | None = None, total: int = 2500,
              status: str = "paid") -> int:
        self._n += 1
        with self.store.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO orders (order_id, customer_id, placed_at, total_cents, currency, status) "
                "VALUES (?,?,?,?,?,?)", (order_id or f"#{1000 + self._n}", customer, iso(at), total, "EUR", status))
            conn.execute("INSERT INTO order_items (order_id, line, sku, title, quantity, price_cents) "
                         "VALUES (?, 1, 'KK-T-SEN', 'Sencha', 1, ?)", (cur.lastrowid, total))
        return cur.lastrowid

    def event(self, customer: int, type_: str, at: datetime, **props) -> int:
        self._n += 1
        with self.store.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO events (event_key, customer_id, type, occurred_at, properties) VALUES (?,?,?,?,?)",
                (f"k{self._n}", customer, type_, iso(at), json.dumps(props)))
        return cur.lastrowid

    def message(self, customer: int, rule: str, step: int, trigger_key: str, *, channel: str = "email",
                sent_at: datetime, status: str = "sent", template: str = "t") -> None:
        cid = self.store.scalar("SELECT customer_id FROM customers WHERE id = ?", (customer,))
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO messages (rule, step, customer_id, channel, template, trigger_key, dedupe_key, status, "
                "due_at, claimed_at, sent_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (rule, step, customer, channel, template, trigger_key, f"{rule}:{step}:{cid}:{trigger_key}",
                 status, iso(sent_at), iso(sent_at), iso(sent_at) if status == "sent" else None))

    def only_rules(self, *names: str) -> None:
        """Disable every rule except ``names`` (starter rules collide otherwise)."""
        with self.store.transaction() as conn:
            conn.execute(f"UPDATE rules SET enabled = (name IN ({','.join('?' * len(names))}))", names)

    def rule(self, name: str, definition: dict, *, priority: int = 50, enabled: bool = True, check: bool = False):
        with self.store.transaction() as conn:
            conn.execute("UPDATE rules SET enabled = 0")
        return save_rule(self.store, Rule.from_definition(name, definition, enabled=enabled, priority=priority),
                         check=check)


@pytest.fixture(scope="session")
def seeded_db(tmp_path_factory):
    """One initialised store (templates and starter rules) that each test copies."""
    path = tmp_path_factory.mktemp("seed") / "seed.db"
    init_store(path)
    return path


@pytest.fixture
def store(tmp_path, seeded_db):
    path = tmp_path / "shop.db"
    shutil.copyfile(seeded_db, path)
    s = open_store(path)
    yield s
    s.close()


@pytest.fixture
def shop(store) -> Shop:
    return Shop(store)


H = timedelta(hours=1)
D = timedelta(days=1)
