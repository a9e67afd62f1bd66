"""Small shared read queries over the store."""

from __future__ import annotations

COUNTED_TABLES = ("customers", "orders", "order_items", "products", "events", "suppressions")


def store_counts(store) -> dict[str, int]:
    """Row counts of the main tables (cheap: used by the console header and dashboard)."""
    return {t: int(store.scalar(f"SELECT count(*) FROM {t}")) for t in COUNTED_TABLES}
