"""The starter rules a new store gets: one per trigger kind, using the starter templates.

:func:`seed_rules` adds the ones a store does not have by name and never touches an existing
rule, so the owner's edits (and disabled rules) survive ``lifecycle init`` being run again.
Priorities: time-critical and transactional-feeling messages first (cart, birthday, order
follow-ups), then welcome and advocacy, then slower win-back and anniversaries, broadcasts last.
"""

from __future__ import annotations

from lifecycle_tui.automation.rules import Rule, save_rule


def _step(delay: str, channel: str, template: str) -> dict:
    return {"delay": delay, "channel": channel, "template": template}


# (name, enabled, priority, definition)
STARTER_RULES: list[tuple[str, bool, int, dict]] = [
    ("cart_abandoned", True, 90, {
        "description": "A cart (cart_updated or checkout_started) with no order within 4 h: email at 4 h, SMS at 24 h.",
        "trigger": {"kind": "cart_abandoned", "events": ["cart_updated", "checkout_started"], "no_order_within": "4h"},
        "steps": [_step("4h", "email", "cart_abandoned"), _step("24h", "sms", "cart_abandoned_sms")],
        "exits": ["ordered_since_trigger", "unsubscribed"], "reentry": {"after_days": 3}, "catch_up": "1d"}),
    ("birthday", True, 85, {
        "description": "Birthday greeting at 09:00 in the customer's time zone.",
        "trigger": {"kind": "date_property", "property": "birthday", "at": "09:00"},
        "steps": [_step("0h", "email", "birthday")],
        "exits": [], "reentry": {"after_days": 300}, "catch_up": "2d"}),
    ("post_purchase", True, 80, {
        "description": "First order: a thank-you at 1 h, a review request at 14 days.",
        "trigger": {"kind": "first_purchase"},
        "steps": [_step("1h", "email", "post_purchase_thanks"), _step("14d", "email", "review_request")],
        "exits": ["unsubscribed"], "reentry": "once", "catch_up": "3d"}),
    ("vip_third_order", True, 70, {
        "description": "Third order: welcome to the VIP circle.",
        "trigger": {"kind": "nth_order", "n": 3},
        "steps": [_step("2h", "email", "vip_thanks")],
        "exits": [], "reentry": "once", "catch_up": "3d"}),
    ("welcome", True, 60, {
        "description": "Welcome series after signup: at once, after 2 days and after 5 days.",
        "trigger": {"kind": "signup"},
        "steps": [_step("0h", "email", "welcome_1"), _step("2d", "email", "welcome_2"), _step("5d", "email", "welcome_3")],
        "exits": ["unsubscribed"], "reentry": "once", "catch_up": "2d"}),
    ("referral_invite", True, 55, {
        "description": "An NPS of 9+ or a review of 4+: invite them to refer a friend, a day later.",
        "trigger": {"kind": "advocacy", "min_nps": 9, "min_review": 4},
        "steps": [_step("1d", "email", "referral_invite")],
        "exits": ["unsubscribed"], "reentry": {"after_days": 180}, "catch_up": "3d"}),
    ("first_order_anniversary", True, 45, {
        "description": "Yearly anniversary of the first order, at 10:00 local time.",
        "trigger": {"kind": "date_property", "property": "first_purchase_anniversary", "at": "10:00"},
        "steps": [_step("0h", "email", "anniversary")],
        "exits": [], "reentry": {"after_days": 300}, "catch_up": "3d"}),
    ("browse_abandoned", True, 40, {
        "description": "Viewed products, then no cart and no order within 24 h.",
        "trigger": {"kind": "browse_abandoned", "events": ["product_viewed"], "no_activity_within": "24h"},
        "steps": [_step("24h", "email", "browse_abandoned")],
        "exits": ["ordered_since_trigger", "unsubscribed"], "reentry": {"after_days": 14}, "catch_up": "1d"}),
    ("at_risk_rescue", True, 35, {
        "description": "Entered the RFM group At Risk or Can't Lose Them: a personal note with a reason to come back.",
        "trigger": {"kind": "entered_segment", "segments": ["At Risk", "Can't Lose Them"], "of": "rfm"},
        "steps": [_step("0h", "email", "cross_sell")],
        "exits": ["ordered_since_trigger", "unsubscribed"], "reentry": {"after_days": 90}, "catch_up": "7d"}),
    ("winback", True, 30, {
        "description": "No order for 90 days: an email, a push 3 days later (app users), an SMS 7 days later.",
        "trigger": {"kind": "no_purchase", "days": 90},
        "steps": [_step("0h", "email", "winback_email"), _step("3d", "push", "winback_push"),
                  _step("7d", "sms", "winback_sms")],
        "exits": ["ordered_since_trigger", "unsubscribed"], "reentry": {"after_days": 180}, "catch_up": "7d"}),
    ("newsletter_broadcast", False, 20, {
        "description": "A one-off newsletter to repeat buyers; set send_at and enable it to send.",
        "trigger": {"kind": "broadcast", "segment": "Retention", "send_at": "2026-07-01T08:00:00+00:00"},
        "steps": [_step("0h", "email", "newsletter")],
        # not "once": the next newsletter (a new send_at) must reach last time's readers too
        "exits": ["unsubscribed"], "reentry": {"after_days": 1}, "catch_up": "2d"}),
]


def starter_rules() -> list[Rule]:
    return [Rule.from_definition(name, definition, enabled=enabled, priority=priority)
            for name, enabled, priority, definition in STARTER_RULES]


def seed_rules(store) -> int:
    """Add starter rules the store does not have yet; return how many were added."""
    have = {r[0] for r in store.conn.execute("SELECT name FROM rules")}
    added = 0
    with store.transaction():
        for rule in starter_rules():
            if rule.name not in have:
                # References are checked by a test against the starter templates; seeding must
                # not fail on a store whose templates the owner has renamed.
                save_rule(store, rule, check=False)
                added += 1
    return added
