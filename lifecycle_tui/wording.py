"""Small helpers for the sentences messages to the shop owner are built from (no UI imports)."""

from __future__ import annotations


# Letters said with a vowel sound first: an initialism starting with one takes "an" ("an SMS").
_SPELLED_VOWEL_SOUND = set("aefhilmnorsx")
_INITIALISMS = {"sms", "smtp", "html", "rfm", "url", "csv"}


def with_article(word: str) -> str:
    """``"an email"``, ``"a push"``, ``"an sms"``, ``"an orders"``: the indefinite article a word takes."""
    first = word[:1].lower()
    vowel = first in _SPELLED_VOWEL_SOUND if word.lower() in _INITIALISMS else first in "aeiou"
    return f"an {word}" if vowel else f"a {word}"


def noun(n: int, word: str, plural: str | None = None) -> str:
    """``word`` in the number ``n`` asks for: "field" for 1, "fields" otherwise (``plural``:
    where adding "s" is wrong, as in "replies")."""
    return word if n == 1 else (plural or word + "s")


def counted(n: int, word: str, plural: str | None = None) -> str:
    """``"1 error"``, ``"3 errors"``, ``"0 errors"``: a count with its noun in the right number
    (see :func:`noun`). Thousands get commas."""
    return f"{n:,} {noun(n, word, plural)}"


def sentence(text: str) -> str:
    """``text`` ending as a sentence: a full stop added unless it already ends in ``.``, ``?``
    or ``!`` (so a reason that ends in a question does not become ``...?.``)."""
    text = text.rstrip()
    return text if not text or text[-1] in ".?!" else text + "."
