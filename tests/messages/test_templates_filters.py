"""Shop filters: money, date, first_name_or, pluralize."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from lifecycle_tui.messages.filters import first_name_or, format_date, money, pluralize


@pytest.mark.parametrize("cents, currency, expected", [
    (1250, "EUR", "€12.50"), (1250, "USD", "$12.50"), (1250, "SEK", "12.50 SEK"),
    (123456, "GBP", "£1,234.56"), (-500, "EUR", "-€5.00"), (125000, "JPY", "¥1,250"), (125049, "JPY", "¥1,250"), (125050, "JPY", "¥1,251"), (5, None, "€0.05"),
])
def test_money(cents, currency, expected):
    assert money(cents, currency, "EUR") == expected


def test_date_named_and_pattern_and_zone():
    assert format_date("2026-06-30T12:00:00+00:00", "long") == "30 June 2026"
    assert format_date("2026-06-30T23:30:00+00:00", "iso", "Europe/Berlin") == "2026-07-01"
    assert format_date("2026-06-30", "%d/%m/%Y") == "30/06/2026"
    assert format_date("--12-24", "day_month") == "24 December"
    assert format_date(datetime(2026, 1, 5, tzinfo=timezone.utc), "%a %-d %b") == "Mon 5 Jan"
    assert format_date(None) == ""


@pytest.mark.parametrize("value, expected", [
    ("anna", "Anna"), ("  Ben ", "Ben"), ("", "there"), (None, "there"), ("bob@example.com", "there"), ("McKay", "McKay"),
])
def test_first_name_or(value, expected):
    assert first_name_or(value) == expected


def test_pluralize():
    assert pluralize(1) == "" and pluralize(2) == "s"
    assert pluralize(1, "item") == "1 item" and pluralize(3, "item") == "3 items"
    assert pluralize(2, "box", "boxes") == "2 boxes"
