"""Send policy: consent, contact points, suppression, frequency caps and quiet hours.

:class:`Policy` loads what it needs once per plan (settings, suppressions, recent messages,
customer contact rows) so that checking one candidate is a few dict look-ups.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from lifecycle_tui.store import settings
from lifecycle_tui.store.addresses import normalise_phone
from lifecycle_tui.store.timeutil import UTC, to_iso, zone


@dataclass(slots=True)
class Contact:
    rowid: int
    customer_id: str
    email: str | None
    phone: str | None
    push_token: str | None
    accepts: dict  # channel -> consent; shared between contacts with the same consents: never changed
    timezone: str | None


@dataclass(frozen=True, slots=True)
class Sent:
    """A message that counts against caps: already sent, or decided ``send`` earlier in this plan."""

    at: str
    rule: str
    step: int
    in_plan: bool = False
    customer_id: str = ""  # the shop's id of the customer it went to (for messages to a shared address)


_CONTACT_SQL = ("SELECT id, customer_id, email, email_norm, phone, push_token, accepts_email, accepts_sms, "
                "accepts_push, timezone FROM customers")


class Policy:
    """The send policy at ``as_of`` for the customers of one plan."""

    def __init__(self, store, as_of: datetime, customers: set[int] | None = None):
        self.as_of = as_of
        self.as_of_iso = to_iso(as_of)
        s = settings.get_all(store)
        self.shop_tz = s["shop.timezone"]
        self.quiet = (s["quiet.start"], s["quiet.end"])
        # channel -> [(window, max count)]; 0 hours or 0 count means no cap
        self.caps = {
            "email": [(timedelta(hours=s["caps.email_hours"]), 1)],
            "sms": [(timedelta(hours=s["caps.sms_hours"]), 1), (timedelta(days=7), s["caps.sms_per_week"])],
            "push": [(timedelta(hours=s["caps.push_hours"]), 1)],
        }
        self._starts: dict[timedelta, str] = {}  # cap window -> its start as ISO text
        self.suppressed = {(r[0], r[1]): r[2] for r in store.conn.execute(
            "SELECT kind, value, reason FROM suppressions")}
        self.contacts = self._load_contacts(store, customers)
        self.history = self._load_history(store, customers)

    def _load_contacts(self, store, customers):
        cur = store.conn.cursor()
        cur.row_factory = None  # plain tuples: a big plan reads every customer
        if customers is not None and len(customers) <= 500:
            ids = sorted(customers)
            rows = cur.execute(f"{_CONTACT_SQL} WHERE id IN ({','.join('?' * len(ids))})", ids) if ids else []
        else:
            rows = cur.execute(_CONTACT_SQL)
        out = {}
        consents: dict[tuple, dict] = {}  # the few consent combinations, one (read-only) dict each
        for rowid, cid, email, norm, phone, token, by_email, by_sms, by_push, tz in rows:
            accepts = consents.get((by_email, by_sms, by_push))
            if accepts is None:
                accepts = consents[(by_email, by_sms, by_push)] = {"email": bool(by_email), "sms": bool(by_sms),
                                                                   "push": bool(by_push)}
            out[rowid] = Contact(rowid, cid, norm or (email or "").strip().lower() or None, phone, token, accepts, tz)
        return out

    def _load_history(self, store, customers):
        """Messages sent within the longest cap window, per (customer, channel), and per
        (channel, address) across all customers (see :func:`one_per_address`)."""
        longest = max(w for caps in self.caps.values() for w, _ in caps)
        since = to_iso(self.as_of - longest)
        rows = store.conn.execute(
            "SELECT m.customer_id, m.channel, m.sent_at, m.rule, m.step, c.customer_id, "
            "coalesce(c.email_norm, lower(trim(c.email))), c.phone, "
            "c.push_token FROM messages m JOIN customers c ON c.id = m.customer_id WHERE m.status = 'sent' "
            "AND m.sent_at > ? AND m.sent_at <= ? ORDER BY m.sent_at, m.id", (since, self.as_of_iso))
        history: dict[tuple[int, str], list[Sent]] = {}
        self.to_address: dict[tuple[str, str], list[Sent]] = {}
        for cid, channel, at, rule, step, shop_id, email, phone, token in rows:
            sent = Sent(at, rule, step, customer_id=shop_id)
            if customers is None or cid in customers:
                history.setdefault((cid, channel), []).append(sent)
            address = _address(channel, email, phone, token)
            if address:
                self.to_address.setdefault((channel, address), []).append(sent)
        return history

    # ---- checks: each returns None when the message may go, else the reason --------------

    def contact_problem(self, rowid: int, channel: str) -> str | None:
        """No consent, no contact point, or a suppressed contact (in that order)."""
        c = self.contacts.get(rowid)
        if c is None:
            return "no contact point (customer not found)"
        if not c.accepts[channel]:
            return f"no consent for {channel}"
        if channel == "email":
            if not c.email:
                return "no contact point: no email address"
            why = self.suppressed.get(("email", c.email))
            if why is not None:
                return f"suppressed: {c.email} is on the suppression list ({why})"
        elif channel == "sms":
            phone = normalise_phone(c.phone)
            if not phone:
                return "no contact point: no phone number"
            why = self.suppressed.get(("phone", phone))
            if why is not None:
                return f"suppressed: {c.phone} is on the suppression list ({why})"
        elif not c.push_token:
            return "no contact point: no push token"
        return None

    def cap_problem(self, rowid: int, channel: str) -> str | None:
        return self.over_cap(self.history.get((rowid, channel)), channel, "")

    def over_cap(self, sent: list[Sent] | None, channel: str, to_whom: str) -> str | None:
        """The cap reason when ``sent`` (messages on ``channel``, oldest first) already fills a
        cap window, else None. ``to_whom``: " to one email address" for an address's messages."""
        if not sent:
            return None
        for window, limit in self.caps[channel]:
            if window <= timedelta(0) or limit <= 0:
                continue
            start = self._starts.get(window) or self._starts.setdefault(window, to_iso(self.as_of - window))
            within = [m for m in sent if m.at > start]
            if len(within) >= limit:
                last = within[-1]
                what = "in this run" if last.in_plan else f"at {last.at}"
                whose = f"customer {last.customer_id}'s " if to_whom else ""
                return (f"frequency cap: at most {limit} {channel} per {_span(window)}{to_whom}; "
                        f"{whose}{last.rule} step {last.step} {'is sent' if last.in_plan else 'was sent'} {what}")
        return None

    def record_send(self, rowid: int, channel: str, rule: str, step: int) -> None:
        """A ``send`` decided in this plan counts against later caps in the same plan."""
        self.history.setdefault((rowid, channel), []).append(Sent(self.as_of_iso, rule, step, in_plan=True))

    def address(self, rowid: int, channel: str) -> str | None:
        """Where a message on ``channel`` goes for this customer (email and phone normalised,
        the push token), so that two customers with one address can be told apart."""
        c = self.contacts.get(rowid)
        return None if c is None else _address(channel, c.email, c.phone, c.push_token)

    def quiet_until(self, rowid: int, channel: str) -> datetime | None:
        """For SMS and push in the customer's quiet hours: when they end (UTC), else None."""
        if channel == "email":
            return None
        start, end = self.quiet
        if start == end:
            return None
        c = self.contacts.get(rowid)
        tz = zone((c.timezone if c else None) or self.shop_tz)
        local = self.as_of.astimezone(tz)
        now = local.strftime("%H:%M")
        inside = (start <= now < end) if start < end else (now >= start or now < end)
        if not inside:
            return None
        eh, em = (int(x) for x in end.split(":"))
        until = local.replace(hour=eh, minute=em, second=0, microsecond=0)
        if until <= local:
            until = (local + timedelta(days=1)).replace(hour=eh, minute=em, second=0, microsecond=0)
            until = until.replace(tzinfo=tz)  # re-resolve the offset across a DST change
        return until.astimezone(UTC)

    def local_text(self, rowid: int, when: datetime) -> str:
        c = self.contacts.get(rowid)
        tz_name = (c.timezone if c else None) or self.shop_tz
        return when.astimezone(zone(tz_name)).strftime(f"%Y-%m-%d %H:%M {tz_name}")


def _address(channel: str, email: str | None, phone: str | None, token: str | None) -> str | None:
    """Where a message on ``channel`` goes: the (normalised) email, the phone's digits, the push token."""
    address = email if channel == "email" else normalise_phone(phone) if channel == "sms" else token
    return address or None


_ADDRESS_WORD = {"email": "email address", "sms": "phone number", "push": "device"}


def one_per_address(decisions, policy: Policy) -> None:
    """The caps again, per address instead of per customer: two customers with one email
    address (or phone, or device; a couple, a duplicate record) share its caps, so a shared
    inbox does not get two welcome emails at once. Applied to the sends decided per customer,
    in ``decisions``' order (the first keeps its message); a send over an address's cap
    becomes a skip naming whose message went, or goes, there."""
    for d in decisions:
        if d.action != "send":
            continue
        address = policy.address(d.customer_rowid, d.channel)
        if address is None:
            continue
        sent = policy.to_address.setdefault((d.channel, address), [])
        reason = policy.over_cap(sent, d.channel, f" to one {_ADDRESS_WORD[d.channel]}")
        if reason is not None:
            d.action, d.reason, d.message = "skip", reason, None
        else:
            sent.append(Sent(policy.as_of_iso, d.rule, d.step, in_plan=True, customer_id=d.customer_id))


def _span(window: timedelta) -> str:
    hours = int(window.total_seconds() // 3600)
    if hours == 168:
        return "week"
    return f"{hours} h"
