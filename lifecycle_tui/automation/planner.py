"""The planner: every due rule step at ``as_of`` with its decision (send, skip with reason, defer).

:func:`plan` reads the store and writes nothing. For each enabled rule it finds the trigger
instances (see :mod:`.triggers`), the steps of each that are due and not yet done (no
``sent``/``claimed`` message with its dedupe key), then applies, in this order: exits, the
rule's filter, catch-up, consent / contact point / suppression, one message per customer per
run (higher priority wins, ties by rule name), quiet hours, frequency caps and rendering.

Report window: a step that became due longer ago than its rule's catch-up limit is "too late";
such decisions are only listed for steps due within 2 x catch-up (so a first run over years of
history gives a small plan, yet the owner sees what was just missed). Older instances are not
read at all. A plan for one customer (preview, explain) lists every "too late" step.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from operator import attrgetter

from lifecycle_tui.automation import context as ctxmod
from lifecycle_tui.automation.entries import allowed_entries, done_messages, entered_instances
from lifecycle_tui.automation.exits import ExitFinder
from lifecycle_tui.automation.parallel import resolve_all
from lifecycle_tui.automation.policy import Policy, one_per_address
from lifecycle_tui.automation.rules import (
    Rule, RuleError, describe_duration, list_rules, reference_problems, require_rule, template_channels,
)
from lifecycle_tui.automation.triggers import Instance, find_instances, latest_step_delay, step_due
from lifecycle_tui.store.timeutil import to_iso

DONE = ("sent", "claimed")
# plan(keep_messages=None) keeps the rendered messages of a plan this small (at most ~50 MB of
# email); a bigger one (a broadcast to the whole list) is rendered again as it is sent: measured
# on 100,000 emails, 1.35 GB -> 0.39 GB peak for `dispatch run`, and ~40% more time.
KEEP_SMALL_PLAN = 5_000


@dataclass(slots=True)
class Decision:
    rule: str
    step: int  # 1-based
    customer_rowid: int
    customer_id: str
    channel: str
    template: str
    action: str  # send | skip | defer
    reason: str | None
    due_at: str
    trigger_key: str
    dedupe_key: str
    message: object | None = None  # RenderedMessage for a rendered send (plan(keep_messages=True))
    defer_until: str | None = None
    priority: int = 0
    # The trigger instance, so that a send planned without its message can be rendered when it
    # is delivered (dispatcher.run_plan); not part of the decision's identity or JSON.
    inst: Instance | None = field(default=None, compare=False, repr=False)

    def to_json(self) -> dict:
        return {"rule": self.rule, "step": self.step, "customer_id": self.customer_id, "channel": self.channel,
                "template": self.template, "action": self.action, "reason": self.reason, "due_at": self.due_at,
                "defer_until": self.defer_until, "trigger_key": self.trigger_key, "dedupe_key": self.dedupe_key}


@dataclass
class Plan:
    as_of: datetime
    decisions: list[Decision]
    rules: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    processes: int = field(default=1, compare=False)  # processes that decided and rendered it (not in to_json)
    rule_defs: dict[str, Rule] = field(default_factory=dict, compare=False, repr=False)  # the planned rules, by name

    @property
    def summary(self) -> dict:
        actions = Counter(d.action for d in self.decisions)
        rows = Counter((d.rule, d.channel, d.action) for d in self.decisions)
        return {
            "total": len(self.decisions),
            "send": actions.get("send", 0),
            "skip": actions.get("skip", 0),
            "defer": actions.get("defer", 0),
            "by_rule": [{"rule": r, "channel": c, "action": a, "count": n}
                        for (r, c, a), n in sorted(rows.items(), key=lambda kv: (self._rank(kv[0][0]), kv[0]))],
        }

    def sends(self) -> list[tuple]:
        """The messages a run of this plan sends, ``(rule, step, customer, channel, template)``
        sorted: two plans with the same sends send the same messages (the console checks the
        plan it confirmed against one made at the moment of sending)."""
        return sorted((d.rule, d.step, d.customer_id, d.channel, d.template)
                      for d in self.decisions if d.action == "send")

    def _rank(self, rule: str) -> int:
        return self.rules.index(rule) if rule in self.rules else len(self.rules)

    def to_json(self) -> dict:
        return {"as_of": to_iso(self.as_of), "rules": self.rules, "notes": self.notes,
                "decisions": [d.to_json() for d in self.decisions], "summary": self.summary}


def dedupe_key(rule: str, step: int, customer_id: str, trigger_key: str) -> str:
    return f"{rule}:{step}:{customer_id}:{trigger_key}"


@dataclass(slots=True)
class _Cand:
    rule: Rule
    inst: Instance
    step: int
    due: datetime
    decision: Decision


def select_rules(store, rule: str | None, include_disabled: bool) -> list[Rule]:
    if rule is None:
        return list_rules(store, enabled_only=True)
    r = require_rule(store, rule)
    return [r] if (r.enabled or include_disabled) else []


_WITHIN_PRIORITY = attrgetter("rule", "customer_id", "step", "trigger_key")
_PRIORITY = attrgetter("priority")


def plan(store, as_of: datetime, rule: str | None = None, render: bool = True, *, customer: int | None = None,
         include_disabled: bool = False, include_done: bool = False, refresh: bool = True,
         processes: int | None = None, unwritten_since: int | None = None, keep_messages: bool | None = True) -> Plan:
    """The plan at ``as_of`` for every enabled rule (or the named one); no message or run is written.

    With ``refresh`` (default) the derived metrics cache (``customer_metrics``, stage and RFM
    changes) is first brought up to date for ``as_of`` -- a no-op when it already is -- because
    filters and "entered a segment" triggers read it. ``customer`` restricts the plan to one
    customer (preview, explain); ``include_done`` then also lists steps already sent.
    ``include_disabled`` plans a named rule even while it is switched off (a dry-run of a
    broadcast before enabling it). ``processes`` sets how many processes decide and render the
    customers (default: :func:`.parallel.process_count`, 1 for small plans, in a transaction or
    beside other threads); the plan is the same whatever it is. ``unwritten_since`` (from
    :func:`dry_run`): the connection's ``total_changes`` when its transaction began, so that
    workers may still read through their own connections while nothing has been written in it.
    With ``keep_messages=False`` every send is still rendered and checked (a template error still
    makes it a skip), but its message is not kept, so that a big plan does not hold every email
    in memory (~10 KB each); ``dispatcher.run_plan`` renders such a send again as it delivers
    it. ``keep_messages=None``: kept when at most :data:`KEEP_SMALL_PLAN` customers are
    rendered (a run then renders nothing twice), else not.
    """
    rules = select_rules(store, rule, include_disabled)
    result = Plan(as_of=as_of, decisions=[], rules=[r.name for r in rules], rule_defs={r.name: r for r in rules})
    if not rules:
        return result
    refreshed_uncommitted = False
    if refresh:
        from lifecycle_tui.segments import ensure_metrics

        before = store.conn.total_changes
        if ensure_metrics(store, as_of) is not None and unwritten_since == before and store.conn.in_transaction:
            # A dry-run's refresh, the only write of its transaction (rolled back at the end):
            # workers may still decide customers if they are given the stages it computed.
            refreshed_uncommitted, unwritten_since = True, store.conn.total_changes
    if rule is not None and not rules[0].enabled:
        result.notes.append(f"rule {rule!r} is disabled: this is what it would do once enabled")
    done = done_messages(store, [r.name for r in rules], customer)
    entered = entered_instances(store, rules, customer)
    cands: list[_Cand] = []
    plain: list[Decision] = []  # already decided without policy (too late, already sent, unknown)
    names = _names(store, customer)
    templates = template_channels(store)
    planned = []
    for r in rules:
        # A template deleted or changed to another channel, or a broadcast's segment removed,
        # after the rule was saved: that step (or the whole rule) is skipped with the reason,
        # never sent with the wrong template or left to fail in the transport.
        problems = reference_problems(store, r, templates)
        whole = [p for step, p in problems if step is None]
        if whole:
            result.notes.append(f"rule {r.name!r} was not planned: {whole[0]} (fix the rule or disable it)")
            continue
        planned.append(r)
        _collect(store, r, as_of, customer, done, entered, names, cands, plain, include_done, dict(problems))
    customers = {c.inst.customer for c in cands}
    policy = Policy(store, as_of, customers if customer is None else {customer})
    exits = ExitFinder(store, as_of, cands)
    filters = _filters(store, planned, as_of, customers)
    per_customer: dict[int, list[_Cand]] = defaultdict(list)
    for c in cands:
        d = c.decision
        reason = exits.reason(c.rule, c.inst)
        if reason is None and c.rule.filter and c.inst.customer not in filters[c.rule.name]:
            reason = "filter no longer matches"
        if reason is None:
            reason = policy.contact_problem(c.inst.customer, d.channel)
        if reason is not None:
            d.action, d.reason = "skip", reason
        else:
            per_customer[c.inst.customer].append(c)
    renderer = ctxmod.make_renderer(store, as_of) if render else None
    if renderer is not None:
        renderer.prefetch(per_customer)  # batch-read the customers about to be rendered
        # If workers are forked, they are given the refreshed stages their connections cannot see.
        renderer.context.hold_for_workers = refreshed_uncommitted
    # Customer by customer (each one's outcome is independent of the others'), split over forked
    # worker processes for a big plan on a multi-core machine (see .parallel: same decisions).
    # No cyclic GC meanwhile: rendering makes ~10 long-lived objects per message and (almost) no
    # cycles, and the collector would walk the growing plan again and again (~5% of a 100k plan).
    from lifecycle_tui.importers.bulk import gc_paused

    with gc_paused():  # the sort too: its key tuples would set off a collection over the whole plan
        keep = keep_messages if keep_messages is not None else len(per_customer) <= KEEP_SMALL_PLAN
        resolve = _resolve if keep else _resolve_unkept
        groups = [per_customer[cid] for cid in sorted(per_customer)]
        result.processes = resolve_all(store, groups, policy, renderer, resolve, processes, unwritten_since)
        one_per_address((c.decision for group in groups for c in group), policy)  # in customer order
        decisions = [c.decision for c in cands] + plain
        # Highest priority first, then rule, customer, step, trigger: two stable sorts on C-level
        # keys (a reverse sort keeps equal items in order) rather than a Python key per decision.
        decisions.sort(key=_WITHIN_PRIORITY)
        decisions.sort(key=_PRIORITY, reverse=True)
    result.decisions = decisions
    return result


def dry_run(store, as_of: datetime, rule: str | None = None, **options) -> Plan:
    """:func:`plan` leaving the store file exactly as it was, even when the metrics were stale.

    The metrics refresh the plan needs (and the stage/RFM changes it records) happen inside a
    transaction that is rolled back afterwards, so a dry-run at ``as_of`` shows what a run at
    ``as_of`` would do and writes nothing at all.
    """
    conn = store.conn
    if conn.in_transaction:  # inside a caller's transaction: that caller decides what is kept
        return plan(store, as_of, rule, **options)
    changes = conn.total_changes
    conn.execute("BEGIN")
    try:
        return plan(store, as_of, rule, unwritten_since=changes, **options)
    finally:
        conn.rollback()


def _collect(store, r: Rule, as_of, customer, done, entered, names, cands, plain, include_done, broken) -> None:
    catch_up = r.catch_up_td
    window = 2 * catch_up
    since = None if customer is not None else to_iso(as_of - latest_step_delay(r) - window)
    instances = find_instances(store, r, as_of, since, customer)
    instances = allowed_entries(r, instances, entered.get(r.name, {}), to_iso(as_of - latest_step_delay(r) - catch_up))
    delays = [s.delay_td for s in r.steps]
    # anchor text -> [(step, due, due text, late)] for the steps due by as_of (later steps are later
    # still); late: past the catch-up limit. Many instances share an anchor (a broadcast: all).
    dues: dict[str, list[tuple]] = {}
    numbered = list(enumerate(r.steps, start=1))
    for inst in instances:
        cust_text = names.get(inst.customer)
        if cust_text is None:
            continue
        steps_due = dues.get(inst.anchor)
        if steps_due is None:
            steps_due = dues[inst.anchor] = _steps_due(numbered, delays, datetime.fromisoformat(inst.anchor),
                                                       as_of, catch_up)
        previous_at: datetime | None = None  # when this instance's previous step went out, else was due
        for i, step, due, due_text, late in steps_due:
            if previous_at is not None and (kept_gap := step_due(r, i, due - delays[i - 1], previous_at)) > due:
                due = kept_gap  # the previous step went out (or is due) late: this one keeps its gap
                if due > as_of:
                    break
                due_text, late = to_iso(due), as_of - due > catch_up
            key = dedupe_key(r.name, i, cust_text, inst.key)
            d = Decision(r.name, i, inst.customer, cust_text, step.channel, step.template, "send", None,
                         due_text, inst.key, key, priority=r.priority, inst=inst)
            status = done.get(key)
            sent = status is not None and status[0] == "sent" and status[1]
            previous_at = datetime.fromisoformat(status[1]) if sent else due
            if status is not None and status[0] in DONE:
                if include_done:
                    when = (status[1] or "")[:16].replace("T", " ")
                    d.action = "skip"
                    d.reason = f"already sent at {when} UTC" if status[0] == "sent" else f"already being sent (claimed {when} UTC)"
                    plain.append(d)
                continue
            if status is not None and status[0] == "unknown":
                d.action, d.reason = "skip", "already attempted; the outcome is unknown, so it is not resent"
                plain.append(d)
                continue
            if late:
                if as_of - due <= window or customer is not None:
                    d.action = "skip"
                    d.reason = (f"too late: due {d.due_at[:16].replace('T', ' ')}, more than "
                                f"{describe_duration(catch_up)} ago (catch-up limit)")
                    plain.append(d)
                continue
            if i in broken:  # the step's template is missing or of another channel
                d.action, d.reason = "skip", f"rule needs fixing: {broken[i]}"
                plain.append(d)
                continue
            cands.append(_Cand(r, inst, i, due, d))


def _steps_due(numbered, delays, anchor: datetime, as_of: datetime, catch_up: timedelta) -> list[tuple]:
    """[(step number, step, due, due text, past catch-up)] of the steps due by ``as_of``, up to
    the first that is not (later steps are later still)."""
    out = []
    for (i, step), delay in zip(numbered, delays):
        due = anchor + delay
        if due > as_of:
            break
        out.append((i, step, due, to_iso(due), as_of - due > catch_up))
    return out


def _resolve_unkept(store, cands: list[_Cand], policy: Policy, renderer) -> None:
    """:func:`_resolve` without keeping the rendered messages (``plan(keep_messages=False)``)."""
    _resolve(store, cands, policy, renderer, keep=False)


def _resolve(store, cands: list[_Cand], policy: Policy, renderer, keep: bool = True) -> None:
    """One customer's eligible candidates: at most one send, by priority then rule name."""
    cands.sort(key=lambda c: (-c.rule.priority, c.rule.name, c.due, c.step, c.inst.key))
    winner: _Cand | None = None
    for c in cands:
        d = c.decision
        if winner is not None:
            w = winner.decision
            if w.rule == d.rule:
                d.action = "defer"
                d.reason = f"one message per customer per run: {w.rule} step {w.step} goes first"
            else:
                how = "higher priority" if winner.rule.priority > c.rule.priority else "same priority, earlier name"
                d.action, d.reason = "skip", f"lost to {w.rule} step {w.step} ({how}) in this run"
            continue
        until = policy.quiet_until(c.inst.customer, d.channel)
        if until is not None:
            d.action, d.defer_until = "defer", to_iso(until)
            d.reason = f"quiet hours: deferred until {policy.local_text(c.inst.customer, until)}"
            continue
        cap = policy.cap_problem(c.inst.customer, d.channel)
        if cap is not None:
            d.action, d.reason = "skip", cap
            continue
        if renderer is not None:
            message, error = ctxmod.render(store, renderer, c.rule, c.inst, d)
            if error is not None:
                d.action, d.reason = "skip", f"template error: {error}"
                continue
            if keep:
                d.message = message
        d.action, d.reason = "send", None
        winner = c
        policy.record_send(c.inst.customer, d.channel, d.rule, d.step)


def _names(store, customer: int | None) -> dict[int, str]:
    cur = store.conn.cursor()
    cur.row_factory = None  # (id, customer_id) tuples straight into the dict
    if customer is not None:
        return dict(cur.execute("SELECT id, customer_id FROM customers WHERE id = ?", (customer,)))
    return dict(cur.execute("SELECT id, customer_id FROM customers"))


def _filters(store, rules: list[Rule], as_of: datetime, customers: set[int]) -> dict[str, set[int]]:
    out: dict[str, set[int]] = {}
    for r in rules:
        if r.filter:
            from lifecycle_tui.segments import matching_customer_ids

            out[r.name] = set(matching_customer_ids(store, r.filter, as_of))
    return out


__all__ = ["Decision", "Plan", "plan", "dry_run", "dedupe_key", "RuleError"]
