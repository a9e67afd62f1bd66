"""Simulating what customers do: sign up, browse, fill carts, order, review, answer NPS, refer, unsubscribe.

The building blocks (:func:`signup`, :func:`buy`, :func:`browse`, ...) are shared by the
two years of ordinary history (:func:`simulate_base`) and by the scripted recent cast in
:mod:`lifecycle_tui.sample.recent`. Buying follows a Pareto-like shape: most buyers order
once, a loyal core orders every few weeks, and every buyer may drift away.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from random import Random

from lifecycle_tui.sample.catalogue import PRODUCTS, SIGNUP_SOURCES
from lifecycle_tui.sample.draw import between, cumulative, weighted
from lifecycle_tui.sample.people import Person
from lifecycle_tui.sample.rows import (
    DAY, HOUR, PRODUCT_CUM_WEIGHTS, PRODUCT_INDEXES, Rows, cart_props, view_props,
)

# Relative activity per UTC hour (the shop's customers are mostly an hour or two ahead of UTC).
_HOUR_WEIGHTS = [1, 1, 1, 1, 2, 3, 5, 6, 6, 6, 6, 7, 7, 6, 6, 7, 8, 9, 10, 10, 9, 6, 3, 2]
_HOUR_CUM = cumulative(_HOUR_WEIGHTS)
_HOURS = list(range(24))
_LINES, _LINES_CUM = [1, 2, 3, 4], [50, 80, 93, 100]
_QTY, _QTY_CUM = [1, 2, 3], [80, 95, 100]
_RATING, _RATING_CUM = [5, 4, 3, 2, 1], [55, 80, 90, 95, 100]
_NPS, _NPS_CUM = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0], [24, 46, 64, 76, 84, 89, 92, 95, 97, 98, 100]
_C = (",", ":")  # compact JSON, as in lifecycle_tui.sample.rows
_SUBSCRIBED = [json.dumps({"channel": "email", "source": s}, separators=_C) for s in SIGNUP_SOURCES]
_UNSUBSCRIBED = {c: json.dumps({"channel": c}, separators=_C) for c in ("email", "sms")}


@dataclass(frozen=True)
class World:
    """Fixed parameters of one run: the end of history and the volume knobs."""

    end: int  # Unix seconds; nothing happens at or after it
    repeat_scale: float = 1.0  # > 1 makes repeat buyers order more often (big benchmark stores)
    events_scale: float = 1.0  # multiplies browsing sessions and tracked order sessions


def daytime(rng: Random, ts: int) -> int:
    """A time on the same UTC day as ``ts`` at an hour when people shop."""
    day = ts - ts % DAY
    return day + weighted(rng, _HOURS, _HOUR_CUM) * HOUR + between(rng, 0, HOUR)


def later(rng: Random, after: int, gap: int) -> int:
    """About ``gap`` seconds after ``after``, moved to a shopping hour, and never before ``after``."""
    return max(after + 60, daytime(rng, after + gap))


def pick_lines(rng: Random, fav: int | None) -> list[tuple[int, int]]:
    """1-4 distinct products (favourite first, often) with quantities."""
    n = weighted(rng, _LINES, _LINES_CUM)
    chosen: list[int] = [fav] if fav is not None and rng.random() < 0.55 else []
    for _ in range(8):
        if len(chosen) >= n:
            break
        p = weighted(rng, PRODUCT_INDEXES, PRODUCT_CUM_WEIGHTS)
        if p not in chosen:
            chosen.append(p)
    return [(p, weighted(rng, _QTY, _QTY_CUM)) for p in chosen]


def signup(rows: Rows, rng: Random, p: Person) -> None:
    """The opt-ins given at sign-up: a `subscribed` event for email and a consent record per channel."""
    t = p.created
    source = between(rng, 0, len(SIGNUP_SOURCES))
    if p.accepts_email:
        rows.event(p.rowid, "subscribed", t, _SUBSCRIBED[source])
        rows.consent(p.rowid, "email", None, 1, f"signup: {SIGNUP_SOURCES[source]}", t)
    if p.accepts_sms:
        rows.consent(p.rowid, "sms", None, 1, f"signup: {SIGNUP_SOURCES[source]}", t)
    if p.accepts_push:
        rows.consent(p.rowid, "push", None, 1, "app: push permission", t)


def unsubscribe(rows: Rows, p: Person, channel: str, ts: int, source: str) -> None:
    rows.event(p.rowid, "unsubscribed", ts, _UNSUBSCRIBED[channel])
    rows.consent(p.rowid, channel, 1, 0, source, ts)
    setattr(p, "accepts_email" if channel == "email" else "accepts_sms", 0)
    p.updated = max(p.updated, ts)


def cart_session(rows: Rows, rng: Random, p: Person, start: int, lines: list, depth: int, until: int) -> int:
    """Views, then a cart growing line by line, then (depth 2) a checkout. Returns the last event time.

    Every event stays before ``until`` (the order it leads to, or the end of history).
    """
    t = start
    last = until - 30
    final = len(lines) - 1
    for i, (product, _q) in enumerate(lines):
        if rng.random() < 0.7:
            rows.event(p.rowid, "product_viewed", min(t, last), view_props(product))
            t += between(rng, 20, 240)
        # The tracker reports the first add and the final cart (not every step), as many do.
        if depth >= 1 and (i == 0 or i == final):
            rows.event(p.rowid, "cart_updated", min(t, last), cart_props(lines[: i + 1]))
            t += between(rng, 20, 300)
    if depth >= 2:
        rows.event(p.rowid, "checkout_started", min(t, last), cart_props(lines, checkout=True))
    return min(t, last)


def browse(rows: Rows, rng: Random, p: Person, start: int, until: int, depth: int) -> None:
    """A visit that ends without an order: 1-4 product views, maybe a cart (depth 1) or checkout (2)."""
    views = [weighted(rng, PRODUCT_INDEXES, PRODUCT_CUM_WEIGHTS) for _ in range(between(rng, 1, 4))]
    t = start
    for product in views:
        rows.event(p.rowid, "product_viewed", min(t, until - 30), view_props(product))
        t += between(rng, 15, 200)
    if depth:
        lines = [(views[-1], 1)] + ([(views[0], 1)] if views[0] != views[-1] and rng.random() < 0.3 else [])
        cart_session(rows, rng, p, t, lines, depth, until)


def order_status(rng: Random, ts: int, end: int) -> str:
    u = rng.random()
    if end - ts < 3 * DAY:  # not shipped yet
        return "paid" if u < 0.91 else "pending" if u < 0.97 else "cancelled"
    return "fulfilled" if u < 0.945 else "cancelled" if u < 0.975 else "refunded"


def buy(rows: Rows, rng: Random, p: Person, ts: int, world: World, *, status: str | None = None,
        track: float | None = None) -> list[tuple[int, int]]:
    """An order at ``ts``; with probability ``track`` the visit that led to it is in the event log."""
    lines = pick_lines(rng, p.fav)
    if p.fav is None:
        p.fav = lines[0][0]
    if rng.random() < (min(1.0, 0.3 * world.events_scale) if track is None else track):
        cart_session(rows, rng, p, max(p.created, ts - between(rng, 300, 1500)), lines, 2, ts)
    st = status or order_status(rng, ts, world.end)
    rows.order(p.rowid, ts, lines, st)
    if st == "fulfilled" and rng.random() < 0.12:
        review(rows, rng, p, ts + between(rng, 7 * DAY, 25 * DAY), world, lines[0][0])
    return lines


def review(rows: Rows, rng: Random, p: Person, ts: int, world: World, product: int, rating: int | None = None) -> None:
    if ts < world.end:
        r = rating or weighted(rng, _RATING, _RATING_CUM)
        rows.event(p.rowid, "review_submitted", ts, json.dumps({"rating": r, "product_id": PRODUCTS[product][0]}, separators=_C))


def nps(rows: Rows, rng: Random, p: Person, ts: int, world: World, score: int | None = None) -> None:
    if ts < world.end:
        s = weighted(rng, _NPS, _NPS_CUM) if score is None else score
        rows.event(p.rowid, "nps_response", ts, json.dumps({"score": s}, separators=_C))


def referral(rows: Rows, rng: Random, p: Person, ts: int, world: World) -> None:
    if ts < world.end:
        code = f"KK-{p.customer_id[1:]}-{between(rng, 100, 999)}"
        rows.event(p.rowid, "referral_made", ts, json.dumps({"referral_code": code}, separators=_C))


def planned_orders(rng: Random, scale: float) -> int:
    u = rng.random()
    n = 1 if u < 0.62 else 2 if u < 0.80 else 3 if u < 0.88 else 4 if u < 0.92 else 5 + int(rng.expovariate(0.2))
    return n if n == 1 or scale == 1.0 else 1 + round((n - 1) * scale)


def simulate_base(rows: Rows, rng: Random, p: Person, world: World) -> None:
    """Two years of ordinary life for one customer, then their ``customers`` row."""
    end = world.end
    signup(rows, rng, p)
    times: list[int] = []
    buyer = rng.random() < 0.80
    if buyer:
        n = planned_orders(rng, world.repeat_scale)
        u = rng.random()
        if u < 0.45:  # bought right away: the account was made at checkout
            t = p.created + between(rng, 120, 3600)
        else:
            t = later(rng, p.created, int(rng.expovariate(1 / ((6 if u < 0.75 else 70) * DAY))))
        cadence = (rng.uniform(18, 40) if n >= 5 else rng.uniform(30, 110)) * DAY / world.repeat_scale
        while len(times) < n and t < end:
            times.append(t)
            t = later(rng, t, int(cadence * rng.uniform(0.6, 1.5)))
    for t in times:
        buy(rows, rng, p, t, world)
    # Visits that ended without an order (non-buyers browse more; some never come back).
    mean = 0.5 if times else (0.0 if rng.random() < 0.35 else 1.3)
    span = end - p.created
    for _ in range(int(mean * world.events_scale * rng.uniform(0.3, 1.7) + rng.random())):
        start = later(rng, p.created, between(rng, 0, max(span, 1)))
        if start < end:
            u = rng.random()
            browse(rows, rng, p, start, end, 0 if u < 0.65 else 1 if u < 0.87 else 2)
    if times:
        if rng.random() < 0.12:
            nps(rows, rng, p, times[0] + between(rng, 10 * DAY, 200 * DAY), world)
        if rng.random() < (0.15 if len(times) >= 4 else 0.03):
            referral(rows, rng, p, rng.choice(times) + between(rng, DAY, 30 * DAY), world)
    _opt_outs(rows, rng, p, world)
    rows.customers.append(p.row())


def _opt_outs(rows: Rows, rng: Random, p: Person, world: World) -> None:
    """A few unsubscribes (email link, SMS STOP) and suppressions (bounces, a complaint, manual)."""
    end = world.end
    if p.accepts_email and rng.random() < 0.045:
        ts = p.created + int(rng.expovariate(1 / (120 * DAY)))
        if ts < end:
            unsubscribe(rows, p, "email", ts, "unsubscribe link")
    if p.accepts_sms and rng.random() < 0.06:
        ts = p.created + int(rng.expovariate(1 / (60 * DAY)))
        if ts < end:
            unsubscribe(rows, p, "sms", ts, "sms STOP reply")
    u = rng.random()
    if u < 0.008:
        ts = p.created + between(rng, 0, max(end - p.created, 1))
        reason = "bounce" if u < 0.007 else "complaint"
        rows.suppress("email", p.email_norm, reason, "esp-bounces.csv" if reason == "bounce" else "esp-complaints.csv", ts)
    elif u < 0.009 and p.phone:
        rows.suppress("phone", p.phone, "manual", "lifecycle suppress", p.created + between(rng, 0, max(end - p.created, 1)))
