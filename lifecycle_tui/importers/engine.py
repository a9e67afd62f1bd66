"""The import engine: read a file with the right reader, validate, upsert in one transaction, report.

:func:`import_file` is what ``lifecycle import`` and the console call. A bad row refuses
the whole file (:class:`ImportRefused`, store unchanged) unless ``skip_invalid``; a dry
run does all the work inside the transaction and rolls it back, so its counts are exactly
what a real import would do.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

from lifecycle_tui.importers import generic, jsonl, shopify, woocommerce
from lifecycle_tui.importers.batch import Counters, WriteState
from lifecycle_tui.importers.bulk import can_fork, gc_paused, in_child, order_batches
from lifecycle_tui.importers.canonical import ReadContext
from lifecycle_tui.importers.customers_sink import CustomerResolver, CustomerWriter
from lifecycle_tui.importers.errors import ImportRefused, RowError
from lifecycle_tui.importers.events_sink import EventWriter
from lifecycle_tui.importers.formats import KINDS, resolve_format
from lifecycle_tui.importers.orders_sink import OrderWriter
from lifecycle_tui.importers.reader import Table
from lifecycle_tui.store import settings
from lifecycle_tui.store.timeutil import to_iso
from lifecycle_tui.wording import counted, noun, with_article

BATCH_ROWS = 10_000
LARGE_FILE_BYTES = 8 << 20  # above this, deferring index builds on an empty table pays off
MAX_REPORTED = 1000  # rejected rows listed in a report (the total is always counted)
IMPORT_CACHE_KIB = 64 * 1024  # page cache while importing: index pages stay in memory
BULK_MIN_BYTES = 8 << 20  # generic orders files this big take the bulk path (parsing in a second process)
SORT_THREADS = min(os.cpu_count() or 1, 4) - 1  # helper threads SQLite may use to sort for CREATE INDEX

READERS = {"generic": generic.read_generic, "jsonl": jsonl.read_jsonl, "shopify": shopify.read, "woocommerce": woocommerce.read}

Progress = Callable[[int, int], None]  # (bytes read, file size)


@dataclass
class ImportReport:
    file: str
    kind: str
    format: str
    encoding: str = ""
    delimiter: str = ""
    dry_run: bool = False
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RowError] = field(default_factory=list)
    rejected_total: int = 0
    unknown_columns: list[str] = field(default_factory=list)
    customers_created: int = 0
    products_created: int = 0
    consent_changes: int = 0
    consent_kept_off: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.inserted or self.updated or self.customers_created or self.consent_changes)

    def to_json(self) -> dict:
        return {
            "file": self.file, "kind": self.kind, "format": self.format, "encoding": self.encoding,
            "delimiter": self.delimiter, "dry_run": self.dry_run, "rows": self.rows,
            "inserted": self.inserted, "updated": self.updated, "unchanged": self.unchanged,
            "rejected": [r.to_json() for r in self.rejected], "rejected_total": self.rejected_total,
            "unknown_columns": self.unknown_columns, "customers_created": self.customers_created,
            "products_created": self.products_created, "consent_changes": self.consent_changes,
            "consent_kept_off": self.consent_kept_off, "notes": self.notes,
        }


class _Rollback(Exception):
    """Raised inside the transaction to undo a dry run."""


def import_file(
    store,
    path: str | os.PathLike,
    kind: str,
    fmt: str = "auto",
    *,
    at: datetime,
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: Progress | None = None,
    batch_rows: int = BATCH_ROWS,
) -> ImportReport:
    """Import ``path`` as ``kind`` (customers, orders, events) and report what changed.

    ``at`` is the import time recorded on consent changes and ``updated_at``. Raises
    :class:`ImportRefused` (nothing written) for a missing/unreadable file, an unusable
    header, or -- without ``skip_invalid`` -- the first bad row.
    """
    if kind not in KINDS:
        raise ImportRefused(f"unknown kind {kind!r} (expected one of {', '.join(KINDS)}).")
    path = Path(path)
    with Table(path) as table:
        if not table.header and not table.first_text().strip():
            raise ImportRefused(f"{path}: the file is empty.")
        fmt = resolve_format(fmt, kind, table.header, table.first_text(), path)
        ctx = ReadContext(
            currency=settings.get(store, "shop.currency"),
            tz=settings.get(store, "shop.timezone"),
            decimal_comma=table.delimiter == ";",
            date_order=settings.get(store, "import.date_order"),
        )
        report = ImportReport(
            file=str(path), kind=kind, format=fmt, encoding=table.encoding,
            delimiter="" if fmt == "jsonl" else table.delimiter, dry_run=dry_run,
        )
        try:
            reading, counters = _read_and_write(store, table, kind, fmt, ctx, report, skip_invalid, dry_run, at,
                                                progress, batch_rows)
        except ImportRefused as exc:  # the report says what the file was read as (format, encoding)
            exc.report = report
            raise
        report.unknown_columns = list(reading.unknown_columns)
        report.notes = list(reading.notes)
        if (grouped := ctx.grouped.note()):
            report.notes.append(grouped)
        for name in ("inserted", "updated", "unchanged", "customers_created", "products_created", "consent_changes", "consent_kept_off"):
            setattr(report, name, getattr(counters, name))
        if counters.repeats:
            report.notes.append(
                f"{counted(counters.repeats, 'row')} repeated {with_article(kind[:-1])} of an earlier row of this file: the rows were "
                "applied in turn, so a later value wins (and an opt-out in an earlier row keeps a later yes off)."
            )
        if counters.consent_kept_off:
            report.notes.append(
                f"{counted(counters.consent_kept_off, 'consent flag')} in the file {noun(counters.consent_kept_off, 'was', 'were')} not applied: "
                "the contact unsubscribed or is suppressed."
            )
        return report


def _read_and_write(store, table, kind, fmt, ctx, report, skip_invalid, dry_run, at, progress, batch_rows):
    """Read the file with its format's reader and write its rows in one transaction (rolled back
    for a dry run), with the import's pragmas set around it; ``(reading, counters)``."""
    reading = READERS[fmt](table, kind, ctx)
    conn = store.conn
    old_cache = conn.execute("PRAGMA cache_size").fetchone()[0]
    old_fk = conn.execute("PRAGMA foreign_keys").fetchone()[0]
    conn.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
    old_threads = conn.execute("PRAGMA threads").fetchone()[0]
    conn.execute(f"PRAGMA threads = {SORT_THREADS}")  # index (re)builds sort on the other core too
    # Per-row foreign-key checks cost ~40% of a bulk insert. The writers only ever use
    # customer/order ids they looked up or inserted, and _check_references verifies the
    # new rows in one set-based pass before commit. (The pragma only works outside a
    # transaction, hence here.)
    conn.execute("PRAGMA foreign_keys = OFF")
    # A large file writes pages by the thousand: written once, not through the WAL and
    # again at the checkpoint, when no one else has the store open (Store.alone_without_wal).
    journal = store.alone_without_wal() if table.size >= LARGE_FILE_BYTES else nullcontext()
    try:
        with journal, store.transaction():
            start = _first_new_ids(conn)
            if fmt == "generic" and kind == "orders" and table.size >= BULK_MIN_BYTES:
                counters = _run_bulk(store, table, ctx, report, skip_invalid, at, progress, batch_rows)
            else:
                counters = _run(store, table, kind, reading, report, skip_invalid, at, progress, batch_rows)
            _check_references(conn, start)
            if kind == "orders" and (note := _other_currencies_note(conn, start["orders"], ctx.currency)):
                reading.notes.append(note)
            if dry_run:
                raise _Rollback
    except _Rollback:
        pass
    except sqlite3.OperationalError as exc:
        # e.g. another process held the write lock past the busy timeout, or the disk is full.
        raise ImportRefused(f"{table.path}: the store could not be written ({exc}); nothing was imported.") from None
    finally:
        conn.execute(f"PRAGMA cache_size = {old_cache}")
        conn.execute(f"PRAGMA threads = {int(old_threads)}")
        conn.execute(f"PRAGMA foreign_keys = {int(old_fk)}")
    return reading, counters


def _run(store, table, kind, reading, report, skip_invalid, at, progress, batch_rows) -> Counters:
    state = WriteState(conn=store.conn, source=table.path.name, at=to_iso(at), large=table.size >= LARGE_FILE_BYTES)
    if kind == "customers":
        writer = CustomerWriter(state)
    else:
        resolver = CustomerResolver(state)
        writer = OrderWriter(state, resolver) if kind == "orders" else EventWriter(state, resolver)
    key = writer.key
    also = getattr(writer, "also_keys", None)
    batch: list[dict] = []
    keys: set[str] = set()
    rows = 0
    with _bad_rows_first(report, skip_invalid):
        for item in reading.rows:
            rows += 1
            if item.__class__ is RowError:
                _reject(report, item)
                continue
            if report.rejected_total and not skip_invalid:
                continue  # refused already: the rest is only read, for its bad rows
            k = key(item)
            extra = also(item) if also else ()
            if k in keys or len(batch) >= batch_rows or (extra and not keys.isdisjoint(extra)):
                # A key seen again in this batch is flushed first so its second row sees the first.
                writer.write(batch)
                batch, keys = [], set()
                if progress:
                    progress(table.bytes_read(), table.size)
            batch.append(item)
            keys.add(k)
            if extra:
                keys.update(extra)
    _refuse_if_rejected(report, skip_invalid)
    if batch:
        writer.write(batch)
    report.rows = rows
    writer.finish()
    if progress:
        progress(table.size, table.size)
    return state.counters


def _run_bulk(store, table, ctx, report, skip_invalid, at, progress, batch_rows) -> Counters:
    """A large generic orders file: columns in batches, parsed in a second process when that helps."""
    state = WriteState(conn=store.conn, source=table.path.name, at=to_iso(at), large=True)
    writer = OrderWriter(state, CustomerResolver(state), repeats_flagged=True)

    def make():
        return order_batches(table, ctx, batch_rows)

    batches = in_child(make) if can_fork() else make()
    rows = 0
    try:
        with gc_paused(), _bad_rows_first(report, skip_invalid):
            for good, bad, n, done, repeats in batches:
                rows += n
                for err in bad:
                    _reject(report, err)
                if good and (skip_invalid or not report.rejected_total):  # once refused, only read on
                    writer.write_columns(good, repeats)
                if progress:
                    progress(done, table.size)
    finally:
        batches.close()  # a refused file stops the reading process now
    _refuse_if_rejected(report, skip_invalid)
    report.rows = rows
    writer.finish()
    if progress:
        progress(table.size, table.size)
    return state.counters


_CHECKED = ("orders", "order_items", "events", "consent_changes")
_ORPHANS = {
    "orders": "SELECT 1 FROM orders o WHERE o.id >= ? AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = o.customer_id)",
    "order_items": "SELECT 1 FROM order_items i WHERE i.id >= ? AND (NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = i.order_id) "
    "OR (i.product_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM products p WHERE p.id = i.product_id)))",
    "events": "SELECT 1 FROM events e WHERE e.id >= ? AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = e.customer_id)",
    "consent_changes": "SELECT 1 FROM consent_changes x WHERE x.id >= ? AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = x.customer_id)",
}


# When every row of the table is new, checking each distinct customer once (read off the
# covering (customer_id, ...) index) is several times cheaper than one look-up per row.
_ORPHANS_ALL_NEW = {
    "orders": "SELECT 1 FROM (SELECT DISTINCT customer_id AS cid FROM orders WHERE id >= ?) AS x "
    "WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = x.cid)",
    "events": "SELECT 1 FROM (SELECT DISTINCT customer_id AS cid FROM events WHERE id >= ?) AS x "
    "WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = x.cid)",
}


def _other_currencies_note(conn, first_new_id: int, shop_currency: str) -> str | None:
    """A note when orders this import added are in other currencies than the shop's: totals are
    added up as they are (revenue, RFM, segments), with no conversion."""
    rows = conn.execute("SELECT currency, count(*) FROM orders WHERE id >= ? AND currency <> ? "
                        "GROUP BY currency ORDER BY count(*) DESC, currency", (first_new_id, shop_currency)).fetchall()
    if not rows:
        return None
    n = sum(r[1] for r in rows)
    return (f"{counted(n, 'order')} {noun(n, 'is', 'are')} in other currencies than the shop's {shop_currency} "
            f"({', '.join(f'{r[0]}: {r[1]:,}' for r in rows)}): revenue, RFM and segments add their totals as "
            "they are, without converting them.")


def _first_new_ids(conn) -> dict[str, int]:
    return {t: conn.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {t}").fetchone()[0] for t in _CHECKED}


def _check_references(conn, start: dict[str, int]) -> None:
    """The foreign-key check for the rows this import added (a bug guard: never expected to fire)."""
    for table, sql in _ORPHANS.items():
        if start[table] == 1:
            sql = _ORPHANS_ALL_NEW.get(table, sql)
        if conn.execute(sql + " LIMIT 1", (start[table],)).fetchone():
            raise ImportRefused(f"internal error: the import would leave {table} rows without their parent; nothing was imported.")


def _reject(report: ImportReport, err: RowError) -> None:
    report.rejected_total += 1
    if len(report.rejected) < MAX_REPORTED:
        report.rejected.append(err)


@contextmanager
def _bad_rows_first(report: ImportReport, skip_invalid: bool):
    """A record the reader cannot read at all (it refuses the file) after bad rows were found:
    the refusal names the bad rows, as it did when the first bad row stopped the import."""
    try:
        yield
    except ImportRefused:
        _refuse_if_rejected(report, skip_invalid)
        raise


def _refuse_if_rejected(report: ImportReport, skip_invalid: bool) -> None:
    """Without ``skip_invalid``, a bad row refuses the file (nothing is written after it, the
    transaction is rolled back); the message names the first, and how many more there are, so
    one look at the list fixes the file instead of one run per bad row."""
    if skip_invalid or not report.rejected_total:
        return
    err, more = report.rejected[0], report.rejected_total - 1
    also = ""
    if more:
        lines = [str(e.line) for e in report.rejected[1:6]]
        also = (f" {counted(more, 'more row')} {noun(more, 'is', 'are')} bad too "
                f"({noun(more, 'line')} {', '.join(lines)}{', ...' if more > len(lines) else ''}).")
    raise ImportRefused(
        f"{report.file}: line {err.line}, column {err.column!r}: {err.reason}.{also} Nothing was imported.",
        rejected=[e.to_json() for e in report.rejected], skippable=True, rejected_total=report.rejected_total,
    )
