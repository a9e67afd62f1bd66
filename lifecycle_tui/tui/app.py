"""The Textual console: eight sections, each one key away (1-8) and in the command palette."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from textual.app import App
from textual.binding import Binding

from lifecycle_tui.tui.screens.customers import CustomersScreen
from lifecycle_tui.tui.screens.dashboard import DashboardScreen
from lifecycle_tui.tui.screens.dispatch import DispatchScreen
from lifecycle_tui.tui.screens.import_ import ImportScreen
from lifecycle_tui.tui.screens.outbox import OutboxScreen
from lifecycle_tui.tui.screens.rules import RulesScreen
from lifecycle_tui.tui.screens.segments import SegmentsScreen
from lifecycle_tui.tui.screens.templates import TemplatesScreen

SECTIONS = [
    ("dashboard", "Dashboard", DashboardScreen),
    ("customers", "Customers", CustomersScreen),
    ("segments", "Segments", SegmentsScreen),
    ("templates", "Templates", TemplatesScreen),
    ("rules", "Rules", RulesScreen),
    ("dispatch", "Dispatch", DispatchScreen),
    ("outbox", "Outbox", OutboxScreen),
    ("import", "Import", ImportScreen),
]


class LifecycleApp(App):
    """The lifecycle console. ``db_path`` and ``as_of`` flow down to every screen."""

    TITLE = "Lifecycle console"
    MODES = {key: cls for key, _, cls in SECTIONS}
    DEFAULT_MODE = "dashboard"
    BINDINGS = [
        Binding(str(i), f"switch_mode('{key}')", title, show=True)
        for i, (key, title, _) in enumerate(SECTIONS, start=1)
    ] + [Binding("q", "quit", "Quit")]

    def __init__(self, db_path: Path, as_of: datetime | None = None) -> None:
        super().__init__()
        self.db_path = Path(db_path)
        self.as_of = as_of


def run_console(db_path: Path, as_of: datetime | None = None) -> None:
    LifecycleApp(db_path, as_of).run()
