"""Small helpers for the sentences messages to the shop owner are built from (no UI imports)."""

from __future__ import annotations


def with_article(word: str) -> str:
    """``"an email"``, ``"a push"``, ``"an orders"``: the indefinite article a word takes."""
    return f"an {word}" if word[:1].lower() in "aeiou" else f"a {word}"
