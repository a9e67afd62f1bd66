"""Backups of a store: a consistent single-file copy taken while others use it, and putting one back.

:func:`backup_store` copies the store with SQLite's online backup API: one read transaction,
so the copy is the store as of one moment even while the console or a run writes to it (a
plain ``cp`` of a WAL store can miss the ``-wal`` file's pages and copy a half-written state).
The copy is written under a temporary name, made owner-only before its first byte, switched
to the rollback journal (one self-contained file, no ``-wal`` beside it), checked with
``PRAGMA quick_check`` and only then renamed into place: a full disk or a kill leaves the old
file, never a half-written backup under the name asked for.

:func:`restore_backup` puts a backup back into a store: the source is checked first (a lifecycle
store, undamaged, not from a newer version of this program), the store as it is now is saved
beside it as a backup of its own, and the copy replaces the store's pages in one step, so
everyone with the store open sees either the old or the restored store, never a mix. An older
backup is brought up to the current schema afterwards.

The outbox folder's files (copies of sent messages) are not part of a backup; the messages
table that records them is.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from glob import escape as glob_escape
from pathlib import Path

from lifecycle_tui.store.connection import APPLICATION_ID, NotAStoreError, Store, StoreError
from lifecycle_tui.store.targets import STORE_FILE_SUFFIXES, check_output_file, same_file
from lifecycle_tui.wording import counted

# Shown in the report so the owner can see at a glance that the copy holds their shop.
COUNTED_TABLES = ("customers", "orders", "events", "messages")


@dataclass(frozen=True)
class BackupReport:
    """What a backup holds: where it is, its size and how many rows of the main tables."""

    path: Path
    size_bytes: int
    counts: dict[str, int]

    def summary(self) -> str:
        return f"{self.path} ({_size(self.size_bytes)}: {describe_counts(self.counts)})"

    def to_json(self) -> dict:
        return {"path": str(self.path), "bytes": self.size_bytes, **self.counts}


@dataclass(frozen=True)
class RestoreReport:
    """A restore: what was put back, and where the store as it was before went."""

    source: Path
    saved: BackupReport | None  # None: there was no store before (nothing to save)
    restored: dict[str, int]
    migrated: list[int]

    def to_json(self) -> dict:
        return {
            "restored_from": str(self.source),
            "previous_saved_to": None if self.saved is None else str(self.saved.path),
            "migrated": self.migrated,
            **self.restored,
        }


def describe_counts(counts: dict[str, int]) -> str:
    """``3,000 customers, 4,173 orders, ...``: what a store or backup holds, in words."""
    return ", ".join(counted(n, table[:-1]) for table, n in counts.items())


def default_backup_path(store_path: Path, at: datetime, *, label: str = "backup") -> Path:
    """``<store>-backup-YYYYMMDD-HHMMSS.db`` beside the store (``at``: the machine's local time)."""
    return store_path.with_name(f"{store_path.stem}-{label}-{at:%Y%m%d-%H%M%S}.db")


def backups_beside(store_path: Path, folder: Path | None = None) -> list[Path]:
    """The backups of this store with the default name in ``folder`` (default: beside the store),
    newest first (the name sorts by time)."""
    folder = store_path.parent if folder is None else folder
    return sorted(folder.glob(f"{glob_escape(store_path.stem)}-backup-????????-??????.db"), reverse=True)


def prune_backups(store_path: Path, folder: Path, keep: int, *, just_made: Path | None = None) -> list[Path]:
    """Delete all but the ``keep`` newest default-named backups of this store in ``folder``; returns
    the files deleted. Files with other names (a backup you named yourself) are never touched, nor
    ``just_made`` (newest by name unless the clock was set back since the others were made)."""
    if keep < 1:
        raise ValueError("keep at least one backup")
    removed = []
    for old in backups_beside(store_path, folder)[keep:]:
        if just_made is not None and same_file(old, just_made):
            continue
        try:
            old.unlink()
            removed.append(old)
        except OSError:
            pass  # still there: the next prune tries again
    return removed


def backup_store(store: Store, dest: str | os.PathLike | None = None, *, at: datetime,
                 overwrite: bool = False, label: str = "backup") -> BackupReport:
    """Copy ``store`` to ``dest`` (a file, a folder to put the default name in, or None: beside the store).

    Refuses (:class:`StoreError`, nothing written) the store's own file, an existing file
    unless ``overwrite``, and a folder that does not exist.
    """
    target = _target(store.path, dest, at, label)
    check_output_file(target, store.path, overwrite=overwrite, what="the backup")
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    _remove(partial)
    try:
        os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        copy = sqlite3.connect(partial, isolation_level=None)
        try:
            store.conn.backup(copy)  # all pages in one step: one consistent snapshot
            copy.execute("PRAGMA journal_mode = DELETE")
            _check_copy(copy, target)
            counts = _counts(copy)
        finally:
            copy.close()
        os.replace(partial, target)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{target}: the backup could not be written ({exc}); nothing was saved.") from None
    except OSError as exc:
        raise StoreError(f"{target}: the backup could not be written ({exc.strerror}); nothing was saved.") from None
    finally:
        _remove(partial)
    return BackupReport(target, target.stat().st_size, counts)


def restore_backup(store: Store, source: str | os.PathLike, *, at: datetime,
                   save_current: bool = True) -> RestoreReport:
    """Replace ``store``'s contents with the backup at ``source``, saving the current store first
    (``save_current=False``: the store was only just created for the restore, there is nothing to save).

    The caller holds the store's dispatch lock (a run must not be half-way through when its
    store is swapped). Raises :class:`StoreError` (store unchanged) when ``source`` is missing,
    is the store itself, is not a lifecycle store, is damaged or was made by a newer version.
    """
    from lifecycle_tui.store.migrations import apply_migrations

    source = Path(source)
    backup = _open_backup(source, store.path)
    try:
        saved = backup_store(store, at=at, label="before-restore") if save_current else None
        try:
            backup.backup(store.conn)  # the store's pages replaced under one write lock
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{store.path}: the backup could not be restored ({exc}); the store is unchanged.") \
                from None
    finally:
        backup.close()
    store.conn.execute("PRAGMA journal_mode = WAL")
    migrated = apply_migrations(store)
    return RestoreReport(source, saved, _counts(store.conn), migrated)


def move_damaged_aside(store_path: Path, at: datetime) -> Path:
    """Rename a store file that cannot be opened (and SQLite's files beside it, keeping their
    suffixes so they still belong together) to ``<store>-damaged-<time>.db``, so a backup can
    be restored in its place without deleting anything. Returns the new name."""
    aside = default_backup_path(store_path, at, label="damaged")
    for suffix in STORE_FILE_SUFFIXES:
        companion = Path(str(store_path) + suffix)
        if companion.exists():
            os.replace(companion, Path(str(aside) + suffix))
    return aside


def inspect_backup(source: str | os.PathLike, store_path: Path) -> dict[str, int]:
    """What the backup at ``source`` holds (rows per main table), after the checks a restore makes."""
    conn = _open_backup(Path(source), store_path)
    try:
        return _counts(conn)
    finally:
        conn.close()


def _open_backup(source: Path, store_path: Path) -> sqlite3.Connection:
    """``source`` opened read-only, once it is known to be a restorable backup for ``store_path``."""
    from lifecycle_tui.store.migrations import discover

    if not source.is_file():
        raise StoreError(f"{source}: no such backup file.")
    if same_file(source, store_path):
        raise StoreError(f"{source}: that is the store itself; name the backup file to restore.")
    conn = _open_read_only(source)
    newest_known = discover()[-1].version
    made_by = conn.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] or 0
    if made_by > newest_known:
        conn.close()
        raise StoreError(f"{source}: made by a newer version of lifecycle_tui (schema {made_by}, this one "
                         f"knows {newest_known}); upgrade before restoring it.")
    return conn


def _target(store_path: Path, dest, at: datetime, label: str) -> Path:
    default = default_backup_path(store_path, at, label=label)
    if dest is None:
        return default
    dest = Path(dest).expanduser()
    return dest / default.name if dest.is_dir() else dest


def _open_read_only(source: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        if app_id != APPLICATION_ID:
            raise NotAStoreError(f"{source}: not a lifecycle store backup (another SQLite file); nothing restored.")
        _check_copy(conn, source)
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'schema_migrations'").fetchone():
            raise NotAStoreError(f"{source}: not a lifecycle store backup (no schema record); nothing restored.")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise NotAStoreError(f"{source}: not a lifecycle store backup, or the file is damaged ({exc}).") from None
    except StoreError:
        conn.close()
        raise
    return conn


def _check_copy(conn: sqlite3.Connection, path: Path) -> None:
    verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
    if verdict != "ok":
        raise NotAStoreError(f"{path}: the file is damaged ({verdict}).")


def _counts(conn: sqlite3.Connection) -> dict[str, int]:
    present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] if t in present else 0
            for t in COUNTED_TABLES}


def _remove(path: Path) -> None:
    for suffix in ("", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def _size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n} bytes"
