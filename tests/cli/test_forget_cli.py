"""CLI: `lifecycle customers forget ID` (confirmation, --suppress, --json, exit codes)."""

from __future__ import annotations

from lifecycle_tui.store import open_store


def add(db_path, *ids: str) -> None:
    with open_store(db_path) as store, store.transaction() as conn:
        conn.executemany("INSERT INTO customers (customer_id, email, email_norm, phone) VALUES (?, ?, ?, ?)",
                         [(c, f"{c}@shop.example", f"{c.lower()}@shop.example", "+49 151 0000 001") for c in ids])


def ids(db_path) -> list[str]:
    with open_store(db_path) as store:
        return [r[0] for r in store.conn.execute("SELECT customer_id FROM customers ORDER BY 1")]


def test_asks_first_says_what_goes_and_no_keeps_them(cli, db_path):
    add(db_path, "C1", "C2")
    refused = cli("customers", "forget", "C1", input="n\n")
    assert refused.exit_code == 1 and "not confirmed: nothing was removed" in refused.stderr
    assert "This removes customer C1 (no orders, events or messages)" in refused.stderr
    assert "Forget C1 (C1@shop.example)? This cannot be undone." in refused.stderr
    no_terminal = cli("customers", "forget", "C1")
    assert no_terminal.exit_code == 1 and "Pass --yes to forget them" in no_terminal.stderr
    assert ids(db_path) == ["C1", "C2"]


def test_yes_forgets_and_says_they_can_come_back_from_a_file(cli, db_path):
    add(db_path, "C1", "C2")
    result = cli("customers", "forget", "C1", input="y\n")
    assert result.exit_code == 0, result.output
    assert "Forgot customer C1" in result.stdout and "or forget with --suppress" in result.stdout
    assert ids(db_path) == ["C2"]
    again = cli("customers", "forget", "C1", "--yes")
    assert again.exit_code == 1 and "no customer 'C1' in this store" in again.stderr


def test_json_with_suppress_names_what_stays_on_the_list(cli, db_path):
    add(db_path, "C1")
    data = cli.json("customers", "forget", "C1@shop.example", "--yes", "--suppress")
    assert set(data) == {"customer_id", "removed", "files_removed", "files_left", "suppressed_before",
                         "suppressed_now"}
    assert data["customer_id"] == "C1" and data["suppressed_now"] == ["c1@shop.example", "+491510000001"]
    assert data["removed"]["orders"] == 0 and data["files_removed"] == 0
    assert ids(db_path) == []


def test_text_with_suppress_names_the_addresses_kept(cli, db_path):
    add(db_path, "C2")
    result = cli("customers", "forget", "C2", "--yes", "--suppress")
    assert result.exit_code == 0, result.output
    assert "Kept on the suppression list, so they are never messaged: c2@shop.example, +491510000001." \
        in " ".join(result.stdout.split())
