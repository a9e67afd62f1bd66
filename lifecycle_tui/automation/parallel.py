"""Deciding a big plan's customers in forked worker processes: the same decisions, sooner.

After the planner has applied exits, filters and contact checks, what is left is decided
customer by customer (:func:`planner._resolve`: priority, quiet hours, caps, rendering), and
no customer's outcome depends on another's: caps and "one message per customer per run" are
per customer, and the shared caches (compiled templates, shop data, recommendations, text of
template lines) only hold values that are the same whoever computes them. Rendering is most
of a plan's time, so on a machine with more than one core :func:`resolve_all` splits the
customers (in the planner's order) into contiguous runs, one per process: forked children
decide and render theirs and send back each decision's outcome (action, reason, defer time,
rendered message); this process decides its own run meanwhile, then copies the children's
outcomes into its decisions. Decisions, reasons, rendered bytes and their order are exactly
those of the one-process loop (tests/automation/test_parallel.py).

Used only where it is safe and worth it: ``fork`` exists, more than one idle core (by the load
average; a worker sharing a busy core costs more than it saves), no other thread
runs (the console's thread workers decide in-process), nothing uncommitted on the store
connection (a worker reads through its own connection, which would not see uncommitted rows,
e.g. a dry-run's refreshed metrics: a dry-run's transaction counts only while nothing was
written in it), and at least MIN_CUSTOMERS customers to decide.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import traceback
from pathlib import Path
from typing import Callable

MIN_CUSTOMERS = 5_000  # below this, forking and shipping results back costs more than it saves
MAX_PROCESSES = 8
BATCH = 1_000  # customers per pickled batch a worker sends back


def process_count(store, customers: int, wanted: int | None = None, unwritten_since: int | None = None) -> int:
    """How many processes (this one included) should decide ``customers`` customers: 1 where
    forking is unsafe or unavailable, else ``wanted``, else one per core for a big plan.
    ``unwritten_since``: the connection's ``total_changes`` when its open transaction began."""
    conn = store.conn
    if customers < 2 or (conn.in_transaction and (unwritten_since is None or conn.total_changes != unwritten_since)):
        return 1
    path = getattr(store, "path", None)
    if path is None or not Path(path).is_file():
        return 1
    from lifecycle_tui.importers.bulk import can_fork  # fork exists, > 1 core, no other thread

    if wanted is not None:
        return max(1, min(wanted, customers)) if wanted <= 1 or can_fork() else 1
    if customers < MIN_CUSTOMERS or not can_fork():
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_PROCESSES, 1 + idle_cores(cores), customers // (MIN_CUSTOMERS // 2)))


def idle_cores(cores: int) -> int:
    """Cores nobody else is using, roughly (1-minute load average): a worker on a core another
    program keeps busy only adds the cost of shipping results back (measured on the shared 2-core
    bench machine: 2 processes no faster than 1, 15-20% more CPU in all)."""
    try:
        busy = os.getloadavg()[0]
    except (AttributeError, OSError):  # no load average here: assume the other cores are free
        return cores - 1
    return max(0, int(cores - busy + 0.5))


def resolve_all(store, groups: list[list], policy, renderer, resolve: Callable, processes: int | None = None,
                unwritten_since: int | None = None) -> int:
    """``resolve(store, group, policy, renderer)`` for every group (one customer's candidates),
    in worker processes when :func:`process_count` says so (``processes``: how many are wanted;
    never more than is safe). Returns the number of processes used."""
    n = process_count(store, len(groups), processes, unwritten_since) if renderer is not None else 1
    if n > 1:  # what every worker needs, read once here (and asked again: it may have written a new
        # unsubscribe secret, which a worker would not see inside a dry-run's transaction)
        renderer.warm({c.decision.template for group in groups for c in group})
        n = process_count(store, len(groups), processes, unwritten_since)
    if n <= 1:
        for group in groups:
            resolve(store, group, policy, renderer)
        return 1
    cut = [len(groups) * k // n for k in range(n + 1)]
    mp = multiprocessing.get_context("fork")
    workers = []
    try:
        for k in range(1, n):
            receive, send = mp.Pipe(duplex=False)
            child = mp.Process(target=_work, args=(store.path, groups[cut[k]:cut[k + 1]], policy, renderer, resolve, send),
                               daemon=True)
            child.start()
            send.close()  # the child holds its own end
            workers.append((child, receive, cut[k], cut[k + 1]))
        for group in groups[cut[0]:cut[1]]:
            resolve(store, group, policy, renderer)
        for child, receive, lo, hi in workers:
            _collect(child, receive, groups[lo:hi])
    finally:
        for child, receive, _, _ in workers:
            receive.close()
            if child.is_alive():
                child.terminate()
            child.join()
    return n


def _collect(child, receive, groups: list[list]) -> None:
    """Copy a worker's outcomes, batch by batch, into this process's decisions."""
    done = 0
    while done < len(groups):
        try:
            tag, payload = pickle.loads(receive.recv_bytes())
        except EOFError:
            raise RuntimeError(f"a planning worker stopped (exit code {child.exitcode})") from None
        if tag == "error":
            raise RuntimeError(f"a planning worker failed:\n{payload}")
        for group, outcomes in zip(groups[done:done + len(payload)], payload):
            for c, (action, reason, defer_until, message) in zip(group, outcomes):
                d = c.decision
                d.action, d.reason, d.defer_until, d.message = action, reason, defer_until, message
        done += len(payload)


def _work(path, groups: list[list], policy, renderer, resolve: Callable, send) -> None:
    """The worker: decide its groups through its own connection, then send the outcomes."""
    gc.disable()  # the outcomes make no cycles; this process ends after its groups
    try:
        from lifecycle_tui.store import open_store

        store = open_store(path, migrate=False)
        renderer.rebind(store)
        batches = []
        for start in range(0, len(groups), BATCH):
            part = groups[start:start + BATCH]
            outcomes = []
            for group in part:
                decisions = [c.decision for c in group]  # the caller's order (resolve sorts the group)
                resolve(store, group, policy, renderer)
                outcomes.append([(d.action, d.reason, d.defer_until, d.message) for d in decisions])
            # Pickled now and sent at the end: a send blocks until this process's parent reads, and
            # the parent reads only after deciding its own share.
            batches.append(pickle.dumps(("batch", outcomes), protocol=pickle.HIGHEST_PROTOCOL))
        for blob in batches:
            send.send_bytes(blob)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the parent stopped listening (it failed): nothing left to do
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises it
        send.send_bytes(pickle.dumps(("error", traceback.format_exc())))
    finally:
        send.close()
