"""Time helpers: everything is stored as UTC ISO-8601 text and computed at an explicit ``as_of``."""

from __future__ import annotations

from datetime import date, datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

UTC = timezone.utc


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def to_iso(dt: datetime) -> str:
    """UTC ISO-8601 text with seconds precision and a ``Z``-free ``+00:00`` offset."""
    if dt.tzinfo is None:
        raise ValueError("naive datetime: give it a zone before storing")
    return dt.astimezone(UTC).replace(microsecond=0).isoformat()


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def zone_name(text: str) -> str | None:
    """The IANA name ``text`` means, whatever its case (``utc`` -> ``UTC``, ``europe/berlin`` ->
    ``Europe/Berlin``), or None when there is no such zone."""
    return _zone_names().get(text.strip().lower())


def zone(name: str | None) -> ZoneInfo:
    """The named zone, or UTC for an empty/unknown name."""
    if not name:
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def parse_datetime(text: str, default_tz: str | None = "UTC") -> datetime:
    """Parse the date/time forms shops export; a value without zone is read in ``default_tz``.

    Accepts ISO-8601 (``2025-10-07T09:50:26Z``, ``2025-10-07 09:50:26+02:00``), Shopify's
    ``2025-10-07 09:50:26 +0200``, and a bare date ``2025-10-07``. Raises ``ValueError``.
    """
    s = text.strip()
    if not s:
        raise ValueError("empty date")
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    # Shopify: "2025-10-07 09:50:26 +0200" -> "2025-10-07 09:50:26+02:00"
    if len(s) >= 6 and s[-5] in "+-" and s[-6] == " " and s[-4:].isdigit():
        s = f"{s[:-6]}{s[-5:-2]}:{s[-2:]}"
    try:
        dt = datetime.fromisoformat(s)
    except ValueError:
        raise ValueError(f"not a date/time: {text.strip()!r} (expected e.g. 2025-10-07 09:50:26)") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=zone(default_tz))
    return dt.astimezone(UTC).replace(microsecond=0)


# The as-of times the console plans at. Rules look up to ten years ahead and back from it, so a
# year near 9999 would overflow Python's dates half-way through a plan.
AS_OF_YEARS = (1970, 2999)


def parse_as_of(text: str | None) -> datetime | None:
    """Parse an as-of value (``--as-of``, ``clock.as_of``, the Dispatch field: date or date-time,
    UTC when no zone); ``None`` passes through. Raises ValueError outside :data:`AS_OF_YEARS`."""
    if text is None:
        return None
    dt = parse_datetime(text, "UTC")
    low, high = AS_OF_YEARS
    if not low <= dt.year <= high:
        raise ValueError(f"{text.strip()!r} is out of range: an as-of time lies between {low} and {high}")
    return dt


def parse_date(text: str) -> date:
    return date.fromisoformat(text.strip())
