"""A digest of a store's content that ignores wall-clock columns.

Two stores built by the same generator and code have the same digest even though they were
built at different times: columns that record when something was written (``updated_at`` of
settings, ``saved_at`` of versions, ``applied_at`` of migrations, ``computed_at`` ...) are
left out. The generator's own tables keep every column, because it sets their times itself.
Every ordinary table is covered, including the ones later migrations add (templates, rules,
metrics), so a change of starter seeds or schema also shows up.
"""

from __future__ import annotations

import hashlib

# Tables whose every column the generator writes deterministically (including created_at).
GENERATED_TABLES = frozenset(
    ("customers", "orders", "order_items", "events", "consent_changes", "suppressions", "products")
)
# Columns that hold the wall-clock time (or duration) of a write, in any other table.
VOLATILE_COLUMNS = frozenset(
    ("created_at", "updated_at", "saved_at", "applied_at", "computed_at", "seconds",
     "started_at", "finished_at", "claimed_at", "imported_at", "refreshed_at")
)


def _tables(conn) -> list[str]:
    rows = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    ).fetchall()
    virtual = [name for name, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL")]
    # Virtual tables (full-text indexes) and their shadow tables are derived data: skip them.
    return [name for name, _sql in rows if not any(name == v or name.startswith(v + "_") for v in virtual)]


def _columns(conn, table: str) -> list[str]:
    names = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
    if table in GENERATED_TABLES:
        return names
    return [n for n in names if n not in VOLATILE_COLUMNS]


def table_digests(store) -> dict[str, str]:
    """``{table: sha256 hex}`` of each table's columns and rows (sorted, so insertion order does not matter)."""
    conn = store.conn
    out: dict[str, str] = {}
    for table in _tables(conn):
        columns = _columns(conn, table)
        h = hashlib.sha256(repr((table, columns)).encode())
        if columns:
            cols = ", ".join(f'"{c}"' for c in columns)
            order = ", ".join(str(i) for i in range(1, len(columns) + 1))
            for row in conn.execute(f'SELECT {cols} FROM "{table}" ORDER BY {order}'):
                h.update(repr(tuple(row)).encode())
                h.update(b"\n")
        out[table] = h.hexdigest()
    return out


def content_digest(store) -> str:
    """One sha256 hex digest over :func:`table_digests`."""
    h = hashlib.sha256()
    for table, digest in sorted(table_digests(store).items()):
        h.update(f"{table}={digest}\n".encode())
    return h.hexdigest()
