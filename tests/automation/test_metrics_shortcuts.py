"""Where ``customer_metrics`` is current for the as_of, the anniversary trigger and the render
context take first orders and order totals from it instead of passing over the orders again;
both ways give the same answers (the stale path is the one a store without fresh metrics takes)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

import lifecycle_tui.segments as segments
from lifecycle_tui.automation.planner import plan
from lifecycle_tui.automation.rules import get_rule
from lifecycle_tui.automation.triggers import find_instances
from lifecycle_tui.messages.context import ContextBuilder
from lifecycle_tui.segments import ensure_metrics, is_fresh
from lifecycle_tui.store import settings
from tests.automation.conftest import AS_OF, D

TEN_BERLIN = datetime(2026, 6, 30, 8, 0, tzinfo=timezone.utc)


@pytest.fixture
def stale(monkeypatch):
    """Make every reader believe the metrics are out of date (the path over the orders)."""
    def force():
        monkeypatch.setattr(segments, "is_fresh", lambda store, as_of: False)
    return force


def _anniversary_shop(shop):
    settings.set_value(shop.store, "shop.timezone", "Europe/Berlin")
    late = shop.customer("late_id", created=AS_OF - 800 * D)
    # The later order is inserted first: the first order by time has the higher row id.
    shop.order(late, datetime(2025, 9, 1, 9, tzinfo=timezone.utc), total=9900)
    first = shop.order(late, datetime(2025, 6, 30, 15, tzinfo=timezone.utc), total=1200)
    shop.order(late, datetime(2025, 6, 29, 15, tzinfo=timezone.utc), status="cancelled")  # never counts
    plain = shop.customer("plain", created=AS_OF - 800 * D)
    shop.order(plain, datetime(2025, 6, 30, 11, tzinfo=timezone.utc))
    return late, first


def test_anniversary_instances_are_the_same_from_metrics_and_from_orders(store, shop, stale):
    _anniversary_shop(shop)
    rule = get_rule(store, "first_order_anniversary")
    since = "2026-06-29T00:00:00+00:00"
    ensure_metrics(store, TEN_BERLIN)
    assert is_fresh(store, TEN_BERLIN)
    from_metrics = find_instances(store, rule, TEN_BERLIN, since)
    stale()
    from_orders = find_instances(store, rule, TEN_BERLIN, since)
    assert from_metrics == from_orders
    assert [(i.key, i.anchor) for i in from_metrics] == [("anniversary:2026", "2026-06-30T08:00:00+00:00")] * 2


def test_anniversary_message_names_the_first_order_by_time_not_by_row_id(store, shop):
    late, first = _anniversary_shop(shop)
    p = plan(store, TEN_BERLIN, rule="first_order_anniversary", include_disabled=True)
    (inst_ref,) = [d for d in p.decisions if d.customer_rowid == late and d.action == "send"]
    assert inst_ref.message is not None
    assert "30 June 2025" in inst_ref.message.fields["text"]


def test_context_order_totals_are_the_same_from_metrics_and_from_orders(store, shop, stale):
    a = shop.customer("a", created=AS_OF - 400 * D)
    shop.order(a, AS_OF - 100 * D, total=1000)
    shop.order(a, AS_OF - 10 * D, total=2500)
    shop.order(a, AS_OF - 5 * D, total=7000, status="refunded")
    shop.order(a, AS_OF + 2 * D, total=9000)  # after the as_of: not yet placed
    b = shop.customer("b", created=AS_OF - 40 * D)  # no orders
    fields = ("orders", "revenue_cents", "first_order_at", "last_order_at", "aov_cents", "days_since_last_order")

    def totals():
        builder = ContextBuilder(store, AS_OF)
        builder.prefetch([a, b])
        return [{f: getattr(builder.customer(rowid, fields), f) for f in fields} for rowid in (a, b)]

    ensure_metrics(store, AS_OF)
    from_metrics = totals()
    stale()
    assert totals() == from_metrics
    assert from_metrics[0]["orders"] == 2 and from_metrics[0]["revenue_cents"] == 3500
    assert from_metrics[1]["orders"] == 0 and from_metrics[1]["first_order_at"] is None


def test_first_purchase_instances_are_the_same_from_metrics_and_from_orders(store, shop, stale):
    new = shop.customer("new", created=AS_OF - 30 * D)
    shop.order(new, AS_OF - 3 * D, status="cancelled")  # never counts: the next order is the first
    shop.order(new, AS_OF - 2 * D, order_id="#first")
    shop.order(new, AS_OF - 1 * D)
    regular = shop.customer("regular", created=AS_OF - 400 * D)
    shop.order(regular, AS_OF - 300 * D)
    shop.order(regular, AS_OF - 2 * D)  # not a first order
    same_time = shop.customer("tie", created=AS_OF - 30 * D)
    shop.order(same_time, AS_OF - 5 * D, order_id="#tie-a")
    shop.order(same_time, AS_OF - 5 * D, order_id="#tie-b")  # same minute: the lower row id is first
    rule = get_rule(store, "post_purchase")
    since = "2026-06-01T00:00:00+00:00"
    ensure_metrics(store, AS_OF)
    from_metrics = find_instances(store, rule, AS_OF, since)
    stale()
    assert find_instances(store, rule, AS_OF, since) == from_metrics
    assert sorted(i.key for i in from_metrics) == ["order:#first", "order:#tie-a"]
