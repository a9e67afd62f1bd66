"""The "send for real?" modal of the Dispatch section: the plan's counts, then Send or Cancel.

Dismisses with True (send) or False. The counts come from the plan the shop owner is
looking at, which is also the plan that is sent.
"""

from __future__ import annotations

from collections import Counter

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from lifecycle_tui.wording import counted


def run_summary(decisions, transport: str, as_of_text: str, scope: str) -> str:
    """The modal's text: what will be sent, by channel, and what will not."""
    actions = Counter(d.action for d in decisions)
    channels = Counter(d.channel for d in decisions if d.action == "send")
    lines = [
        f"Rules: {scope}    As of: {as_of_text}    Transport: {transport}",
        "",
        f"  send   {actions.get('send', 0):>6}   "
        + ("  ".join(f"{ch} {n}" for ch, n in sorted(channels.items())) or "nothing to send"),
        f"  skip   {actions.get('skip', 0):>6}   (recorded only where a template failed)",
        f"  defer  {actions.get('defer', 0):>6}   {_defer_reasons(decisions)}",
    ]
    return "\n".join(lines)


def _defer_reasons(decisions) -> str:
    """Why messages wait, most common first ("one message per customer per run 3, quiet hours 1"):
    the kind of each reason, the words before its first colon."""
    kinds = Counter((d.reason or "").split(":")[0] or "waiting" for d in decisions if d.action == "defer")
    if not kinds:
        return "(nothing waits)"
    shown = ", ".join(f"{kind} {n}" for kind, n in kinds.most_common(2))
    more = f", {counted(sum(kinds.values()) - sum(n for _, n in kinds.most_common(2)), 'other')}" if len(kinds) > 2 else ""
    return f"({shown}{more}: a later run sends them)"


class ConfirmRun(ModalScreen[bool]):
    """Asks before a run: y/Enter on Send sends, n/Escape cancels."""

    DEFAULT_CSS = """
    ConfirmRun { align: center middle; }
    ConfirmRun > Vertical { width: 80; height: auto; border: thick $warning; background: $surface; padding: 1 2; }
    ConfirmRun #confirm-title { text-style: bold; color: $warning; margin-bottom: 1; }
    ConfirmRun #confirm-buttons { height: auto; align-horizontal: right; margin-top: 1; }
    ConfirmRun #confirm-buttons Button { margin-left: 2; }
    """
    BINDINGS = [Binding("escape,n", "answer(False)", "Cancel"), Binding("y", "answer(True)", "Send")]

    def __init__(self, summary: str, sends: int) -> None:
        super().__init__()
        self.summary = summary
        self.sends = sends

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"Send {counted(self.sends, 'message')} now?", id="confirm-title")
            yield Static(self.summary, id="confirm-summary", markup=False)
            with Horizontal(id="confirm-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(f"Send {self.sends}", id="send", variant="warning")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()  # the safe choice has the focus

    @on(Button.Pressed, "#send")
    def _send(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(False)

    def action_answer(self, send: bool) -> None:
        self.dismiss(send)
