"""The ``c`` modal of Settings: what ``lifecycle check`` finds, each finding with its fix."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from lifecycle_tui.automation.readiness import Readiness
from lifecycle_tui.styles import LEVEL_STYLE


def readiness_text(result: Readiness) -> Text:
    """The findings as the CLI prints them: level, area, message, then the fix indented."""
    out = Text()
    for f in result.findings:
        out.append(f"{f.level:>7} ", style=LEVEL_STYLE[f.level])
        out.append(f"{f.area}: ", style="bold")
        out.append(f"{f.message}\n")
        if f.fix:
            out.append(f"        {f.fix}\n", style="cyan")
    out.append(result.summary(), style="bold green" if result.ok and not result.counts()["warning"] else "bold")
    return out


class ReadinessScreen(ModalScreen[None]):
    """The findings in a scrolling box; escape, q or c closes it."""

    BINDINGS = [Binding("escape", "dismiss", "Close"), Binding("q", "dismiss", "Close"),
                Binding("c", "dismiss", "Close")]

    def __init__(self, result: Readiness) -> None:
        super().__init__(classes="dialog")
        self.result = result

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="readiness-box"):
            yield Static("Ready to send? (the same checks as `lifecycle check`)", classes="dialog-text", markup=False)
            with VerticalScroll(id="readiness-scroll"):
                yield Static(readiness_text(self.result), id="readiness-findings")
            yield Static("escape closes", classes="muted")

    def on_mount(self) -> None:
        self.query_one("#readiness-scroll").focus()
