"""The typed AST of the segment rule language (built by the parser, read by the compiler).

Values in the nodes are already converted for their field: money in cents, dates as UTC ISO
text, stage names canonical; relative times stay :class:`Ago` until compiled at an as_of.
"""

from __future__ import annotations

from dataclasses import dataclass

from lifecycle_tui.segments import fields as F


@dataclass(frozen=True)
class Ago:
    amount: float
    unit: str  # minutes, hours, days, weeks


@dataclass(frozen=True)
class Compare:
    field: F.Field
    op: str  # = < <= > >=  (!= is Not(Compare(=)))
    value: object  # int/float/str literal, or Ago


@dataclass(frozen=True)
class InList:
    field: F.Field
    values: tuple


@dataclass(frozen=True)
class Within:
    field: F.Field
    amount: float
    unit: str


@dataclass(frozen=True)
class Contains:
    field: F.Field
    value: str


@dataclass(frozen=True)
class Empty:
    field: F.Field


@dataclass(frozen=True)
class Truth:
    field: F.Field


@dataclass(frozen=True)
class Did:
    event: str
    count_op: str | None  # ">=", "<=", "=" or None for "at least once"
    count: int | None
    window: tuple[float, str] | None  # (amount, unit) or None for ever (up to as_of)


@dataclass(frozen=True)
class Not:
    item: object


@dataclass(frozen=True)
class And:
    items: tuple


@dataclass(frozen=True)
class Or:
    items: tuple


@dataclass(frozen=True)
class All:
    pass
