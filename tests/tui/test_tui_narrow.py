"""The console at 80x24: the panels that sit side by side at 120 columns stack or shrink, so
every section still shows what it is for (the funnel, an editor wide enough to type in, the
plan's reasons, the import's file field)."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input, Static

from tests.tui.conftest import settle, widget_text

NARROW = (80, 24)


async def test_dashboard_stacks_the_funnel_above_the_rfm_grid_and_scrolls(make_app):
    app = make_app()
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        screen = app.screen
        assert screen.has_class("-narrow")
        funnel, rfm = screen.query_one("#dash-funnel"), screen.query_one("#dash-rfm")
        assert funnel.size.width >= 70 and rfm.region.y >= funnel.region.bottom
        assert "Awareness" in widget_text(screen.query_one("#dash-funnel", Static))
        body = screen.query_one("#dash-body")
        assert app.focused is body and body.max_scroll_y > 0
        await pilot.press("end")  # the plan summary at the bottom is reachable from the keyboard
        await settle(pilot)
        plan = screen.query_one("#dash-plan-table", DataTable)
        assert plan.row_count > 0 and body.scroll_y == body.max_scroll_y


async def test_templates_editor_keeps_room_to_type(make_app):
    app = make_app()
    async with app.run_test(size=NARROW) as pilot:
        await pilot.press("4")
        await settle(pilot)
        editor = app.screen.query_one("#tpl-editor")
        assert editor.size.width >= 25


async def test_dispatch_shows_the_message_below_the_plan(make_app):
    app = make_app()
    async with app.run_test(size=NARROW) as pilot:
        await pilot.press("6", "d")
        await settle(pilot)
        table, message = app.screen.query_one("#plan-table", DataTable), app.screen.query_one("#plan-message")
        assert table.row_count > 0 and message.region.y >= table.region.bottom
        assert table.size.width >= 70  # every column, the action and its reason too
        rule = app.screen.query_one("#dispatch-rule")
        assert rule.size.height == 3  # the rule picker stays one line high ("All enabled …")


async def test_import_gives_the_file_field_the_whole_width(make_app):
    app = make_app()
    async with app.run_test(size=NARROW) as pilot:
        await pilot.press("8")
        await settle(pilot)
        assert app.screen.query_one("#imp-path", Input).size.width >= 70


async def test_at_the_design_size_nothing_stacks(make_app):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert screen.has_class("-wide") and not screen.has_class("-narrow")
        funnel, rfm = screen.query_one("#dash-funnel"), screen.query_one("#dash-rfm")
        assert rfm.region.y == funnel.region.y and screen.query_one("#dash-body").max_scroll_y == 0


@pytest.mark.parametrize("keys", [["7"], ["3"], ["4"], ["5"], ["6"], ["8"], ["9"], ["2", "enter"]],
                         ids=["outbox", "segments", "templates", "rules", "dispatch", "import", "settings", "profile"])
async def test_the_footer_keeps_a_sections_own_keys_and_quit_at_80_columns(make_app, keys):
    from textual.widgets._footer import FooterKey

    app = make_app()
    async with app.run_test(size=NARROW) as pilot:
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        shown = [k for k in app.screen.query(FooterKey) if k.display]
        assert "q" in {k.key for k in shown} and "question_mark" in {k.key for k in shown}
        for key in shown:
            assert key.region.width > 0 and key.region.right <= NARROW[0], key.key  # none cut off
        # The palette key gives up its room here (ctrl+p still opens it; `?` lists it).
        assert not any(k.has_class("-command-palette") for k in shown)


async def test_customers_at_80_columns_show_stage_rfm_and_revenue_without_scrolling(make_app):
    app = make_app()
    async with app.run_test(size=NARROW) as pilot:
        await pilot.press("2")
        await settle(pilot)
        table = app.screen.query_one("#customers-table", DataTable)
        x = 0
        for column in table.ordered_columns:
            x += column.get_render_width(table)
            if column.key.value == "revenue":
                break
        assert x <= table.scrollable_content_region.width
        assert str(table.get_row_at(0)[2]) in {"Awareness", "Consideration", "Purchase", "Retention", "Advocacy",
                                          "At risk", "Lapsed"}


async def test_the_template_versions_dialog_keeps_its_frame_and_title_at_80x24(make_app):
    from lifecycle_tui.tui.widgets.template_history import TemplateHistory

    app = make_app()
    async with app.run_test(size=NARROW) as pilot:
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert isinstance(app.screen, TemplateHistory)
        box = app.screen.query_one("TemplateHistory > Vertical").region
        assert box.x >= 0 and box.y >= 0 and box.right <= NARROW[0] and box.bottom <= NARROW[1]
        assert app.screen.query_one("#history-title").region.width > 0


async def test_dispatch_controls_fit_80_columns_with_the_whole_as_of(make_app):
    from textual.widgets import Button

    app = make_app()
    async with app.run_test(size=NARROW) as pilot:
        await pilot.press("6")
        await settle(pilot)
        for button in app.screen.query(Button):
            assert button.region.right <= NARROW[0] and button.region.width >= len(str(button.label)), button.id
        as_of = app.screen.query_one("#dispatch-as-of", Input)
        assert as_of.content_region.width > len(as_of.value)


async def test_the_rule_form_fits_80x24_with_its_buttons_in_view(make_app):
    from textual.widgets import Button

    from lifecycle_tui.tui.widgets.rule_form import RuleForm

    app = make_app()
    async with app.run_test(size=NARROW) as pilot:
        await pilot.press("5")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RuleForm)
        for widget in (form.query_one("#form-title"), form.query_one("#form-error"), form.query_one("#save", Button)):
            r = widget.region
            assert r.width > 0 and r.y >= 0 and r.bottom <= NARROW[1] and r.right <= NARROW[0], widget
