"""Why each rule will or will not message one customer: the ``lifecycle explain`` view.

Calls :func:`lifecycle_tui.automation.explain.explain` (the same function as the CLI) in a
worker and shows one block per enabled rule: whether it triggered, what it does now, and
the explanation sentence. Until the rules engine is installed it says so.
"""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from lifecycle_tui.store.browse import customer_key
from lifecycle_tui.tui.base import run_db

ACTION_STYLE = {"send": "bold green", "skip": "yellow", "defer": "cyan"}


class ExplainView(VerticalScroll):
    """One customer's explain report; :meth:`reload` re-reads it."""

    def __init__(self, rowid: int, **kw) -> None:
        super().__init__(**kw)
        self.rowid = rowid

    def compose(self) -> ComposeResult:
        yield Static("Working out what each rule will do…", id="explain-body")

    def reload(self) -> None:
        as_of, rowid = self.app.as_of, self.rowid

        def load(store) -> Any:
            try:
                from lifecycle_tui.automation.explain import explain
            except ImportError:
                return None
            cid = customer_key(store, rowid)
            return None if cid is None else explain(store, cid, as_of)

        run_db(self, load, self._show, group="explain")

    def _show(self, result: Any) -> None:
        body = self.query_one("#explain-body", Static)
        if result is None:
            body.update("Rules are not available in this installation.")
            return
        body.update(explain_table(result))


def explain_table(explanation) -> Table:
    """A rich table: rule, what happens now, and the explanation sentence (wrapped)."""
    table = Table(expand=True, show_lines=True, box=None, pad_edge=False)
    table.add_column("Rule", style="bold", no_wrap=True, ratio=2)
    table.add_column("Now", no_wrap=True, ratio=2)
    table.add_column("Why", ratio=7)
    if not explanation.rules:
        table.add_row("-", "-", "No enabled rules.")
    for r in explanation.rules:
        if r.now:
            now = Text()
            for d in r.now:
                now.append(f"step {d['step']} {d['action']}\n", style=ACTION_STYLE.get(d["action"], ""))
            now.rstrip()
        else:
            now = Text("triggered" if r.triggered else "not triggered", style="dim")
        table.add_row(r.rule, now, r.summary)
    return table
