"""One dispatch run at a time per store: an exclusive ``fcntl.flock`` on a file beside the store.

Why a lock file and not a row in the store: the kernel releases a ``flock`` the moment its
process dies, however it dies (``kill -9`` included), so there is never a stale lock to
detect or clean up, and no pid can be recycled into a false "still running". The file
(``<store>.dispatch.lock``, owner-only) also holds the holder's pid and start time, only
to tell the refused second run who is busy.

Re-entrant for the thread that holds it (the CLI takes the lock around plan + run, and
``run_plan`` takes it again; a second ``flock`` on a new descriptor of the same file would
conflict with our own first one). Another thread of the same process is refused.
"""

from __future__ import annotations

import fcntl
import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from lifecycle_tui.store.timeutil import to_iso, utcnow


class DispatchBusyError(Exception):
    """Another dispatch run holds the store's lock; the message names its pid and start time."""


_held: dict[str, tuple[int, int, int]] = {}  # lock path -> (fd, depth, owning thread) in this process
_guard = threading.Lock()


def lock_path(store) -> Path:
    real = Path(os.path.realpath(store.path))
    return real.with_name(real.name + ".dispatch.lock")


@contextmanager
def run_lock(store) -> Iterator[Path]:
    """Hold the store's dispatch lock, or raise :class:`DispatchBusyError` at once (never waits)."""
    path = lock_path(store)
    key = str(path)
    with _guard:
        me = threading.get_ident()
        if key in _held:
            fd, depth, owner = _held[key]
            if owner != me:  # e.g. a second console worker: refused like another process
                raise DispatchBusyError("another dispatch run is in progress on this store (in this program).")
            _held[key] = (fd, depth + 1, owner)
        else:
            fd = _acquire(path)
            _held[key] = (fd, 1, me)
    try:
        yield path
    finally:
        with _guard:
            fd, depth, owner = _held[key]
            if depth > 1:
                _held[key] = (fd, depth - 1, owner)
            else:
                del _held[key]
                _release(fd)


def _acquire(path: Path) -> int:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _read_holder(fd)
        os.close(fd)
        raise DispatchBusyError(
            f"another dispatch run is in progress on this store{holder}. "
            "Wait for it to finish; a run that is killed releases the lock at once."
        ) from None
    except OSError as exc:
        os.close(fd)
        raise DispatchBusyError(f"cannot lock {path}: {exc.strerror}") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"pid={os.getpid()} started_at={to_iso(utcnow())}\n".encode(), 0)
    return fd


def _release(fd: int) -> None:
    try:
        os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _read_holder(fd: int) -> str:
    try:
        text = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
    except OSError:
        return ""
    fields = dict(part.split("=", 1) for part in text.split() if "=" in part)
    if "pid" in fields:
        return f" (pid {fields['pid']}, started {fields.get('started_at', '?')})"
    return ""
