"""Console test fixtures shared by every tests/tui file: a seeded store, a frozen clock, an app factory.

- ``FROZEN``: the as-of every console test runs at (never the wall clock).
- ``shop_db``: a path to a fresh copy of a small deterministic shop (customers with orders,
  items and events spread over two years before ``FROZEN``, starter templates and rules).
  Each test gets its own copy, so tests may write to it.
- ``make_app``: ``make_app()`` -> ``LifecycleApp(shop_db, as_of=FROZEN)``; pass another path
  or ``as_of`` to override.
- ``settle(pilot)``: wait until every worker finished and the screen repainted.
"""

from __future__ import annotations

import json
import random
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from lifecycle_tui.bootstrap import init_store
from lifecycle_tui.store import open_store
from lifecycle_tui.store.timeutil import to_iso

FROZEN = datetime(2026, 6, 30, 12, 0, tzinfo=timezone.utc)
SEED = 20260630
SEED_CUSTOMERS = 60

_FIRST = ["Ada", "Bela", "Cem", "Dora", "Emil", "Fatma", "Gus", "Hana", "Ivo", "Jule", "Kai", "Lina"]
_LAST = ["Albers", "Brandt", "Celik", "Dietz", "Engel", "Fischer", "Graf", "Hahn", "Ionescu", "Jansen"]
_PRODUCTS = [
    ("T-SEN", "Sencha, 100 g", 1450),
    ("T-GEN", "Genmaicha, 100 g", 990),
    ("C-CUP", "Stoneware cup", 2200),
    ("C-POT", "Kyusu teapot", 5900),
    ("A-WHK", "Bamboo whisk", 1800),
]
_STATUSES = ["paid"] * 8 + ["fulfilled"] * 3 + ["cancelled", "refunded"]


def seed_shop(path: Path, customers: int = SEED_CUSTOMERS, seed: int = SEED) -> None:
    """Write a small deterministic shop into a new store at ``path`` (plain SQL inserts)."""
    init_store(path)
    rng = random.Random(seed)
    start = FROZEN - timedelta(days=730)
    with open_store(path) as store, store.transaction() as conn:
        conn.execute(
            "INSERT INTO settings (key, value, updated_at) VALUES ('shop.name', ?, ?)",
            (json.dumps("Teapot Test Shop"), to_iso(FROZEN)),
        )
        conn.executemany(
            "INSERT INTO products (product_id, title, price_cents, currency) VALUES (?, ?, ?, 'EUR')",
            _PRODUCTS,
        )
        order_no = 0
        for i in range(1, customers + 1):
            first, last = _FIRST[i % len(_FIRST)], _LAST[(i * 7) % len(_LAST)]
            email = f"{first.lower()}.{last.lower()}{i}@example.com"
            created = start + timedelta(days=rng.randrange(0, 600), hours=rng.randrange(24))
            conn.execute(
                "INSERT INTO customers (id, customer_id, email, email_norm, phone, first_name, last_name,"
                " created_at, accepts_email, accepts_sms, accepts_push, timezone, tags, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'Europe/Berlin', ?, ?)",
                (
                    i, f"C{i:04d}", email, email, f"+49151{i:07d}", first, last, to_iso(created),
                    int(rng.random() < 0.8), int(rng.random() < 0.3), int(rng.random() < 0.2),
                    json.dumps(["vip"] if i % 9 == 0 else []), to_iso(created),
                ),
            )
            n_orders = rng.choice([0, 0, 1, 1, 1, 2, 2, 3, 4, 6])
            when = created
            for _ in range(n_orders):
                when = when + timedelta(days=rng.randrange(5, 160), hours=rng.randrange(24))
                if when >= FROZEN:
                    break
                order_no += 1
                lines = rng.sample(_PRODUCTS, rng.randrange(1, 3))
                qty = [rng.randrange(1, 3) for _ in lines]
                total = sum(p[2] * q for p, q in zip(lines, qty))
                cur = conn.execute(
                    "INSERT INTO orders (order_id, customer_id, placed_at, total_cents, currency, status)"
                    " VALUES (?, ?, ?, ?, 'EUR', ?)",
                    (f"#{1000 + order_no}", i, to_iso(when), total, rng.choice(_STATUSES)),
                )
                conn.executemany(
                    "INSERT INTO order_items (order_id, line, product_id, sku, title, quantity, price_cents)"
                    " VALUES (?, ?, (SELECT id FROM products WHERE product_id = ?), ?, ?, ?, ?)",
                    [(cur.lastrowid, n, p[0], p[0], p[1], q, p[2]) for n, (p, q) in enumerate(zip(lines, qty), 1)],
                )
            for k in range(rng.randrange(0, 4)):
                kind = rng.choice(["product_viewed", "product_viewed", "cart_updated", "review_submitted"])
                at = FROZEN - timedelta(days=rng.randrange(1, 400), minutes=rng.randrange(1440))
                props = {"rating": rng.randrange(3, 6)} if kind == "review_submitted" else {"sku": rng.choice(_PRODUCTS)[0]}
                conn.execute(
                    "INSERT INTO events (event_key, customer_id, type, occurred_at, properties) VALUES (?, ?, ?, ?, ?)",
                    (f"seed-{i}-{k}", i, kind, to_iso(at), json.dumps(props)),
                )


@pytest.fixture(scope="session")
def _seeded_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tui-seed") / "shop.db"
    seed_shop(path)
    return path


@pytest.fixture
def shop_db(_seeded_template: Path, tmp_path: Path) -> Path:
    """A private copy of the seeded shop for one test."""
    path = tmp_path / "shop.db"
    shutil.copyfile(_seeded_template, path)
    return path


@pytest.fixture
def make_app(shop_db: Path):
    """Factory: ``make_app(db_path=None, as_of=FROZEN)`` -> a LifecycleApp on the seeded shop."""
    from lifecycle_tui.tui.app import LifecycleApp

    def factory(db_path: Path | None = None, as_of: datetime | None = FROZEN) -> LifecycleApp:
        return LifecycleApp(db_path or shop_db, as_of=as_of)

    return factory


async def settle(pilot, rounds: int = 3) -> None:
    """Wait for workers (and the workers their results start) to finish, then repaint."""
    for _ in range(rounds):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


@pytest.fixture
def wait_idle():
    """The :func:`settle` helper as a fixture, for files that prefer not to import conftest."""
    return settle
