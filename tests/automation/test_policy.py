"""Send policy in the plan: exits, re-entry, caps, quiet hours, priority, catch-up, consent, rendering."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from lifecycle_tui.automation.planner import plan
from lifecycle_tui.store import settings
from tests.automation.conftest import AS_OF, D, H


def decisions(store, as_of=AS_OF, rule=None, render=False):
    return plan(store, as_of, rule=rule, render=render, include_disabled=rule is not None).decisions


def one(store, as_of=AS_OF, rule=None, render=False):
    ds = decisions(store, as_of, rule, render)
    assert len(ds) == 1, [(d.rule, d.step, d.action, d.reason) for d in ds]
    return ds[0]


def test_ordering_after_the_cart_exits_the_sms_step(store, shop):
    t = AS_OF - 24 * H
    c = shop.customer("exit", created=t - 30 * D)
    ev = shop.event(c, "cart_updated", t)
    shop.message(c, "cart_abandoned", 1, f"cart:{ev}", sent_at=t + 4 * H)
    shop.order(c, t + 6 * H, order_id="#1043")
    d = one(store, rule="cart_abandoned")
    assert (d.step, d.action) == (2, "skip")
    assert d.reason == "exited: ordered #1043 at 2026-06-29 18:00 UTC"


def test_unsubscribing_exits_the_welcome_series(store, shop):
    t = AS_OF - 2 * D
    c = shop.customer("unsub", created=t)
    shop.message(c, "welcome", 1, "signup", sent_at=t)
    shop.event(c, "unsubscribed", t + 1 * D)
    d = one(store, rule="welcome")
    assert d.action == "skip" and d.reason.startswith("exited: unsubscribed at 2026-06-29")


def _advocacy_rule(shop, reentry):
    shop.rule("refer", {"trigger": {"kind": "advocacy"}, "reentry": reentry, "catch_up": "30d",
                        "steps": [{"delay": "0h", "channel": "email", "template": "referral_invite"}]})


def test_reentry_once_ever(store, shop):
    _advocacy_rule(shop, "once")
    c = shop.customer("fan", created=AS_OF - 300 * D)
    first = shop.event(c, "nps_response", AS_OF - 20 * D, score=10)
    shop.event(c, "nps_response", AS_OF - 1 * D, score=10)
    shop.message(c, "refer", 1, f"advocacy:{first}", sent_at=AS_OF - 20 * D)
    assert decisions(store) == []


def test_reentry_after_n_days(store, shop):
    _advocacy_rule(shop, {"after_days": 10})
    c = shop.customer("fan", created=AS_OF - 300 * D)
    first = shop.event(c, "nps_response", AS_OF - 20 * D, score=10)
    too_soon = shop.event(c, "nps_response", AS_OF - 15 * D, score=10)
    again = shop.event(c, "nps_response", AS_OF - 2 * D, score=10)
    shop.message(c, "refer", 1, f"advocacy:{first}", sent_at=AS_OF - 20 * D)
    keys = {d.trigger_key for d in decisions(store)}
    assert f"advocacy:{again}" in keys and f"advocacy:{too_soon}" not in keys


def test_reentry_once_takes_the_first_instance_of_a_run(store, shop):
    _advocacy_rule(shop, "once")
    c = shop.customer("fan", created=AS_OF - 300 * D)
    first = shop.event(c, "nps_response", AS_OF - 3 * D, score=10)
    shop.event(c, "nps_response", AS_OF - 1 * D, score=9)
    assert [d.trigger_key for d in decisions(store)] == [f"advocacy:{first}"]


def test_email_cap_counts_a_message_of_another_rule(store, shop):
    t = AS_OF - 5 * H
    c = shop.customer("capped", created=AS_OF - 30 * D)
    shop.event(c, "cart_updated", t - 4 * H)
    shop.message(c, "welcome", 1, "signup", sent_at=AS_OF - 10 * H)
    d = one(store, rule="cart_abandoned")
    assert d.action == "skip"
    assert d.reason == "frequency cap: at most 1 email per 16 h; welcome step 1 was sent at 2026-06-30T02:00:00+00:00"


def test_caps_are_per_channel_and_expire(store, shop):
    t = AS_OF - 30 * H
    c = shop.customer("sms", created=AS_OF - 30 * D)
    ev = shop.event(c, "cart_updated", t)
    shop.message(c, "cart_abandoned", 1, f"cart:{ev}", sent_at=t + 4 * H)
    shop.message(c, "welcome", 2, "signup", sent_at=AS_OF - 1 * H)  # an email: does not cap SMS
    d = one(store, rule="cart_abandoned")
    assert (d.channel, d.action) == ("sms", "send")
    shop.message(c, "winback", 2, "lapse:x", channel="sms", sent_at=AS_OF - 23 * H)
    assert one(store, rule="cart_abandoned").reason.startswith("frequency cap: at most 1 sms per 24 h")
    assert one(store, AS_OF + 2 * H, rule="cart_abandoned").action == "send"  # 25 h later


def test_sms_weekly_cap(store, shop):
    settings.set_value(store, "caps.sms_hours", "0")
    c = shop.customer("weekly", created=AS_OF - 30 * D)
    ev = shop.event(c, "cart_updated", AS_OF - 30 * H)
    shop.message(c, "cart_abandoned", 1, f"cart:{ev}", sent_at=AS_OF - 26 * H)
    for i, days in enumerate((2, 4, 6)):
        shop.message(c, "x", 1, f"k{i}", channel="sms", sent_at=AS_OF - days * D)
    assert one(store, rule="cart_abandoned").reason.startswith("frequency cap: at most 3 sms per week")


def test_quiet_hours_defer_sms_until_morning_then_send(store, shop):
    late_evening_ny = datetime(2026, 7, 1, 3, 0, tzinfo=timezone.utc)  # 23:00 in New York
    c = shop.customer("night", created=AS_OF - 30 * D, timezone_name="America/New_York")
    ev = shop.event(c, "cart_updated", late_evening_ny - 26 * H)
    shop.message(c, "cart_abandoned", 1, f"cart:{ev}", sent_at=late_evening_ny - 22 * H)
    d = one(store, late_evening_ny, rule="cart_abandoned")
    assert (d.action, d.defer_until) == ("defer", "2026-07-01T13:00:00+00:00")
    assert d.reason == "quiet hours: deferred until 2026-07-01 09:00 America/New_York"
    assert one(store, datetime(2026, 7, 1, 13, 0, tzinfo=timezone.utc), rule="cart_abandoned").action == "send"


def test_quiet_hours_use_the_shop_zone_and_spare_email(store, shop):
    settings.set_value(store, "shop.timezone", "Asia/Tokyo")  # as_of is 21:00 in Tokyo
    a = shop.customer("email_due")
    shop.event(a, "cart_updated", AS_OF - 5 * H)
    b = shop.customer("sms_due")
    ev = shop.event(b, "cart_updated", AS_OF - 25 * H)
    shop.message(b, "cart_abandoned", 1, f"cart:{ev}", sent_at=AS_OF - 21 * H)
    got = {d.customer_id: (d.channel, d.action, d.defer_until) for d in decisions(store, rule="cart_abandoned")}
    assert got == {"email_due": ("email", "send", None), "sms_due": ("sms", "defer", "2026-07-01T00:00:00+00:00")}


def test_one_message_per_customer_per_run_priority_wins(store, shop):
    c = shop.customer("busy", created=AS_OF - 1 * H, birthday="1990-06-30")
    ds = {d.rule: d for d in decisions(store)}
    assert ds["birthday"].action == "send"
    assert ds["welcome"].action == "skip"
    assert ds["welcome"].reason == "lost to birthday step 1 (higher priority) in this run"
    assert c


def test_equal_priority_ties_go_to_the_rule_name(store, shop):
    step = [{"delay": "0h", "channel": "email", "template": "welcome_1"}]
    shop.rule("b_rule", {"trigger": {"kind": "signup"}, "steps": step}, priority=50)
    shop.rule("a_rule", {"trigger": {"kind": "signup"}, "steps": step}, priority=50)
    with store.transaction() as conn:
        conn.execute("UPDATE rules SET enabled = 1 WHERE name IN ('a_rule', 'b_rule')")
    shop.customer("tie", created=AS_OF - 1 * H)
    ds = {d.rule: d for d in decisions(store)}
    assert ds["a_rule"].action == "send"
    assert ds["b_rule"].reason == "lost to a_rule step 1 (same priority, earlier name) in this run"


def test_later_steps_of_the_same_series_wait_for_the_next_run(store, shop):
    c = shop.customer("behind", created=AS_OF - 2 * D)  # steps 1 and 2 both due
    ds = decisions(store, rule="welcome")
    assert [(d.step, d.action) for d in ds] == [(1, "send"), (2, "defer")]
    assert c


def test_catch_up_skips_old_steps_and_lists_only_recent_ones(store, shop):
    c1 = shop.customer("recent", created=AS_OF - 40 * D)
    c2 = shop.customer("ancient", created=AS_OF - 40 * D)
    shop.event(c1, "cart_updated", AS_OF - 4 * H - 30 * H)  # email due 30 h ago: too late (1d)
    shop.event(c2, "cart_updated", AS_OF - 10 * D)  # far outside 2 x catch-up: not listed
    ds = decisions(store, rule="cart_abandoned")
    assert [(d.customer_id, d.step, d.action) for d in ds] == [("recent", 1, "skip"), ("recent", 2, "send")]
    assert ds[0].reason == "too late: due 2026-06-29 06:00, more than 1d ago (catch-up limit)"


def test_consent_contact_and_suppression(store, shop):
    t = AS_OF - 5 * H
    ids = {
        "noconsent": shop.customer("noconsent", consent=(0, 1, 1)),
        "noemail": shop.customer("noemail", email=None),
        "suppressed": shop.customer("suppressed", email="Gone@Example.com"),
        "ok": shop.customer("ok"),
    }
    with store.transaction() as conn:
        conn.execute("INSERT INTO suppressions (kind, value, reason, created_at) VALUES "
                     "('email', 'gone@example.com', 'bounce', ?)", (AS_OF.isoformat(),))
    for cid in ids.values():
        shop.event(cid, "cart_updated", t)
    reasons = {d.customer_id: (d.action, d.reason) for d in decisions(store, rule="cart_abandoned")}
    assert reasons == {
        "noconsent": ("skip", "no consent for email"),
        "noemail": ("skip", "no contact point: no email address"),
        "suppressed": ("skip", "suppressed: gone@example.com is on the suppression list (bounce)"),
        "ok": ("send", None),
    }


def test_suppressed_phone_in_another_format(store, shop):
    c = shop.customer("phone", phone="+49 151 0000-0000")
    with store.transaction() as conn:
        conn.execute("INSERT INTO suppressions (kind, value, reason, created_at) VALUES "
                     "('phone', '+4915100000000', 'unsubscribe', ?)", (AS_OF.isoformat(),))
    ev = shop.event(c, "cart_updated", AS_OF - 25 * H)
    shop.message(c, "cart_abandoned", 1, f"cart:{ev}", sent_at=AS_OF - 21 * H)
    assert one(store, rule="cart_abandoned").reason.startswith("suppressed: +49 151 0000-0000")


def test_filter_no_longer_matches(store, shop):
    shop.rule("vip_welcome", {"trigger": {"kind": "signup"}, "filter": "orders >= 1",
                              "steps": [{"delay": "0h", "channel": "email", "template": "welcome_1"}]})
    a = shop.customer("buyer", created=AS_OF - 2 * H)
    shop.customer("browser", created=AS_OF - 2 * H)
    shop.order(a, AS_OF - 1 * H)
    reasons = {d.customer_id: (d.action, d.reason) for d in decisions(store)}
    assert reasons == {"buyer": ("send", None), "browser": ("skip", "filter no longer matches")}


def test_rendering_and_template_errors(store, shop):
    from lifecycle_tui.messages import save_template

    save_template(store, "---\nchannel: email\nsubject: Hi {{ customer.first_name }}\n---\n"
                         "<p>{{ customer.no_such_field }}</p>\n", name="broken")
    shop.rule("welcome_broken", {"trigger": {"kind": "signup"},
                                 "steps": [{"delay": "0h", "channel": "email", "template": "broken"}]})
    shop.customer("x", created=AS_OF - 1 * H, first_name="Zoë")
    d = one(store, render=True)
    assert d.action == "skip" and d.reason.startswith("template error: broken")
    shop.only_rules("welcome")
    d = one(store, render=True)
    assert d.action == "send" and d.message is not None and d.message.channel == "email"
    assert "Zoë" in d.message.fields["text"] + d.message.fields["subject"] + d.message.fields["html"]


def test_cart_messages_render_the_abandoned_cart(store, shop):
    c = shop.customer("carty")
    shop.event(c, "cart_updated", AS_OF - 5 * H, items=[{"product_id": "KK-X", "title": "Blue Teapot",
                                                          "quantity": 1, "price_cents": 4200}])
    d = one(store, rule="cart_abandoned", render=True)
    assert "Blue Teapot" in d.message.fields["html"]


def test_plans_are_deterministic(store, shop):
    for i in range(6):
        c = shop.customer(created=AS_OF - i * D - 1 * H, birthday="1980-06-30" if i % 2 else None)
        shop.event(c, "cart_updated", AS_OF - 5 * H - i * H)
    a = json.dumps(plan(store, AS_OF).to_json())
    b = json.dumps(plan(store, AS_OF).to_json())
    assert a == b and json.loads(a)["summary"]["send"] >= 1


def test_two_customers_with_one_email_address_share_its_cap(store, shop):
    """A duplicate record (or a couple) with one inbox: one welcome in the run, not two; the
    other is skipped saying whose message went there, and still is within the cap window."""
    shop.only_rules("welcome")
    first = shop.customer("dupa", created=AS_OF - 2 * H, email="Same@Example.com", phone=None, push_token=None)
    shop.customer("dupb", created=AS_OF - 1 * H, email="same@example.com", phone=None, push_token=None)
    by = {d.customer_id: d for d in decisions(store)}
    assert by["dupa"].action == "send"
    assert (by["dupb"].action, by["dupb"].reason) == (
        "skip", "frequency cap: at most 1 email per 16 h to one email address; customer dupa's welcome step 1 "
                "is sent in this run")
    shop.message(first, "welcome", 1, "signup", sent_at=AS_OF - 1 * H)  # the run sent dupa's
    again = {d.customer_id: d for d in decisions(store)}
    assert "dupa" not in again or again["dupa"].action != "send"
    assert again["dupb"].action == "skip" and "customer dupa's welcome step 1 was sent at" in again["dupb"].reason
    settings.set_value(store, "caps.email_hours", "0")  # no cap: each customer gets their own
    assert {d.customer_id: d.action for d in decisions(store)}["dupb"] == "send"


def test_customers_with_their_own_addresses_are_not_capped_by_each_other(store, shop):
    shop.only_rules("welcome")
    for cid in ("ann", "bob"):
        shop.customer(cid, created=AS_OF - 2 * H, phone=None, push_token=None)
    assert [d.action for d in decisions(store)] == ["send", "send"]
