"""CLI shapes and exit codes: rules, dispatch preview / dry-run, explain."""

from __future__ import annotations

import hashlib
import json

import pytest
from typer.testing import CliRunner

from lifecycle_tui.cli.main import app
from lifecycle_tui.segments import ensure_metrics
from tests.automation.conftest import AS_OF, D, H, Shop

WHEN = AS_OF.isoformat()


@pytest.fixture
def run(store):
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(app, ["--db", str(store.path), "--as-of", WHEN, *args], catch_exceptions=False)

    return invoke


def _json(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def busy(store, shop: Shop):
    """A cart, a signup, a birthday and a customer with nothing going on."""
    a = shop.customer("cart1", created=AS_OF - 40 * D, first_name="Ada")
    shop.event(a, "cart_updated", AS_OF - 5 * H, items=[{"product_id": "KK-T-SEN", "title": "Sencha", "quantity": 1,
                                                          "price_cents": 1450}])
    shop.customer("new1", created=AS_OF - 1 * H, first_name="Bo", timezone_name="Europe/Berlin")
    shop.customer("bday", created=AS_OF - 400 * D, birthday="1990-06-30")
    shop.customer("quiet", created=AS_OF - 400 * D)
    return store


def test_rules_list_and_show(run):
    rules = _json(run("rules", "list", "--json"))
    assert [r["name"] for r in rules][:2] == ["cart_abandoned", "birthday"]
    assert set(rules[0]) >= {"name", "enabled", "priority", "trigger", "steps", "filter", "exits", "reentry",
                             "catch_up", "version"}
    shown = _json(run("rules", "show", "welcome", "--json"))
    assert [s["delay"] for s in shown["steps"]] == ["0h", "2d", "5d"]
    assert shown["versions"][0]["version"] == 1
    out = run("rules", "show", "welcome")
    assert out.exit_code == 0 and "welcome_2" in out.stdout
    assert "cart_abandoned" in run("rules", "list").stdout


def test_rules_enable_disable_and_unknown(run):
    assert _json(run("rules", "disable", "welcome", "--json")) == {
        "name": "welcome", "enabled": False, "changed": True, "version": 2}
    assert "already disabled" in run("rules", "disable", "welcome").stdout
    assert run("rules", "enable", "welcome").exit_code == 0
    bad = run("rules", "enable", "welcom")
    assert bad.exit_code == 1 and "Did you mean 'welcome'" in bad.output
    assert run("rules", "show", "nope").exit_code == 1
    assert run("rules", "enable").exit_code == 2


def test_a_rule_whose_template_does_not_render_is_not_switched_on(run, tmp_path, store):
    from lifecycle_tui.automation.rules import Rule, RuleError, get_rule, save_rule

    tpl = tmp_path / "ord.email.jinja"
    tpl.write_text("---\nchannel: email\nsubject: Your order\n---\n<p>{{ customer.nope }}</p>"
                   '<a href="{{ unsubscribe_url }}">Unsubscribe</a>\n')
    assert run("templates", "import", str(tpl)).exit_code == 0  # saved: lint errors do not stop an import
    rule = {"name": "qa_broken", "trigger": {"kind": "signup"},
            "steps": [{"delay": "0h", "channel": "email", "template": "ord"}]}
    off = tmp_path / "off.json"
    off.write_text(json.dumps(rule))
    assert run("rules", "import", str(off)).exit_code == 0  # off: nothing can fail yet
    refused = run("rules", "enable", "qa_broken", "--json")
    assert refused.exit_code == 1
    assert "template 'ord' does not render (line 5: customer has no field 'nope'" in json.loads(refused.stdout)["error"]
    assert get_rule(store, "qa_broken").enabled is False
    on = tmp_path / "on.json"
    on.write_text(json.dumps({**rule, "enabled": True}))
    assert run("rules", "import", str(on)).exit_code == 1  # a file cannot switch it on either
    with pytest.raises(RuleError, match="does not render"):  # nor the console's rule form (save_rule)
        save_rule(store, Rule.from_definition("qa_broken", {k: v for k, v in rule.items() if k != "name"}, enabled=True))
    assert get_rule(store, "qa_broken").enabled is False and get_rule(store, "qa_broken").version == 1
    tpl.write_text(tpl.read_text().replace("customer.nope", "customer.first_name"))
    assert run("templates", "import", str(tpl)).exit_code == 0
    assert _json(run("rules", "enable", "qa_broken", "--json"))["enabled"] is True


def test_dry_run_json_shape(run, busy):
    data = _json(run("dispatch", "dry-run", "--json"))
    assert data["as_of"] == WHEN
    assert data["summary"]["send"] == 3
    for d in data["decisions"]:
        assert set(d) >= {"rule", "step", "customer_id", "channel", "template", "action", "reason", "due_at"}
        assert d["action"] in ("send", "skip", "defer")
    assert {(d["rule"], d["customer_id"]) for d in data["decisions"] if d["action"] == "send"} == {
        ("cart_abandoned", "cart1"), ("birthday", "bday"), ("welcome", "new1")}


def test_dry_run_table_and_rule_filter(run, busy):
    out = run("dispatch", "dry-run")
    assert out.exit_code == 0 and "3 to send" in out.stdout and "Summary" in out.stdout
    only = _json(run("dispatch", "dry-run", "--rule", "birthday", "--json"))
    assert {d["rule"] for d in only["decisions"]} == {"birthday"}
    disabled = _json(run("dispatch", "dry-run", "--rule", "newsletter_broadcast", "--json"))
    assert "disabled" in disabled["notes"][0]
    assert run("dispatch", "dry-run", "--rule", "nope").exit_code == 1


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("metrics_current", [True, False])
def test_dry_run_writes_nothing(run, busy, store, metrics_current):
    if metrics_current:
        ensure_metrics(store, AS_OF)  # as after an import; else the dry-run computes them and lets go
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = (_digest(store.path), store.data_version(), store.scalar("SELECT count(*) FROM messages"))
    assert _json(run("dispatch", "dry-run", "--json"))["summary"]["send"] == 3
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    after = (_digest(store.path), store.data_version(), store.scalar("SELECT count(*) FROM messages"))
    assert after == before
    assert store.scalar("SELECT count(*) FROM runs") == 0


def test_preview_email_json_and_text(run, busy):
    data = _json(run("dispatch", "preview", "cart_abandoned", "--customer", "cart1", "--json"))
    assert data["decision"]["action"] == "send" and data["status"].startswith("send now")
    msg = data["message"]
    assert msg["channel"] == "email" and "Sencha" in msg["html"]
    assert "Subject:" in msg["eml"] and "cart1@example.com" in msg["eml"]
    out = run("dispatch", "preview", "cart_abandoned", "--customer", "cart1")
    assert out.exit_code == 0
    for title in ("Decision", "Email headers", "Text part", "HTML source"):
        assert title in out.stdout


def test_preview_sms_step_not_yet_due(run, busy):
    data = _json(run("dispatch", "preview", "cart_abandoned", "--customer", "cart1", "--step", "2", "--json"))
    assert data["channel"] == "sms" and data["decision"] is None
    assert data["status"].startswith("not triggered for this customer: step 2 is due at 2026-07-01 07:00")
    assert data["message"]["encoding"] in ("GSM-7", "UCS-2", "gsm7", "ucs2") and data["message"]["segments"] >= 1


def test_preview_not_triggered_and_errors(run, busy):
    data = _json(run("dispatch", "preview", "winback", "--customer", "quiet", "--json"))
    assert data["status"] == ("not triggered for this customer: the customer never went 90 days without an order "
                              "after buying (up to 2026-06-30 12:00 UTC)")
    assert run("dispatch", "preview", "winback", "--customer", "nobody").exit_code == 1
    assert run("dispatch", "preview", "winback", "--customer", "quiet", "--step", "9").exit_code == 1
    assert run("dispatch", "preview", "winback").exit_code == 2


def test_explain(run, busy, shop):
    data = _json(run("explain", "new1", "--json"))
    assert data["customer_id"] == "new1"
    by_rule = {r["rule"]: r for r in data["rules"]}
    welcome = by_rule["welcome"]
    assert welcome["triggered"] and welcome["now"][0]["action"] == "send"
    assert welcome["next_due"]["step"] == 2
    assert "Now, step 1 (email): send now" in welcome["summary"]
    assert not by_rule["winback"]["triggered"]
    assert by_rule["winback"]["summary"] == "Not triggered: the customer never went 90 days without an order after buying."
    text = run("explain", "cart1")
    assert text.exit_code == 0 and "cart_abandoned" in text.stdout
    assert run("explain", "ghost").exit_code == 1


def test_explain_reports_sent_messages(run, busy, shop, store):
    cid = store.scalar("SELECT id FROM customers WHERE customer_id = 'new1'")
    shop.message(cid, "welcome", 1, "signup", sent_at=AS_OF - H / 2)
    data = _json(run("explain", "new1", "--json"))
    welcome = {r["rule"]: r for r in data["rules"]}["welcome"]
    assert welcome["sent"][0]["status"] == "sent" and welcome["now"] == []
    assert "Sent: step 1 (email)" in welcome["summary"] and "Next: step 2 (welcome_2)" in welcome["summary"]


def test_preview_sms_and_push_payloads(run, busy, shop, store):
    cid = store.scalar("SELECT id FROM customers WHERE customer_id = 'cart1'")
    ev = store.scalar("SELECT id FROM events WHERE customer_id = ?", (cid,))
    shop.message(cid, "cart_abandoned", 1, f"cart:{ev}", sent_at=AS_OF - 1 * H)
    later = AS_OF + 22 * H  # 10:00 UTC next day: step 2 (SMS) is due, outside quiet hours
    runner = CliRunner()
    out = runner.invoke(app, ["--db", str(store.path), "--as-of", later.isoformat(), "dispatch", "preview",
                              "cart_abandoned", "--customer", "cart1", "--json"])
    data = _json(out)
    assert (data["step"], data["decision"]["action"]) == (2, "send")
    assert data["message"]["payload"]["to"] == "+4915100000000" and data["message"]["segments"] >= 1
    shop.rule("app_hello", {"trigger": {"kind": "signup"},
                            "steps": [{"delay": "0h", "channel": "push", "template": "welcome_push"}]})
    text = run("dispatch", "preview", "app_hello", "--customer", "new1")
    assert text.exit_code == 0 and "Push payload" in text.stdout and "tok" in text.stdout


def test_preview_explains_a_reentry_refusal(run, busy, shop, store):
    cid = store.scalar("SELECT id FROM customers WHERE customer_id = 'cart1'")
    old = shop.event(cid, "cart_updated", AS_OF - 30 * H)
    shop.message(cid, "cart_abandoned", 1, f"cart:{old}", sent_at=AS_OF - 26 * H)
    shop.message(cid, "cart_abandoned", 2, f"cart:{old}", channel="sms", sent_at=AS_OF - 6 * H)
    data = _json(run("dispatch", "preview", "cart_abandoned", "--customer", "cart1", "--step", "1", "--json"))
    assert data["decision"]["trigger_key"] == f"cart:{old}"  # the newer cart (5 h ago) is left out
    assert data["status"].startswith("skip: already sent at 2026-06-29 10:00")
    dry = _json(run("dispatch", "dry-run", "--rule", "cart_abandoned", "--json"))
    assert [d for d in dry["decisions"] if d["customer_id"] == "cart1"] == []  # re-entry: after 3 days


def test_explain_names_the_next_birthday(run, shop):
    shop.customer("later_bday", created=AS_OF - 400 * D, birthday="1991-08-23", timezone_name="Europe/Berlin")
    data = _json(run("explain", "later_bday", "--json"))
    bday = {r["rule"]: r for r in data["rules"]}["birthday"]
    assert bday["next_due"]["due_at"] == "2026-08-23T07:00:00+00:00"
    assert bday["summary"].endswith("Next: step 1 (birthday) due 2026-08-23 07:00 UTC.")
