"""Spreadsheet dates: ``07/10/2025``, ``7.10.2025 09:50``, ``10/7/2025 9:50:26 AM`` as ISO text.

A file saved from a spreadsheet writes dates the way its locale shows them. Whether
``07/10/2025`` is the 7th of October or July the 10th cannot be told from the cell (nor, for
most files, from the whole column), so the shop says it once with the ``import.date_order``
setting: ``dmy`` or ``mdy``. Until it does, such a cell is a bad row whose reason names the
setting; nothing is guessed. A dotted date (``7.10.2025``) is day first wherever it is written.
"""

from __future__ import annotations

import re
from calendar import month_name, monthrange

ORDERS = ("dmy", "mdy")
SETTING = "import.date_order"

_LOCAL = re.compile(
    r"(\d{1,2})([./-])(\d{1,2})\2(\d{4})"
    r"(?:(?:[ T]|,\s*)(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([AaPp])\.?[Mm]\.?)?)?"
)


def is_local_date(text: str) -> bool:
    """Whether ``text`` has the shape of a spreadsheet date (whatever its order)."""
    return _LOCAL.fullmatch(text) is not None


def local_to_iso(text: str, order: str) -> str | None:
    """``YYYY-MM-DD HH:MM:SS`` for a spreadsheet date in ``order`` ("dmy", "mdy", or "" when the
    shop has not said), None for a cell of another shape. Raises ``ValueError`` naming the
    setting when the order is needed and not set, or when the day or month cannot be."""
    m = _LOCAL.fullmatch(text)
    if m is None:
        return None
    first, sep, second, year, hour, minute, second_s, half = m.groups()
    if sep == ".":
        order = "dmy"
    if order not in ORDERS:
        raise ValueError(
            f"{text!r}: is {first} the day or the month? Set {SETTING} to dmy ({first}/{second} is day/month) "
            f"or mdy (month/day) in Settings or with `lifecycle settings set {SETTING} dmy`, and import again")
    day, month = (first, second) if order == "dmy" else (second, first)
    if not 1 <= int(month) <= 12:
        raise ValueError(f"{text!r} has no month {int(month)} ({SETTING} is {order}: "
                         f"{'day/month/year' if order == 'dmy' else 'month/day/year'})")
    if not 1 <= int(day) <= monthrange(int(year), int(month))[1]:
        raise ValueError(f"{text!r}: {month_name[int(month)]} {year} has no day {int(day)} ({SETTING} is {order})")
    h = int(hour or 0)
    if half:  # 12 AM is midnight, 12 PM noon
        if not 1 <= h <= 12:
            raise ValueError(f"{text!r}: no hour {h} on a 12-hour clock")
        h = h % 12 + (12 if half in "Pp" else 0)
    return f"{year}-{int(month):02d}-{int(day):02d} {h:02d}:{minute or '00'}:{second_s or '00'}"
