"""The benchmark suite: ``python -m bench`` prints one table of figures, references, ratios and targets.

The store is the sample shop at benchmark size (100,000 customers, ~1M orders, ~2M events),
built once by :func:`bench.data.big_store` and cached in ``bench/.cache/``. Each group of
figures (import, metrics, dry-run, console; see :mod:`bench.sections`) runs in a fresh
interpreter, one after the other, so memory figures are per process and groups do not share
warm caches; their progress goes to stderr, the table (or ``--json``) to stdout.

    .venv/bin/python -m bench [--only import,refresh,segments,dryrun,console] [--json | --markdown]
                              [--customers N] [--cache DIR]

Verdicts are on wall time; CPU seconds are shown beside wall seconds, and a target missed on
wall time but met on CPU time says so (on a shared machine wall time mostly measures the
neighbours). Repeatable work (refresh, segment counts) is timed best of 3.
Exit status: 0 every target met, 1 some target missed, 2 a group failed to run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # `python bench/run.py` as well as `python -m bench`
    sys.path.insert(0, str(REPO))

from bench.data import CACHE, big_store  # noqa: E402
from bench.sections import GROUPS, SECTIONS, Figure  # noqa: E402

FULL_SIZE = 100_000


def store_for(customers: int, cache: Path | None) -> Path:
    """The cached sample store of this size (built now if missing or stale)."""
    if cache is None:
        return big_store() if customers == FULL_SIZE else big_store(customers=customers)
    return big_store(Path(cache) / f"shop-{customers}.db", customers=customers)


def store_counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("customers", "orders", "events")}
    finally:
        conn.close()


def run_group(group: str, sections: set[str], store: Path, work: Path, timeout: float | None = None) -> list[Figure]:
    """Run one group in a fresh interpreter; its output goes to our stderr, its figures come back as JSON.

    A group still running after ``timeout`` seconds is stopped and reported as failed (a hung
    console must not hang the suite)."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        out = Path(fh.name)
    try:
        cmd = [sys.executable, "-m", "bench.run", "--child", group, "--sections", ",".join(sorted(sections)),
               "--store", str(store), "--work", str(work), "--out", str(out)]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
        try:
            done = subprocess.run(cmd, cwd=REPO, env=env, stdout=sys.stderr, stderr=sys.stderr, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"group {group!r} still running after {timeout:.0f} s: stopped") from None
        if done.returncode != 0:
            raise RuntimeError(f"group {group!r} exited with status {done.returncode}")
        return [Figure.from_json(row) for row in json.loads(out.read_text())]
    finally:
        out.unlink(missing_ok=True)


def child(group: str, sections: set[str], store: Path, work: Path, out: Path) -> None:
    measure, _ = GROUPS[group]
    figures = measure(store, work, sections)
    out.write_text(json.dumps([f.to_json() for f in figures]))


# -- the table ------------------------------------------------------------------------------------


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "msg" or value >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def with_cpu(value: float | None, cpu: float | None, unit: str) -> str:
    text = f"{fmt(value, unit)} {unit}"
    return f"{text} (CPU {fmt(cpu, unit)})" if cpu is not None else text


def verdict(f: Figure) -> str:
    if f.met is None:
        return ""
    if f.met:
        return "MET"
    return "MISSED (on CPU: met)" if f.met_cpu else "MISSED"


def table_rows(figures: list[Figure]) -> list[list[str]]:
    rows = []
    for f in figures:
        ref = f"{with_cpu(f.ref_value, f.ref_cpu, f.unit)}, {f.reference}" if f.reference else ""
        ratio = f"{f.ratio:.2f}x" if f.ratio is not None else ""
        if f.cpu_ratio is not None:
            ratio += f" (CPU {f.cpu_ratio:.2f}x)"
        rows.append([f.name, with_cpu(f.value, f.cpu, f.unit), ref, ratio, f.target, verdict(f), f.note])
    return rows


HEADER = ["Figure", "Measured (wall, CPU)", "Reference, same run", "Ratio", "Target", "Met", "Note"]


def render_text(figures: list[Figure]) -> str:
    rows = [HEADER, *table_rows(figures)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def render_markdown(figures: list[Figure]) -> str:
    rows = table_rows(figures)
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in r) + " |" for r in rows]
    return "\n".join(lines)


def machine() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores ({platform.machine()}), load average {load}, Python {platform.python_version()}"


# -- command line ---------------------------------------------------------------------------------


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--only", help=f"comma-separated sections to run (of: {', '.join(SECTIONS)})")
    parser.add_argument("--customers", type=int, default=FULL_SIZE, help="store size (default 100000)")
    parser.add_argument("--cache", type=Path, help=f"where stores and scratch files go (default {CACHE})")
    parser.add_argument("--timeout", type=float, default=3600, help="stop a group after this many seconds")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the figures as JSON instead of a table")
    output.add_argument("--markdown", action="store_true", help="print the table as Markdown (for the README)")
    for hidden in ("--child", "--sections", "--store", "--work", "--out"):
        parser.add_argument(hidden, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    wanted = [s.strip() for s in (args.only or ",".join(SECTIONS)).split(",") if s.strip()]
    unknown = [s for s in wanted if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s): {', '.join(unknown)} (choose from {', '.join(SECTIONS)})")
    args.wanted = set(wanted)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.child:
        child(args.child, set(args.sections.split(",")), Path(args.store), Path(args.work), Path(args.out))
        return 0
    started = time.perf_counter()
    say = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
    say(f"store: {args.customers:,} customers (building it once if the cache is missing or stale) ...")
    store = store_for(args.customers, args.cache)
    work = Path(args.cache or CACHE)
    work.mkdir(parents=True, exist_ok=True)
    counts = store_counts(store)
    say(f"store: {store} ({', '.join(f'{n:,} {t}' for t, n in counts.items())}), ready in "
        f"{time.perf_counter() - started:.0f} s")
    figures: list[Figure] = []
    failed: list[str] = []
    for group, (_, names) in GROUPS.items():
        sections = args.wanted & set(names)
        if not sections:
            continue
        say(f"\n== {group} ({', '.join(sorted(sections))})")
        t0 = time.perf_counter()
        try:
            got = run_group(group, sections, store, work, args.timeout)
            figures += got
            say(render_text(got))
        except Exception as exc:  # one broken group must not hide the others' figures
            failed.append(group)
            say(f"!! {exc}")
        say(f"== {group} done in {time.perf_counter() - t0:.0f} s")
    took = time.perf_counter() - started
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    if args.json:
        print(json.dumps({"when": when, "machine": machine(), "store": counts, "seconds": round(took, 1),
                          "failed": failed, "figures": [f.to_json() for f in figures]}, indent=2))
    else:
        print(f"\nlifecycle_tui benchmark, {when}; {machine()}")
        print(f"store: {', '.join(f'{n:,} {t}' for t, n in counts.items())}; suite took {took:.0f} s\n")
        print(render_markdown(figures) if args.markdown else render_text(figures))
        if failed:
            print(f"\nfailed to run: {', '.join(failed)} (see the output above)")
    if failed:
        return 2
    return 0 if all(f.met is not False for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
