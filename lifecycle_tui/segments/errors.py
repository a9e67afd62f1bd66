"""Errors of the segment layer, written for the shop owner."""

from __future__ import annotations


class SegmentRuleError(ValueError):
    """A segment rule could not be read.

    ``reason`` says what is wrong, ``position`` is the 0-based offset into the rule text and
    ``column`` the 1-based column; ``str()`` adds the rule line with a caret under the spot.
    """

    def __init__(self, reason: str, position: int = 0, text: str | None = None) -> None:
        self.reason = reason
        self.position = max(0, position)
        self.text = text
        super().__init__(self._render())

    @property
    def message(self) -> str:
        """The reason alone (``str(error)`` adds the column and the caret line)."""
        return self.reason

    @property
    def column(self) -> int:
        if self.text is None:
            return self.position + 1
        line_start = self.text.rfind("\n", 0, self.position) + 1
        return self.position - line_start + 1

    def with_text(self, text: str) -> "SegmentRuleError":
        return SegmentRuleError(self.reason, self.position, text)

    def _render(self) -> str:
        head = f"{self.reason} (column {self.column})"
        if self.text is None:
            return head
        line_start = self.text.rfind("\n", 0, self.position) + 1
        line_end = self.text.find("\n", self.position)
        line = self.text[line_start: None if line_end < 0 else line_end]
        return f"{head}\n  {line}\n  {' ' * (self.position - line_start)}^"


class SegmentNotFound(LookupError):
    """No saved or built-in segment has this name; the message suggests the closest."""


class SegmentNameError(ValueError):
    """A segment name was refused (empty, or taken by a built-in)."""


class SegmentInUse(ValueError):
    """A saved segment a rule still sends to (a broadcast's audience) cannot be removed."""
