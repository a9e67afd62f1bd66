"""Import section: preview, dry run (nothing written), refusal with line numbers, import with rows in the store."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Button, Checkbox, DataTable, Input, Static

from lifecycle_tui.store import open_store
from lifecycle_tui.tui.widgets.import_preview import PathSuggester
from tests.tui.conftest import settle, widget_text

GOOD = """customer_id,email,first_name,last_name,accepts_email,loyalty_tier
N-1,nina@example.com,Nina,Neu,yes,gold
N-2,otto@example.com,Otto,Ost,no,silver
"""
BAD_LINE = "N-3,not-an-email,Paul,Pohl,yes,bronze\n"


def _count(db: Path, sql: str = "SELECT count(*) FROM customers WHERE customer_id LIKE 'N-%'") -> int:
    with open_store(db) as store:
        return store.scalar(sql)


async def _choose(pilot, path: Path) -> None:
    await pilot.press("8", "f")
    pilot.app.screen.query_one("#imp-path", Input).value = str(path)
    await pilot.press("enter")
    await settle(pilot)


async def test_preview_dry_run_then_import(make_app, shop_db, tmp_path):
    src = tmp_path / "new_customers.csv"
    src.write_text(GOOD)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await _choose(pilot, src)
        screen = app.screen
        assert "generic CSV" in widget_text(screen.query_one("#imp-detected", Static))
        mapping = screen.query_one("#imp-mapping", DataTable)
        rows = {str(mapping.get_row_at(i)[0]): str(mapping.get_row_at(i)[1]) for i in range(mapping.row_count)}
        assert rows["email"] == "email" and rows["loyalty_tier"] == "kept as attribute"
        first = screen.query_one("#imp-rows", DataTable)
        assert first.row_count == 2 and str(first.get_row_at(0)[0]) == "2"  # file line numbers
        commit = screen.query_one("#imp-commit", Button)
        assert commit.disabled  # no import before a dry run
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "2 to insert" in widget_text(screen.query_one("#imp-result", Static))
        assert _count(shop_db) == 0  # the dry run wrote nothing
        assert not commit.disabled
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Imported. 2 inserted" in widget_text(screen.query_one("#imp-result", Static))
        assert _count(shop_db) == 2
        assert _count(shop_db, "SELECT attributes FROM customers WHERE customer_id = 'N-1'") == '{"loyalty_tier":"gold"}'
        # The same file again changes nothing.
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "2 unchanged" in widget_text(screen.query_one("#imp-result", Static))


async def test_bad_row_refuses_with_line_then_skip_invalid_imports_the_rest(make_app, shop_db, tmp_path):
    src = tmp_path / "with_bad.csv"
    src.write_text(GOOD + BAD_LINE)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await _choose(pilot, src)
        screen = app.screen
        await pilot.press("ctrl+r")
        await settle(pilot)
        result = widget_text(screen.query_one("#imp-result", Static))
        assert "refused" in result and "line 4" in result
        # The console's own words for skipping, not the CLI's flag.
        assert "Tick “Skip invalid rows”" in result and "--skip-invalid" not in result
        rejected = screen.query_one("#imp-rejected", DataTable)
        assert [str(c) for c in rejected.get_row_at(0)[:2]] == ["4", "email"]
        assert screen.query_one("#imp-commit", Button).disabled
        assert any("line 4" in n.message for n in app._notifications)  # shown, not a traceback
        screen.query_one("#imp-skip", Checkbox).value = True
        await pilot.press("ctrl+r")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert _count(shop_db) == 2
        assert "1 rejected" in widget_text(screen.query_one("#imp-result", Static))


async def test_path_suggester_completes_from_the_file_system(tmp_path):
    (tmp_path / "orders_2026.csv").write_text("x")
    (tmp_path / "exports").mkdir()
    suggester = PathSuggester()
    assert await suggester.get_suggestion(str(tmp_path / "ord")) == str(tmp_path / "orders_2026.csv")
    assert await suggester.get_suggestion(str(tmp_path / "exp")) == str(tmp_path / "exports") + "/"
    assert await suggester.get_suggestion(str(tmp_path / "nothing")) is None


async def test_tab_completes_the_path_as_far_as_the_names_agree(make_app, tmp_path):
    for name in ("customers_a.csv", "customers_b.csv"):
        (tmp_path / name).write_text(GOOD)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("8", "f", *f"{tmp_path}/cus")
        await settle(pilot)
        field = app.screen.query_one("#imp-path", Input)
        await pilot.press("tab")
        assert field.value == f"{tmp_path}/customers_" and app.focused is field
        await pilot.press("b")
        await settle(pilot)
        await pilot.press("tab")
        assert field.value == f"{tmp_path}/customers_b.csv"
        await settle(pilot)
        await pilot.press("tab")  # nothing left to complete: on to the next field
        assert app.focused is app.screen.query_one("#imp-kind")


async def test_an_orders_file_chosen_as_customers_is_named_before_any_dry_run(make_app, tmp_path):
    src = tmp_path / "orders.csv"
    src.write_text("order_id,customer_id,placed_at,total\nO1,C1,2025-01-01,5.00\n")
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await _choose(pilot, src)  # the kind is still "customers"
        detected = " ".join(widget_text(app.screen.query_one("#imp-detected", Static)).split())
        assert "this is an orders file; choose orders to import it" in detected
        mapping = app.screen.query_one("#imp-mapping", DataTable)
        assert str(mapping.get_row_at(0)[1]) == "order_id"  # read as what it is, not as attributes


def test_the_preview_maps_columns_as_the_import_reads_them(tmp_path):
    """One reading of the header serves the preview and the import: a lone full name is split,
    beside first and last names it is an attribute."""
    from lifecycle_tui.tui.widgets.import_preview import column_mapping

    assert column_mapping("customers", "generic", ["Customer Email", "Full Name", "Vip"]) == [
        ("Customer Email", "email"), ("Full Name", "first_name + last_name"), ("Vip", "kept as attribute")]
    assert column_mapping("customers", "generic", ["email", "First Name", "Name"])[2] == ("Name", "kept as attribute")
    assert column_mapping("events", "jsonl", ["event_name", "date", "x"]) == [
        ("event_name", "type"), ("date", "occurred_at"), ("x", "kept as attribute")]


def test_the_preview_of_json_lines_maps_each_object_as_the_import_does(tmp_path):
    """A JSON Lines file is read object by object: a ``name`` is split where the object has no
    first name and kept beside one, and the preview says both."""
    from lifecycle_tui.tui.widgets.import_preview import preview_file

    src = tmp_path / "c.jsonl"
    src.write_text('{"email": "ana@example.com", "name": "Ana Silva"}\n'
                   '{"email": "bo@example.com", "first_name": "Bo", "name": "Bo the Potter"}\n')
    mapping = dict(preview_file(src, "customers").mapping)
    assert mapping == {"email": "email", "name": "first_name + last_name or kept as attribute", "first_name": "first_name"}
    alone = tmp_path / "d.jsonl"
    alone.write_text('{"email": "ana@example.com", "name": "Ana Silva"}\n')
    assert dict(preview_file(alone, "customers").mapping)["name"] == "first_name + last_name"


async def test_a_file_dropped_onto_the_terminal_is_read_as_its_path(make_app, shop_db, tmp_path):
    """GNOME-style drop: the path in single quotes with a trailing space, a space in the name."""
    src = tmp_path / "New Customers.csv"
    src.write_text(GOOD)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("8", "f")
        app.screen.query_one("#imp-path", Input).value = f"'{src}' "
        await pilot.press("enter")
        await settle(pilot)
        assert "generic CSV" in widget_text(app.screen.query_one("#imp-detected", Static))
        await pilot.press("ctrl+r")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Imported. 2 inserted" in widget_text(app.screen.query_one("#imp-result", Static))
    assert _count(shop_db) == 2


def test_the_preview_says_when_a_chosen_format_overrides_the_detected_one():
    from lifecycle_tui.tui.widgets.import_preview import preview_file

    shopify = Path(__file__).parents[1] / "importers" / "fixtures" / "shopify_customers.csv"
    assert preview_file(shopify, "customers").describe().startswith("Shopify export of customers · ")
    chosen = preview_file(shopify, "customers", "generic")
    assert chosen.describe().startswith("Shopify export of customers, read as generic CSV as chosen · ")
    assert dict(chosen.mapping)["Email"] == "email"  # mapped as the generic reader takes it


async def test_a_missing_file_clears_the_old_preview_and_is_said_once(make_app, tmp_path):
    src = tmp_path / "new_customers.csv"
    src.write_text(GOOD)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await _choose(pilot, src)
        screen = app.screen
        assert screen.query_one("#imp-rows", DataTable).row_count == 2
        screen.query_one("#imp-path", Input).value = str(tmp_path / "gone.csv")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("ctrl+r")  # a dry run of it: nothing more to say
        await settle(pilot)
        assert "no such file" in widget_text(screen.query_one("#imp-detected", Static))
        assert screen.query_one("#imp-rows", DataTable).row_count == 0  # not the previous file's rows
        assert screen.query_one("#imp-mapping", DataTable).row_count == 0
        assert sum("no such file" in n.message for n in app._notifications) == 1
