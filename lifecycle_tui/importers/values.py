"""Reading cell values: money to integer cents, dates to UTC ISO text, consent flags, tags, statuses.

Each parser takes the raw cell text and raises ``ValueError`` with a reason written for a
shop owner; readers turn that into a :class:`~lifecycle_tui.importers.errors.RowError`.
The date and money parsers have fast paths for the common shapes because a million-row
import calls them a million times each.
"""

from __future__ import annotations

import json
import re
from datetime import datetime

from lifecycle_tui.importers.header_words import LOCAL_STATUSES, fold
from lifecycle_tui.importers.local_dates import is_local_date, local_to_iso
from lifecycle_tui.store.addresses import is_email_address, is_phone_number, phone_text
from lifecycle_tui.store.timeutil import parse_datetime, to_iso

_fromiso = datetime.fromisoformat

# ---------------------------------------------------------------- dates


# Exports write a stand-in where a record has no date: MySQL's zero date (WooCommerce),
# 0001-01-01 (.NET), 1900-01-01 (Excel, SQL Server), the Unix epoch. No shop's order, event or
# sign-up is that old, and taken as real one would make its customer look lapsed for decades.
EARLIEST = "1971"  # compared with the UTC text: the epoch written in any zone falls before it


class PlaceholderDate(ValueError):
    """A date cell holding an export's stand-in for "no date" (see :data:`EARLIEST`)."""


def placeholder_date(text: str) -> PlaceholderDate:
    return PlaceholderDate(f"{text!r} is too early to be real: exports write 0000-00-00, 0001-01-01 or "
                           f"1970-01-01 where a record has no date (dates before {EARLIEST} are not taken)")


_ISO_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}")


def not_a_real_date(text: str, exc: ValueError) -> ValueError:
    """``not a real date: '2025-02-30' (day is out of range for month)``: the form is right, the day does not exist."""
    return ValueError(f"not a real date: {text!r} ({exc})")


def utc_iso(text: str, tz: str, tz_is_utc: bool, date_order: str = "") -> str:
    """A date/time cell as UTC ISO-8601 text; a value without zone is read in ``tz``. A
    spreadsheet date (``07/10/2025 09:50``) is read in ``date_order`` (see :mod:`.local_dates`).
    Raises :class:`PlaceholderDate` for a stand-in such as ``0000-00-00`` or ``1970-01-01``."""
    s = text.strip()
    n = len(s)
    # Fast paths (no datetime arithmetic): "YYYY-MM-DD HH:MM:SS" in a UTC shop, or already UTC.
    # fromisoformat also takes other 19-character shapes ("2025-01-10T12:00+01", week dates
    # "2025-W01-1 12:00:00"): every separator is checked, so those go the general way.
    if n == 19 and tz_is_utc and s[10] in " T" and s[4] == s[7] == "-" and s[13] == s[16] == ":" and s >= EARLIEST:
        try:
            _fromiso(s)  # validates (raises ValueError on 2025-02-30 etc.)
        except ValueError as exc:
            raise not_a_real_date(s, exc) from None
        return f"{s[:10]}T{s[11:]}+00:00"
    if n == 25 and s.endswith("+00:00") and s[10] in " T" and s[4] == s[7] == "-" and s[13] == s[16] == ":" \
            and s >= EARLIEST:
        try:
            _fromiso(s)
        except ValueError as exc:
            raise not_a_real_date(s, exc) from None
        return f"{s[:10]}T{s[11:19]}+00:00"
    if not s:
        raise ValueError("empty date")
    if s.startswith("0000-00-00"):
        raise placeholder_date(s)
    iso = local_to_iso(s, date_order)  # a spreadsheet's 07/10/2025, else None
    try:
        out = to_iso(parse_datetime(iso or s, tz))
    except ValueError:
        if _ISO_SHAPE.match(iso or s):  # the right form; is there such a day (2025-02-30)?
            try:
                _fromiso((iso or s)[:10])
            except ValueError as exc:
                raise not_a_real_date(s, exc) from None
        raise ValueError(f"not a date/time: {s!r} (expected e.g. 2025-10-07 09:50:26 or 2025-10-07T09:50:26+02:00)") from None
    except OverflowError:  # 0001-01-01 read in a zone east of UTC
        raise placeholder_date(s) from None
    if out < EARLIEST:
        raise placeholder_date(s)
    return out


def birthday(text: str, date_order: str = "") -> str:
    """``YYYY-MM-DD``, or ``--MM-DD`` when the year is unknown (``MM-DD`` is accepted too); a
    spreadsheet date (``07/10/1990``) is read in ``date_order`` (see :mod:`.local_dates`)."""
    s = text.strip()
    if is_local_date(s):  # a spreadsheet's 07/10/1990 (or 07/10/1990 00:00 from a date-time column)
        s = local_to_iso(s, date_order)[:10]
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})|(?:--)?(\d{2})-(\d{2})", s)
    if not m:
        raise ValueError(f"not a birthday: {s!r} (expected YYYY-MM-DD or --MM-DD)")
    try:
        if m.group(1):
            _fromiso(s)  # a real calendar date
            return s
        month, day = int(m.group(4)), int(m.group(5))
        _fromiso(f"2000-{month:02d}-{day:02d}")  # 2000 is a leap year: --02-29 is valid
    except ValueError as exc:
        raise not_a_real_date(text.strip(), exc) from None
    return f"--{month:02d}-{day:02d}"


# ---------------------------------------------------------------- money

_SYMBOLS = "$€£¥ \u00a0\u202f"
_CODE = re.compile(r"^[A-Za-z]{3}\s*|\s*[A-Za-z]{3}$")


# Far above any real order, far below SQLite's integer limit even summed over millions of
# orders (a larger cell would otherwise fail the insert, or the revenue sums, with an overflow).
MAX_CENTS = 10**12


def cents(text: str, decimal_comma: bool = False) -> int:
    """An amount as integer minor units: ``12.50``, ``1,234.50``, ``12,50`` (and ``1.234,50``).

    With ``decimal_comma`` (a ``;``-delimited file) a lone ``,`` or ``.`` followed by three
    digits is read the European way; otherwise ``1,234`` is one thousand two hundred ...
    Amounts beyond 10,000,000,000 either way are refused.
    """
    value = _cents(text, decimal_comma)
    if abs(value) > MAX_CENTS:
        raise ValueError(f"amount too large: {text.strip()!r} (at most 10,000,000,000.00)")
    return value


# One dot between a 1-3 digit whole part and exactly three digits, no comma: 2.500, €2.500, 2.500 EUR.
_DOT_THOUSANDS = re.compile(r"^[^\d.,]*\d{1,3}\.\d{3}[^\d.,]*$")


def dot_groups_thousands(text: str) -> bool:
    """Whether ``text`` is an amount that only a decimal-comma reading makes thousands (``2.500``)."""
    return bool(_DOT_THOUSANDS.match(text.strip()))


def _cents(text: str, decimal_comma: bool) -> int:
    s = text.strip()
    if s.isdigit():
        return int(s) * 100
    whole, dot, frac = s.partition(".")
    if dot and whole.isdigit() and frac.isdigit() and len(frac) <= 2 and not (decimal_comma and len(frac) == 3):
        return int(whole) * 100 + int(frac.ljust(2, "0"))
    return _cents_slow(s, decimal_comma)


_GROUPING = str.maketrans("", "", "' \u00a0\u202f")


def _cents_slow(s: str, decimal_comma: bool) -> int:
    if not s:
        raise ValueError("empty amount")
    t = _CODE.sub("", s.strip(_SYMBOLS)).strip(_SYMBOLS)
    if len(t) > 2 and t[0] == "(" and t[-1] == ")":  # an accountant's negative: (12.50)
        t = "-" + _CODE.sub("", t[1:-1].strip(_SYMBOLS)).strip(_SYMBOLS)
    neg = t.startswith("-")
    # Digit grouping by apostrophe (Swiss), space, no-break or narrow no-break space (French).
    body = (t[1:] if t[:1] in "+-" else t).strip(_SYMBOLS).translate(_GROUPING)
    if not body or not body[0].isdigit() or any(c not in "0123456789.," for c in body):
        raise ValueError(f"not an amount: {s!r} (expected e.g. 12.50)")
    dot, comma = body.rfind("."), body.rfind(",")
    if dot >= 0 and comma >= 0:
        dec = "." if dot > comma else ","
        group_sep = "," if dec == "." else "."
    elif dot < 0 and comma < 0:
        dec = group_sep = None
    else:
        sep = "." if dot >= 0 else ","
        after = len(body) - body.rfind(sep) - 1
        thousands_sep = "." if decimal_comma else ","
        if body.count(sep) > 1 or (after == 3 and sep == thousands_sep):
            dec, group_sep = None, sep  # grouping only, e.g. 1,234,567 or (European) 1.234
        else:
            dec, group_sep = sep, None
    if dec:
        int_part, _, frac = body.rpartition(dec)
    else:
        int_part, frac = body, ""
    groups = int_part.split(group_sep) if group_sep else [int_part]
    if len(groups) > 1 and (not groups[0] or len(groups[0]) > 3 or any(len(g) != 3 for g in groups[1:])):
        raise ValueError(f"not an amount: {s!r} (digit grouping is off)")
    int_digits = "".join(groups)
    if not int_digits.isdigit() or (frac and not frac.isdigit()):
        raise ValueError(f"not an amount: {s!r} (expected e.g. 12.50)")
    frac = frac.rstrip("0") if len(frac) > 2 else frac
    if len(frac) > 2:
        raise ValueError(f"not an amount: {s!r} (more than two decimal places)")
    value = int(int_digits) * 100 + int(frac.ljust(2, "0") or 0)
    return -value if neg else value


_SYMBOL_CODES = {"€": "EUR", "£": "GBP"}
# A "$" (or "¥") names no one currency: it fits any of these, and only these.
_SYMBOL_FAMILIES = {"$": {"USD", "CAD", "AUD", "NZD", "SGD", "HKD", "MXN", "TWD", "ARS", "CLP", "COP"}, "¥": {"JPY", "CNY"}}
_MARKED = re.compile(r"[$€£¥]|^\s*-?\s*[A-Za-z]{3}|[A-Za-z]{3}\s*$")


def amount_currency(text: str, currency: str | None, default: str) -> str:
    """The currency of an amount cell (``€12.50``, ``12.50 GBP``, ``$5``) given the order's
    currency cell (None when it has none) and the shop's currency; raises ValueError when the
    two disagree, where taking either would book the order in the wrong money."""
    if not _MARKED.search(text):  # a plain number: the currency cell's, or the shop's
        return currency or default
    s = text.strip()
    code = next((c for sym, c in _SYMBOL_CODES.items() if sym in s), None)
    if code is None and (m := _CODE.search(s.strip(_SYMBOLS + "-"))):
        code = m.group(0).strip().upper()
    if code is not None:
        if currency and currency != code:
            raise ValueError(f"the amount {s!r} is in {code} but the order's currency is {currency}")
        return code
    chosen = currency or default
    for sym, family in _SYMBOL_FAMILIES.items():
        if sym in s and chosen not in family:
            raise ValueError(f"the amount {s!r} has a {sym} sign but the order's currency is {chosen}; "
                             "give the order its currency (a currency column, or the shop.currency setting)")
    return chosen


def currency(text: str, default: str) -> str:
    if len(text) == 3 and text.isupper() and text.isalpha() and text.isascii():  # fast path: "EUR"
        return text
    s = text.strip().upper()
    if not s:
        return default
    if not re.fullmatch(r"[A-Z]{3}", s):
        raise ValueError(f"not a currency code: {text.strip()!r} (expected e.g. EUR)")
    return s


# ---------------------------------------------------------------- flags, tags, text

# Spelled with "_" for any run of spaces or hyphens ("Opted in", "opt-in" are opted_in, opt_in).
# Shopify's marketing states: redacted and invalid addresses are no consent; pending is a
# double opt-in not yet confirmed.
_TRUE = {"1", "yes", "y", "true", "t", "on", "subscribed", "opted_in", "opt_in", "x", "✓", "✔",
         "accepted", "granted", "confirmed",
         "ja", "oui", "si", "sí", "wahr", "vrai", "angemeldet", "abonniert"}  # de, fr, es/it, nl
_FALSE = {"0", "no", "n", "false", "f", "off", "unsubscribed", "not_subscribed", "opted_out", "opt_out",
          "never_subscribed", "pending", "declined", "denied", "redacted", "invalid",
          "nein", "non", "nee", "falsch", "faux", "abgemeldet", "nicht_angemeldet"}
_SPACING = re.compile(r"[\s-]+")


def flag(text: str) -> int | None:
    """A consent cell as 1/0; empty means "not given" (``None``: keep what the store has)."""
    s = _SPACING.sub("_", text.strip().lower())
    if not s:
        return None
    if s in _TRUE:
        return 1
    if s in _FALSE:
        return 0
    raise ValueError(f"not a yes/no value: {text.strip()!r} (expected yes or no)")


def tags(text: str) -> list[str]:
    """Tags from ``vip, newsletter`` or a JSON list; trimmed, de-duplicated, order kept."""
    s = text.strip()
    if s.startswith("["):
        try:
            items = json.loads(s)
        except json.JSONDecodeError:
            raise ValueError(f"not a JSON list of tags: {s!r}") from None
        if not isinstance(items, list):
            raise ValueError("tags must be a list")
        items = [str(i) for i in items]
    else:
        items = s.split(",")
    out: list[str] = []
    for item in items:
        item = item.strip()
        if item and item not in out:
            out.append(item)
    return out


def email_norm(text: str) -> str:
    return text.strip().lower()


def check_email(text: str) -> str:
    s = text.strip()
    if not is_email_address(s):
        raise ValueError(f"not an email address: {s!r}")
    return s


def phone(text: str) -> str:
    """A phone cell as stored: trimmed, without the text-marker ``'`` of Shopify and Excel exports."""
    if not is_phone_number(text):
        raise ValueError(f"not a phone number: {text.strip()!r} (expected e.g. +49 151 2345678)")
    return phone_text(text)


def json_object(text: str) -> dict:
    s = text.strip()
    if not s:
        return {}
    try:
        value = json.loads(s)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc.msg} at character {exc.pos + 1}") from None
    if not isinstance(value, dict):
        raise ValueError("must be a JSON object such as {\"sku\": \"TEE-1\"}")
    return value


_TYPE_SEPARATORS = re.compile(r"[\s\-]+")


def event_type(text: str) -> str:
    """``Review Submitted`` / ``review-submitted`` -> ``review_submitted``: the names rules and
    stages look for, however an export spells them."""
    return _TYPE_SEPARATORS.sub("_", text.strip().lower())


def score(value, top: int) -> float:
    """A review rating or NPS answer as a number from 0 to ``top`` (``"4,5"`` too; the stages
    read it as a number, so ``"five"`` would silently never count)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"{value!r} is not a number from 0 to {top}")
    try:
        number = float(value.strip().replace(",", ".")) if isinstance(value, str) else float(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a number from 0 to {top}") from None
    if not 0 <= number <= top:  # NaN fails this too
        raise ValueError(f"{value!r} is not a number from 0 to {top}")
    return number


def quantity(text: str) -> int:
    s = text.strip()
    if not s:
        return 1
    try:
        value = int(float(s)) if "." in s else int(s)
    except ValueError:
        raise ValueError(f"not a quantity: {s!r}") from None
    if value < 0:
        raise ValueError(f"negative quantity: {s!r}")
    return value


# Order statuses: ours are paid, fulfilled, pending, cancelled, refunded. Cancelled and
# refunded never count as purchases, so anything that means "no money kept" maps there.
STATUSES = ("paid", "fulfilled", "pending", "cancelled", "refunded")
NOT_PURCHASES = ("refunded", "cancelled")
_STATUS_MAP = {
    "paid": "paid", "complete": "fulfilled", "completed": "fulfilled", "fulfilled": "fulfilled",
    "shipped": "fulfilled", "delivered": "fulfilled", "processing": "paid", "partially_paid": "paid",
    "partially_refunded": "paid", "authorized": "pending", "pending": "pending", "on-hold": "pending",
    "on_hold": "pending", "unpaid": "pending", "cancelled": "cancelled", "canceled": "cancelled",
    "voided": "cancelled", "void": "cancelled", "failed": "cancelled", "expired": "cancelled",
    "refunded": "refunded", "pending_payment": "pending", "checkout_draft": "pending", "draft": "pending",
    "wc-checkout-draft": "pending", "wc-completed": "fulfilled", "wc-processing": "paid", "wc-on-hold": "pending",
    "wc-pending": "pending", "wc-cancelled": "cancelled", "wc-refunded": "refunded", "wc-failed": "cancelled",
}


def status(text: str) -> str:
    fast = _STATUS_MAP.get(text)  # fast path: already one of ours
    if fast:
        return fast
    s = text.strip().lower().replace(" ", "_")
    if not s:
        return "paid"
    found = _STATUS_MAP.get(s) or LOCAL_STATUSES.get(fold(s))
    if found is None:
        raise ValueError(f"unknown order status {text.strip()!r} (expected one of {', '.join(STATUSES)})")
    return found
