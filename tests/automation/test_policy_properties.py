"""Property test: over random small stores, no plan ever sends against consent, suppression or policy.

The checks below re-derive each rule from the raw tables (not from the planner's Policy), so a
planner bug that lets a message through shows up as a counterexample.
"""

from __future__ import annotations

import re
import shutil
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from lifecycle_tui.automation.planner import plan
from lifecycle_tui.store import open_store
from tests.automation.conftest import AS_OF, Shop

ZONES = [None, "Europe/Berlin", "America/New_York", "Asia/Tokyo"]
EVENTS = ["cart_updated", "checkout_started", "product_viewed", "nps_response", "review_submitted", "unsubscribed"]
CAPS = {"email": [(16, 1)], "sms": [(24, 1), (168, 3)], "push": [(12, 1)]}
hours = st.integers(min_value=0, max_value=24 * 12)

customer_st = st.fixed_dictionaries({
    "consent": st.tuples(*[st.integers(0, 1)] * 3),
    "email": st.booleans(), "phone": st.booleans(), "push": st.booleans(),
    "zone": st.sampled_from(ZONES),
    "birthday": st.sampled_from([None, "1990-06-30", "1985-07-01", "--06-29"]),
    "created_ago": hours,
    "suppress_email": st.booleans(), "suppress_phone": st.booleans(),
    "events": st.lists(st.tuples(st.sampled_from(EVENTS), hours, st.integers(0, 10)), max_size=4),
    "orders": st.lists(hours.map(lambda h: h * 10), max_size=3),
    "sent": st.lists(st.tuples(st.sampled_from(["email", "sms", "push"]), st.integers(0, 24 * 8)), max_size=3),
})


def _digits(s):
    return re.sub(r"\D", "", s or "")


def _build(shop: Shop, store, customers, now):
    for i, c in enumerate(customers):
        email = f"p{i}@example.com" if c["email"] else None
        phone = f"+49 151 {i:04d}-{i:03d}" if c["phone"] else None
        rowid = shop.customer(f"p{i}", created=now - timedelta(hours=c["created_ago"]), email=email, phone=phone,
                              push_token=f"tok{i}" if c["push"] else None, consent=c["consent"],
                              timezone_name=c["zone"], birthday=c["birthday"])
        with store.transaction() as conn:
            if email and c["suppress_email"]:
                conn.execute("INSERT INTO suppressions (kind, value, created_at) VALUES ('email', ?, ?)",
                             (email, now.isoformat()))
            if phone and c["suppress_phone"]:
                conn.execute("INSERT INTO suppressions (kind, value, created_at) VALUES ('phone', ?, ?)",
                             ("+" + _digits(phone), now.isoformat()))
        for type_, ago, value in c["events"]:
            shop.event(rowid, type_, now - timedelta(hours=ago), score=value, rating=min(5, value))
        for ago in c["orders"]:
            shop.order(rowid, now - timedelta(hours=ago))
        for n, (channel, ago) in enumerate(c["sent"]):
            shop.message(rowid, "old_rule", 1, f"k{n}", channel=channel, sent_at=now - timedelta(hours=ago))


def _in_quiet(when: datetime, zone: str) -> bool:
    local = when.astimezone(ZoneInfo(zone)).strftime("%H:%M")
    return local >= "21:00" or local < "09:00"


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                    HealthCheck.too_slow])
@given(customers=st.lists(customer_st, min_size=1, max_size=5), later=st.integers(0, 36),
       broadcast=st.booleans())
def test_no_send_ever_breaks_the_policy(tmp_path_factory, seeded_db, customers, later, broadcast):
    path = tmp_path_factory.mktemp("prop") / "shop.db"
    shutil.copyfile(seeded_db, path)
    with open_store(path) as store:
        if broadcast:
            with store.transaction() as conn:
                conn.execute("UPDATE rules SET enabled = 1")
        _build(Shop(store), store, customers, AS_OF)
        as_of = AS_OF + timedelta(hours=later)
        first = plan(store, as_of, render=False)
        assert first.to_json() == plan(store, as_of, render=False).to_json()  # deterministic
        rows = {r["id"]: r for r in store.conn.execute("SELECT * FROM customers")}
        supp = {(r[0], r[1]) for r in store.conn.execute("SELECT kind, value FROM suppressions")}
        sent = store.conn.execute("SELECT customer_id, channel, sent_at, dedupe_key FROM messages "
                                  "WHERE status = 'sent'").fetchall()
        sends = [d for d in first.decisions if d.action == "send"]
        assert len({d.customer_rowid for d in sends}) == len(sends)  # one per customer per run
        done = {m[3] for m in sent}
        for d in sends:
            c = rows[d.customer_rowid]
            assert c[f"accepts_{d.channel}"] == 1, d
            assert d.dedupe_key not in done
            if d.channel == "email":
                assert c["email"] and ("email", c["email"].lower()) not in supp, d
            elif d.channel == "sms":
                assert c["phone"] and ("phone", "+" + _digits(c["phone"])) not in supp, d
                assert not _in_quiet(as_of, c["timezone"] or "UTC"), d
            else:
                assert c["push_token"], d
                assert not _in_quiet(as_of, c["timezone"] or "UTC"), d
            for window, limit in CAPS[d.channel]:
                start = as_of - timedelta(hours=window)
                recent = [m for m in sent if m[0] == d.customer_rowid and m[1] == d.channel
                          and start.isoformat() < m[2] <= as_of.isoformat()]
                assert len(recent) < limit, (d, recent)
