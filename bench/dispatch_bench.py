"""Benchmark: a dry-run plan with rendering on the 100k-customer store, next to a bare Jinja loop.

Works on a copy of the cached big store (``bench/data.py``) in which every customer has an
email address, accepts email and is not suppressed (one send per customer per run caps a plan
at the customer count, so this is what makes a plan of 100,000 rendered messages) and a
broadcast rule "bench_broadcast" to everyone is enabled at the lowest priority, beside the
starter rules. Prints, from the same run:

- the dry-run: what ``lifecycle dispatch dry-run`` does, ``dry_run(store, as_of,
  keep_messages=False)`` (triggers, policy, rendering and checking every send, keeping the
  decisions and dropping each message once rendered, as the bare loop does), rendered messages
  and messages per second, wall and CPU. A big plan's customers are decided and rendered by one
  process per idle core (``lifecycle_tui.automation.parallel``; on a busy machine just one);
  when that is more than one, or ``--processes N`` (N > 1) asks for it, the dry-run is also made
  in one process, both rates are printed, and the two plans' decisions are compared (they must
  be identical; tests/automation/test_parallel.py compares the rendered bytes too). CPU time
  counts every process's (this one's and its workers');
- for information, the same plan keeping every rendered message (``plan(store, as_of)``, what
  a preview of a small plan does; ~1.3 GB for 100,000 emails, and the workers then send every
  message back to this process);
- the bare loop: the same templates compiled in a plain ``jinja2.Environment`` (the shop's
  filters copied in), rendering every part for the same customers from contexts built
  beforehand (context building is not timed), in one process, after the plans are dropped,
  the fastest of two passes, messages per second;
- the ratios (target: dry-run >= 0.5 x bare loop), on wall and on CPU time.

Run: ``.venv/bin/python bench/dispatch_bench.py [--customers N] [--processes N]`` (N < 100000
uses a smaller cached store; the default is the 100k store).
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import jinja2

sys.path.insert(0, str(Path(__file__).resolve().parent))
from data import AS_OF, CACHE, big_store  # noqa: E402

from lifecycle_tui.automation.context import extra_for  # noqa: E402
from lifecycle_tui.automation.planner import dry_run, plan  # noqa: E402
from lifecycle_tui.automation.rules import Rule, get_rule, save_rule  # noqa: E402
from lifecycle_tui.automation.triggers import Instance  # noqa: E402
from lifecycle_tui.importers.bulk import gc_paused  # noqa: E402
from lifecycle_tui.messages.context import ContextBuilder  # noqa: E402
from lifecycle_tui.messages.repository import require_template  # noqa: E402
from lifecycle_tui.messages.sandbox import environments  # noqa: E402
from lifecycle_tui.segments import add_segment, ensure_metrics  # noqa: E402
from lifecycle_tui.store import open_store  # noqa: E402
from lifecycle_tui.store.timeutil import to_iso  # noqa: E402


def prepare(src: Path) -> Path:
    """A fresh bench copy: email consent for all, the broadcast rule enabled, metrics current."""
    copy = CACHE / f"dispatch-bench-{src.stem}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(copy) + suffix).unlink(missing_ok=True)
    shutil.copyfile(src, copy)
    with open_store(copy) as store:
        with store.transaction() as conn:
            # One send per customer per run caps a plan at the customer count: give everyone an
            # address, consent and no suppression so that the plan reaches 100,000 sends.
            conn.execute("UPDATE customers SET email = customer_id || '@bench.example', "
                         "email_norm = lower(customer_id) || '@bench.example' WHERE email IS NULL")
            conn.execute("UPDATE customers SET accepts_email = 1")
            conn.execute("DELETE FROM suppressions WHERE kind = 'email'")
        add_segment(store, "Everyone", "orders >= 0", replace=True)
        save_rule(store, Rule.from_definition("bench_broadcast", {
            "trigger": {"kind": "broadcast", "segment": "Everyone", "send_at": to_iso(AS_OF - timedelta(hours=1))},
            "steps": [{"delay": "0h", "channel": "email", "template": "newsletter"}], "catch_up": "1d"},
            enabled=True, priority=1))
        started = time.perf_counter()
        ensure_metrics(store, AS_OF)
        print(f"metrics current for {to_iso(AS_OF)} in {time.perf_counter() - started:.1f} s (not timed below)")
    return copy


BARE_REPEAT = 2  # passes of the bare loop; the fastest counts


@dataclass(frozen=True, slots=True)
class Send:
    """What the bare loop needs of one rendered send of the plan."""

    rule: str
    step: int
    customer_rowid: int
    channel: str
    template: str
    trigger_key: str
    due_at: str


def sends_of(the_plan) -> list[Send]:
    """The plan's sends (each rendered: a send whose template fails is a skip), without the plan:
    the bare loop then runs on a heap that holds no plan (holding 100,000 rendered messages had
    made its time vary 8.7-14.3 s)."""
    return [Send(d.rule, d.step, d.customer_rowid, d.channel, d.template, d.trigger_key, d.due_at)
            for d in the_plan.decisions if d.action == "send"]


def bare_loop(store, sends, cpu_out: list | None = None, repeat: int = BARE_REPEAT) -> float:
    """Seconds to render every part of the same templates for the same customers with plain Jinja,
    the fastest of ``repeat`` passes (``cpu_out`` gets that pass's CPU seconds appended). Run it
    after dropping the plans and collecting."""
    shop_env = environments()[True]
    env_html = jinja2.Environment(autoescape=True)
    env_text = jinja2.Environment(autoescape=False)
    for env in (env_html, env_text):
        env.filters.update(shop_env.filters)
        env.globals.update(shop_env.globals)
    compiled: dict[str, list] = {}
    builder = ContextBuilder(store, AS_OF)
    work = []
    for d in sends:
        if d.template not in compiled:
            parsed = require_template(store, d.template).parsed()
            compiled[d.template] = [(env_html if f == "html" else env_text).from_string(src)
                                    for f, src, _ in parsed.jinja_parts()]
        inst = Instance(d.customer_rowid, d.trigger_key, d.due_at)
        rule = _rule(store, d.rule)
        ctx = builder.build(d.customer_rowid, channel=d.channel, extra=extra_for(store, rule, inst, d.step))
        work.append((compiled[d.template], ctx))
    # No cyclic GC while timing, as in the plan (planner.plan pauses it): with 100k contexts and a
    # whole plan alive, collections walk a big heap, and the loop's time then varied 9.8-13 s.
    # The fastest pass: one pass's time varied 8.7-15.7 s between runs on the shared bench machine,
    # and the best of two is the least disturbed (a faster reference only lowers our ratio).
    best = (float("inf"), float("inf"))
    with gc_paused():
        for _ in range(repeat):
            cpu, started = time.process_time(), time.perf_counter()
            for parts, ctx in work:
                for tpl in parts:
                    tpl.render(ctx)
            best = min(best, (time.perf_counter() - started, time.process_time() - cpu))
    if cpu_out is not None:
        cpu_out.append(best[1])
    return best[0]


_RULES: dict = {}


def _rule(store, name):
    if name not in _RULES:
        _RULES[name] = get_rule(store, name)
    return _RULES[name]


def timed_plan(store, processes: int | None, keep: bool = False):
    """(plan, wall seconds, CPU seconds of this process and its workers): the dry-run of
    ``lifecycle dispatch dry-run``, or with ``keep`` the plan that keeps every rendered message."""
    gc.collect()  # not the previous plan's garbage collection: each plan starts on a collected heap
    before, started = os.times(), time.perf_counter()
    if keep:
        the_plan = plan(store, AS_OF, processes=processes)
    else:
        the_plan = dry_run(store, AS_OF, processes=processes, keep_messages=False)
    wall, after = time.perf_counter() - started, os.times()
    cpu = sum(after[:4]) - sum(before[:4])  # user + system, own and (waited-for) children
    return the_plan, wall, cpu


def same_plan(a, b) -> bool:
    """Same decisions in the same order, same reasons, same rendered messages."""
    if len(a.decisions) != len(b.decisions):
        return False
    for x, y in zip(a.decisions, b.decisions):
        if x.to_json() != y.to_json() or (x.message is None) != (y.message is None):
            return False
        if x.message is not None and (x.message.to_json() != y.message.to_json() or x.message.envelope != y.message.envelope):
            return False
    return True


def _processes(the_plan) -> str:
    return f"{the_plan.processes} process{'es' if the_plan.processes > 1 else ''}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000, help="size of the cached store to use")
    parser.add_argument("--processes", type=int, default=None,
                        help="processes deciding and rendering the plan (default: one per idle core; 1 too for comparison)")
    args = parser.parse_args()
    src = big_store() if args.customers == 100_000 else big_store(customers=args.customers)
    copy = prepare(src)
    with open_store(copy) as store:
        customers = store.scalar("SELECT count(*) FROM customers")
        runs = []
        the_plan, wall, cpu = timed_plan(store, args.processes)
        runs.append((the_plan, wall, cpu))
        if the_plan.processes > 1:
            runs.append(timed_plan(store, 1))
        sends = sends_of(the_plan)
        by_template = Counter(d.template for d in sends)
        print(f"store: {customers:,} customers; plan as of {to_iso(AS_OF)}: {len(the_plan.decisions):,} decisions, "
              f"{len(sends):,} rendered sends ({', '.join(f'{t} {n:,}' for t, n in by_template.most_common(6))})")
        for p, wall, cpu in runs:
            print(f"dry-run with rendering, {_processes(p)}: "
                  f"{wall:.1f} s wall, {len(sends) / wall:,.0f} messages/s; CPU {cpu:.1f} s, {len(sends) / cpu:,.0f} messages/s")
        if len(runs) > 1:
            print(f"the {runs[0][0].processes}-process and 1-process dry-runs decide the same: "
                  f"{'yes' if same_plan(runs[0][0], runs[1][0]) else 'NO'}")
        runs = [(p.processes, wall, cpu) for p, wall, cpu in runs]
        del the_plan, p
        kept, wall, cpu = timed_plan(store, args.processes, keep=True)
        print(f"for information, the plan keeping every rendered message, {_processes(kept)}: {wall:.1f} s wall, "
              f"{len(sends) / wall:,.0f} messages/s; CPU {cpu:.1f} s")
        del kept
        gc.collect()
        bare_cpu: list = []
        bare_s = bare_loop(store, sends, bare_cpu)
        bare_rate, bare_cpu_rate = len(sends) / bare_s, len(sends) / bare_cpu[0]
        print(f"bare Jinja loop, same templates and customers, 1 process: {bare_s:.1f} s wall, {bare_rate:,.0f} messages/s; "
              f"CPU {bare_cpu[0]:.1f} s, {bare_cpu_rate:,.0f} messages/s")
        for processes, wall, cpu in runs:
            ratio, cpu_ratio = (len(sends) / wall) / bare_rate, (len(sends) / cpu) / bare_cpu_rate
            print(f"ratio dry-run ({processes} process{'es' if processes > 1 else ''}) / bare: wall {ratio:.2f}, "
                  f"CPU {cpu_ratio:.2f} (target >= 0.50) -> wall {'MET' if ratio >= 0.5 else 'NOT MET'}, "
                  f"CPU {'MET' if cpu_ratio >= 0.5 else 'NOT MET'}")


if __name__ == "__main__":
    main()
