"""Benchmark data: the big sample store (100k customers, ~1M orders, ~2M events), built once and cached.

``big_store()`` returns the path of ``bench/.cache/big.db``, building it with the project's
own generator (:func:`lifecycle_tui.sample.generate_shop`) when it is missing or was built by
a different generator, schema or parameters (a stamp file beside it records what built it).
``orders_csv()`` writes the same store's orders as a generic orders CSV for import benchmarks.

Run ``.venv/bin/python bench/data.py [--rebuild] [--csv FILE]`` to build it and print figures.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import time
from pathlib import Path

import lifecycle_tui.sample as sample_pkg
import lifecycle_tui.store.migrations as migrations_pkg
from lifecycle_tui.sample import DEFAULT_END, generate_shop
from lifecycle_tui.store import open_store

CACHE = Path(__file__).resolve().parent / ".cache"
BIG = {"customers": 100_000, "orders_per_customer": 10.0, "events_scale": 1.6, "seed": 7}
AS_OF = DEFAULT_END  # the big store's pinned clock: compute plans and metrics at this time


def _stamp(params: dict) -> str:
    """What a cached store depends on: the parameters, the generator's source and the schema.

    Migrations count by name (a shipped one is never edited); starter template or rule edits do
    not force a rebuild (it takes minutes), since benchmarks time the engines, not the wording.
    """
    h = hashlib.sha256(json.dumps(params, sort_keys=True).encode())
    for src in sorted(Path(sample_pkg.__file__).parent.glob("*.py")):
        h.update(src.name.encode() + src.read_bytes())
    for src in sorted(Path(migrations_pkg.__file__).parent.glob("m*.py")):
        h.update(src.name.encode())
    return h.hexdigest()


def big_store(path: Path | None = None, *, rebuild: bool = False, **overrides) -> Path:
    """The cached big store (built now if missing or stale); ``overrides`` change BIG's parameters."""
    params = {**BIG, **overrides}
    path = Path(path) if path else CACHE / ("big.db" if not overrides else f"big-{_stamp(params)[:10]}.db")
    stamp_file = path.with_name(path.name + ".stamp")
    stamp = _stamp(params)
    if not rebuild and path.exists() and stamp_file.exists() and stamp_file.read_text() == stamp:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    generate_shop(path, overwrite=True, vacuum=False, **params)
    stamp_file.write_text(stamp)
    return path


def orders_csv(out: Path, store_path: Path | None = None) -> int:
    """Write every order of the store as generic CSV (``order_id,customer_id,placed_at,total,currency,status``)."""
    rows = 0
    with open_store(store_path or big_store()) as store, open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["order_id", "customer_id", "placed_at", "total", "currency", "status"])
        cur = store.conn.execute(
            "SELECT o.order_id, c.customer_id, o.placed_at, o.total_cents, o.currency, o.status "
            "FROM orders o JOIN customers c ON c.id = o.customer_id ORDER BY o.id"
        )
        while batch := cur.fetchmany(10_000):
            writer.writerows((r[0], r[1], r[2], f"{r[3] / 100:.2f}", r[4], r[5]) for r in batch)
            rows += len(batch)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help="build even if the cache is current")
    parser.add_argument("--csv", type=Path, help="also write the orders as generic CSV here")
    args = parser.parse_args()
    started = time.perf_counter()
    path = big_store(rebuild=args.rebuild)
    took = time.perf_counter() - started
    with open_store(path) as store:
        counts = {t: store.scalar(f"SELECT count(*) FROM {t}") for t in ("customers", "orders", "order_items", "events")}
    print(f"big store: {path} ({path.stat().st_size / 1e6:.0f} MB), ready in {took:.1f} s")
    for table, n in counts.items():
        print(f"  {table:12} {n:>10,}")
    if args.csv:
        started = time.perf_counter()
        n = orders_csv(args.csv, path)
        print(f"orders CSV: {args.csv} ({n:,} rows) in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
