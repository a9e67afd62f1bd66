"""The fast order converter is only a shortcut: with it or without it, a file imports the same.

Rows of every shape the fast converter takes (bare and ``+00:00`` times, ``T`` or space,
whole and decimal amounts) and some it must decline go through the import twice, once with
the fast converter switched off; tables and reports must be identical.
"""

from __future__ import annotations

import pytest
from import_helpers import IMPORT_AT, snapshot

from lifecycle_tui.bootstrap import init_store
from lifecycle_tui.importers import engine, generic, import_file
from lifecycle_tui.store import open_store

ROWS = [
    "F1,C1,a@example.com,2025-01-10 12:00:00,49.90,EUR,paid",
    "F2,C1,a@example.com,2025-01-10T12:00:00,49,EUR,fulfilled",
    "F3,C2,,2025-01-11T08:00:00+00:00,0.05,USD,refunded",
    "F4,C2,,2025-01-11 08:00:00+00:00,10.00,,",
    "F5,C3,b@example.com,2025-01-11T08:00:00+02:00,1.00,EUR,paid",  # an offset: the general way
    "F6,C3,b@example.com,2025-01-11T08:00:00-00:00,1.00,EUR,paid",
    "F7,C4,,2025-02-29T08:00:00+00:00,1.00,EUR,paid",  # no such date: rejected either way
    "F8,C4,,2025-02-28T25:00:00+00:00,1.00,EUR,paid",  # no such hour
    "F9,C4,,2025-02-28T08:00:00+00:0,1.00,EUR,paid",  # cut short
    "F10,C5,,2025-02-28T08:00:00Z,1.00,EUR,paid",
    "F11,C5,,2025-02-28T08:00:00.123+00:00,1.00,EUR,paid",
    "F12,C6,,2025-01-10T12:00+01,1.00,EUR,paid",  # 19 characters, but an offset: converted
    "F13,C6,,2025-W01-1 12:00:00,1.00,EUR,paid",  # 19 characters, but a week date: converted
    "F14,C6,,2025-01-10 12:00:00,9999999999.99,EUR,paid",  # the largest amount the fast way takes
    "F15,C6,,2025-01-10 12:00:00,99999999999,EUR,paid",  # too large: rejected either way
    "F16,C7,,1970-01-01 00:00:00,1.00,EUR,paid",  # the epoch, a stand-in for no date: rejected either way
    "F17,C7,,0001-01-01T00:00:00+00:00,1.00,EUR,paid",  # .NET's minimum date, likewise
]


def _import(tmp_path, name, src, **kw):
    db = tmp_path / name
    init_store(db)
    with open_store(db) as store:
        report = import_file(store, src, "orders", at=IMPORT_AT, skip_invalid=True, **kw)
        return report.to_json(), snapshot(store)


@pytest.mark.parametrize("bulk", [False, True])
def test_fast_and_general_converters_agree(tmp_path, monkeypatch, bulk):
    src = tmp_path / "o.csv"
    src.write_text("order_id,customer_id,email,placed_at,total,currency,status\n" + "\n".join(ROWS) + "\n")
    if bulk:
        monkeypatch.setattr(engine, "BULK_MIN_BYTES", 0)
    fast = _import(tmp_path, "fast.db", src, batch_rows=4)
    monkeypatch.setattr(generic, "fast_orders", lambda known, ctx: (lambda cells, line, extra: None))
    general = _import(tmp_path, "general.db", src, batch_rows=4)
    assert fast == general
    report, tables = fast
    assert [(r["line"], r["column"]) for r in report["rejected"]] == [(8, "placed_at"), (9, "placed_at"), (10, "placed_at"), (16, "total"),
                                                                       (17, "placed_at"), (18, "placed_at")]
    placed = {r[1]: r[3] for r in tables["orders"]}
    assert placed["F3"] == placed["F4"] == "2025-01-11T08:00:00+00:00"
    assert placed["F5"] == "2025-01-11T06:00:00+00:00"
    assert (placed["F12"], placed["F13"]) == ("2025-01-10T11:00:00+00:00", "2024-12-30T12:00:00+00:00")
    assert {r[1]: r[4] for r in tables["orders"]}["F14"] == 999_999_999_999
