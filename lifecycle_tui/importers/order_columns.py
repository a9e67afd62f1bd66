"""Generic order rows a run of plain lines at a time: whole columns checked and converted at once.

The bulk order reader (``bulk.order_batches``) spends most of its time calling the fast row
converter (``generic.fast_orders``) a million times. For a run of plain lines
(``Table.chunks``) in the common shape, every check that converter makes can be made on a
whole column with C-level string, regex and ``map`` operations instead, and every value it
returns built the same way. :func:`block_converter` does that, and declines (returns
``None`` for) a run in which any cell would need more than the fast converter does: that run
then goes row by row, so what is stored, rejected and reported stays exactly the same.
"""

from __future__ import annotations

import re
from datetime import datetime
from itertools import repeat
from typing import Callable

from lifecycle_tui.importers.canonical import STATUS_FAST, ReadContext
from lifecycle_tui.importers.values import EARLIEST
from lifecycle_tui.store.addresses import EMAIL_LINES

# "YYYY-MM-DD HH:MM:SS" or with "T", optionally "+00:00", one per line (ASCII digits only:
# anything else is for the row converters). The calendar is checked by fromisoformat.
_TIMES = re.compile(r"(?:[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\+00:00)?\n)*")
_BARE_TIMES = re.compile(r"(?:[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}\n)*")
_UTC_T_TIMES = re.compile(r"(?:[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+00:00\n)*")
# Up to ten digits before the point, as the row converter takes (values.MAX_CENTS).
_CENTS = re.compile(r"(?:[0-9]{1,10}\.[0-9]{2}\n)*")
_UNITS = re.compile(r"(?:[0-9]{1,10}\n)*")

BlockConverter = Callable[[int, list], "list | None"]
_NO_ATTRS: dict = {}


def repeat_empty(n: int) -> list:
    """An attributes column of ``n`` rows without attributes (one shared, never-mutated dict)."""
    return [_NO_ATTRS] * n


def block_converter(known: list[tuple[int, str]], width: int, delimiter: str, ctx: ReadContext) -> BlockConverter:
    """``convert(first_line, lines)`` -> the rows of ``lines`` as ``generic.ORDER_FIELDS``
    columns, or ``None`` when one of them is not in the common shape (see the module doc).

    Only for files whose columns are all order fields (no attributes) in a UTC shop without
    decimal commas, the files ``generic.fast_orders`` is made for.
    """
    fields = {f: i for i, f in known}
    i_oid, i_placed, i_total = fields["order_id"], fields["placed_at"], fields["total"]
    i_cid, i_email = fields.get("customer_id"), fields.get("email")
    i_cur, i_status = fields.get("currency"), fields.get("status")
    per_line = width - 1
    default_currency = ctx.currency
    statuses = set(STATUS_FAST)
    fromiso = datetime.fromisoformat

    def convert(first_line: int, lines: list) -> list | None:
        n = len(lines)
        text = "".join(lines)
        if "\r" in text:
            text = text.replace("\r\n", "\n")
            if "\r" in text:
                return None
        if text.endswith("\n"):
            text = text[:-1]
        # Exactly one record per line and `width` cells in each (blank lines decline too).
        if text.count("\n") != n - 1 or set(map(str.count, lines, repeat(delimiter))) != {per_line}:
            return None
        cells = text.replace("\n", delimiter).split(delimiter)

        oids = cells[i_oid::width]
        joined = "\n".join(oids)
        if "" in oids or joined[0] == " " or joined[-1] == " " or " \n" in joined or "\n " in joined:
            return None

        if i_cid is None:
            cids = [None] * n
        else:
            cids = cells[i_cid::width]
            joined = "\n".join(cids)
            if "" in cids or joined[0] in " '" or joined[-1] == " " or " \n" in joined or "\n " in joined or "\n'" in joined:
                return None  # a row keyed by email only, or a cell to clean: row by row
        if i_email is None:
            if i_cid is None:
                return None
            emails = norms = [None] * n
        else:
            emails = cells[i_email::width]
            blank = emails.count("")
            if blank and i_cid is None:  # a row with neither key: an error, found row by row
                return None
            if not EMAIL_LINES.fullmatch("\n".join(emails)):
                return None  # a cell that is not one address: found (and named) row by row
            norms = list(map(str.lower, emails))
            if blank:
                emails = [e or None for e in emails]
                norms = [e or None for e in norms]

        placed = cells[i_placed::width]
        joined = "\n".join(placed) + "\n"
        if _UTC_T_TIMES.fullmatch(joined):
            times = placed  # already "YYYY-MM-DDTHH:MM:SS+00:00"
        elif _BARE_TIMES.fullmatch(joined):
            # Digits everywhere else, so the only space is the one between date and time.
            times = ("+00:00\n".join(placed) + "+00:00").replace(" ", "T").split("\n")
        elif _TIMES.fullmatch(joined):
            times = [f"{p[:10]}T{p[11:19]}+00:00" for p in placed]
        else:
            return None
        if min(placed) < EARLIEST:  # a stand-in for no date (1970-01-01): refused by the row converters
            return None
        try:
            for _ in map(fromiso, placed):  # the calendar: no 2025-02-30, no 25:00
                pass
        except ValueError:
            return None

        totals = cells[i_total::width]
        joined = "\n".join(totals) + "\n"
        if _CENTS.fullmatch(joined):
            amounts = list(map(int, joined[:-1].replace(".", "").split("\n")))
        elif _UNITS.fullmatch(joined):
            amounts = list(map(int, "00\n".join(totals).split("\n")))
            amounts[-1] *= 100
        else:
            return None

        if i_cur is None:
            currencies = [default_currency] * n
        else:
            currencies = cells[i_cur::width]
            # One currency throughout is the usual case: a C-level count, no set of a million cells.
            found = {currencies[0]} if currencies.count(currencies[0]) == n else set(currencies)
            if "" in found:
                currencies = [c or default_currency for c in currencies]
                found = set(currencies)
            if not all(len(c) == 3 and c.isupper() and c.isalpha() and c.isascii() for c in found):
                return None

        if i_status is None:
            states = ["paid"] * n
        else:
            states = cells[i_status::width]
            found = set(states)
            if "" in found:
                states = [s or "paid" for s in states]
                found.discard("")
            if not found <= statuses:
                return None

        lines_no = list(range(first_line, first_line + n))
        return [lines_no, oids, cids, emails, norms, times, amounts, currencies, states, repeat_empty(n)]

    return convert
