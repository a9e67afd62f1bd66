"""Opening a store file: pragmas, permissions, identity check and migrations.

A lifecycle store is a SQLite file marked with our ``application_id``. Opening a file
that is something else (another SQLite database, a text file, a corrupt file) raises
:class:`NotAStoreError` with a message meant for a person, never a raw traceback.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import sqlite_utils

# "LCM1" as a 32-bit integer: written into every store so we can recognise our own files.
APPLICATION_ID = 0x4C434D31
BUSY_TIMEOUT_MS = 5000
ENV_VAR = "LIFECYCLE_DB"
DEFAULT_FILE = "lifecycle.db"


class StoreError(Exception):
    """A store could not be opened or used; the message is written for the shop owner."""


class NotAStoreError(StoreError):
    """The file exists but is not a lifecycle store (or is damaged)."""


class DamagedStoreError(NotAStoreError):
    """The file cannot be read as an SQLite database at all (damaged, or something else written over it)."""


def default_store_path(explicit: str | os.PathLike | None = None) -> Path:
    """The store path: an explicit one, else ``$LIFECYCLE_DB``, else ``./lifecycle.db``."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    return Path(DEFAULT_FILE)


@dataclass
class Store:
    """An open store: the raw connection for hot paths, sqlite-utils for small writes."""

    path: Path
    conn: sqlite3.Connection
    db: sqlite_utils.Database = field(repr=False)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One ``BEGIN IMMEDIATE`` transaction: committed on success, rolled back on error."""
        conn = self.conn
        if conn.in_transaction:
            # Nested use joins the outer transaction through a savepoint.
            conn.execute("SAVEPOINT nested")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK TO nested")
                conn.execute("RELEASE nested")
                raise
            conn.execute("RELEASE nested")
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.rollback()
            raise
        conn.commit()

    @contextmanager
    def alone_without_wal(self) -> Iterator[bool]:
        """For one big write: the rollback journal instead of WAL, if no one else has the file open.

        In WAL mode every page a bulk load writes goes to the ``-wal`` file first and is copied
        into the store at the checkpoint after the commit; with the rollback journal, pages the
        file did not have before are written once and need no journal at all (1M orders:
        ~0.5-1 s of ~7, measured by bench/import_bench.py). WAL can only be left while no other
        connection has the file open, so this tries without waiting and, if someone has (the
        console, another command), keeps WAL: nothing changes but the speed. Yields whether it
        switched. WAL comes back afterwards; should that fail (a reader came in meanwhile and
        holds on past the busy timeout), the next :func:`open_store` of the file sets it again.
        Outside a transaction only (SQLite cannot change the journal inside one).
        """
        conn = self.conn
        if conn.in_transaction:
            yield False
            return
        conn.execute("PRAGMA busy_timeout = 0")
        try:
            switched = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0] == "delete"
        except sqlite3.OperationalError:  # "database is locked": another connection has the file
            switched = False
        finally:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not switched:
            yield False
            return
        # The store's usual NORMAL is safe with WAL; with the rollback journal only FULL is
        # (one more sync, of a journal that holds just the pages the store had before).
        sync = conn.execute("PRAGMA synchronous").fetchone()[0]
        conn.execute("PRAGMA synchronous = FULL")
        try:
            yield True
        finally:
            conn.execute(f"PRAGMA synchronous = {int(sync)}")
            try:
                conn.execute("PRAGMA journal_mode = WAL")
            except sqlite3.OperationalError:
                pass

    def scalar(self, sql: str, params: tuple | dict = ()) -> object:
        row = self.conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def has_table(self, name: str) -> bool:
        """Whether the store has table ``name`` (a store opened without migrating may lack newer ones)."""
        return self.scalar("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)) is not None

    def data_version(self) -> int:
        """Changes whenever another connection commits to the file (used to refresh views)."""
        return int(self.scalar("PRAGMA data_version"))


def _owner_only(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        p = Path(str(path) + suffix)
        if p.exists():
            try:
                os.chmod(p, 0o600)
            except OSError:
                pass


def _connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: we manage transactions explicitly (BEGIN IMMEDIATE).
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
    conn.row_factory = sqlite3.Row
    return conn


def has_store_file(path: str | os.PathLike) -> bool:
    """Whether ``path`` holds something to open (an empty file counts as no store yet)."""
    path = Path(path)
    return path.exists() and (path.is_dir() or path.stat().st_size > 0)


def open_store(path: str | os.PathLike, *, create: bool = False, migrate: bool = True) -> Store:
    """Open (and with ``create=True`` create) a lifecycle store at ``path``.

    Sets WAL mode, foreign keys and a busy timeout; a new file and its ``-wal``/``-shm``
    companions are made readable by the owner only. Pending migrations are applied.
    Raises :class:`StoreError` when the file is missing (and ``create`` is false) and
    :class:`NotAStoreError` when it is not a lifecycle store.
    """
    path = Path(path)
    is_new = not has_store_file(path)
    if is_new and not create:
        raise StoreError(f"{path}: no store here. Create one with `lifecycle --db {path} init`.")
    if path.is_dir():
        raise StoreError(f"{path}: is a folder, not a store file.")
    if is_new:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Create the file ourselves with 0600 so there is never a moment it is world-readable.
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        os.close(fd)
    old_umask = os.umask(0o077)  # -wal and -shm files are created with these bits
    try:
        conn = _connect(path)
        try:
            _check_identity(conn, path, is_new)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA synchronous = NORMAL")
            if is_new:
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        except sqlite3.DatabaseError as exc:
            conn.close()
            if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                # A large import holds the file (Store.alone_without_wal): busy, not damaged.
                raise StoreError(
                    f"{path}: the store is busy: another lifecycle command is writing to it (a large import?). "
                    "Try again when it has finished."
                ) from None
            raise DamagedStoreError(f"{path}: not a lifecycle store, or the file is damaged ({exc}).") from None
    finally:
        os.umask(old_umask)
    store = Store(path=path, conn=conn, db=sqlite_utils.Database(conn))
    if migrate:
        from lifecycle_tui.store.migrations import apply_migrations

        try:
            apply_migrations(store)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise NotAStoreError(f"{path}: could not upgrade the store ({exc}).") from None
    _owner_only(path)
    return store


def _check_identity(conn: sqlite3.Connection, path: Path, is_new: bool) -> None:
    # Any read of the schema fails on a non-SQLite file ("file is not a database").
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    if is_new or (app_id == 0 and tables == 0):
        return
    if app_id != APPLICATION_ID:
        conn.close()
        raise NotAStoreError(
            f"{path}: this SQLite file is not a lifecycle store (it has other tables). "
            "Pick another file with --db, or create a new store with `lifecycle init`."
        )
