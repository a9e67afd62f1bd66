"""Customer metrics at an as_of: one set-based refresh into ``customer_metrics``, and a cheap freshness check.

:func:`refresh_metrics` rebuilds every customer's row (orders, revenue, first/last order, AOV,
days since last order, lifecycle stage, R/F/M scores and RFM segment) in one transaction:

1. one ``GROUP BY customer_id`` pass over counted orders (not cancelled/refunded, placed at or
   before as_of) into a temp table;
2. the three small value distributions of that table are scored in Python
   (:mod:`lifecycle_tui.segments.rfm`) and come back as SQL CASE bands;
3. one ``INSERT ... SELECT`` over customers writes the metrics (stage via
   :func:`lifecycle_tui.segments.stages.stage_case_sql`, segment via the settings grid);
4. stage and RFM segment changes against ``segment_baseline`` go to ``segment_changes`` with
   ``changed_at = as_of`` -- only when as_of is not earlier than the latest recorded one, so that
   looking at the past never rewrites history.

:func:`ensure_metrics` recomputes only when needed. Freshness = same as_of and same fingerprint:
``max(id)`` of customers, orders and events (catches inserts from any connection, including this
one, at O(log n) cost), ``metrics_state.generation`` (bumped by triggers on UPDATE of a column
metrics read, and on DELETE -- see migration m0002), and a digest of the stage and RFM settings.
``PRAGMA data_version`` is not used: it does not see this connection's own writes.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
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


# NOT INDEXED: one sequential pass over orders then an in-memory sort by customer beats walking
# the (customer_id, placed_at) index, which needs a random table lookup per order for the
# total and status (measured ~2x on 1M orders; see bench/segments_bench.py).
_AGG_SQL = f"""
INSERT INTO temp._agg (cid, n, rev, first_at, last_at, days)
SELECT customer_id, count(*), sum(total_cents), min(placed_at), max(placed_at),
       (:as_of_epoch - CAST(strftime('%s', max(placed_at)) AS INTEGER)) / 86400
FROM orders NOT INDEXED
WHERE placed_at <= :as_of AND status NOT IN ({", ".join(f"'{s}'" for s in NOT_COUNTED_STATUSES)})
GROUP BY customer_id
"""

_METRIC_COLUMNS = (
    "as_of", "orders", "revenue_cents", "first_order_at", "last_order_at", "aov_cents", "days_since_last_order",
    "stage", "r", "f", "m", "rfm_segment",
)
_UPDATE_ALL = ", ".join(f"{c} = excluded.{c}" for c in _METRIC_COLUMNS)

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
        conn.execute("DROP TABLE IF EXISTS temp._agg")
        conn.execute(
            "CREATE TEMP TABLE _agg (cid INTEGER PRIMARY KEY, n INTEGER, rev INTEGER, "
            "first_at TEXT, last_at TEXT, days INTEGER)"
        )
        conn.execute(_AGG_SQL, {"as_of": as_of_iso, "as_of_epoch": int(as_of.timestamp())})

        params: dict = stage_params(store, as_of)
        params["as_of"] = as_of_iso
        # The three distributions in one pass (100k small tuples: cheaper than three GROUP BY sorts).
        dists: dict[str, Counter] = {letter: Counter() for letter, _, _ in _SCORED}
        for days, n, rev in conn.execute("SELECT days, n, rev FROM temp._agg"):
            dists["r"][days] += 1
            dists["f"][n] += 1
            dists["m"][rev] += 1
        cases, all_bands = {}, {}
        for letter, column, higher in _SCORED:
            bands = score_bands(list(dists[letter].items()), higher_is_better=higher)
            all_bands[letter] = bands
            cases[letter] = _band_case(letter, column, bands, higher, params)

        conn.execute("DROP TABLE IF EXISTS temp._grid")
        conn.execute("CREATE TEMP TABLE _grid (r INTEGER, f INTEGER, name TEXT, PRIMARY KEY (r, f))")
        conn.executemany("INSERT INTO temp._grid VALUES (?, ?, ?)", grid_cells(settings.get(store, "rfm.grid")))

        # Upsert in place (measured ~25% faster than DELETE + INSERT, which checks the foreign
        # key row by row), then drop rows of customers that no longer exist.
        conn.execute(
            f"""
            INSERT INTO customer_metrics (customer_id, as_of, orders, revenue_cents, first_order_at,
                last_order_at, aov_cents, days_since_last_order, stage, r, f, m, rfm_segment)
            SELECT x.id, :as_of, x.n, x.rev, x.first_at, x.last_at, x.aov, x.days, x.stage,
                   x.r, x.f, x.m, g.name
            FROM (
                SELECT c.id, coalesce(a.n, 0) AS n, coalesce(a.rev, 0) AS rev, a.first_at, a.last_at,
                       CAST(round(a.rev * 1.0 / a.n) AS INTEGER) AS aov, a.days,
                       {stage_case_sql('a')} AS stage,
                       {cases['r']} AS r, {cases['f']} AS f, {cases['m']} AS m
                FROM customers c LEFT JOIN temp._agg a ON a.cid = c.id
            ) x LEFT JOIN temp._grid g ON g.r = x.r AND g.f = x.f
            WHERE true
            ON CONFLICT (customer_id) DO UPDATE SET {_UPDATE_ALL}
            """,
            params,
        )
        conn.execute(
            "DELETE FROM customer_metrics WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = customer_metrics.customer_id)"
        )
        customers = conn.execute("SELECT count(*) FROM customer_metrics").fetchone()[0]
        buyers = conn.execute("SELECT count(*) FROM temp._agg").fetchone()[0]

        st = _state(conn)
        record = st["recorded_as_of"] is None or as_of_iso >= st["recorded_as_of"]
        stage_changes = rfm_changes = 0
        if record:
            stage_changes, rfm_changes = _record_changes(conn, as_of_iso)
        conn.execute("DROP TABLE temp._agg")
        conn.execute("DROP TABLE temp._grid")
        seconds = time.perf_counter() - started
        conn.execute(
            "UPDATE metrics_state SET as_of = ?, fingerprint = ?, computed_at = ?, seconds = ?, "
            "recorded_as_of = CASE WHEN ? THEN ? ELSE recorded_as_of END WHERE id = 1",
            (as_of_iso, fingerprint(store), to_iso(utcnow()), seconds, record, as_of_iso),
        )
    return RefreshReport(as_of_iso, customers, buyers, stage_changes, rfm_changes, record, seconds, all_bands)


def _record_changes(conn, as_of_iso: str) -> tuple[int, int]:
    """Write stage/RFM changes since the baseline, then move the baseline (changed rows only)."""
    counts = []
    for kind, column in (("stage", "stage"), ("rfm", "rfm_segment")):
        cur = conn.execute(
            f"""
            INSERT INTO segment_changes (customer_id, kind, from_value, to_value, changed_at)
            SELECT m.customer_id, '{kind}', b.{column}, m.{column}, ?
            FROM customer_metrics m LEFT JOIN segment_baseline b ON b.customer_id = m.customer_id
            WHERE b.{column} IS NOT m.{column}
            """,
            (as_of_iso,),
        )
        counts.append(cur.rowcount)
    conn.execute(
        """
        INSERT INTO segment_baseline (customer_id, stage, rfm_segment)
        SELECT m.customer_id, m.stage, m.rfm_segment
        FROM customer_metrics m LEFT JOIN segment_baseline b ON b.customer_id = m.customer_id
        WHERE b.customer_id IS NULL OR b.stage IS NOT m.stage OR b.rfm_segment IS NOT m.rfm_segment
        ON CONFLICT (customer_id) DO UPDATE SET stage = excluded.stage, rfm_segment = excluded.rfm_segment
        """
    )
    return counts[0], counts[1]
