"""Small modal dialogs: a yes/no confirmation (and the ask before unsaved work is thrown away) and a
one-line text prompt (e.g. a file path)."""

from __future__ import annotations

from typing import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static


class ConfirmDialog(ModalScreen[bool]):
    """Ask a question; dismisses with True (y / enter on Yes) or False (n / escape)."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n", "answer(False)", "No"),
        Binding("escape", "answer(False)", "Cancel"),
    ]

    def __init__(self, question: str, yes: str = "Yes") -> None:
        super().__init__(classes="dialog")
        self.question = question
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static(self.question, classes="dialog-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.yes} (y)", variant="error", id="dialog-yes")
                yield Button("No (n)", id="dialog-no")

    def on_mount(self) -> None:
        self.query_one("#dialog-no", Button).focus()

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "dialog-yes")


def unless_unsaved(app, what: str | None, then: Callable[[], None]) -> None:
    """Run ``then`` (which throws away an edit) now when ``what`` (the unsaved work, as
    ``unsaved_changes()`` names it) is None, else once the owner agreed to discard it."""
    if what is None:
        then()
        return
    app.push_screen(ConfirmDialog(f"Discard the unsaved changes to {what}?", "Discard"),
                    lambda yes: then() if yes else None)


def offer(dialog: ModalScreen, text: str, check: Callable[[str], str | None] | None) -> None:
    """Dismiss ``dialog`` with ``text``, unless ``check`` refuses it: then say why in the
    dialog's ``#dialog-problem`` and keep it open."""
    problem = check(text) if check is not None else None
    shown = dialog.query_one("#dialog-problem", Static)
    shown.display = problem is not None
    if problem is not None:
        shown.update(problem)
        return
    dialog.dismiss(text)


class PromptDialog(ModalScreen[str | None]):
    """Ask for one line of text; dismisses with the text (enter) or None (escape).

    ``check(text)`` (optional) returns why the text is refused, else None: the dialog then
    stays open with the reason under the field. ``allow_empty`` accepts an empty line (a
    setting that may be empty); otherwise enter on one does nothing."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str, value: str = "", placeholder: str = "", *,
                 check: Callable[[str], str | None] | None = None, allow_empty: bool = False) -> None:
        super().__init__(classes="dialog")
        self.question = question
        self.value = value
        self.placeholder = placeholder
        self.check = check
        self.allow_empty = allow_empty

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static(self.question, classes="dialog-text")
            yield Input(self.value, placeholder=self.placeholder, id="dialog-input")
            yield Static("", id="dialog-problem", classes="error-text", markup=False)
            yield Static("enter accepts · escape cancels", classes="muted")

    def on_mount(self) -> None:
        self.query_one("#dialog-problem", Static).display = False
        self.query_one(Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if text or self.allow_empty:
            offer(self, text, self.check)
