"""Backups: a consistent owner-only copy while the store is in use, and putting one back safely."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from datetime import datetime

import pytest

from lifecycle_tui.store import NotAStoreError, StoreError, open_store
from lifecycle_tui.store.backup import (
    backup_store, default_backup_path, inspect_backup, move_damaged_aside, restore_backup,
)

AT = datetime(2026, 12, 7, 9, 30, 5)


def add_customers(store, ids) -> None:
    with store.transaction() as conn:
        conn.executemany("INSERT INTO customers (customer_id, email) VALUES (?, ?)",
                         [(c, f"{c.lower()}@shop.example") for c in ids])


def customer_ids(path) -> list[str]:
    with open_store(path) as store:
        return [r[0] for r in store.conn.execute("SELECT customer_id FROM customers ORDER BY 1")]


def test_backup_beside_the_store_is_one_owner_only_file_with_the_data(store):
    add_customers(store, ["C1", "C2"])
    report = backup_store(store, at=AT)
    assert report.path == store.path.with_name("shop-backup-20261207-093005.db")
    assert stat.S_IMODE(os.stat(report.path).st_mode) == 0o600
    assert report.counts["customers"] == 2 and report.size_bytes == report.path.stat().st_size
    # One self-contained file: rollback journal, no -wal to carry along, nothing left half-named.
    copy = sqlite3.connect(report.path)
    assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    copy.close()
    assert sorted(p.name for p in store.path.parent.iterdir() if "backup" in p.name) == [report.path.name]
    assert customer_ids(report.path) == ["C1", "C2"]


def test_backup_into_a_folder_uses_the_default_name(store, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    report = backup_store(store, folder, at=AT)
    assert report.path == folder / default_backup_path(store.path, AT).name


def test_backup_sees_committed_writes_still_in_the_wal(store, tmp_path):
    """What another connection committed (still only in the -wal file) is in the copy."""
    with open_store(store.path) as other:
        add_customers(other, ["W1"])
        assert store.path.with_name("shop.db-wal").stat().st_size > 0
        report = backup_store(store, tmp_path / "copy.db", at=AT)
    assert customer_ids(report.path) == ["W1"]


def test_backup_refuses_the_store_itself_an_existing_file_and_a_missing_folder(store, tmp_path):
    with pytest.raises(StoreError, match="the store itself"):
        backup_store(store, store.path, at=AT)
    existing = tmp_path / "old.db"
    existing.write_text("keep me")
    with pytest.raises(StoreError, match="already exists"):
        backup_store(store, existing, at=AT)
    assert existing.read_text() == "keep me"
    with pytest.raises(StoreError, match="no such folder"):
        backup_store(store, tmp_path / "nowhere" / "b.db", at=AT)
    backup_store(store, existing, at=AT, overwrite=True)
    assert inspect_backup(existing, store.path)["customers"] == 0


def test_a_failed_backup_leaves_no_file_behind(store, tmp_path, monkeypatch):
    target = tmp_path / "b.db"

    def full_disk(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr("lifecycle_tui.store.backup._check_copy", full_disk)
    with pytest.raises(StoreError, match="disk is full.*nothing was saved"):
        backup_store(store, target, at=AT)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "shop.db" and not p.name.startswith("shop.db")) \
        == []


def test_restore_puts_the_backup_back_and_saves_the_store_as_it_was(store):
    add_customers(store, ["C1"])
    backup = backup_store(store, at=AT).path
    add_customers(store, ["C2", "C3"])
    report = restore_backup(store, backup, at=datetime(2026, 12, 7, 10, 0))
    assert report.restored["customers"] == 1 and report.migrated == []
    assert report.saved.path.name == "shop-before-restore-20261207-100000.db"
    assert customer_ids(store.path) == ["C1"]
    assert customer_ids(report.saved.path) == ["C1", "C2", "C3"]
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_an_open_connection_sees_the_restored_store(store):
    backup = backup_store(store, at=AT).path
    with open_store(store.path) as console:
        add_customers(console, ["LATE"])
        restore_backup(store, backup, at=AT.replace(hour=11))
        assert console.conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 0


def test_restore_brings_an_older_backup_up_to_the_current_schema(store, tmp_path):
    backup = backup_store(store, tmp_path / "old.db", at=AT).path
    old = sqlite3.connect(backup)
    old.execute("DROP INDEX orders_order_id")  # as stores were before migration 8
    old.execute("DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)")
    old.commit()
    old.close()
    newest = store.conn.execute("SELECT max(version) FROM schema_migrations").fetchone()[0]
    report = restore_backup(store, backup, at=AT)
    assert report.migrated == [newest]


@pytest.mark.parametrize("content, words", [
    (b"not a database at all, just text" * 200, "damaged"),
    (None, "another SQLite file"),
])
def test_restore_refuses_what_is_not_a_backup_and_changes_nothing(store, tmp_path, content, words):
    add_customers(store, ["KEEP"])
    source = tmp_path / "other.db"
    if content is None:
        other = sqlite3.connect(source)
        other.execute("CREATE TABLE notes (x)")
        other.close()
    else:
        source.write_bytes(content)
    with pytest.raises(NotAStoreError, match=words):
        restore_backup(store, source, at=AT)
    assert customer_ids(store.path) == ["KEEP"]
    assert not any("before-restore" in p.name for p in tmp_path.iterdir())


def test_restore_refuses_a_missing_file_the_store_itself_and_a_newer_schema(store, tmp_path):
    with pytest.raises(StoreError, match="no such backup file"):
        restore_backup(store, tmp_path / "none.db", at=AT)
    with pytest.raises(StoreError, match="the store itself"):
        restore_backup(store, store.path, at=AT)
    newer = backup_store(store, tmp_path / "newer.db", at=AT).path
    conn = sqlite3.connect(newer)
    conn.execute("INSERT INTO schema_migrations VALUES (9999, 'future', '2030-01-01')")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer version"):
        restore_backup(store, newer, at=AT)


def test_backup_while_another_thread_writes_is_one_consistent_moment(store, tmp_path):
    """Every batch a writer commits is in the copy whole or not at all."""
    stop = threading.Event()

    def writer() -> None:
        with open_store(store.path) as other:
            batch = 0
            while not stop.is_set():
                add_customers(other, [f"B{batch:04d}-{i}" for i in range(10)])
                batch += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        reports = [backup_store(store, tmp_path / f"b{i}.db", at=AT) for i in range(5)]
    finally:
        stop.set()
        thread.join()
    for report in reports:
        assert report.counts["customers"] % 10 == 0


def test_prune_keeps_the_newest_and_never_the_one_just_made(store, tmp_path):
    from lifecycle_tui.store.backup import prune_backups

    made = [backup_store(store, tmp_path, at=datetime(2026, 1, d, 8, 0)).path for d in (1, 2, 3)]
    # A clock set back: the backup just made sorts as the oldest, and still stays.
    assert prune_backups(store.path, tmp_path, 1, just_made=made[0]) == [made[1]]
    assert made[0].exists() and made[2].exists()
    with pytest.raises(ValueError):
        prune_backups(store.path, tmp_path, 0)


def test_a_damaged_store_is_moved_aside_with_its_companions_not_deleted(tmp_path):
    damaged = tmp_path / "shop.db"
    damaged.write_text("not a database")
    (tmp_path / "shop.db-wal").write_bytes(b"wal pages")
    (tmp_path / "notes.txt").write_text("mine")
    aside = move_damaged_aside(damaged, AT)
    assert aside == tmp_path / "shop-damaged-20261207-093005.db"
    assert aside.read_text() == "not a database"
    assert (tmp_path / "shop-damaged-20261207-093005.db-wal").read_bytes() == b"wal pages"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "notes.txt", "shop-damaged-20261207-093005.db", "shop-damaged-20261207-093005.db-wal"]
