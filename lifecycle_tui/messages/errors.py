"""The one error type of the messages package: a refused template, with where and why."""

from __future__ import annotations


class TemplateError(Exception):
    """A template could not be parsed, rendered or sent as it stands.

    ``template`` is the template name, ``field`` the part (``html``, ``subject``, ``text`` ...),
    ``line`` the line in the template file (1-based, or ``None`` when unknown) and ``reason``
    a sentence for the shop owner. ``str(err)`` joins them into one readable message.
    """

    def __init__(self, reason: str, *, template: str | None = None, field: str | None = None, line: int | None = None):
        self.reason = reason
        self.template = template
        self.field = field
        self.line = line
        super().__init__(self.message)

    @property
    def message(self) -> str:
        where = self.template or "template"
        if self.field:
            where += f" ({self.field})"
        if self.line:
            where += f", line {self.line}"
        return f"{where}: {self.reason}"

    def __str__(self) -> str:  # the attributes may be filled in after construction
        return self.message

    def to_dict(self) -> dict:
        return {"template": self.template, "field": self.field, "line": self.line, "reason": self.reason}
