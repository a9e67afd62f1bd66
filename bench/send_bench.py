"""Benchmark: a dispatch run over the outbox, next to a bare loop writing the same files.

Builds a sample shop (``--customers``, default 2000), renders the ``newsletter`` email template
for every customer with an email address, wraps each in a ``send`` decision, and times from
the same run:

- ``run_plan`` through the outbox transport: claim (commit), write the ``.eml`` atomically,
  mark sent (commit) per message, plus the run record;
- a bare loop building the same ``.eml`` bytes and writing them to files (no claims, no
  temp file, no rename): the difference is the price of exactly-once;
- a second ``run_plan`` over the same plan (every claim refused: the cost of "sends nothing").

Rendering is done beforehand and not timed. Run: ``.venv/bin/python bench/send_bench.py``.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from lifecycle_tui.automation.dispatcher import run_plan
from lifecycle_tui.automation.planner import Decision, Plan, dedupe_key
from lifecycle_tui.messages.render import Renderer
from lifecycle_tui.sample.generator import generate_shop
from lifecycle_tui.store import open_store
from lifecycle_tui.store.settings import pinned_as_of
from lifecycle_tui.store.timeutil import to_iso


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=2000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="send-bench-"))
    try:
        db = work / "shop.db"
        generate_shop(db, customers=args.customers)
        with open_store(db) as store:
            as_of = pinned_as_of(store)
            renderer = Renderer(store, as_of)
            rows = store.conn.execute(
                "SELECT id, customer_id FROM customers WHERE email IS NOT NULL ORDER BY id").fetchall()
            decisions = []
            for rowid, cid in rows:
                message = renderer.render("newsletter", rowid)
                decisions.append(Decision("bench", 1, rowid, cid, "email", "newsletter", "send", None, to_iso(as_of),
                                          "bench", dedupe_key("bench", 1, cid, "bench"), message))
            the_plan = Plan(as_of=as_of, decisions=decisions)

            started = time.perf_counter()
            bare = work / "bare"
            bare.mkdir()
            for d in decisions:
                (bare / f"{d.customer_id}.eml").write_bytes(d.message.to_eml_bytes())
            bare_s = time.perf_counter() - started

            started = time.perf_counter()
            report = run_plan(store, the_plan, "outbox")
            run_s = time.perf_counter() - started

            started = time.perf_counter()
            again = run_plan(store, the_plan, "outbox")
            again_s = time.perf_counter() - started

        n = len(decisions)
        print(f"messages: {n} (sent {report.sent}, second run sent {again.sent})")
        print(f"bare loop (build .eml, plain write):   {bare_s:6.2f} s  {n / bare_s:8.0f} msg/s")
        print(f"run_plan outbox (claim, write, mark):  {run_s:6.2f} s  {n / run_s:8.0f} msg/s")
        print(f"second run (all claims refused):       {again_s:6.2f} s  {n / again_s:8.0f} msg/s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
