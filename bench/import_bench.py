"""Import benchmark: `lifecycle import orders` against sqlite3's own `.import --csv`.

Generates 1,000,000 generic order rows for ~100,000 customers once into
``bench/.cache/orders_1m.csv`` (deterministic), then on fresh store files times

* the import engine that ``lifecycle import orders`` runs (validating, upserting, creating
  the customers, one transaction), in a subprocess whose peak RSS is measured (its CPU time
  includes the forked process that parses the file while the engine inserts); and
* ``/usr/bin/sqlite3 bare.db ".import --csv FILE orders"`` (a bare, unvalidated load into a
  table without indexes),

and prints both times, their ratio (target <= 1.5) and the import's peak memory (target
< 300 MB). It also prints the floor of any import into this store's schema: SQLite alone
putting the bare table's rows into ``orders`` (one ``INSERT ... SELECT`` in C: no parsing,
no validation, no customers, no Python) and building the indexes the store keeps on it.
Not part of the test run.

    .venv/bin/python bench/import_bench.py [--rows N] [--customers N] [--cli]

``--cli`` also times the whole command (``lifecycle --db ... import orders FILE``, which
includes interpreter start-up and the metrics refresh after the commit).
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
SQLITE = "/usr/bin/sqlite3"
STATUSES = ["paid"] * 17 + ["fulfilled"] * 6 + ["refunded", "cancelled", "pending"]


def generate(path: Path, rows: int, customers: int, seed: int = 20260630) -> None:
    """Write the order file (skipped when it already exists with the same size parameters)."""
    if path.exists():
        return
    rnd = random.Random(seed)
    start = datetime(2024, 1, 1)
    span = 2 * 365 * 86400
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write("order_id,customer_id,email,placed_at,total,currency,status\n")
        for i in range(1, rows + 1):
            c = rnd.randrange(1, customers + 1)
            when = start + timedelta(seconds=rnd.randrange(span))
            total = rnd.randrange(500, 40000)
            f.write(
                f"W{i:07d},C{c:06d},c{c}@example.com,{when:%Y-%m-%d %H:%M:%S},"
                f"{total // 100}.{total % 100:02d},EUR,{rnd.choice(STATUSES)}\n"
            )
    tmp.replace(path)


def _fresh(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def child(db: str, csv_path: str) -> None:
    """Run inside the measured subprocess: a fresh store, then the import engine only."""
    from datetime import timezone

    from lifecycle_tui.bootstrap import init_store
    from lifecycle_tui.importers import import_file
    from lifecycle_tui.store import open_store

    init_store(Path(db))
    with open_store(db) as store:
        started, cpu, reader_cpu = time.perf_counter(), time.process_time(), _children_cpu()
        report = import_file(store, csv_path, "orders", at=datetime(2026, 6, 30, tzinfo=timezone.utc))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        reader_cpu = _children_cpu() - reader_cpu  # the forked process that parses the file, if any
    print(f"{elapsed:.3f} {cpu:.3f} {reader_cpu:.3f} {report.inserted} {report.customers_created} {report.rejected_total}")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_engine(db: Path, csv_path: Path) -> tuple[float, float, float, int, int, int]:
    """(wall s, CPU s of the importing process, CPU s of its reading process, inserted, created, rejected)."""
    _fresh(db)
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(db), str(csv_path)], capture_output=True, text=True, check=True
    ).stdout.split()
    return float(out[0]), float(out[1]), float(out[2]), int(out[3]), int(out[4]), int(out[5])


def time_sqlite(db: Path, csv_path: Path) -> tuple[float, float]:
    _fresh(db)
    started, cpu = time.perf_counter(), _children_cpu()
    subprocess.run([SQLITE, str(db), f".import --csv {csv_path} orders"], check=True)
    return time.perf_counter() - started, _children_cpu() - cpu


# The bare table's rows as the engine stores them (integer customer keys, ISO times, cents).
_FLOOR_COLUMNS = "order_id, customer_id, placed_at, total_cents, currency, status"
_FLOOR_ROWS = (
    "SELECT order_id, CAST(substr(customer_id, 2) AS INTEGER), "
    "CASE WHEN length(placed_at) = 19 THEN replace(placed_at, ' ', 'T') || '+00:00' ELSE placed_at END, "
    "CAST(round(total * 100) AS INTEGER), currency, status FROM bare.orders"
)


def time_floor(bare_db: Path, db: Path, *, from_python: bool = False) -> tuple[float, float]:
    """(wall s, CPU s) SQLite alone needs to fill a fresh store's ``orders`` from ``bare_db``'s
    table (loaded by :func:`time_sqlite`) with the import's settings, indexes built after the
    load as the import builds them, committed: the lower bound of any import on this schema.

    ``from_python``: the rows are read into Python first (not timed) and handed over the way
    the import hands its rows over (``insert_many``): the lower bound of any import written
    in Python, before it has parsed, validated or resolved anything.
    """
    import sqlite3

    from lifecycle_tui.bootstrap import init_store
    from lifecycle_tui.importers.batch import DeferredIndexes, insert_many
    from lifecycle_tui.importers.engine import IMPORT_CACHE_KIB, SORT_THREADS

    _fresh(db)
    init_store(db)
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        # The rollback journal, as a large import into a store no one else has open uses
        # (Store.alone_without_wal).
        for pragma in ("journal_mode = DELETE", "synchronous = NORMAL", "foreign_keys = OFF",
                       f"cache_size = -{IMPORT_CACHE_KIB}", f"threads = {SORT_THREADS}"):
            conn.execute(f"PRAGMA {pragma}")
        conn.execute("ATTACH DATABASE ? AS bare", (str(bare_db),))
        rows = conn.execute(_FLOOR_ROWS).fetchall() if from_python else None
        started, cpu = time.perf_counter(), time.process_time()  # process time includes the sorter's threads
        conn.execute("BEGIN IMMEDIATE")
        deferred = DeferredIndexes(conn, "orders", unique=True)  # as the bulk import defers them
        if rows is None:
            conn.execute(f"INSERT INTO orders ({_FLOOR_COLUMNS}) {_FLOOR_ROWS}")
        else:
            insert_many(conn, f"INSERT INTO orders ({_FLOOR_COLUMNS})", 6, rows)
        deferred.restore()
        conn.execute("COMMIT")
        return time.perf_counter() - started, time.process_time() - cpu
    finally:
        conn.close()
        _fresh(db)


def time_cli(db: Path, csv_path: Path) -> float:
    lifecycle = Path(sys.executable).with_name("lifecycle")
    _fresh(db)
    subprocess.run([str(lifecycle), "--db", str(db), "init"], check=True, capture_output=True)
    started = time.perf_counter()
    subprocess.run([str(lifecycle), "--db", str(db), "import", "orders", str(csv_path), "--json"], check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--cli", action="store_true", help="also time the whole `lifecycle import orders` command")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    if not shutil.which(SQLITE):
        sys.exit(f"{SQLITE} not found: install the sqlite3 command-line shell to compare against.")
    CACHE.mkdir(exist_ok=True)
    csv_path = CACHE / f"orders_{args.rows}_{args.customers}.csv"
    t0 = time.perf_counter()
    generate(csv_path, args.rows, args.customers)
    print(f"data: {csv_path.name}, {csv_path.stat().st_size / 1e6:.1f} MB ({time.perf_counter() - t0:.1f} s to prepare)")

    bare, bare_cpu = time_sqlite(CACHE / "bare.db", csv_path)
    engine, writer_cpu, reader_cpu, inserted, created, rejected = time_engine(CACHE / "import.db", csv_path)
    # After the engine's subprocess: one forked while this process holds the floor's rows
    # would count them in the import's peak memory.
    floor, floor_cpu = time_floor(CACHE / "bare.db", CACHE / "floor.db")
    py_floor, py_floor_cpu = time_floor(CACHE / "bare.db", CACHE / "floor.db", from_python=True)
    engine_cpu = writer_cpu + reader_cpu
    # Largest RSS of any finished descendant: the import subprocess or its reader process (both counted
    # against the budget, each on its own; sqlite3's shell stays far smaller). Linux: KiB.
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    # CPU seconds are printed too: on a shared machine wall time mostly measures the neighbours.
    print(f"sqlite3 .import --csv (bare table)   {bare:8.2f} s wall {bare_cpu:8.2f} s CPU")
    print(f"lifecycle import orders (engine)     {engine:8.2f} s wall {engine_cpu:8.2f} s CPU"
          f" ({writer_cpu:.2f} writing + {reader_cpu:.2f} parsing in the reader process)"
          f"   {inserted:,} orders, {created:,} customers created, {rejected} rejected")
    print(f"ratio                                {engine / bare:8.2f} wall {engine_cpu / bare_cpu:8.2f} CPU (target <= 1.5;"
          f" CPU counts both processes)")
    print(f"floor: SQLite alone (insert+indexes) {floor:8.2f} s wall {floor_cpu:8.2f} s CPU = {floor / bare:.2f}x the bare"
          " load, before any parsing, validation or customers")
    print(f"floor from Python (insert_many)      {py_floor:8.2f} s wall {py_floor_cpu:8.2f} s CPU = {py_floor / bare:.2f}x: the same"
          " rows handed over from Python as the import does")
    print(f"import peak memory (RSS)             {peak_mb:8.0f} MB (target < 300 MB)")
    if args.cli:
        whole = time_cli(CACHE / "cli.db", csv_path)
        print(f"whole command incl. start-up+metrics {whole:8.2f} s")
    for name in ("bare.db", "import.db", "cli.db", "floor.db"):
        _fresh(CACHE / name)


if __name__ == "__main__":
    main()
