"""The Templates section: templates by channel, an editor, a live preview and lint, versions.

Left: the templates grouped by channel. Middle: the template file (front matter + body) in
an editor with Jinja/HTML highlighting. Right: the message rendered for the chosen customer,
re-rendered ~300 ms after the last keystroke in a thread worker (with the domain's renderer,
so the preview is what `lifecycle templates render` prints), and the lint findings under it.
ctrl+s saves a new version; ctrl+r lists versions and restores one; ctrl+n starts a new one;
delete (outside the editor) removes the open template after asking, unless a rule step sends it.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import OptionList, Select, Static
from textual.widgets.option_list import Option

from lifecycle_tui.messages import TemplateError, parse_source
from lifecycle_tui.messages.lint import lint_template, sample_customers
from lifecycle_tui.messages.repository import (
    get_template, list_templates, list_versions, remove_template, removal_refusal, restore_version, save_template,
)
from lifecycle_tui.store import console_queries as q
from lifecycle_tui.tui.base import SectionScreen
from lifecycle_tui.tui.widgets.dialogs import ConfirmDialog
from lifecycle_tui.tui.widgets.template_editor import TemplateEditor
from lifecycle_tui.tui.widgets.template_history import TemplateHistory
from lifecycle_tui.tui.widgets.template_preview import Preview, lint_text, preview_text, render_preview
from lifecycle_tui.wording import counted, sentence

DEBOUNCE_SECONDS = 0.3
CHANNEL_TITLES = {"email": "Email", "sms": "SMS", "push": "Push"}
NEW_TEMPLATE = {
    "email": '---\nname: new_email\nchannel: email\nsubject: "Hello {{ customer.first_name }}"\n'
             'preheader: ""\n---\n<p>Hi {{ customer.first_name }},</p>\n\n'
             '<p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>\n',
}


def preview_customers(store) -> list[tuple[int, str]]:
    """Customers to preview for: one per RFM segment (the linter's samples) first, then the first few."""
    samples = sample_customers(store)
    labels = q.customer_labels(store, [rowid for rowid, _ in samples])
    first = [(rowid, f"{labels[rowid]} · {segment}") for rowid, segment in samples if rowid in labels]
    seen = {rowid for rowid, _ in first}
    return first + [(rowid, label) for rowid, label in q.customer_choices(store, limit=30) if rowid not in seen]


def saved_and_linted(store, result, as_of) -> tuple:
    """``(save result, lint errors of what was saved)`` (none when nothing changed)."""
    if not result.changed:
        return result, []
    return result, [f.message for f in lint_template(store, result.template.name, as_of).errors]


class TemplatesScreen(SectionScreen):
    """Templates: list, editor, live preview, lint, save and version history."""

    SECTION = "Templates"
    CSS_PATH = "../screens_b.tcss"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("ctrl+r", "history", "Versions"),
        Binding("ctrl+n", "new", "New"),
        Binding("escape", "focus_list", "List"),
        # The editor keeps delete for itself while it has focus. Out of the footer, which is full
        # at 80 columns; ? lists it.
        Binding("delete", "remove", "Remove template", show=False),
    ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.current: str | None = None  # the template in the editor (None: a new, unsaved one)
        self.saved_text = ""
        self.version = 0
        self.customer: int | None = None
        self._timer: Timer | None = None

    def compose_body(self) -> ComposeResult:
        with Horizontal():
            yield OptionList(id="tpl-list")
            yield TemplateEditor("", id="tpl-editor", soft_wrap=True, show_line_numbers=True)
            with Vertical(id="tpl-side"):
                yield Select([], prompt="Preview for customer…", id="tpl-customer", allow_blank=True, compact=True)
                with VerticalScroll(id="tpl-preview"):
                    yield Static("", id="tpl-preview-body", markup=False)
                yield Static("", id="tpl-lint")
        yield Static("", id="tpl-status", classes="status-line")

    def on_mount(self) -> None:
        self.query_one("#tpl-list", OptionList).focus()
        self.query_one("#tpl-preview", VerticalScroll).border_title = "Preview"
        self.query_one("#tpl-lint", Static).border_title = "Lint"

    # -- loading ---------------------------------------------------------------------------
    def reload(self) -> None:
        self.run_db(lambda store: (list_templates(store), preview_customers(store)), self._show_list,
                    group="tpl-list")

    def _show_list(self, loaded) -> None:
        templates, customers = loaded
        options: list[Option | None] = []
        for channel, title in CHANNEL_TITLES.items():
            group = [t for t in templates if t.channel == channel]
            options.append(Option(f"── {title} ({len(group)})", id=f"channel:{channel}", disabled=True))
            options += [Option(f"  {t.name}", id=f"tpl:{t.name}") for t in group]
        listing = self.query_one("#tpl-list", OptionList)
        highlighted = listing.highlighted_option.id if listing.highlighted_option else None
        listing.set_options(options)
        target = f"tpl:{self.current}" if self.current else highlighted
        ids = [o.id for o in options if o]
        if target in ids:
            listing.highlighted = ids.index(target)
        elif templates:
            listing.highlighted = ids.index(f"tpl:{templates[0].name}")
        select = self.query_one("#tpl-customer", Select)
        with select.prevent(Select.Changed):
            select.set_options([(label, rowid) for rowid, label in customers])
            if self.customer is None and customers:
                self.customer = customers[0][0]
            if self.customer is not None:
                select.value = self.customer
        if self.current is None and templates and not self.modified:
            self.open_template(templates[0].name)
        elif self.current is not None and not self.modified:
            self.open_template(self.current)  # the store changed: show its current version

    @on(OptionList.OptionSelected, "#tpl-list")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        name = (event.option.id or "").removeprefix("tpl:")
        if self.modified and name != self.current:
            self.notify("Unsaved changes: ctrl+s saves them; ctrl+z undoes edits", severity="warning")
            return
        self.open_template(name)
        self.query_one("#tpl-editor", TemplateEditor).focus()

    def open_template(self, name: str) -> None:
        self.run_db(lambda store: get_template(store, name), self._load_editor, group="tpl-open")

    def _load_editor(self, tpl) -> None:
        if tpl is None:
            return
        self.current, self.saved_text, self.version = tpl.name, tpl.source_text, tpl.version
        editor = self.query_one("#tpl-editor", TemplateEditor)
        if editor.text != tpl.source_text:
            editor.load_text(tpl.source_text)
        self._update_status()
        self.schedule_preview(0)

    @property
    def modified(self) -> bool:
        return self.query_one("#tpl-editor", TemplateEditor).text != self.saved_text

    def unsaved_changes(self) -> str | None:
        """What quitting now would lose (the app asks before it quits)."""
        return f"the template {self.current or '(new)'}" if self.modified else None

    def _update_status(self) -> None:
        name = self.current or "new template"
        state = "modified (ctrl+s saves a new version)" if self.modified else "saved"
        version = f"version {self.version}" if self.current else "not saved yet"
        self.query_one("#tpl-status", Static).update(f"{name} · {version} · {state}")

    # -- live preview ----------------------------------------------------------------------
    @on(TemplateEditor.Changed, "#tpl-editor")
    def _edited(self) -> None:
        self._update_status()
        self.schedule_preview(DEBOUNCE_SECONDS)

    @on(Select.Changed, "#tpl-customer")
    def _customer_changed(self, event: Select.Changed) -> None:
        self.customer = None if event.value is Select.NULL else int(event.value)
        self.schedule_preview(0)

    def schedule_preview(self, delay: float) -> None:
        """Render after ``delay`` seconds of quiet (each keystroke restarts the wait)."""
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(delay, self.render_now) if delay else None
        if not delay:
            self.render_now()

    def render_now(self) -> None:
        text = self.query_one("#tpl-editor", TemplateEditor).text
        name, customer, as_of = self.current, self.customer, self.as_of
        if not text.strip():
            return
        self.run_db(lambda store: render_preview(store, text, name, customer, as_of), self._show_preview,
                    group="tpl-preview")

    def _show_preview(self, preview: Preview) -> None:
        self.query_one("#tpl-preview-body", Static).update(preview_text(preview))
        self.query_one("#tpl-lint", Static).update(lint_text(preview))

    # -- saving and versions ---------------------------------------------------------------
    def action_save(self) -> None:
        text = self.query_one("#tpl-editor", TemplateEditor).text
        name = self.current

        def save(store):
            if name is None:  # a new template must not land on an existing one as its next version
                new_name = parse_source(text).name
                if get_template(store, new_name) is not None:
                    raise TemplateError("a template with this name exists: change `name:` in the front matter",
                                        template=new_name)
            return saved_and_linted(store, save_template(store, text, name=name, origin="edit"), as_of)

        as_of = self.as_of
        self.run_db(save, self._saved, group="tpl-save")

    def _saved(self, saved: tuple, restored_from: int | None = None) -> None:
        result, errors = saved
        tpl = result.template
        self._load_editor(tpl)  # a restore replaces the text; a save keeps it (the editor holds it already)
        if not result.changed:
            self.notify(f"{tpl.name}: no changes to save")
        elif errors:
            # Saved (the text parses), but every message from it would fail: say so, not just "Saved".
            self.notify(f"Saved {tpl.name} as version {tpl.version}, but lint finds {counted(len(errors), 'error')}: "
                        f"{sentence(errors[0])} Messages from it fail until it is fixed.", severity="warning", timeout=10)
        elif restored_from is not None:
            self.notify(f"Restored version {restored_from} of {tpl.name} as version {tpl.version}")
        else:
            self.notify(f"Saved {tpl.name} as version {tpl.version}")
        self._update_status()
        self.reload()

    def action_history(self) -> None:
        name = self.current
        if name is None:
            return
        self.run_db(lambda store: list_versions(store, name),
                    lambda versions: self.app.push_screen(TemplateHistory(name, versions), self._restore),
                    group="tpl-history")

    def _restore(self, version: int | None) -> None:
        name = self.current
        if version is None or name is None:
            return
        if self.modified:
            self.notify("Save or undo your changes before restoring a version", severity="warning")
            return
        as_of = self.as_of
        self.run_db(lambda store: saved_and_linted(store, restore_version(store, name, version), as_of),
                    lambda saved: self._saved(saved, restored_from=version), group="tpl-save")

    def action_new(self) -> None:
        if self.modified:
            self.notify("Unsaved changes: save them first (ctrl+s)", severity="warning")
            return
        self.current, self.saved_text, self.version = None, "", 0
        editor = self.query_one("#tpl-editor", TemplateEditor)
        editor.load_text(NEW_TEMPLATE["email"])
        editor.focus()
        self._update_status()
        self.schedule_preview(0)

    def action_remove(self) -> None:
        name = self.current
        if name is None:
            return
        if self.modified:
            self.notify("Unsaved changes: save or undo them first", severity="warning")
            return
        self.run_db(lambda store: removal_refusal(store, name), lambda refused: self._ask_remove(name, refused),
                    group="tpl-save")

    def _ask_remove(self, name: str, refused: str | None) -> None:
        if refused:  # said before asking, in the words the CLI uses
            self.app.report_error(ValueError(f"{name}: {refused}"), title="Not removed")
            return
        question = f"Remove template {name} and its saved versions?"
        self.app.push_screen(ConfirmDialog(question, "Remove"), lambda yes: self._remove(name) if yes else None)

    def _remove(self, name: str) -> None:
        self.run_db(lambda store: remove_template(store, name), self._removed, group="tpl-save")

    def _removed(self, tpl) -> None:
        self.notify(f"Removed {tpl.name}")
        self.current, self.saved_text, self.version = None, "", 0
        self.query_one("#tpl-editor", TemplateEditor).load_text("")
        self.reload()  # opens the first template

    def action_focus_list(self) -> None:
        self.query_one("#tpl-list", OptionList).focus()
