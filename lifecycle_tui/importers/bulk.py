"""The bulk path for large generic order files: parse in a second process, write in this one.

Reading and validating a row costs about as much CPU as inserting it, so on a machine with
two or more cores the file is parsed in a forked child process (:func:`in_child`) that
sends batches of ready tuples (``generic.ORDER_FIELDS``) through a pipe while this process
resolves customers and inserts the previous batch. Rows, their order, validation and error
messages are exactly those of the one-process path (:func:`order_batches` is what both
run); only where the work happens differs. Without ``fork`` (or with other threads
running, where forking is unsafe) the same batches are made in-process.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
import traceback
from itertools import islice
from contextlib import contextmanager
from typing import Callable, Iterator

from lifecycle_tui.importers.canonical import ReadContext
from lifecycle_tui.importers.errors import ImportRefused, RowError
from lifecycle_tui.importers.generic import order_tuples
from lifecycle_tui.importers.reader import Table

# (good rows as tuples, rejected rows, rows read, bytes read so far)
Batch = tuple[list[tuple], list[RowError], int, int]


def order_batches(table: Table, ctx: ReadContext, batch_rows: int) -> Iterator[Batch]:
    """The rows of a generic orders file in batches of up to ``batch_rows`` rows, in file order."""
    convert, _, _ = order_tuples(table, ctx)
    items = convert(table.rows())
    while chunk := list(islice(items, batch_rows)):
        if RowError in set(map(type, chunk)):  # C-level test; splitting is the rare case
            good = [x for x in chunk if x.__class__ is not RowError]
            bad = [x for x in chunk if x.__class__ is RowError]
        else:
            good, bad = chunk, []
        yield good, bad, len(chunk), table.bytes_read()


def can_fork() -> bool:
    """A second process helps: ``fork`` exists, another core exists, and no other thread runs."""
    return (
        "fork" in multiprocessing.get_all_start_methods()
        and (os.cpu_count() or 1) > 1
        and threading.active_count() == 1
    )


def in_child(make: Callable[[], Iterator[Batch]]) -> Iterator[Batch]:
    """Yield what ``make()`` yields, computed in a forked child process.

    An :class:`ImportRefused` raised while reading (e.g. unreadable CSV) is raised here with
    the same message. Closing the iterator early (a refused row) stops the child.
    """
    mp = multiprocessing.get_context("fork")
    receive, send = mp.Pipe(duplex=False)
    child = mp.Process(target=_produce, args=(make, send), daemon=True)
    child.start()
    send.close()  # ours; the child holds its own copy
    try:
        while True:
            try:
                tag, value = receive.recv()
            except EOFError:
                raise ImportRefused(f"internal error: the reading process stopped (exit code {child.exitcode}); nothing was imported.") from None
            if tag == "batch":
                yield value
            elif tag == "done":
                return
            elif tag == "refused":
                raise ImportRefused(value[0], rejected=value[1])
            else:
                raise RuntimeError(f"the reading process failed:\n{value}")
    finally:
        receive.close()
        if child.is_alive():
            child.terminate()
        child.join()


@contextmanager
def gc_paused():
    """No cyclic garbage collection while bulk rows stream through: the batches make no cycles,
    and the collector would otherwise walk millions of live tuples again and again."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _produce(make: Callable[[], Iterator[Batch]], send) -> None:
    """The child: send every batch, then ``done`` (or what went wrong)."""
    gc.disable()  # see gc_paused; this process ends after the file
    try:
        for batch in make():
            send.send(("batch", batch))
        send.send(("done", None))
    except (BrokenPipeError, ConnectionResetError):
        pass  # the parent stopped reading (a refused row): nothing left to do
    except ImportRefused as exc:
        send.send(("refused", (str(exc), exc.rejected)))
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises it
        send.send(("error", traceback.format_exc()))
    finally:
        send.close()
