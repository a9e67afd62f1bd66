"""CLI: `lifecycle backup [FILE]` and `lifecycle restore FILE` (text, --json, confirmation, exit codes)."""

from __future__ import annotations

import json

from lifecycle_tui.store import open_store


def customer_count(path) -> int:
    with open_store(path) as store:
        return store.conn.execute("SELECT count(*) FROM customers").fetchone()[0]


def add_customer(path, cid: str) -> None:
    with open_store(path) as store, store.transaction() as conn:
        conn.execute("INSERT INTO customers (customer_id, email) VALUES (?, ?)", (cid, f"{cid}@shop.example"))


def test_backup_prints_where_and_what_and_how_to_restore(cli, db_path):
    add_customer(db_path, "C1")
    result = cli("backup")
    assert result.exit_code == 0, result.output
    made = [p for p in db_path.parent.iterdir() if p.name.startswith("shop-backup-")]
    assert len(made) == 1
    assert f"Backed up to {made[0]} (" in result.stdout and ": 1 customer, 0 orders," in result.stdout
    assert f"lifecycle --db {db_path} restore {made[0]}" in result.stdout


def test_backup_json_shape_and_refusal_of_an_existing_file(cli, tmp_path):
    target = tmp_path / "copy.db"
    data = cli.json("backup", str(target))
    assert set(data) == {"path", "bytes", "customers", "orders", "events", "messages", "pruned"}
    assert data["pruned"] == []
    assert data["path"] == str(target) and data["bytes"] == target.stat().st_size
    again = cli("backup", str(target))
    assert again.exit_code == 1 and "already exists" in again.stderr and "--force" in again.stderr
    assert cli("backup", str(target), "--force").exit_code == 0


def test_restore_asks_first_and_no_means_unchanged(cli, db_path, tmp_path):
    backup = tmp_path / "b.db"
    cli.json("backup", str(backup))
    add_customer(db_path, "AFTER")
    refused = cli("restore", str(backup), input="n\n")
    assert refused.exit_code == 1 and "not confirmed" in refused.stderr
    assert "b.db holds 0 customers" in refused.stderr
    assert customer_count(db_path) == 1
    no_terminal = cli("restore", str(backup))
    assert no_terminal.exit_code == 1 and "Pass --yes" in no_terminal.stderr
    assert customer_count(db_path) == 1


def test_restore_yes_replaces_the_store_and_says_where_the_old_one_went(cli, db_path, tmp_path):
    backup = tmp_path / "b.db"
    cli.json("backup", str(backup))
    add_customer(db_path, "AFTER")
    result = cli("restore", str(backup), input="y\n")
    assert result.exit_code == 0, result.output
    assert "Restored" in result.stdout and "The store as it was is saved in" in result.stdout
    assert customer_count(db_path) == 0
    saved = [p for p in tmp_path.iterdir() if p.name.startswith("shop-before-restore-")]
    assert len(saved) == 1 and customer_count(saved[0]) == 1


def test_restore_json_into_a_new_store_file_needs_no_confirmation(cli, tmp_path):
    from lifecycle_tui.cli.main import app

    backup = tmp_path / "b.db"
    cli.json("backup", str(backup))
    fresh = tmp_path / "elsewhere" / "new.db"
    result = cli.runner.invoke(app, ["--db", str(fresh), "restore", str(backup), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["restored_from"] == str(backup) and data["previous_saved_to"] is None
    assert data["migrated"] == [] and data["customers"] == 0
    assert fresh.stat().st_mode & 0o077 == 0


def test_restore_over_a_damaged_store_moves_the_damaged_file_aside(cli, db_path, tmp_path):
    backup = tmp_path / "b.db"
    add_customer(db_path, "KEPT")
    cli.json("backup", str(backup))
    db_path.write_text("customer_id,email\nC1,a@b.example\n")  # a CSV written over the store
    assert cli("customers", "list").exit_code == 1  # the store cannot be opened
    refused = cli("restore", str(backup), input="n\n")
    assert refused.exit_code == 1 and "damaged" in refused.stderr and "moved aside, not deleted" in refused.stderr
    assert db_path.read_text().startswith("customer_id,")  # untouched

    data = cli.json("restore", str(backup), "--yes")
    assert data["previous_was_damaged"] is True and data["customers"] == 1
    aside = tmp_path / data["previous_saved_to"]
    assert aside.name.startswith("shop-damaged-") and aside.read_text().startswith("customer_id,")
    assert customer_count(db_path) == 1


def test_restore_refuses_to_replace_an_sqlite_file_of_another_program(cli, tmp_path):
    import sqlite3

    from lifecycle_tui.cli.main import app

    backup = tmp_path / "b.db"
    cli.json("backup", str(backup))
    other = tmp_path / "accounts.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE ledger (x)")
    result = cli.runner.invoke(app, ["--db", str(other), "restore", str(backup), "--yes"])
    assert result.exit_code == 1 and "not a lifecycle store" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("accounts")) == ["accounts.db"]


def test_restore_refuses_a_file_that_is_not_a_backup(cli, db_path, tmp_path):
    junk = tmp_path / "orders.csv"
    junk.write_text("order_id,total\nA1,10\n")
    result = cli("restore", str(junk), "--yes")
    assert result.exit_code == 1 and "orders.csv: not a lifecycle store backup" in result.stderr
    missing = cli("restore", str(tmp_path / "gone.db"), "--yes")
    assert missing.exit_code == 1 and "no such backup file" in missing.stderr


def test_restore_refused_while_a_dispatch_run_holds_the_store(cli, db_path, tmp_path):
    import subprocess
    import sys

    backup = tmp_path / "b.db"
    cli.json("backup", str(backup))
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\n"
         "from lifecycle_tui.store import open_store\n"
         "from lifecycle_tui.automation.runlock import run_lock\n"
         f"with open_store({str(db_path)!r}) as s, run_lock(s):\n"
         "    print('held', flush=True); time.sleep(30)\n"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        add_customer(db_path, "KEEP")
        result = cli("restore", str(backup), "--yes")
        assert result.exit_code == 1 and "dispatch run is in progress" in result.stderr
        assert customer_count(db_path) == 1
    finally:
        holder.kill()
        holder.wait()


def test_keep_deletes_all_but_the_newest_default_named_backups_in_that_folder(cli, db_path, tmp_path):
    from datetime import datetime

    from lifecycle_tui.store.backup import backup_store

    folder = tmp_path / "backups"
    folder.mkdir()
    with open_store(db_path) as store:
        old = [backup_store(store, folder, at=datetime(2026, 1, day, 3, 0)).path for day in (1, 2, 3)]
    mine = folder / "shop-before-the-big-change.db"
    mine.write_bytes(old[0].read_bytes())
    result = cli("backup", str(folder), "--keep", "2")
    assert result.exit_code == 0, result.output
    assert "Deleted 2 older backups: shop-backup-20260102-030000.db, shop-backup-20260101-030000.db." \
        in " ".join(result.stdout.split())
    left = sorted(p.name for p in folder.iterdir())
    assert len(left) == 3 and old[2].name in left and mine.name in left
    data = cli.json("backup", str(folder / "named.db"), "--keep", "1")
    assert data["pruned"] == [str(old[2])] and mine.exists()  # named files are never pruned
    assert cli("backup", "--keep", "0").exit_code == 2
