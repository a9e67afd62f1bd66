"""The store: creation, permissions, pragmas, identity checks, migrations."""

from __future__ import annotations

import os
import sqlite3
import stat

import pytest

from lifecycle_tui.store import NotAStoreError, StoreError, open_store
from lifecycle_tui.store.migrations import discover


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_new_store_is_owner_only_with_wal_and_foreign_keys(tmp_path):
    path = tmp_path / "new.db"
    with open_store(path, create=True) as s:
        s.conn.execute("INSERT INTO settings VALUES ('x', '1', 'now')")
        assert s.scalar("PRAGMA journal_mode") == "wal"
        assert s.scalar("PRAGMA foreign_keys") == 1
        assert s.scalar("PRAGMA busy_timeout") >= 1000
        for suffix in ("", "-wal", "-shm"):
            p = tmp_path / f"new.db{suffix}"
            if p.exists():
                assert mode(p) == 0o600, suffix


def test_missing_store_without_create_is_a_clear_error(tmp_path):
    with pytest.raises(StoreError, match="no store here"):
        open_store(tmp_path / "missing.db")


def test_text_file_is_not_a_store(tmp_path):
    p = tmp_path / "notes.db"
    p.write_text("hello, this is not sqlite\n" * 100)
    with pytest.raises(NotAStoreError, match="not a lifecycle store"):
        open_store(p)


def test_foreign_sqlite_file_is_refused_and_left_alone(tmp_path):
    p = tmp_path / "other.db"
    conn = sqlite3.connect(p)
    conn.execute("CREATE TABLE invoices (id INTEGER)")
    conn.commit()
    conn.close()
    with pytest.raises(NotAStoreError, match="not a lifecycle store"):
        open_store(p)
    conn = sqlite3.connect(p)
    assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["invoices"]


def test_every_migration_is_recorded_once(tmp_path):
    path = tmp_path / "m.db"
    with open_store(path, create=True) as s:
        versions = [r[0] for r in s.conn.execute("SELECT version FROM schema_migrations ORDER BY version")]
    assert versions == [m.version for m in discover()]
    with open_store(path) as s:  # reopening applies nothing twice
        assert s.scalar("SELECT count(*) FROM schema_migrations") == len(versions)


def test_old_store_is_upgraded_to_the_latest_schema(tmp_path):
    """A store made when only migration 1 existed gets every later migration on open."""
    path = tmp_path / "old.db"
    first = discover()[0]
    with open_store(path, create=True, migrate=False) as s:
        from lifecycle_tui.store.migrations import applied_versions

        applied_versions(s.conn)
        with s.transaction() as conn:
            first.up(conn)
            conn.execute("INSERT INTO schema_migrations VALUES (?, ?, 'then')", (first.version, first.name))
            conn.execute("INSERT INTO customers (customer_id, email) VALUES ('c1', 'a@b.co')")
    with open_store(path) as s:
        assert s.scalar("SELECT max(version) FROM schema_migrations") == discover()[-1].version
        assert s.scalar("SELECT email FROM customers WHERE customer_id='c1'") == "a@b.co"


def test_transaction_rolls_back_on_error(store):
    with pytest.raises(RuntimeError):
        with store.transaction() as conn:
            conn.execute("INSERT INTO customers (customer_id) VALUES ('x')")
            raise RuntimeError("boom")
    assert store.scalar("SELECT count(*) FROM customers") == 0


def test_the_default_as_of_of_an_unpinned_store_is_now_to_the_minute(tmp_path, monkeypatch):
    """Commands in one minute then share one metrics computation (the fingerprint still catches writes)."""
    from datetime import datetime, timezone

    from lifecycle_tui.bootstrap import init_store
    from lifecycle_tui.segments import ensure_metrics
    from lifecycle_tui.store import settings

    init_store(tmp_path / "s.db")
    with open_store(tmp_path / "s.db") as store:
        monkeypatch.setattr(settings, "utcnow", lambda: datetime(2026, 12, 7, 12, 34, 56, tzinfo=timezone.utc))
        first = settings.resolve_as_of(store, None)
        assert first == datetime(2026, 12, 7, 12, 34, tzinfo=timezone.utc)
        assert ensure_metrics(store, first) is not None
        monkeypatch.setattr(settings, "utcnow", lambda: datetime(2026, 12, 7, 12, 34, 59, tzinfo=timezone.utc))
        assert ensure_metrics(store, settings.resolve_as_of(store, None)) is None  # already current
        explicit = datetime(2026, 1, 1, 8, 30, 15, tzinfo=timezone.utc)
        assert settings.resolve_as_of(store, explicit) == explicit  # --as-of is taken to the second
