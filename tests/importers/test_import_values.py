"""Cell parsers: money to cents, dates to UTC ISO, consent flags, tags, statuses."""

from __future__ import annotations

import pytest

from lifecycle_tui.importers import values as V
from lifecycle_tui.store.addresses import EMAIL_LINES, is_email_address


@pytest.mark.parametrize(
    "text, decimal_comma, expected",
    [
        ("12.50", False, 1250),
        ("12.5", False, 1250),
        ("12", False, 1200),
        ("1,234.50", False, 123450),
        ("1,234", False, 123400),
        ("12,50", True, 1250),
        ("1.234,50", True, 123450),
        ("1.234", True, 123400),
        ("12.50", True, 1250),
        ("-3.00", False, -300),
        ("€12.50", False, 1250),
        ("12.50 EUR", False, 1250),
        ("0.5", False, 50),
        ("12.500", False, 1250),
        ("1\u202f234,50", True, 123450),  # French grouping: a narrow no-break space
        ("1\u00a0234,50", True, 123450),
        ("1'234.50", False, 123450),
        ("(12.50)", False, -1250),  # an accountant's negative
        ("(€12.50)", False, -1250),
    ],
)
def test_cents(text, decimal_comma, expected):
    assert V.cents(text, decimal_comma) == expected


@pytest.mark.parametrize("text", ["", "ten", "12.345", "1,23,4.00", "12..5", "--3", "()", "-(12.50)", "(12.50"])
def test_cents_refuses(text):
    with pytest.raises(ValueError):
        V.cents(text)


@pytest.mark.parametrize("text", ["99999999999999999999", "10000000000.01", "-10,000,000,001"])
def test_amounts_beyond_ten_billion_are_refused_by_name(text):
    with pytest.raises(ValueError, match="amount too large"):
        V.cents(text)
    assert V.cents("10,000,000,000.00") == V.MAX_CENTS


def test_dates_become_utc_iso_in_shop_zone():
    assert V.utc_iso("2025-10-07 09:50:26", "UTC", True) == "2025-10-07T09:50:26+00:00"
    assert V.utc_iso("2025-10-07 09:50:26 +0200", "UTC", True) == "2025-10-07T07:50:26+00:00"
    assert V.utc_iso("2025-10-07T09:50:26Z", "UTC", True) == "2025-10-07T09:50:26+00:00"
    # Without a zone the shop's time zone applies (Berlin is UTC+2 in October).
    assert V.utc_iso("2025-10-07 09:50:26", "Europe/Berlin", False) == "2025-10-07T07:50:26+00:00"
    assert V.utc_iso("2025-10-07", "UTC", True) == "2025-10-07T00:00:00+00:00"
    # Other 19-character shapes are converted, not copied: an hour offset, an ISO week date.
    assert V.utc_iso("2025-01-10T12:00+01", "UTC", True) == "2025-01-10T11:00:00+00:00"
    assert V.utc_iso("2025-W01-1 12:00:00", "UTC", True) == "2024-12-30T12:00:00+00:00"


@pytest.mark.parametrize("text", ["2025-02-30 10:00:00", "07/10/2025", "yesterday", ""])
def test_bad_dates_refused(text):
    with pytest.raises(ValueError):
        V.utc_iso(text, "UTC", True)


@pytest.mark.parametrize("text", ["0000-00-00 00:00:00", "0000-00-00", "0001-01-01 00:00:00", "1900-01-01",
                                  "1970-01-01 00:00:00", "1970-01-01T00:00:00+00:00", "1969-12-31 19:00:00-05:00"])
@pytest.mark.parametrize("tz", ["UTC", "Europe/Berlin", "America/New_York"])
def test_stand_ins_for_no_date_are_refused_by_name(text, tz):
    with pytest.raises(V.PlaceholderDate, match=r"too early to be real: exports write 0000-00-00"):
        V.utc_iso(text, tz, tz == "UTC")


def test_the_first_real_dates_pass():
    assert V.utc_iso("1971-01-01 00:00:00", "UTC", True) == "1971-01-01T00:00:00+00:00"
    assert V.utc_iso("1971-01-01 08:00:00", "Europe/Berlin", False) == "1971-01-01T07:00:00+00:00"


@pytest.mark.parametrize("text, expected", [
    ("Opted in", 1), ("opt-in", 1), ("Subscribed", 1), ("✓", 1), ("Accepted", 1),
    ("Not subscribed", 0), ("never  subscribed", 0), ("opt out", 0), ("REDACTED", 0), ("invalid", 0), ("pending", 0),
])
def test_consent_words_as_exports_write_them(text, expected):
    assert V.flag(text) == expected


def test_flags_tags_status_birthday():
    assert V.flag("Yes") == 1 and V.flag("no") == 0 and V.flag(" ") is None
    with pytest.raises(ValueError):
        V.flag("maybe")
    assert V.tags("vip, newsletter, vip") == ["vip", "newsletter"]
    assert V.tags('["a", "b"]') == ["a", "b"]
    assert V.status("Cancelled") == "cancelled" and V.status("voided") == "cancelled"
    assert V.status("completed") == "fulfilled" and V.status("") == "paid"
    with pytest.raises(ValueError):
        V.status("lost in the post")
    assert V.birthday("07-01") == "--07-01" and V.birthday("1990-04-12") == "1990-04-12"
    with pytest.raises(ValueError):
        V.birthday("1990-02-30")


@pytest.mark.parametrize("text", ["ann@example.com", "Ann.Potter+tea@mail.example.co.uk", "o'neil@example.ie",
                                  "ÉLODIE@example.fr", "x@b.de"])
def test_email_addresses_taken(text):
    assert is_email_address(text) and V.check_email(f" {text} ") == text


@pytest.mark.parametrize("text", [
    "Ann Potter <ann@example.com>",  # a mail client's "name <address>", pasted whole
    "ann@example.com, bob@example.com", "ann@example.com;bob@example.com",  # two in one cell
    "ann@example.com\nc3", "ann@exam\tple.com",  # a line break or tab from a misread file
    "ann@example", "ann@example.", "ann@.com", "@example.com", "ann@@example.com", "ann", "\"ann\"@example.com",
])
def test_what_is_not_one_email_address(text):
    assert not is_email_address(text)
    with pytest.raises(ValueError, match="not an email address"):
        V.check_email(text)


@pytest.mark.parametrize("text, stored", [
    ("+49 151 2345678", "+49 151 2345678"), ("'+4915112345678", "+4915112345678"),  # Shopify's text marker
    ("(030) 123-4567", "(030) 123-4567"), ("0049/151.2345678", "0049/151.2345678"), (" 555 0100 ", "555 0100"),
])
def test_phone_numbers_taken(text, stored):
    assert V.phone(text) == stored


@pytest.mark.parametrize("text", ["call me maybe", "=1+2", "12345", "+49 151 2345678 ext. 3", "1234567890123456",
                                  "49+151", "ann@example.com", "'"])
def test_what_is_not_a_phone_number(text):
    with pytest.raises(ValueError, match="not a phone number"):
        V.phone(text)


def test_a_column_of_addresses_is_checked_in_one_call():
    assert EMAIL_LINES.fullmatch("a@example.com\n\nb@example.org\n")
    assert not EMAIL_LINES.fullmatch("a@example.com\nAnn <b@example.org>\nc@example.net")


@pytest.mark.parametrize("text, given, default, expected", [
    ("12.50", None, "EUR", "EUR"),  # a plain number: the currency cell's or the shop's
    ("12.50", "USD", "EUR", "USD"),
    ("€12.50", None, "USD", "EUR"),  # the symbol says what the shop default would not
    ("£ 12.50", "GBP", "EUR", "GBP"),
    ("12.50 CHF", None, "EUR", "CHF"),
    ("-EUR 5", None, "GBP", "EUR"),
    ("$12.50", None, "USD", "USD"),  # a $ fits any dollar currency
    ("$12.50", "CAD", "EUR", "CAD"),
    ("¥1200", None, "JPY", "JPY"),
])
def test_the_currency_an_amount_is_in(text, given, default, expected):
    assert V.amount_currency(text, given, default) == expected


@pytest.mark.parametrize("text, given, default, reason", [
    ("£12.50", "EUR", "EUR", "is in GBP but the order's currency is EUR"),
    ("12.50 USD", "EUR", "EUR", "is in USD but the order's currency is EUR"),
    ("$12.50", None, "EUR", "has a $ sign but the order's currency is EUR"),
    ("$12.50", "GBP", "USD", "has a $ sign but the order's currency is GBP"),
])
def test_an_amount_in_other_money_than_its_order_is_refused(text, given, default, reason):
    with pytest.raises(ValueError, match=reason.replace("$", r"\$")):
        V.amount_currency(text, given, default)


@pytest.mark.parametrize("read, text", [
    (lambda s: V.utc_iso(s, "UTC", True), "2025-02-30 10:00:00"),  # the fast path
    (lambda s: V.utc_iso(s, "UTC", True), "2025-02-30T10:00:00+00:00"),
    (lambda s: V.utc_iso(s, "Europe/Berlin", False), "2025-02-30"),  # the general path
    (V.birthday, "1990-02-30"),
    (V.birthday, "--02-30"),
])
def test_a_date_in_the_right_form_that_does_not_exist_is_named_with_its_value(read, text):
    with pytest.raises(ValueError) as refused:
        read(text)
    assert str(refused.value) == f"not a real date: {text!r} (day is out of range for month)"
