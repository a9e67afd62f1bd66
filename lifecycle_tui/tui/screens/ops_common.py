"""Small display helpers shared by the Templates, Rules, Dispatch and Outbox sections.

Store access, as-of and error display come from :mod:`lifecycle_tui.tui.base` (the shell's
``SectionScreen``); this module only formats cells.
"""

from __future__ import annotations


def short(text: object, width: int) -> str:
    """``text`` cut to ``width`` characters with an ellipsis, for table cells."""
    s = "" if text is None else str(text)
    return s if len(s) <= width else s[: width - 1] + "…"


def minute(iso: str | None) -> str:
    """An ISO timestamp shown to the minute (``2026-06-30 12:00``), or empty."""
    return (iso or "")[:16].replace("T", " ")
