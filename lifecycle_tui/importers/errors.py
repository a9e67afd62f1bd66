"""Import errors: a refused file (nothing written) and one bad row (line, column, reason)."""

from __future__ import annotations

from dataclasses import dataclass


class ImportRefused(Exception):
    """The whole file was refused; the message names the file and, for a bad row, line and column.

    ``rejected`` carries the bad rows found (for ``--json``; up to the report's limit, while
    ``rejected_total`` counts them all); the store is unchanged.
    ``skippable``: the refusal is a bad row, which skipping invalid rows would get past (the
    CLI and the console each say how, in their own words). ``report`` is the import's report as
    far as it got (format, encoding, ...), when the file was opened at all.
    """

    def __init__(self, message: str, rejected: list[dict] | None = None, *, skippable: bool = False,
                 rejected_total: int | None = None) -> None:
        super().__init__(message)
        self.rejected = rejected or []
        self.rejected_total = len(self.rejected) if rejected_total is None else rejected_total
        self.skippable = skippable
        self.report = None


@dataclass(frozen=True)
class RowError:
    """One rejected input row. ``line`` is the physical line where the record starts."""

    line: int
    column: str
    reason: str

    def to_json(self) -> dict:
        return {"line": self.line, "column": self.column, "reason": self.reason}


class BadValue(ValueError):
    """A value could not be read; carries the column so readers can build a :class:`RowError`."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason
