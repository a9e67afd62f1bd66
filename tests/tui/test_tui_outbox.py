"""Outbox section: the recorded messages, filters, paging, and opening one to read it."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Select, Static, TextArea

from lifecycle_tui.automation.dispatcher import run_plan
from lifecycle_tui.automation.planner import plan
from lifecycle_tui.store import open_store
from lifecycle_tui.store.settings import set_value
from lifecycle_tui.tui.screens import outbox as outbox_screen
from lifecycle_tui.tui.screens.outbox import OutboxScreen
from lifecycle_tui.tui.widgets.message_view import MessageView
from tests.tui.conftest import FROZEN, open_section, settle


@pytest.fixture
def sent_db(shop_db: Path) -> Path:
    """The seeded shop after one outbox run at FROZEN (with a fixed unsubscribe secret)."""
    with open_store(shop_db) as store:
        set_value(store, "secret.unsubscribe", "b" * 64)
        report = run_plan(store, plan(store, FROZEN), "outbox", who="test", clock=lambda: FROZEN)
        assert report.sent > 1
    return shop_db


async def open_outbox(pilot) -> OutboxScreen:
    return await open_section(pilot, "7", OutboxScreen)


def table_ids(screen) -> list[int]:
    table = screen.query_one("#outbox-table", DataTable)
    return [int(row.key.value) for row in table.ordered_rows]


async def test_lists_every_recorded_message_newest_first(make_app, sent_db):
    app = make_app(sent_db)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_outbox(pilot)
        with open_store(sent_db) as store:
            ids = [r[0] for r in store.conn.execute("SELECT id FROM messages ORDER BY id DESC")]
        assert table_ids(screen) == ids
        assert f"of {len(ids)}" in str(screen.query_one("#outbox-status", Static).render())


async def test_filters_by_channel_and_rule(make_app, sent_db):
    with open_store(sent_db) as store:
        rule, channel = store.conn.execute(
            "SELECT rule, channel FROM messages GROUP BY rule, channel ORDER BY count(*) DESC LIMIT 1").fetchone()
        expected = [r[0] for r in store.conn.execute(
            "SELECT id FROM messages WHERE rule = ? AND channel = ? ORDER BY id DESC", (rule, channel))]
        total = store.scalar("SELECT count(*) FROM messages")
    assert len(expected) < total, "pick a store where the filter narrows the list"
    app = make_app(sent_db)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_outbox(pilot)
        screen.query_one("#filter-rule", Select).value = rule
        await settle(pilot)
        screen.query_one("#filter-channel", Select).value = channel
        await settle(pilot)
        assert table_ids(screen) == expected
        screen.query_one("#filter-rule", Select).clear()
        screen.query_one("#filter-channel", Select).clear()
        await settle(pilot)
        assert len(table_ids(screen)) == total


async def test_the_run_filter_says_what_each_run_sent(make_app, sent_db):
    with open_store(sent_db) as store:
        run_id, sent = store.conn.execute("SELECT id, sent FROM runs").fetchone()
    app = make_app(sent_db)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_outbox(pilot)
        options = screen.query_one("#filter-run-id", Select)._options
        assert [str(label) for label, value in options if value == run_id] == [f"Run {run_id} · {sent:,} sent"]


async def test_enter_opens_the_outbox_file(make_app, sent_db):
    app = make_app(sent_db)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_outbox(pilot)
        first = table_ids(screen)[0]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MessageView)
        with open_store(sent_db) as store:
            path = store.scalar("SELECT path FROM messages WHERE id = ?", (first,))
        body = app.screen.query_one("#message-body", TextArea).text
        # The file decoded: its subject and text part as they read, not quoted-printable lines.
        import email
        from email import policy

        sent = email.message_from_bytes(Path(path).read_bytes(), policy=policy.default)
        assert f"Subject: {sent['Subject']}" in body
        assert "--- Text part ---\n" + sent.get_body(("plain",)).get_content().replace("\r\n", "\n") in body
        assert "--- HTML source ---\n<" in body and body.endswith(f"--- Outbox file ---\n{path}")
        assert "Content-Transfer-Encoding: quoted-printable" not in body.split("--- Text part ---")[1]
        await pilot.press("escape")
        assert app.screen is screen


async def test_pages_with_n_and_p(make_app, sent_db, monkeypatch):
    monkeypatch.setattr(outbox_screen, "PAGE_SIZE", 2)
    with open_store(sent_db) as store:
        ids = [r[0] for r in store.conn.execute("SELECT id FROM messages ORDER BY id DESC")]
    app = make_app(sent_db)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_outbox(pilot)
        assert table_ids(screen) == ids[:2]
        await pilot.press("n")
        await settle(pilot)
        assert table_ids(screen) == ids[2:4]
        assert f"Messages 3-{min(4, len(ids))} of {len(ids)}" in str(screen.query_one("#outbox-status", Static).render())
        await pilot.press("p")
        await settle(pilot)
        assert table_ids(screen) == ids[:2]


def test_snapshot_outbox(make_app, sent_db, snap_compare):
    async def ready(pilot) -> None:
        await pilot.press("7")
        await settle(pilot)

    assert snap_compare(make_app(sent_db), terminal_size=(120, 36), run_before=ready)


async def test_a_run_from_another_process_appears_without_a_keypress(make_app, shop_db):
    app = make_app(shop_db)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_outbox(pilot)
        assert table_ids(screen) == []
        with open_store(shop_db) as store:  # e.g. `lifecycle dispatch run` in another terminal
            report = run_plan(store, plan(store, FROZEN), "outbox", who="cli", clock=lambda: FROZEN)
        assert app.check_store_changed()
        await settle(pilot)
        assert len(table_ids(screen)) == report.sent > 0


async def test_a_message_without_a_file_is_rendered_again(make_app, sent_db):
    with open_store(sent_db) as store:  # as if sent by SMTP: no outbox file
        message_id, template = store.conn.execute(
            "SELECT id, template FROM messages WHERE channel = 'email' ORDER BY id LIMIT 1").fetchone()
        with store.transaction() as conn:
            conn.execute("UPDATE messages SET path = NULL WHERE id = ?", (message_id,))
    app = make_app(sent_db)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_outbox(pilot)
        table = screen.query_one("#outbox-table", DataTable)
        table.move_cursor(row=table.get_row_index(str(message_id)))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MessageView)
        body = app.screen.query_one("#message-body", TextArea).text
        assert body.startswith("(no outbox file: rendered again as of 2026-06-30T12:00:00+00:00)")
        assert "Subject:" in body and "MIME-Version" in body
