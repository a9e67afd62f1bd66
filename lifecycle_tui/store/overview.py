"""Shop-wide figures for the console dashboard: sales per month up to an as-of time.

Counted orders only (cancelled and refunded are not purchases), placed at or before ``as_of``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lifecycle_tui.store.customers import NOT_COUNTED_STATUSES
from lifecycle_tui.store.timeutil import to_iso

_NOT_COUNTED = ", ".join(f"'{s}'" for s in NOT_COUNTED_STATUSES)


@dataclass(frozen=True)
class MonthSales:
    month: str  # YYYY-MM
    orders: int
    revenue_cents: int


def month_keys(as_of: datetime, months: int) -> list[str]:
    """The ``months`` calendar months ending with as_of's month, oldest first (``YYYY-MM``)."""
    y, m = as_of.year, as_of.month
    keys = []
    for _ in range(months):
        keys.append(f"{y:04d}-{m:02d}")
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return keys[::-1]


def monthly_sales(store, as_of: datetime, months: int = 12) -> list[MonthSales]:
    """Orders and revenue per calendar month (UTC) for the last ``months`` months; empty months are 0."""
    keys = month_keys(as_of, months)
    rows = store.conn.execute(
        f"SELECT substr(placed_at, 1, 7) AS month, count(*) AS n, sum(total_cents) AS cents FROM orders"
        # "+placed_at": scan the table in order rather than visit a year of rows through the
        # placed_at index one random lookup at a time (10x slower on a million orders).
        f" WHERE +placed_at >= ? AND +placed_at <= ? AND status NOT IN ({_NOT_COUNTED})"
        f" GROUP BY month",
        (f"{keys[0]}-01", to_iso(as_of)),
    ).fetchall()
    found = {r["month"]: (r["n"], r["cents"] or 0) for r in rows}
    return [MonthSales(k, *found.get(k, (0, 0))) for k in keys]

