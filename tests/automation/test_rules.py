"""Rule validation, storage with versions, and the starter set."""

from __future__ import annotations

import json

import pytest

from lifecycle_tui.automation.rules import (
    Rule, RuleError, check_references, get_rule, list_rules, parse_duration, rule_versions, save_rule, set_enabled,
)
from lifecycle_tui.automation.starter import STARTER_RULES, seed_rules

EMAIL = {"delay": "0h", "channel": "email", "template": "welcome_1"}


def make(definition: dict, name: str = "r1") -> Rule:
    return Rule.from_definition(name, {"trigger": {"kind": "signup"}, "steps": [EMAIL], **definition})


@pytest.mark.parametrize("definition, message", [
    ({"trigger": {"kind": "signin"}}, "trigger.kind: unknown trigger kind 'signin'. Did you mean 'signup'?"),
    ({"trigger": {"kind": "nth_order"}}, "trigger.n: required for a nth_order trigger"),
    ({"trigger": {"kind": "no_purchase", "days": -3}}, "trigger.days: must be a whole number of at least 1"),
    ({"trigger": {"kind": "signup", "days": 3}}, "trigger: signup takes no days"),
    ({"steps": []}, "steps: a rule needs at least one step"),
    ({"steps": [{"delay": "-2h", "channel": "email", "template": "welcome_1"}]}, "step 1.delay: negative duration"),
    ({"steps": [{"delay": "soon", "channel": "email", "template": "welcome_1"}]}, "step 1.delay: not a duration"),
    ({"steps": [{"delay": "99999d", "channel": "email", "template": "welcome_1"}]}, "more than ten years"),
    ({"steps": [{"delay": "2d", "channel": "email", "template": "welcome_1"},
                {"delay": "1d", "channel": "email", "template": "welcome_2"}]}, "step 2.delay: steps out of order"),
    ({"steps": [{"delay": "0h", "channel": "fax", "template": "welcome_1"}]}, "step 1.channel: unknown channel 'fax'"),
    ({"reentry": "twice"}, 'reentry: must be "once" or {"after_days": N}'),
    ({"exits": ["bored"]}, "exits: must be a list of"),
    ({"catch_up": "0h"}, "catch_up: must be longer than 0"),
])
def test_structural_errors_name_the_field(definition, message):
    with pytest.raises(RuleError) as err:
        make(definition)
    assert message in str(err.value)
    assert str(err.value).startswith("rule 'r1': ")


def test_bad_rule_name():
    with pytest.raises(RuleError, match="lower-case letters"):
        make({}, name="Bad Name!")


def test_references_unknown_template_and_channel_mismatch(store):
    with pytest.raises(RuleError, match=r"step 1.template: unknown template 'welcome_01'. Did you mean 'welcome_1'\?"):
        check_references(store, make({"steps": [{**EMAIL, "template": "welcome_01"}]}))
    with pytest.raises(RuleError, match="channel mismatch: the step sends sms but template 'welcome_1' is an email"):
        check_references(store, make({"steps": [{**EMAIL, "channel": "sms"}]}))


def test_references_bad_filter_gives_the_segment_error(store):
    with pytest.raises(RuleError) as err:
        check_references(store, make({"filter": "orderz >= 2"}))
    assert str(err.value).startswith("rule 'r1': filter: ") and "orderz" in str(err.value)


def test_broadcast_needs_a_known_segment(store):
    rule = make({"trigger": {"kind": "broadcast", "segment": "No Such Segment", "send_at": "2026-07-01 09:00"}})
    assert rule.trigger["send_at"] == "2026-07-01T09:00:00+00:00"
    with pytest.raises(RuleError, match="trigger.segment"):
        check_references(store, rule)


def test_every_save_is_a_new_version(store):
    rule = save_rule(store, make({"description": "v1"}, name="versioned"))
    assert rule.version == 1
    rule.description = "v2"
    rule.priority = 70
    assert save_rule(store, rule).version == 2
    versions = rule_versions(store, "versioned")
    assert [(v["version"], v["priority"], v["definition"]["description"]) for v in versions] == [
        (2, 70, "v2"), (1, 50, "v1")]
    assert get_rule(store, "versioned").description == "v2"


def test_save_refuses_and_writes_nothing(store):
    before = store.scalar("SELECT count(*) FROM rule_versions")
    with pytest.raises(RuleError):
        save_rule(store, make({"steps": [{**EMAIL, "template": "nope"}]}, name="refused"))
    assert store.scalar("SELECT count(*) FROM rule_versions") == before
    assert get_rule(store, "refused") is None


def test_enable_disable_records_a_version_and_is_idempotent(store):
    rule, changed = set_enabled(store, "welcome", False)
    assert changed and not rule.enabled and rule.version == 2
    rule, changed = set_enabled(store, "welcome", False)
    assert not changed and rule.version == 2
    assert set_enabled(store, "welcome", True)[0].enabled
    with pytest.raises(RuleError, match="no rule 'welcom' in this store. Did you mean 'welcome'"):
        set_enabled(store, "welcom", True)


def test_starter_rules_are_seeded_once_and_check_out(store):
    rules = list_rules(store)
    assert {r.name for r in rules} == {name for name, *_ in STARTER_RULES}
    kinds = {r.kind for r in rules}
    assert kinds == {"signup", "cart_abandoned", "browse_abandoned", "first_purchase", "nth_order", "no_purchase",
                     "date_property", "entered_segment", "advocacy", "broadcast"}
    for r in rules:
        check_references(store, r)  # every starter template exists with the right channel
    assert [r.name for r in rules if not r.enabled] == ["newsletter_broadcast"]
    assert seed_rules(store) == 0


def test_seeding_never_overwrites_the_owners_edits(store):
    rule = get_rule(store, "winback")
    rule.trigger = {"kind": "no_purchase", "days": 60}
    save_rule(store, rule)
    set_enabled(store, "birthday", False)
    with store.transaction() as conn:
        conn.execute("DELETE FROM rules WHERE name = 'referral_invite'")
    assert seed_rules(store) == 1
    assert get_rule(store, "winback").trigger["days"] == 60
    assert not get_rule(store, "birthday").enabled
    assert get_rule(store, "referral_invite") is not None


def test_durations():
    assert parse_duration("0h").total_seconds() == 0
    assert parse_duration("90m").total_seconds() == 5400
    assert parse_duration("2d").total_seconds() == 172800
    assert parse_duration("1w").days == 7


def test_definition_round_trips_through_json(store):
    for r in list_rules(store):
        again = Rule.from_definition(r.name, json.loads(json.dumps(r.definition())), enabled=r.enabled,
                                     priority=r.priority)
        assert again.definition() == r.definition()
