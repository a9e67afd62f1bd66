"""A file that names the same customer, order or event twice: rows applied in turn, and
re-importing it changes nothing (counts, ``updated_at``, consent history), near or far apart."""

from __future__ import annotations

from datetime import timedelta

import pytest
from import_helpers import IMPORT_AT, customer, snapshot

from lifecycle_tui.importers import import_file

LATER = IMPORT_AT + timedelta(days=1)


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


# A customer named twice, with a consent flip: yes, then no (an opt-out, which stays).
FLIP = (
    "customer_id,email,first_name,accepts_email\n"
    "C1,a@example.com,Ann,yes\n"
    "C2,b@example.com,Bob,no\n"
    "C1,a@example.com,Anna,no\n"
)


@pytest.mark.parametrize("batch_rows", [10_000, 1])  # one batch; every row its own batch
def test_reimporting_a_file_that_names_a_customer_twice_changes_nothing(tmp_path, store, batch_rows):
    src = _write(tmp_path, "c.csv", FLIP)
    first = import_file(store, src, "customers", at=IMPORT_AT, batch_rows=batch_rows)
    assert (first.inserted, first.updated) == (2, 1)
    assert any("1 row repeated a customer" in n for n in first.notes)
    ann = customer(store, "C1")
    assert (ann["first_name"], ann["accepts_email"]) == ("Anna", 0)
    before = snapshot(store)
    again = import_file(store, src, "customers", at=LATER, batch_rows=batch_rows)
    assert (again.inserted, again.updated, again.unchanged, again.consent_changes) == (0, 0, 3, 0)
    assert not again.changed
    assert snapshot(store) == before  # updated_at too: the rows in between were taken back


def test_rows_far_apart_in_a_big_file_net_out_too(tmp_path, store):
    body = "".join(f"C{i},c{i}@example.com,N{i}\n" for i in range(30))
    src = _write(tmp_path, "c.csv", "customer_id,email,first_name\n" + body + "C3,c3@example.com,Third\n")
    import_file(store, src, "customers", at=IMPORT_AT, batch_rows=7)
    assert customer(store, "C3")["first_name"] == "Third"
    before = snapshot(store)
    again = import_file(store, src, "customers", at=LATER, batch_rows=7)
    assert (again.updated, again.unchanged) == (0, 31)
    assert snapshot(store) == before


def test_a_yes_then_no_that_leaves_a_customer_as_it_was_records_no_consent_change(tmp_path, store):
    import_file(store, _write(tmp_path, "a.csv", "customer_id,email,first_name\nC1,a@example.com,Ann\n"), "customers", at=IMPORT_AT)
    before = snapshot(store)
    src = _write(tmp_path, "b.csv", "customer_id,accepts_email\nC1,yes\nC1,no\n")
    report = import_file(store, src, "customers", at=LATER)
    assert (report.updated, report.unchanged, report.consent_changes) == (0, 2, 0)
    assert snapshot(store) == before


def test_an_opt_out_in_an_earlier_row_keeps_a_later_yes_off(tmp_path, store):
    import_file(store, _write(tmp_path, "a.csv", "customer_id,email,accepts_email\nC1,a@example.com,yes\n"), "customers", at=IMPORT_AT)
    src = _write(tmp_path, "b.csv", "customer_id,accepts_email\nC1,no\nC1,yes\n")
    report = import_file(store, src, "customers", at=LATER)
    assert customer(store, "C1")["accepts_email"] == 0
    assert (report.updated, report.consent_changes, report.consent_kept_off) == (1, 1, 1)
    before = snapshot(store)
    again = import_file(store, src, "customers", at=LATER + timedelta(days=1))
    assert (again.updated, again.consent_changes) == (0, 0) and snapshot(store) == before


def test_a_changed_row_among_repeats_is_still_an_update(tmp_path, store):
    import_file(store, _write(tmp_path, "c.csv", FLIP), "customers", at=IMPORT_AT)
    src = _write(tmp_path, "d.csv", FLIP.replace("Anna", "Annabel"))
    report = import_file(store, src, "customers", at=LATER)
    assert report.updated == 2 and customer(store, "C1")["first_name"] == "Annabel"
    assert customer(store, "C1")["updated_at"] == LATER.isoformat()


@pytest.mark.parametrize("batch_rows", [10_000, 2])
def test_an_order_named_twice_with_other_items_nets_out_on_reimport(tmp_path, store, batch_rows):
    src = _write(tmp_path, "o.csv", (
        "order_id,customer_id,placed_at,total,status,sku,title,quantity,price\n"
        "D1,C1,2025-01-01,5,pending,S1,Mug,1,5\n"
        "D2,C2,2025-01-02,7,paid,S2,Cup,1,7\n"
        "D1,C1,2025-01-01,10,paid,S1,Mug,2,5\n"
    ))
    first = import_file(store, src, "orders", at=IMPORT_AT, batch_rows=batch_rows)
    assert (first.inserted, first.updated) == (2, 1)
    assert store.scalar("SELECT status FROM orders WHERE order_id = 'D1'") == "paid"
    before = snapshot(store)
    again = import_file(store, src, "orders", at=LATER, batch_rows=batch_rows)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    assert any("repeated an order" in n for n in again.notes)
    # Same orders and items; the items of D1 were replaced twice, so only their row ids moved.
    strip = lambda rows: sorted(r[1:] for r in rows)  # noqa: E731
    assert strip(snapshot(store)["order_items"]) == strip(before["order_items"])
    assert snapshot(store)["orders"] == before["orders"]


def test_an_event_id_named_twice_nets_out_on_reimport(tmp_path, store):
    src = _write(tmp_path, "e.csv", (
        "event_id,customer_id,type,occurred_at,rating\n"
        "E1,C1,review_submitted,2025-01-01,3\n"
        "E2,C1,product_viewed,2025-01-02,\n"
        "E1,C1,review_submitted,2025-01-01,5\n"
    ))
    import_file(store, src, "events", at=IMPORT_AT)
    before = snapshot(store)
    again = import_file(store, src, "events", at=LATER, batch_rows=1)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    assert snapshot(store) == before
