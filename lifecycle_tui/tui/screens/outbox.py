"""The Outbox section: every recorded message, filtered by run, rule, channel and status.

The table shows one page at a time (LIMIT/OFFSET in the query, never the whole record);
``n``/``p`` page. Enter opens a message: the file the outbox transport wrote (an .eml decoded
into headers, text part and HTML source; SMS and push .json as written), or, for messages
sent elsewhere, the message rendered again at the time it was due.
"""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Select, Static

from lifecycle_tui.automation.preview import blocks_text, eml_blocks, message_blocks
from lifecycle_tui.automation.run_history import list_runs, run_label
from lifecycle_tui.store import console_queries as q
from lifecycle_tui.tui.base import SectionScreen
from lifecycle_tui.tui.screens.ops_common import minute, short
from lifecycle_tui.tui.widgets.message_view import MessageView
from lifecycle_tui.tui.widgets.row_table import RowTable

PAGE_SIZE = 100
COLUMNS = ("Id", "Run", "Rule", "Step", "Customer", "Channel", "Template", "Status", "Sent (UTC)", "File / reason")
FILTER_PROMPTS = {"run_id": "All runs", "rule": "All rules", "channel": "All channels", "status": "All statuses"}


def _filter_options(store) -> tuple[dict[str, list], dict[int, str]]:
    """What each filter can take, and for each run a label that says when it ran and what it sent."""
    return q.outbox_filter_options(store), {r["id"]: run_label(r) for r in list_runs(store, 200)}


def read_message_text(store, row: dict, as_of_text: str | None = None) -> str:
    """The message as sent: its outbox file if there is one (an email decoded into headers, text
    and HTML, and the file's path), else rendered again when it was due."""
    path = row.get("path")
    if path:
        p = Path(path)
        if not p.is_absolute():
            p = Path(store.path).parent / p
        if p.exists():
            if p.suffix == ".eml":
                return blocks_text(eml_blocks(p.read_bytes()) + [("Outbox file", str(p))])
            return p.read_text(encoding="utf-8", errors="replace")  # SMS and push: JSON, readable as it is
    from lifecycle_tui.messages import Renderer
    from lifecycle_tui.store.timeutil import parse_datetime

    when = parse_datetime(row.get("sent_at") or row["due_at"])
    rendered = Renderer(store, when).render(row["template"], row["customer_rowid"])
    note = "(no outbox file: rendered again as of " + (as_of_text or row.get("sent_at") or row["due_at"]) + ")\n\n"
    return note + blocks_text(message_blocks(rendered))


class OutboxScreen(SectionScreen):
    """Outbox: the message record, paged and filtered; Enter opens a message."""

    SECTION = "Outbox"
    CSS_PATH = "../screens_b.tcss"
    BINDINGS = [
        Binding("n", "page(1)", "Next page"),
        Binding("p", "page(-1)", "Prev page"),
    ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.page_offset = 0
        self.total = 0
        self.filters: dict = {}

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="outbox-filters", classes="filter-bar"):
            for key, prompt in FILTER_PROMPTS.items():
                yield Select([], prompt=prompt, id=f"filter-{key.replace('_', '-')}", allow_blank=True)
        table = RowTable(id="outbox-table", cursor_type="row", zebra_stripes=True)
        table.add_columns(*COLUMNS)
        yield table
        yield Static("Loading…", id="outbox-status", classes="status-line")

    def on_mount(self) -> None:
        self.query_one("#outbox-table", DataTable).focus()

    def reload(self) -> None:
        self.run_db(_filter_options, self._set_options, group="outbox-options")
        self.load_page()

    # -- loading ---------------------------------------------------------------------------
    def _set_options(self, loaded: tuple[dict[str, list], dict[int, str]]) -> None:
        options, run_labels = loaded
        for key, values in options.items():
            select = self.query_one(f"#filter-{key.replace('_', '-')}", Select)
            current = select.value
            labels = [(run_labels.get(v, f"Run {v}") if key == "run_id" else str(v), v) for v in values]
            with select.prevent(Select.Changed):
                select.set_options(labels)
                if current in values:
                    select.value = current

    def load_page(self) -> None:
        filters, offset = dict(self.filters), self.page_offset
        self.run_db(lambda store: q.outbox_page(store, filters, offset=offset, limit=PAGE_SIZE),
                    self._show_page, group="outbox-page")

    def _show_page(self, page: q.OutboxPage) -> None:
        self.total = page.total
        table = self.query_one("#outbox-table", DataTable)
        table.clear()
        for r in page.rows:
            last = r["path"] and Path(r["path"]).name or r["reason"] or ""
            table.add_row(
                str(r["id"]), str(r["run_id"] or ""), short(r["rule"], 18), str(r["step"]),
                short(r["customer_id"], 12), r["channel"], short(r["template"], 16), r["status"],
                minute(r["sent_at"])[5:], short(last, 22),
                key=str(r["id"]),
            )
        status = self.query_one("#outbox-status", Static)
        if page.total == 0:
            status.update("No messages recorded" + (" for these filters." if self.filters else " yet. Run rules from Dispatch (6)."))
        else:
            last = page.offset + len(page.rows)
            status.update(f"Messages {page.offset + 1}-{last} of {page.total}   n/p: page   Enter: open")

    # -- actions ---------------------------------------------------------------------------
    @on(Select.Changed)
    def _filter_changed(self, event: Select.Changed) -> None:
        key = (event.select.id or "").removeprefix("filter-").replace("-", "_")
        if key not in FILTER_PROMPTS:
            return
        value = None if event.value is Select.NULL else event.value
        self.filters = {k: v for k, v in {**self.filters, key: value}.items() if v is not None}
        self.page_offset = 0
        self.load_page()

    def action_page(self, delta: int) -> None:
        new = self.page_offset + delta * PAGE_SIZE
        if 0 <= new < max(self.total, 1):
            self.page_offset = new
            self.load_page()

    @on(DataTable.RowSelected, "#outbox-table")
    def _open_row(self, event: DataTable.RowSelected) -> None:
        message_id = int(event.row_key.value)

        def load(store) -> tuple[dict, str]:
            row = q.outbox_message(store, message_id)
            if row is None:
                raise LookupError(f"message {message_id} is no longer in the store")
            return row, read_message_text(store, row)

        self.run_db(load, self._show_message, group="outbox-open")

    def _show_message(self, loaded: tuple[dict, str]) -> None:
        row, body = loaded
        title = (
            f"#{row['id']}  {row['rule']} step {row['step']}  → {row['shop_customer_id']}  "
            f"{row['channel']}  {row['status']}" + (f"  {row['path']}" if row["path"] else "")
        )
        self.app.push_screen(MessageView(title, body))
