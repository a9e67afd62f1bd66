"""The Settings section: every store setting with its value and what it does; enter changes one.

The same registry and checks as ``lifecycle settings list|set`` (:mod:`lifecycle_tui.store.settings`):
a value is checked when it is entered in the dialog and refused there with the allowed form, so
nothing half-right is stored. Secrets are never shown. A change of the shop's name or of the
pinned clock shows at once in the header (the pinned clock also moves every section's as-of,
unless the console was started with ``--as-of``); other sections reload as after any write.
``d`` puts the highlighted setting back to its default, after asking; ``c`` shows what
``lifecycle check`` finds (is the store ready to send?); ``b`` backs the store up beside itself,
as ``lifecycle backup`` does.
"""

from __future__ import annotations

from datetime import datetime

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from lifecycle_tui.automation.readiness import check_readiness
from lifecycle_tui.store.backup import backup_store
from lifecycle_tui.store.settings import (
    SETTINGS, SettingError, as_text, brief, change, explicit_keys, get_all, reset, reset_refusal, resolve_as_of,
    validate,
)
from lifecycle_tui.tui.base import SectionScreen, highlighted_key
from lifecycle_tui.tui.screens.ops_common import short
from lifecycle_tui.tui.widgets.dialogs import ConfirmDialog, PromptDialog
from lifecycle_tui.tui.widgets.grid_dialog import GridDialog
from lifecycle_tui.tui.widgets.readiness_view import ReadinessScreen
from lifecycle_tui.tui.widgets.row_table import RowTable

COLUMNS = ("Setting", "Value", "What it does")


def _load(store) -> tuple[dict, set[str]]:
    return get_all(store), explicit_keys(store)


def setting_detail(key: str, value, explicit: bool) -> str:
    spec = SETTINGS[key]
    default = brief(key, spec.default) or "(empty)"
    lines = [
        f"[b]{key}[/b]  {'[green]set[/]' if explicit else '[dim]default[/]'}",
        escape(spec.doc),
        f"Value:   {escape(brief(key, value) or '(empty)')}",
        f"Allowed: {escape(spec.form)}; default {escape(default)}",
    ]
    if spec.on_change:
        lines.append(f"[yellow]Changing it:[/] {escape(spec.on_change)}")
    return "\n".join(lines)


class SettingsScreen(SectionScreen):
    """Settings: the list; enter or e changes the highlighted one, d puts it back to its default."""

    SECTION = "Settings"
    CSS_PATH = "../screens_b.tcss"
    BINDINGS = [Binding("e", "edit", "Change"), Binding("d", "default", "Default"), Binding("c", "check", "Check"),
                Binding("b", "backup", "Backup")]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.values: dict = {}
        self.explicit: set[str] = set()

    def compose_body(self) -> ComposeResult:
        table = RowTable(id="settings-table", cursor_type="row", zebra_stripes=True)
        table.add_columns(*COLUMNS)
        yield table
        yield Static("", id="setting-detail")

    def on_mount(self) -> None:
        self.query_one("#settings-table", DataTable).focus()

    def reload(self) -> None:
        self.run_db(_load, self._show, group="settings-load")

    def _show(self, loaded: tuple[dict, set[str]]) -> None:
        self.values, self.explicit = loaded
        table = self.query_one("#settings-table", DataTable)
        keep = self.current_key()
        table.clear()
        for key, value in self.values.items():
            shown = escape(short(brief(key, value), 32))
            table.add_row(key, shown if key in self.explicit else f"[dim]{shown}[/]",
                          escape(SETTINGS[key].doc), key=key)
        if keep in self.values:
            table.move_cursor(row=table.get_row_index(keep))
        self._show_detail()

    def current_key(self) -> str | None:
        return highlighted_key(self.query_one("#settings-table", DataTable))

    @on(DataTable.RowHighlighted, "#settings-table")
    def _show_detail(self) -> None:
        key = self.current_key()
        if key in self.values:
            self.query_one("#setting-detail", Static).update(
                setting_detail(key, self.values[key], key in self.explicit))

    @on(DataTable.RowSelected, "#settings-table")
    def _selected(self) -> None:
        self.action_edit()

    def action_edit(self) -> None:
        key = self.current_key()
        if key not in self.values:
            return
        spec = SETTINGS[key]
        if key == "rfm.grid":
            grid = GridDialog(f"{key}: {spec.doc}", self.values[key], check=lambda text: _problem(key, text))
            self.app.push_screen(grid, lambda text: self._save(key, text))
            return
        secret = key.startswith("secret.")
        question = f"{key}: {spec.doc}\nAllowed: {spec.form}."
        placeholder = "type a new key (the current one is never shown)" if secret else spec.form
        dialog = PromptDialog(question, as_text(key, self.values[key]), placeholder,
                              check=lambda text: _problem(key, text), allow_empty=True)
        self.app.push_screen(dialog, lambda text: self._save(key, text))

    def action_check(self) -> None:
        as_of = self.as_of
        self.run_db(lambda store: check_readiness(store, as_of),
                    lambda result: self.app.push_screen(ReadinessScreen(result)), group="settings-check")

    def action_backup(self) -> None:
        at = datetime.now()  # names the file: the machine's clock, not the store's as-of
        self.run_db(lambda store: backup_store(store, at=at),
                    lambda report: self.notify(escape(report.summary()), title="Backed up", timeout=10),
                    group="settings-backup")

    def action_default(self) -> None:
        key = self.current_key()
        if key not in self.values:
            return
        if key not in self.explicit:
            self.notify(f"{key} is already at its default.", title="Nothing to do")
            return
        refused = reset_refusal(key)
        if refused:  # say so before asking
            self.app.report_error(ValueError(refused), title="Not reset")
            return
        default = brief(key, SETTINGS[key].default) or "(empty)"
        question = escape(f"Put {key} back to its default ({default})? Its current value is lost.")
        self.app.push_screen(ConfirmDialog(question, "Reset"),
                             lambda yes: self._write(key, lambda store: reset(store, key)) if yes else None)

    def _save(self, key: str, text: str | None) -> None:
        if text is not None:
            self._write(key, lambda store: change(store, key, text))

    def _write(self, key: str, write) -> None:
        """Run ``write`` (``change`` or ``reset``: it returns the stored value and its note) in a worker."""
        explicit_as_of = self.lifecycle.explicit_as_of

        def save(store):
            stored, note = write(store)
            as_of = resolve_as_of(store, explicit_as_of) if key == "clock.as_of" else None
            return stored, note, as_of

        self.run_db(save, lambda result: self._saved(key, *result), group="settings-save")

    def _saved(self, key: str, stored, note: str, as_of) -> None:
        self.notify(f"{key} = {brief(key, stored) or '(empty)'}", title="Saved")
        if note:
            self.notify(note, title="Note", severity="warning", timeout=10)
        self.lifecycle.identity_changed(shop_name=stored if key == "shop.name" else None, as_of=as_of)
        self.reload()


def _problem(key: str, text: str) -> str | None:
    """Why ``text`` is refused for ``key`` (the CLI's words), else None."""
    try:
        validate(key, text)
    except SettingError as exc:
        return str(exc)
    return None
