"""The recent cast: customers scripted so that the last days before the end of history hold
one live case of each starter rule's trigger.

Ordinary history alone leaves the final days thin and random, so a dry-run at the end would
show few rules at work. This module adds, in proportion to the shop size (counts below are
per 3,000 customers, at least one each), customers who signed up in the last days (welcome),
left a cart 4-48 h ago (abandoned cart), browsed 1-3 days ago (browse abandonment), ordered
for the first time 1 h-15 days ago (thank you, review request), placed their third order
(VIP), last ordered 90-100 days ago (win-back), have a birthday today or tomorrow in the
shop's zone, first ordered a year ago (anniversary), are repeat buyers slipping past the
120-day active window or into the RFM groups At Risk / Can't Lose Them, or just gave a 9+
NPS or a 4+ review (advocacy).
They always accept email, and some accept SMS or push, so the rules can reach them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from random import Random
from typing import Callable

from lifecycle_tui.sample.draw import between
from lifecycle_tui.sample.history import World, browse, buy, cart_session, later, nps, pick_lines, review, signup
from lifecycle_tui.sample.people import Person, phone_number
from lifecycle_tui.sample.rows import DAY, HOUR, Rows

CAST_PER_3000 = [
    ("welcome", 14), ("cart", 16), ("browse", 14), ("first_order", 14), ("third_order", 6),
    ("winback", 12), ("birthday", 10), ("anniversary", 8), ("at_risk", 12), ("advocacy", 8),
]


def cast_counts(customers: int) -> list[tuple[str, int]]:
    """How many of each recent-cast kind a shop of ``customers`` gets (at least one of each)."""
    return [(kind, max(1, round(n * customers / 3000))) for kind, n in CAST_PER_3000]


def _ago(rng: Random, end: int, lo: float, hi: float) -> int:
    """A time between ``hi`` and ``lo`` seconds before ``end``."""
    return end - between(rng, int(lo), int(hi))


def plan(rng: Random, kind: str, world: World, shop_local_end: datetime) -> tuple[int, dict]:
    """Draw the anchor times of one cast member: ``(created, params)``."""
    end = world.end
    if kind == "welcome":
        return _ago(rng, end, HOUR / 2, 5.5 * DAY), {}
    if kind == "cart":
        return _ago(rng, end, 20 * DAY, 500 * DAY), {"t": _ago(rng, end, 4.5 * HOUR, 47 * HOUR)}
    if kind == "browse":
        # Mostly inside the rule's window (view + 24 h, caught up within a day); a few older ones.
        t = _ago(rng, end, 25 * HOUR, 47 * HOUR) if rng.random() < 0.8 else _ago(rng, end, 48 * HOUR, 71 * HOUR)
        return _ago(rng, end, 10 * DAY, 600 * DAY), {"t": t}
    if kind == "first_order":
        u = rng.random()
        t = _ago(rng, end, 1.2 * HOUR, 20 * HOUR) if u < 0.4 else _ago(rng, end, DAY, 7 * DAY) if u < 0.7 \
            else _ago(rng, end, 14 * DAY + HOUR, 15.5 * DAY)
        return t - between(rng, 120, 2 * DAY), {"t": t}
    if kind == "third_order":
        return _ago(rng, end, 150 * DAY, 500 * DAY), {"t": _ago(rng, end, 1.5 * HOUR, 3 * DAY)}
    if kind == "winback":
        return _ago(rng, end, 200 * DAY, 700 * DAY), {"t": _ago(rng, end, 90.2 * DAY, 100 * DAY)}
    if kind == "birthday":
        offset = rng.choice([0, 0, 0, 0, 0, 0, 1, 1, -1, 7])
        return _ago(rng, end, 30 * DAY, 700 * DAY), {"birthday": _birthday(rng, shop_local_end.date() + timedelta(offset))}
    if kind == "anniversary":
        day = _year_before(shop_local_end.date()) + timedelta(rng.choice([0, 0, 0, 1, -1]))
        noon = datetime(day.year, day.month, day.day, 12, tzinfo=shop_local_end.tzinfo)
        t = int(noon.timestamp()) + between(rng, -3 * HOUR, 8 * HOUR)
        return t - between(rng, HOUR, 20 * DAY), {"t": t}
    if kind == "at_risk":
        # Repeat buyers slipping: some just past the 120-day active window (stage At risk); the
        # others' last order is placed once everyone else's history is known (t None: see
        # finish_at_risk), so that their recency falls from R3 to R2 during the last week.
        last = _ago(rng, end, 118 * DAY, 126 * DAY) if rng.random() < 0.35 else None
        return _ago(rng, end, 560 * DAY, 720 * DAY), {"t": last}
    if kind == "advocacy":
        return _ago(rng, end, 100 * DAY, 600 * DAY), {
            "t": _ago(rng, end, 5 * DAY, 60 * DAY), "signal": _ago(rng, end, 2 * HOUR, 3 * DAY)}
    raise ValueError(f"unknown cast kind {kind!r}")


def _year_before(d: date) -> date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year - 1, day=28)


def _birthday(rng: Random, d: date) -> str:
    year = between(rng, 1960, 2005)
    if (d.month, d.day) == (2, 29):
        year -= year % 4
    return f"{year:04d}-{d.month:02d}-{d.day:02d}"


def _reach(rng: Random, p: Person, sms: float, push: float) -> None:
    """Give some of the cast a phone with SMS consent and a push token (the rules have SMS and push steps)."""
    if rng.random() < sms:
        if not p.phone:
            p.phone = phone_number(rng, p.tz)
        p.accepts_sms = 1
    if rng.random() < push:
        p.accepts_push = 1
        p.push_token = p.push_token or f"fcm:{rng.getrandbits(96):024x}"


def _orders_before(rows, rng, p, world, last: int, n: int, gap: tuple[int, int]) -> None:
    """``n`` counted orders ending at ``last``, spaced ``gap`` days apart, none before sign-up."""
    times = [last]
    for _ in range(n - 1):
        t = times[-1] - between(rng, gap[0] * DAY, gap[1] * DAY)
        if t <= p.created + HOUR:
            break
        times.append(t)
    for t in reversed(times):
        buy(rows, rng, p, t, world, status="paid" if world.end - t < 3 * DAY else "fulfilled")


def _maybe_past_order(rows, rng, p, world, before: int, chance: float) -> None:
    t = later(rng, p.created, between(rng, DAY, 120 * DAY))
    if rng.random() < chance and t < before:
        buy(rows, rng, p, t, world, status="fulfilled")


def _welcome(rows, rng, p, world, params):
    _reach(rng, p, 0.4, 0.3)
    signup(rows, rng, p)
    if rng.random() < 0.4:
        browse(rows, rng, p, min(p.created + between(rng, 60, 3 * HOUR), world.end - HOUR), world.end, 0)


def _cart(rows, rng, p, world, params):
    _reach(rng, p, 0.6, 0.2)
    signup(rows, rng, p)
    _maybe_past_order(rows, rng, p, world, params["t"] - 7 * DAY, 0.5)
    cart_session(rows, rng, p, params["t"], pick_lines(rng, p.fav), 2 if rng.random() < 0.5 else 1, world.end)


def _browse(rows, rng, p, world, params):
    _reach(rng, p, 0.2, 0.4)
    signup(rows, rng, p)
    _maybe_past_order(rows, rng, p, world, params["t"] - 7 * DAY, 0.4)
    browse(rows, rng, p, params["t"], params["t"] + 2 * HOUR, 0)


def _first_order(rows, rng, p, world, params):
    _reach(rng, p, 0.3, 0.3)
    signup(rows, rng, p)
    t = params["t"]
    buy(rows, rng, p, t, world, status="paid" if world.end - t < 3 * DAY else "fulfilled", track=0.8)


def _third_order(rows, rng, p, world, params):
    _reach(rng, p, 0.3, 0.2)
    signup(rows, rng, p)
    t3 = params["t"]
    t1 = later(rng, p.created, between(rng, DAY, 40 * DAY))
    t2 = t1 + between(rng, 20 * DAY, max(21 * DAY, t3 - t1 - 10 * DAY))
    for t in (t1, t2, t3):
        buy(rows, rng, p, t, world, status="paid" if world.end - t < 3 * DAY else "fulfilled")


def _winback(rows, rng, p, world, params):
    _reach(rng, p, 0.6, 0.2)
    signup(rows, rng, p)
    _orders_before(rows, rng, p, world, params["t"], rng.randint(1, 4), (30, 90))


def _birthday_kind(rows, rng, p, world, params):
    _reach(rng, p, 0.3, 0.3)
    p.birthday = params["birthday"]
    signup(rows, rng, p)
    _maybe_past_order(rows, rng, p, world, world.end - 10 * DAY, 0.7)


def _anniversary(rows, rng, p, world, params):
    _reach(rng, p, 0.2, 0.2)
    signup(rows, rng, p)
    buy(rows, rng, p, params["t"], world, status="fulfilled")
    if rng.random() < 0.4:
        buy(rows, rng, p, later(rng, params["t"], between(rng, 30 * DAY, 300 * DAY)), world, status="fulfilled")


def _at_risk(rows, rng, p, world, params):
    _reach(rng, p, 0.4, 0.2)
    signup(rows, rng, p)
    if params["t"] is None:
        return (p, params)  # orders come in finish_at_risk
    _orders_before(rows, rng, p, world, params["t"], rng.randint(3, 7), (15, 45))
    return None


def recency_crossing(rows: Rows, world: World, lookback: int) -> tuple[int, int]:
    """Whole days since the last order, at the end, that had recency score 3 ``lookback`` seconds
    earlier and score 2 at the end -- by the quintile cut of buyers' recency (oldest fifth R1,
    next fifth R2), approximated from the orders written so far. Returns an inclusive range."""
    end, before = world.end, world.end - lookback

    def r2_edge(last: dict[int, int], at: int) -> int:
        days = sorted(((at - t) // DAY for t in last.values()), reverse=True)  # oldest first
        return days[min(len(days) - 1, (2 * len(days)) // 5)] if days else 0  # first value past R2

    newest_r3_then = r2_edge(rows.last_before, before)  # about the most days still scoring R3 then
    newest_r2_now = r2_edge(rows.last_counted, end) + 1  # about the fewest days scoring R2 now
    lo, hi = newest_r2_now + 1, newest_r3_then + lookback // DAY - 1  # a day's margin each side
    return (lo, hi) if lo <= hi else (lo, lo + 2)


def finish_at_risk(rows: Rows, rng: Random, pending: list, world: World, lookback: int) -> None:
    """Orders of the at-risk cast whose last order must sit just past the R3/R2 recency cut."""
    lo, hi = recency_crossing(rows, world, lookback)
    for p, _params in pending:
        last = world.end - between(rng, lo, hi + 1) * DAY - between(rng, HOUR, 20 * HOUR)
        _orders_before(rows, rng, p, world, last, rng.randint(3, 7), (15, 45))


def _advocacy(rows, rng, p, world, params):
    _reach(rng, p, 0.3, 0.2)
    signup(rows, rng, p)
    _orders_before(rows, rng, p, world, params["t"], rng.randint(2, 4), (20, 60))
    if rng.random() < 0.5:
        nps(rows, rng, p, params["signal"], world, score=rng.choice([9, 10, 10]))
    else:
        review(rows, rng, p, params["signal"], world, p.fav or 0, rating=rng.choice([4, 5, 5]))


SIMULATE: dict[str, Callable] = {
    "welcome": _welcome, "cart": _cart, "browse": _browse, "first_order": _first_order,
    "third_order": _third_order, "winback": _winback, "birthday": _birthday_kind,
    "anniversary": _anniversary, "at_risk": _at_risk, "advocacy": _advocacy,
}


def simulate_cast(rows: Rows, rng: Random, p: Person, kind: str, world: World, params: dict):
    """Play one cast member's scripted history, then write their ``customers`` row.

    Returns what must be finished later (for :func:`finish_at_risk`), else None."""
    pending = SIMULATE[kind](rows, rng, p, world, params)
    rows.customers.append(p.row())
    return pending
