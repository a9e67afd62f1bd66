"""Dashboard: the figures it shows are the CLI's figures (same domain functions), and it refreshes
when another process changes the store."""

from __future__ import annotations

from textual.widgets import DataTable, Static

from lifecycle_tui import segments
from lifecycle_tui.automation.planner import plan
from lifecycle_tui.store import open_store
from tests.tui.conftest import FROZEN, settle, widget_text


async def test_dashboard_shows_counts_stages_rfm_and_plan(make_app, cli, shop_db):
    cli.db = shop_db
    stages = cli.json("--as-of", FROZEN.isoformat(), "stages")
    rfm = cli.json("--as-of", FROZEN.isoformat(), "rfm")
    with open_store(shop_db) as store:
        customers = store.scalar("SELECT count(*) FROM customers")
        summary = plan(store, FROZEN, render=False).summary
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = app.screen
        counts = widget_text(screen.query_one("#dash-counts", Static))
        assert str(customers) in counts
        funnel = widget_text(screen.query_one("#dash-funnel", Static))
        for row in stages["stages"]:
            line = next(ln.strip() for ln in funnel.splitlines() if ln.strip().startswith(row["stage"]))
            assert f" {row['customers']:,} " in line + " "
            share = 100 * row["customers"] / (stages["total"] or 1)
            assert line.endswith(f" {share:.0f}%"), line  # the share whole, never cut to "1…"
        heat = widget_text(screen.query_one("#dash-rfm", Static))
        champions = sum(c["customers"] for c in rfm["grid"] if c["r"] == 5 and c["f"] == 5)
        r5 = heat.splitlines()[3]  # border, header, R5 names, R5 counts
        assert r5.split()[-1] == f"{champions:,}"
        title = widget_text(screen.query_one("#dash-plan-title", Static))
        assert f"{summary['send']:,} send" in title and f"{summary['skip']:,} skip" in title
        table = screen.query_one("#dash-plan-table", DataTable)
        shown = sum(int(str(table.get_row_at(i)[2]).replace(",", "")) for i in range(table.row_count))
        assert shown == summary["send"]


async def test_dashboard_refreshes_after_another_process_writes(make_app, shop_db):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        before = widget_text(app.screen.query_one("#dash-counts", Static))
        with open_store(shop_db) as other, other.transaction() as conn:  # e.g. `lifecycle import` in a shell
            conn.execute("INSERT INTO customers (customer_id, email, email_norm) VALUES ('X-1', 'x@example.com', 'x@example.com')")
        assert app.check_store_changed()
        await settle(pilot)
        after = widget_text(app.screen.query_one("#dash-counts", Static))
        with open_store(shop_db) as store:
            n = store.scalar("SELECT count(*) FROM customers")
            stage_total = segments.stage_counts(store, FROZEN)["total"]
        assert before != after and str(n) in after
        assert stage_total == n  # the new customer has a stage: metrics were refreshed


def test_the_funnel_fits_its_panel_with_whole_shares():
    from rich.console import Console

    from lifecycle_tui.tui.widgets.charts import Funnel

    rows = [{"stage": s, "customers": n} for s, n in (
        ("Awareness", 9_678), ("Consideration", 16_850), ("Purchase", 14_000), ("Retention", 3_258),
        ("Advocacy", 10_992), ("At risk", 30_532), ("Lapsed", 14_690))]
    total = sum(r["customers"] for r in rows)
    for width in (43, 60, 90):  # 43: the panel's inner width at 120 columns
        console = Console(width=width, record=True, color_system=None)
        console.print(Funnel(rows))
        lines = [ln.rstrip() for ln in console.export_text().splitlines() if ln.strip()]
        for r in rows:
            line = next(ln for ln in lines if ln.startswith(r["stage"]))
            assert line.endswith(f" {100 * r['customers'] / total:.0f}%") and len(line) <= width, (width, line)
        bars = [ln for ln in lines if ln.startswith("At risk")][0].count("█")
        assert bars >= width - 13 - 6 - 4 - 3 - 1  # the biggest stage's bar takes the room left


async def test_a_new_store_says_where_to_start_instead_of_empty_totals(make_app, tmp_path):
    from lifecycle_tui.bootstrap import init_store

    db = tmp_path / "new.db"
    init_store(db)
    app = make_app(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, rounds=4)
        screen = app.screen
        steps = screen.query_one("#dash-first-steps", Static)
        assert steps.display and " ".join(widget_text(steps).split()) == "No customers yet: press 8 to import your files."
        assert not screen.query_one("#dash-totals", Static).display
        assert widget_text(screen.query_one("#dash-revenue-label", Static)) == "Revenue per month · none in 12 months"
        assert "best" not in widget_text(screen.query_one("#dash-revenue-label", Static))


async def test_a_store_with_customers_shows_its_totals_not_the_first_steps(make_app):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, rounds=4)
        screen = app.screen
        assert not screen.query_one("#dash-first-steps", Static).display
        assert "Revenue 12 mo" in widget_text(screen.query_one("#dash-totals", Static))
        assert " · best 20" in widget_text(screen.query_one("#dash-revenue-label", Static))
