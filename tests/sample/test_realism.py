"""The sample shop looks like a real small shop and has live cases for every starter rule at its end."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from lifecycle_tui.store import settings
from lifecycle_tui.store.timeutil import to_iso

from lifecycle_tui.sample import DEFAULT_END as END

COUNTED = "status NOT IN ('cancelled', 'refunded')"


def ago(**kw) -> str:
    return to_iso(END - timedelta(**kw))


def share(shop, where: str) -> float:
    return shop.scalar(f"SELECT avg(CASE WHEN {where} THEN 1.0 ELSE 0 END) FROM customers")


def test_size_and_pinned_clock(shop):
    assert shop.scalar("SELECT count(*) FROM customers") == 3000
    assert 25 <= shop.scalar("SELECT count(*) FROM products") <= 40
    assert settings.get(shop, "clock.as_of") == to_iso(END)
    assert settings.resolve_as_of(shop, None) == END
    assert settings.get(shop, "shop.timezone") == "Europe/Berlin"
    assert settings.get(shop, "shop.currency") == "EUR"
    assert settings.get(shop, "shop.name") and settings.get(shop, "shop.postal_address")


def test_nothing_happens_after_the_end(shop):
    end = to_iso(END)
    assert shop.scalar("SELECT max(placed_at) FROM orders") < end
    assert shop.scalar("SELECT max(occurred_at) FROM events") < end
    assert shop.scalar("SELECT max(created_at) FROM customers") < end
    assert shop.scalar("SELECT min(created_at) FROM customers") >= ago(days=2 * 365 + 1)
    # Nobody orders or acts before they exist.
    assert shop.scalar("SELECT count(*) FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.placed_at < c.created_at") == 0
    assert shop.scalar("SELECT count(*) FROM events e JOIN customers c ON c.id = e.customer_id WHERE e.occurred_at < c.created_at") == 0


def test_pareto_buyers(shop):
    per_buyer = [r[0] for r in shop.conn.execute(f"SELECT count(*) FROM orders WHERE {COUNTED} GROUP BY customer_id")]
    buyers = len(per_buyer)
    assert 0.6 * 3000 <= buyers <= 0.9 * 3000
    assert sum(1 for n in per_buyer if n == 1) / buyers >= 0.5
    assert sum(1 for n in per_buyer if n >= 5) / buyers >= 0.03  # a loyal core
    statuses = dict(shop.conn.execute("SELECT status, count(*) FROM orders GROUP BY status").fetchall())
    assert statuses.get("cancelled", 0) > 0 and statuses.get("refunded", 0) > 0


def test_orders_have_items_and_totals_match(shop):
    assert shop.scalar("SELECT count(*) FROM orders WHERE id NOT IN (SELECT order_id FROM order_items)") == 0
    mismatched = shop.scalar(
        "SELECT count(*) FROM orders o WHERE total_cents != "
        "(SELECT sum(quantity * price_cents) FROM order_items i WHERE i.order_id = o.id)"
    )
    assert mismatched == 0
    # Item lines point at catalogue products with the catalogue's sku and title.
    assert shop.scalar(
        "SELECT count(*) FROM order_items i JOIN products p ON p.id = i.product_id "
        "WHERE i.sku != p.product_id OR i.title != p.title"
    ) == 0
    # Shop order numbers count up with time.
    ids = [r[0] for r in shop.conn.execute("SELECT order_id FROM orders ORDER BY placed_at, id")]
    assert ids == sorted(ids) and ids[0] == "KK-10001"


def test_consent_mix_and_contact_points(shop):
    assert 0.62 <= share(shop, "accepts_email = 1") <= 0.80
    assert 0.18 <= share(shop, "accepts_sms = 1") <= 0.32
    assert 0.14 <= share(shop, "accepts_push = 1") <= 0.27
    assert shop.scalar("SELECT count(*) FROM customers WHERE accepts_sms = 1 AND phone IS NULL") == 0
    assert shop.scalar("SELECT count(*) FROM customers WHERE accepts_push = 1 AND push_token IS NULL") == 0
    assert 0.5 <= share(shop, "birthday IS NOT NULL") <= 0.7
    zones = dict(shop.conn.execute("SELECT coalesce(timezone, ''), count(*) FROM customers GROUP BY 1").fetchall())
    assert zones["Europe/Berlin"] / 3000 >= 0.5
    assert len(zones) >= 6
    assert shop.scalar("SELECT count(DISTINCT email_norm) FROM customers") == 3000
    assert shop.scalar("SELECT count(*) FROM customers WHERE email_norm != lower(email)") == 0


def test_unsubscribes_and_suppressions_are_consistent(shop):
    unsubs = shop.conn.execute(
        "SELECT customer_id, occurred_at, properties FROM events WHERE type = 'unsubscribed'"
    ).fetchall()
    assert len(unsubs) >= 10
    for cid, at, props in unsubs:
        channel = json.loads(props)["channel"]
        flag = shop.scalar(f"SELECT accepts_{channel} FROM customers WHERE id = ?", (cid,))
        assert flag == 0
        assert shop.scalar(
            "SELECT count(*) FROM consent_changes WHERE customer_id = ? AND channel = ? AND new_value = 0 AND changed_at = ?",
            (cid, channel, at),
        ) == 1
    reasons = {r[0] for r in shop.conn.execute("SELECT reason FROM suppressions")}
    assert "bounce" in reasons
    # Every granted consent has its sign-up record.
    assert shop.scalar(
        "SELECT count(*) FROM customers c WHERE accepts_email = 1 AND NOT EXISTS (SELECT 1 FROM consent_changes k "
        "WHERE k.customer_id = c.id AND k.channel = 'email' AND k.new_value = 1)"
    ) == 0


def test_event_kinds_and_properties(shop):
    types = dict(shop.conn.execute("SELECT type, count(*) FROM events GROUP BY type").fetchall())
    for t in ("subscribed", "product_viewed", "cart_updated", "checkout_started", "review_submitted",
              "nps_response", "referral_made", "unsubscribed"):
        assert types.get(t, 0) > 0, t
    for (props,) in shop.conn.execute("SELECT properties FROM events WHERE type = 'cart_updated' LIMIT 200"):
        data = json.loads(props)
        assert data["product_id"] and data["cart"]
        for line in data["cart"]:
            assert set(line) == {"product_id", "title", "quantity", "price_cents"}
    ratings = {json.loads(p)["rating"] for (p,) in shop.conn.execute("SELECT properties FROM events WHERE type = 'review_submitted'")}
    assert ratings <= set(range(1, 6)) and len(ratings) >= 3
    scores = {json.loads(p)["score"] for (p,) in shop.conn.execute("SELECT properties FROM events WHERE type = 'nps_response'")}
    assert scores <= set(range(0, 11)) and len(scores) >= 5


# --- fresh activity in the last days: one query per starter-rule trigger kind ---------------------

def test_recent_signups_for_the_welcome_series(shop):
    n = shop.scalar(
        "SELECT count(*) FROM customers c WHERE created_at >= ? AND accepts_email = 1 AND EXISTS "
        "(SELECT 1 FROM events e WHERE e.customer_id = c.id AND e.type = 'subscribed')",
        (ago(days=5),),
    )
    assert n >= 5


def test_abandoned_carts_4_to_48_hours_old(shop):
    n = shop.scalar(
        "SELECT count(DISTINCT e.customer_id) FROM events e WHERE e.type IN ('cart_updated', 'checkout_started') "
        "AND e.occurred_at BETWEEN ? AND ? AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = e.customer_id "
        "AND o.placed_at >= e.occurred_at)",
        (ago(hours=48), ago(hours=4)),
    )
    assert n >= 5


def test_browse_abandonment_1_to_3_days_old(shop):
    n = shop.scalar(
        "SELECT count(DISTINCT e.customer_id) FROM events e WHERE e.type = 'product_viewed' "
        "AND e.occurred_at BETWEEN ? AND ? AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = e.customer_id "
        "AND o.placed_at >= e.occurred_at) AND NOT EXISTS (SELECT 1 FROM events x WHERE x.customer_id = e.customer_id "
        "AND x.type IN ('cart_updated', 'checkout_started') AND x.occurred_at >= e.occurred_at)",
        (ago(hours=72), ago(hours=24)),
    )
    assert n >= 5


FIRSTS = f"SELECT customer_id, min(placed_at) AS first_at, count(*) AS n, max(placed_at) AS last_at FROM orders WHERE {COUNTED} GROUP BY customer_id"


def test_first_orders_for_thank_you_and_review_request(shop):
    thank = shop.scalar(f"SELECT count(*) FROM ({FIRSTS}) WHERE first_at BETWEEN ? AND ?", (ago(days=3), ago(hours=1)))
    review = shop.scalar(f"SELECT count(*) FROM ({FIRSTS}) WHERE first_at BETWEEN ? AND ?", (ago(days=16), ago(days=14)))
    assert thank >= 3 and review >= 2


def test_third_orders_for_vip(shop):
    n = shop.scalar(
        f"SELECT count(*) FROM (SELECT customer_id, placed_at, row_number() OVER (PARTITION BY customer_id "
        f"ORDER BY placed_at) AS k FROM orders WHERE {COUNTED}) WHERE k = 3 AND placed_at >= ?",
        (ago(days=3),),
    )
    assert n >= 2


def test_lapsing_buyers_for_win_back(shop):
    n = shop.scalar(f"SELECT count(*) FROM ({FIRSTS}) WHERE last_at BETWEEN ? AND ?", (ago(days=100), ago(days=90)))
    assert n >= 5


def _local_end():
    return END.astimezone(ZoneInfo("Europe/Berlin")).date()


def test_birthdays_today_in_the_shop_zone(shop):
    md = _local_end().strftime("%m-%d")
    n = shop.scalar("SELECT count(*) FROM customers WHERE substr(birthday, -5) = ? AND accepts_email = 1", (md,))
    assert n >= 3


def test_first_purchase_anniversaries(shop):
    year_ago = _local_end().replace(year=_local_end().year - 1)
    firsts = [r[0] for r in shop.conn.execute(f"SELECT first_at FROM ({FIRSTS}) WHERE first_at BETWEEN ? AND ?",
                                              (ago(days=367), ago(days=363)))]
    local_days = [datetime.fromisoformat(f).astimezone(ZoneInfo("Europe/Berlin")).date() for f in firsts]
    assert local_days.count(year_ago) >= 2


def test_fresh_advocacy_signals(shop):
    n = shop.scalar(
        "SELECT count(*) FROM events WHERE occurred_at >= ? AND ((type = 'nps_response' AND "
        "json_extract(properties, '$.score') >= 9) OR (type = 'review_submitted' AND json_extract(properties, '$.rating') >= 4))",
        (ago(days=3),),
    )
    assert n >= 3


def test_metrics_shipped_with_recent_at_risk_entries(shop):
    assert shop.scalar("SELECT count(*) FROM customer_metrics WHERE as_of = ?", (to_iso(END),)) == 3000
    def entered(kind: str, names: tuple[str, ...]) -> int:
        return shop.scalar(
            f"SELECT count(*) FROM segment_changes WHERE changed_at = ? AND from_value IS NOT NULL AND kind = ? "
            f"AND to_value IN ({','.join('?' * len(names))})",
            (to_iso(END), kind, *names),
        )

    # Moves recorded between the refresh a week before the end and the one at the end.
    assert entered("rfm", ("At Risk", "Can't Lose Them")) >= 3
    assert entered("stage", ("At risk",)) >= 3


def test_small_shops_still_have_every_kind_of_recent_activity(tmp_path):
    from lifecycle_tui.sample import generate_shop
    from lifecycle_tui.sample.recent import CAST_PER_3000, cast_counts
    from lifecycle_tui.store import open_store

    assert [n for _k, n in cast_counts(20)] == [1] * len(CAST_PER_3000)
    path = tmp_path / "tiny.db"
    report = generate_shop(path, customers=20)
    assert report.customers == 20
    with open_store(path) as s:
        assert s.scalar("SELECT count(*) FROM customers WHERE created_at >= ?", (ago(days=6),)) >= 1
        assert s.scalar("SELECT count(*) FROM events WHERE type = 'cart_updated' AND occurred_at >= ?", (ago(hours=48),)) >= 1
