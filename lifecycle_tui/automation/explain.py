"""Explain one customer: for every enabled rule, did it trigger, what was sent, what is next, and why not.

:func:`explain` combines the trigger instances of the customer (whole history), the messages
recorded for them and the planner's decisions at ``as_of`` into sentences a shop owner reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from lifecycle_tui.automation.planner import plan
from lifecycle_tui.automation.preview import describe, find_customer
from lifecycle_tui.automation.rules import Rule, list_rules
from lifecycle_tui.automation.triggers import find_instances, step_due
from lifecycle_tui.store.timeutil import to_iso
from lifecycle_tui.wording import counted

SHOW_INSTANCES = 5


def _t(text: str | None) -> str:
    return (text or "")[:16].replace("T", " ") + " UTC" if text else "-"


def trigger_words(r: Rule) -> str:
    """What the customer has to do for ``r`` to trigger, as the end of "the customer never ..."."""
    t = r.trigger
    return {
        "signup": "signed up",
        "cart_abandoned": f"left a cart without ordering within {t.get('no_order_within')}",
        "browse_abandoned": f"viewed products without a cart or an order within {t.get('no_activity_within')}",
        "first_purchase": "placed a first order",
        "nth_order": f"placed order number {t.get('n')}",
        "no_purchase": f"went {t.get('days')} days without an order after buying",
        "date_property": "had a birthday on file" if t.get("property") == "birthday" else "reached a first-order anniversary",
        "entered_segment": f"entered {' or '.join(t.get('segments', []))}",
        "advocacy": f"gave an NPS of {t.get('min_nps')}+ or a review of {t.get('min_review')}+",
        "broadcast": f"was in segment {t.get('segment')!r} when the broadcast went out ({_t(t.get('send_at'))})",
    }[r.kind]


@dataclass
class RuleExplanation:
    rule: str
    triggered: bool
    summary: str
    triggers: list[dict] = field(default_factory=list)  # the latest instances: key, at
    sent: list[dict] = field(default_factory=list)  # messages recorded: step, channel, status, at
    now: list[dict] = field(default_factory=list)  # the planner's decisions at as_of
    next_due: dict | None = None  # step, template, due_at

    def to_json(self) -> dict:
        return {"rule": self.rule, "triggered": self.triggered, "summary": self.summary, "triggers": self.triggers,
                "sent": self.sent, "now": self.now, "next_due": self.next_due}


@dataclass
class Explanation:
    customer_id: str
    as_of: datetime
    rules: list[RuleExplanation]

    def to_json(self) -> dict:
        return {"customer_id": self.customer_id, "as_of": to_iso(self.as_of),
                "rules": [r.to_json() for r in self.rules]}


def explain(store, customer: str, as_of: datetime) -> Explanation:
    """Why each enabled rule did or did not message ``customer`` (id or email) up to ``as_of``."""
    rowid, cid = find_customer(store, customer)
    p = plan(store, as_of, customer=rowid, include_done=True)
    rows = store.conn.execute(
        "SELECT rule, step, channel, template, status, reason, trigger_key, coalesce(sent_at, claimed_at) AS at "
        "FROM messages WHERE customer_id = ? ORDER BY at, step", (rowid,)).fetchall()
    out = []
    for r in list_rules(store, enabled_only=True):
        out.append(_one(store, r, rowid, as_of, [d for d in p.decisions if d.rule == r.name],
                        [dict(m) for m in rows if m["rule"] == r.name]))
    return Explanation(cid, as_of, out)


def _one(store, r: Rule, rowid: int, as_of: datetime, decisions, sent) -> RuleExplanation:
    instances = sorted(find_instances(store, r, as_of, None, rowid), key=lambda i: (i.anchor, i.key))
    e = RuleExplanation(r.name, bool(instances), "")
    e.triggers = [{"key": i.key, "at": i.anchor} for i in instances[-SHOW_INSTANCES:]]
    e.sent = [{"step": m["step"], "channel": m["channel"], "template": m["template"], "status": m["status"],
               "at": m["at"], "trigger_key": m["trigger_key"], "reason": m["reason"]} for m in sent]
    live = [d for d in decisions if not (d.reason or "").startswith(("already", "too late"))]
    e.now = [{"step": d.step, "channel": d.channel, "action": d.action, "reason": d.reason, "due_at": d.due_at,
              "trigger_key": d.trigger_key} for d in live]
    if instances:
        last = instances[-1]
        anchor = datetime.fromisoformat(last.anchor)
        sent_at = {m["step"]: datetime.fromisoformat(m["at"]) for m in sent
                   if m["trigger_key"] == last.key and m["status"] == "sent" and m["at"]}
        previous_at = None  # as the planner counts it: the previous step's send, else its due time
        for i, s in enumerate(r.steps, start=1):
            due = step_due(r, i, anchor, previous_at)
            previous_at = sent_at.get(i, due)
            if due > as_of:
                e.next_due = {"step": i, "template": s.template, "channel": s.channel, "due_at": to_iso(due),
                              "trigger_key": last.key}
                break
    if e.next_due is None and r.kind == "date_property" and (instances or r.trigger["property"] == "birthday"):
        e.next_due = _next_date(store, r, rowid, as_of)
    e.summary = _summary(r, instances, e, live, decisions)
    if not instances and r.kind == "entered_segment":
        e.summary = _in_it_from_the_start(store, r, rowid, as_of) or e.summary
    return e


def _in_it_from_the_start(store, r: Rule, rowid: int, as_of: datetime) -> str | None:
    """For an entered_segment rule that never fired: say so when the customer was in one of its
    segments from the first computation on (a baseline, not a move into it), which the
    profile's history shows as "- → Can't Lose Them" and would otherwise read as a contradiction."""
    names = r.trigger.get("segments") or []
    if not names or not store.has_table("segment_changes"):
        return None
    kind = "" if r.trigger.get("of", "any") == "any" else " AND kind = ?"
    row = store.conn.execute(
        f"SELECT to_value, changed_at FROM segment_changes WHERE customer_id = ? AND from_value IS NULL "
        f"AND to_value IN ({','.join('?' * len(names))}){kind} AND changed_at <= ? ORDER BY changed_at LIMIT 1",
        (rowid, *names, *(() if not kind else (r.trigger["of"],)), to_iso(as_of))).fetchone()
    if row is None:
        return None
    return (f"Not triggered: the customer was already in {row[0]} when stages and RFM segments were first "
            f"computed ({_t(row[1])}); only a later move into {' or '.join(names)} counts.")


def _next_date(store, r: Rule, rowid: int, as_of: datetime) -> dict | None:
    """The next birthday or anniversary step (a date property is known ahead of time)."""
    ahead = [i for i in find_instances(store, r, as_of + timedelta(days=366), to_iso(as_of), rowid)
             if i.anchor > to_iso(as_of)]
    if not ahead:
        return None
    first = min(ahead, key=lambda i: i.anchor)
    s = r.steps[0]
    due = datetime.fromisoformat(first.anchor) + s.delay_td
    return {"step": 1, "template": s.template, "channel": s.channel, "due_at": to_iso(due), "trigger_key": first.key}


def _summary(r: Rule, instances, e: RuleExplanation, live, decisions) -> str:
    if not instances:
        if e.next_due:
            return (f"Not triggered yet: step 1 ({e.next_due['template']}) is due "
                    f"{_t(e.next_due['due_at'])} ({e.next_due['trigger_key']}).")
        return f"Not triggered: the customer never {trigger_words(r)}."
    last = instances[-1]
    parts = [f"Triggered {counted(len(instances), 'time')}, last {_t(last.anchor)} ({last.key})."]
    done = [m for m in e.sent if m["status"] == "sent"]
    if done:
        steps = ", ".join(f"step {m['step']} ({m['channel']}) at {_t(m['at'])}" for m in done[-3:])
        parts.append(f"Sent: {steps}.")
    failed = [m for m in e.sent if m["status"] in ("failed", "unknown")]
    if failed:
        m = failed[-1]
        parts.append(f"Step {m['step']} {m['status']}: {m['reason'] or 'no reason recorded'}.")
    for d in sorted(live, key=lambda d: d.step):
        parts.append(f"Now, step {d.step} ({d.channel}): {describe(d)}.")
    late = [d for d in decisions if (d.reason or "").startswith("too late") and d.trigger_key == last.key]
    if late and not live:
        parts.append(f"Step {late[-1].step} was not sent: {late[-1].reason}.")
    if e.next_due:
        parts.append(f"Next: step {e.next_due['step']} ({e.next_due['template']}) due {_t(e.next_due['due_at'])}.")
    elif not live and not done and not late:
        parts.append("Nothing is due: this trigger does not start the rule again for this customer "
                     f"(re-entry: {r.describe_reentry()}).")
    return " ".join(parts)
