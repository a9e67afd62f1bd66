"""Importers: one reader per source format yielding canonical rows, one engine that writes them.

Public entry points:

* :func:`import_file` (``store, path, kind, fmt="auto", *, at, dry_run, skip_invalid,
  progress``) -> :class:`ImportReport`; raises :class:`ImportRefused` with a message naming
  file, line, column and reason (the store is then unchanged).
* :func:`read_table` (``path``) -> ``(line_number, {column: value})`` for any CSV/TSV,
  with encoding and delimiter sniffed (used for unsubscribe and bounce lists).
* :func:`detect_format`, :data:`FORMATS`, :data:`KINDS`.
"""

from lifecycle_tui.importers.engine import ImportReport, import_file
from lifecycle_tui.importers.errors import ImportRefused, RowError
from lifecycle_tui.importers.formats import FORMATS, KINDS, detect_format
from lifecycle_tui.importers.reader import Table, normalise_header, read_table

__all__ = [
    "FORMATS", "KINDS", "ImportRefused", "ImportReport", "RowError", "Table",
    "detect_format", "import_file", "normalise_header", "read_table",
]
