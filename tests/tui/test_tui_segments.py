"""Segments section: live counts, errors as you type, save, delete and export, checked in the store."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Static, TextArea

from lifecycle_tui import segments
from lifecycle_tui.store import open_store
from tests.tui.conftest import FROZEN, settle, widget_text

RULE = "orders >= 2 and revenue > 50"


def _list(screen) -> dict[str, str]:
    table = screen.query_one("#seg-list", DataTable)
    return {str(table.get_row_at(i)[0]): str(table.get_row_at(i)[1]) for i in range(table.row_count)}


async def _open_segments(pilot):
    """Press 3; the Segments screen and its list once loaded."""
    await pilot.press("3")
    await settle(pilot)
    return pilot.app.screen, pilot.app.screen.query_one("#seg-list", DataTable)


async def test_list_shows_builtin_segments_with_live_counts(make_app, shop_db):
    with open_store(shop_db) as store:
        expected = {s.name: segments.count_segment(store, s.rule, FROZEN) for s in segments.list_segments(store)}
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        shown = _list(app.screen)
        for name, n in expected.items():
            assert shown[name] == f"{n:,}"


async def test_typing_a_rule_shows_errors_then_count_and_saving_stores_it(make_app, shop_db):
    with open_store(shop_db) as store:
        expected = segments.count_segment(store, RULE, FROZEN)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        screen = app.screen
        await pilot.press("n", *"Loyal big buyers", "tab")
        assert screen.focused is screen.query_one("#seg-rule", TextArea)
        await pilot.press(*"orders >= 2 and revnue")
        error = widget_text(screen.query_one("#seg-error", Static))
        assert "revnue" in error and "column 17" in error
        assert "^" in error.splitlines()[-1] and error.splitlines()[-1].index("^") == 16
        screen.query_one("#seg-rule", TextArea).text = RULE
        await pilot.pause(0.5)
        await settle(pilot)
        assert "valid rule" in widget_text(screen.query_one("#seg-error", Static))
        assert f"{expected:,} member" in widget_text(screen.query_one("#seg-count", Static))
        sample = screen.query_one("#seg-sample", DataTable)
        assert sample.row_count == min(expected, 8)
        await pilot.press("ctrl+s")
        await settle(pilot)
        with open_store(shop_db) as store:
            saved = segments.find_segment(store, "Loyal big buyers")
        assert saved.rule == RULE and not saved.builtin
        assert _list(screen)["★ Loyal big buyers"] == f"{expected:,}"


async def test_delete_and_export_a_saved_segment(make_app, shop_db, tmp_path):
    with open_store(shop_db) as store:
        segments.add_segment(store, "Repeat", "orders >= 2")
        members = len(segments.matching_customer_ids(store, "orders >= 2", FROZEN))
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen, table = await _open_segments(pilot)
        assert str(table.get_row_at(0)[0]) == "★ Repeat"  # saved segments come first
        table.move_cursor(row=0)
        out = tmp_path / "repeat.csv"
        await pilot.press("e")
        dialog_input = app.screen.query_one(Input)
        dialog_input.value = str(out)
        await pilot.press("enter")
        await settle(pilot)
        assert out.exists()
        assert len(out.read_text().strip().splitlines()) == members + 1  # header + one line per member
        await pilot.press("d")
        await pilot.press("y")
        await settle(pilot)
        with open_store(shop_db) as store:
            assert [s.name for s in segments.list_segments(store) if not s.builtin] == []
        assert "★ Repeat" not in _list(screen)


async def test_export_asks_before_replacing_a_file_and_never_writes_over_the_store(make_app, shop_db, tmp_path):
    from lifecycle_tui.tui.widgets.dialogs import ConfirmDialog

    mine = tmp_path / "mine.csv"
    mine.write_text("my own notes\n")
    store_bytes = shop_db.read_bytes()
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen, table = await _open_segments(pilot)
        table.focus()

        async def export_to(path) -> None:
            await pilot.press("e")
            app.screen.query_one(Input).value = str(path)
            await pilot.press("enter")
            await settle(pilot)

        await export_to(mine)
        assert isinstance(app.screen, ConfirmDialog) and "already exists" in app.screen.question
        await pilot.press("n")
        await settle(pilot)
        assert mine.read_text() == "my own notes\n"
        await export_to(mine)
        await pilot.press("y")
        await settle(pilot)
        assert mine.read_text().startswith("customer_id,")

        await export_to(shop_db)
        assert isinstance(app.screen, ConfirmDialog)  # it exists, so it asks first ...
        await pilot.press("y")
        await settle(pilot)
        assert any("that is the store itself" in n.message for n in app._notifications)  # ... then refuses
        assert app.screen is screen
    assert shop_db.read_bytes() == store_bytes


async def test_builtin_segments_cannot_be_deleted(make_app):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("d")
        assert any("built in" in n.message for n in app._notifications)


async def test_an_unsaved_rule_is_not_replaced_without_asking(make_app, shop_db):
    from lifecycle_tui.tui.widgets.dialogs import ConfirmDialog

    with open_store(shop_db) as store:
        segments.add_segment(store, "big", "revenue > 100")
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen, table = await _open_segments(pilot)
        table.focus()
        table.move_cursor(row=0)  # saved segments come first: "big"
        await pilot.press("enter")
        await settle(pilot)
        rule = screen.query_one("#seg-rule", TextArea)
        assert rule.text == "revenue > 100" and not screen.modified
        rule.text = "revenue > 200"  # an edit, not saved
        table.focus()
        table.move_cursor(row=1)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")  # keep the edit
        await settle(pilot)
        assert app.screen is screen and rule.text == "revenue > 200"
        assert app.unsaved_changes() == ["the segment in the editor"]
        await pilot.press("q")  # quitting asks too
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await settle(pilot)
        assert app.is_running and app.screen is screen
        table.focus()
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("y")  # discard: the chosen segment is loaded
        await settle(pilot)
        assert rule.text != "revenue > 200" and not screen.modified


async def test_the_caret_stays_under_the_spot_when_the_rule_is_wider_than_the_pane(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        screen = app.screen
        await pilot.press("n", *"wide", "tab")
        rule = "orders >= 2 and revenue > 100 and accepts_email = true and days_since_last_ordr > 90"
        screen.query_one("#seg-rule", TextArea).text = rule
        await pilot.pause(0.3)
        lines = widget_text(screen.query_one("#seg-error", Static)).splitlines()
        lines = [ln for ln in lines if ln.strip()]
        reason, echo, caret = " ".join(lines[:-2]), lines[-2], lines[-1]  # the reason may wrap; the echo must not
        assert "days_since_last_ordr" in reason and f"(column {rule.index('days_since') + 1})" in reason
        assert echo.startswith("…") and caret.strip() == "^"  # cut around the spot
        under = echo[caret.index("^"):].rstrip("…")
        assert len(under) >= 5 and rule[rule.index("days_since"):].startswith(under)


def test_a_long_rule_line_is_cut_around_the_spot():
    from lifecycle_tui.tui.screens.segments import _around

    line = "orders >= 2 and days_since_last_ordr > 90 and revenue > 100 and accepts_email = true"
    for col in range(len(line)):
        shown, at = _around(line, col, 30)
        assert len(shown) <= 30 and shown[at] == line[col], col
    assert _around("short", 2, 30) == ("short", 2)
