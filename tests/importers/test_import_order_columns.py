"""Converting runs of order lines as columns is only a shortcut: a file imports the same with it or without it.

Files of random order rows (cells in every shape the shortcut takes and many it must decline:
padded ids, rows keyed by email only, offsets, impossible dates, amounts with separators,
unknown statuses, blank and quoted lines, both line endings), with random column choices
and order, go through the bulk import twice, once with the block converter switched off;
the reports (counts, rejections, refusal messages) and every table must be identical.
"""

from __future__ import annotations

import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from import_helpers import IMPORT_AT, snapshot

from lifecycle_tui.bootstrap import init_store
from lifecycle_tui.importers import ImportRefused, bulk, engine, import_file
from lifecycle_tui.importers.canonical import ReadContext
from lifecycle_tui.importers.generic import map_header
from lifecycle_tui.importers.order_columns import block_converter
from lifecycle_tui.store import open_store

CELLS = {
    "order_id": ["O1", "O2", "O3", "O4", "O5", "O6", "O7", "O8", " O9", "O10 ", "", "O11"],
    "customer_id": ["C1", "C2", "C3", "", " C4", "'C5", "C6 "],
    "email": ["a@example.com", "", "B@Example.COM", "no-at", "x y@z.com", "ÉLODIE@example.fr", "a@example",
              "Ann <a@example.com>"],
    "placed_at": ["2025-01-10 12:00:00", "2025-01-10T12:00:00", "2025-01-10T12:00:00+00:00", "2025-01-10 12:00:00+00:00",
                  "2025-02-30 10:00:00", "2025-01-10T12:00:00+02:00", "2025-01-10", "2025-01-10T25:00:00+00:00",
                  "2025-01-10T12:00:00Z", "2025-1-10 12:00:00", "2025-01-10T12:00+01", "2025-W01-1 12:00:00",
                  "1970-01-01 00:00:00", "0000-00-00 00:00:00"],
    "total": ["12.50", "0.05", "007.00", "12", "1,234.50", "12.5", "ten", "", "12.505", "9999999999.99", "99999999999"],
    "currency": ["EUR", "", "GBP", "usd", "EURO"],
    "status": ["paid", "", "refunded", "Paid", "nonsense", "fulfilled"],
}
OPTIONAL = ["customer_id", "email", "currency", "status"]


@st.composite
def order_files(draw):
    columns = ["order_id", "placed_at", "total"] + [c for c in OPTIONAL if draw(st.booleans())]
    if "customer_id" not in columns and "email" not in columns:
        columns.append(draw(st.sampled_from(["customer_id", "email"])))
    columns = draw(st.permutations(columns))
    plain = draw(st.booleans())  # cells of the shortcut's shapes (the first three of each list), or anything
    lines = []
    for _ in range(draw(st.integers(min_value=1, max_value=30))):
        kind = draw(st.sampled_from(["row"] * 8 + ["blank", "quoted"]))
        if kind == "blank":
            lines.append("")
            continue
        cells = [draw(st.sampled_from(CELLS[c][:3] if plain else CELLS[c])) for c in columns]
        if kind == "quoted":
            cells[0] = f'"{cells[0]}"'
        lines.append(",".join(cells))
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    return ",".join(columns) + ending + ending.join(lines) + draw(st.sampled_from(["", ending]))


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "empty.db"
    init_store(path)
    return path


def _import(empty_store, tmp_path, name, src, skip_invalid, batch_rows):
    db = tmp_path / name
    shutil.copyfile(empty_store, db)
    for suffix in ("-wal", "-shm"):
        (tmp_path / (name + suffix)).unlink(missing_ok=True)
    with open_store(db) as store:
        try:
            report = import_file(store, src, "orders", at=IMPORT_AT, skip_invalid=skip_invalid, batch_rows=batch_rows).to_json()
        except ImportRefused as exc:
            report = ("refused", str(exc), exc.rejected)
        return report, snapshot(store)


@given(order_files(), st.booleans(), st.integers(min_value=1, max_value=8))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_block_and_row_conversion_import_the_same(empty_store, tmp_path, monkeypatch, text, skip_invalid, batch_rows):
    src = tmp_path / "o.csv"
    src.write_bytes(text.encode())
    with monkeypatch.context() as m:
        m.setattr(engine, "BULK_MIN_BYTES", 0)
        m.setattr(engine, "can_fork", lambda: False)
        by_block = _import(empty_store, tmp_path, "block.db", src, skip_invalid, batch_rows)
        m.setattr(bulk, "block_converter", lambda *args: (lambda first_line, lines: None))
        by_row = _import(empty_store, tmp_path, "row.db", src, skip_invalid, batch_rows)
    assert by_block == by_row


def _convert(header, lines, first_line=2):
    known, _, _ = map_header("orders", header.split(","), "o.csv")
    return block_converter(known, len(header.split(",")), ",", ReadContext())(first_line, lines)


def test_a_clean_run_becomes_columns():
    cols = _convert("order_id,customer_id,email,placed_at,total,currency,status", [
        "W1,C1,A@Example.com,2025-01-10 12:00:00,12.50,EUR,paid\n",
        "W2,C2,,2025-01-11T08:00:00,0.05,,\r\n",
        "W3,C1,a@example.com,2025-01-12T09:00:00,7.00,USD,refunded",
    ], first_line=5)
    assert cols[:9] == [
        [5, 6, 7], ["W1", "W2", "W3"], ["C1", "C2", "C1"], ["A@Example.com", None, "a@example.com"],
        ["a@example.com", None, "a@example.com"],
        ["2025-01-10T12:00:00+00:00", "2025-01-11T08:00:00+00:00", "2025-01-12T09:00:00+00:00"],
        [1250, 5, 700], ["EUR", "EUR", "USD"], ["paid", "paid", "refunded"],
    ]


@pytest.mark.parametrize("line", [
    "W2,C2,,2025-02-30 08:00:00,1.00,EUR,paid\n",  # no such day
    "W2,,,2025-01-11 08:00:00,1.00,EUR,paid\n",  # no key at all
    "W2,C2,,2025-01-11 08:00:00,1.00,EUR\n",  # a cell short
    "\n",  # blank
    "W2,C2,,2025-01-11 08:00:00,1,EUR,paid\n",  # whole units among cents
    "W2,C2,,2025-01-11 08:00:00,1.00,EUR,Paid\n",  # a status to clean
])
def test_a_run_with_a_row_to_clean_or_reject_is_declined(line):
    assert _convert("order_id,customer_id,email,placed_at,total,currency,status", [
        "W1,C1,a@example.com,2025-01-10 12:00:00,12.50,EUR,paid\n", line]) is None
