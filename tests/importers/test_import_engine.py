"""Engine rules: refusal with line/column, skip-invalid, dry-run, idempotence, consent, matching."""

from __future__ import annotations

import json

import pytest
from import_helpers import FIXTURES, IMPORT_AT, customer, snapshot

from lifecycle_tui.importers import ImportRefused

ALL_FIXTURES = [
    ("generic_customers.csv", "customers"),
    ("customers.jsonl", "customers"),
    ("shopify_customers.csv", "customers"),
    ("woocommerce_customers.csv", "customers"),
    ("generic_orders.csv", "orders"),
    ("shopify_orders.csv", "orders"),
    ("woocommerce_orders.csv", "orders"),
    ("semicolon_orders.csv", "orders"),
    ("events.csv", "events"),
    ("events.jsonl", "events"),
]


def test_bad_row_refuses_file_with_physical_line_and_column(store, run_import):
    run_import(FIXTURES / "generic_orders.csv", "orders")
    before = snapshot(store)
    with pytest.raises(ImportRefused) as info:
        run_import(FIXTURES / "bad_orders_multiline.csv", "orders")
    message = str(info.value)
    # Line 5: the quoted note of the first order spans lines 2-4.
    assert "bad_orders_multiline.csv" in message and "line 5" in message and "'total'" in message
    assert "ten euros" in message
    # Every bad row is listed (the message names the first and counts the rest): one look fixes the file.
    assert [(r["line"], r["column"]) for r in info.value.rejected] == [(5, "total"), (6, "placed_at")]
    assert "1 more row is bad too (line 6)." in message and info.value.rejected_total == 2
    assert snapshot(store) == before


def test_skip_invalid_imports_good_rows_and_reports_the_rest(store, run_import):
    report = run_import(FIXTURES / "bad_orders_multiline.csv", "orders", skip_invalid=True)
    assert report.inserted == 1
    assert [(r.line, r.column) for r in report.rejected] == [(5, "total"), (6, "placed_at")]
    assert "not a date" in report.rejected[1].reason
    assert [r[0] for r in store.conn.execute("SELECT order_id FROM orders")] == ["M1"]


@pytest.mark.parametrize("body, refusal", [
    (",,Nobody", r"line 3, column 'customer_id': missing customer_id and email"),
    # What a mail client copies ("Name <address>") is refused where it is, not at send time.
    ('C2,"Bea Potter <bea@example.com>",Bea', r"line 3, column 'email': not an email address: 'Bea Potter <bea@example.com>'"),
    # A stray quote: read leniently, the rest of the file would become one name.
    ('C2,a@example.org,"Bob\nC3,c@example.com,Cy', r"line 3, column 'first_name': a quote opens in this cell and is never closed"),
])
def test_a_bad_row_refuses_the_file_naming_line_and_column(tmp_path, store, run_import, body, refusal):
    p = tmp_path / "c.csv"
    p.write_text(f"customer_id,email,first_name\nC1,a@example.com,A\n{body}\n")
    with pytest.raises(ImportRefused, match=refusal):
        run_import(p, "customers")
    assert store.scalar("SELECT count(*) FROM customers") == 0


def test_a_sep_line_before_the_header_counts_in_line_numbers(tmp_path, store, run_import):
    p = tmp_path / "c.csv"
    p.write_text("sep=;\ncustomer_id;email\nC1;a@example.com\nC2;b@example\n")
    with pytest.raises(ImportRefused, match=r"line 4, column 'email': not an email address"):
        run_import(p, "customers")
    p.write_text("sep=;\nname;city\n")
    with pytest.raises(ImportRefused, match=r"line 2: missing column customer_id or email"):
        run_import(p, "customers")


def test_dry_run_writes_nothing_but_reports(store, run_import):
    before = snapshot(store)
    report = run_import(FIXTURES / "shopify_orders.csv", "orders", dry_run=True)
    assert report.dry_run and report.inserted == 3 and report.customers_created == 3
    assert snapshot(store) == before


@pytest.mark.parametrize("name, kind", ALL_FIXTURES)
def test_reimport_is_all_unchanged_and_writes_nothing(store, run_import, name, kind):
    first = run_import(FIXTURES / name, kind)
    assert first.inserted > 0
    before = snapshot(store)
    again = run_import(FIXTURES / name, kind)
    assert (again.inserted, again.updated, again.customers_created, again.consent_changes) == (0, 0, 0, 0)
    assert again.unchanged == first.inserted + first.updated
    assert snapshot(store) == before


def test_changed_rows_are_updated_and_empty_cells_keep_values(tmp_path, store, run_import):
    run_import(FIXTURES / "generic_customers.csv", "customers")
    p = tmp_path / "c.csv"
    p.write_text("customer_id,first_name,phone,loyalty tier\nC1,Annie,,platinum\nC2,Bob,,silver\n")
    report = run_import(p, "customers")
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 1)
    ann = customer(store, "C1")
    assert ann["first_name"] == "Annie" and ann["phone"] == "+49 30 1234567"  # empty cell keeps the phone
    assert json.loads(ann["attributes"]) == {"loyalty_tier": "platinum", "note": "likes\nblue mugs"}
    assert ann["updated_at"] == "2026-06-30T12:00:00+00:00"


def test_customer_matched_by_email_adopts_shop_id(tmp_path, store, run_import):
    run_import(FIXTURES / "generic_orders.csv", "orders")  # creates customer keyed new@example.com
    p = tmp_path / "c.csv"
    p.write_text("customer_id,email,first_name\nC77,NEW@example.com,Nina\n")
    report = run_import(p, "customers")
    assert (report.inserted, report.updated) == (0, 1)
    nina = customer(store, "C77")
    assert nina["first_name"] == "Nina"
    assert store.scalar("SELECT count(*) FROM orders WHERE customer_id = ?", (nina["id"],)) == 1


def test_email_only_rows_match_case_insensitively(tmp_path, store, run_import):
    p = tmp_path / "c.csv"
    p.write_text("email,first_name\nPat@Example.com,Pat\npat@example.COM,Patricia\n")
    report = run_import(p, "customers")
    assert (report.inserted, report.updated) == (1, 1)
    assert customer(store, "pat@example.com")["first_name"] == "Patricia"


def test_order_update_changes_items(tmp_path, store, run_import):
    run_import(FIXTURES / "shopify_orders.csv", "orders")
    text = (FIXTURES / "shopify_orders.csv").read_text().replace(",1,Tea Towel,20.00,", ",3,Tea Towel,20.00,")
    p = tmp_path / "s.csv"
    p.write_text(text)
    report = run_import(p, "orders")
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 2)
    qty = store.scalar("SELECT quantity FROM order_items WHERE title = 'Tea Towel'")
    assert qty == 3 and store.scalar("SELECT count(*) FROM order_items") == 4


def test_duplicate_order_in_one_file_counts_once_then_update(tmp_path, store, run_import):
    p = tmp_path / "o.csv"
    p.write_text("order_id,customer_id,placed_at,total\nD1,C1,2025-01-01,5\nD1,C1,2025-01-01,6\n")
    report = run_import(p, "orders")
    assert (report.inserted, report.updated) == (1, 1)
    assert store.scalar("SELECT total_cents FROM orders WHERE order_id = 'D1'") == 600


def test_duplicates_across_batches_in_bulk_mode(tmp_path, store, run_import):
    lines = ["order_id,customer_id,placed_at,total"] + [f"B{i},C{i % 7},2025-01-01,{i}" for i in range(50)]
    lines.append("B3,C3,2025-01-02,99")  # repeats an order of an earlier batch
    p = tmp_path / "o.csv"
    p.write_text("\n".join(lines) + "\n")
    report = run_import(p, "orders", batch_rows=10)
    assert (report.inserted, report.updated, report.customers_created) == (50, 1, 7)
    assert store.scalar("SELECT total_cents FROM orders WHERE order_id = 'B3'") == 9900
    assert store.scalar("SELECT count(*) FROM orders") == 50


# ------------------------------------------------------------------ consent


def _consent_file(tmp_path, rows: str):
    p = tmp_path / "consent.csv"
    p.write_text("customer_id,email,phone,accepts_email,accepts_sms\n" + rows)
    return p


def test_consent_changes_recorded_with_source_and_time(tmp_path, store, run_import):
    run_import(_consent_file(tmp_path, "K1,k@example.com,+44 7700 900111,yes,no\n"), "customers")
    rows = [dict(r) for r in store.conn.execute("SELECT channel, old_value, new_value, source, changed_at FROM consent_changes")]
    assert rows == [{"channel": "email", "old_value": None, "new_value": 1, "source": "consent.csv",
                     "changed_at": "2026-06-30T12:00:00+00:00"}]
    report = run_import(_consent_file(tmp_path, "K1,k@example.com,+44 7700 900111,no,no\n"), "customers")
    assert report.consent_changes == 1 and customer(store, "K1")["accepts_email"] == 0
    last = store.conn.execute("SELECT old_value, new_value FROM consent_changes ORDER BY id DESC").fetchone()
    assert tuple(last) == (1, 0)


def test_unsubscribed_contact_is_never_resubscribed(tmp_path, store, run_import):
    run_import(_consent_file(tmp_path, "K1,k@example.com,+44 7700 900111,yes,no\n"), "customers")
    run_import(_consent_file(tmp_path, "K1,k@example.com,+44 7700 900111,no,no\n"), "customers")
    report = run_import(_consent_file(tmp_path, "K1,k@example.com,+44 7700 900111,yes,yes\n"), "customers")
    k = customer(store, "K1")
    assert k["accepts_email"] == 0  # opted out before: stays out
    assert k["accepts_sms"] == 1  # never opted out of SMS: the file may subscribe it
    assert report.consent_kept_off == 1 and report.notes


def test_unsubscribed_event_blocks_and_turns_consent_off(tmp_path, store, run_import):
    run_import(_consent_file(tmp_path, "K2,k2@example.com,,yes,no\n"), "customers")
    ev = tmp_path / "ev.csv"
    ev.write_text("customer_id,type,occurred_at\nK2,unsubscribed,2026-01-01 10:00:00\n")
    report = run_import(ev, "events")
    assert report.consent_changes == 1 and customer(store, "K2")["accepts_email"] == 0
    run_import(_consent_file(tmp_path, "K2,k2@example.com,,yes,no\n"), "customers")
    assert customer(store, "K2")["accepts_email"] == 0


def test_suppressed_contacts_are_not_subscribed(tmp_path, store, run_import):
    with store.transaction() as conn:
        conn.execute("INSERT INTO suppressions (kind, value, reason, created_at) VALUES ('email', 'sup@example.com', 'bounce', ?)", ("2026-01-01T00:00:00+00:00",))
        conn.execute("INSERT INTO suppressions (kind, value, reason, created_at) VALUES ('phone', '+4930999', 'manual', ?)", ("2026-01-01T00:00:00+00:00",))
    report = run_import(_consent_file(tmp_path, "S1,Sup@Example.com,0049 30 999,yes,yes\nS2,ok@example.com,,yes,no\n"), "customers")
    s1 = customer(store, "S1")
    assert (s1["accepts_email"], s1["accepts_sms"]) == (0, 0)
    assert customer(store, "S2")["accepts_email"] == 1
    assert report.consent_kept_off == 2
    assert store.scalar("SELECT count(*) FROM consent_changes WHERE customer_id = ?", (s1["id"],)) == 0


def test_unknown_kind_and_format_refused(run_import):
    with pytest.raises(ImportRefused, match="unknown kind"):
        run_import(FIXTURES / "events.csv", "refunds")
    with pytest.raises(ImportRefused, match="unknown format"):
        run_import(FIXTURES / "events.csv", "events", fmt="excel")


def test_import_time_is_a_parameter(store):
    from datetime import datetime, timezone

    from lifecycle_tui.importers import import_file

    at = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    import_file(store, FIXTURES / "bom_customers.csv", "customers", at=at)
    assert customer(store, "B1")["updated_at"] == "2030-01-02T03:04:05+00:00"
    assert IMPORT_AT != at


def test_fast_and_general_paths_agree(tmp_path, store, run_import):
    # Row 2 fits the fast path, row 3 needs cleaning, row 4 looks fast but is no calendar date.
    p = tmp_path / "o.csv"
    p.write_text(
        "order_id,customer_id,placed_at,total,currency,status\n"
        "F1,C1,2025-01-10 12:00:00,49.90,EUR,paid\n"
        " F2 ,C1, 2025-01-10 12:00:00 ,49.9,eur,Paid\n"
        "F3,C1,2025-02-30 10:00:00,1.00,EUR,paid\n"
    )
    report = run_import(p, "orders", skip_invalid=True)
    assert [(r.line, r.column) for r in report.rejected] == [(4, "placed_at")]
    rows = [tuple(r) for r in store.conn.execute("SELECT placed_at, total_cents, currency, status FROM orders ORDER BY order_id")]
    assert rows == [("2025-01-10T12:00:00+00:00", 4990, "EUR", "paid")] * 2


def test_utf16_tab_file(tmp_path, store, run_import):
    p = tmp_path / "u16.tsv"
    p.write_bytes("customer_id\temail\tfirst_name\nU1\tu@example.com\tÜlla\n".encode("utf-16"))
    report = run_import(p, "customers")
    assert report.encoding == "utf-16" and report.delimiter == "\t"
    assert customer(store, "U1")["first_name"] == "Ülla"


def test_jsonl_bad_line_named(tmp_path, run_import):
    p = tmp_path / "e.jsonl"
    p.write_text('{"customer_id": "C1", "type": "x", "occurred_at": "2025-01-01"}\n{"customer_id": "C1", "type": \n')
    with pytest.raises(ImportRefused, match="line 2"):
        run_import(p, "events")
    p.write_text('{"customer_id": "C1", "type": "x", "occurred_at": "2025-13-01"}\n')
    with pytest.raises(ImportRefused, match=r"line 1, column 'occurred_at'"):
        run_import(p, "events")


def test_extra_cells_rejected(tmp_path, run_import):
    p = tmp_path / "c.csv"
    p.write_text("customer_id,email\nC1,a@example.com\nC2,b@example.com,surprise\n")
    report = run_import(p, "customers", skip_invalid=True)
    assert report.inserted == 1 and [(r.line, r.column) for r in report.rejected] == [(3, "column 3")]


def test_progress_is_reported(tmp_path, run_import):
    p = tmp_path / "o.csv"
    p.write_text("order_id,customer_id,placed_at,total\n" + "".join(f"P{i},C{i},2025-01-01,1\n" for i in range(100)))
    seen = []
    run_import(p, "orders", batch_rows=10, progress=lambda done, total: seen.append((done, total)))
    size = p.stat().st_size
    assert len(seen) >= 2 and seen[-1] == (size, size)
    assert all(a <= b for (a, _), (b, _) in zip(seen, seen[1:]))


def test_id_row_and_email_row_of_one_customer_in_one_file(tmp_path, store, run_import):
    p = tmp_path / "c.csv"
    p.write_text("customer_id,email,first_name,last_name\nC5,max@example.com,Max,\n,MAX@example.com,,Moss\n")
    report = run_import(p, "customers")
    assert (report.inserted, report.updated) == (1, 1)
    m = customer(store, "C5")
    assert (m["first_name"], m["last_name"]) == ("Max", "Moss")


def test_orders_by_id_and_by_email_reach_one_new_customer(tmp_path, store, run_import):
    p = tmp_path / "o.csv"
    p.write_text("order_id,customer_id,email,placed_at,total\nQ1,C8,q@example.com,2025-01-01,5\nQ2,,Q@example.com,2025-01-02,6\n")
    report = run_import(p, "orders")
    assert report.customers_created == 1
    assert store.scalar("SELECT count(DISTINCT customer_id) FROM orders") == 1


def test_an_email_only_customer_then_that_email_as_customer_id_is_one_customer(tmp_path, store, run_import):
    # An email-only row makes a customer keyed by the email; a later row naming that key as its
    # customer id is the same customer (it used to fail on the unique customer id).
    p = tmp_path / "o.csv"
    p.write_text("order_id,customer_id,email,placed_at,total\nE1,,a@example.com,2025-01-01,5\nE2,a@example.com,,2025-01-02,6\n")
    report = run_import(p, "orders")
    assert (report.inserted, report.customers_created) == (2, 1)
    assert store.scalar("SELECT count(DISTINCT customer_id) FROM orders") == 1


def test_locked_store_is_a_clean_refusal(db_path, store, run_import):
    import sqlite3

    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    store.conn.execute("PRAGMA busy_timeout = 100")
    try:
        with pytest.raises(ImportRefused, match="could not be written"):
            run_import(FIXTURES / "bom_customers.csv", "customers")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert run_import(FIXTURES / "bom_customers.csv", "customers").inserted == 1


def test_orders_in_other_currencies_than_the_shops_are_noted(store, run_import, tmp_path):
    src = tmp_path / "mixed.csv"
    src.write_text("order_id,customer_id,email,placed_at,total,currency,status\n"
                   "W1,C1,c1@example.com,2025-02-10,10.00,EUR,paid\n"
                   "W2,C1,c1@example.com,2025-02-11,£500.00,,paid\n"
                   "W3,C1,c1@example.com,2025-02-12,1000,JPY,paid\n", encoding="utf-8")
    report = run_import(src, "orders")
    assert ("2 orders are in other currencies than the shop's EUR (GBP: 1, JPY: 1): revenue, RFM and segments "
            "add their totals as they are, without converting them.") in report.notes
    again = run_import(src, "orders")  # nothing new: nothing to say again
    assert not [n for n in again.notes if "other currencies" in n]
    plain = tmp_path / "plain.csv"
    plain.write_text("order_id,customer_id,placed_at,total\nW9,C1,2025-02-10,10.00\n", encoding="utf-8")
    assert not [n for n in run_import(plain, "orders").notes if "other currencies" in n]
