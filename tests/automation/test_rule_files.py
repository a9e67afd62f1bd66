"""Rules in files: `rules list|show --json` read back with `rules import`, all checked before any is saved."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from lifecycle_tui.automation.rule_files import load_rules
from lifecycle_tui.automation.rules import RuleError, get_rule, list_rules, rule_versions
from lifecycle_tui.cli.main import app


def _welcome_copy(store, **changes) -> dict:
    rule = get_rule(store, "welcome").to_json()
    rule.pop("enabled")
    return {**rule, "name": "welcome_vip", **changes}


def test_a_new_rule_is_created_off_and_loading_it_again_changes_nothing(tmp_path, store):
    path = tmp_path / "r.json"
    path.write_text(json.dumps(_welcome_copy(store, priority=61)))
    [first] = load_rules(store, path)
    assert (first.outcome, first.rule.enabled, first.rule.version, first.rule.priority) == ("created", False, 1, 61)
    [again] = load_rules(store, path)
    assert again.outcome == "unchanged" and len(rule_versions(store, "welcome_vip")) == 1


def test_a_stored_rule_is_updated_as_a_new_version_and_keeps_its_state(tmp_path, store):
    welcome = get_rule(store, "welcome").to_json()
    assert welcome["enabled"] is True
    del welcome["enabled"]
    welcome["steps"][0]["delay"] = "30m"
    path = tmp_path / "r.json"
    path.write_text(json.dumps(welcome))
    [loaded] = load_rules(store, path)
    stored = get_rule(store, "welcome")
    assert loaded.outcome == "updated" and stored.enabled and stored.version == welcome["version"] + 1
    assert stored.steps[0].delay == "30m"
    path.write_text(json.dumps({**welcome, "enabled": False}))
    assert load_rules(store, path)[0].outcome == "updated" and not get_rule(store, "welcome").enabled


def test_one_bad_rule_saves_none_and_names_the_file_and_the_rule(tmp_path, store):
    good = _welcome_copy(store)
    bad = {**_welcome_copy(store), "name": "sms_welcome", "steps": [{"delay": "1h", "channel": "sms", "template": "welcome_1"}]}
    path = tmp_path / "r.json"
    path.write_text(json.dumps([good, bad]))
    before = [r.to_json() for r in list_rules(store)]
    with pytest.raises(RuleError, match=r"r.json: rule 'sms_welcome': step 1: channel mismatch"):
        load_rules(store, path)
    assert [r.to_json() for r in list_rules(store)] == before
    path.write_text(json.dumps([good, good]))
    with pytest.raises(RuleError, match="appears twice"):
        load_rules(store, path)


@pytest.mark.parametrize("text, message", [
    ('{"name": "x",\n "trigger": {"kind": "signup"}\n "steps": []}', r"line 3, column 2: not valid JSON: Expecting ','"),
    ('[1, 2]', r"rule 1: must be an object with a name"),
    ('{"name": "x", "trigger": {"kind": "sign_up"}, "steps": []}', r"unknown trigger kind 'sign_up'. Did you mean 'signup'"),
    ('{"name": "x", "enabled": "yes", "trigger": {"kind": "signup"}, "steps": []}', r"enabled: must be true or false"),
    # A segment no one can enter: the rule would be saved, switched on, and never fire.
    ('{"name": "x", "trigger": {"kind": "entered_segment", "segments": ["Champs"], "of": "rfm"}, '
     '"steps": [{"delay": "0h", "channel": "email", "template": "vip_thanks"}]}',
     r"trigger.segments: no RFM segment is called 'Champs', so no one would ever enter it. Did you mean 'Champions'\?"),
    ('{"name": "x", "trigger": {"kind": "entered_segment", "segments": ["Lapsed", "lapsd"], "of": "stage"}, '
     '"steps": [{"delay": "0h", "channel": "email", "template": "vip_thanks"}]}',
     r"no stage is called 'lapsd'.*Did you mean 'Lapsed'\?"),
    ('{"name": "x", "trigger": {"kind": "entered_segment", "segments": ["Loyal"], "of": "stage"}, '
     '"steps": [{"delay": "0h", "channel": "email", "template": "vip_thanks"}]}',
     r"no stage is called 'Loyal'"),  # an RFM name, but the rule waits for a stage
])
def test_bad_files_are_refused_with_where_and_why(tmp_path, store, text, message):
    path = tmp_path / "r.json"
    path.write_text(text)
    with pytest.raises(RuleError, match=message):
        load_rules(store, path)


def test_a_rule_file_in_latin_1_is_refused_with_the_line_and_column_of_the_first_odd_byte(tmp_path, store):
    path = tmp_path / "r.json"
    path.write_bytes('{"name": "x",\n "description": "Grüße", "trigger": {"kind": "signup"}, "steps": []}'.encode("latin-1"))
    with pytest.raises(RuleError, match=r"r.json: line 2, column 20: not UTF-8 text \(byte 0xfc.*save it as UTF-8"):
        load_rules(store, path)


def test_rules_list_json_round_trips_through_rules_import(tmp_path, store):
    runner = CliRunner()

    def cli(*args):
        return runner.invoke(app, ["--db", str(store.path), *args])

    listed = cli("rules", "list", "--json")
    path = tmp_path / "all.json"
    path.write_text(listed.stdout)
    result = cli("rules", "import", str(path), "--json")
    assert result.exit_code == 0, result.output
    assert {r["outcome"] for r in json.loads(result.stdout)} == {"unchanged"}
    one = tmp_path / "one.json"
    one.write_text(json.dumps(_welcome_copy(store)))
    shown = cli("rules", "import", str(one))
    assert shown.exit_code == 0 and "welcome_vip: created (version 1, off)" in shown.stdout
    assert "rules enable NAME" in shown.stdout
    missing = cli("rules", "import", str(tmp_path / "nope.json"))
    assert missing.exit_code == 1 and "no such file" in missing.stderr
