"""What a plan must not repeat: the messages of its rules already taken (sent, claimed or of
unknown outcome, by dedupe key), the trigger instances customers already entered, and the
re-entry rule (once ever, or again after N days) that decides which new instances count.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from lifecycle_tui.automation.rules import Rule
from lifecycle_tui.automation.triggers import Instance
from lifecycle_tui.store.timeutil import to_iso


def _taken_messages(rule_names, customer: int | None) -> tuple[str, tuple]:
    """WHERE clause and parameters for messages of these rules that are sent, claimed or of
    unknown outcome (the ones a plan must never send again), optionally for one customer."""
    marks = ",".join("?" * len(rule_names))
    where = f"rule IN ({marks}) AND status IN ('sent', 'claimed', 'unknown')"
    params: tuple = tuple(rule_names)
    if customer is not None:
        where += " AND customer_id = ?"
        params += (customer,)
    return where, params


def done_messages(store, rule_names: list[str], customer: int | None) -> dict[str, tuple[str, str]]:
    """dedupe_key -> (status, when) for messages of these rules that are sent, claimed or unknown."""
    where, params = _taken_messages(rule_names, customer)
    sql = f"SELECT dedupe_key, status, coalesce(sent_at, claimed_at) FROM messages WHERE {where}"
    return {r[0]: (r[1], r[2]) for r in store.conn.execute(sql, params)}


def entered_instances(store, rules: list[Rule], customer: int | None) -> dict[str, dict[int, list[tuple[str, str]]]]:
    """rule -> customer -> [(trigger_key, entry time)] for instances that already got a message."""
    by_name = {r.name: r for r in rules}
    where, params = _taken_messages(list(by_name), customer)
    sql = f"SELECT rule, customer_id, trigger_key, min(due_at), min(step) FROM messages WHERE {where}"
    out: dict[str, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    for rule, cid, key, due, step in store.conn.execute(sql + " GROUP BY rule, customer_id, trigger_key", params):
        r = by_name[rule]
        delay = r.steps[step - 1].delay_td if step <= len(r.steps) else timedelta(0)
        out[rule][cid].append((key, to_iso(datetime.fromisoformat(due) - delay)))
    return out


def allowed_entries(r: Rule, instances: list[Instance], entered: dict[int, list], live_since: str) -> list[Instance]:
    """Keep the instances a customer may enter: once ever, or again after N days.

    An instance whose every step is already past catch-up (anchored before ``live_since``) is
    kept for the "too late" report but does not count as an entry: it never sent anything.
    """
    gap = r.reentry_after
    if not entered and len({inst.customer for inst in instances}) == len(instances):
        return instances  # one instance per customer and nobody entered before: all kept (a broadcast)
    by_customer: dict[int, list[Instance]] = defaultdict(list)
    for inst in instances:
        by_customer[inst.customer].append(inst)
    kept: list[Instance] = []
    for cid, insts in by_customer.items():
        past = entered.get(cid, [])
        if not past and len(insts) == 1:  # the common case: nothing to weigh
            kept.append(insts[0])
            continue
        past_keys = {k for k, _ in past}
        times = sorted(t for _, t in past)
        insts.sort(key=lambda i: (i.anchor, i.key))
        for inst in insts:
            if inst.key in past_keys:
                kept.append(inst)  # already entered: its remaining steps go on
                continue
            earlier = [t for t in times if t <= inst.anchor]
            if gap is None:
                if times:
                    continue  # once ever, and this customer already entered
            elif earlier and datetime.fromisoformat(inst.anchor) - datetime.fromisoformat(earlier[-1]) < gap:
                continue
            kept.append(inst)
            if inst.anchor >= live_since:
                times = sorted(times + [inst.anchor])
    return kept
