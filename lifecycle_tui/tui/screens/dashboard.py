"""The Dashboard section: store counts, sales per month, stage funnel, RFM heat map, and what
the rules would send now (a dry-run summary).

Three workers, one after another where it matters: the figures (cheap; metrics refreshed for
the as-of first, as the CLI does) run alone, because thread workers share the GIL and the
planner's pure-Python loop would otherwise slow them down several times; the monthly sales scan
and the plan (the planner with ``render=False``; seconds on a big store) start once the figures
are on screen, and fill in later.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Sparkline, Static

from lifecycle_tui.store import settings
from lifecycle_tui import segments
from lifecycle_tui.store.overview import MonthSales, monthly_sales
from lifecycle_tui.store.queries import store_counts
from lifecycle_tui.tui.base import SectionScreen
from lifecycle_tui.tui.widgets import format as fmt
from lifecycle_tui.tui.widgets.charts import Funnel, rfm_heatmap

MONTHS = 12
# Shown in the Store panel while the store has no customers (a new store, after `lifecycle init`).
# In the place of the year's totals (there are none); it fits the panel's two free lines.
FIRST_STEPS = "No customers yet: press 8 to import your files."


@dataclass
class Figures:
    counts: dict[str, int]
    stages: dict  # segments.stage_counts: the same figures as `lifecycle stages`
    rfm: dict  # segments.rfm_report: the same figures as `lifecycle rfm`


@dataclass
class Sales:
    currency: str
    months: list[MonthSales]


def load_figures(store, as_of) -> Figures:
    stages = segments.stage_counts(store, as_of)  # refreshes metrics for as_of first
    return Figures(counts=store_counts(store), stages=stages, rfm=segments.rfm_report(store, as_of, scores=False))


def load_sales(store, as_of) -> Sales:
    return Sales(settings.get(store, "shop.currency"), monthly_sales(store, as_of, MONTHS))


def load_plan(store, as_of):
    """The dry-run plan without rendering; None when the rules engine is not installed."""
    try:
        from lifecycle_tui.automation.planner import plan
    except ImportError:
        return None
    return plan(store, as_of, render=False)


class DashboardScreen(SectionScreen):
    """The shop at a glance."""

    SECTION = "Dashboard"
    BINDINGS = [Binding("r", "refresh", "Refresh", show=False)]
    AUTO_FOCUS = "#dash-body"
    figures: Figures | None = None  # what is on screen (None until the first load)
    sales: Sales | None = None
    plan_summary: dict | None = None

    def compose_body(self) -> ComposeResult:
        # One scrolling body: on a narrow terminal the panels stack (app.tcss) and the arrow
        # keys scroll it; at the design size everything fits and nothing scrolls.
        with VerticalScroll(id="dash-body", can_focus=True):
            with Horizontal(id="dash-top"):
                with Vertical(id="dash-store", classes="panel"):
                    yield Static("Loading…", id="dash-counts")
                    yield Static("", id="dash-totals")
                    yield Static("", id="dash-first-steps", classes="muted")
                with Vertical(id="dash-sales", classes="panel"):
                    yield Static("Orders per month", id="dash-orders-label", classes="panel-title")
                    yield Sparkline([], id="dash-orders")
                    yield Static("Revenue per month", id="dash-revenue-label", classes="panel-title")
                    yield Sparkline([], id="dash-revenue")
                    yield Static("", id="dash-months", classes="muted")
            with Horizontal(id="dash-middle"):
                yield Static("", id="dash-funnel", classes="panel")
                yield Static("", id="dash-rfm", classes="panel")
            with Vertical(id="dash-plan", classes="panel"):
                yield Static("What the rules would send now: working…", id="dash-plan-title", classes="panel-title")
                yield DataTable(id="dash-plan-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one("#dash-store").border_title = "Store"
        self.query_one("#dash-sales").border_title = f"Last {MONTHS} months"
        self.query_one("#dash-funnel").border_title = "Lifecycle stages"
        self.query_one("#dash-rfm").border_title = "RFM (recency × frequency)"
        self.query_one("#dash-plan").border_title = "Rules"
        self.query_one("#dash-plan-table", DataTable).add_columns("Rule", "Channel", "Send", "Skip", "Defer")

    def action_refresh(self) -> None:
        self.reload()

    def reload(self) -> None:
        as_of = self.as_of
        # The figures first, alone: counts, stages and RFM paint within a second. The sales scan
        # (every order of the last year) and the dry run start after that paint (see
        # _load_the_rest); a reload meanwhile supersedes the whole chain (exclusive groups).
        self.workers.cancel_group(self, "dash-sales")
        self.workers.cancel_group(self, "dash-plan")
        self.run_db(lambda store: load_figures(store, as_of),
                    lambda f: self._show_figures(f, as_of), group="dash-figures")

    def _load_the_rest(self, as_of) -> None:
        """Start the sales scan and the dry run (after the figures were painted)."""
        if as_of != self.as_of or not self.is_attached:  # superseded by a newer reload
            return
        self.run_db(lambda store: load_sales(store, as_of), self._show_sales, group="dash-sales")
        self.run_db(lambda store: load_plan(store, as_of), self._show_plan, group="dash-plan",
                    on_error=self._plan_failed)

    def _show_figures(self, f: Figures, as_of) -> None:
        self.figures = f
        counts = Table.grid(padding=(0, 2))
        counts.add_column(style="dim")
        counts.add_column(justify="right")
        for key in ("customers", "orders", "order_items", "events", "products", "suppressions"):
            counts.add_row(key.replace("_", " ").capitalize(), fmt.count(f.counts.get(key, 0)))
        self.query_one("#dash-counts", Static).update(counts)
        empty = not f.counts.get("customers")
        self.query_one("#dash-first-steps", Static).update(FIRST_STEPS if empty else "")
        self.query_one("#dash-first-steps", Static).display = empty
        self.query_one("#dash-totals", Static).display = not empty
        self.query_one("#dash-funnel", Static).update(Funnel(f.stages["stages"]))
        self.query_one("#dash-rfm", Static).update(rfm_heatmap(f.rfm["grid"]))
        self.call_after_refresh(self._load_the_rest, as_of)

    def _show_sales(self, sales: Sales) -> None:
        self.sales = sales
        months, cur = sales.months, sales.currency
        self.query_one("#dash-orders", Sparkline).data = [m.orders for m in months]
        self.query_one("#dash-revenue", Sparkline).data = [m.revenue_cents / 100 for m in months]
        revenue, orders = sum(m.revenue_cents for m in months), sum(m.orders for m in months)
        orders_label, revenue_label = sales_labels(months, cur)
        self.query_one("#dash-orders-label", Static).update(orders_label)
        self.query_one("#dash-revenue-label", Static).update(revenue_label)
        totals = Table.grid(padding=(0, 2))
        totals.add_column(style="dim")
        totals.add_column(justify="right")
        totals.add_row(f"Revenue {MONTHS} mo", fmt.money(revenue, cur))
        totals.add_row(f"Orders {MONTHS} mo", fmt.count(orders))
        self.query_one("#dash-totals", Static).update(totals)
        self.query_one("#dash-months", Static).update(_month_axis(months))

    def _show_plan(self, p) -> None:
        title = self.query_one("#dash-plan-title", Static)
        table = self.query_one("#dash-plan-table", DataTable)
        table.clear()
        if p is None:
            title.update("Rules are not available in this installation.")
            return
        s = self.plan_summary = p.summary
        title.update(Text.assemble(
            "What the rules would send now: ", (f"{s['send']:,} send", "bold green"), " · ",
            (f"{s['skip']:,} skip", "yellow"), " · ", (f"{s['defer']:,} defer", "cyan"),
            ("   (dry-run, nothing is sent; 6 Dispatch to run it)", "dim"),
        ))
        rows: dict[tuple[str, str], dict[str, int]] = {}
        for item in s["by_rule"]:
            rows.setdefault((item["rule"], item["channel"]), {})[item["action"]] = item["count"]
        for (rule, channel), n in rows.items():
            table.add_row(rule, channel, *(fmt.count(n.get(a, 0)) for a in ("send", "skip", "defer")))
        if not rows:
            table.add_row("nothing is due", "", "", "", "")

    def _plan_failed(self, exc: BaseException) -> None:
        self.query_one("#dash-plan-title", Static).update(Text(f"The dry-run failed: {exc}", style="red"))
        self.lifecycle.report_error(exc, title="Dry-run")


def sales_labels(months: list[MonthSales], currency: str) -> tuple[str, str]:
    """The titles over the two sparklines: this month's figure and the year's best, or that
    there were none (a "best" of 0.00 would say nothing)."""
    last = months[-1]
    if not any(m.orders for m in months):
        none = f"none in {len(months)} months"
        return f"Orders per month · {none}", f"Revenue per month · {none}"
    best = max(months, key=lambda m: m.revenue_cents)
    return (f"Orders per month · {last.month}: {fmt.count(last.orders)} · peak {max(m.orders for m in months):,}",
            f"Revenue per month · {last.month}: {fmt.money(last.revenue_cents, currency)}"
            f" · best {best.month}: {fmt.money(best.revenue_cents, currency)}")


def _month_axis(sales: list[MonthSales]) -> str:
    if not sales:
        return ""
    return f"{sales[0].month} … {sales[-1].month}"
