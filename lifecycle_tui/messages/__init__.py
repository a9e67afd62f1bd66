"""Message templates: sandboxed Jinja, per-channel message models, lint and preview.

Public interface (what the rules, dispatch, CLI and console call):

- :func:`get_template`, :func:`list_templates`, :func:`save_template`, :func:`list_versions`,
  :func:`get_version`, :func:`restore_version`, :func:`remove_template` - templates in the store, with history.
- :class:`Renderer` ``(store, as_of).render(name, customer_rowid, extra=None)`` ->
  :class:`RenderedMessage` (``to_json()``, ``to_eml_bytes()``, ``to_payload()``).
- :func:`build_context` - the render context for one customer (previews).
- :func:`lint_template` -> :class:`LintReport`.
- :class:`TemplateError` - a refused template or render, with template, line and reason.
- :func:`unsubscribe_token`, :func:`resolve_unsubscribe_token` - signed unsubscribe links.
"""

from lifecycle_tui.messages.context import build_context
from lifecycle_tui.messages.context_schema import CONTEXT_NAMES
from lifecycle_tui.messages.errors import TemplateError
from lifecycle_tui.messages.lint import LintReport, lint_all, lint_template
from lifecycle_tui.messages.render import RenderedMessage, Renderer, preview
from lifecycle_tui.messages.repository import (
    StoredTemplate, get_template, get_version, list_templates, list_versions, remove_template, restore_version,
    save_template,
)
from lifecycle_tui.messages.source import TemplateSource, parse_source
from lifecycle_tui.messages.unsubscribe import resolve_unsubscribe_token, unsubscribe_token

__all__ = [
    "CONTEXT_NAMES", "LintReport", "RenderedMessage", "Renderer", "StoredTemplate", "TemplateError", "TemplateSource",
    "build_context", "get_template", "get_version", "lint_all", "lint_template", "list_templates", "list_versions", "parse_source", "preview",
    "remove_template", "resolve_unsubscribe_token", "restore_version", "save_template", "unsubscribe_token",
]
