"""The template preview: render editor text for one customer with the domain renderer, and
format the result and its findings for the Templates section.

:func:`render_preview` runs in a worker. It parses and compiles the text the way saving
would, renders it with :class:`lifecycle_tui.messages.Renderer` (the renderer behind
`lifecycle templates render`, so the preview is the same message), and collects problems
instead of raising, so that a half-typed template shows its error in place of a crash.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from rich.markup import escape
from rich.text import Text

from lifecycle_tui.messages import Renderer, TemplateError, parse_source


@dataclass
class Preview:
    """A rendered preview (``message`` may be None) and what is wrong or worth knowing."""

    message: object | None = None
    error: str | None = None  # the template does not parse, compile or render
    errors: list[str] = field(default_factory=list)  # it renders, but could not be sent like this
    warnings: list[str] = field(default_factory=list)
    lint: list[str] = field(default_factory=list)


def _lint(store, parsed) -> list[str]:
    """Findings of the domain linter for this text (empty when the linter is not available)."""
    try:
        from lifecycle_tui.messages import lint_template  # type: ignore[attr-defined]
    except ImportError:
        return []
    report = lint_template(store, parsed)
    return [str(f) for f in getattr(report, "findings", report)]


def render_preview(store, text: str, name: str | None, customer_rowid: int | None, as_of: datetime) -> Preview:
    """Render ``text`` (a whole template file) for one customer at ``as_of``; never raises TemplateError."""
    out = Preview()
    try:
        parsed = parse_source(text, name=name)
        renderer = Renderer(store, as_of)
        compiled = renderer.compile(parsed)
        out.lint = _lint(store, parsed)
        if customer_rowid is None:
            out.error = "Pick a customer to preview for."
            return out
        message = renderer.render_compiled(compiled, customer_rowid, check=False)
    except TemplateError as exc:
        out.error = str(exc)
        return out
    out.message = message
    out.errors = list(message.envelope.get("errors") or [])
    out.warnings = list(message.warnings)
    return out


def preview_text(preview: Preview) -> Text:
    """The rendered message as a person reads it: headers, then the text."""
    m = preview.message
    if m is None:
        return Text(preview.error or "", style="bold red")
    f = m.fields
    to = m.to or "(no address)"
    if m.channel == "email":
        head = f"To: {to}\nSubject: {f['subject']}\n" + (f"Preheader: {f['preheader']}\n" if f.get("preheader") else "")
        body = f["text"]
    elif m.channel == "sms":
        head = f"To: {to}\n{f['encoding']} · {f['segments']} segment{'s' if f['segments'] != 1 else ''}" \
               f" · {f.get('units', len(f['text']))} characters\n"
        body = f["text"]
    else:
        head = f"To: {to}\nTitle: {f['title']}\n" + (f"Link: {f['url']}\n" if f.get("url") else "") \
               + f"Payload: {f['payload_bytes']} bytes\n"
        body = f["body"]
    text = Text(head, style="bold")
    text.append("\n" + body)
    return text


def lint_text(preview: Preview) -> str:
    """Errors, warnings and lint findings as markup lines (green when there is nothing)."""
    if preview.message is None and preview.error:
        return "[red]✗ not rendered: the error is shown in the preview[/]"
    lines = [f"[red]✗ {escape(e)}[/]" for e in preview.errors]
    lines += [f"[yellow]! {escape(w)}[/]" for w in preview.warnings]
    lines += [f"[yellow]! {escape(w)}[/]" for w in preview.lint if w not in preview.warnings]
    return "\n".join(lines) if lines else "[green]✓ no problems found[/]"
