"""The console shell: it opens, and digits switch sections."""

from lifecycle_tui.tui.app import LifecycleApp


async def test_digits_switch_sections(db_path):
    app = LifecycleApp(db_path)
    async with app.run_test(size=(120, 36)) as pilot:
        assert app.current_mode == "dashboard"
        await pilot.press("2")
        assert app.current_mode == "customers"
        await pilot.press("8")
        assert app.current_mode == "import"
        await pilot.press("q")
