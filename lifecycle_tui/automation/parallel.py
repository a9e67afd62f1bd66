"""Deciding a big plan's customers in forked worker processes: the same decisions, sooner.

After the planner has applied exits, filters and contact checks, what is left is decided
customer by customer (:func:`planner._resolve`: priority, quiet hours, caps, rendering), and
no customer's outcome depends on another's: caps and "one message per customer per run" are
per customer, and the shared caches (compiled templates, shop data, recommendations, text of
template lines) only hold values that are the same whoever computes them. Rendering is most
of a plan's time, so on a machine with more than one core :func:`resolve_all` splits the
customers (in the planner's order) into chunks that the processes claim one at a time
(:class:`Chunks`), so a slower worker decides fewer of them instead of keeping the others
waiting: forked children decide and render theirs and send back each chunk's outcomes
(action, reason, defer time, rendered message) as soon as it is done; this process decides its
own chunks meanwhile and copies the children's outcomes into its decisions between them.
Decisions, reasons, rendered bytes and their order are exactly those of the one-process loop
(tests/automation/test_parallel.py).

Used only where it is safe and worth it: ``fork`` exists, more than one idle core (by the load
average; a worker sharing a busy core costs more than it saves), no other thread
runs (the console's thread workers decide in-process), nothing uncommitted on the store
connection (a worker reads through its own connection, which would not see uncommitted rows):
a dry-run's transaction counts while nothing was written in it but its metrics refresh, whose
stages and RFM scores the renderer reads before forking and holds for the workers
(``ContextBuilder.hold_metrics``, through ``warm``),
and at least MIN_CUSTOMERS customers to decide.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import queue
import threading
import traceback
from pathlib import Path
from typing import Callable

MIN_CUSTOMERS = 5_000  # below this, forking and shipping results back costs more than it saves
MAX_PROCESSES = 8
CHUNK = 500  # at most this many customers per claimed chunk (a worker pickles its outcomes per chunk)


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
    chunks = Chunks(len(groups), n)
    mp = multiprocessing.get_context("fork")
    counter = mp.Value("q", n)  # chunks 0..n-1 are the processes' first ones; the rest are claimed
    workers = []
    try:
        for k in range(1, n):
            receive, send = mp.Pipe(duplex=False)
            child = mp.Process(target=_work, args=(store.path, groups, chunks, k, counter, policy, renderer, resolve, send),
                               daemon=True)
            child.start()
            send.close()  # the child holds its own end
            workers.append((child, receive))
        pending = list(workers)
        for _, lo, hi in chunks.claimed(0, counter):
            for group in groups[lo:hi]:
                resolve(store, group, policy, renderer)
            # Take in what the workers have finished meanwhile: copying their outcomes is this
            # process's work, so doing it between chunks lets the workers claim more of the rest.
            pending = [w for w in pending if not _collect(*w, groups, chunks, wait=False)]
        for child, receive in pending:
            _collect(child, receive, groups, chunks, wait=True)
    finally:
        for child, receive in workers:
            receive.close()
            if child.is_alive():
                child.terminate()
            child.join()
    return n


class Chunks:
    """The customers cut into chunks that processes claim one at a time: process ``k`` starts
    with chunk ``k``, then each takes the next unclaimed one. A worker that starts later or runs
    slower (it warms its own caches) simply decides fewer chunks, instead of leaving the others
    waiting for its fixed half; the outcomes do not depend on who decides a customer."""

    def __init__(self, groups: int, processes: int) -> None:
        self.size = max(1, min(CHUNK, groups // (processes * 8)))
        self.count = -(-groups // self.size)
        self.groups = groups

    def bounds(self, index: int) -> tuple[int, int]:
        return index * self.size, min(self.groups, (index + 1) * self.size)

    def claimed(self, first: int, counter):
        """``(index, lo, hi)`` of each chunk this process decides: its first, then claimed ones."""
        index = first
        while index < self.count:
            yield (index, *self.bounds(index))
            with counter.get_lock():
                index = counter.value
                counter.value += 1


def _collect(child, receive, groups: list[list], chunks: Chunks, *, wait: bool) -> bool:
    """Copy a worker's outcomes, chunk by chunk, into this process's decisions: those sent so far
    (``wait`` False), or all of them. True once the worker has sent its last."""
    while wait or receive.poll():
        try:
            tag, payload = pickle.loads(receive.recv_bytes())
        except EOFError:
            raise RuntimeError(f"a planning worker stopped (exit code {child.exitcode})") from None
        if tag == "error":
            raise RuntimeError(f"a planning worker failed:\n{payload}")
        if tag == "done":
            return True
        index, outcomes = payload
        lo, hi = chunks.bounds(index)
        for group, group_outcomes in zip(groups[lo:hi], outcomes):
            for c, (action, reason, defer_until, message) in zip(group, group_outcomes):
                d = c.decision
                d.action, d.reason, d.defer_until, d.message = action, reason, defer_until, message
    return False


def _send_all(outbox: "queue.SimpleQueue", send) -> None:
    """The worker's sending thread: every blob queued, in order, until None."""
    try:
        while (blob := outbox.get()) is not None:
            send.send_bytes(blob)
    except (BrokenPipeError, ConnectionResetError, OSError):
        pass  # the parent stopped listening (it failed): the worker's main thread ends on its own


def _work(path, groups: list[list], chunks: Chunks, first: int, counter, policy, renderer, resolve: Callable, send) -> None:
    """The worker: decide the chunks it claims through its own connection, sending each one's
    outcomes as soon as it is decided."""
    gc.disable()  # the outcomes make no cycles; this process ends after its groups
    # A send blocks until the parent reads, and the parent reads between its own chunks: a thread
    # sends, so that deciding goes on meanwhile (a blocked pipe write releases the GIL).
    outbox: queue.SimpleQueue = queue.SimpleQueue()
    sender = threading.Thread(target=_send_all, args=(outbox, send), daemon=True)
    sender.start()
    try:
        from lifecycle_tui.store import open_store

        store = open_store(path, migrate=False)
        renderer.rebind(store)
        for index, lo, hi in chunks.claimed(first, counter):
            outcomes = []
            for group in groups[lo:hi]:
                decisions = [c.decision for c in group]  # the caller's order (resolve sorts the group)
                resolve(store, group, policy, renderer)
                outcomes.append([(d.action, d.reason, d.defer_until, d.message) for d in decisions])
            outbox.put(pickle.dumps(("chunk", (index, outcomes)), protocol=pickle.HIGHEST_PROTOCOL))
        outbox.put(pickle.dumps(("done", None)))
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises it
        outbox.put(pickle.dumps(("error", traceback.format_exc())))
    finally:
        outbox.put(None)
        sender.join()
        send.close()
