"""``lifecycle import``: every kind, exit codes, --json shape, dry-run, refusal, help."""

from __future__ import annotations

import json

import pytest
from import_helpers import FIXTURES

from lifecycle_tui.store import open_store


@pytest.mark.parametrize(
    "kind, name, inserted",
    [("customers", "generic_customers.csv", 3), ("orders", "shopify_orders.csv", 3), ("events", "events.jsonl", 2)],
)
def test_import_each_kind_json(cli, kind, name, inserted):
    data = cli.json("import", kind, str(FIXTURES / name))
    assert {"inserted", "updated", "unchanged", "rejected", "file", "format", "unknown_columns"} <= set(data)
    assert data["inserted"] == inserted and data["rejected"] == []
    again = cli.json("import", kind, str(FIXTURES / name))
    assert again["inserted"] == 0 and again["updated"] == 0 and again["unchanged"] == inserted


def test_readable_summary(cli):
    result = cli("import", "customers", str(FIXTURES / "generic_customers.csv"))
    assert result.exit_code == 0
    assert "inserted" in result.stdout and "Loyalty Tier" in result.stdout


def test_bad_row_exits_1_names_line_and_column(cli):
    result = cli("import", "orders", str(FIXTURES / "bad_orders_multiline.csv"))
    assert result.exit_code == 1
    assert "line 5" in result.stderr and "total" in result.stderr and "Traceback" not in result.output
    assert cli.json("customers", "list") == []


def test_bad_row_json_lists_the_rejected_row(cli):
    result = cli("import", "orders", str(FIXTURES / "bad_orders_multiline.csv"), "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["inserted"] == 0 and data["rejected"][0]["line"] == 5 and data["rejected"][0]["column"] == "total"
    assert "Use --skip-invalid" in data["refused"] and "Use --skip-invalid" in result.stderr


@pytest.mark.parametrize("rows", [6, 30_000])  # one batch, and many (tests/importers/test_import_bulk.py: the bulk path)
def test_a_refused_file_lists_every_bad_row_not_just_the_first(cli, tmp_path, rows):
    src = tmp_path / "orders.csv"
    bad = {2: "-", rows // 2: "ten", rows: "12,5,0"}  # the file's lines with a bad total
    with src.open("w") as f:
        f.write("order_id,customer_id,email,placed_at,total,currency,status\n")
        for line in range(2, rows + 2):
            f.write(f"W{line},C{line % 97},c{line % 97}@example.com,2025-03-04 10:00:00,{bad.get(line, '9.50')},EUR,paid\n")
    result = cli("import", "orders", str(src))
    assert result.exit_code == 1
    err = " ".join(result.stderr.split())
    assert f"line 2, column 'total'" in err and f"2 more rows are bad too (lines {rows // 2}, {rows})." in err
    for line in bad:
        assert f"\n {line} " in result.stderr or f"\n{line} " in result.stderr  # the table of rejected rows
    data = json.loads(cli("import", "orders", str(src), "--json").stdout)
    assert [r["line"] for r in data["rejected"]] == sorted(bad) and data["rejected_total"] == 3
    assert cli.json("customers", "list") == []  # nothing written, not even the rows before the first bad one


def test_a_refusal_in_json_has_every_key_of_a_report(cli, tmp_path):
    """A script reads the same keys whether the import went through or was refused."""
    keys = set(cli.json("import", "customers", str(FIXTURES / "generic_customers.csv"), "--dry-run"))
    bad_row = cli("import", "orders", str(FIXTURES / "bad_orders_multiline.csv"), "--json")
    p = tmp_path / "c.csv"
    p.write_text("first_name\nAnn\n")  # no key column: refused at the header
    bad_header = cli("import", "customers", str(p), "--json")
    empty = tmp_path / "e.csv"
    empty.write_text("")
    for result, fmt in ((bad_row, "generic"), (bad_header, "generic"), (cli("import", "customers", str(empty), "--json"), "")):
        assert result.exit_code == 1
        data = json.loads(result.stdout)
        assert keys | {"refused"} == set(data) and data["format"] == fmt
        assert data["rejected_total"] == len(data["rejected"]) and data["inserted"] == data["updated"] == 0


def test_a_quote_never_closed_exits_1_even_with_skip_invalid(cli, tmp_path):
    # Not a bad row to skip: where the rows end is unknown, so the file is refused whole.
    p = tmp_path / "c.csv"
    p.write_text('customer_id,first_name,email\nC1,Ann,a@example.com\nC2,"Bob,b@example.com\nC3,Cy,c@example.com\n')
    result = cli("import", "customers", str(p), "--skip-invalid", "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["inserted"] == 0 and "line 3, column 'first_name': a quote opens in this cell" in data["refused"]
    assert cli.json("customers", "list") == []


def test_skip_invalid_exits_0_and_reports(cli):
    data = cli.json("import", "orders", str(FIXTURES / "bad_orders_multiline.csv"), "--skip-invalid")
    assert data["inserted"] == 1
    assert [(r["line"], r["column"]) for r in data["rejected"]] == [(5, "total"), (6, "placed_at")]


def test_dry_run_changes_nothing(cli):
    data = cli.json("import", "customers", str(FIXTURES / "shopify_customers.csv"), "--dry-run")
    assert data["dry_run"] is True and data["inserted"] == 2
    assert cli.json("customers", "list") == []


def test_format_option_and_bad_format(cli):
    data = cli.json("import", "orders", str(FIXTURES / "shopify_orders.csv"), "--format", "shopify")
    assert data["format"] == "shopify"
    assert cli("import", "orders", str(FIXTURES / "shopify_orders.csv"), "--format", "excel").exit_code == 2


def test_missing_and_unreadable_files_exit_1(cli, tmp_path):
    result = cli("import", "customers", str(tmp_path / "nope.csv"))
    assert result.exit_code == 1 and "no such file" in result.stderr
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    result = cli("import", "customers", str(empty))
    assert result.exit_code == 1 and "empty" in result.stderr
    result = cli("import", "customers", str(FIXTURES / "generic_orders.csv"))
    assert result.exit_code == 1 and "import it as orders instead" in result.stderr


def test_usage_errors_exit_2(cli):
    assert cli("import", "customers").exit_code == 2
    assert cli("import", "refunds", str(FIXTURES / "events.csv")).exit_code == 2


def test_imported_customer_shows_with_orders(cli):
    cli.json("import", "orders", str(FIXTURES / "shopify_orders.csv"))
    mia = cli.json("customers", "show", "mia@example.com")
    assert mia["orders"] == 1 and mia["revenue"] == 64.0


@pytest.mark.parametrize("kind", ["customers", "orders", "events"])
def test_help_text(cli, kind):
    result = cli("import", kind, "--help")
    assert result.exit_code == 0 and "--skip-invalid" in result.stdout and "--dry-run" in result.stdout


def test_committed_import_refreshes_metrics_dry_run_does_not(cli, db_path):
    from lifecycle_tui.store import open_store

    def metrics_as_of():
        with open_store(db_path) as s:
            return s.scalar("SELECT as_of FROM metrics_state WHERE id = 1")

    assert cli("--as-of", "2026-01-01", "import", "orders", str(FIXTURES / "shopify_orders.csv"), "--dry-run").exit_code == 0
    assert metrics_as_of() != "2026-01-01T00:00:00+00:00"
    assert cli("--as-of", "2026-01-01", "import", "orders", str(FIXTURES / "shopify_orders.csv")).exit_code == 0
    assert metrics_as_of() == "2026-01-01T00:00:00+00:00"
    with open_store(db_path) as s:
        assert s.scalar("SELECT count(*) FROM customer_metrics") == 3


def test_a_stand_in_for_no_date_refuses_an_order_by_line_and_column(cli, tmp_path):
    """An export's placeholder (the epoch, MySQL's zero date) is not taken as a real order date:
    the customer would otherwise look lapsed since 1970."""
    p = tmp_path / "orders.csv"
    p.write_text("order_id,customer_id,placed_at,total\nA1,C1,2025-01-10 12:00:00,10.00\n"
                 "A2,C1,1970-01-01 00:00:00,10.00\nA3,C2,0000-00-00 00:00:00,5.00\n")
    result = cli("import", "orders", str(p), "--json")
    assert result.exit_code == 1
    rejected = json.loads(result.stdout)["rejected"]
    assert (rejected[0]["line"], rejected[0]["column"]) == (3, "placed_at")
    assert "'1970-01-01 00:00:00' is too early to be real" in rejected[0]["reason"]
    assert cli.json("customers", "list") == []  # nothing written
    data = cli.json("import", "orders", str(p), "--skip-invalid")
    assert data["inserted"] == 1 and [(r["line"], r["column"]) for r in data["rejected"]] == [(3, "placed_at"), (4, "placed_at")]
    assert "'0000-00-00 00:00:00' is too early to be real" in data["rejected"][1]["reason"]


def test_a_stand_in_sign_up_date_leaves_the_customer_without_one(cli, tmp_path):
    """A WooCommerce guest's Sign Up of 0000-00-00 means no date: the customer is imported
    without one (and so starts no welcome series), not refused."""
    src = (FIXTURES / "woocommerce_customers.csv").read_text().splitlines()
    src[2] = src[2].replace("2024-05-02 09:00:00", "0000-00-00 00:00:00")
    p = tmp_path / "customers.csv"
    p.write_text("\n".join(src) + "\n")
    data = cli.json("import", "customers", str(p))
    assert data["rejected"] == [] and data["inserted"] == len(src) - 1
    with open_store(cli.db) as store:
        created = dict(store.conn.execute("SELECT email, created_at FROM customers").fetchall())
    assert created["tom@example.com"] is None
    assert created["ana@example.com"] == "2024-03-02T09:00:00+00:00"
