"""What a rule names can go away or change after the rule is saved: a broadcast's segment, a
step's template (or its channel). The store refuses the change where it can; where it already
happened (an older store, a hand edit), the plan skips just that rule or step with the reason,
and nothing crashes or reaches a transport with the wrong template."""

from __future__ import annotations

import json

from lifecycle_tui.automation.planner import plan
from lifecycle_tui.automation.rules import get_rule, save_rule
from lifecycle_tui.messages.repository import get_template
from lifecycle_tui.segments import add_segment
from lifecycle_tui.store.settings import pinned_as_of

SMS_TEXT = "---\nchannel: sms\nmarketing: true\n---\nHi {{ customer.first_name }}. Reply STOP to opt out.\n"


def _broadcast_to(store, segment: str, as_of) -> None:
    rule = get_rule(store, "newsletter_broadcast")
    rule.trigger = {**rule.trigger, "segment": segment, "send_at": as_of.isoformat()}
    rule.enabled = True
    save_rule(store, rule)


def test_a_segment_a_broadcast_sends_to_cannot_be_removed(sample_cli, sample_store):
    add_segment(sample_store, "vips", "orders >= 3")
    _broadcast_to(sample_store, "vips", pinned_as_of(sample_store))
    result = sample_cli("segments", "remove", "vips")
    assert result.exit_code == 1 and "audience of rule 'newsletter_broadcast'; change or remove that rule first" in result.stderr
    assert sample_store.scalar("SELECT count(*) FROM segments WHERE name = 'vips'") == 1
    builtin = sample_cli("segments", "remove", "stage: Lapsed")
    assert builtin.exit_code == 1 and "built-in segments cannot be removed" in builtin.stderr


def test_a_broadcast_whose_segment_is_gone_is_left_out_of_the_plan_with_a_note(sample_cli, sample_store):
    as_of = pinned_as_of(sample_store)
    add_segment(sample_store, "vips", "orders >= 3")
    _broadcast_to(sample_store, "vips", as_of)
    with sample_store.transaction() as conn:  # as an older store (no guard) could have it
        conn.execute("DELETE FROM segments WHERE name = 'vips'")
    data = sample_cli.json("dispatch", "dry-run")
    assert not any(d["rule"] == "newsletter_broadcast" for d in data["decisions"])
    assert sum(1 for d in data["decisions"] if d["action"] == "send") > 0  # the other rules still plan
    p = plan(sample_store, as_of, render=False)
    assert any("newsletter_broadcast" in n and "not planned" in n for n in p.notes)
    someone = sample_store.scalar("SELECT customer_id FROM customers ORDER BY id LIMIT 1")
    assert sample_cli("explain", someone).exit_code == 0
    run = sample_cli("dispatch", "run", "--yes", "--json")
    assert run.exit_code == 0 and json.loads(run.stdout)["failed"] == 0


def test_importing_a_template_of_another_channel_over_one_a_rule_sends_is_refused(sample_cli, sample_store, tmp_path):
    f = tmp_path / "welcome_2.sms.jinja"
    f.write_text(SMS_TEXT)
    result = sample_cli("templates", "import", str(f), "--name", "welcome_2")
    assert result.exit_code == 1
    assert "is an email template used by rule 'welcome' step 2" in " ".join(result.stderr.split())
    assert get_template(sample_store, "welcome_2").channel == "email"
    assert sample_cli("templates", "import", str(f), "--name", "welcome_2_sms").exit_code == 0


def test_a_step_whose_template_changed_channel_is_skipped_not_sent(sample_cli, sample_store):
    with sample_store.transaction() as conn:  # as a hand edit or an older store could leave it
        conn.execute("UPDATE templates SET channel = 'sms' WHERE name = 'post_purchase_thanks'")
    data = sample_cli.json("dispatch", "dry-run", "--rule", "post_purchase")
    decisions = [d for d in data["decisions"] if d["template"] == "post_purchase_thanks"]
    assert decisions and {d["action"] for d in decisions} == {"skip"}
    due = [d for d in decisions if not d["reason"].startswith("too late")]  # past catch-up: skipped anyway
    assert due and all(d["reason"].startswith("rule needs fixing: step 1: channel mismatch") for d in due)
    run = json.loads(sample_cli("dispatch", "run", "--rule", "post_purchase", "--yes", "--json").stdout)
    assert run["failed"] == 0
    assert sample_store.scalar("SELECT count(*) FROM messages WHERE template = 'post_purchase_thanks'") == 0
