"""Shared plumbing of the writers: import-wide state, counters, batched look-ups, index handling.

All writers run inside the one ``BEGIN IMMEDIATE`` transaction of an import, so they hold
the write lock: new row ids are handed out from ``max(id) + 1`` in Python, which saves a
round trip per row to learn the id of a row just inserted.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from itertools import chain
from typing import Iterable


@dataclass
class Counters:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    customers_created: int = 0  # customers an orders/events file brought in
    products_created: int = 0
    consent_changes: int = 0
    consent_kept_off: int = 0  # a file said "yes" for a contact who unsubscribed or is suppressed
    repeats: int = 0  # rows applied over a row an earlier line of the same file had written


@dataclass
class WriteState:
    """What every writer of one import shares."""

    conn: sqlite3.Connection
    source: str  # the file name, recorded on consent changes
    at: str  # import time (UTC ISO), recorded on consent changes and updated_at
    large: bool  # big file: worth dropping/rebuilding secondary indexes on an empty table
    counters: Counters = field(default_factory=Counters)


def fetch_in(conn: sqlite3.Connection, sql: str, keys) -> list[sqlite3.Row]:
    """Run ``sql`` whose ``?`` is bound to a JSON list of ``keys`` (use ``IN (SELECT value FROM json_each(?))``)."""
    keys = list(keys)
    if not keys:
        return []
    return conn.execute(sql, (json.dumps(keys),)).fetchall()


IN_JSON = "IN (SELECT value FROM json_each(?))"


def next_id(conn: sqlite3.Connection, table: str) -> int:
    return int(conn.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()[0])


def is_empty(conn: sqlite3.Connection, table: str) -> bool:
    return conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is None


# SQLite before 3.32 allows 999 bound values per statement; a statement of that many values
# already takes most of the per-row cost off (measured: 200 rows per statement is no faster).
MAX_VALUES = 999


def insert_many(conn: sqlite3.Connection, head: str, width: int, rows: Iterable[tuple]) -> None:
    """Insert ``rows`` (each ``width`` values, in order) with ``{head} VALUES (...)``, many rows per statement.

    Python's ``executemany`` costs about as much per row as SQLite's insert itself; with a
    statement of ~140 rows that cost is paid per statement instead (1M orders: 4.0 s -> 2.5 s,
    measured). Rows are inserted in the given order; an error undoes the failing statement
    only, as with ``executemany``.
    """
    per = max(1, MAX_VALUES // width)
    flat = list(chain.from_iterable(rows))
    if len(flat) % width:
        raise ValueError(f"rows of {width} values expected, got {len(flat)} values in all")
    one = "(" + ", ".join("?" * width) + ")"
    step = per * width
    full = len(flat) - len(flat) % step
    if full:
        conn.executemany(f"{head} VALUES {', '.join([one] * per)}", [flat[i:i + step] for i in range(0, full, step)])
    if full < len(flat):
        conn.executemany(f"{head} VALUES {one}", [flat[i:i + width] for i in range(full, len(flat), width)])


def dump(value) -> str:
    """Canonical JSON text (sorted keys) so that equal values compare equal as text."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


SORT_CACHE_KIB = 4096  # page cache while indexes are built after a bulk load (see DeferredIndexes.restore)


class DeferredIndexes:
    """Drop a table's secondary indexes now, recreate them at :meth:`restore`.

    Maintaining two random-order indexes row by row is several times slower than building
    them once after a bulk load into an empty table (measured: bench/import_bench.py).
    Unique indexes stay unless ``unique=True``: they are what the upserts conflict on, so
    only a caller that knows its rows repeat no key (and restores them before any upsert)
    may defer them too.
    """

    def __init__(self, conn: sqlite3.Connection, table: str, *, unique: bool = False) -> None:
        self.conn = conn
        # Automatic indexes (of UNIQUE constraints) have no SQL and cannot be dropped.
        self.saved = [
            (r[0], r[1])
            for r in conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
                (table,),
            )
            if unique or not _is_unique(r[1])
        ]
        for name, _ in self.saved:
            conn.execute(f'DROP INDEX "{name}"')

    def restore(self, *, unique_only: bool = False) -> None:
        """Build the dropped indexes again (with ``unique_only``, just the unique ones, which
        the upserts need; the others stay deferred)."""
        todo = [(name, sql) for name, sql in self.saved if not unique_only or _is_unique(sql)]
        if not todo:
            return
        # A small page cache while building: SQLite's sorter then works in several runs that
        # its helper threads (PRAGMA threads, set by the import) sort on the other cores, where
        # with the import's big cache it sorts everything in memory on one.
        conn = self.conn
        cache = conn.execute("PRAGMA cache_size").fetchone()[0]
        conn.execute(f"PRAGMA cache_size = -{SORT_CACHE_KIB}")
        try:
            for _, sql in todo:
                conn.execute(sql)
        finally:
            conn.execute(f"PRAGMA cache_size = {cache}")
        self.saved = [entry for entry in self.saved if entry not in todo]


def _is_unique(index_sql: str) -> bool:
    return index_sql.upper().startswith("CREATE UNIQUE")
