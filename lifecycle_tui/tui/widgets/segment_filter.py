"""Segment choices for filters (saved segments, stages, RFM segments) and the customer query they make.

Thin adapters over :mod:`lifecycle_tui.segments`: call them in a worker (they read the store).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from lifecycle_tui import segments
from lifecycle_tui.store.browse import CustomerQuery


def segment_choices(store) -> list[tuple[str, str]]:
    """``(label, segment name)`` for a Select: saved segments first, then stages, then RFM segments."""
    return [(s.name if s.builtin else f"saved: {s.name}", s.name) for s in segments.list_segments(store)]


def segment_query(store, base: CustomerQuery, name: str | None, as_of: datetime) -> CustomerQuery:
    """``base`` narrowed to the members of segment ``name`` (None: no narrowing)."""
    if not name:
        return base
    sql, params = segments.segment_where(segments.resolve_segment(store, name), as_of)
    return replace(base, filter_sql=sql, filter_params=params)
