"""Browsing customers in the console: keyset-paged, searched, filtered and sorted lists.

The console's Customers table never loads the whole table: it asks for one page at a time
(:func:`customer_page`), continuing after the last row it holds (keyset paging: the sort value
and the row id of that row), so page 500 costs what page 1 costs when the sort has an index.
Rows join ``customer_metrics`` (refresh it first with ``segments.ensure_metrics``).

A segment filter arrives as a ready WHERE fragment from ``segments.segment_where`` (over the
aliases ``c`` and ``m``) with its own parameters; everything else here is a bound parameter or
a fixed column expression picked from :data:`SORTS` by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

PAGE_SIZE = 200

# Sort name -> (SQL expression, NULL stand-in). Stand-ins keep keyset comparisons total:
# a NULL never compares, so a customer without orders sorts as 0 orders / empty text.
SORTS: dict[str, tuple[str, Any]] = {
    "customer_id": ("c.customer_id", ""),
    "name": ("lower(coalesce(c.last_name, '') || ' ' || coalesce(c.first_name, ''))", ""),
    "email": ("coalesce(c.email_norm, '')", ""),
    "orders": ("coalesce(m.orders, 0)", 0),
    "revenue": ("coalesce(m.revenue_cents, 0)", 0),
    "last_order": ("coalesce(m.last_order_at, '')", ""),
    "stage": ("coalesce(m.stage, '')", ""),
    "rfm": ("coalesce(m.rfm_segment, '')", ""),
    "created": ("coalesce(c.created_at, '')", ""),
}

_COLUMNS = """
c.id, c.customer_id, c.email, c.first_name, c.last_name, c.created_at,
c.accepts_email, c.accepts_sms, c.accepts_push,
coalesce(m.orders, 0) AS orders, coalesce(m.revenue_cents, 0) AS revenue_cents,
m.last_order_at, m.stage, m.rfm_segment, m.r, m.f, m.m
"""


@dataclass(frozen=True)
class CustomerQuery:
    """What the table shows: a search text, a segment filter (SQL + params), a sort."""

    search: str = ""
    filter_sql: str = ""  # a WHERE fragment over c/m, from segments.segment_where
    filter_params: Sequence | dict = field(default_factory=tuple)
    sort: str = "customer_id"
    descending: bool = False


@dataclass(frozen=True)
class CustomerPage:
    rows: list[dict]
    after: tuple | None  # key to pass as ``after`` for the next page; None: this page reaches the end
    before: tuple | None = None  # (pages read backwards) key for the page before; None: the top
    # Each row carries "sort_key"; (row["sort_key"], row["id"]) is its key.


class Params:
    """Collects bound parameters in the style of the filter's (positional or named)."""

    def __init__(self, base: Sequence | dict) -> None:
        self.named = isinstance(base, dict)
        self.values: Any = dict(base) if self.named else list(base)

    def add(self, value: Any) -> str:
        if self.named:
            key = f"_browse{len(self.values)}"
            self.values[key] = value
            return f":{key}"
        self.values.append(value)
        return "?"


def where_sql(query: CustomerQuery, params: Params) -> str:
    """The WHERE clause (or "") of the query's segment filter and search, binding into ``params``."""
    clauses = []
    if query.filter_sql:
        clauses.append(f"({query.filter_sql})")
    text = query.search.strip().lower()
    if text:
        like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        ors = [
            f"c.email_norm LIKE {params.add(like)} ESCAPE '\\'",
            f"lower(coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '')) LIKE {params.add(like)} ESCAPE '\\'",
            f"lower(c.customer_id) LIKE {params.add(like)} ESCAPE '\\'",
        ]
        clauses.append("(" + " OR ".join(ors) + ")")
    return ("WHERE " + " AND ".join(clauses)) if clauses else ""


def sort_sql(query: CustomerQuery) -> str:
    if query.sort not in SORTS:
        raise ValueError(f"unknown sort {query.sort!r}; one of {', '.join(SORTS)}")
    return SORTS[query.sort][0]


def _base_sql(where: str) -> str:
    # The filter (a segment rule) may read m, so the join is always there.
    return f"FROM customers c LEFT JOIN customer_metrics m ON m.customer_id = c.id {where}"


def count_customers(store, query: CustomerQuery) -> int:
    """How many customers match the search and filter."""
    params = Params(query.filter_params)
    where = where_sql(query, params)
    # Search reads only ``c``; without a segment filter the join would only cost time.
    source = _base_sql(where) if query.filter_sql else f"FROM customers c {where}"
    return int(store.scalar(f"SELECT count(*) {source}", params.values))


def row_key(row: dict) -> tuple:
    """The keyset key of a row from :func:`customer_page` (its sort value and row id)."""
    return (row["sort_key"], row["id"])


def customer_page(
    store,
    query: CustomerQuery,
    after: tuple | None = None,
    limit: int = PAGE_SIZE,
    *,
    before: tuple | None = None,
    last: bool = False,
) -> CustomerPage:
    """``limit`` customers in the query's order right after the key ``after`` (None: from the top),
    or, with ``before``, the ``limit`` customers right before that key, or, with ``last``, the
    last ``limit`` customers (the same keyset read backwards from the end; both still in
    display order, with ``before`` set when there are customers above them)."""
    expr = sort_sql(query)
    params = Params(query.filter_params)
    where = where_sql(query, params)
    backwards = before is not None or last
    key = before if backwards else after
    if key is not None:
        # Forward in ascending order reads (sort, id) > key; backwards or descending flip it.
        op = "<" if query.descending != backwards else ">"
        key_sql = f"({expr}, c.id) {op} ({params.add(key[0])}, {params.add(key[1])})"
        where = f"{where} AND {key_sql}" if where else f"WHERE {key_sql}"
    direction = "DESC" if query.descending != backwards else "ASC"
    sql = (
        f"SELECT {_COLUMNS}, {expr} AS sort_key {_base_sql(where)} "
        f"ORDER BY sort_key {direction}, c.id {direction} LIMIT {params.add(limit + 1)}"
    )
    rows = [dict(r) for r in store.conn.execute(sql, params.values)]
    more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()
        return CustomerPage(rows=rows, after=None, before=row_key(rows[0]) if more and rows else None)
    return CustomerPage(rows=rows, after=row_key(rows[-1]) if more and rows else None)


def customer_key(store, rowid: int) -> str | None:
    """The shop's customer id of the customer with internal id ``rowid``."""
    return store.scalar("SELECT customer_id FROM customers WHERE id = ?", (rowid,))
