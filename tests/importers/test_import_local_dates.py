"""Spreadsheet dates (07/10/2025, 7.10.2025, 10/7/2025 9:50 PM): read in the shop's import.date_order,
refused with the setting's name until it is set, never guessed."""

from __future__ import annotations

import pytest
from import_helpers import customer

from lifecycle_tui.importers import ImportRefused, engine
from lifecycle_tui.importers.local_dates import local_to_iso
from lifecycle_tui.store import settings


@pytest.mark.parametrize("text, order, expected", [
    ("07/10/2025", "dmy", "2025-10-07 00:00:00"),
    ("07/10/2025", "mdy", "2025-07-10 00:00:00"),
    ("7/10/2025 9:50", "dmy", "2025-10-07 09:50:00"),
    ("10/7/2025 9:50:26 PM", "mdy", "2025-10-07 21:50:26"),
    ("10/7/2025 12:05 am", "mdy", "2025-10-07 00:05:00"),
    ("10/7/2025, 12:05 p.m.", "mdy", "2025-10-07 12:05:00"),
    ("07-10-2025 14:00:00", "dmy", "2025-10-07 14:00:00"),
    ("7.10.2025 09:50", "", "2025-10-07 09:50:00"),  # dotted: day first, whatever the setting
    ("7.10.2025", "mdy", "2025-10-07 00:00:00"),
    ("29/02/2024", "dmy", "2024-02-29 00:00:00"),
])
def test_spreadsheet_dates_read_in_the_shops_order(text, order, expected):
    assert local_to_iso(text, order) == expected


@pytest.mark.parametrize("text", ["2025-10-07", "2025-10-07 09:50:26", "yesterday", "07/10/25", "2025/10/07"])
def test_other_shapes_are_left_to_the_iso_reader(text):
    assert local_to_iso(text, "dmy") is None


@pytest.mark.parametrize("text, order, reason", [
    ("07/10/2025", "", "is 07 the day or the month? Set import.date_order to dmy"),
    ("07/25/2025", "dmy", "has no month 25 (import.date_order is dmy: day/month/year)"),
    ("31/02/2025", "dmy", "February 2025 has no day 31"),
    ("10/7/2025 13:00 PM", "mdy", "no hour 13 on a 12-hour clock"),
])
def test_what_cannot_be_read_says_why(text, order, reason):
    with pytest.raises(ValueError, match=reason.replace("?", r"\?").replace("(", r"\(").replace(")", r"\)")):
        local_to_iso(text, order)


ORDERS = ("order_id,customer_id,placed_at,total\n"
          "L1,C1,07/10/2025 09:50,12.00\n"
          "L2,C2,13/10/2025,5.00\n")


@pytest.mark.parametrize("bulk", [False, True])
def test_an_orders_file_is_refused_until_the_order_is_set_then_read_in_it(tmp_path, store, run_import, monkeypatch, bulk):
    if bulk:
        monkeypatch.setattr(engine, "BULK_MIN_BYTES", 0)
    src = tmp_path / "orders.csv"
    src.write_text(ORDERS)
    with pytest.raises(ImportRefused) as refused:
        run_import(src, "orders")
    assert "line 2, column 'placed_at'" in str(refused.value) and "Set import.date_order to dmy" in str(refused.value)
    assert store.scalar("SELECT count(*) FROM orders") == 0
    settings.set_value(store, "shop.timezone", "Europe/Berlin")
    settings.set_value(store, "import.date_order", "dmy")
    report = run_import(src, "orders")
    assert report.inserted == 2 and report.rejected_total == 0
    placed = dict(store.conn.execute("SELECT order_id, placed_at FROM orders").fetchall())
    assert placed == {"L1": "2025-10-07T07:50:00+00:00", "L2": "2025-10-12T22:00:00+00:00"}  # Berlin is UTC+2


def test_customers_birthdays_and_sign_ups_follow_the_order(tmp_path, store, run_import):
    settings.set_value(store, "import.date_order", "mdy")
    src = tmp_path / "customers.csv"
    src.write_text("customer_id,email,birthday,created_at\nC1,ann@example.com,04/12/1990,3/1/2025 4:30 PM\n"
                   "C2,bo@example.com,12/31/1985 00:00,\n")
    report = run_import(src, "customers")
    assert report.rejected_total == 0
    ann = customer(store, "C1")
    assert ann["birthday"] == "1990-04-12" and ann["created_at"] == "2025-03-01T16:30:00+00:00"
    assert customer(store, "C2")["birthday"] == "1985-12-31"  # from a date-time column


def test_the_setting_takes_only_an_order():
    assert settings.validate("import.date_order", " DMY ") == "dmy"
    assert settings.validate("import.date_order", "") == ""
    with pytest.raises(settings.SettingError, match="Allowed: dmy, mdy, or empty"):
        settings.validate("import.date_order", "ymd")
