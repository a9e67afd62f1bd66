"""`lifecycle check`: what stands between the store and real customers' mail, and how to fix it."""

from __future__ import annotations

import json
import os
import re
from datetime import datetime

from typer.testing import CliRunner

from lifecycle_tui.automation.readiness import check_readiness
from lifecycle_tui.automation.rules import get_rule, save_rule
from lifecycle_tui.cli.main import app
from lifecycle_tui.messages.repository import save_template
from lifecycle_tui.store import settings
from lifecycle_tui.store.backup import backup_store
from tests.automation.conftest import AS_OF

LIVE = {"shop.name": "Kettle & Kiln", "shop.url": "https://kettleandkiln.de", "shop.sender_email": "hallo@kettleandkiln.de",
        "shop.postal_address": "Kettle & Kiln GmbH, Lindenstraße 12, 10969 Berlin", "smtp.host": "smtp.mailbox.org",
        "webhook.url": "https://sms.gateway.de/hook"}


def _messages(result, level=None) -> list[str]:
    return [f.message for f in result.findings if level is None or f.level == level]


def _go_live(store):
    for key, value in LIVE.items():
        settings.set_value(store, key, value)
    backup_store(store, at=datetime(2026, 6, 29, 20, 0))


def test_a_new_store_is_told_what_to_set_before_real_mail(store):
    result = check_readiness(store, AS_OF)
    assert result.ok  # warnings only: nothing is broken
    warnings = " | ".join(_messages(result, "warning"))
    for words in ("still called 'My Shop'", "point to https://shop.example", "sent from hello@shop.example",
                  "No postal address", "No customers yet"):
        assert words in warnings
    assert {f.area for f in result.findings if f.level == "info"} == {"transports", "store"}
    assert "No backup beside the store yet" in " | ".join(_messages(result, "info"))
    assert all(f.fix for f in result.findings if f.level == "warning")  # each says how


def test_a_backup_beside_the_store_settles_the_backup_note(store, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    backup_store(store, elsewhere, at=datetime(2026, 6, 29, 20, 0))
    assert any(f.fix.startswith("lifecycle backup") for f in check_readiness(store, AS_OF).findings)
    backup_store(store, at=datetime(2026, 6, 29, 20, 0))
    assert not any(f.fix.startswith("lifecycle backup") for f in check_readiness(store, AS_OF).findings)


def test_a_store_set_up_for_real_has_nothing_left_but_customers(store, shop):
    _go_live(store)
    shop.customer("ann")
    result = check_readiness(store, AS_OF)
    assert result.findings == [] and result.summary() == "Ready: nothing to fix."


def test_a_pinned_clock_and_an_smtp_user_without_password_are_warned(store, shop, monkeypatch):
    _go_live(store)
    shop.customer("ann")
    settings.set_value(store, "clock.as_of", "2026-06-30T18:00:00+00:00")
    settings.set_value(store, "smtp.user", "mara")
    monkeypatch.delenv("LIFECYCLE_SMTP_PASSWORD", raising=False)
    result = check_readiness(store, AS_OF)
    assert [f.area for f in result.findings] == ["clock", "transports"]
    assert "settings reset clock.as_of" in result.findings[0].fix
    assert "LIFECYCLE_SMTP_PASSWORD is empty" in result.findings[1].message


def test_a_broken_template_and_a_rule_that_cannot_render_are_errors(store, shop):
    _go_live(store)
    shop.customer("ann")
    save_template(store, "---\nchannel: email\nsubject: Hi {{ customer.frist_name }}\n---\nHello\n", name="welcome_1")
    rule = get_rule(store, "welcome")
    rule.steps[0] = type(rule.steps[0])(rule.steps[0].delay, "email", "gone_template")
    save_rule(store, rule, check=False)
    result = check_readiness(store, AS_OF)
    assert not result.ok
    errors = _messages(result, "error")
    assert any(re.fullmatch(r"Template 'welcome_1': \d errors?, first: line 3: customer has no field 'frist_name'; "
                            r"did you mean 'first_name'\?", m) for m in errors), errors
    assert any("Rule 'welcome'" in m and "unknown template 'gone_template'" in m for m in errors)
    assert result.findings[0].level == "error"  # errors first


def test_a_store_others_can_read_is_warned(store, shop):
    _go_live(store)
    shop.customer("ann")
    os.chmod(store.path, 0o644)
    [finding] = check_readiness(store, AS_OF).findings
    assert finding.area == "store" and "can be read by other users" in finding.message
    assert finding.fix == f"chmod 600 {store.path}"


def test_check_cli_prints_each_finding_with_its_fix_and_exits_1_on_errors(store, shop):
    runner = CliRunner()

    def cli(*args):
        return runner.invoke(app, ["--db", str(store.path), "--as-of", AS_OF.isoformat(), *args])

    fresh = cli("check")
    assert fresh.exit_code == 0 and "still called 'My Shop'" in fresh.stdout
    assert 'lifecycle settings set shop.name "Your Shop"' in fresh.stdout
    data = json.loads(cli("check", "--json").stdout)
    assert data["ok"] is True and data["counts"]["warning"] == 5
    assert set(data["findings"][0]) == {"level", "area", "message", "fix"}
    save_template(store, "---\nchannel: email\nsubject: Hi {{ customer.frist_name }}\n---\nHello\n", name="welcome_1")
    broken = cli("check")
    assert broken.exit_code == 1 and "Template 'welcome_1'" in broken.stdout and "1 error, 5 warnings." in broken.stdout
