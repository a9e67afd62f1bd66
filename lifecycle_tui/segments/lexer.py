"""Tokenizer of the segment rule language (see :mod:`lifecycle_tui.segments.parser` for the grammar)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lifecycle_tui.segments.errors import SegmentRuleError


@dataclass(frozen=True)
class Token:
    kind: str  # IDENT, STRING, NUMBER, OP, "(", ")", "[", "]", ",", ".", EOF
    value: object  # str for IDENT/OP/punctuation, decoded str for STRING, int|float for NUMBER
    pos: int  # 0-based offset in the rule text
    text: str  # the source text of the token

    def is_word(self, *words: str) -> bool:
        return self.kind == "IDENT" and str(self.value).lower() in words


MAX_DIGITS = 15
_SPACE = re.compile(r"\s+")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?![A-Za-z_])")
_OPS = ("==", "!=", "<>", "<=", ">=", "=", "<", ">")
_PUNCT = "()[],."
_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'"}


def tokenize(text: str) -> list[Token]:
    """Tokens of ``text`` ending with an EOF token; raises :class:`SegmentRuleError`."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        m = _SPACE.match(text, i)
        if m:
            i = m.end()
            continue
        ch = text[i]
        if ch in "\"'":
            i = _string(text, i, tokens)
            continue
        m = _NUMBER.match(text, i)
        if m:
            raw = m.group()
            if len(raw.lstrip("-").split(".")[0]) > MAX_DIGITS:  # beyond what SQLite integers hold
                raise SegmentRuleError(f"the number {raw} is too large", i, text)
            tokens.append(Token("NUMBER", float(raw) if "." in raw else int(raw), i, raw))
            i = m.end()
            continue
        m = _IDENT.match(text, i)
        if m:
            tokens.append(Token("IDENT", m.group(), i, m.group()))
            i = m.end()
            continue
        op = next((o for o in _OPS if text.startswith(o, i)), None)
        if op:
            tokens.append(Token("OP", {"==": "=", "<>": "!="}.get(op, op), i, op))
            i += len(op)
            continue
        if ch in _PUNCT:
            tokens.append(Token(ch, ch, i, ch))
            i += 1
            continue
        raise SegmentRuleError(f"unexpected character {ch!r}", i, text)
    tokens.append(Token("EOF", None, n, ""))
    return tokens


def _string(text: str, start: int, tokens: list[Token]) -> int:
    quote = text[start]
    out: list[str] = []
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            out.append(_ESCAPES.get(text[i + 1], "\\" + text[i + 1]))
            i += 2
            continue
        if ch == quote:
            tokens.append(Token("STRING", "".join(out), start, text[start: i + 1]))
            return i + 1
        out.append(ch)
        i += 1
    raise SegmentRuleError("this text has no closing quote", start, text)
