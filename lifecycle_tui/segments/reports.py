"""Read models over ``customer_metrics``: customers per stage and the RFM grid (counts and revenue).

Every function ensures the metrics for ``as_of`` first, so the figures are never stale.
"""

from __future__ import annotations

from datetime import datetime

from lifecycle_tui.segments.metrics import ensure_metrics
from lifecycle_tui.segments.rfm import grid_cells, segment_names
from lifecycle_tui.segments.stages import STAGES
from lifecycle_tui.store import settings
from lifecycle_tui.store.timeutil import to_iso


def stage_counts(store, as_of: datetime) -> dict:
    """``{as_of, total, stages: [{stage, customers, revenue}]}`` in funnel order (every stage listed)."""
    ensure_metrics(store, as_of)
    found = {
        r[0]: (r[1], r[2])
        for r in store.conn.execute(
            "SELECT stage, count(*), coalesce(sum(revenue_cents), 0) FROM customer_metrics GROUP BY stage"
        )
    }
    rows = [{"stage": s, "customers": found.get(s, (0, 0))[0], "revenue": found.get(s, (0, 0))[1] / 100} for s in STAGES]
    return {"as_of": to_iso(as_of), "total": sum(r["customers"] for r in rows), "stages": rows}


def rfm_report(store, as_of: datetime, *, scores: bool = True) -> dict:
    """The 5x5 R x F grid and per-segment totals over customers with at least one counted order.

    ``{as_of, customers, grid: [{r, f, segment, customers, revenue}] (R=5..1, F=1..5),
    segments: [{segment, customers, revenue}] (grid order), scores: {r|f|m: [{score, min, max,
    customers}]}}`` -- the score ranges in days, orders and currency units. ``scores=False``
    leaves the ranges out (``scores`` is then None): three more scans of the metrics that the
    console's grid does not show (~0.1 s at 100k customers, on the Dashboard's first paint).
    """
    ensure_metrics(store, as_of)
    cells = {
        (r[0], r[1]): (r[2], r[3])
        for r in store.conn.execute(
            "SELECT r, f, count(*), sum(revenue_cents) FROM customer_metrics WHERE r IS NOT NULL GROUP BY r, f"
        )
    }
    grid = settings.get(store, "rfm.grid")
    out_cells, per_segment = [], {name: [0, 0] for name in segment_names(grid)}
    for r, f, name in grid_cells(grid):
        n, cents = cells.get((r, f), (0, 0))
        out_cells.append({"r": r, "f": f, "segment": name, "customers": n, "revenue": cents / 100})
        per_segment[name][0] += n
        per_segment[name][1] += cents
    segments = [{"segment": k, "customers": v[0], "revenue": v[1] / 100} for k, v in per_segment.items()]
    return {
        "as_of": to_iso(as_of),
        "customers": sum(c["customers"] for c in out_cells),
        "grid": out_cells,
        "segments": segments,
        "scores": _score_ranges(store) if scores else None,
    }


# What each score means in the shop's own numbers (days, orders, currency units).
_MEASURES = {"r": ("days_since_last_order", 1), "f": ("orders", 1), "m": ("revenue_cents", 100)}


def _score_ranges(store) -> dict:
    """``{r|f|m: [{score, min, max, customers}]}``, score 5 first."""
    out = {}
    for letter, (column, unit) in _MEASURES.items():
        rows = store.conn.execute(
            f"SELECT {letter}, min({column}), max({column}), count(*) FROM customer_metrics "
            f"WHERE {letter} IS NOT NULL GROUP BY {letter} ORDER BY {letter} DESC"
        )
        out[letter] = [{"score": r[0], "min": r[1] / unit, "max": r[2] / unit, "customers": r[3]} for r in rows]
    return out
