"""The generic CSV reader: our own column names in any order, headers case/space-insensitive.

Unknown columns are kept (customers/orders: ``attributes``; events: ``properties``) under
their snake-case name and listed in the report.
"""

from __future__ import annotations

from typing import Iterator

from lifecycle_tui.importers.canonical import CONVERTERS, Reading, ReadContext
from lifecycle_tui.importers.errors import BadValue, ImportRefused, RowError
from lifecycle_tui.importers.formats import GENERIC_COLUMNS, canonical_name
from lifecycle_tui.importers.reader import Table, normalise_header

REQUIRED = {
    "customers": (),
    "orders": ("order_id", "placed_at", "total"),
    "events": ("type", "occurred_at"),
}


def map_header(kind: str, header: list[str], path) -> tuple[list[tuple[int, str]], list[tuple[int, str]], dict]:
    """``(known [(index, field)], unknown [(index, attribute key)], {field: header as written})``."""
    known: list[tuple[int, str]] = []
    unknown: list[tuple[int, str]] = []
    col: dict[str, str] = {}
    seen: dict[str, str] = {}
    for i, h in enumerate(header):
        if not h:
            continue
        field = canonical_name(kind, h)
        if field in seen:
            raise ImportRefused(f"{path}: line 1: columns {seen[field]!r} and {h!r} both mean {field!r}.")
        seen[field] = h
        if field in GENERIC_COLUMNS[kind]:
            known.append((i, field))
            col[field] = h
        else:
            unknown.append((i, normalise_header(h) or f"column_{i + 1}"))
    missing = [f for f in REQUIRED[kind] if f not in col]
    if "customer_id" not in col and "email" not in col:
        missing.append("customer_id or email")
    if missing:
        raise ImportRefused(
            f"{path}: line 1: missing column {', '.join(missing)} for {kind} "
            f"(expected columns: {', '.join(GENERIC_COLUMNS[kind])})."
        )
    return known, unknown, col


def read_generic(table: Table, kind: str, ctx: ReadContext) -> Reading:
    known, unknown, col = map_header(kind, table.header, table.path)
    convert = CONVERTERS[kind]
    width = len(table.header)
    # dict(zip(names, cells)) runs in C; unknown columns get names no field lookup uses.
    names = [f"\x00{i}" for i in range(width)]
    for i, f in known:
        names[i] = f

    def rows() -> Iterator[dict | RowError]:
        for line, cells in table.rows():
            n = len(cells)
            if n != width:
                if n < width:
                    cells = cells + [""] * (width - n)
                elif any(c.strip() for c in cells[width:]):
                    yield RowError(line, f"column {width + 1}", f"{n} cells but the header has {width} columns")
                    continue
            v = dict(zip(names, cells))
            extra = {k: cells[i] for i, k in unknown if cells[i] != ""} if unknown else {}
            try:
                yield convert(v, line, ctx, col, extra)
            except BadValue as exc:
                yield RowError(line, exc.column, exc.reason)

    return Reading(rows(), [table.header[i] for i, _ in unknown], [])
