"""Settings section: every setting listed (secrets hidden); enter changes one, checked as typed."""

from __future__ import annotations

from datetime import datetime, timezone

from textual.widgets import DataTable, Input, Static

from lifecycle_tui.store import open_store
from lifecycle_tui.store import settings as store_settings
from lifecycle_tui.tui.screens.settings import SettingsScreen
from lifecycle_tui.tui.widgets.dialogs import PromptDialog
from lifecycle_tui.tui.widgets.grid_dialog import GridDialog, cell_id
from tests.tui.conftest import FROZEN, open_section, settle


async def open_settings(pilot) -> SettingsScreen:
    return await open_section(pilot, "9", SettingsScreen)


def row_of(screen, key: str) -> list[str]:
    table = screen.query_one("#settings-table", DataTable)
    return [str(c) for c in table.get_row(key)]


def highlight(screen, key: str) -> None:
    table = screen.query_one("#settings-table", DataTable)
    table.move_cursor(row=table.get_row_index(key))


async def change(pilot, screen, key: str, text: str) -> PromptDialog:
    """Highlight ``key``, press enter, replace the field's text with ``text`` and press enter."""
    highlight(screen, key)
    await pilot.press("enter")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, PromptDialog)
    dialog.query_one(Input).value = text
    await pilot.press("enter")
    await settle(pilot)
    return dialog


async def test_every_setting_is_listed_and_secrets_never_show(make_app, shop_db):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_settings(pilot)
        table = screen.query_one("#settings-table", DataTable)
        assert table.row_count == len(store_settings.SETTINGS)
        with open_store(shop_db) as store:
            secret = store_settings.get(store, "secret.unsubscribe")
            name = store_settings.get(store, "shop.name")
        assert len(secret) >= 16
        assert "(set)" in row_of(screen, "secret.unsubscribe")[1]
        assert secret not in " ".join(" ".join(row_of(screen, k)) for k in store_settings.SETTINGS)
        assert row_of(screen, "shop.name")[:2] == ["shop.name", name]
        detail = str(screen.query_one("#setting-detail", Static).render())
        assert "Shop name shown in messages" in detail and "default My Shop" in detail


async def test_a_bad_value_is_refused_in_the_dialog_and_a_good_one_stored(make_app, shop_db):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_settings(pilot)
        dialog = await change(pilot, screen, "shop.timezone", "Europe/Berln")
        assert app.screen is dialog  # still open, with the CLI's reason
        problem = str(dialog.query_one("#dialog-problem", Static).render())
        assert "unknown time zone 'Europe/Berln'. Did you mean 'Europe/Berlin'?" in problem
        with open_store(shop_db) as store:
            before = store_settings.get(store, "shop.timezone")
        dialog.query_one(Input).value = "america/new_york"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SettingsScreen)
        with open_store(shop_db) as store:
            assert store_settings.get(store, "shop.timezone") == "America/New_York" != before
        assert row_of(screen, "shop.timezone")[1].endswith("America/New_York")
        assert any("shop.timezone = America/New_York" in str(n.message) for n in app._notifications)


async def test_escape_changes_nothing(make_app, shop_db):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_settings(pilot)
        with open_store(shop_db) as store:
            before = store_settings.get_all(store)
        await pilot.press("down", "e")
        await settle(pilot)
        assert isinstance(app.screen, PromptDialog)
        app.screen.query_one(Input).value = "something else"
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        with open_store(shop_db) as store:
            assert store_settings.get_all(store) == before


async def test_the_shop_name_and_pinned_clock_show_in_the_header_at_once(make_app, shop_db):
    app = make_app(as_of=None)  # no --as-of: the store's pinned clock counts
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_settings(pilot)
        await change(pilot, screen, "shop.name", "Clay & Co")
        assert app.title == "Clay & Co"
        await change(pilot, screen, "clock.as_of", "2026-05-01 09:00")
        assert app.as_of == datetime(2026, 5, 1, 9, 0, tzinfo=timezone.utc)
        assert "as of 2026-05-01 09:00 UTC" in screen.sub_title
        with open_store(shop_db) as store:
            assert store_settings.get(store, "clock.as_of") == "2026-05-01T09:00:00+00:00"


async def test_a_new_unsubscribe_secret_is_never_prefilled_and_its_cost_is_said(make_app, shop_db):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_settings(pilot)
        highlight(screen, "secret.unsubscribe")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one(Input).value == ""  # the current key is never put on screen
        app.screen.query_one(Input).value = "short"
        await pilot.press("enter")
        await settle(pilot)
        assert "only 5 characters" in str(app.screen.query_one("#dialog-problem", Static).render())
        app.screen.query_one(Input).value = "a-brand-new-signing-key-0123456789"
        await pilot.press("enter")
        await settle(pilot)
        with open_store(shop_db) as store:
            assert store_settings.get(store, "secret.unsubscribe") == "a-brand-new-signing-key-0123456789"
        messages = [str(n.message) for n in app._notifications]
        assert "secret.unsubscribe = (set)" in messages
        assert any("no longer work" in m for m in messages)


async def test_d_puts_a_setting_back_to_its_default_after_asking(make_app, shop_db):
    with open_store(shop_db) as store:
        store_settings.set_value(store, "caps.email_hours", "20")
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_settings(pilot)
        highlight(screen, "caps.email_hours")
        assert row_of(screen, "caps.email_hours")[1] == "20"
        await pilot.press("d")
        await settle(pilot)
        assert "back to its default (16)" in str(app.screen.query_one(".dialog-text", Static).render())
        await pilot.press("escape")  # no: nothing changes
        await settle(pilot)
        with open_store(shop_db) as store:
            assert store_settings.get(store, "caps.email_hours") == 20
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot, rounds=4)
        with open_store(shop_db) as store:
            assert store_settings.get(store, "caps.email_hours") == 16
            assert "caps.email_hours" not in store_settings.explicit_keys(store)
        assert row_of(screen, "caps.email_hours")[1] == "[dim]16[/]"
        await pilot.press("d")  # already the default
        await settle(pilot)
        assert any("already at its default" in str(n.message) for n in app._notifications)


async def test_d_on_the_unsubscribe_secret_says_why_it_cannot_be_reset(make_app, shop_db):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_settings(pilot)
        highlight(screen, "secret.unsubscribe")
        await pilot.press("d")
        await settle(pilot)
        assert app.screen is screen  # no question asked
        errors = [str(n.message) for n in app._notifications if n.severity == "error"]
        # In words only: no exception name in front of the reason.
        assert errors == [store_settings.reset_refusal("secret.unsubscribe")] and "cannot be reset" in errors[0]


async def _open_the_grid(pilot):
    """Settings, then ``enter`` on rfm.grid: (the Settings screen, the grid dialog)."""
    screen = await open_settings(pilot)
    highlight(screen, "rfm.grid")
    await pilot.press("enter")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, GridDialog)
    return screen, dialog


async def test_the_rfm_grid_is_edited_as_a_grid_checked_and_stored(make_app, shop_db):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen, dialog = await _open_the_grid(pilot)
        assert dialog.query_one(f"#{cell_id(0, 3)}", Input).value == "Champions"  # R5 x F4
        assert dialog.focused.id == cell_id(0, 0)
        await pilot.press("down", "down", "tab")  # R3 x F2
        assert dialog.focused.id == cell_id(2, 1)
        await pilot.press("up", "up", "up")  # wraps round to R1
        assert dialog.focused.id == cell_id(4, 1)
        dialog.focused.value = "   "
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is dialog  # refused, still open, with the reason
        assert "R1 x F2 has no segment name" in str(dialog.query_one("#dialog-problem", Static).render())
        dialog.focused.value = "Gone Quiet"
        await pilot.press("enter")
        await settle(pilot, rounds=4)
        assert app.screen is screen
        with open_store(shop_db) as store:
            grid = store_settings.get(store, "rfm.grid")
        assert grid[4][1] == "Gone Quiet" and grid[0][3] == "Champions"
        assert any(str(n.message) == "rfm.grid = (grid)" for n in app._notifications)


async def test_the_rfm_grid_shows_the_cell_being_edited_in_full_at_80_columns(make_app, shop_db):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        _, dialog = await _open_the_grid(pilot)
        await pilot.press("tab")  # R5 x F2
        await settle(pilot)
        field = dialog.query_one(f"#{cell_id(0, 1)}", Input)
        assert field.content_region.width < len(field.value)  # the cell alone cannot show it
        full = str(dialog.query_one("#rfm-cell-full", Static).render())
        assert full == f"R5 F2: {field.value}"
        field.value = "Rising Stars"
        await settle(pilot)
        assert str(dialog.query_one("#rfm-cell-full", Static).render()) == "R5 F2: Rising Stars"


async def test_c_shows_what_lifecycle_check_finds(make_app, shop_db):
    from lifecycle_tui.automation.readiness import check_readiness
    from lifecycle_tui.tui.widgets.readiness_view import ReadinessScreen

    with open_store(shop_db) as store:
        store_settings.set_value(store, "shop.sender_email", "hello@shop.example")
        expected = check_readiness(store, FROZEN)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_settings(pilot)
        await pilot.press("c")
        await settle(pilot, rounds=4)
        assert isinstance(app.screen, ReadinessScreen)
        shown = " ".join(str(app.screen.query_one("#readiness-findings", Static).render()).split())
        assert "Email is sent from hello@shop.example" in shown and expected.summary() in shown
        for finding in expected.findings:
            assert " ".join(finding.message.split()) in shown
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen


async def test_b_backs_the_store_up_beside_it_and_says_where(make_app, shop_db):
    with open_store(shop_db) as store:
        customers = store.conn.execute("SELECT count(*) FROM customers").fetchone()[0]
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await open_settings(pilot)
        await pilot.press("b")
        await settle(pilot, rounds=4)
        made = [p for p in shop_db.parent.iterdir() if p.name.startswith(f"{shop_db.stem}-backup-")]
        assert len(made) == 1
        shown = [str(n.message) for n in app._notifications if n.title == "Backed up"]
        assert shown and str(made[0]) in shown[0] and f"{customers:,} customers" in shown[0]
    with open_store(made[0]) as copy:
        assert copy.conn.execute("SELECT count(*) FROM customers").fetchone()[0] == customers


async def test_home_and_end_go_to_the_first_and_last_setting_in_settings_and_segments(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        for section, table_id in (("9", "#settings-table"), ("3", "#seg-list")):
            await pilot.press(section)
            await settle(pilot)
            table = app.screen.query_one(table_id, DataTable)
            table.focus()
            await pilot.press("end")
            assert table.cursor_row == table.row_count - 1 > 0, section
            assert table.scroll_x == 0  # not scrolled sideways
            await pilot.press("home")
            assert table.cursor_row == 0, section
