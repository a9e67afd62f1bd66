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

from lifecycle_tui.messages import Renderer, TemplateError, lint_template, parse_source
from lifecycle_tui.wording import counted


@dataclass
class Preview:
    """A rendered preview (``message`` may be None) and what is wrong or worth knowing."""

    message: object | None = None
    error: str | None = None  # the template does not parse, compile or render
    errors: list[str] = field(default_factory=list)  # it renders, but could not be sent like this
    warnings: list[str] = field(default_factory=list)
    lint: list = field(default_factory=list)  # LintFinding: level, message, line, customers


def render_preview(store, text: str, name: str | None, customer_rowid: int | None, as_of: datetime) -> Preview:
    """Render ``text`` (a whole template file) for one customer at ``as_of``; never raises TemplateError."""
    out = Preview()
    try:
        parsed = parse_source(text, name=name)
        renderer = Renderer(store, as_of)
        compiled = renderer.compile(parsed)
        # The linter renders for one customer per RFM segment: what the shop owner cannot see here.
        out.lint = list(lint_template(store, parsed, as_of, renderer=renderer))
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
        head = f"To: {to}\n{f['encoding']} · {counted(f['segments'], 'segment')}" \
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
    lines = []
    if preview.message is None and preview.error:
        lines.append("[red]✗ not rendered: the reason is in the preview[/]")
    lines += [f"[red]✗ {escape(e)}[/]" for e in preview.errors]
    lines += [f"[yellow]! {escape(w)}[/]" for w in preview.warnings]
    shown = set(preview.errors) | set(preview.warnings)
    for f in preview.lint:
        if f.message in shown:
            continue
        shown.add(f.message)
        colour, mark = ("red", "✗") if f.level == "error" else ("yellow", "!")
        where = f"line {f.line}: " if f.line else ""
        who = f" (for {', '.join(f.customers[:2])}{' …' if len(f.customers) > 2 else ''})" if f.customers else ""
        lines.append(f"[{colour}]{mark} {escape(where + f.message + who)}[/]")
    return "\n".join(lines) if lines else "[green]✓ no problems found[/]"
