"""Every source format, read through the engine into the store."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from import_helpers import FIXTURES, customer, snapshot

from lifecycle_tui.automation.suppression import suppress
from lifecycle_tui.importers import ImportRefused, detect_format
from lifecycle_tui.importers.reader import Table


def _header(name):
    with Table(FIXTURES / name) as t:
        return t.header, t.first_text()


@pytest.mark.parametrize(
    "name, expected",
    [
        ("generic_customers.csv", ("generic", None)),
        ("shopify_customers.csv", ("shopify", "customers")),
        ("shopify_orders.csv", ("shopify", "orders")),
        ("woocommerce_customers.csv", ("woocommerce", "customers")),
        ("woocommerce_orders.csv", ("woocommerce", "orders")),
        ("events.jsonl", ("jsonl", None)),
    ],
)
def test_detect_format_from_header(name, expected):
    assert detect_format(*_header(name)) == expected


def test_a_customers_file_with_shopify_like_columns_but_its_own_email_column_is_generic(store, run_import, tmp_path):
    # "Customer ID", "First Name" and "Accepts Marketing" are Shopify's too, but Shopify's export
    # always has "Email": read as Shopify, E-Mail, Surname and Birthday would be kept as
    # attributes and a bad birthday would pass unnoticed.
    path = tmp_path / "mine.csv"
    path.write_text("Customer ID,E-Mail,First Name,Surname,Birthday,Accepts Marketing\n"
                    "Q1,q1@example.com,Ann,Lee,1990-03-04,yes\n", encoding="utf-8")
    assert detect_format(*_header(path)) == ("generic", None)
    report = run_import(path, "customers")
    assert report.inserted == 1 and report.unknown_columns == []
    row = customer(store, "Q1")
    assert (row["email"], row["last_name"], row["birthday"], row["accepts_email"]) == ("q1@example.com", "Lee", "1990-03-04", 1)


def test_generic_customers_header_normalised_and_unknown_columns_kept(store, run_import):
    report = run_import(FIXTURES / "generic_customers.csv", "customers")
    assert (report.inserted, report.updated, report.unchanged, report.rejected_total) == (3, 0, 0, 0)
    assert report.unknown_columns == ["Loyalty Tier", "Note"]
    ann = customer(store, "C1")
    assert ann["email"] == "Ann@Example.com" and ann["email_norm"] == "ann@example.com"
    assert ann["first_name"] == "Ann" and ann["phone"] == "+49 30 1234567"
    assert ann["created_at"] == "2024-01-05T10:00:00+00:00" and ann["timezone"] == "Europe/Berlin"
    assert (ann["accepts_email"], ann["accepts_sms"]) == (1, 0)
    assert json.loads(ann["tags"]) == ["vip", "newsletter"]
    assert json.loads(ann["attributes"]) == {"loyalty_tier": "gold", "note": "likes\nblue mugs"}
    assert customer(store, "C2")["birthday"] == "--07-01"
    assert json.loads(customer(store, "C3")["tags"]) == ["wholesale"]


def test_generic_orders_money_dates_status_and_unknown_customers(store, run_import):
    report = run_import(FIXTURES / "generic_orders.csv", "orders")
    assert report.inserted == 4 and report.customers_created == 3  # C1, new@example.com, C9
    rows = {r["order_id"]: dict(r) for r in store.conn.execute("SELECT * FROM orders")}
    assert rows["O2"]["total_cents"] == 123450 and rows["O2"]["placed_at"] == "2025-03-01T08:00:00+00:00"
    assert rows["O2"]["currency"] == "EUR" and rows["O2"]["status"] == "fulfilled"
    assert rows["O3"]["currency"] == "EUR" and rows["O3"]["status"] == "refunded"  # shop default currency
    assert rows["O4"]["total_cents"] == 50 and rows["O4"]["status"] == "cancelled"
    assert json.loads(rows["O1"]["attributes"]) == {"channel": "web"}
    # The email-only order created a customer keyed by the lowercased email.
    assert customer(store, "new@example.com")["created_at"] == "2025-04-01T00:00:00+00:00"


def test_shop_timezone_applies_to_dates_without_zone(store, run_import):
    from lifecycle_tui.store import settings

    settings.set_value(store, "shop.timezone", "Europe/Berlin")
    run_import(FIXTURES / "generic_orders.csv", "orders")
    placed = store.scalar("SELECT placed_at FROM orders WHERE order_id = 'O1'")
    assert placed == "2025-01-10T11:00:00+00:00"  # 12:00 in Berlin (winter, UTC+1)


def test_jsonl_customers_and_events(store, run_import):
    report = run_import(FIXTURES / "customers.jsonl", "customers")
    assert report.format == "jsonl" and report.inserted == 2 and report.unknown_columns == ["loyalty"]
    jo = customer(store, "J1")
    assert jo["accepts_email"] == 1 and json.loads(jo["tags"]) == ["vip", "b2b"]
    assert json.loads(jo["attributes"]) == {"loyalty": {"tier": "gold"}}
    assert customer(store, "2")["birthday"] == "1985-12-24"
    events = run_import(FIXTURES / "events.jsonl", "events")
    assert events.inserted == 2 and events.customers_created == 2  # C1 and eve@example.com are new
    props = json.loads(store.scalar("SELECT properties FROM events WHERE event_id = 'e-2'"))
    assert props == {"source": "popup"}


def test_generic_events_csv(store, run_import):
    report = run_import(FIXTURES / "events.csv", "events")
    assert report.inserted == 3 and report.unknown_columns == ["page"]
    row = store.conn.execute("SELECT * FROM events WHERE event_id = 'ev-1'").fetchone()
    assert row["event_key"] == "ev-1" and row["occurred_at"] == "2025-05-01T10:00:00+00:00"
    assert json.loads(row["properties"]) == {"sku": "MUG-1", "page": "/mugs"}
    keys = [r[0] for r in store.conn.execute("SELECT event_key FROM events WHERE event_id IS NULL")]
    assert len(keys) == 2 and all(k.startswith("sha1:") for k in keys)


def test_shopify_customers(store, run_import):
    report = run_import(FIXTURES / "shopify_customers.csv", "customers")
    assert report.format == "shopify" and report.inserted == 2 and report.unknown_columns == []
    mia = customer(store, "7234567890")  # the leading quote Shopify writes is dropped
    assert (mia["accepts_email"], mia["accepts_sms"]) == (1, 0)
    assert json.loads(mia["tags"]) == ["vip", "repeat"]
    assert mia["phone"] == "+4930111"  # from the default address when Phone is empty
    attrs = json.loads(mia["attributes"])
    assert attrs["default_address_city"] == "Berlin" and "total_spent" not in attrs
    leo = customer(store, "7234567891")
    assert (leo["accepts_email"], leo["accepts_sms"]) == (0, 1) and leo["phone"] == "+4940222"


def test_shopify_phone_marked_as_text_is_stored_bare_and_stays_suppressed(store, run_import, tmp_path):
    """Shopify writes ``'+49...`` so that spreadsheets keep the plus; that quote is not part of the number."""
    suppress(store, "+4915112345678", reason="bounce", at=datetime(2026, 1, 1, tzinfo=timezone.utc))
    f = tmp_path / "customers_export.csv"
    f.write_text("Customer ID,First Name,Last Name,Email,Accepts Email Marketing,Phone,Accepts SMS Marketing\n"
                 "'7234567890,Ann,Alm,ann@example.com,yes,'+4915112345678,yes\n", encoding="utf-8")
    report = run_import(f, "customers")
    ann = customer(store, "7234567890")
    assert ann["phone"] == "+4915112345678" and ann["accepts_sms"] == 0 and report.consent_kept_off == 1


def test_a_phone_cell_that_is_not_a_number_is_a_bad_row(store, run_import, tmp_path):
    f = tmp_path / "c.csv"
    f.write_text("customer_id,email,phone,accepts_sms\nC1,a@example.com,+44 7700 900123,yes\nC2,b@example.com,call me maybe,yes\n")
    with pytest.raises(ImportRefused, match=r"line 3, column 'phone': not a phone number: 'call me maybe'"):
        run_import(f, "customers")
    assert store.scalar("SELECT count(*) FROM customers") == 0


def test_shopify_orders_one_row_per_line_item(store, run_import):
    report = run_import(FIXTURES / "shopify_orders.csv", "orders")
    assert report.format == "shopify" and report.inserted == 3 and report.rejected_total == 0
    o = dict(store.conn.execute("SELECT * FROM orders WHERE order_id = '#1001'").fetchone())
    assert o["placed_at"] == "2025-10-07T07:50:26+00:00" and o["total_cents"] == 6400
    assert o["status"] == "fulfilled" and o["currency"] == "EUR"
    items = [tuple(r) for r in store.conn.execute(
        "SELECT line, sku, title, quantity, price_cents FROM order_items WHERE order_id = ? ORDER BY line", (o["id"],))]
    assert items == [(1, "MUG-1", "Stoneware Mug", 2, 1950), (2, "TOWEL-1", "Tea Towel", 1, 2000)]
    assert store.scalar("SELECT count(*) FROM products") == 3
    statuses = dict(store.conn.execute("SELECT order_id, status FROM orders").fetchall())
    assert statuses["#1002"] == "refunded" and statuses["#1003"] == "cancelled"
    noa = customer(store, "noa@example.com")
    assert (noa["first_name"], noa["last_name"]) == ("Noa", "Berg")


def test_woocommerce_customers(store, run_import):
    report = run_import(FIXTURES / "woocommerce_customers.csv", "customers")
    assert report.format == "woocommerce" and report.inserted == 2
    ana = customer(store, "ana@example.com")
    assert (ana["first_name"], ana["last_name"]) == ("Ana", "Silva")
    assert ana["created_at"] == "2024-03-02T09:00:00+00:00" and ana["phone"] == "+351210000000"
    attrs = json.loads(ana["attributes"])
    assert attrs["city"] == "Lisbon" and attrs["username"] == "ana" and "total_spend" not in attrs


def test_woocommerce_orders_match_customers_by_name(store, run_import):
    run_import(FIXTURES / "woocommerce_customers.csv", "customers")
    report = run_import(FIXTURES / "woocommerce_orders.csv", "orders")
    assert report.inserted == 3 and report.customers_created == 1  # Lia Moon is new; Ana is matched
    assert report.notes and "name" in report.notes[0]
    ana_id = customer(store, "ana@example.com")["id"]
    assert store.scalar("SELECT count(*) FROM orders WHERE customer_id = ?", (ana_id,)) == 2
    o = dict(store.conn.execute("SELECT * FROM orders WHERE order_id = '501'").fetchone())
    assert o["total_cents"] == 4000 and o["status"] == "fulfilled"
    items = [tuple(r) for r in store.conn.execute(
        "SELECT title, quantity FROM order_items WHERE order_id = ? ORDER BY line", (o["id"],))]
    assert items == [("Mug", 2), ("Saucer", 1)]


@pytest.mark.parametrize("text", ['[{"customer_id": "C1", "email": "a@example.com"}]\n', '[\n  {"customer_id": "C1"}\n]\n'])
def test_a_json_array_is_refused_with_what_to_write_instead(store, run_import, tmp_path, text):
    f = tmp_path / "customers.json"
    f.write_text(text)
    with pytest.raises(ImportRefused, match="line 1: this is a JSON array; write one JSON object per line"):
        run_import(f, "customers")


def test_woocommerce_statuses_as_the_export_writes_them(store, run_import, tmp_path):
    f = tmp_path / "orders.csv"
    f.write_text("order_id,customer_id,placed_at,total,status\n"
                 "1,C1,2026-01-01 10:00:00,5.00,Pending payment\n2,C1,2026-01-01 10:00:00,5.00,Checkout draft\n"
                 "3,C1,2026-01-01 10:00:00,5.00,wc-checkout-draft\n4,C1,2026-01-01 10:00:00,5.00,On hold\n")
    run_import(f, "orders")
    assert {r[0] for r in store.conn.execute("SELECT status FROM orders")} == {"pending"}


def test_a_negative_total_is_only_taken_for_a_refund_or_cancellation(store, run_import, tmp_path):
    f = tmp_path / "orders.csv"
    f.write_text("order_id,customer_id,placed_at,total,status\n"
                 "R1,C1,2026-01-01 10:00:00,-50.00,refunded\nR2,C1,2026-01-01 10:00:00,-5.00,cancelled\n")
    assert run_import(f, "orders").inserted == 2
    f.write_text("order_id,customer_id,placed_at,total,status\nN1,C1,2026-01-01 10:00:00,-50.00,paid\n")
    with pytest.raises(ImportRefused, match=r"line 2, column 'total': negative total '-50.00' for a paid order"):
        run_import(f, "orders")


def test_bom_latin1_tab_and_semicolon_files(store, run_import):
    run_import(FIXTURES / "bom_customers.csv", "customers")
    assert customer(store, "B1")["first_name"] == "Zoë"
    report = run_import(FIXTURES / "latin1_customers.csv", "customers")
    assert report.encoding in ("cp1252", "latin-1")
    assert customer(store, "L2")["last_name"] == "Señor"
    run_import(FIXTURES / "tab_customers.tsv", "customers")
    assert json.loads(customer(store, "T1")["tags"]) == ["vip", "cats"]
    report = run_import(FIXTURES / "semicolon_orders.csv", "orders")
    assert report.delimiter == ";"
    totals = dict(store.conn.execute("SELECT order_id, total_cents FROM orders").fetchall())
    assert totals == {"S1": 1250, "S2": 123450, "S3": 700}


def test_export_of_the_other_kind_is_refused_with_a_hint(run_import):
    with pytest.raises(ImportRefused, match="Shopify order export, not customers; import it as orders"):
        run_import(FIXTURES / "shopify_orders.csv", "customers")


@pytest.mark.parametrize("name, kind, columns", [
    ("generic_orders.csv", "orders", "'order_id' and 'placed_at'"),
    ("events.csv", "events", "'type' and 'occurred_at'"),
])
def test_an_orders_or_events_file_imported_as_customers_is_refused(store, run_import, name, kind, columns):
    before = snapshot(store)
    with pytest.raises(ImportRefused, match=f"line 1: this looks like an {kind} file, not customers "
                                            f"\\(it has the columns {columns}\\); import it as {kind} instead"):
        run_import(FIXTURES / name, "customers")
    assert snapshot(store) == before


def test_a_customers_file_with_an_order_count_or_a_type_is_still_customers(tmp_path, run_import):
    p = tmp_path / "c.csv"
    p.write_text("id,email,created_at,type,orders,total_spent\nC1,a@example.com,2025-01-01,b2b,3,9.50\n")
    assert run_import(p, "customers").inserted == 1


def test_missing_required_column_refused(tmp_path, run_import):
    p = tmp_path / "o.csv"
    p.write_text("order_id,customer_id,total\nO1,C1,5\n")
    with pytest.raises(ImportRefused, match="line 1: missing column placed_at"):
        run_import(p, "orders")


def test_a_customer_time_zone_in_any_case_is_stored_by_its_real_name(tmp_path, store, run_import):
    p = tmp_path / "c.csv"
    p.write_text("customer_id,timezone\nC1,europe/berlin\nC2,utc\nC3,Mars/Olympus\n")
    report = run_import(p, "customers", skip_invalid=True)
    assert customer(store, "C1")["timezone"] == "Europe/Berlin" and customer(store, "C2")["timezone"] == "UTC"
    assert [(e.line, e.column) for e in report.rejected] == [(4, "timezone")]


def test_a_currency_sign_in_the_amount_books_the_order_in_that_money(tmp_path, store, run_import):
    p = tmp_path / "o.csv"
    p.write_text(
        "order_id,customer_id,placed_at,total,currency\n"
        "O1,C1,2025-01-01,£12.50,\n"  # no currency cell: the sign says GBP, not the shop's EUR
        "O2,C1,2025-01-02,12.50,\n"
        "O3,C1,2025-01-03,£12.50,EUR\n"  # the sign and the currency cell disagree
        "O4,C1,2025-01-04,$3.00,\n"  # a dollar in a EUR shop: which dollar?
    )
    report = run_import(p, "orders", skip_invalid=True)
    currencies = dict(store.conn.execute("SELECT order_id, currency FROM orders").fetchall())
    assert currencies == {"O1": "GBP", "O2": "EUR"}
    assert [(e.line, e.column) for e in report.rejected] == [(4, "total"), (5, "total")]
    assert "is in GBP but the order's currency is EUR" in report.rejected[0].reason


def _woocommerce_in_dollars(tmp_path, *, net_sales: bool):
    """The WooCommerce fixture (a EUR shop's export) as a dollar shop's, with or without Net Sales."""
    lines = (FIXTURES / "woocommerce_orders.csv").read_text(encoding="utf-8").splitlines()
    rows = [line.replace(",€", ",$") for line in lines[1:3]]
    if not net_sales:  # without Net Sales the formatted revenue ("$40.00") is the total
        rows = [line.replace(",40.00,", ",,").replace(",12.00,", ",,") for line in rows]
    p = tmp_path / "w.csv"
    p.write_text("\n".join([lines[0]] + rows) + "\n", encoding="utf-8")
    return p


@pytest.mark.parametrize("net_sales", [False, True], ids=["formatted revenue only", "with net sales"])
def test_a_woocommerce_formatted_revenue_in_dollars_needs_a_dollar_shop(tmp_path, store, run_import, net_sales):
    from lifecycle_tui.store import settings

    # With Net Sales (a bare 40.00) the total comes from there, but the formatted revenue's $
    # still says which money it is: booked as EUR it would count dollars as euros.
    p = _woocommerce_in_dollars(tmp_path, net_sales=net_sales)
    with pytest.raises(ImportRefused, match=r"line 2, column 'N. Revenue \(formatted\)': .*\$ sign .* currency is EUR"):
        run_import(p, "orders")
    assert store.scalar("SELECT count(*) FROM orders") == 0
    settings.set_value(store, "shop.currency", "USD")
    assert run_import(p, "orders").inserted == 2
    assert {tuple(r) for r in store.conn.execute("SELECT currency, total_cents FROM orders")} == {("USD", 4000), ("USD", 1200)}


def test_a_full_name_column_is_split_where_the_file_has_no_first_and_last_names(tmp_path, store, run_import):
    src = tmp_path / "c.csv"
    src.write_text("Customer Email,Full Name,Mobile Phone,Email Opt In\n"
                   "ana@example.com,  Ana Maria  Silva ,+351 21 000 0000,yes\nbo@example.com,Bo,,no\n")
    report = run_import(src, "customers")
    assert report.rejected_total == 0 and report.unknown_columns == []
    ana, bo = customer(store, "ana@example.com"), customer(store, "bo@example.com")
    assert (ana["first_name"], ana["last_name"], ana["phone"], ana["accepts_email"]) == ("Ana", "Maria Silva", "+351 21 000 0000", 1)
    assert (bo["first_name"], bo["last_name"], bo["accepts_email"]) == ("Bo", None, 0)


def test_beside_first_and_last_names_a_full_name_is_kept_as_an_attribute(tmp_path, store, run_import):
    src = tmp_path / "c.csv"
    src.write_text("email,first_name,last_name,name\nana@example.com,Ana,Silva,Dr. Ana Silva\n")
    report = run_import(src, "customers")
    assert report.unknown_columns == ["name"]
    ana = customer(store, "ana@example.com")
    assert (ana["first_name"], ana["last_name"]) == ("Ana", "Silva")
    assert json.loads(ana["attributes"]) == {"name": "Dr. Ana Silva"}


def test_common_spellings_of_order_and_event_columns(tmp_path, store, run_import):
    orders = tmp_path / "o.csv"
    orders.write_text("Order No,Customer Email,Purchase Date,Order Total,Order Currency,Order Status\n"
                      "A1,ann@example.com,2025-10-07 09:50:26,12.50,GBP,refunded\n")
    report = run_import(orders, "orders")
    assert report.inserted == 1 and report.unknown_columns == []
    row = store.conn.execute("SELECT order_id, placed_at, total_cents, currency, status FROM orders").fetchone()
    assert tuple(row) == ("A1", "2025-10-07T09:50:26+00:00", 1250, "GBP", "refunded")
    events = tmp_path / "e.csv"
    events.write_text("Customer Email,Event Name,Date\nann@example.com,Product Viewed,2025-10-08 10:00:00\n")
    report = run_import(events, "events")
    assert report.inserted == 1 and report.unknown_columns == []
    assert tuple(store.conn.execute("SELECT type, occurred_at FROM events").fetchone()) == (
        "product_viewed", "2025-10-08T10:00:00+00:00")


def test_json_lines_split_a_lone_full_name_the_same_way(tmp_path, store, run_import):
    src = tmp_path / "c.jsonl"
    src.write_text('{"email": "ana@example.com", "name": "Ana Silva"}\n'
                   '{"email": "bo@example.com", "first_name": "Bo", "name": "Bo the Potter"}\n')
    report = run_import(src, "customers")
    assert report.rejected_total == 0
    ana, bo = customer(store, "ana@example.com"), customer(store, "bo@example.com")
    assert (ana["first_name"], ana["last_name"]) == ("Ana", "Silva")
    assert bo["first_name"] == "Bo" and json.loads(bo["attributes"]) == {"name": "Bo the Potter"}
