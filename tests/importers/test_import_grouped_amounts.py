"""A ';' file's `2.500` is read as thousands, as the European convention writes it, and the report says so."""

from __future__ import annotations

import pytest

from lifecycle_tui.importers import values as V

HEADER = "order_id{d}customer_id{d}email{d}placed_at{d}total{d}currency{d}status\n"


def orders_file(tmp_path, delimiter: str, totals: list[str]):
    path = tmp_path / "orders.csv"
    lines = [HEADER.format(d=delimiter)]
    for i, total in enumerate(totals, start=1):
        cell = f'"{total}"' if delimiter in total else total
        lines.append(delimiter.join([f"A{i}", f"C{i}", f"c{i}@shop.example", "2026-05-01 10:00", cell, "EUR", "paid"])
                     + "\n")
    path.write_text("".join(lines))
    return path


def totals(store) -> list[int]:
    return [r[0] for r in store.conn.execute("SELECT total_cents FROM orders ORDER BY order_id")]


def test_a_semicolon_file_notes_the_amounts_it_read_as_thousands(store, run_import, tmp_path):
    report = run_import(orders_file(tmp_path, ";", ["2.500", "12,50", "1.234,50", "€3.750"]), "orders")
    assert totals(store) == [250000, 1250, 123450, 375000]
    [note] = [n for n in report.notes if "groups thousands" in n]
    assert note.startswith("2 amounts such as '2.500' (total) were read as 2,500.00")
    assert "write them with a comma (2,5) or save the file comma-separated" in note


def test_no_note_when_nothing_was_ambiguous(store, run_import, tmp_path):
    report = run_import(orders_file(tmp_path, ";", ["12,50", "1.234,50", "25"]), "orders")
    assert not any("groups thousands" in n for n in report.notes)
    comma = run_import(orders_file(tmp_path, ",", ["2.500", "12.50"]), "orders")
    assert not any("groups thousands" in n for n in comma.notes)
    assert totals(store)[:2] == [250, 1250]  # a comma file's dot is the decimal point


@pytest.mark.parametrize("text, grouped", [
    ("2.500", True), (" €2.500 ", True), ("2.500 EUR", True), ("-2.500", True),
    ("2.50", False), ("12.5000", False), ("1.234.567", False), ("1.234,50", False), ("2500", False),
])
def test_which_cells_only_a_decimal_comma_reads_as_thousands(text, grouped):
    assert V.dot_groups_thousands(text) is grouped
