"""``generate_shop``: build a complete, deterministic sample store file.

The same seed, size and end date always give the same data (one seeded ``random.Random``,
integer timestamps counted back from ``end``, only lists iterated). The store is made by
:func:`lifecycle_tui.bootstrap.init_store` (schema, starter templates and rules), filled in
one transaction with ``executemany`` batches, given metrics as of the end, vacuumed, and
only then moved into place, so a failed or interrupted build never leaves a half-made file.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from random import Random

from lifecycle_tui.bootstrap import init_store
from lifecycle_tui.sample.catalogue import SHOP_SETTINGS, SHOP_TIMEZONE
from lifecycle_tui.sample.history import World, daytime, simulate_base
from lifecycle_tui.sample.people import make_person
from lifecycle_tui.sample.recent import cast_counts, finish_at_risk, plan, simulate_cast
from lifecycle_tui.sample.rows import DAY, HOUR, PRODUCT_ROWS, Rows
from lifecycle_tui.store import open_store, settings
from lifecycle_tui.store.timeutil import UTC, to_iso, zone

DEFAULT_END = datetime(2026, 6, 30, 18, 0, tzinfo=UTC)
MIN_CUSTOMERS = 20
METRICS_LOOKBACK = 7 * DAY  # metrics are also computed this long before the end (see _compute_metrics)
# Natural orders per customer at repeat_scale 1, and how much each unit of scale adds
# (measured on 20k-customer builds); used to turn `orders_per_customer` into a scale.
_BASE_ORDERS, _ORDERS_PER_SCALE = 1.33, 0.614

# Tables the generator fills; their named indexes are dropped during the bulk load and rebuilt after.
DATA_TABLES = ("customers", "orders", "order_items", "events", "consent_changes", "suppressions", "products")


@dataclass
class GenerateReport:
    """What a build made (counts of rows per table, the pinned as_of, timing)."""

    path: str
    seed: int
    as_of: str
    customers: int
    orders: int
    order_items: int
    events: int
    products: int
    consent_changes: int
    suppressions: int
    metrics: bool
    seconds: float

    def to_json(self) -> dict:
        return asdict(self)


def generate_shop(
    path: str | os.PathLike,
    *,
    customers: int = 3000,
    seed: int = 7,
    end: datetime = DEFAULT_END,
    years: int = 2,
    orders_per_customer: float | None = None,
    events_scale: float = 1.0,
    overwrite: bool = False,
    metrics: bool = True,
    vacuum: bool = True,
) -> GenerateReport:
    """Build the sample shop "Kettle & Kiln" into a new store file at ``path``.

    ``customers`` sign up over ``years`` years ending at ``end`` (timezone-aware; it becomes the
    store's pinned ``clock.as_of``); the recent cast's histories reach up to two years back
    whatever ``years`` is. ``orders_per_customer`` (about 1.35 by default) and
    ``events_scale`` raise the volume for benchmark stores. Raises ``FileExistsError`` if
    ``path`` exists and ``overwrite`` is false, ``ValueError`` for impossible parameters.
    """
    started = time.perf_counter()
    if end.tzinfo is None:
        raise ValueError("end must be timezone-aware")
    if customers < MIN_CUSTOMERS:
        raise ValueError(f"customers must be at least {MIN_CUSTOMERS}")
    if years < 1:
        raise ValueError("years must be at least 1")
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} already exists")
    scale = 1.0
    if orders_per_customer is not None:
        scale = max(1.0, (orders_per_customer - _BASE_ORDERS) / _ORDERS_PER_SCALE + 1.0)
    end = end.astimezone(UTC).replace(microsecond=0)
    world = World(end=int(end.timestamp()), repeat_scale=scale, events_scale=events_scale)

    tmp = path.with_name(f".{path.name}.building-{os.getpid()}")
    _remove(tmp)
    try:
        init_store(tmp)
        with open_store(tmp) as store:
            _fill(store, world, customers, years, seed)
            has_metrics = _compute_metrics(store, end) if metrics else False
            store.conn.execute("PRAGMA journal_mode = DELETE")
            if vacuum:
                store.conn.execute("VACUUM")
            counts = {t: int(store.scalar(f"SELECT count(*) FROM {t}")) for t in DATA_TABLES}
            store.conn.execute("PRAGMA journal_mode = WAL")
        _remove(path)  # the old file and any -wal/-shm it left (a stale -wal would corrupt the new file)
        os.replace(tmp, path)
    finally:
        _remove(tmp)
    return GenerateReport(
        path=str(path), seed=seed, as_of=to_iso(end), metrics=has_metrics,
        seconds=round(time.perf_counter() - started, 2), **counts,
    )


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            os.remove(f"{path}{suffix}")
        except FileNotFoundError:
            pass


def _fill(store, world: World, customers: int, years: int, seed: int) -> None:
    conn = store.conn
    # A brand-new file that is discarded on failure: no need for WAL copies or fsyncs while loading.
    conn.execute("PRAGMA journal_mode = MEMORY")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -131072")
    rng = Random(seed)
    end = world.end
    shop_local_end = datetime.fromtimestamp(end, zone(SHOP_TIMEZONE))
    with store.transaction():
        indexes = _drop_indexes(conn)
        conn.executemany(
            "INSERT INTO products (id, product_id, title, price_cents, currency, url, attributes) VALUES (?,?,?,?,?,?,?)",
            PRODUCT_ROWS,
        )
        for key, value in SHOP_SETTINGS:
            settings.set_value(store, key, value)
        settings.set_value(store, "clock.as_of", to_iso(datetime.fromtimestamp(end, UTC)))
        # Secrets (e.g. the unsubscribe-link key) are random per store; a demo store with made-up
        # customers gets seed-derived ones instead, so its previews and digest are reproducible.
        for key in sorted(settings.SETTINGS):
            if key.startswith("secret."):
                settings.set_value(store, key, hashlib.sha256(f"sample:{seed}:{key}".encode()).hexdigest())

        # Who signs up when: the recent cast first (their anchors), then ordinary customers whose
        # sign-ups grow over time (density rising linearly). Ids follow sign-up order.
        people: list[tuple[int, int, str, dict]] = []
        for kind, n in cast_counts(customers):
            for _ in range(n):
                created, params = plan(rng, kind, world, shop_local_end)
                people.append((created, len(people), kind, params))
        start = end - years * 365 * DAY
        span = end - 6 * HOUR - start
        for _ in range(customers - len(people)):
            created = daytime(rng, start + int(span * rng.random() ** 0.5))
            if created > end - 6 * HOUR:  # the shopping hour fell after the end: take the day before's
                created -= DAY
            people.append((created, len(people), "base", {}))
        people.sort(key=lambda x: (x[0], x[1]))

        rows = Rows(conn, cutoff=end - METRICS_LOOKBACK)
        pending = []
        for rowid, (created, _n, kind, params) in enumerate(people, 1):
            person = make_person(rng, rowid, created, keen=kind != "base")
            if kind == "base":
                simulate_base(rows, rng, person, world)
            elif (later := simulate_cast(rows, rng, person, kind, world, params)) is not None:
                pending.append(later)
            if rows.full():
                rows.flush()
        finish_at_risk(rows, rng, pending, world, METRICS_LOOKBACK)
        rows.flush()
        # Shop order numbers count up in time, like a real shop's (ids were given per customer).
        conn.execute(
            "UPDATE orders SET order_id = 'KK-' || (10000 + r.n) FROM ("
            " SELECT id, row_number() OVER (ORDER BY placed_at, id) AS n FROM orders) AS r"
            " WHERE r.id = orders.id"
        )
        for sql in indexes:
            conn.execute(sql)


def _drop_indexes(conn) -> list[str]:
    """Drop the data tables' named indexes (rebuilt after the load, which is much faster); return their SQL."""
    marks = ",".join("?" * len(DATA_TABLES))
    found = conn.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks})"
        " ORDER BY name",
        DATA_TABLES,
    ).fetchall()
    for name, _sql in found:
        conn.execute(f'DROP INDEX "{name}"')
    return [sql for _name, sql in found]


def _compute_metrics(store, end: datetime) -> bool:
    """Metrics as of a week before the end, then at the end, so that recent stage and RFM
    moves (e.g. entering "At Risk") are on record as the console would have seen them."""
    from lifecycle_tui.segments import ensure_metrics

    ensure_metrics(store, end - timedelta(seconds=METRICS_LOOKBACK))
    ensure_metrics(store, end)
    return True
