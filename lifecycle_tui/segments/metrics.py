"""Customer metrics at an as_of: one set-based refresh into ``customer_metrics``, and a cheap freshness check.

:func:`refresh_metrics` rebuilds every customer's row (orders, revenue, first/last order, AOV,
days since last order, lifecycle stage, R/F/M scores and RFM segment) in one transaction:

1. one ``GROUP BY customer_id`` pass over counted orders (not cancelled/refunded, placed at or
   before as_of) into a temp table, walking the covering index orders_customer_placed;
2. the three small value distributions of that table are scored in Python
   (:mod:`lifecycle_tui.segments.rfm`) and come back as SQL CASE bands;
3. one ``INSERT ... SELECT`` over customers computes every row into the temp table ``_new``
   (stage via :func:`lifecycle_tui.segments.stages.stage_case_sql`, segment via the settings grid);
4. ``customer_metrics`` is brought level with ``_new`` writing only rows that differ, and the
   indexed columns (stage, RFM segment) only where they differ;
5. stage and RFM segment changes against ``segment_baseline`` go to ``segment_changes`` with
   ``changed_at = as_of`` -- only when as_of is not earlier than the latest recorded one, so that
   looking at the past never rewrites history.

Speed (``python -m bench --only refresh``, 100k customers / 1M orders): ~1.4 s, 2.6-3x a bare
``GROUP BY customer_id`` over orders (whose own time varies 0.45-0.66 s from run to run); the
orders pass is over half of it, computing ``_new`` a quarter, writing the rest.

:func:`ensure_metrics` recomputes only when needed. Freshness = same as_of and same fingerprint:
``max(id)`` of customers, orders and events (catches inserts from any connection, including this
one, at O(log n) cost), ``metrics_state.generation`` (bumped by triggers on UPDATE of a column
metrics read, and on DELETE -- see migration m0002), and a digest of the stage and RFM settings.
``PRAGMA data_version`` is not used: it does not see this connection's own writes.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime

from lifecycle_tui.segments.rfm import grid_cells, score_bands
from lifecycle_tui.segments.stages import STAGE_SETTINGS, stage_case_sql, stage_params
from lifecycle_tui.store import settings
from lifecycle_tui.store.customers import NOT_COUNTED_STATUSES
from lifecycle_tui.store.timeutil import to_iso, utcnow


@dataclass
class RefreshReport:
    """What a refresh did (for the CLI, the console and the benchmark)."""

    as_of: str
    customers: int
    buyers: int
    stage_changes: int
    rfm_changes: int
    recorded: bool  # False when as_of was earlier than the history already recorded
    seconds: float
    bands: dict = field(default_factory=dict)  # {"r": [(score, bound), ...], "f": ..., "m": ...}


# Served by the covering index orders_customer_placed (customer_id, placed_at, total_cents,
# status; migration m0007): one walk in customer order, no sort and no table lookup per order.
_AGG_SQL = f"""
INSERT INTO temp._agg (cid, n, rev, first_at, last_at, days)
SELECT customer_id, count(*), sum(total_cents), min(placed_at), max(placed_at),
       (:as_of_epoch - CAST(strftime('%s', max(placed_at)) AS INTEGER)) / 86400
FROM orders
WHERE {{until}} status NOT IN ({", ".join(f"'{s}'" for s in NOT_COUNTED_STATUSES)})
GROUP BY customer_id
"""

_METRIC_COLUMNS = (
    "as_of", "orders", "revenue_cents", "first_order_at", "last_order_at", "aov_cents", "days_since_last_order",
    "stage", "r", "f", "m", "rfm_segment",
)
# Columns outside customer_metrics' secondary indexes (stage, rfm_segment): rewriting them
# touches only the table row.
_PLAIN_COLUMNS = tuple(c for c in _METRIC_COLUMNS if c not in ("stage", "rfm_segment"))
_TEMP_TABLES = ("_agg", "_grid", "_new", "_diff")
TEMP_CACHE_KIB = 64 * 1024  # page cache of the temp schema during a refresh

_SCORED = (("r", "days", False), ("f", "n", True), ("m", "rev", True))


def _band_case(letter: str, column: str, bands, higher_is_better: bool, params: dict) -> str:
    op = ">=" if higher_is_better else "<="
    parts = []
    for score, bound in bands:
        name = f"{letter}_b{score}"
        params[name] = bound
        parts.append(f"WHEN a.{column} {op} :{name} THEN {score}")
    return f"CASE WHEN a.n IS NULL THEN NULL {' '.join(parts)} END"


def settings_digest(store) -> str:
    values = [settings.get(store, k) for k in (*STAGE_SETTINGS, "rfm.grid")]
    return hashlib.sha1(json.dumps(values, sort_keys=True).encode()).hexdigest()[:16]


def fingerprint(store) -> str:
    """Identifies the source data and settings the metrics are computed from (cheap to read)."""
    row = store.conn.execute(
        "SELECT (SELECT max(id) FROM customers), (SELECT max(id) FROM orders), "
        "(SELECT max(id) FROM events), (SELECT generation FROM metrics_state WHERE id = 1)"
    ).fetchone()
    return ":".join(str(v) for v in row) + ":" + settings_digest(store)


def _state(conn) -> dict:
    row = conn.execute("SELECT as_of, fingerprint, recorded_as_of FROM metrics_state WHERE id = 1").fetchone()
    return dict(row) if row else {"as_of": None, "fingerprint": None, "recorded_as_of": None}


def is_fresh(store, as_of: datetime) -> bool:
    st = _state(store.conn)
    return st["as_of"] == to_iso(as_of) and st["fingerprint"] == fingerprint(store)


def ensure_metrics(store, as_of: datetime) -> RefreshReport | None:
    """Make ``customer_metrics`` current for ``as_of``; returns the refresh report, or None if it was."""
    if is_fresh(store, as_of):
        return None
    with store.transaction():
        # Re-check under the write lock: another process may have refreshed meanwhile.
        if is_fresh(store, as_of):
            return None
        return refresh_metrics(store, as_of)


def refresh_metrics(store, as_of: datetime) -> RefreshReport:
    """Recompute every customer's metrics at ``as_of`` and record stage/RFM changes (one transaction)."""
    started = time.perf_counter()
    as_of_iso = to_iso(as_of)
    with store.transaction() as conn:
        # The temp tables (~15 MB at 100k customers) stay in the page cache instead of spilling
        # to a temp file; temp_store=MEMORY would do it too but cannot change inside a transaction.
        old_temp_cache = conn.execute("PRAGMA temp.cache_size").fetchone()[0]
        conn.execute(f"PRAGMA temp.cache_size = -{TEMP_CACHE_KIB}")
        try:
            customers, buyers, all_bands = _compute(store, conn, as_of, as_of_iso)
            _write(conn, customers)
            st = _state(conn)
            record = st["recorded_as_of"] is None or as_of_iso >= st["recorded_as_of"]
            stage_changes = rfm_changes = 0
            if record:
                stage_changes, rfm_changes = _record_changes(conn, as_of_iso)
            for table in _TEMP_TABLES:
                conn.execute(f"DROP TABLE IF EXISTS temp.{table}")
        finally:
            with suppress(sqlite3.Error):  # never hide the error that got us here
                conn.execute(f"PRAGMA temp.cache_size = {old_temp_cache}")
        seconds = time.perf_counter() - started
        conn.execute(
            "UPDATE metrics_state SET as_of = ?, fingerprint = ?, computed_at = ?, seconds = ?, "
            "recorded_as_of = CASE WHEN ? THEN ? ELSE recorded_as_of END WHERE id = 1",
            (as_of_iso, fingerprint(store), to_iso(utcnow()), seconds, record, as_of_iso),
        )
    return RefreshReport(as_of_iso, customers, buyers, stage_changes, rfm_changes, record, seconds, all_bands)


def _compute(store, conn, as_of: datetime, as_of_iso: str) -> tuple[int, int, dict]:
    """Fill ``temp._new`` with every customer's metrics row at as_of; returns (customers, buyers, RFM bands)."""
    for table in _TEMP_TABLES:
        conn.execute(f"DROP TABLE IF EXISTS temp.{table}")
    conn.execute(
        "CREATE TEMP TABLE _agg (cid INTEGER PRIMARY KEY, n INTEGER, rev INTEGER, "
        "first_at TEXT, last_at TEXT, days INTEGER)"
    )
    # The as_of test is left out when no order is later than as_of (the usual case, as_of = now):
    # it is then true for every order and costs a text comparison on each of them.
    latest = conn.execute("SELECT max(placed_at) FROM orders").fetchone()[0]
    until = "placed_at <= :as_of AND" if latest is not None and latest > as_of_iso else ""
    conn.execute(_AGG_SQL.format(until=until), {"as_of": as_of_iso, "as_of_epoch": int(as_of.timestamp())})

    params: dict = stage_params(store, as_of)
    params["as_of"] = as_of_iso
    # The three distributions: each column comes as one JSON array (one row, parsed and counted
    # in C) rather than as a Python tuple per buyer, and no GROUP BY sorts.
    arrays = conn.execute(
        "SELECT " + ", ".join(f"json_group_array({column})" for _, column, _ in _SCORED) + " FROM temp._agg"
    ).fetchone()
    dists = {letter: Counter(json.loads(text)) for (letter, _, _), text in zip(_SCORED, arrays)}
    buyers = sum(dists["f"].values())
    cases, all_bands = {}, {}
    for letter, column, higher in _SCORED:
        bands = score_bands(list(dists[letter].items()), higher_is_better=higher)
        all_bands[letter] = bands
        cases[letter] = _band_case(letter, column, bands, higher, params)

    conn.execute("CREATE TEMP TABLE _grid (r INTEGER, f INTEGER, name TEXT, PRIMARY KEY (r, f))")
    conn.executemany("INSERT INTO temp._grid VALUES (?, ?, ?)", grid_cells(settings.get(store, "rfm.grid")))

    conn.execute(
        f"CREATE TEMP TABLE _new (customer_id INTEGER PRIMARY KEY, {', '.join(_METRIC_COLUMNS)})"
    )
    # ORDER BY c.id: rows arrive in key order, so every insert here (and every write of
    # _write) appends or walks the b-tree forward instead of landing on a random page.
    customers = conn.execute(
        f"""
        INSERT INTO temp._new (customer_id, {', '.join(_METRIC_COLUMNS)})
        SELECT x.id, :as_of, x.n, x.rev, x.first_at, x.last_at, x.aov, x.days, x.stage,
               x.r, x.f, x.m, g.name
        FROM (
            SELECT c.id, coalesce(a.n, 0) AS n, coalesce(a.rev, 0) AS rev, a.first_at, a.last_at,
                   CAST(round(a.rev * 1.0 / a.n) AS INTEGER) AS aov, a.days,
                   {stage_case_sql('a')} AS stage,
                   {cases['r']} AS r, {cases['f']} AS f, {cases['m']} AS m
            FROM customers c LEFT JOIN temp._agg a ON a.cid = c.id
        ) x LEFT JOIN temp._grid g ON g.r = x.r AND g.f = x.f
        ORDER BY x.id
        """,
        params,
    ).rowcount
    return customers, buyers, all_bands


def _write(conn, customers: int) -> None:
    """Make ``customer_metrics`` equal ``temp._new`` (``customers`` rows), writing only what differs.

    The plain columns and the two indexed ones (stage, rfm_segment) are updated apart: an
    UPDATE that names an indexed column rewrites that index entry even when the value is
    unchanged, and between two refreshes few customers change stage or segment. Rows that
    are already equal are not written at all (a repeated refresh at the same as_of writes
    nothing).
    """
    conn.execute("DELETE FROM customer_metrics WHERE customer_id NOT IN (SELECT customer_id FROM temp._new)")
    plain = ", ".join(_PLAIN_COLUMNS)
    conn.execute(
        f"""
        UPDATE customer_metrics AS m SET ({plain}) = ({', '.join(f'n.{c}' for c in _PLAIN_COLUMNS)})
        FROM temp._new n
        WHERE n.customer_id = m.customer_id
          AND ({', '.join(f'm.{c}' for c in _PLAIN_COLUMNS)}) IS NOT ({', '.join(f'n.{c}' for c in _PLAIN_COLUMNS)})
        """
    )
    conn.execute(
        """
        UPDATE customer_metrics AS m SET stage = n.stage, rfm_segment = n.rfm_segment
        FROM temp._new n
        WHERE n.customer_id = m.customer_id AND (m.stage IS NOT n.stage OR m.rfm_segment IS NOT n.rfm_segment)
        """
    )
    if conn.execute("SELECT count(*) FROM customer_metrics").fetchone()[0] == customers:
        return  # every customer has a row already (orphans are gone, so the sets are equal)
    columns = ", ".join(_METRIC_COLUMNS)
    conn.execute(
        f"""
        INSERT INTO customer_metrics (customer_id, {columns})
        SELECT n.customer_id, {columns} FROM temp._new n
        WHERE NOT EXISTS (SELECT 1 FROM customer_metrics m WHERE m.customer_id = n.customer_id)
        """
    )


def _record_changes(conn, as_of_iso: str) -> tuple[int, int]:
    """Write stage/RFM changes since the baseline, then move the baseline (changed rows only).

    One pass compares the new rows with the baseline into ``temp._diff`` (usually small); the
    change rows are inserted in (new value, customer) order, the order they always had.
    """
    conn.execute("DROP TABLE IF EXISTS temp._diff")
    conn.execute(
        """
        CREATE TEMP TABLE _diff AS
        SELECT n.customer_id, b.stage AS old_stage, n.stage AS new_stage,
               b.rfm_segment AS old_rfm, n.rfm_segment AS new_rfm
        FROM temp._new n LEFT JOIN segment_baseline b ON b.customer_id = n.customer_id
        WHERE b.customer_id IS NULL OR b.stage IS NOT n.stage OR b.rfm_segment IS NOT n.rfm_segment
        """
    )
    counts = []
    for kind, old, new in (("stage", "old_stage", "new_stage"), ("rfm", "old_rfm", "new_rfm")):
        cur = conn.execute(
            f"""
            INSERT INTO segment_changes (customer_id, kind, from_value, to_value, changed_at)
            SELECT customer_id, '{kind}', {old}, {new}, ? FROM temp._diff
            WHERE {old} IS NOT {new} ORDER BY {new}, customer_id
            """,
            (as_of_iso,),
        )
        counts.append(cur.rowcount)
    conn.execute(
        """
        INSERT INTO segment_baseline (customer_id, stage, rfm_segment)
        SELECT customer_id, new_stage, new_rfm FROM temp._diff WHERE true
        ON CONFLICT (customer_id) DO UPDATE SET stage = excluded.stage, rfm_segment = excluded.rfm_segment
        """
    )
    return counts[0], counts[1]
