"""Segment export to CSV: owner-only file, written atomically, with spreadsheet formulas neutralised.

A cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab / carriage return) would be run as
a formula by spreadsheet programs; such text cells get a leading ``'``.
"""

from __future__ import annotations

import csv
import os
import tempfile
from datetime import datetime
from pathlib import Path

from lifecycle_tui.store.customers import iter_customers
from lifecycle_tui.store.targets import check_output_file

COLUMNS = [
    "customer_id", "email", "phone", "first_name", "last_name", "orders", "revenue", "first_order_at", "last_order_at",
    "stage", "rfm_segment", "r", "f", "m", "accepts_email", "accepts_sms", "accepts_push",
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A cell value safe for spreadsheets (text only; numbers pass through)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _row(c: dict) -> list:
    flat = {**c, "rfm_segment": c["rfm"]["segment"], "r": c["rfm"]["r"], "f": c["rfm"]["f"], "m": c["rfm"]["m"]}
    for k in ("accepts_email", "accepts_sms", "accepts_push"):
        flat[k] = int(flat[k])
    return [neutralise("" if flat[k] is None else flat[k]) for k in COLUMNS]


def export_csv(store, rule: str, as_of: datetime, path: str | os.PathLike, *, overwrite: bool = False) -> int:
    """Write the members of ``rule`` at ``as_of`` to ``path`` (mode 0600); returns the row count.

    The file appears complete or not at all: rows go to a temporary file beside it, renamed at the end.
    Refused (:class:`~lifecycle_tui.store.connection.StoreError`, nothing written) for the store's
    own files, an existing file unless ``overwrite``, and a folder that does not exist.
    """
    target = Path(path).expanduser()
    check_output_file(target, store.path, overwrite=overwrite, what="the export")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)  # created 0600
    rows = 0
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(COLUMNS)
            for customer in iter_customers(store, as_of=as_of, rule=rule):
                writer.writerow(_row(customer))
                rows += 1
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return rows
