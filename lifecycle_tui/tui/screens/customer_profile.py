"""One customer's profile: contact and consent, metrics and RFM, orders with items, events,
messages received, stage history, and what each rule will do for them (explain).

Pushed over the Customers section; escape goes back. Everything is read in one worker
(:func:`lifecycle_tui.store.profile.customer_profile`), the explain view in a second one
because the planner is the slow part. ``f`` forgets the customer (an erasure request): the
dialog says what goes and asks for their customer id to be typed, then the profile closes.
"""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from lifecycle_tui.automation.forget import forget_customer, what_forget_removes
from lifecycle_tui.store.profile import Profile, customer_profile
from lifecycle_tui.tui.base import SectionScreen
from lifecycle_tui.tui.widgets import format as fmt
from lifecycle_tui.tui.widgets.dialogs import PromptDialog
from lifecycle_tui.tui.widgets.explain_view import ExplainView
from lifecycle_tui.wording import counted

TABS = [("overview", "Overview", "v"), ("orders", "Orders", "o"), ("events", "Events", "e"),
        ("messages", "Messages", "m"), ("history", "History", "h"), ("explain", "Explain", "x")]


class CustomerProfileScreen(SectionScreen):
    """Everything about one customer, in tabs."""

    SECTION = "Customer"
    # Tab keys stay out of the footer (the tab bar names them; ? lists them).
    BINDINGS = [Binding("escape", "app.pop_screen", "Back"), Binding("f", "forget", "Forget customer")] + [
        Binding(key, f"tab('{tab}')", label, show=False) for tab, label, key in TABS
    ]

    def __init__(self, rowid: int) -> None:
        super().__init__()
        self.rowid = rowid
        self.profile: Profile | None = None

    def compose_body(self) -> ComposeResult:
        yield Static("Loading…", id="profile-title")
        with TabbedContent(id="profile-tabs"):
            with TabPane("Overview (v)", id="overview"):
                with Horizontal(id="profile-overview"):
                    yield Static(id="profile-contact", classes="panel")
                    yield Static(id="profile-metrics", classes="panel")
            with TabPane("Orders (o)", id="orders"):
                yield VerticalScroll(Static(id="profile-orders"))
            with TabPane("Events (e)", id="events"):
                yield DataTable(id="profile-events", cursor_type="row", zebra_stripes=True)
            with TabPane("Messages (m)", id="messages"):
                yield DataTable(id="profile-messages", cursor_type="row", zebra_stripes=True)
            with TabPane("History (h)", id="history"):
                yield DataTable(id="profile-history", cursor_type="row", zebra_stripes=True)
            with TabPane("Explain (x)", id="explain"):
                yield ExplainView(self.rowid, id="profile-explain")

    def on_mount(self) -> None:
        self.query_one("#profile-events", DataTable).add_columns("When", "Type", "Details")
        self.query_one("#profile-messages", DataTable).add_columns(
            "Due", "Sent", "Rule", "Step", "Channel", "Template", "Status", "Reason")
        self.query_one("#profile-history", DataTable).add_columns("When", "What", "From", "To")

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def action_forget(self) -> None:
        if self.profile is None:
            return
        customer_id = self.profile.customer["customer_id"]
        self.run_db(lambda store: what_forget_removes(store, customer_id), self._ask_forget, group="profile-forget")

    def _ask_forget(self, ahead) -> None:
        question = (f"Forget {ahead.what_goes()}? This cannot be undone.\n"
                    f"Type their customer id ({ahead.customer_id}) to confirm.")

        def check(text: str) -> str | None:
            if text == ahead.customer_id:
                return None
            return f"Type {ahead.customer_id} exactly to forget them (escape keeps them)."

        self.app.push_screen(PromptDialog(escape(question), "", ahead.customer_id, check=check),
                             lambda text: self._forget(ahead.customer_id) if text else None)

    def _forget(self, customer_id: str) -> None:
        as_of = self.as_of
        self.run_db(lambda store: forget_customer(store, customer_id, at=as_of), self._forgotten,
                    group="profile-forget")

    def _forgotten(self, report) -> None:
        self.notify(escape(f"Forgot {report.describe()}."), title="Customer forgotten", timeout=10)
        self.app.pop_screen()

    def reload(self) -> None:
        as_of, rowid = self.as_of, self.rowid

        def load(store):
            from lifecycle_tui.segments import ensure_metrics

            ensure_metrics(store, as_of)
            return customer_profile(store, rowid)

        self.run_db(load, self._show, group="profile")
        self.query_one(ExplainView).reload()

    def _show(self, profile: Profile | None) -> None:
        if profile is None:
            self.query_one("#profile-title", Static).update("This customer is no longer in the store.")
            return
        self.profile = profile
        c, m = profile.customer, profile.metrics or {}
        title = Text.assemble((fmt.full_name(c), "bold"), "  ·  ", c["customer_id"], "  ·  ", c["email"] or "no email")
        if m.get("stage"):
            title.append(f"  ·  {m['stage']}", style="bold cyan")
        self.query_one("#profile-title", Static).update(title)
        self.query_one("#profile-contact", Static).update(_contact_table(profile))
        self.query_one("#profile-metrics", Static).update(_metrics_table(profile))
        self.query_one("#profile-orders", Static).update(_orders_table(profile))
        events = self.query_one("#profile-events", DataTable)
        events.clear()
        for e in profile.events:
            events.add_row(fmt.minute(e["occurred_at"]), e["type"], e["properties"] if e["properties"] != "{}" else "")
        messages = self.query_one("#profile-messages", DataTable)
        messages.clear()
        for msg in profile.messages:
            messages.add_row(fmt.minute(msg["due_at"]), fmt.minute(msg["sent_at"]), msg["rule"], str(msg["step"]),
                             msg["channel"], msg["template"], msg["status"], msg["reason"] or "")
        history = self.query_one("#profile-history", DataTable)
        history.clear()
        for h in profile.stage_history:
            what = "stage" if h["kind"] == "stage" else "RFM segment"
            history.add_row(fmt.minute(h["changed_at"]), what, h["from_value"] or "-", h["to_value"] or "-")
        for ch in profile.consent_changes:
            history.add_row(fmt.minute(ch["changed_at"]), f"{ch['channel']} consent ({ch['source']})",
                            fmt.mark(ch["old_value"]), fmt.mark(ch["new_value"]))


def _kv(title: str) -> Table:
    table = Table.grid(padding=(0, 2))
    table.title = title
    table.title_style = "bold"
    table.title_justify = "left"
    table.add_column(style="dim", no_wrap=True)
    table.add_column()
    return table


def _contact_table(p: Profile) -> Table:
    c = p.customer
    t = _kv("Contact and consent")
    t.add_row("Customer id", c["customer_id"])
    t.add_row("Name", fmt.full_name(c))
    t.add_row("Email", c["email"] or "-")
    t.add_row("Phone", c["phone"] or "-")
    t.add_row("Push token", "yes" if c.get("push_token") else "-")
    t.add_row("Time zone", c["timezone"] or "shop's")
    t.add_row("Birthday", c["birthday"] or "-")
    t.add_row("Customer since", fmt.day(c["created_at"]))
    t.add_row("Tags", ", ".join(c["tags"]) or "-")
    for key, value in list(c["attributes"].items())[:5]:
        t.add_row(f"  {key}", str(value))
    t.add_row("", "")
    for channel in ("email", "sms", "push"):
        ok = bool(c[f"accepts_{channel}"])
        t.add_row(f"Accepts {channel}", Text("yes" if ok else "no", style="green" if ok else "red"))
    for s in p.suppressed:
        t.add_row("Suppressed", Text(f"{s['kind']} {s['value']}: {s['reason']}", style="bold red"))
    return t


def _metrics_table(p: Profile) -> Table:
    m = p.metrics
    t = _kv("Metrics and RFM")
    if not m:
        t.add_row("", "Metrics not computed yet.")
        return t
    t.add_row("Stage", m["stage"])
    t.add_row("Orders", str(m["orders"]))
    t.add_row("Revenue", fmt.money(m["revenue_cents"]))
    t.add_row("Average order", fmt.money(m["aov_cents"]))
    t.add_row("First order", fmt.day(m["first_order_at"]))
    t.add_row("Last order", fmt.day(m["last_order_at"]))
    days = m["days_since_last_order"]
    t.add_row("Days since last order", "-" if days is None else str(days))
    t.add_row("", "")
    if m["r"] is None:
        t.add_row("RFM", "no counted orders")
    else:
        t.add_row("RFM scores", f"R {m['r']}  F {m['f']}  M {m['m']}")
        t.add_row("RFM segment", Text(m["rfm_segment"] or "-", style="bold"))
    t.add_row("", "")
    t.add_row("Orders on file", str(p.order_count))
    t.add_row("Events on file", str(p.event_count))
    t.add_row("Messages", str(p.message_count))
    return t


def _orders_table(p: Profile) -> Table | Text:
    if not p.orders:
        return Text("No orders.", style="dim")
    t = Table(box=None, expand=True, show_edge=False, pad_edge=False)
    for name, justify in (("Placed", "left"), ("Order", "left"), ("Item", "left"), ("Qty", "right"),
                          ("Amount", "right"), ("Status", "left")):
        t.add_column(name, justify=justify)
    for o in p.orders:
        a_sale = o["status"] not in ("cancelled", "refunded")
        style = "" if a_sale else "dim strike"
        t.add_row(fmt.minute(o["placed_at"]), o["order_id"], Text(counted(len(o['items']), "item"), style="dim"), "",
                  Text(fmt.money(o["total_cents"], o["currency"]), style=style or "bold"), o["status"])
        for item in o["items"]:
            t.add_row("", "", f"· {item['title'] or item['sku'] or '-'}", str(item["quantity"]),
                      Text(fmt.money(item["price_cents"]), style="dim"), "")
    if p.order_count > len(p.orders):
        t.add_row("", "", Text(f"… {p.order_count - len(p.orders)} older orders not shown", style="dim"), "", "", "")
    return t
