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
from array import array
from contextlib import contextmanager
from typing import Callable, Iterator, Sequence

from lifecycle_tui.importers.canonical import ReadContext
from lifecycle_tui.importers.errors import ImportRefused, RowError
from lifecycle_tui.importers.generic import order_tuples
from lifecycle_tui.importers.order_columns import block_converter, repeat_empty
from lifecycle_tui.importers.reader import Table

# (good rows as columns: one sequence per ORDER_FIELDS entry, rejected rows, rows read, bytes read
# so far, whether an order id of these rows came before in the file or repeats among them)
Batch = tuple[list, list[RowError], int, int, bool]
_TEXT_COLUMNS = (1, 2, 3, 4, 5, 7, 8)  # order_id .. status: text, sent as one newline-joined string
_INT_COLUMNS = (0, 6)  # line, total_cents: sent as 64-bit arrays


def order_batches(table: Table, ctx: ReadContext, batch_rows: int) -> Iterator[Batch]:
    """The rows of a generic orders file in batches of up to ``batch_rows`` rows, in file order.

    Runs of plain lines in the common shape are converted a run at a time
    (:mod:`~lifecycle_tui.importers.order_columns`), anything else row by row; both give
    the same columns. Each batch says whether one of its order ids came before (in it or in
    an earlier batch): until one does, the writer may insert without looking for existing
    orders and build the unique index on order ids after the load.
    """
    convert, known, unknown = order_tuples(table, ctx)
    by_block = (
        block_converter(known, len(table.header), table.delimiter, ctx)
        if not unknown and ctx.tz_is_utc and not ctx.decimal_comma else None
    )
    repeated = _repeat_tracker()
    pending: list = []  # converted rows (tuples or RowErrors) of runs that went row by row

    def row_batch(chunk: list) -> Batch:
        if RowError in set(map(type, chunk)):  # C-level test; splitting is the rare case
            good = [x for x in chunk if x.__class__ is not RowError]
            bad = [x for x in chunk if x.__class__ is RowError]
        else:
            good, bad = chunk, []
        columns = list(zip(*good)) if good else []
        return columns, bad, len(chunk), table.bytes_read(), repeated(columns[1] if columns else ())

    try:
        for start, lines, cells in table.chunks(batch_rows):
            columns = by_block(start, lines) if by_block is not None and lines is not None else None
            if columns is None:
                pending += convert(table.records(start, lines, cells))
                while len(pending) >= batch_rows:
                    yield row_batch(pending[:batch_rows])
                    del pending[:batch_rows]
                continue
            if pending:
                yield row_batch(pending)
                pending = []
            yield columns, [], len(lines), table.bytes_read(), repeated(columns[1])
    except ImportRefused:
        # A record the csv module cannot read: the rows before it go first, so that a bad row
        # among them is what the refusal names, as when reading row by row.
        if pending:
            yield row_batch(pending)
        raise
    if pending:
        yield row_batch(pending)


def _repeat_tracker() -> Callable[[Sequence[str]], bool]:
    """``repeated(order_ids)``: whether one of them came before, in them or in earlier calls.
    Once one has, every later call says so too, and the ids seen are let go."""
    seen: set[str] | None = set()

    def repeated(ids: Sequence[str]) -> bool:
        nonlocal seen
        if seen is not None:
            before = len(seen)
            seen.update(ids)
            if len(seen) - before != len(ids):
                seen = None
        return seen is None

    return repeated


def _pack(columns: list) -> list:
    """Columns in a form that pickles in a few memory copies instead of one object per cell."""
    if not columns:
        return columns
    out = list(columns)
    n = len(columns[0])
    for i in _TEXT_COLUMNS:
        try:
            text = "\n".join(columns[i])
        except TypeError:  # None cells (no customer id or email): sent as they are
            continue
        if text.count("\n") == n - 1:  # no newline inside a cell
            out[i] = text
    for i in _INT_COLUMNS:
        try:
            out[i] = array("q", columns[i])
        except OverflowError:
            pass
    if not any(columns[9]):
        out[9] = None  # no row has attributes
    return out


def _unpack(packed: list) -> list:
    if not packed:
        return packed
    out = list(packed)
    for i in _TEXT_COLUMNS:
        if isinstance(out[i], str):
            out[i] = out[i].split("\n")
    for i in _INT_COLUMNS:
        if isinstance(out[i], array):
            out[i] = out[i].tolist()
    if out[9] is None:
        out[9] = repeat_empty(len(out[0]))
    return out


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
                yield (_unpack(value[0]), *value[1:])
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
        for columns, *rest in make():
            send.send(("batch", (_pack(columns), *rest)))
        send.send(("done", None))
    except (BrokenPipeError, ConnectionResetError):
        pass  # the parent stopped reading (a refused row): nothing left to do
    except ImportRefused as exc:
        send.send(("refused", (str(exc), exc.rejected)))
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises it
        send.send(("error", traceback.format_exc()))
    finally:
        send.close()
