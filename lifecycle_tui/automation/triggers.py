"""Trigger instances: every cart, lapse, birthday ... that starts a rule for a customer.

One set-based query per trigger kind over events, orders, customers and segment_changes,
reading only data at or before ``as_of`` (first orders come from customer_metrics when it is
current for ``as_of``: the same answer without a pass over the orders). Each :class:`Instance` has a stable ``key`` (part
of the message dedupe key) and an ``anchor`` time (UTC ISO text) from which step delays count.
``since`` bounds anchors from below (the planner's report window); ``customer`` restricts to
one customer (preview, explain).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from lifecycle_tui.automation.rules import Rule, parse_duration
from lifecycle_tui.store import settings
from lifecycle_tui.store.timeutil import UTC, to_iso, zone

# Cancelled and refunded orders never count as purchases (same rule as store.customers).
COUNTED = "status NOT IN ('cancelled', 'refunded')"
# ISO text + N seconds, back to the stored form, so text comparison stays time order.
_PLUS = "strftime('%Y-%m-%dT%H:%M:%S+00:00', {col}, '+' || {secs} || ' seconds')"


@dataclass(frozen=True, slots=True)
class Instance:
    customer: int  # customers.id
    key: str  # the trigger instance, e.g. "cart:812"
    anchor: str  # UTC ISO: step delays count from here
    ref: tuple | None = None  # ("event", events.id) / ("order", orders.id) for the render context


def find_instances(store, rule: Rule, as_of: datetime, since: str | None = None,
                   customer: int | None = None) -> list[Instance]:
    """Every instance of ``rule``'s trigger with ``since <= anchor <= as_of``."""
    finder = _FINDERS[rule.kind]
    return finder(store, rule.trigger, to_iso(as_of), since or "", customer, as_of)


def _cust(customer: int | None, col: str) -> tuple[str, tuple]:
    return (f" AND {col} = ?", (customer,)) if customer is not None else ("", ())


def _signup(store, t, as_of, since, customer, _dt):
    where, params = _cust(customer, "c.id")
    sql = f"""
        SELECT id, anchor FROM (
          SELECT c.id, coalesce(c.created_at, (SELECT min(e.occurred_at) FROM events e
                 WHERE e.customer_id = c.id AND e.type = 'subscribed')) AS anchor
          FROM customers c WHERE 1 {where})
        WHERE anchor IS NOT NULL AND anchor <= ? AND anchor >= ?"""
    return [Instance(r[0], "signup", r[1]) for r in store.conn.execute(sql, (*params, as_of, since))]


def _in(values) -> str:
    return ",".join("?" * len(values))


def _cart(store, t, as_of, since, customer, _dt):
    types = t["events"]
    wait = int(parse_duration(t["no_order_within"]).total_seconds())
    where, params = _cust(customer, "e.customer_id")
    # The last cart activity of a burst (no further cart event within the wait), not followed
    # by an order within the wait: that cart was abandoned.
    sql = f"""
        SELECT e.id, e.customer_id, e.occurred_at FROM events e
        WHERE e.type IN ({_in(types)}) AND e.occurred_at <= ? AND e.occurred_at >= ? {where}
          AND NOT EXISTS (SELECT 1 FROM events e2 WHERE e2.customer_id = e.customer_id
                AND e2.type IN ({_in(types)}) AND (e2.occurred_at, e2.id) > (e.occurred_at, e.id)
                AND e2.occurred_at <= {_PLUS.format(col='e.occurred_at', secs=wait)} AND e2.occurred_at <= ?)
          AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = e.customer_id AND o.{COUNTED}
                AND o.placed_at > e.occurred_at AND o.placed_at <= {_PLUS.format(col='e.occurred_at', secs=wait)}
                AND o.placed_at <= ?)"""
    rows = store.conn.execute(sql, (*types, as_of, since, *params, *types, as_of, as_of))
    return [Instance(r[1], f"cart:{r[0]}", r[2], ("event", r[0])) for r in rows]


def _browse(store, t, as_of, since, customer, _dt):
    types = t["events"]
    wait = int(parse_duration(t["no_activity_within"]).total_seconds())
    where, params = _cust(customer, "e.customer_id")
    plus = _PLUS.format(col="e.occurred_at", secs=wait)
    # The last view of a browsing burst, with no cart activity or order within the wait.
    sql = f"""
        SELECT e.id, e.customer_id, e.occurred_at FROM events e
        WHERE e.type IN ({_in(types)}) AND e.occurred_at <= ? AND e.occurred_at >= ? {where}
          AND NOT EXISTS (SELECT 1 FROM events e2 WHERE e2.customer_id = e.customer_id
                AND ((e2.type IN ({_in(types)}) AND (e2.occurred_at, e2.id) > (e.occurred_at, e.id))
                     OR (e2.type IN ('cart_updated', 'checkout_started') AND e2.occurred_at >= e.occurred_at))
                AND e2.occurred_at <= {plus} AND e2.occurred_at <= ?)
          AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = e.customer_id AND o.{COUNTED}
                AND o.placed_at >= e.occurred_at AND o.placed_at <= {plus} AND o.placed_at <= ?)"""
    rows = store.conn.execute(sql, (*types, as_of, since, *params, *types, as_of, as_of))
    return [Instance(r[1], f"browse:{r[0]}", r[2], ("event", r[0])) for r in rows]


def _numbered_orders(store, as_of, since, customer, n: int):
    """Orders that are a customer's n-th counted order, placed in [since, as_of]."""
    where, cparams = _cust(customer, "o.customer_id")
    # Counting earlier orders per candidate (index orders_customer_placed) instead of numbering
    # every order in the store keeps this proportional to the window, not the history.
    sql = f"""
        SELECT o.id, o.order_id, o.customer_id, o.placed_at FROM orders o
        WHERE o.{COUNTED} AND o.placed_at >= ? AND o.placed_at <= ? {where}
          AND (SELECT count(*) FROM (SELECT 1 FROM orders p WHERE p.customer_id = o.customer_id AND p.{COUNTED}
               AND (p.placed_at, p.id) < (o.placed_at, o.id) LIMIT ?)) = ?"""
    # LIMIT n: a buyer with years of orders is ruled out after n earlier ones, not all of them.
    return store.conn.execute(sql, (since, as_of, *cparams, n, n - 1))


def _first_purchase(store, t, as_of, since, customer, as_of_dt):
    from lifecycle_tui.segments import is_fresh

    if is_fresh(store, as_of_dt):  # the metrics know each buyer's first order time: no pass over the window's orders
        where, params = _cust(customer, "m.customer_id")
        rows = store.conn.execute(f"""
            SELECT o.id, o.order_id, o.customer_id, o.placed_at FROM customer_metrics m
            JOIN orders o ON o.id = (SELECT p.id FROM orders p WHERE p.customer_id = m.customer_id AND p.{COUNTED}
                                     ORDER BY p.placed_at, p.id LIMIT 1)
            WHERE m.first_order_at >= ? AND m.first_order_at <= ? {where}
            ORDER BY o.placed_at, o.id""", (since, as_of, *params))
    else:
        rows = _numbered_orders(store, as_of, since, customer, 1)
    return [Instance(r[2], f"order:{r[1]}", r[3], ("order", r[0])) for r in rows]


def _nth_order(store, t, as_of, since, customer, _dt):
    rows = _numbered_orders(store, as_of, since, customer, t["n"])
    return [Instance(r[2], f"order:{r[1]}", r[3], ("order", r[0])) for r in rows]


def _no_purchase(store, t, as_of, since, customer, as_of_dt):
    gap = timedelta(days=t["days"])
    secs = t["days"] * 86400
    where, params = _cust(customer, "customer_id")
    lowest = to_iso(datetime.fromisoformat(since) - gap) if since else ""
    # Each gap of N days after an order with no order in it is one lapse, anchored at its end.
    sql = f"""
        SELECT o.id, o.order_id, o.customer_id, o.lapse FROM (
          SELECT id, order_id, customer_id, placed_at, {_PLUS.format(col='placed_at', secs=secs)} AS lapse
          FROM orders WHERE {COUNTED} AND placed_at >= ? AND placed_at <= ? {where}) o
        WHERE NOT EXISTS (SELECT 1 FROM orders p WHERE p.customer_id = o.customer_id AND p.{COUNTED}
              AND (p.placed_at, p.id) > (o.placed_at, o.id) AND p.placed_at <= o.lapse)"""
    rows = store.conn.execute(sql, (lowest, to_iso(as_of_dt - gap), *params))
    return [Instance(r[2], f"lapse:{r[1]}", r[3], ("order", r[0])) for r in rows]


def _on_day(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:  # 29 February outside a leap year: the 28th
        return date(year, month, 28)


def _month_days(since: str, as_of_dt: datetime) -> list[str] | None:
    """The "MM-DD" days an anchor in [since, as_of] can fall on (a day either side for time zones)."""
    if not since:
        return None
    first = datetime.fromisoformat(since).date() - timedelta(days=1)
    last = as_of_dt.date() + timedelta(days=1)
    if (last - first).days > 366:
        return None
    out = {(first + timedelta(days=i)).strftime("%m-%d") for i in range((last - first).days + 1)}
    if "02-28" in out:
        out.add("02-29")  # shown on the 28th outside leap years
    return sorted(out)


def _date_property(store, t, as_of, since, customer, as_of_dt):
    hh, mm = (int(x) for x in t["at"].split(":"))
    shop_tz = settings.get(store, "shop.timezone")
    days = _month_days(since, as_of_dt)
    if t["property"] == "birthday":
        where, params = _cust(customer, "id")
        if days is not None:
            where += f" AND substr(birthday, -5) IN ({_in(days)})"
            params += tuple(days)
        rows = store.conn.execute(
            f"SELECT id, birthday, timezone, NULL FROM customers WHERE birthday IS NOT NULL AND birthday != '' {where}",
            params)
        prefix, min_years = "birthday", 0
    else:
        rows = _first_orders(store, as_of, as_of_dt, customer, days)
        prefix, min_years = "anniversary", 1
    out = []
    years = (as_of_dt.year - 1, as_of_dt.year)
    for cid, value, tz, ref in rows:
        text = str(value)
        try:
            if prefix == "birthday":  # YYYY-MM-DD, or --MM-DD when the year is unknown
                month, day, first_year = int(text[-5:-3]), int(text[-2:]), 0
                _on_day(2000, month, day)  # refuses a month or day out of range
            else:  # the local date of the first order
                local = datetime.fromisoformat(text).astimezone(zone(tz or shop_tz))
                month, day, first_year = local.month, local.day, local.year
        except ValueError:
            continue  # an unreadable birthday never triggers
        for year in years:
            if prefix != "birthday" and year - first_year < min_years:
                continue
            local = datetime.combine(_on_day(year, month, day), time(hh, mm), zone(tz or shop_tz))
            anchor = to_iso(local.astimezone(UTC))
            if since <= anchor <= as_of:
                if prefix == "anniversary":
                    ref = _first_order_id(store, cid, value)
                out.append(Instance(cid, f"{prefix}:{year}", anchor, ("order", ref) if ref else None))
    return out


def _first_orders(store, as_of: str, as_of_dt: datetime, customer: int | None, days: list[str] | None):
    """(customer, first counted order's time, timezone, None) of buyers whose first order fell on
    one of ``days`` ("MM-DD" of its UTC time; None: any day), in customer order."""
    from lifecycle_tui.segments import is_fresh

    in_days = f" IN ({_in(days)})" if days is not None else " IS NOT NULL"
    if is_fresh(store, as_of_dt):  # the metrics hold each buyer's first order time at as_of: no pass over orders
        where, params = _cust(customer, "m.customer_id")
        return store.conn.execute(
            f"SELECT m.customer_id, m.first_order_at, c.timezone, NULL FROM customer_metrics m "
            f"JOIN customers c ON c.id = m.customer_id WHERE m.first_order_at IS NOT NULL {where} "
            f"AND substr(m.first_order_at, 6, 5){in_days} ORDER BY m.customer_id", (*params, *(days or ())))
    where, params = _cust(customer, "o.customer_id")
    return store.conn.execute(
        f"SELECT o.customer_id, min(o.placed_at), c.timezone, NULL FROM orders o "
        f"JOIN customers c ON c.id = o.customer_id WHERE o.{COUNTED} AND o.placed_at <= ? {where} "
        f"GROUP BY o.customer_id HAVING substr(min(o.placed_at), 6, 5){in_days}", (as_of, *params, *(days or ())))


def _first_order_id(store, customer: int, placed_at: str) -> int | None:
    """The row id of the customer's first counted order (placed at ``placed_at``; the lowest id on a tie)."""
    return store.scalar(f"SELECT min(id) FROM orders WHERE customer_id = ? AND placed_at = ? AND {COUNTED}",
                        (customer, placed_at))


def _entered_segment(store, t, as_of, since, customer, _dt):
    if not store.has_table("segment_changes"):
        return []
    names = t["segments"]
    where, params = _cust(customer, "customer_id")
    kind = "" if t["of"] == "any" else " AND kind = ?"
    kparams = () if t["of"] == "any" else (t["of"],)
    # A change from nothing is the first computation (a baseline), not someone entering.
    sql = (f"SELECT customer_id, to_value, changed_at FROM segment_changes WHERE to_value IN ({_in(names)})"
           f"{kind} AND from_value IS NOT NULL AND changed_at <= ? AND changed_at >= ? {where}")
    rows = store.conn.execute(sql, (*names, *kparams, as_of, since, *params))
    return [Instance(r[0], f"entered:{r[1]}:{r[2]}", r[2]) for r in rows]


def _advocacy(store, t, as_of, since, customer, _dt):
    where, params = _cust(customer, "customer_id")
    # NPS answers carry `score` (or `nps`), reviews carry `rating`.
    sql = f"""
        SELECT id, customer_id, occurred_at FROM events
        WHERE occurred_at <= ? AND occurred_at >= ? {where} AND (
          (type = 'nps_response' AND CAST(coalesce(json_extract(properties, '$.score'),
                                                   json_extract(properties, '$.nps')) AS REAL) >= ?)
          OR (type = 'review_submitted' AND CAST(json_extract(properties, '$.rating') AS REAL) >= ?))"""
    rows = store.conn.execute(sql, (as_of, since, *params, t["min_nps"], t["min_review"]))
    return [Instance(r[1], f"advocacy:{r[0]}", r[2], ("event", r[0])) for r in rows]


def _broadcast(store, t, as_of, since, customer, as_of_dt):
    send_at = t["send_at"]
    if not (since <= send_at <= as_of):
        return []
    from lifecycle_tui.segments import matching_customer_ids, resolve_segment

    try:
        audience = resolve_segment(store, t["segment"])
    except LookupError:  # the segment was removed: nobody (the planner says so in its notes)
        return []
    ids = matching_customer_ids(store, audience, as_of_dt)
    if customer is not None:
        ids = [i for i in ids if i == customer]
    key = f"broadcast:{send_at}"
    return [Instance(cid, key, send_at) for cid in ids]


_FINDERS = {
    "signup": _signup,
    "cart_abandoned": _cart,
    "browse_abandoned": _browse,
    "first_purchase": _first_purchase,
    "nth_order": _nth_order,
    "no_purchase": _no_purchase,
    "date_property": _date_property,
    "entered_segment": _entered_segment,
    "advocacy": _advocacy,
    "broadcast": _broadcast,
}


def step_due(rule: Rule, step: int, anchor: datetime, previous_at: datetime | None = None) -> datetime:
    """When step ``step`` (1-based) of an instance anchored at ``anchor`` is due: ``anchor`` plus
    its delay, and never sooner than the gap between the two delays after the previous step
    (``previous_at``: when it was sent, else when it was due itself). Steps keep their gaps: step
    1 sent late (a catch-up run, quiet hours, a run that let step 1 go first) moves step 2 on by
    as much, and step 3 after it, so "a push 3 days later" is not sent minutes after the email."""
    due = anchor + rule.steps[step - 1].delay_td
    if previous_at is not None and step > 1:
        due = max(due, previous_at + (rule.steps[step - 1].delay_td - rule.steps[step - 2].delay_td))
    return due


def latest_step_delay(rule: Rule) -> timedelta:
    return max(s.delay_td for s in rule.steps)
