"""Dispatch section: dry-run shows the plan, a row shows its message, run (confirmed) fills the outbox."""

from __future__ import annotations

import re
from pathlib import Path

from textual.widgets import DataTable, Input, Select, Static

from lifecycle_tui.automation.planner import plan
from lifecycle_tui.automation.preview import preview
from lifecycle_tui.store import open_store
from lifecycle_tui.store.settings import set_value
from lifecycle_tui.tui.screens.dispatch import DispatchScreen
from lifecycle_tui.tui.widgets.confirm_run import ConfirmRun
from tests.dispatch.dispatch_helpers import lock_held_by_another_run
from tests.tui.conftest import FROZEN, open_section, settle


async def open_dispatch(pilot) -> DispatchScreen:
    return await open_section(pilot, "6", DispatchScreen)


async def dry_run(pilot, screen) -> None:
    await pilot.press("d")
    await settle(pilot)
    assert screen.plan is not None


def first_decision_row(screen, action: str | None = None):
    """(table, row index, decision) of the first decision row in the plan table (of ``action``)."""
    table = screen.query_one("#plan-table", DataTable)
    for i, row in enumerate(table.ordered_rows):
        key = row.key.value
        if key.startswith("d:"):
            d = screen.plan.decisions[int(key[2:])]
            if action is None or d.action == action:
                return table, i, d
    raise AssertionError(f"no {action or ''} decision row in the plan table")


def status(screen) -> str:
    return str(screen.query_one("#dispatch-status", Static).render())


def expected_plan(path):
    with open_store(path) as store:
        return plan(store, FROZEN, include_disabled=True)


async def test_dry_run_lists_the_plan_grouped_by_rule_and_action(make_app, shop_db):
    expected = expected_plan(shop_db)
    assert expected.summary["send"] > 0, "the seeded shop should have something to send at FROZEN"
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_dispatch(pilot)
        await dry_run(pilot, screen)
        table = screen.query_one("#plan-table", DataTable)
        keys = [row.key.value for row in table.ordered_rows]
        groups = [k for k in keys if k.startswith("g:")]
        decisions = [k for k in keys if k.startswith("d:")]
        assert len(decisions) == len(expected.decisions)
        expected_groups = {f"g:{d.rule}:{d.action}" for d in expected.decisions}
        assert set(groups) == expected_groups
        s = expected.summary
        assert f"{s['send']} to send, {s['skip']} skipped, {s['defer']} deferred" in status(screen)
        # Each decision row sits under its own group header.
        group = None
        for key in keys:
            if key.startswith("g:"):
                group = key
            elif key.startswith("d:"):
                d = screen.plan.decisions[int(key[2:])]
                assert group == f"g:{d.rule}:{d.action}"
        # Nothing was written by the dry-run.
        with open_store(shop_db) as store:
            assert store.scalar("SELECT count(*) FROM messages") == 0
            assert store.scalar("SELECT count(*) FROM runs") == 0


async def test_a_row_shows_the_same_message_as_dispatch_preview(make_app, shop_db):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_dispatch(pilot)
        await dry_run(pilot, screen)
        table, send_row, d = first_decision_row(screen, "send")
        table.move_cursor(row=send_row)
        await pilot.pause(0.3)
        await settle(pilot)
        with open_store(shop_db) as store:
            expected = preview(store, d.rule, d.customer_id, FROZEN, step=d.step).text()
        shown = str(screen.query_one("#plan-message-body", Static).render())
        assert shown == expected
        assert "send now" in shown


async def test_run_asks_then_sends_through_the_outbox(make_app, shop_db):
    expected = expected_plan(shop_db)
    sends = [d for d in expected.decisions if d.action == "send"]
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_dispatch(pilot)
        await dry_run(pilot, screen)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmRun)
        assert re.search(rf"send\s+{len(sends)}\s", str(app.screen.query_one("#confirm-summary", Static).render()))
        await pilot.press("n")  # cancel: nothing happens
        await settle(pilot)
        assert app.screen is screen
        with open_store(shop_db) as store:
            assert store.scalar("SELECT count(*) FROM messages") == 0

        await pilot.press("r")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot, rounds=5)
        with open_store(shop_db) as store:
            rows = store.conn.execute("SELECT dedupe_key, status, path FROM messages").fetchall()
            run = store.conn.execute("SELECT status, transport, sent FROM runs").fetchone()
        assert sorted(r["dedupe_key"] for r in rows) == sorted(d.dedupe_key for d in sends)
        assert all(r["status"] == "sent" for r in rows)
        assert all(r["path"] and Path(r["path"]).is_file() for r in rows)
        assert (run["status"], run["transport"], run["sent"]) == ("done", "outbox", len(sends))
        assert f"{len(sends)} sent" in status(screen) and " 0 failed. Now: Plan as of" in status(screen)
        # The plan is refreshed after the run: what was sent is no longer to send.
        assert screen.plan is not None and not any(
            d.action == "send" and d.dedupe_key in {s.dedupe_key for s in sends} for d in screen.plan.decisions)


async def test_a_rule_switched_off_after_the_dry_run_is_not_sent_from_the_old_plan(make_app, shop_db):
    from lifecycle_tui.automation.rules import set_enabled

    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_dispatch(pilot)
        await dry_run(pilot, screen)
        old = screen.plan
        rule = next(d.rule for d in old.decisions if d.action == "send")
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmRun)
        # Switched off in another terminal while the owner reads the confirmation (the console
        # notices such a change within a second; the run must not depend on that).
        with open_store(shop_db) as store:
            set_enabled(store, rule, False)
        await pilot.press("y")
        await settle(pilot, rounds=5)
        with open_store(shop_db) as store:
            assert store.scalar("SELECT count(*) FROM messages") == 0 and store.scalar("SELECT count(*) FROM runs") == 0
        assert any("The plan changed since the dry-run" in str(n.message) and "nothing was sent" in str(n.message)
                   for n in app._notifications)
        assert screen.plan is not old and rule not in {d.rule for d in screen.plan.decisions if d.action == "send"}
        if screen.plan.sends():  # the plan as it is now can be sent as shown
            await pilot.press("r")
            await settle(pilot)
            await pilot.press("y")
            await settle(pilot, rounds=5)
            with open_store(shop_db) as store:
                sent = {r[0] for r in store.conn.execute("SELECT rule FROM messages WHERE status = 'sent'")}
            assert sent and rule not in sent


async def test_a_failing_transport_is_reported_not_swallowed(make_app, shop_db):
    with open_store(shop_db) as store:
        set_value(store, "webhook.url", "http://127.0.0.1:9/hook")  # nothing listens on the discard port
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_dispatch(pilot)
        screen.query_one("#dispatch-rule", Select).value = "__all__"
        screen.query_one("#dispatch-transport", Select).value = "webhook"
        await dry_run(pilot, screen)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot, rounds=5)
        errors = [n for n in app._notifications if n.severity == "error"]
        assert errors, "the failed run must be shown as an error"
        assert "stay due: the next run sends them" in str(errors[-1].message)
        with open_store(shop_db) as store:
            assert store.scalar("SELECT count(*) FROM messages WHERE status = 'sent'") == 0


async def test_a_bad_as_of_is_refused_with_a_message(make_app):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_dispatch(pilot)
        screen.query_one("#dispatch-as-of", Input).value = "next tuesday"
        await pilot.press("d")
        await settle(pilot)
        assert screen.plan is None
        assert any("as of" in str(n.message) and n.severity == "error" for n in app._notifications)


def test_snapshot_dispatch(make_app, snap_compare):
    async def ready(pilot) -> None:
        await pilot.press("6")
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(120, 36), run_before=ready)


async def test_enter_on_a_decision_opens_its_message_full_screen(make_app, shop_db):
    from lifecycle_tui.tui.widgets.message_view import MessageView
    from textual.widgets import TextArea

    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_dispatch(pilot)
        await dry_run(pilot, screen)
        table, row, d = first_decision_row(screen)
        table.move_cursor(row=row)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MessageView)
        with open_store(shop_db) as store:
            expected = preview(store, d.rule, d.customer_id, FROZEN, step=d.step).text()
        assert app.screen.query_one("#message-body", TextArea).text == expected


async def test_the_as_of_field_shows_the_console_time_in_utc_and_plans_at_it(make_app):
    from datetime import timedelta, timezone

    from lifecycle_tui.tui.screens.dispatch import as_of_text

    odd = FROZEN.replace(second=7).astimezone(timezone(timedelta(hours=2)))
    assert as_of_text(odd) == FROZEN.strftime("%Y-%m-%d %H:%M:07")  # shown in UTC, seconds kept
    assert as_of_text(None) == ""
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_dispatch(pilot)
        field = screen.query_one("#dispatch-as-of", Input)
        assert field.value == FROZEN.strftime("%Y-%m-%d %H:%M")
        await pilot.press("d")
        await settle(pilot)
        assert screen.plan is not None and screen.plan.as_of == FROZEN


async def test_dry_run_resolves_an_interrupted_run_and_the_run_sends_its_message(make_app, shop_db):
    """A killed run left a message claimed with no outbox file: `d` resolves it (as `dispatch run`
    does), says so, plans the message again, and `r` sends it in this run, not the one after."""
    from lifecycle_tui.automation import message_log as log

    victim = next(d for d in expected_plan(shop_db).decisions if d.action == "send" and d.channel == "email")
    with open_store(shop_db) as store:
        with store.transaction() as conn:
            dead = conn.execute(
                "INSERT INTO runs (started_at, as_of, who, transport, status) "
                "VALUES ('2026-06-30T11:00:00+00:00', '2026-06-30T11:00:00+00:00', 'killed', 'outbox', 'running')"
            ).lastrowid
        assert log.claim(store, run_id=dead, decision=victim, claimed_at="2026-06-30T11:00:01+00:00")
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_dispatch(pilot)
        await dry_run(pilot, screen)
        assert f"An earlier run was interrupted (run {dead})" in status(screen)
        assert any("Interrupted run resolved" in (n.title or "") for n in app._notifications)
        planned = [d for d in screen.plan.decisions if d.dedupe_key == victim.dedupe_key]
        assert [d.action for d in planned] == ["send"]

        await pilot.press("r")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot, rounds=5)
    with open_store(shop_db) as store:
        assert log.status_of(store, victim.dedupe_key) == "sent"
        assert store.scalar("SELECT status FROM runs WHERE id = ?", (dead,)) == "interrupted"


def test_while_another_run_holds_the_lock_the_plan_is_shown_with_a_note(shop_db):
    from lifecycle_tui.tui.screens.dispatch import plan_for_screen

    with lock_held_by_another_run(shop_db), open_store(shop_db) as store:
        shown, recovered = plan_for_screen(store, FROZEN, None)
    assert not recovered
    assert shown.decisions == expected_plan(shop_db).decisions
    assert any(n.startswith("not sendable now: another dispatch run is in progress") for n in shown.notes)


def test_the_run_confirmation_says_why_messages_wait():
    from types import SimpleNamespace

    from lifecycle_tui.tui.widgets.confirm_run import run_summary

    def d(action, reason=None, channel="email"):
        return SimpleNamespace(action=action, reason=reason, channel=channel)

    decisions = [d("send"), d("defer", "one message per customer per run: winback step 1 goes first")] * 2 + [
        d("defer", "quiet hours: deferred until 08:00 Europe/Berlin", "sms")]
    text = run_summary(decisions, "outbox", "2026-06-30 18:00 UTC", "all enabled rules")
    assert "defer       3   (one message per customer per run 2, quiet hours 1: a later run sends them)" in text
    assert "quiet hours or caps" not in text  # the old fixed words, wrong for most plans
    assert "(nothing waits)" in run_summary([d("send")], "outbox", "t", "all")


async def test_escape_leaves_the_as_of_field_so_section_keys_work_again(make_app):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_dispatch(pilot)
        field = screen.query_one("#dispatch-as-of", Input)
        field.focus()
        await settle(pilot)
        before = field.value
        await pilot.press("escape")
        await settle(pilot)
        assert app.focused is screen.query_one("#plan-table", DataTable)
        await pilot.press("4")  # a section key again, not a character typed into the field
        await settle(pilot)
        assert field.value == before and app.screen is not screen
