"""Checks for a file the program is about to write beside a store (a backup, a segment export).

One slip of the keyboard (``export Champions shop.db``) must not replace the store, or its
``-wal`` file, with a CSV; a typo in a folder name must not quietly make a new folder tree;
and an existing file is only replaced when the owner said so.
"""

from __future__ import annotations

import os
from pathlib import Path

from lifecycle_tui.store.connection import StoreError

# SQLite's files for a store: the store itself and what it keeps beside it while in use.
STORE_FILE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def is_store_file(target: Path, store_path: Path) -> bool:
    """Whether ``target`` is the store or one of SQLite's files beside it (by name or, through
    a link, by identity)."""
    try:
        resolved = target.expanduser().resolve()
        base = str(store_path.resolve())
    except OSError:
        return False
    for suffix in STORE_FILE_SUFFIXES:
        companion = Path(base + suffix)
        if resolved == companion or same_file(target, companion):
            return True
    return False


def same_file(a: Path, b: Path) -> bool:
    """Both exist and are one file."""
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_output_file(target: Path, store_path: Path, *, overwrite: bool, what: str) -> None:
    """Refuse (:class:`StoreError`) to write ``what`` (``"the backup"``, ``"the export"``) to the
    store's own files, over anything but a plain file, over an existing file unless ``overwrite``,
    or into a folder that does not exist. Nothing is written either way."""
    if is_store_file(target, store_path):
        raise StoreError(f"{target}: that is the store itself; choose another file for {what}.")
    if target.is_dir():
        raise StoreError(f"{target}: is a folder; give a file name for {what}.")
    if target.exists() and not target.is_file():
        # A device or a pipe (/dev/null, a fifo): the write replaces it with a plain file.
        raise StoreError(f"{target}: not a plain file (a device or a pipe); choose a file name for {what}.")
    if target.exists() and not overwrite:
        raise StoreError(f"{target}: already exists. Choose another name, or pass --force to replace it.")
    if not target.parent.is_dir():
        raise StoreError(f"{target.parent}: no such folder for {what}.")
