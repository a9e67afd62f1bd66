"""The bulk path for large generic order files (tuples, parsing in a forked process) behaves
exactly like the one-row path: same rows, same rejections, same counts, same refusals.

Files here are small; ``BULK_MIN_BYTES`` is lowered so they take the bulk path, once with the
forked reading process and once in-process.
"""

from __future__ import annotations

import pytest
from import_helpers import FIXTURES, IMPORT_AT, snapshot

from lifecycle_tui.bootstrap import init_store
from lifecycle_tui.importers import ImportRefused, bulk, engine, import_file
from lifecycle_tui.store import open_store

MIXED = (
    "order_id,customer_id,email,placed_at,total,currency,status,note\n"
    "A1,C1,a@example.com,2025-01-10 12:00:00,49.90,EUR,paid,\n"
    " A2 ,C1, a@example.com , 2025-01-10 12:00:00 ,49.9,eur,Paid,gift\n"
    "A3,,B@Example.com,2025-01-11T08:00:00+02:00,\"1,234.50\",,,\n"
    "A4,C2,,2025-02-30 10:00:00,1.00,EUR,paid,\n"  # no such date
    "A5,C3,c@example.com,2025-03-01 10:00:00,ten,EUR,paid,\n"  # no amount
    "A6,'C4,,2025-03-02,7,USD,refunded,\n"
    "A1,C1,a@example.com,2025-01-10 12:00:00,59.90,EUR,fulfilled,\n"  # repeats A1: an update
    "\n"
    'A7,C5,"multi\nline@example.com",2025-03-03 10:00:00,3.00,EUR,paid,x\n'
    "A8,C5,,2025-03-04 10:00:00,4.00,EUR,nonsense,\n"  # unknown status
) + "".join(f"B{i},C{i % 5},,2025-04-{1 + i % 28:02d} 09:00:00,{i}.05,EUR,paid,\n" for i in range(40))


@pytest.fixture(params=["fork", "in-process"])
def bulk_mode(request, monkeypatch):
    monkeypatch.setattr(engine, "BULK_MIN_BYTES", 0)
    if request.param == "in-process":
        monkeypatch.setattr(engine, "can_fork", lambda: False)
    elif not bulk.can_fork():
        pytest.skip("no fork here")
    return request.param


def _import(db, path, **kw):
    with open_store(db) as store:
        try:
            return import_file(store, path, "orders", at=IMPORT_AT, **kw), snapshot(store)
        except ImportRefused as exc:
            return exc, snapshot(store)


def _fresh_db(tmp_path, name):
    db = tmp_path / name
    init_store(db)
    return db


def _row_path_result(tmp_path, src, monkeypatch, **kw):
    with monkeypatch.context() as m:
        m.setattr(engine, "BULK_MIN_BYTES", 1 << 62)
        return _import(_fresh_db(tmp_path, "row.db"), src, **kw)


def test_bulk_and_row_paths_agree_on_a_mixed_file(tmp_path, bulk_mode, monkeypatch):
    src = tmp_path / "o.csv"
    src.write_text(MIXED)
    bulk_report, bulk_tables = _import(_fresh_db(tmp_path, "bulk.db"), src, skip_invalid=True, batch_rows=7)
    row_report, row_tables = _row_path_result(tmp_path, src, monkeypatch, skip_invalid=True, batch_rows=7)
    assert bulk_report.to_json() == row_report.to_json()
    assert bulk_tables == row_tables
    assert [(r.line, r.column) for r in bulk_report.rejected] == [(5, "placed_at"), (6, "total"), (12, "status")]
    assert (bulk_report.inserted, bulk_report.updated) == (45, 1)
    assert bulk_report.unknown_columns == ["note"]


def test_bulk_refusal_names_line_and_column_and_changes_nothing(tmp_path, bulk_mode, monkeypatch):
    src = tmp_path / "o.csv"
    src.write_text(MIXED)
    db = _fresh_db(tmp_path, "bulk.db")
    with open_store(db) as store:
        before = snapshot(store)
    refused, after = _import(db, src, batch_rows=3)
    assert isinstance(refused, ImportRefused)
    assert "line 5, column 'placed_at'" in str(refused) and refused.rejected[0]["line"] == 5
    assert after == before
    row_refused, _ = _row_path_result(tmp_path, src, monkeypatch, batch_rows=3)
    assert str(refused) == str(row_refused)


def test_bulk_duplicates_across_batches_update_the_first_row(tmp_path, bulk_mode):
    lines = ["order_id,customer_id,placed_at,total"] + [f"B{i},C{i % 7},2025-01-01,{i}" for i in range(50)]
    lines.append("B3,C3,2025-01-02,99")  # repeats an order of an earlier batch
    src = tmp_path / "o.csv"
    src.write_text("\n".join(lines) + "\n")
    report, tables = _import(_fresh_db(tmp_path, "bulk.db"), src, batch_rows=10)
    assert (report.inserted, report.updated, report.customers_created) == (50, 1, 7)
    totals = {r[1]: r[4] for r in tables["orders"]}
    assert len(totals) == 50 and totals["B3"] == 9900


def test_bulk_dry_run_then_reimport_is_unchanged(tmp_path, bulk_mode):
    src = tmp_path / "o.csv"
    src.write_text(MIXED)
    db = _fresh_db(tmp_path, "bulk.db")
    with open_store(db) as store:
        before = snapshot(store)
    dry, after = _import(db, src, skip_invalid=True, dry_run=True, batch_rows=5)
    assert dry.dry_run and dry.inserted == 45 and after == before
    first, tables = _import(db, src, skip_invalid=True, batch_rows=5)
    assert first.to_json() | {"dry_run": True} == dry.to_json()
    again, tables_again = _import(db, src, skip_invalid=True, batch_rows=5)
    # A1 appears twice (two totals): its rows update it back and forth, which nets to unchanged.
    assert (again.inserted, again.updated, again.unchanged, again.customers_created) == (0, 0, 46, 0)
    assert any("earlier row of this file" in n for n in again.notes)
    assert tables_again == tables


def test_bulk_unreadable_csv_is_refused_with_its_line(tmp_path, bulk_mode):
    src = tmp_path / "o.csv"
    src.write_text("order_id,customer_id,placed_at,total\nA1,C1,2025-01-01,1\nA2,C1,2025-01-01,\"" + "x" * 200_000 + "\"\n")
    refused, tables = _import(_fresh_db(tmp_path, "bulk.db"), src, batch_rows=1)
    assert isinstance(refused, ImportRefused) and "line 3" in str(refused)
    assert tables["orders"] == []


def test_bulk_progress_reaches_the_file_size(tmp_path, bulk_mode):
    src = tmp_path / "o.csv"
    src.write_text(MIXED)
    seen = []
    with open_store(_fresh_db(tmp_path, "bulk.db")) as store:
        import_file(store, src, "orders", at=IMPORT_AT, skip_invalid=True, batch_rows=10,
                    progress=lambda done, total: seen.append((done, total)))
    size = src.stat().st_size
    assert len(seen) >= 3 and seen[-1] == (size, size)
    assert all(a <= b for (a, _), (b, _) in zip(seen, seen[1:]))


def test_bulk_fixture_file_matches_row_path(tmp_path, bulk_mode, monkeypatch):
    src = FIXTURES / "generic_orders.csv"
    bulk_report, bulk_tables = _import(_fresh_db(tmp_path, "bulk.db"), src)
    row_report, row_tables = _row_path_result(tmp_path, src, monkeypatch)
    assert bulk_report.to_json() == row_report.to_json() and bulk_tables == row_tables


@pytest.mark.parametrize("start", [1, 2])
def test_reference_check_finds_an_order_without_its_customer(store, start):
    conn = store.conn
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("INSERT INTO customers (id, customer_id) VALUES (1, 'C1')")
    conn.execute("INSERT INTO orders (id, order_id, customer_id, placed_at, total_cents, currency) VALUES (1, 'O1', 1, 'x', 1, 'EUR')")
    starts = {t: start for t in engine._CHECKED}
    engine._check_references(conn, starts)  # all fine
    conn.execute("INSERT INTO orders (id, order_id, customer_id, placed_at, total_cents, currency) VALUES (2, 'O2', 99, 'x', 1, 'EUR')")
    with pytest.raises(ImportRefused, match="orders rows without their parent"):
        engine._check_references(conn, starts)


def test_bulk_batches_of_several_statements_match_row_path(tmp_path, bulk_mode, monkeypatch):
    # Batches of 400 rows are written as several many-row INSERT statements and a remainder;
    # the repeated order sits in the middle of a later batch's second statement.
    lines = ["order_id,customer_id,email,placed_at,total,currency,status"]
    lines += [f"N{i},C{i % 97},c{i % 97}@example.com,2025-0{1 + i % 9}-1{i % 10} 10:00:00,{i}.{i % 100:02d},EUR,paid" for i in range(1000)]
    lines.insert(700, "N5,C5,c5@example.com,2025-05-05 10:00:00,1.00,EUR,refunded")
    src = tmp_path / "o.csv"
    src.write_text("\n".join(lines) + "\n")
    bulk_report, bulk_tables = _import(_fresh_db(tmp_path, "bulk.db"), src, batch_rows=400)
    row_report, row_tables = _row_path_result(tmp_path, src, monkeypatch, batch_rows=400)
    assert bulk_report.to_json() == row_report.to_json() and bulk_tables == row_tables
    assert (bulk_report.inserted, bulk_report.updated, bulk_report.customers_created) == (1000, 1, 97)
    assert [r[1] for r in bulk_tables["orders"]][:3] == ["N0", "N1", "N2"]
    assert next(r for r in bulk_tables["orders"] if r[1] == "N5")[6] == "refunded"


def test_batches_flag_the_first_repeated_order_id_and_every_batch_after(tmp_path):
    from lifecycle_tui.importers.canonical import ReadContext
    from lifecycle_tui.importers.reader import Table

    lines = ["order_id,customer_id,placed_at,total"] + [f"R{i},C1,2025-01-01,1" for i in range(20)]
    lines.insert(13, "R4,C1,2025-01-02,2")  # line 14 of the file: the third batch of five
    src = tmp_path / "o.csv"
    src.write_text("\n".join(lines) + "\n")
    with Table(src) as table:
        flags = [b[4] for b in bulk.order_batches(table, ReadContext(), 5)]
    assert flags == [False, False, True, True, True]


@pytest.mark.parametrize("repeat", [False, True])
def test_bulk_import_leaves_every_orders_index_in_place(tmp_path, bulk_mode, repeat):
    lines = ["order_id,customer_id,placed_at,total"] + [f"I{i},C{i % 3},2025-01-01,1" for i in range(30)]
    if repeat:
        lines.append("I2,C2,2025-01-02,2")
    src = tmp_path / "o.csv"
    src.write_text("\n".join(lines) + "\n")
    db = _fresh_db(tmp_path, "bulk.db")
    with open_store(db) as store:
        expected = sorted(r[0] for r in store.conn.execute("SELECT sql FROM sqlite_master WHERE tbl_name = 'orders'"))
    report, _ = _import(db, src, batch_rows=8)
    assert (report.inserted, report.updated) == (30, 1 if repeat else 0)
    with open_store(db) as store:
        assert sorted(r[0] for r in store.conn.execute("SELECT sql FROM sqlite_master WHERE tbl_name = 'orders'")) == expected
        with pytest.raises(Exception, match="UNIQUE"):
            store.conn.execute("INSERT INTO orders (order_id, customer_id, placed_at, total_cents, currency) VALUES ('I1', 1, 'x', 1, 'EUR')")


def test_a_bad_row_before_an_unreadable_record_is_what_the_refusal_names(tmp_path, bulk_mode, monkeypatch):
    src = tmp_path / "o.csv"
    src.write_text("order_id,customer_id,placed_at,total\nA1,C1,2025-01-01,ten\nA2,C1,2025-01-01,1\n"
                   'A3,C1,2025-01-01,"' + "x" * 200_000 + '"\n')
    refused, tables = _import(_fresh_db(tmp_path, "bulk.db"), src, batch_rows=3)
    row_refused, _ = _row_path_result(tmp_path, src, monkeypatch, batch_rows=3)
    assert isinstance(refused, ImportRefused) and "line 2, column 'total'" in str(refused)
    assert str(refused) == str(row_refused) and tables["orders"] == []


def test_a_file_sorted_by_customer_into_a_store_with_customers_matches_row_path(tmp_path, bulk_mode, monkeypatch):
    # The bulk resolver takes only the first row of each unknown customer id through the
    # customer look-up. Here customers run across batch boundaries, some are already in the
    # store (with another email, which must stay), and a later row of a customer brings an
    # email its first row lacked (the customer keeps the first row's).
    customers = tmp_path / "c.csv"
    customers.write_text("customer_id,email,first_name\nK3,old3@example.com,Kim\nK8,old8@example.com,Lee\n")
    lines = ["order_id,customer_id,email,placed_at,total,currency,status"]
    for i in range(120):
        c = i // 9  # nine orders per customer: batches of 25 cut through customers
        email = "" if i % 9 == 0 and c % 2 else f"k{c}@example.com"
        lines.append(f"S{i},K{c},{email},2025-04-{1 + i % 28:02d} 09:00:00,{i}.25,EUR,paid")
    src = tmp_path / "o.csv"
    src.write_text("\n".join(lines) + "\n")

    def run(db):
        with open_store(db) as store:
            import_file(store, customers, "customers", at=IMPORT_AT)
        return _import(db, src, batch_rows=25)

    bulk_report, bulk_tables = run(_fresh_db(tmp_path, "bulk.db"))
    with monkeypatch.context() as m:
        m.setattr(engine, "BULK_MIN_BYTES", 1 << 62)
        row_report, row_tables = run(_fresh_db(tmp_path, "row.db"))
    assert bulk_report.to_json() == row_report.to_json() and bulk_tables == row_tables
    assert (bulk_report.inserted, bulk_report.customers_created) == (120, 12)
    by_key = {r[1]: r for r in bulk_tables["customers"]}
    assert by_key["K3"][2] == "old3@example.com"  # a known customer keeps its email
    assert by_key["K1"][2] is None and by_key["K2"][2] == "k2@example.com"


def test_a_few_new_customers_among_known_ones_match_row_path(tmp_path, bulk_mode, monkeypatch):
    # After the first batch most rows' customers are known; each later batch brings two new
    # ones (the writer then fills in just those rows), one of them twice.
    lines = ["order_id,customer_id,email,placed_at,total,currency,status"]
    for i in range(300):
        c = f"N{i}" if i % 40 in (7, 8) else f"N{i - 1}" if i % 40 == 9 else f"R{i % 10}"
        lines.append(f"F{i},{c},{c.lower()}@example.com,2025-05-{1 + i % 28:02d} 08:00:00,{i}.00,EUR,paid")
    src = tmp_path / "o.csv"
    src.write_text("\n".join(lines) + "\n")
    bulk_report, bulk_tables = _import(_fresh_db(tmp_path, "bulk.db"), src, batch_rows=40)
    row_report, row_tables = _row_path_result(tmp_path, src, monkeypatch, batch_rows=40)
    assert bulk_report.to_json() == row_report.to_json() and bulk_tables == row_tables
    assert bulk_report.customers_created == 10 + 2 * 8  # R0-R9, and two new ones in each of 8 batches


def test_a_refusal_lists_every_bad_row_as_the_row_path_does(tmp_path, bulk_mode, monkeypatch):
    src = tmp_path / "o.csv"
    src.write_text(MIXED)
    refused, tables = _import(_fresh_db(tmp_path, "bulk.db"), src, batch_rows=7)
    row_refused, _ = _row_path_result(tmp_path, src, monkeypatch, batch_rows=7)
    assert isinstance(refused, ImportRefused) and tables["orders"] == []
    assert [r["line"] for r in refused.rejected] == [5, 6, 12] and refused.rejected_total == 3
    assert str(refused) == str(row_refused) and refused.rejected == row_refused.rejected
    assert "2 more rows are bad too (lines 6, 12)." in str(refused)
