"""Customer read models: the profile summary that `customers list|show` and the console print.

Numbers (orders, revenue, first/last order, stage, RFM) come from ``customer_metrics``, the
materialised metrics at an as_of. Pass ``as_of`` to have them brought up to date first
(``lifecycle_tui.segments.ensure_metrics``); without it the stored rows are read as they are.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Iterator

from lifecycle_tui.store.browse import CustomerQuery, Params, sort_sql, where_sql

# Cancelled and refunded orders never count as purchases.
NOT_COUNTED_STATUSES = ("cancelled", "refunded")

_SUMMARY_SQL = """
SELECT c.id, c.customer_id, c.email, c.first_name, c.last_name, c.phone,
       c.accepts_email, c.accepts_sms, c.accepts_push,
       m.orders, m.revenue_cents, m.first_order_at, m.last_order_at, m.aov_cents,
       m.days_since_last_order, m.stage, m.r, m.f, m.m, m.rfm_segment
FROM customers c
LEFT JOIN customer_metrics m ON m.customer_id = c.id
{where}
{order}
{limit}
"""


def _money(cents: int | None) -> float | None:
    return None if cents is None else cents / 100


def _summary(row: sqlite3.Row) -> dict:
    return {
        "customer_id": row["customer_id"],
        "email": row["email"],
        "first_name": row["first_name"],
        "last_name": row["last_name"],
        "phone": row["phone"],
        "orders": row["orders"] or 0,
        "revenue": _money(row["revenue_cents"] or 0),
        "aov": _money(row["aov_cents"]),
        "first_order_at": row["first_order_at"],
        "last_order_at": row["last_order_at"],
        "days_since_last_order": row["days_since_last_order"],
        "stage": row["stage"],
        "rfm": {"r": row["r"], "f": row["f"], "m": row["m"], "segment": row["rfm_segment"]},
        "accepts_email": bool(row["accepts_email"]),
        "accepts_sms": bool(row["accepts_sms"]),
        "accepts_push": bool(row["accepts_push"]),
    }


def _ensure(store, as_of: datetime | None) -> None:
    if as_of is not None:
        from lifecycle_tui.segments import ensure_metrics  # segments builds on store, not the reverse

        ensure_metrics(store, as_of)


class AmbiguousCustomerError(ValueError):
    """An email that more than one customer has was given where one customer is meant."""


def customer_rowid(store, key: str) -> int | None:
    """The row id of the customer whose shop id is ``key``, else of the one customer with that
    email (spaces around a pasted id or email are ignored); None when there is none. Raises
    :class:`AmbiguousCustomerError` naming the ids when the email is several customers' (never a guess)."""
    key = key.strip()
    row = store.conn.execute("SELECT id FROM customers WHERE customer_id = ?", (key,)).fetchone()
    if row is not None:
        return row[0]
    rows = store.conn.execute("SELECT id, customer_id FROM customers WHERE email_norm = lower(?) "
                              "ORDER BY customer_id LIMIT 6", (key,)).fetchall()
    if len(rows) > 1:
        ids = ", ".join(r[1] for r in rows[:5]) + (", ..." if len(rows) > 5 else "")
        raise AmbiguousCustomerError(f"{key!r} is the email of more than one customer ({ids}); name the customer id.")
    return rows[0][0] if rows else None


def require_customer(store, key: str, error: type[Exception], columns: str = "id, customer_id"):
    """The ``columns`` of the customer :func:`customer_rowid` finds for ``key``; raises ``error``
    (the caller's refusal type) with the words when there is none or the email is several customers'."""
    try:
        rowid = customer_rowid(store, key)
    except AmbiguousCustomerError as exc:
        raise error(str(exc)) from None
    if rowid is None:
        raise error(f"no customer {key.strip()!r} in this store.")
    return store.conn.execute(f"SELECT {columns} FROM customers WHERE id = ?", (rowid,)).fetchone()


def get_customer(store, customer_id: str, as_of: datetime | None = None) -> dict | None:
    """The summary of one customer by the shop's customer_id (or email, see
    :func:`customer_rowid`), or None."""
    rowid = customer_rowid(store, customer_id)
    if rowid is None:
        return None
    _ensure(store, as_of)
    row = store.conn.execute(_SUMMARY_SQL.format(where="WHERE c.id = ?", order="", limit=""), (rowid,)).fetchone()
    return None if row is None else _summary(row)


def iter_customers(
    store, limit: int | None = None, *, as_of: datetime | None = None, rule: str | None = None,
    search: str = "", sort: str | None = None, descending: bool = False,
) -> Iterator[dict]:
    """Summaries of every customer, in id order unless ``sort`` names one of the console's
    sorts (``browse.SORTS``; ties in id order); streamed, ``limit`` caps the count.

    ``rule``: only customers matching this segment rule at ``as_of`` (required with a rule).
    ``search``: only those whose name, email or customer id contains it (as the console's
    search). Raises ``SegmentRuleError`` for a bad rule, ``ValueError`` for an unknown sort.
    """
    filter_sql, filter_params = "", []
    if rule is not None:
        if as_of is None:
            raise ValueError("a segment rule needs an as_of")
        from lifecycle_tui.segments import segment_where

        filter_sql, filter_params = segment_where(rule, as_of)
    query = CustomerQuery(search=search, filter_sql=filter_sql, filter_params=filter_params,
                          sort=sort or "customer_id", descending=descending)
    params = Params(filter_params)
    where = where_sql(query, params)
    direction = "DESC" if descending else "ASC"
    order = f"ORDER BY {sort_sql(query)} {direction}, c.id {direction}" if sort else "ORDER BY c.id"
    _ensure(store, as_of)
    sql = _SUMMARY_SQL.format(where=where, order=order, limit=f"LIMIT {params.add(limit)}" if limit else "")
    for row in store.conn.execute(sql, params.values):
        yield _summary(row)
