"""`lifecycle templates ...`: output shapes and exit codes."""

from __future__ import annotations

import json

import pytest

from tests.messages.conftest import seed_shop

AS_OF = "2026-06-30T12:00:00+00:00"


@pytest.fixture
def shop_cli(cli, store):
    seed_shop(store)
    return cli


def test_list_and_show(shop_cli):
    rows = shop_cli.json("templates", "list")
    names = {r["name"] for r in rows}
    assert {"welcome_1", "cart_abandoned_sms", "cart_abandoned_push", "winback_email"} <= names
    assert {r["channel"] for r in rows} == {"email", "sms", "push"}
    shown = shop_cli("templates", "show", "welcome_1")
    assert shown.exit_code == 0 and shown.stdout.startswith("---\nchannel: email")
    assert shop_cli("templates", "show", "nope").exit_code == 1


def test_show_then_import_the_same_text_changes_nothing(shop_cli, tmp_path):
    path = tmp_path / "welcome_1.email.jinja"
    with_tab = shop_cli("templates", "show", "welcome_1").stdout.replace("<p>", "\t<p>", 1)
    path.write_text(with_tab, encoding="utf-8")
    assert shop_cli.json("templates", "import", str(path), "--name", "welcome_1")["version"] == 2
    shown = shop_cli("templates", "show", "welcome_1").stdout
    assert shown == with_tab  # exactly the file: the tab kept, no newline added
    path.write_text(shown, encoding="utf-8")
    again = shop_cli.json("templates", "import", str(path), "--name", "welcome_1")
    assert again["version"] == 2 and again["status"] == "unchanged"


def test_render_json_shapes(shop_cli):
    email = shop_cli.json("--as-of", AS_OF, "templates", "render", "welcome_1", "--customer", "C1")
    assert {"channel", "subject", "preheader", "text", "html", "warnings"} <= set(email)
    assert email["channel"] == "email" and email["subject"].startswith("Welcome to Kettle & Kiln")
    sms = shop_cli.json("--as-of", AS_OF, "templates", "render", "cart_abandoned_sms", "--customer", "cara@example.com")
    assert {"text", "encoding", "segments", "warnings"} <= set(sms) and "€64.00" in sms["text"]
    push = shop_cli.json("--as-of", AS_OF, "templates", "render", "cart_abandoned_push", "--customer", "C3")
    assert {"title", "body", "payload_bytes", "warnings"} <= set(push)


def test_render_text_and_eml(shop_cli):
    out = shop_cli("--as-of", AS_OF, "templates", "render", "welcome_1", "--customer", "C1")
    assert out.exit_code == 0 and "Subject: Welcome to Kettle & Kiln" in out.stdout
    eml = shop_cli("--as-of", AS_OF, "templates", "render", "welcome_1", "--customer", "C1", "--eml")
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in eml.stdout


def test_render_finds_a_pasted_id_or_email_and_names_an_ambiguous_one(shop_cli, store):
    pasted = shop_cli.json("--as-of", AS_OF, "templates", "render", "welcome_1", "--customer", "  C1 ")
    assert pasted["subject"] == shop_cli.json("--as-of", AS_OF, "templates", "render", "welcome_1",
                                              "--customer", "C1")["subject"]
    email = store.scalar("SELECT email FROM customers WHERE customer_id = 'C1'")
    with store.transaction() as conn:  # a second customer with C1's email: which one is meant?
        conn.execute("INSERT INTO customers (customer_id, email, email_norm, created_at, updated_at) "
                     "VALUES ('C1-dup', ?, lower(?), '2025-01-01', '2025-01-01')", (email, email))
    both = shop_cli("templates", "render", "welcome_1", "--customer", email.upper())
    assert both.exit_code == 1 and "more than one customer (C1, C1-dup)" in both.stderr


def test_render_refusals_exit_1(shop_cli, tmp_path):
    assert shop_cli("templates", "render", "welcome_1", "--customer", "nobody").exit_code == 1
    assert shop_cli("templates", "render", "nope", "--customer", "C1").exit_code == 1
    bad = tmp_path / "oops.sms.jinja"
    bad.write_text("---\nchannel: sms\nmarketing: false\n---\nHi {{ customer.nope }}\n")
    assert shop_cli("templates", "import", str(bad)).exit_code == 0
    result = shop_cli("templates", "render", "oops", "--customer", "C1", "--json")
    assert result.exit_code == 1 and "nope" in result.stderr
    assert json.loads(result.stdout) == {"error": "oops (text), line 5: undefined: customer has no field 'nope'"}


@pytest.mark.parametrize("text, name, message", [
    ("---\nchannel: sms\n---\nGrüße {{ customer.first_name }}\n".encode("cp1252"), None,
     "line 4, column 3: not UTF-8 text (byte 0xfc; a Windows or Latin-1 file?): save it as UTF-8"),
    (b"---\nchannel: sms\n---\nHi\n", "my template", "the name 'my template' may use letters"),
    (b"---\nchannel: sms\n---\nHi\n", "", "the name '' may use letters"),
    (b"---\nsubject: Hi\n---\nHi\n", None, "line 2: the front matter needs `channel:` (email, sms, push)"),
    (b"---\nchannel: sms\nsubject: Hi\n---\nHi\n", None, "unknown field `subject` for an sms template"),
])
def test_import_refusals_say_where_and_why(shop_cli, tmp_path, text, name, message):
    path = tmp_path / "t.sms.jinja"
    path.write_bytes(text)
    result = shop_cli("templates", "import", str(path), *(["--name", name] if name is not None else []))
    assert result.exit_code == 1 and message in result.stderr, result.stderr
    if name:  # the bad name came from the command line: no line of the file is blamed
        assert "line" not in result.stderr
    assert shop_cli("templates", "show", "t").exit_code == 1  # nothing imported


def test_render_without_customer_is_a_usage_error(shop_cli):
    assert shop_cli("templates", "render", "welcome_1").exit_code == 2


def test_import_versions_restore(shop_cli, tmp_path):
    f = tmp_path / "shipped.sms.jinja"
    f.write_text("---\nchannel: sms\nmarketing: false\n---\nYour order is on its way.\n")
    added = shop_cli.json("templates", "import", str(f))
    assert {k: added[k] for k in ("name", "channel", "version", "status")} == {
        "name": "shipped", "channel": "sms", "version": 1, "status": "added"}
    assert added["lint"]["ok"] is True
    assert shop_cli.json("templates", "import", str(f))["status"] == "unchanged"
    f.write_text("---\nchannel: sms\nmarketing: false\n---\nYour order has left our workshop.\n")
    assert shop_cli.json("templates", "import", str(f))["version"] == 2
    versions = shop_cli.json("templates", "versions", "shipped")
    assert [v["version"] for v in versions] == [1, 2] and versions[1]["current"]
    restored = shop_cli.json("templates", "restore", "shipped", "1")
    assert restored["version"] == 3 and restored["restored_from"] == 1
    assert "on its way" in shop_cli("templates", "show", "shipped").stdout
    assert shop_cli("templates", "restore", "shipped", "7").exit_code == 1


def test_import_refuses_bad_file_with_line(shop_cli, tmp_path):
    f = tmp_path / "bad.email.jinja"
    f.write_text("---\nchannel: email\nsubject: Hi\n---\n<p>{% for x in y %}</p>\n")
    result = shop_cli("templates", "import", str(f))
    assert result.exit_code == 1
    assert "bad.email.jinja" in result.stderr and "line 5" in result.stderr
    assert all(r["name"] != "bad" for r in shop_cli.json("templates", "list"))
    assert shop_cli("templates", "import", str(tmp_path / "missing.jinja")).exit_code == 1


def test_lint_exit_codes(shop_cli, tmp_path):
    ok = shop_cli("--as-of", AS_OF, "templates", "lint", "welcome_1")
    assert ok.exit_code == 0, ok.stdout
    f = tmp_path / "promo.sms.jinja"
    f.write_text("---\nchannel: sms\n---\nBig sale today!\n")
    shop_cli("templates", "import", str(f))
    bad = shop_cli("--as-of", AS_OF, "templates", "lint", "promo", "--json")
    assert bad.exit_code == 1
    report = json.loads(bad.stdout)[0]
    assert report["ok"] is False and any("STOP" in e["message"] for e in report["errors"])
    everything = shop_cli("--as-of", AS_OF, "templates", "lint")
    assert everything.exit_code == 1 and "FAIL promo" in everything.stdout
    assert shop_cli("templates", "lint", "nope").exit_code == 1


def test_show_version_and_html(shop_cli, tmp_path):
    f = tmp_path / "note.sms.jinja"
    f.write_text("---\nchannel: sms\nmarketing: false\n---\nFirst text.\n")
    shop_cli("templates", "import", str(f))
    f.write_text("---\nchannel: sms\nmarketing: false\n---\nSecond text.\n")
    shop_cli("templates", "import", str(f))
    assert "First text." in shop_cli("templates", "show", "note", "--version", "1").stdout
    shown = shop_cli.json("templates", "show", "note")
    assert shown["version"] == 2 and "Second text." in shown["source"]
    assert shop_cli("templates", "show", "note", "--version", "5").exit_code == 1
    html = shop_cli("--as-of", AS_OF, "templates", "render", "welcome_1", "--customer", "C1", "--html")
    assert "<!doctype html>" in html.stdout


def test_import_says_what_lint_finds_in_what_it_saved(shop_cli, tmp_path):
    """Saved (the text parses), but a marketing email without an unsubscribe link would fail
    every message at send time: the import says so now."""
    f = tmp_path / "promo.email.jinja"
    f.write_text("---\nchannel: email\nsubject: Hi\nmarketing: true\n---\n<p>Hello {{ customer.first_name }}</p>\n")
    result = shop_cli("templates", "import", str(f))
    assert result.exit_code == 0 and "promo: added" in result.stdout
    err = " ".join(result.stderr.split())
    assert "Lint: 1 error, 0 warnings" in err and "must link to {{ unsubscribe_url }}" in err
    f.write_text("---\nchannel: email\nsubject: Hi\nmarketing: true\n---\n<p>Hi</p><a href=\"{{ unsubscribe_url }}\">x</a>\n")
    data = shop_cli.json("templates", "import", str(f))
    assert data["version"] == 2 and data["lint"]["ok"] is True and data["lint"]["errors"] == []
