"""The console shell: sections by digit and palette, help, header, store-change refresh, errors."""

from __future__ import annotations

from textual.widgets import DataTable, Header

from lifecycle_tui.store import open_store
from lifecycle_tui.store.settings import get
from lifecycle_tui.tui.app import SECTIONS, LifecycleApp, section_class
from lifecycle_tui.tui.widgets.help import HelpScreen
from tests.tui.conftest import FROZEN, settle, widget_text


async def test_digits_switch_sections(db_path):
    app = LifecycleApp(db_path, as_of=FROZEN)
    async with app.run_test(size=(120, 36)) as pilot:
        assert app.current_mode == "dashboard"
        for digit, (key, _, target) in enumerate(SECTIONS, start=1):
            await pilot.press(str(digit))
            assert app.current_mode == key
            assert isinstance(app.screen, section_class(target))
        await pilot.press("q")
    assert app.return_code == 0


async def test_header_shows_shop_and_frozen_as_of(make_app):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        with open_store(app.db_path) as store:
            assert app.title == get(store, "shop.name")
        assert "as of 2026-06-30 12:00 UTC" in app.screen.sub_title
        assert app.screen.query_one(Header)


async def test_as_of_falls_back_to_pinned_clock(shop_db):
    from lifecycle_tui.store.settings import set_value

    with open_store(shop_db) as store:
        set_value(store, "clock.as_of", "2025-01-02T03:04:00+00:00")
    app = LifecycleApp(shop_db)
    assert app.as_of.isoformat() == "2025-01-02T03:04:00+00:00"


async def test_question_mark_lists_every_section_key(make_app):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one(DataTable)
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        keys = {str(r[0]) for r in rows}
        for digit in range(1, 9):
            assert str(digit) in keys
        labels = {str(r[1]) for r in rows}
        assert {title for _, title, _ in SECTIONS} <= labels
        assert "Quit" in labels
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_help_says_where_a_key_applies_in_words_not_widget_ids(make_app):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("2")  # Customers: the table has the focus
        await pilot.pause()
        await pilot.press("question_mark")
        table = app.screen.query_one(DataTable)
        where = {str(table.get_row_at(i)[2]) for i in range(table.row_count)}
        assert "table" in where
        assert not [w for w in where if "-" in w or "_" in w], where  # no ids like customers-table


async def test_palette_offers_every_section(make_app):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for _, title, _ in SECTIONS:
            assert title in titles
        # Run one through the palette: type its name and press enter.
        await pilot.press("ctrl+p")
        await pilot.press(*"Segments")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.current_mode == "segments"


async def test_data_version_change_bumps_store_version(make_app, shop_db):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        before = app.store_version
        assert app.check_store_changed() is False
        with open_store(shop_db) as other, other.transaction() as conn:  # another process, say the CLI
            conn.execute("UPDATE customers SET first_name = 'Zed' WHERE id = 1")
        assert app.check_store_changed() is True
        assert app.store_version == before + 1


async def test_a_shop_name_set_from_the_command_line_shows_in_the_header_cut_to_keep_the_as_of(make_app, shop_db):
    from lifecycle_tui.store.settings import set_value

    long_name = "Kettle & Kiln Ceramics and Fine Teas of the North GmbH"
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        with open_store(shop_db) as other:  # `lifecycle settings set shop.name ...` in another terminal
            set_value(other, "shop.name", long_name)
        assert app.check_store_changed() is True
        await settle(pilot)
        assert app.shop_name == long_name
        assert app.title.endswith("…") and long_name.startswith(app.title[:-1])
        for section in ("1", "2", "4"):  # Dashboard, Customers, Templates: the longest names
            await pilot.press(section)
            await settle(pilot)
            title_bar = widget_text(app.screen.query_one(Header).query_one("HeaderTitle"))
            assert title_bar.startswith(app.title) and title_bar.endswith("as of 2026-06-30 12:00 UTC"), title_bar
        await pilot.resize_terminal(160, 30)
        await settle(pilot)
        assert app.title == long_name  # room enough: the whole name


async def test_worker_error_becomes_a_notification(make_app):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)

        def boom(store):
            raise ValueError("line 3, column email: not an email address")

        app.screen.run_db(boom, lambda _: None)
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert "line 3, column email: not an email address" in messages
        assert app.is_running


async def test_help_lists_the_sections_own_keys_first_and_fits_80_columns(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        wheres = [str(table.get_row_at(i)[2]) for i in range(table.row_count)]
        assert wheres[0] == "section" and wheres[-1] == "global"
        assert wheres == sorted(wheres, key=lambda w: w == "global")  # every global key after the others
        assert app.screen.query_one("#help-box").outer_size.width <= 80
