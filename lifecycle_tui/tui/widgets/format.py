"""Cell formatting shared by the console's sections: money, dates, yes/no marks, names."""

from __future__ import annotations


def money(cents: int | None, currency: str = "") -> str:
    """``1234567`` -> ``12,345.67`` (with the currency code after it when given)."""
    if cents is None:
        return "-"
    return f"{cents / 100:,.2f} {currency}".strip()


def day(iso: str | None) -> str:
    """The date part of an ISO timestamp, or ``-``."""
    return iso[:10] if iso else "-"


def minute(iso: str | None) -> str:
    """An ISO timestamp to the minute (``2026-06-30 12:00``), or ``-``."""
    return iso[:16].replace("T", " ") if iso else "-"


def mark(flag: object) -> str:
    return "yes" if flag else "no"


def full_name(row: dict) -> str:
    return " ".join(p for p in (row.get("first_name"), row.get("last_name")) if p) or "-"


def count(n: int) -> str:
    return f"{n:,}"
