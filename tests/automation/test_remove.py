"""Removing rules and templates: only what nothing depends on, with their versions, CLI and console alike."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from lifecycle_tui.automation.rules import RuleError, get_rule, remove_rule, set_enabled
from lifecycle_tui.cli.main import app
from lifecycle_tui.messages import TemplateError, get_template, remove_template


def _cli(store, *args):
    return CliRunner().invoke(app, ["--db", str(store.path), *args])


def test_a_rule_that_is_on_is_refused_then_removed_with_its_versions(store):
    with pytest.raises(RuleError, match="is on: switch it off first .*rules disable welcome"):
        remove_rule(store, "welcome")
    set_enabled(store, "welcome", False)
    removed = remove_rule(store, "welcome")
    assert removed.name == "welcome" and removed.version == 2
    assert get_rule(store, "welcome") is None
    assert store.scalar("SELECT count(*) FROM rule_versions v WHERE NOT EXISTS "
                        "(SELECT 1 FROM rules r WHERE r.id = v.rule_id)") == 0
    with pytest.raises(RuleError, match="no rule 'welcome'"):
        remove_rule(store, "welcome")


def test_what_a_removed_rule_sent_stays_on_record(store, shop):
    from tests.automation.conftest import AS_OF

    ann = shop.customer("ann")
    shop.message(ann, "welcome", 1, "signup", sent_at=AS_OF)
    set_enabled(store, "welcome", False)
    remove_rule(store, "welcome")
    assert store.scalar("SELECT count(*) FROM messages WHERE rule = 'welcome'") == 1


def test_a_template_a_rule_sends_is_refused_with_the_steps(store):
    with pytest.raises(TemplateError, match="sent by welcome step 1: change that step to another template first"):
        remove_template(store, "welcome_1")
    assert get_template(store, "welcome_1") is not None


def test_an_unused_template_is_removed_with_its_versions(store):
    assert remove_template(store, "replenishment").name == "replenishment"
    assert get_template(store, "replenishment") is None
    assert store.scalar("SELECT count(*) FROM template_versions v WHERE NOT EXISTS "
                        "(SELECT 1 FROM templates t WHERE t.id = v.template_id)") == 0
    with pytest.raises(TemplateError, match="no such template"):
        remove_template(store, "replenishment")


def test_cli_rules_remove_and_templates_remove(store):
    refused = _cli(store, "rules", "remove", "winback")
    assert refused.exit_code == 1 and "switch it off first" in refused.stderr
    assert _cli(store, "rules", "disable", "winback").exit_code == 0
    done = _cli(store, "rules", "remove", "winback")
    assert done.exit_code == 0 and "winback: removed (2 versions)." in done.stdout
    tpl = _cli(store, "templates", "remove", "winback_push", "--json")
    assert tpl.exit_code == 0, tpl.output
    assert json.loads(tpl.stdout) == {"name": "winback_push", "removed": True, "versions": 1}
    used = _cli(store, "templates", "remove", "welcome_1")
    assert used.exit_code == 1 and "sent by welcome step 1" in used.stderr
    rule_json = _cli(store, "rules", "remove", "newsletter_broadcast", "--json")
    assert json.loads(rule_json.stdout) == {"name": "newsletter_broadcast", "removed": True, "versions": 1}
