"""The Textual console: nine sections, each one key away (1-9) and in the command palette.

The app owns what every section shares (see :mod:`lifecycle_tui.tui.base` for the screen side):

- ``db_path`` and :meth:`LifecycleApp.open_store`: each worker opens its own short-lived store.
- ``as_of``: explicit, else the store's pinned clock, else now; shown in the header.
- ``store_version``: bumped when ``PRAGMA data_version`` moves (polled once a second on a
  long-lived connection), so open sections refresh after a CLI import or run.
- :meth:`LifecycleApp.report_error`: an exception becomes an error notification.
- ``?`` lists every key binding; ctrl+p lists the sections; ``q`` quits.
"""

from __future__ import annotations

import importlib
from datetime import datetime
from pathlib import Path
from typing import Iterable

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import var
from textual.screen import Screen

from lifecycle_tui.store import Store, StoreError, open_store
from lifecycle_tui.store import settings as store_settings
from lifecycle_tui.tui.widgets.help import HelpScreen

# (mode key, title, "module:ClassName" under lifecycle_tui.tui.screens). A section's module is
# imported on its first visit, so the console paints its first screen without loading the rest.
SECTION_KEYS = Binding.Group("Sections")
SECTIONS = [
    ("dashboard", "Dashboard", "dashboard:DashboardScreen"),
    ("customers", "Customers", "customers:CustomersScreen"),
    ("segments", "Segments", "segments:SegmentsScreen"),
    ("templates", "Templates", "templates:TemplatesScreen"),
    ("rules", "Rules", "rules:RulesScreen"),
    ("dispatch", "Dispatch", "dispatch:DispatchScreen"),
    ("outbox", "Outbox", "outbox:OutboxScreen"),
    ("import", "Import", "import_:ImportScreen"),
    ("settings", "Settings", "settings:SettingsScreen"),
]


def section_class(target: str) -> type[Screen]:
    """The screen class named by ``"module:ClassName"`` (imported now)."""
    module, name = target.split(":")
    return getattr(importlib.import_module(f"lifecycle_tui.tui.screens.{module}"), name)


def _section_factory(target: str):
    def make() -> Screen:
        try:
            return section_class(target)()
        except Exception as exc:  # a broken section must not take the console down
            return BrokenSection(target, exc)

    make.__name__ = f"make_{target.replace(':', '_')}"
    return make

SECTION_HELP = {
    "dashboard": "Counts, revenue, stage funnel, RFM grid and what the rules would send now",
    "customers": "Browse, search and filter customers; open a profile",
    "segments": "Saved and built-in segments: counts, editor, export",
    "templates": "Message templates: edit with live preview and lint",
    "rules": "Trigger rules: enable, edit, create",
    "dispatch": "Dry-run the plan and send through a transport",
    "outbox": "Every message claimed or sent",
    "import": "Import customers, orders or events from a file",
    "settings": "Shop details, stage thresholds, send limits, transports",
}

DATA_VERSION_POLL_SECONDS = 1.0


class BrokenSection(Screen):
    """Stands in for a section whose module failed to load; says why instead of crashing."""

    def __init__(self, target: str, exc: Exception) -> None:
        super().__init__()
        self.message = f"This section could not be loaded ({target}): {type(exc).__name__}: {exc}"

    def compose(self):
        from textual.widgets import Footer, Header, Static

        yield Header()
        yield Static(self.message, classes="error-text")
        yield Footer()


class LifecycleApp(App):
    """The lifecycle console. ``db_path`` and ``as_of`` flow down to every screen."""

    TITLE = "Lifecycle console"
    CSS_PATH = "app.tcss"
    # Screens under 110 columns get the class "-narrow": the stylesheets stack or shrink the
    # panels that sit side by side at the 120-column design size (see "narrow terminals").
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    MODES = {key: _section_factory(target) for key, _, target in SECTIONS}
    DEFAULT_MODE = "dashboard"
    # The section keys share one footer entry ("1 2 3 ... Sections"): spelled out they take ~90
    # columns, which pushed a screen's own keys out of an 80-column footer. Their names are in
    # the title bar, the ? list and the command palette.
    BINDINGS = [
        Binding(str(i), f"switch_mode('{key}')", title, show=True, group=SECTION_KEYS)
        for i, (key, title, _) in enumerate(SECTIONS, start=1)
    ] + [
        Binding("question_mark", "help", "Keys", key_display="?"),
        Binding("q", "quit", "Quit"),
    ]

    # Bumped whenever the store file changed (any connection committed); screens watch it.
    store_version: var[int] = var(0)
    # The time every computation uses. Screens watch it; set it to recompute everything.
    as_of: var[datetime | None] = var(None)

    def __init__(self, db_path: Path, as_of: datetime | None = None) -> None:
        super().__init__()
        self.db_path = Path(db_path)
        self.explicit_as_of = as_of
        self.shop_name = "Lifecycle"
        self.set_reactive(LifecycleApp.as_of, as_of)
        self._watch_conn: Store | None = None
        self._shutting_down = False
        self._last_data_version: int | None = None
        self._read_identity()

    # -- store access ----------------------------------------------------------------------

    def open_store(self) -> Store:
        """A new store connection for the calling thread; close it when done (``with``)."""
        return open_store(self.db_path)

    def _read_identity(self) -> None:
        """Shop name and the as-of time (explicit, else pinned clock, else now): quick reads."""
        try:
            with self.open_store() as store:
                self.shop_name = store_settings.get(store, "shop.name")
                self.set_reactive(LifecycleApp.as_of, store_settings.resolve_as_of(store, self.explicit_as_of))
        except StoreError:
            # The CLI checks the store before starting us; a test may not. Fall back quietly.
            from lifecycle_tui.store.timeutil import utcnow

            self.set_reactive(LifecycleApp.as_of, self.explicit_as_of or utcnow().replace(second=0))
        self.fit_title()
        self.sub_title = self.header_subtitle("")

    def header_subtitle(self, section: str) -> str:
        stamp = f"as of {self.as_of:%Y-%m-%d %H:%M} UTC" if self.as_of else ""
        return " · ".join(p for p in (section, stamp) if p)

    def fit_title(self, width: int | None = None) -> None:
        """The shop name in the title bar, cut (with "…") where the whole would push the longest
        section's as-of out of it at this width: the as-of is what every figure is computed at."""
        if width is None:
            width = self.size.width if self.is_running else 80
        longest = max(len(self.header_subtitle(title)) for _, title, _ in SECTIONS)
        self.title = header_title(self.shop_name, width - TITLE_BAR_MARGIN - len(" — ") - longest)

    def on_resize(self, event) -> None:
        self.fit_title(event.size.width)  # self.size is still the old one here

    def identity_changed(self, shop_name: str | None = None, as_of: datetime | None = None) -> None:
        """The Settings section changed the shop's name (shown in the header) or the as-of
        (every section watches it and recomputes); None: unchanged."""
        if shop_name is not None:
            self.shop_name = shop_name
            self.fit_title()
        if as_of is not None:
            self.as_of = as_of

    def _reread_identity(self) -> None:
        """After another program changed the store (``lifecycle settings set shop.name ...``): the
        header's name, and a pinned clock moved there, follow; read in a worker."""
        from lifecycle_tui.tui.base import run_db

        explicit = self.explicit_as_of

        def read(store):
            pinned = store_settings.pinned_as_of(store) if explicit is None else None
            return store_settings.get(store, "shop.name"), pinned

        def apply(found) -> None:
            name, pinned = found
            self.identity_changed(shop_name=name if name != self.shop_name else None,
                                  as_of=pinned if pinned is not None and pinned != self.as_of else None)

        run_db(self, read, apply, group="identity", on_error=lambda exc: None)  # the next change tries again

    def on_mount(self) -> None:
        try:
            self._watch_conn = self.open_store()
            self._last_data_version = self._watch_conn.data_version()
        except StoreError as exc:
            self.report_error(exc)
            return
        self.set_interval(DATA_VERSION_POLL_SECONDS, self.check_store_changed, name="data_version")

    def check_store_changed(self) -> bool:
        """Look at ``PRAGMA data_version``; bump ``store_version`` if another connection committed."""
        if self._watch_conn is None:
            return False
        try:
            version = self._watch_conn.data_version()
        except Exception as exc:  # a locked or vanished file: say so, keep running
            self.report_error(exc)
            return False
        if version != self._last_data_version:
            self._last_data_version = version
            self.store_version += 1
            self._reread_identity()
            return True
        return False

    @property
    def closing(self) -> bool:
        """True once the app is shutting down: workers' queries abort (see ``base.run_db``)."""
        return self._shutting_down

    async def action_quit(self) -> None:
        unsaved = self.unsaved_changes()
        if unsaved:
            from lifecycle_tui.tui.widgets.dialogs import ConfirmDialog

            question = f"Quit and lose the unsaved changes to {' and '.join(unsaved)}?"
            self.push_screen(ConfirmDialog(question, "Quit"), self._quit_if)
            return
        await self._quit_now()

    async def _quit_if(self, yes: bool | None) -> None:
        if yes:
            await self._quit_now()

    async def _quit_now(self) -> None:
        self._shutting_down = True
        await super().action_quit()

    def unsaved_changes(self) -> list[str]:
        """What the open sections hold that is not saved (each section's ``unsaved_changes()``)."""
        # Every mode's screens, not just the current one: a template edited in Templates is
        # still unsaved after switching to the Dashboard.
        # Sections, and a form open over one (the rule form), answer the same question.
        screens = [s for stack in self._screen_stacks.values() for s in stack
                   if callable(getattr(s, "unsaved_changes", None))]
        return [what for s in screens if (what := s.unsaved_changes())]

    def on_unmount(self) -> None:
        self._shutting_down = True
        if self._watch_conn is not None:
            self._watch_conn.close()
            self._watch_conn = None

    # -- errors ----------------------------------------------------------------------------

    def report_error(self, exc: BaseException, title: str = "Error") -> None:
        """Show an exception as an error notification: its message, never a traceback."""
        message = str(exc).strip() or type(exc).__name__
        ours = type(exc).__module__.startswith("lifecycle_tui.")  # domain errors speak to the user
        if not ours and not isinstance(exc, (ValueError, LookupError, OSError)):
            # Unexpected: keep the type so a bug report is useful; details go to the dev log.
            message = f"{type(exc).__name__}: {message}"
            self.log.error(repr(exc))
        self.notify(message, title=title, severity="error", timeout=8)

    # -- keys, help and the command palette ------------------------------------------------

    def action_help(self) -> None:
        """Show every key binding active on the current screen (app, screen and focused widget)."""
        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
            return
        self.push_screen(HelpScreen.from_screen(self.screen))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for i, (key, title, _) in enumerate(SECTIONS, start=1):
            yield SystemCommand(
                f"{title}", f"Section {i}: {SECTION_HELP[key]}", lambda key=key: self.switch_mode(key)
            )
        yield SystemCommand("Keys", "Show every key binding (?)", self.action_help)
        yield from super().get_system_commands(screen)


# Columns of the title bar that hold no title (Textual's header: the icon on the left and the
# same space kept on the right).
TITLE_BAR_MARGIN = 18
HEADER_NAME_MIN = 12


def header_title(shop_name: str, room: int) -> str:
    """The shop name as the title bar shows it: at most ``room`` characters (never fewer than
    HEADER_NAME_MIN), cut with "…"."""
    name = " ".join(shop_name.split())
    room = max(room, HEADER_NAME_MIN)
    return name if len(name) <= room else name[: room - 1].rstrip() + "…"


def run_console(db_path: Path, as_of: datetime | None = None) -> None:
    LifecycleApp(db_path, as_of).run()
