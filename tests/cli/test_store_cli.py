"""CLI: init, settings, store selection and exit codes."""

from __future__ import annotations

import pytest

import json

from typer.testing import CliRunner

from lifecycle_tui.cli.main import app


def test_init_is_idempotent(tmp_path):
    runner = CliRunner()
    db = tmp_path / "s.db"
    first = runner.invoke(app, ["--db", str(db), "init", "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["created"] is True
    second = runner.invoke(app, ["--db", str(db), "init", "--json"])
    assert second.exit_code == 0
    data = json.loads(second.stdout)
    assert data["created"] is False and data["templates_added"] == 0 and data["rules_added"] == 0


def test_db_from_environment_variable(tmp_path, monkeypatch):
    db = tmp_path / "env.db"
    monkeypatch.setenv("LIFECYCLE_DB", str(db))
    result = CliRunner().invoke(app, ["init"])
    assert result.exit_code == 0 and db.exists()


def test_db_defaults_to_lifecycle_db_in_current_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("LIFECYCLE_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(app, ["init"]).exit_code == 0
    assert (tmp_path / "lifecycle.db").exists()


def test_missing_store_exits_1_with_hint(tmp_path):
    result = CliRunner().invoke(app, ["--db", str(tmp_path / "no.db"), "settings", "list"])
    assert result.exit_code == 1
    assert "lifecycle --db" in result.stderr and "init" in result.stderr


def test_not_a_store_exits_1_without_traceback(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"\x00garbage" * 500)
    result = CliRunner().invoke(app, ["--db", str(bad), "customers", "list"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "not a lifecycle store" in result.stderr


def test_unknown_command_is_usage_error(cli):
    assert cli("frobnicate").exit_code == 2


def test_bad_as_of_is_usage_error(cli):
    assert cli("--as-of", "yesterday-ish", "settings", "list").exit_code == 2


@pytest.mark.parametrize("when", ["9999-12-31", "9990-01-01", "0001-01-01", "1969-12-31 23:59"])
def test_an_as_of_out_of_range_is_refused_before_any_plan_overflows(cli, when):
    # 9999-12-31 used to crash the dry-run with OverflowError (triggers add days to it).
    result = cli("--as-of", when, "dispatch", "dry-run", "--json")
    assert result.exit_code == 2 and "out of range" in result.stderr and "between 1970 and 2999" in result.stderr
    assert "Traceback" not in result.output
    refused = cli("settings", "set", "clock.as_of", when)
    assert refused.exit_code == 1 and "out of range" in refused.stderr
    assert cli.json("--as-of", "2999-12-31", "dispatch", "dry-run")["as_of"].startswith("2999-12-31")


def test_settings_list_has_defaults(cli):
    data = cli.json("settings", "list")
    assert data["shop.timezone"] == "UTC"
    assert data["caps.email_hours"] == 16


def test_settings_set_validates_and_stores(cli):
    assert cli("settings", "set", "shop.timezone", "Europe/Berlin").exit_code == 0
    assert cli.json("settings", "list")["shop.timezone"] == "Europe/Berlin"
    bad = cli("settings", "set", "shop.timezone", "Europe/Berln")
    assert bad.exit_code == 1 and "Europe/Berlin" in bad.stderr
    assert cli.json("settings", "list")["shop.timezone"] == "Europe/Berlin"


def test_a_time_zone_in_any_case_is_stored_by_its_real_name(cli):
    assert cli("settings", "set", "shop.timezone", "europe/london").exit_code == 0
    assert cli.json("settings", "list")["shop.timezone"] == "Europe/London"
    assert cli("settings", "set", "shop.timezone", "utc").exit_code == 0
    assert cli.json("settings", "list")["shop.timezone"] == "UTC"


def test_settings_unknown_key_suggests(cli):
    result = cli("settings", "set", "shop.nam", "X")
    assert result.exit_code == 1 and "shop.name" in result.stderr


def test_settings_int_range(cli):
    assert cli("settings", "set", "caps.email_hours", "abc").exit_code == 1
    assert cli("settings", "set", "shop.sender_email", "Kettle & Kiln <hello@kettle.example>").exit_code == 1
    assert cli("settings", "set", "caps.email_hours", "24").exit_code == 0
    assert cli.json("settings", "list")["caps.email_hours"] == 24


def test_settings_refusals_say_what_is_wrong_in_words(cli):
    cases = {
        ("caps.email_hours", "-1"): "caps.email_hours: must be between 0 and 720.",  # a value, not an option
        ("caps.email_hours", "1.5"): "caps.email_hours: not a whole number: '1.5'.",
        ("shop.timezone", "Europe/Berln"): "Did you mean 'Europe/Berlin'? Allowed:",
        ("smtp.host", ""): "smtp.host: empty.",
        ("smtp.host", "https://mail.example.com"): "smtp.host: not a host name",
        ("secret.unsubscribe", "abc"): "secret.unsubscribe: only 3 characters.",
        ("secret.unsubscribe", ""): "secret.unsubscribe: empty.",
        ("shop.name", "  "): "shop.name: empty: messages would print nothing where the name goes.",
        ("shop.sender_name", ""): "shop.sender_name: empty:",
        ("stages.lapsed_days", "30"): "stages.lapsed_days: 30 would not be above stages.active_days (120): "
                                      "a buyer would be Lapsed before being At risk.",
        ("stages.active_days", "365"): "stages.active_days: 365 would not be below stages.lapsed_days (365)",
    }
    before = cli.json("settings", "list")
    for (key, value), words in cases.items():
        result = cli("settings", "set", key, value)
        assert result.exit_code == 1 and words in " ".join(result.stderr.split()), (key, value, result.stderr)
        assert "invalid literal" not in result.stderr and "No such option" not in result.stderr
    assert cli.json("settings", "list") == before


def test_stage_windows_can_move_in_either_order_that_keeps_at_risk_before_lapsed(cli):
    assert cli("settings", "set", "stages.lapsed_days", "90").exit_code == 1
    assert cli("settings", "set", "stages.active_days", "60").exit_code == 0
    assert cli("settings", "set", "stages.lapsed_days", "90").exit_code == 0
    reset = cli("settings", "reset", "stages.active_days")  # back to 120 would pass 90
    assert reset.exit_code == 1 and "would not be below stages.lapsed_days (90)" in " ".join(reset.stderr.split())
    assert cli.json("settings", "list")["stages.active_days"] == 60


def test_a_new_unsubscribe_secret_warns_that_old_links_break_and_is_not_echoed(cli):
    result = cli("settings", "set", "secret.unsubscribe", "a-new-secret-of-32-characters-ok")
    assert result.exit_code == 0 and "a-new-secret" not in result.output
    assert "Unsubscribe links in messages already sent no longer work" in " ".join(result.stderr.split())
    again = cli.json("settings", "set", "secret.unsubscribe", "a-new-secret-of-32-characters-ok")
    assert again == {"key": "secret.unsubscribe", "value": "(set)"}  # unchanged: nothing to warn about


def test_every_command_has_help():
    import typer.main

    group = typer.main.get_command(app)

    def walk(cmd, path):
        assert (cmd.help or "").strip(), f"`{' '.join(path)}` has no help text"
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, path + [name])

    walk(group, ["lifecycle"])


def test_settings_list_hides_secrets(cli, store):
    from lifecycle_tui.store.settings import get

    secret = get(store, "secret.unsubscribe")
    assert secret, "init makes the unsubscribe secret"
    result = cli("settings", "list", "--json")
    assert secret not in result.stdout
    assert cli.json("settings", "list")["secret.unsubscribe"] == "(set)"


def test_settings_get_prints_the_value_as_set_takes_it(cli):
    assert cli("settings", "set", "shop.name", "Kettle & [b]Kiln[/b]").exit_code == 0
    assert cli("settings", "get", "shop.name").stdout == "Kettle & [b]Kiln[/b]\n"  # exactly, no markup
    grid = cli("settings", "get", "rfm.grid").stdout
    assert json.loads(grid)[0][3] == "Champions"
    assert cli("settings", "set", "rfm.grid", grid.strip()).exit_code == 0  # what get prints, set takes back
    data = cli.json("settings", "get", "caps.email_hours")
    assert data == {"key": "caps.email_hours", "value": 16, "default": True,
                    "doc": "At most one email per customer within this many hours."}
    assert cli.json("settings", "get", "shop.name")["default"] is False


def test_settings_get_never_prints_the_secret_and_refuses_unknown_keys(cli, store):
    from lifecycle_tui.store.settings import get

    secret = get(store, "secret.unsubscribe")
    shown = cli("settings", "get", "secret.unsubscribe")
    assert shown.stdout == "(set)\n" and secret not in shown.stdout
    assert cli.json("settings", "get", "secret.unsubscribe")["value"] == "(set)"
    unknown = cli("settings", "get", "shop.nam")
    assert unknown.exit_code == 1 and "Did you mean 'shop.name'?" in unknown.stderr


def test_settings_reset_puts_the_default_back(cli, store):
    from lifecycle_tui.store.settings import explicit_keys, get

    assert cli("settings", "set", "caps.email_hours", "20").exit_code == 0
    result = cli("settings", "reset", "caps.email_hours")
    assert result.exit_code == 0 and result.stdout.strip() == "caps.email_hours = 16"
    assert get(store, "caps.email_hours") == 16 and "caps.email_hours" not in explicit_keys(store)
    assert cli.json("settings", "reset", "caps.email_hours") == {"key": "caps.email_hours", "value": 16}


def test_settings_reset_refuses_the_unsubscribe_secret(cli, store):
    from lifecycle_tui.store.settings import get

    secret = get(store, "secret.unsubscribe")
    result = cli("settings", "reset", "secret.unsubscribe")
    assert result.exit_code == 1 and "cannot be reset" in result.stderr
    assert get(store, "secret.unsubscribe") == secret


def test_an_rfm_grid_with_an_empty_cell_is_refused_with_the_cell(cli):
    grid = json.loads(cli("settings", "get", "rfm.grid").stdout)
    grid[2][4] = " "
    result = cli("settings", "set", "rfm.grid", json.dumps(grid))
    assert result.exit_code == 1 and "the cell R3 x F5 has no segment name" in result.stderr
    assert json.loads(cli("settings", "get", "rfm.grid").stdout)[2][4] == "Loyal"


def test_a_refusal_under_json_is_json_on_stdout_too(cli, tmp_path):
    """A script reads stdout with json.loads whether the command worked or was refused."""
    for args in (("customers", "show", "nobody"), ("rules", "show", "nope"), ("templates", "show", "nope"),
                 ("settings", "set", "shop.name", ""), ("segments", "show", "nope")):
        result = cli(*args, "--json")
        assert result.exit_code == 1, args
        data = json.loads(result.stdout)
        assert set(data) == {"error"} and data["error"] and "[" not in data["error"][:1], (args, data)
        assert data["error"] in " ".join(result.stderr.split()) or data["error"][:20] in result.stderr
    bad = tmp_path / "c.csv"
    bad.write_text("customer_id,email\nC1,not-an-email\n")
    refused = cli("import", "customers", str(bad), "--json")
    assert refused.exit_code == 1 and "refused" in json.loads(refused.stdout)  # its own shape, printed once
    assert cli("customers", "show", "nobody").stdout == ""  # without --json: nothing on stdout
