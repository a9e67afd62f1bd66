"""Templates section: edit with a live preview, lint inline, save a version, restore one."""

from __future__ import annotations

from textual.widgets import OptionList, Static

from lifecycle_tui.messages import Renderer, get_template, list_versions
from lifecycle_tui.store import open_store
from lifecycle_tui.store.settings import set_value
from lifecycle_tui.tui.screens.templates import TemplatesScreen
from lifecycle_tui.tui.widgets.template_editor import TemplateEditor, highlight_spans
from lifecycle_tui.tui.widgets.template_history import TemplateHistory
from tests.tui.conftest import FROZEN, open_section, settle

DEBOUNCE_WAIT = 0.5  # longer than the screen's 300 ms debounce


def fixed_secret(path) -> None:
    """A fixed unsubscribe secret, so rendered links (and snapshots) are the same on every run."""
    with open_store(path) as store:
        set_value(store, "secret.unsubscribe", "b" * 64)


async def open_templates(pilot) -> TemplatesScreen:
    return await open_section(pilot, "4", TemplatesScreen)


def preview_of(screen) -> str:
    return str(screen.query_one("#tpl-preview-body", Static).render())


def lint_of(screen) -> str:
    return str(screen.query_one("#tpl-lint", Static).render())


async def type_at_end_of_body(pilot, screen, text: str) -> None:
    editor = screen.query_one("#tpl-editor", TemplateEditor)
    editor.focus()
    editor.move_cursor(editor.document.end)  # TextArea has no key for "end of document"
    await pilot.press(*["enter" if ch == "\n" else ch for ch in text])
    await pilot.pause(DEBOUNCE_WAIT)
    await settle(pilot)


async def test_editing_changes_the_preview_and_saving_adds_a_version(make_app, shop_db):
    fixed_secret(shop_db)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_templates(pilot)
        name = screen.current
        assert name is not None
        with open_store(shop_db) as store:
            before = get_template(store, name)
            customer = screen.customer
            expected = Renderer(store, FROZEN).render(name, customer)
        assert screen.query_one("#tpl-editor", TemplateEditor).text == before.source_text
        # The preview is the domain renderer's message for the chosen customer.
        first_line = (expected.fields.get("subject") or expected.fields.get("text") or "").splitlines()[0]
        assert first_line in preview_of(screen)
        assert "Zanzibar" not in preview_of(screen)

        await type_at_end_of_body(pilot, screen, "\nZanzibar tea")
        assert "Zanzibar tea" in preview_of(screen)
        assert "modified" in str(screen.query_one("#tpl-status", Static).render())

        await pilot.press("ctrl+s")
        await settle(pilot)
        with open_store(shop_db) as store:
            after = get_template(store, name)
            versions = list_versions(store, name)
        assert after.version == before.version + 1
        assert after.source_text.endswith("Zanzibar tea") or "Zanzibar tea" in after.source_text
        assert [v["version"] for v in versions][-1] == after.version
        assert versions[-1]["origin"] == "edit"
        assert "saved" in str(screen.query_one("#tpl-status", Static).render())


async def test_lint_reports_an_unknown_variable_inline(make_app):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_templates(pilot)
        assert "unknown variable" not in lint_of(screen)
        await type_at_end_of_body(pilot, screen, "{{ custmer.first_name }}")
        assert "unknown variable 'custmer'" in lint_of(screen)
        # Nothing is saved by typing.
        with open_store(app.db_path) as store:
            assert "custmer" not in get_template(store, screen.current).source_text


async def test_a_broken_template_shows_its_error_instead_of_crashing(make_app):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_templates(pilot)
        await type_at_end_of_body(pilot, screen, "{% if %}")
        assert "line" in preview_of(screen)
        assert "not rendered" in lint_of(screen)
        await pilot.press("ctrl+s")  # refused: the store keeps the old version, the error is notified
        await settle(pilot)
        with open_store(app.db_path) as store:
            assert "{% if %}" not in get_template(store, screen.current).source_text
        assert any(n.severity == "error" for n in app._notifications)


async def test_saving_a_template_lint_fails_saves_it_and_warns(make_app, shop_db):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_templates(pilot)
        await type_at_end_of_body(pilot, screen, "{{ customer.frist_name }}")
        await pilot.press("ctrl+s")
        await settle(pilot)
        with open_store(shop_db) as store:
            assert "frist_name" in get_template(store, screen.current).source_text  # saved: it parses
        warned = [n for n in app._notifications if n.severity == "warning"]
        assert warned and "lint finds 1 error:" in str(warned[-1].message)
        assert "frist_name" in str(warned[-1].message) and "fail until it is fixed" in str(warned[-1].message)


async def test_restore_an_older_version(make_app, shop_db):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_templates(pilot)
        name = screen.current
        with open_store(shop_db) as store:
            original = get_template(store, name)
        await type_at_end_of_body(pilot, screen, "\nsecond version")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert isinstance(app.screen, TemplateHistory)
        await pilot.press("down")  # newest first: the row below is the original
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        with open_store(shop_db) as store:
            restored = get_template(store, name)
            versions = list_versions(store, name)
        assert restored.source_text == original.source_text
        assert restored.version == original.version + 2
        assert versions[-1]["note"] == f"restored from version {original.version}"
        assert screen.query_one("#tpl-editor", TemplateEditor).text == original.source_text
        assert f"Restored version {original.version} of {name} as version {restored.version}" in [
            str(n.message) for n in app._notifications]


async def test_templates_are_listed_by_channel(make_app, shop_db):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_templates(pilot)
        listing = screen.query_one("#tpl-list", OptionList)
        ids = [listing.get_option_at_index(i).id for i in range(listing.option_count)]
        headers = [i for i in ids if i.startswith("channel:")]
        assert headers == ["channel:email", "channel:sms", "channel:push"]
        with open_store(shop_db) as store:
            channels = dict(store.conn.execute("SELECT name, channel FROM templates").fetchall())
        # Every template sits under its own channel's header.
        current = None
        for option_id in ids:
            if option_id.startswith("channel:"):
                current = option_id.split(":", 1)[1]
            else:
                assert channels[option_id.split(":", 1)[1]] == current
        assert len(ids) - 3 == len(channels)


def test_highlighter_marks_jinja_and_html():
    source = b'<p class="x">{{ customer.first_name }}</p>{% if a %}{# note #}'
    spans = {source[s:e].decode(): name for s, e, name in highlight_spans(source)}
    assert spans["{{ customer.first_name }}"] == "function"
    assert spans["{% if a %}"] == "keyword"
    assert spans["{# note #}"] == "comment"
    assert spans["<p"] == "tag"
    assert spans["class"] == "attribute"
    assert spans['"x"'] == "string"


def test_snapshot_templates(make_app, shop_db, snap_compare):
    fixed_secret(shop_db)

    async def ready(pilot) -> None:
        await pilot.press("4")
        await settle(pilot)
        await pilot.pause(DEBOUNCE_WAIT)
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(120, 36), run_before=ready)


async def test_sms_preview_shows_encoding_and_segments(make_app, shop_db):
    with open_store(shop_db) as store:
        name = store.scalar("SELECT name FROM templates WHERE channel = 'sms' ORDER BY name LIMIT 1")
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_templates(pilot)
        listing = screen.query_one("#tpl-list", OptionList)
        listing.focus()
        listing.highlighted = listing.get_option_index(f"tpl:{name}")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.pause(DEBOUNCE_WAIT)
        await settle(pilot)
        assert screen.current == name
        with open_store(shop_db) as store:
            expected = Renderer(store, FROZEN).render(name, screen.customer)
        shown = preview_of(screen)
        assert f"{expected.fields['encoding']} · {expected.fields['segments']} segment" in shown
        assert expected.fields["text"] in shown


async def test_a_new_template_is_saved_as_version_one_and_cannot_take_a_used_name(make_app, shop_db):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_templates(pilot)
        taken = screen.current
        await pilot.press("ctrl+n")
        editor = screen.query_one("#tpl-editor", TemplateEditor)
        editor.load_text(editor.text.replace("name: new_email", f"name: {taken}"))
        await pilot.press("ctrl+s")
        await settle(pilot)
        with open_store(shop_db) as store:
            assert len(list_versions(store, taken)) == 1  # refused: the existing template is untouched
        assert any("name exists" in str(n.message) for n in app._notifications)
        editor.load_text(editor.text.replace(f"name: {taken}", "name: summer_note"))
        await pilot.press("ctrl+s")
        await settle(pilot)
        with open_store(shop_db) as store:
            saved = get_template(store, "summer_note")
        assert saved is not None and saved.version == 1 and saved.channel == "email"
        assert screen.current == "summer_note"


async def test_quitting_with_an_unsaved_template_asks_first(make_app):
    from lifecycle_tui.tui.widgets.dialogs import ConfirmDialog

    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_templates(pilot)
        await type_at_end_of_body(pilot, screen, "\nnot saved yet")
        await pilot.press("escape", "1")  # leave the editor, go to another section: still unsaved
        await settle(pilot)
        assert app.unsaved_changes() == [f"the template {screen.current}"]
        await pilot.press("q")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog) and screen.current in app.screen.question
        await pilot.press("y")
        await settle(pilot)
        assert not app.is_running


async def test_delete_removes_an_unused_template_and_refuses_one_a_rule_sends(make_app, shop_db):
    from lifecycle_tui.tui.widgets.dialogs import ConfirmDialog

    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_templates(pilot)
        screen.open_template("welcome_1")
        await settle(pilot)
        screen.query_one("#tpl-list", OptionList).focus()
        await pilot.press("delete")
        await settle(pilot)
        assert app.screen is screen
        refusal = [str(n.message) for n in app._notifications if n.title == "Not removed"]
        assert refusal == ["welcome_1: sent by welcome step 1: change that step to another template first"]
        screen.open_template("replenishment")
        await settle(pilot)
        screen.query_one("#tpl-list", OptionList).focus()
        await pilot.press("delete")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot, rounds=4)
        listed = [str(o.prompt).strip() for o in screen.query_one("#tpl-list", OptionList).options]
        assert "replenishment" not in listed and "welcome_1" in listed
        assert screen.current is not None and screen.current != "replenishment"
    with open_store(shop_db) as store:
        assert get_template(store, "replenishment") is None
