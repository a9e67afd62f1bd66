"""Shared constants and helpers of the importer tests (imported as ``import_helpers``)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
IMPORT_AT = datetime(2026, 6, 30, 12, 0, tzinfo=timezone.utc)


def snapshot(store) -> dict:
    """Every importer-touched table's rows, to prove a refused or dry import changed nothing."""
    tables = ("customers", "orders", "order_items", "products", "events", "consent_changes")
    return {t: [tuple(r) for r in store.conn.execute(f"SELECT * FROM {t} ORDER BY id")] for t in tables}


def customer(store, customer_id: str) -> dict:
    row = store.conn.execute("SELECT * FROM customers WHERE customer_id = ?", (customer_id,)).fetchone()
    assert row is not None, f"no customer {customer_id}"
    return dict(row)
