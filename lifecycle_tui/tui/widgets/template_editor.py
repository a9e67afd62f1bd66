"""A TextArea that highlights Jinja templates (tags, expressions, comments) and HTML markup.

Textual highlights through tree-sitter, which is an optional extra and has no Jinja grammar.
Template files are small, so a regex pass over the whole document after each edit is cheap
and gives what a template author needs to see: ``{{ expressions }}``, ``{% statements %}``,
``{# comments #}``, HTML tags and attributes, and the YAML front matter keys.
"""

from __future__ import annotations

import re

from textual.widgets import TextArea

# Order matters: earlier kinds win where spans overlap (a tag inside a comment stays a comment).
_PATTERNS: list[tuple[re.Pattern[bytes], str]] = [
    (re.compile(rb"\{#.*?#\}", re.S), "comment"),
    (re.compile(rb"<!--.*?-->", re.S), "comment"),
    (re.compile(rb"\{%-?.*?-?%\}", re.S), "keyword"),
    (re.compile(rb"\{\{-?.*?-?\}\}", re.S), "function"),
    (re.compile(rb"</?[A-Za-z][A-Za-z0-9-]*|/?>"), "tag"),
    (re.compile(rb"""\s([A-Za-z_:][-A-Za-z0-9_:.]*)(?==)"""), "attribute"),
    (re.compile(rb'"[^"\n]*"'), "string"),
    (re.compile(rb"^(?:---|[A-Za-z_]+:)", re.M), "yaml.field"),
]


def highlight_spans(source: bytes) -> list[tuple[int, int, str]]:
    """Non-overlapping ``(start, end, name)`` byte spans of ``source`` to highlight."""
    taken: list[tuple[int, int]] = []
    spans: list[tuple[int, int, str]] = []
    for pattern, name in _PATTERNS:
        for match in pattern.finditer(source):
            group = 1 if pattern.groups else 0
            start, end = match.span(group)
            if start == end or any(start < e and s < end for s, e in taken):
                continue
            taken.append((start, end))
            spans.append((start, end, name))
    return spans


class TemplateEditor(TextArea):
    """Editor for template files with Jinja/HTML highlighting (no tree-sitter needed)."""

    def _build_highlight_map(self) -> None:
        # Replaces TextArea's tree-sitter query; highlights are (start_byte, end_byte, name) per line.
        self._line_cache.clear()
        highlights = self._highlights
        highlights.clear()
        lines = [line.encode("utf-8") for line in self.document.lines]
        starts = []
        offset = 0
        for line in lines:
            starts.append(offset)
            offset += len(line) + 1  # joined with b"\n" below
        source = b"\n".join(lines)
        row = 0
        for start, end, name in sorted(highlight_spans(source)):
            while row + 1 < len(starts) and starts[row + 1] <= start:
                row += 1
            r = row
            while r < len(starts) and starts[r] < end:
                line_start = starts[r]
                s = max(start - line_start, 0)
                e = end - line_start
                highlights[r].append((s, e if e <= len(lines[r]) else None, name))
                r += 1
