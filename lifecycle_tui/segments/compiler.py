"""Segment AST -> a parameterised SQL WHERE fragment over ``c`` (customers) and ``m`` (customer_metrics).

The SQL text is assembled only from whitelisted field snippets (:mod:`lifecycle_tui.segments.fields`)
and fixed keywords; every value the rule supplies is a ``?`` parameter. Each leaf is made
NULL-free (``coalesce(..., 0)``) so that ``not X`` is always the exact complement of ``X``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from lifecycle_tui.segments import fields as F
from lifecycle_tui.segments.nodes import (
    Ago, All, And, Compare, Contains, Did, Empty, InList, Not, Or, Truth, Within,
)
from lifecycle_tui.segments.parser import parse
from lifecycle_tui.store.timeutil import to_iso

# The FROM clause a fragment is written for.
SEGMENT_FROM = "customers c JOIN customer_metrics m ON m.customer_id = c.id"
_OPS = {"=", "<", "<=", ">", ">="}
_TEXT_KINDS = (F.TEXT, F.STAGE)


def compile_rule(text: str, as_of: datetime) -> tuple[str, list]:
    """``(sql, params)`` for a rule text at ``as_of``; raises SegmentRuleError on a bad rule."""
    return _Compiler(as_of).node(parse(text))


class _Compiler:
    def __init__(self, as_of: datetime) -> None:
        self.as_of = as_of
        self.as_of_iso = to_iso(as_of)

    def ago(self, amount: float, unit: str) -> str:
        return to_iso(self.as_of - timedelta(**{unit: amount}))

    def node(self, n) -> tuple[str, list]:
        if isinstance(n, And) or isinstance(n, Or):
            parts = [self.node(i) for i in n.items]
            joiner = " AND " if isinstance(n, And) else " OR "
            return "(" + joiner.join(s for s, _ in parts) + ")", [p for _, ps in parts for p in ps]
        if isinstance(n, Not):
            sql, params = self.node(n.item)
            return f"NOT {sql}", params
        if isinstance(n, All):
            return "(1)", []
        if isinstance(n, Did):
            return self.did(n)
        sql, params = self.leaf(n)
        return f"coalesce({sql}, 0)", params

    def leaf(self, n) -> tuple[str, list]:
        f: F.Field = n.field
        col, fp = f.sql, list(f.params)
        if isinstance(n, Compare):
            assert n.op in _OPS
            value = self.ago(n.value.amount, n.value.unit) if isinstance(n.value, Ago) else n.value
            if f.kind == F.ATTRIBUTE:
                col = f"CAST({col} AS REAL)" if isinstance(value, (int, float)) else f"CAST({col} AS TEXT)"
            collate = " COLLATE NOCASE" if n.op == "=" and isinstance(value, str) else ""
            return f"{col} {n.op} ?{collate}", fp + [value]
        if isinstance(n, InList):
            if f.kind == F.ATTRIBUTE:
                col = f"CAST({col} AS TEXT)"
                values = [str(v) for v in n.values]
            else:
                values = list(n.values)
            collate = " COLLATE NOCASE" if f.kind in (*_TEXT_KINDS, F.ATTRIBUTE) else ""
            marks = ", ".join("?" * len(values))
            return f"{col}{collate} IN ({marks})", fp + values
        if isinstance(n, Within):
            return f"({col} > ? AND {col} <= ?)", fp + [self.ago(n.amount, n.unit)] + fp + [self.as_of_iso]
        if isinstance(n, Contains):
            if f.kind == F.TAGS:
                return (
                    "EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(c.tags) THEN c.tags ELSE '[]' END) t "
                    "WHERE lower(t.value) = lower(?))",
                    [n.value],
                )
            return f"instr(lower(CAST({col} AS TEXT)), lower(?)) > 0", fp + [n.value]
        if isinstance(n, Empty):
            if f.kind == F.TAGS:
                return "(CASE WHEN json_valid(c.tags) THEN json_array_length(c.tags) ELSE 0 END = 0)", []
            if f.kind in (*_TEXT_KINDS, F.ATTRIBUTE):
                return f"(coalesce(CAST({col} AS TEXT), '') = '')", fp
            return f"({col} IS NULL)", fp
        if isinstance(n, Truth):
            return f"({col} != 0)", fp
        raise TypeError(f"unknown segment node {n!r}")  # pragma: no cover - parser makes only the above

    def did(self, n: Did) -> tuple[str, list]:
        # A non-correlated IN (subquery): SQLite builds the set of matching customers once,
        # through the (type, occurred_at) index, instead of probing events per customer.
        where = "e.type = ? AND e.occurred_at <= ?"
        params: list = [n.event, self.as_of_iso]
        if n.window:
            where += " AND e.occurred_at > ?"
            params.append(self.ago(*n.window))
        sub = f"SELECT e.customer_id FROM events e WHERE {where}"
        op, count = n.count_op, n.count
        if op == ">=" and count <= 0:  # at least zero times: everyone
            return "(1)", []
        if op is None:  # at least once
            return f"(c.id IN ({sub}))", params
        # A count test that zero events satisfy (at most N, exactly 0) is the complement of
        # "has more than N" / "has any": customers without events must match it too.
        if op == "<=":
            return f"(c.id NOT IN ({sub} GROUP BY e.customer_id HAVING count(*) > ?))", params + [count]
        if op == "=" and count == 0:
            return f"(c.id NOT IN ({sub}))", params
        return f"(c.id IN ({sub} GROUP BY e.customer_id HAVING count(*) {op} ?))", params + [count]
