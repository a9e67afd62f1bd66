"""SVG snapshots of the Dashboard, Customers, a customer profile, Segments and Import at 120x36,
on the seeded shop with the frozen as-of (no wall-clock time on screen).

Regenerate after a deliberate change with ``pytest tests/tui/test_tui_shell_snapshots.py
--snapshot-update`` and look at the SVGs before committing them.
"""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, TextArea

from tests.tui.conftest import settle

SIZE = (120, 36)
IMPORT_FILE = "tests/tui/test_tui_import_customers.csv"  # relative, so the path on screen is stable
REPO = Path(__file__).resolve().parents[2]


def test_snapshot_dashboard(make_app, snap_compare):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=settle)


def test_snapshot_customers(make_app, snap_compare):
    async def ready(pilot):
        await pilot.press("2")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=ready)


def test_snapshot_customer_profile(make_app, snap_compare):
    async def ready(pilot):
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("s", "s", "s", "s")  # sort by revenue, highest first: a rich profile
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=ready)


def test_snapshot_segments(make_app, snap_compare):
    async def ready(pilot):
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("n", *"Lapsing regulars", "tab")
        pilot.app.screen.query_one("#seg-rule", TextArea).text = (
            'orders >= 2 and days_since_last_order > 90 and rfm_segment in ["At Risk", "Can\'t Lose Them", "Hibernating"]'
        )
        await pilot.pause(0.5)
        await settle(pilot)
        await pilot.press("escape")  # leave the editor: a blinking cursor would make the picture flaky
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=ready)


def test_snapshot_import(make_app, snap_compare, monkeypatch):
    monkeypatch.chdir(REPO)

    async def ready(pilot):
        await pilot.press("8", "f")
        pilot.app.screen.query_one("#imp-path", Input).value = IMPORT_FILE
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        pilot.app.clear_notifications()
        await pilot.press("escape")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=ready)


def test_snapshot_settings(make_app, snap_compare):
    async def ready(pilot):
        await pilot.press("9")
        await settle(pilot)
        await pilot.press("down", "down", "down", "down", "down")  # shop.timezone, with its detail
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=ready)
