"""Durations and trigger kinds: the parameter vocabulary of a rule, with a parser per parameter.

``TRIGGERS`` maps each trigger kind to its parameters ``name -> (default, parser)``; a default
of ``None`` means required. Parsers raise ``ValueError`` with a reason for the owner.
"""

from __future__ import annotations

import re
from datetime import timedelta

from lifecycle_tui.store.timeutil import parse_datetime, to_iso

MAX_DELAY = timedelta(days=3650)
_DURATION = re.compile(r"^\s*(\d+)\s*(m|min|h|d|w)\s*$")
_UNIT_SECONDS = {"m": 60, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def parse_duration(text) -> timedelta:
    """``"0h"``, ``"30m"``, ``"4h"``, ``"2d"``, ``"1w"`` -> timedelta; raises ValueError."""
    m = _DURATION.match(str(text))
    if not m:
        if str(text).strip().startswith("-"):
            raise ValueError(f"negative duration {text!r}: a step cannot be due before its trigger")
        raise ValueError(f"not a duration: {text!r} (use e.g. 0h, 30m, 4h, 2d, 1w)")
    return timedelta(seconds=int(m.group(1)) * _UNIT_SECONDS[m.group(2)])


def describe_duration(td: timedelta) -> str:
    """A short human form: 0h, 4h, 2d, 1w, 90m."""
    s = int(td.total_seconds())
    for unit, size in (("w", 7 * 86400), ("d", 86400), ("h", 3600), ("m", 60)):
        if s and s % size == 0:
            return f"{s // size}{unit}"
    return "0h" if s == 0 else f"{s}s"


# Trigger kinds with their parameters: name -> (default, parser). Parsers raise ValueError.
def _str_list(v) -> list[str]:
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list) or not v or not all(isinstance(x, str) and x.strip() for x in v):
        raise ValueError("must be a non-empty list of names")
    return [x.strip() for x in v]


def pos_int(v) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < 1:
        raise ValueError(f"must be a whole number of at least 1, not {v!r}")
    return v


def _duration_text(v) -> str:
    parse_duration(v)
    return str(v).strip()


def _hhmm(v) -> str:
    if not isinstance(v, str) or not _HHMM.match(v.strip()):
        raise ValueError(f"must be a time of day HH:MM, not {v!r}")
    return v.strip()


def _iso(v) -> str:
    if not isinstance(v, str):
        raise ValueError("must be an ISO date/time")
    return to_iso(parse_datetime(v, "UTC"))


def _date_property(v) -> str:
    if v not in ("birthday", "first_purchase_anniversary"):
        raise ValueError("must be birthday or first_purchase_anniversary")
    return v


def _score(lo: int, hi: int):
    def parse(v) -> int:
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise ValueError(f"must be a whole number {lo}-{hi}")
        return v

    return parse


def _segment_kind(v) -> str:
    if v not in ("stage", "rfm", "any"):
        raise ValueError("must be stage, rfm or any")
    return v


TRIGGERS: dict[str, dict[str, tuple]] = {
    "signup": {},
    "cart_abandoned": {
        "events": (["cart_updated", "checkout_started"], _str_list),
        "no_order_within": ("4h", _duration_text),
    },
    "browse_abandoned": {
        "events": (["product_viewed"], _str_list),
        "no_activity_within": ("24h", _duration_text),
    },
    "first_purchase": {},
    "nth_order": {"n": (None, pos_int)},
    "no_purchase": {"days": (None, pos_int)},
    "date_property": {"property": (None, _date_property), "at": ("09:00", _hhmm)},
    "entered_segment": {"segments": (None, _str_list), "of": ("any", _segment_kind)},
    "advocacy": {"min_nps": (9, _score(0, 10)), "min_review": (4, _score(1, 5))},
    "broadcast": {"segment": (None, lambda v: _str_list(v)[0]), "send_at": (None, _iso)},
}
