"""Shop filters for templates: ``money``, ``date``, ``first_name_or``, ``pluralize``/``pluralise``.

The filters are built per renderer (:func:`make_filters`) so ``money`` knows the shop's
currency and ``date`` the shop's time zone.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from lifecycle_tui.store.timeutil import parse_datetime, zone

# Symbols written before the amount; every other currency is written "12.50 SEK".
SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "AUD": "A$", "CAD": "CA$", "NZD": "NZ$", "INR": "₹"}
# ISO 4217 currencies without minor units, written without decimals ("¥1,250"). The store
# keeps every amount in hundredths of its currency (an import reads ¥1,250 as 125000, as it
# reads €12.50 as 1250), so these are rounded to whole units for display.
ZERO_DECIMALS = {"JPY", "KRW", "ISK", "CLP", "VND"}

NAMED_DATE_FORMATS = {
    "short": "%-d %b %Y",      # 30 Jun 2026
    "long": "%-d %B %Y",       # 30 June 2026
    "iso": "%Y-%m-%d",         # 2026-06-30
    "day_month": "%-d %B",     # 30 June
    "month_year": "%B %Y",     # June 2026
    "weekday": "%A",           # Tuesday
    "us": "%B %-d, %Y",        # June 30, 2026
}
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def money(cents, currency: str | None = None, default_currency: str = "EUR") -> str:
    """Hundredths + currency -> "€12.50", "$1,234.00", "12.50 SEK", "¥1,250" (None -> "")."""
    if cents is None or cents == "":
        return ""
    code = (currency or default_currency or "").upper()
    value = int(round(float(cents)))
    sign = "-" if value < 0 else ""
    value = abs(value)
    amount = f"{(value + 50) // 100:,}" if code in ZERO_DECIMALS else f"{value // 100:,}.{value % 100:02d}"
    symbol = SYMBOLS.get(code)
    return f"{sign}{symbol}{amount}" if symbol else f"{sign}{amount} {code}".strip()


def _strftime(d: date | datetime, pattern: str) -> str:
    """strftime without the C library's locale and platform quirks (English names, %-d)."""
    def sub(m: re.Match) -> str:
        flag, code = m.group(1), m.group(2)
        if code == "%":
            return "%"
        values = {
            "d": (d.day, 2), "m": (d.month, 2), "Y": (d.year, 4), "y": (d.year % 100, 2),
            "H": (getattr(d, "hour", 0), 2), "M": (getattr(d, "minute", 0), 2),
            "I": (((getattr(d, "hour", 0) - 1) % 12) + 1, 2),
        }
        if code in values:
            n, width = values[code]
            return str(n) if flag == "-" else str(n).zfill(width)
        texts = {"B": _MONTHS[d.month - 1], "b": _MONTHS[d.month - 1][:3], "A": _DAYS[d.weekday()],
                 "a": _DAYS[d.weekday()][:3], "p": "AM" if getattr(d, "hour", 0) < 12 else "PM"}
        if code in texts:
            return texts[code]
        return m.group(0)

    return re.sub(r"%(-?)([a-zA-Z%])", sub, pattern)


def format_date(value, fmt: str = "long", tz_name: str | None = None) -> str:
    """A stored ISO date/time (or date/datetime) in the shop's zone, by name or pattern."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        d = value
    elif isinstance(value, date):
        d = value
    else:
        text = str(value).strip()
        if re.fullmatch(r"--\d\d-\d\d", text):  # birthday without a year
            text = "2000" + text[1:]
        if re.fullmatch(r"\d{4}-\d\d-\d\d", text):
            d = date.fromisoformat(text)
        else:
            d = parse_datetime(text, "UTC")
    if isinstance(d, datetime) and d.tzinfo is not None:
        d = d.astimezone(zone(tz_name))
    return _strftime(d, NAMED_DATE_FORMATS.get(fmt, fmt))


def first_name_or(value, fallback: str = "there") -> str:
    """The first name, tidied ("anna" -> "Anna"), or ``fallback`` when it is empty or not a name."""
    if value is not None and not isinstance(value, str):
        value = getattr(value, "first_name", None)  # the whole customer was passed
    name = (value or "").strip().split(" ")[0] if value else ""
    if not name or "@" in name or any(ch.isdigit() for ch in name):
        return fallback
    return name[:1].upper() + name[1:] if name.islower() else name


def pluralize(count, singular: str | None = None, plural: str | None = None) -> str:
    """``n|pluralize`` -> "" or "s"; ``n|pluralize('item')`` -> "1 item" / "3 items"."""
    try:
        n = int(count if not isinstance(count, (list, tuple)) else len(count))
    except (TypeError, ValueError):
        n = 0
    if singular is None:
        return "" if n == 1 else "s"
    word = singular if n == 1 else (plural if plural is not None else singular + "s")
    return f"{n} {word}"


def _remembered(cache: dict, key, make):
    """``cache[key]``, made by ``make()`` the first time (the cache starts over past 10,000 keys)."""
    text = cache.get(key)
    if text is None:
        if len(cache) > 10_000:
            cache.clear()
        text = cache[key] = make()
    return text


def make_filters(currency: str, tz_name: str) -> dict:
    """The shop filters bound to the shop's currency and time zone."""
    dates: dict[tuple[str, str], str] = {}  # a plan formats the same few dates thousands of times
    amounts: dict[tuple[int, str | None], str] = {}  # and the same few prices

    def date_filter(value, fmt="long"):
        if not (isinstance(value, str) and isinstance(fmt, str)):
            return format_date(value, fmt, tz_name)
        return _remembered(dates, (value, fmt), lambda: format_date(value, fmt, tz_name))

    def money_cached(cents, cur):
        if type(cents) is not int or not (cur is None or type(cur) is str):
            return money(cents, cur, currency)
        return _remembered(amounts, (cents, cur), lambda: money(cents, cur, currency))

    return {
        "money": lambda cents, cur=None: money_cached(cents, cur),  # the lambda's signature errors, as before
        "date": date_filter,
        "first_name_or": first_name_or,
        "pluralize": pluralize,
        "pluralise": pluralize,
    }
