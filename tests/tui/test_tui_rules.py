"""Rules section: toggles change the store, the form creates and edits with the validator's messages."""

from __future__ import annotations

from textual.widgets import Checkbox, DataTable, Input, Select, Static, TextArea

from lifecycle_tui.automation.rules import get_rule, list_rules, rule_versions
from lifecycle_tui.store import open_store
from lifecycle_tui.tui.screens.rules import RulesScreen
from lifecycle_tui.tui.widgets.rule_form import RuleForm
from tests.tui.conftest import open_section, settle


async def open_rules(pilot) -> RulesScreen:
    return await open_section(pilot, "5", RulesScreen)


def first_row(screen) -> tuple[str, str]:
    table = screen.query_one("#rules-table", DataTable)
    row = table.get_row_at(0)
    return str(row[0]), str(row[1])


async def test_rules_are_listed_with_their_switches(make_app, shop_db):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_rules(pilot)
        table = screen.query_one("#rules-table", DataTable)
        with open_store(shop_db) as store:
            rules = list_rules(store)
        assert table.row_count == len(rules) > 0
        for i, rule in enumerate(rules):
            switch, name = (str(c) for c in table.get_row_at(i)[:2])
            assert name == rule.name
            assert ("●" in switch) == rule.enabled
        assert rules[0].name in str(screen.query_one("#rule-detail", Static).render())


async def test_space_and_enter_toggle_a_rule_in_the_store(make_app, shop_db):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_rules(pilot)
        _, name = first_row(screen)
        with open_store(shop_db) as store:
            before = get_rule(store, name)
        await pilot.press("space")
        await settle(pilot)
        with open_store(shop_db) as store:
            after = get_rule(store, name)
            history = rule_versions(store, name)
        assert after.enabled is not before.enabled
        assert after.version == before.version + 1
        assert history[0]["enabled"] is after.enabled
        assert ("●" in first_row(screen)[0]) == after.enabled
        await pilot.press("enter")  # and back
        await settle(pilot)
        with open_store(shop_db) as store:
            assert get_rule(store, name).enabled is before.enabled


async def test_edit_form_shows_validator_messages_and_saves(make_app, shop_db):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_rules(pilot)
        _, name = first_row(screen)
        with open_store(shop_db) as store:
            before = get_rule(store, name)
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RuleForm)
        assert form.query_one("#name", Input).value == name
        # A step out of order is refused with the domain validator's words, as you type.
        steps = form.query_one("#steps", TextArea)
        steps.load_text("2d email welcome_1\n1d email welcome_1")
        await pilot.pause()
        assert "steps out of order" in str(form.query_one("#form-error", Static).render())
        steps.load_text("\n".join(f"{s.delay} {s.channel} {s.template}" for s in before.steps))
        await pilot.pause()
        assert str(form.query_one("#form-error", Static).render()) == ""
        # So is a filter the segment language cannot read, with the column of the spot.
        filter_field = form.query_one("#filter", Input)
        kept_filter = filter_field.value
        filter_field.focus()
        filter_field.value = ""
        await pilot.press(*"orders >> 2")
        await pilot.pause()
        error = str(form.query_one("#form-error", Static).render())
        assert error.startswith("filter: expected a value") and error.endswith("(column 9)")
        filter_field.value = kept_filter
        await pilot.pause()
        assert str(form.query_one("#form-error", Static).render()) == ""
        priority = form.query_one("#priority", Input)
        priority.focus()
        priority.value = ""
        await pilot.press("7", "7")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        with open_store(shop_db) as store:
            after = get_rule(store, name)
        assert after.priority == 77
        assert after.version == before.version + 1
        assert [s.to_dict() for s in after.steps] == [s.to_dict() for s in before.steps]


async def test_new_rule_form_creates_a_rule_and_refuses_a_taken_name(make_app, shop_db):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_rules(pilot)
        _, taken = first_row(screen)
        with open_store(shop_db) as store:
            template = store.scalar("SELECT name FROM templates WHERE channel = 'email' ORDER BY name LIMIT 1")
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RuleForm)
        form.query_one("#name", Input).value = taken
        form.query_one("#kind", Select).value = "no_purchase"
        await settle(pilot)
        assert "trigger.days: required" in str(form.query_one("#form-error", Static).render())
        form.query_one("#param-days", Input).value = "60"
        form.query_one("#steps", TextArea).load_text(f"0h email {template}")
        await pilot.pause()
        assert str(form.query_one("#form-error", Static).render()) == ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form  # refused: the form stays open with the reason
        assert "already exists" in str(form.query_one("#form-error", Static).render())
        form.query_one("#name", Input).value = "winback_60"
        form.query_one("#exit-ordered_since_trigger", Checkbox).value = True
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        with open_store(shop_db) as store:
            rule = get_rule(store, "winback_60")
        assert rule is not None
        assert rule.trigger == {"kind": "no_purchase", "days": 60}
        assert rule.exits == ["ordered_since_trigger"]
        assert not rule.enabled  # new rules start switched off
        names = [str(screen.query_one("#rules-table", DataTable).get_row_at(i)[1])
                 for i in range(screen.query_one("#rules-table", DataTable).row_count)]
        assert "winback_60" in names


def test_snapshot_rules(make_app, snap_compare):
    async def ready(pilot) -> None:
        await pilot.press("5")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(120, 36), run_before=ready)


async def test_last_run_counts_come_from_the_message_record(make_app, shop_db):
    from lifecycle_tui.automation.dispatcher import run_plan
    from lifecycle_tui.automation.planner import plan
    from tests.tui.conftest import FROZEN

    with open_store(shop_db) as store:
        report = run_plan(store, plan(store, FROZEN), "outbox", who="test", clock=lambda: FROZEN)
        sent = dict(store.conn.execute("SELECT rule, count(*) FROM messages WHERE status = 'sent' GROUP BY rule"))
    assert sent and report.sent == sum(sent.values())
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_rules(pilot)
        table = screen.query_one("#rules-table", DataTable)
        for i in range(table.row_count):
            row = [str(c) for c in table.get_row_at(i)]
            name, last_run, total = row[1], row[5], row[6]
            if name in sent:
                assert last_run == f"#{report.run_id}: {sent[name]} sent"
                assert total == str(sent[name])
            else:
                assert (last_run, total) == ("never", "0")


async def test_cancelling_an_edited_rule_form_asks_before_it_loses_the_edit(make_app, shop_db):
    from lifecycle_tui.tui.widgets.dialogs import ConfirmDialog

    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_rules(pilot)
        _, name = first_row(screen)
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RuleForm) and form.unsaved_changes() is None
        assert "ctrl+s" in str(form.query_one("#save").label)  # the form hides the footer's keys
        await pilot.press("escape")  # nothing changed: closes at once
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        await pilot.press("end", "!", "escape")  # the description gets a "!"
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog) and f"rule {name}" in app.screen.question
        await pilot.press("n")  # keep editing: the text is still there
        await settle(pilot)
        assert app.screen is form and form.query_one("#description", Input).value.endswith("!")
        await pilot.press("ctrl+q")  # quitting asks too
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog) and f"rule {name}" in app.screen.question
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("y")  # discard
        await settle(pilot)
        assert app.screen is screen
        with open_store(shop_db) as store:
            assert not get_rule(store, name).description.endswith("!")


async def test_d_removes_a_rule_that_is_off_after_asking_and_refuses_one_that_is_on(make_app, shop_db):
    from lifecycle_tui.tui.widgets.dialogs import ConfirmDialog

    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_rules(pilot)
        table = screen.query_one("#rules-table", DataTable)
        _, on_rule = first_row(screen)
        await pilot.press("d")
        await settle(pilot)
        assert app.screen is screen  # not asked: refused at once, in words, not an exception name
        refusal = [str(n.message) for n in app._notifications if n.title == "Not removed"]
        assert refusal == [f"{on_rule} is on: switch it off first (space), then remove it."]
        off_rule = next(r for r in screen.rules.values() if not r.enabled).name
        table.move_cursor(row=table.get_row_index(off_rule))
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot, rounds=4)
        assert off_rule not in screen.rules and off_rule not in [str(table.get_row_at(i)[1])
                                                                 for i in range(table.row_count)]
    with open_store(shop_db) as store:
        assert get_rule(store, off_rule) is None and get_rule(store, on_rule) is not None
