"""Store.alone_without_wal: a big write leaves WAL only when no one else has the store open,
always comes back to WAL, and a second command meanwhile is told the store is busy."""

from __future__ import annotations

import sqlite3

import pytest
from import_helpers import IMPORT_AT, snapshot

from lifecycle_tui.importers import ImportRefused, engine, import_file
from lifecycle_tui.store import StoreError, connection, open_store


def _journal(path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        conn.close()


def test_alone_the_write_uses_the_rollback_journal_and_wal_comes_back(store):
    with store.alone_without_wal() as switched:
        assert switched
        assert store.scalar("PRAGMA journal_mode") == "delete"
        assert store.scalar("PRAGMA busy_timeout") == connection.BUSY_TIMEOUT_MS
        assert store.scalar("PRAGMA synchronous") == 2  # FULL: NORMAL is safe only with WAL
        with store.transaction():
            store.conn.execute("INSERT INTO settings VALUES ('x', '1', 'now')")
    assert store.scalar("PRAGMA journal_mode") == "wal"
    assert store.scalar("PRAGMA synchronous") == 1  # NORMAL, as open_store sets it
    assert _journal(store.path) == "wal"


def test_with_another_connection_open_wal_stays_and_nothing_waits(store):
    other = sqlite3.connect(store.path)
    try:
        other.execute("SELECT count(*) FROM customers").fetchone()
        with store.alone_without_wal() as switched:
            assert not switched
            assert store.scalar("PRAGMA journal_mode") == "wal"
            with store.transaction():
                store.conn.execute("INSERT INTO settings VALUES ('x', '1', 'now')")
            # WAL lets the other connection read throughout.
            assert other.execute("SELECT value FROM settings WHERE key = 'x'").fetchone() == ("1",)
    finally:
        other.close()
    assert store.scalar("PRAGMA journal_mode") == "wal"


def test_inside_a_transaction_nothing_is_switched(store):
    with store.transaction():
        with store.alone_without_wal() as switched:
            assert not switched
    assert store.scalar("PRAGMA journal_mode") == "wal"


def test_a_second_command_during_the_big_write_is_told_the_store_is_busy(store, monkeypatch):
    monkeypatch.setattr(connection, "BUSY_TIMEOUT_MS", 50)
    with store.alone_without_wal() as switched:
        assert switched
        store.conn.execute("BEGIN EXCLUSIVE")  # as a bulk load holds it once its pages spill
        try:
            with pytest.raises(StoreError, match="the store is busy") as exc:
                open_store(store.path)
            assert "not a lifecycle store" not in str(exc.value)
        finally:
            store.conn.execute("ROLLBACK")


def _orders_file(tmp_path, rows: int, bad_line: int | None = None):
    lines = ["order_id,customer_id,email,placed_at,total,currency,status"]
    lines += [f"J{i},C{i // 7},c{i // 7}@example.com,2025-03-{1 + i % 28:02d} 10:00:00,{i}.50,EUR,paid" for i in range(rows)]
    if bad_line is not None:
        lines[bad_line - 1] = "J-bad,C1,c1@example.com,2025-02-30 10:00:00,1.00,EUR,paid"
    src = tmp_path / "orders.csv"
    src.write_text("\n".join(lines) + "\n")
    return src


@pytest.mark.parametrize("bulk", [True, False])
def test_a_large_import_alone_ends_in_wal_with_every_row(store, tmp_path, monkeypatch, bulk):
    monkeypatch.setattr(engine, "LARGE_FILE_BYTES", 0)
    monkeypatch.setattr(engine, "BULK_MIN_BYTES", 0 if bulk else 1 << 62)
    seen = []
    real = store.alone_without_wal

    def spy():
        cm = real()
        seen.append(cm)
        return cm

    monkeypatch.setattr(store, "alone_without_wal", spy)
    report = import_file(store, _orders_file(tmp_path, 300), "orders", at=IMPORT_AT, batch_rows=50)
    assert seen, "a large import goes through alone_without_wal"
    assert (report.inserted, report.customers_created) == (300, 43)
    assert store.scalar("SELECT count(*) FROM orders") == 300
    assert store.scalar("PRAGMA journal_mode") == "wal"


def test_a_refused_large_import_without_wal_changes_nothing(store, tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "LARGE_FILE_BYTES", 0)
    monkeypatch.setattr(engine, "BULK_MIN_BYTES", 0)
    import_file(store, _orders_file(tmp_path, 40), "orders", at=IMPORT_AT)
    before = snapshot(store)
    (tmp_path / "more").mkdir()
    with pytest.raises(ImportRefused, match="line 250, column 'placed_at'"):
        import_file(store, _orders_file(tmp_path / "more", 400, bad_line=250), "orders", at=IMPORT_AT, batch_rows=50)
    assert snapshot(store) == before
    assert store.scalar("PRAGMA journal_mode") == "wal"


def test_the_cli_meanwhile_exits_1_saying_the_store_is_busy(cli, store, monkeypatch):
    monkeypatch.setattr(connection, "BUSY_TIMEOUT_MS", 50)
    with store.alone_without_wal():
        store.conn.execute("BEGIN EXCLUSIVE")
        try:
            result = cli("customers", "list", "--json")
        finally:
            store.conn.execute("ROLLBACK")
    assert result.exit_code == 1
    assert "the store is busy" in result.output and "Traceback" not in result.output
    assert cli("customers", "list", "--json").exit_code == 0  # and fine once the import is done
