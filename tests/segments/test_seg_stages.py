"""Lifecycle stages at exact thresholds, loops back, and recorded stage changes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lifecycle_tui.segments import ensure_metrics, refresh_metrics
from lifecycle_tui.store import settings
from lifecycle_tui.store.timeutil import to_iso

from seg_helpers import AS_OF


def stage_of(shop, rowid, as_of=AS_OF):
    ensure_metrics(shop.store, as_of)
    return shop.metrics(rowid)["stage"]


@pytest.mark.parametrize(
    "days_ago, orders, expected",
    [
        (0, 1, "Purchase"),
        (119, 1, "Purchase"),
        (120, 1, "Purchase"),
        (120.99, 1, "Purchase"),  # 120 whole days elapsed: still active
        (121, 1, "At risk"),
        (364, 1, "At risk"),
        (365, 1, "At risk"),
        (366, 1, "Lapsed"),
        (120, 2, "Retention"),
        (121, 2, "At risk"),
        (366, 3, "Lapsed"),
    ],
)
def test_stage_boundaries_at_exact_thresholds(shop, days_ago, orders, expected):
    cid = shop.customer("c1")
    for k in range(orders - 1):
        shop.order(cid, days_ago + 10 + k)
    shop.order(cid, days_ago)
    assert stage_of(shop, cid) == expected
    assert shop.metrics(cid)["days_since_last_order"] == int(days_ago)


def test_thresholds_come_from_settings(shop):
    cid = shop.customer("c1")
    shop.order(cid, 50)
    assert stage_of(shop, cid) == "Purchase"
    settings.set_value(shop.store, "stages.active_days", "30")
    assert stage_of(shop, cid) == "At risk"  # the settings change alone triggers a recompute
    settings.set_value(shop.store, "stages.lapsed_days", "40")
    assert stage_of(shop, cid) == "Lapsed"


def test_awareness_and_consideration(shop):
    known = shop.customer("known")
    subscribed = shop.customer("subscribed")
    browsing = shop.customer("browsing")
    stale = shop.customer("stale")
    shop.event(subscribed, "subscribed", 3)
    shop.event(browsing, "product_viewed", 3)
    shop.event(stale, "product_viewed", 400)  # outside stages.activity_days (365)
    ensure_metrics(shop.store, AS_OF)
    assert [shop.metrics(c)["stage"] for c in (known, subscribed, browsing, stale)] == [
        "Awareness", "Awareness", "Consideration", "Awareness",
    ]


def test_future_rows_do_not_count(shop):
    cid = shop.customer("c1")
    shop.order(cid, -5)  # placed after as_of
    shop.event(cid, "product_viewed", -1)
    assert stage_of(shop, cid) == "Awareness"
    assert shop.metrics(cid)["orders"] == 0


@pytest.mark.parametrize(
    "etype, props, expected",
    [
        ("referral_made", {}, "Advocacy"),
        ("review_submitted", {"rating": 4}, "Advocacy"),
        ("review_submitted", {"rating": 3}, "Retention"),
        ("nps_response", {"score": 9}, "Advocacy"),
        ("nps_response", {"score": 8}, "Retention"),
        ("nps_response", {"nps": 10}, "Advocacy"),
    ],
)
def test_advocacy_signals(shop, etype, props, expected):
    cid = shop.customer("c1")
    shop.order(cid, 30)
    shop.order(cid, 10)
    shop.event(cid, etype, 20, **props)
    assert stage_of(shop, cid) == expected


def test_advocacy_needs_an_active_repeat_buyer_and_a_recent_signal(shop):
    one_time = shop.customer("one")
    shop.order(one_time, 10)
    shop.event(one_time, "referral_made", 5)
    old_signal = shop.customer("old")
    shop.order(old_signal, 30)
    shop.order(old_signal, 10)
    shop.event(old_signal, "referral_made", 400)
    lapsing = shop.customer("lapsing")
    shop.order(lapsing, 300)
    shop.order(lapsing, 200)
    shop.event(lapsing, "referral_made", 5)
    ensure_metrics(shop.store, AS_OF)
    assert [shop.metrics(c)["stage"] for c in (one_time, old_signal, lapsing)] == ["Purchase", "Retention", "At risk"]


def test_cancelled_and_refunded_orders_do_not_count(shop):
    cid = shop.customer("c1")
    shop.order(cid, 10, status="cancelled")
    shop.order(cid, 12, status="refunded")
    shop.order(cid, 200, total=25)
    ensure_metrics(shop.store, AS_OF)
    m = shop.metrics(cid)
    assert (m["orders"], m["revenue_cents"], m["stage"], m["days_since_last_order"]) == (1, 2500, "At risk", 200)


def test_loop_back_lapsed_then_buying_again_records_every_change(shop):
    cid = shop.customer("c1")
    shop.order(cid, 500)
    t1 = AS_OF - timedelta(days=450)
    t2 = AS_OF - timedelta(days=300)
    t3 = AS_OF - timedelta(days=100)
    refresh_metrics(shop.store, t1)  # 50 days after the order: Purchase
    refresh_metrics(shop.store, t2)  # 200 days: At risk
    refresh_metrics(shop.store, t3)  # 400 days: Lapsed
    shop.order(cid, 5)  # buys again
    refresh_metrics(shop.store, AS_OF)
    assert shop.metrics(cid)["stage"] == "Retention"
    assert shop.changes(cid) == [
        (None, "Purchase", to_iso(t1)),
        ("Purchase", "At risk", to_iso(t2)),
        ("At risk", "Lapsed", to_iso(t3)),
        ("Lapsed", "Retention", to_iso(AS_OF)),
    ]


def test_unchanged_refresh_records_nothing_and_the_past_does_not_rewrite_history(shop):
    cid = shop.customer("c1")
    shop.order(cid, 200)
    refresh_metrics(shop.store, AS_OF)
    refresh_metrics(shop.store, AS_OF)
    assert len(shop.changes(cid)) == 1
    report = refresh_metrics(shop.store, AS_OF - timedelta(days=150))  # look at the past
    assert not report.recorded and shop.metrics(cid)["stage"] == "Purchase"
    refresh_metrics(shop.store, AS_OF)  # and back: still one recorded change, no flip-flop
    assert shop.changes(cid) == [(None, "At risk", to_iso(AS_OF))]


def test_ensure_metrics_recomputes_only_when_needed(shop):
    cid = shop.customer("c1")
    assert ensure_metrics(shop.store, AS_OF) is not None
    assert ensure_metrics(shop.store, AS_OF) is None  # fresh
    shop.order(cid, 3)  # insert on the same connection
    assert ensure_metrics(shop.store, AS_OF) is not None
    assert shop.metrics(cid)["orders"] == 1
    with shop.store.transaction() as conn:  # an in-place update (no new row)
        conn.execute("UPDATE orders SET status = 'refunded'")
    assert ensure_metrics(shop.store, AS_OF) is not None
    assert shop.metrics(cid)["orders"] == 0
    assert ensure_metrics(shop.store, AS_OF + timedelta(hours=1)) is not None  # another as_of
    assert shop.metrics(cid)["as_of"] == to_iso(AS_OF + timedelta(hours=1))


def test_ensure_metrics_sees_other_connections(shop, db_path):
    from lifecycle_tui.store import open_store

    cid = shop.customer("c1")
    ensure_metrics(shop.store, AS_OF)
    with open_store(db_path) as other:
        with other.transaction() as conn:
            conn.execute(
                "INSERT INTO orders (order_id, customer_id, placed_at, total_cents, currency) VALUES ('x', ?, ?, 100, 'EUR')",
                (cid, to_iso(AS_OF - timedelta(days=1))),
            )
    assert ensure_metrics(shop.store, AS_OF) is not None
    assert shop.metrics(cid)["orders"] == 1


def test_deleting_a_customer_cascades(shop):
    a = shop.customer("a")
    b = shop.customer("b")
    shop.order(a, 3)
    ensure_metrics(shop.store, AS_OF)
    with shop.store.transaction() as conn:
        conn.execute("DELETE FROM customers WHERE id = ?", (a,))
    assert ensure_metrics(shop.store, AS_OF) is not None
    ids = [r[0] for r in shop.store.conn.execute("SELECT customer_id FROM customer_metrics")]
    assert ids == [b]


def test_refresh_drops_rows_of_customers_deleted_without_cascade(shop):
    a = shop.customer("a")
    b = shop.customer("b")
    refresh_metrics(shop.store, AS_OF)
    shop.store.conn.execute("PRAGMA foreign_keys = OFF")  # as an outside tool might
    shop.store.conn.execute("DELETE FROM customers WHERE id = ?", (a,))
    shop.store.conn.execute("PRAGMA foreign_keys = ON")
    refresh_metrics(shop.store, AS_OF)
    assert [r[0] for r in shop.store.conn.execute("SELECT customer_id FROM customer_metrics")] == [b]
