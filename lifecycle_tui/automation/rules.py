"""Trigger rules: the model, its validation and its storage with a version per save.

A rule lives in the ``rules`` table: ``name``, ``enabled``, ``priority`` columns plus a JSON
``definition``::

    {"description": "...",
     "trigger": {"kind": "cart_abandoned", "no_order_within": "4h"},
     "filter": "accepts_sms = true",            # segment language, optional
     "steps": [{"delay": "4h", "channel": "email", "template": "cart_abandoned"}, ...],
     "exits": ["ordered_since_trigger"],
     "reentry": "once" | {"after_days": 7},
     "catch_up": "2d"}

Every save (including enable/disable) writes a new ``rule_versions`` row. Validation raises
:class:`RuleError` naming the rule, the field and the reason.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from datetime import timedelta

from lifecycle_tui.automation.trigger_kinds import (  # noqa: F401 - re-exported for callers
    MAX_DELAY, TRIGGERS, describe_duration, parse_duration, pos_int,
)
from lifecycle_tui.store.timeutil import to_iso, utcnow
from lifecycle_tui.wording import counted, noun, with_article

CHANNELS = ("email", "sms", "push")
EXITS = ("ordered_since_trigger", "unsubscribed")


class RuleError(ValueError):
    """A rule was refused; the message names the rule, the field and the reason."""


_NAME = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,63}$")


@dataclass(frozen=True)
class Step:
    delay: str
    channel: str
    template: str

    @property
    def delay_td(self) -> timedelta:
        return parse_duration(self.delay)

    def to_dict(self) -> dict:
        return {"delay": self.delay, "channel": self.channel, "template": self.template}


@dataclass
class Rule:
    """One rule; ``trigger`` holds ``kind`` and its parameters with defaults filled in."""

    name: str
    trigger: dict
    steps: list[Step]
    filter: str | None = None
    exits: list[str] = field(default_factory=list)
    reentry: str | dict = "once"
    priority: int = 50
    catch_up: str = "2d"
    enabled: bool = True
    description: str = ""
    version: int = 0

    @property
    def kind(self) -> str:
        return self.trigger["kind"]

    @property
    def catch_up_td(self) -> timedelta:
        return parse_duration(self.catch_up)

    @property
    def reentry_after(self) -> timedelta | None:
        """None for "once ever", else the gap after which a customer may enter again."""
        return None if self.reentry == "once" else timedelta(days=self.reentry["after_days"])

    def describe_reentry(self) -> str:
        return "once ever" if self.reentry == "once" else f"again after {self.reentry['after_days']} days"

    def definition(self) -> dict:
        return {
            "description": self.description,
            "trigger": dict(self.trigger),
            "filter": self.filter,
            "steps": [s.to_dict() for s in self.steps],
            "exits": list(self.exits),
            "reentry": self.reentry,
            "catch_up": self.catch_up,
        }

    def to_json(self) -> dict:
        return {"name": self.name, "enabled": self.enabled, "priority": self.priority, "version": self.version,
                **self.definition()}

    @classmethod
    def from_definition(cls, name: str, definition: dict, *, enabled: bool = True, priority: int = 50,
                        version: int = 0) -> "Rule":
        """Build (and structurally validate) a rule from its JSON definition."""
        return _build(name, definition, enabled=enabled, priority=priority, version=version)


def _build(name, d, *, enabled, priority, version) -> Rule:
    def err(where: str, reason: str) -> RuleError:
        return RuleError(f"rule {name!r}: {where}: {reason}")

    if not isinstance(name, str) or not _NAME.match(name):
        raise RuleError(f"rule name {name!r}: use lower-case letters, digits, '_' or '-' (at most 64)")
    if not isinstance(d, dict):
        raise err("definition", "must be a JSON object")
    unknown = set(d) - {"description", "trigger", "filter", "steps", "exits", "reentry", "catch_up",
                        "priority", "enabled"}
    if unknown:
        raise err("definition", f"unknown {noun(len(unknown), 'field')} {', '.join(sorted(unknown))}")
    trig = d.get("trigger")
    if not isinstance(trig, dict) or "kind" not in trig:
        raise err("trigger", "missing (an object with a kind)")
    kind = trig["kind"]
    if kind not in TRIGGERS:
        close = difflib.get_close_matches(str(kind), list(TRIGGERS), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else f" Known: {', '.join(TRIGGERS)}."
        raise err("trigger.kind", f"unknown trigger kind {kind!r}.{hint}")
    params = TRIGGERS[kind]
    extra = set(trig) - {"kind"} - set(params)
    if extra:
        raise err("trigger", f"{kind} takes no {', '.join(sorted(extra))} (it takes: {', '.join(params) or 'nothing'})")
    trigger = {"kind": kind}
    for key, (default, parse) in params.items():
        if key not in trig or trig[key] is None:
            if default is None:
                raise err(f"trigger.{key}", f"required for a {kind} trigger")
            trigger[key] = default
            continue
        try:
            trigger[key] = parse(trig[key])
        except ValueError as exc:
            raise err(f"trigger.{key}", str(exc)) from None

    steps_in = d.get("steps")
    if not isinstance(steps_in, list) or not steps_in:
        raise err("steps", "a rule needs at least one step")
    steps: list[Step] = []
    previous: timedelta | None = None
    for i, s in enumerate(steps_in, start=1):
        if not isinstance(s, dict):
            raise err(f"step {i}", "must be an object with delay, channel and template")
        missing = [k for k in ("delay", "channel", "template") if not s.get(k) and s.get(k) != 0]
        if missing:
            raise err(f"step {i}", f"missing {', '.join(missing)}")
        try:
            delay = parse_duration(s["delay"])
        except ValueError as exc:
            raise err(f"step {i}.delay", str(exc)) from None
        if delay > MAX_DELAY:
            raise err(f"step {i}.delay", f"{s['delay']} is more than ten years after the trigger")
        if previous is not None and delay <= previous:
            raise err(f"step {i}.delay", f"steps out of order: {s['delay']} must come after step {i - 1}'s delay "
                                         f"({describe_duration(previous)})")
        previous = delay
        if s["channel"] not in CHANNELS:
            raise err(f"step {i}.channel", f"unknown channel {s['channel']!r} (email, sms or push)")
        steps.append(Step(str(s["delay"]).strip(), s["channel"], str(s["template"])))

    filt = d.get("filter")
    if filt is not None and not isinstance(filt, str):
        raise err("filter", "must be segment-language text")
    filt = filt.strip() if filt and filt.strip() else None
    exits = d.get("exits") or []
    if not isinstance(exits, list) or any(x not in EXITS for x in exits):
        raise err("exits", f"must be a list of {', '.join(EXITS)}")
    reentry = d.get("reentry", "once")
    if isinstance(reentry, dict) and set(reentry) == {"after_days"}:
        try:
            reentry = {"after_days": pos_int(reentry["after_days"])}
        except ValueError as exc:
            raise err("reentry.after_days", str(exc)) from None
    elif reentry != "once":
        raise err("reentry", 'must be "once" or {"after_days": N}')
    catch_up = d.get("catch_up", "2d")
    try:
        if parse_duration(catch_up) <= timedelta(0):
            raise ValueError("must be longer than 0")
    except ValueError as exc:
        raise err("catch_up", str(exc)) from None
    if isinstance(priority, bool) or not isinstance(priority, int) or not 0 <= priority <= 1000:
        raise err("priority", "must be a whole number 0-1000")
    return Rule(name=name, trigger=trigger, steps=steps, filter=filt, exits=list(exits), reentry=reentry,
                priority=priority, catch_up=str(catch_up).strip(), enabled=bool(enabled),
                description=str(d.get("description") or ""), version=version)


def check_references(store, rule: Rule) -> None:
    """Check what the rule refers to in the store: templates (and channels), the filter and a
    broadcast's segment; raises :class:`RuleError` for the first problem."""
    problems = reference_problems(store, rule)
    if problems:
        raise RuleError(f"rule {rule.name!r}: {problems[0][1]}")


def _entered_segment_problems(store, trigger: dict) -> list[str]:
    """The names an ``entered_segment`` trigger waits for that no customer can enter: not a stage,
    not in the store's RFM grid (``of``), or in the wrong case. Such a rule would never fire."""
    from lifecycle_tui.segments.rfm import segment_names
    from lifecycle_tui.segments.stages import STAGES
    from lifecycle_tui.store import settings

    kind = trigger.get("of", "any")
    rfm = segment_names(settings.get(store, "rfm.grid"))
    known = {"stage": list(STAGES), "rfm": rfm, "any": [*STAGES, *rfm]}[kind]
    what = {"stage": "stage", "rfm": "RFM segment", "any": "stage or RFM segment"}[kind]
    problems = []
    for name in trigger.get("segments") or []:
        if name in known:
            continue
        close = [n for n in known if n.lower() == str(name).lower()] or difflib.get_close_matches(str(name), known, n=1, cutoff=0.5)
        hint = f" Did you mean {close[0]!r}?" if close else f" Known: {', '.join(known)}."
        problems.append(f"trigger.segments: no {what} is called {name!r}, so no one would ever enter it.{hint}")
    return problems


def reference_problems(store, rule: Rule, templates: dict[str, str] | None = None) -> list[tuple[int | None, str]]:
    """``[(step number or None for the whole rule, problem)]``: what ``rule`` refers to that is
    missing or does not fit (a template deleted or changed to another channel after the rule was
    saved, a segment removed). The planner skips such steps with the problem as the reason.
    ``templates`` (name -> channel) saves reading them once per rule."""
    if templates is None:
        templates = template_channels(store)
    out: list[tuple[int | None, str]] = []
    for i, step in enumerate(rule.steps, start=1):
        if step.template not in templates:
            close = difflib.get_close_matches(step.template, list(templates), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            out.append((i, f"step {i}.template: unknown template {step.template!r}.{hint}"))
        elif templates[step.template] != step.channel:
            out.append((i, f"step {i}: channel mismatch: the step sends {step.channel} "
                           f"but template {step.template!r} is {with_article(templates[step.template])} template"))
    if rule.filter:
        from lifecycle_tui.segments import SegmentRuleError, check_rule

        try:
            check_rule(store, rule.filter)
        except SegmentRuleError as exc:
            out.append((None, f"filter: {exc}"))
    if rule.kind == "entered_segment":
        out += [(None, problem) for problem in _entered_segment_problems(store, rule.trigger)]
    if rule.kind == "broadcast":
        from lifecycle_tui.segments import SegmentRuleError, resolve_segment

        try:
            resolve_segment(store, rule.trigger["segment"])
        except (SegmentRuleError, KeyError, LookupError, ValueError) as exc:
            out.append((None, f"trigger.segment: {exc}"))
    return out


def template_channels(store) -> dict[str, str]:
    """Template name -> channel, for every template in the store."""
    if not store.has_table("templates"):
        return {}
    return {r[0]: r[1] for r in store.conn.execute("SELECT name, channel FROM templates")}


# ---- storage -------------------------------------------------------------------------------

def _from_row(row) -> Rule:
    return Rule.from_definition(row["name"], json.loads(row["definition"]), enabled=bool(row["enabled"]),
                                priority=row["priority"], version=row["version"])


def list_rules(store, *, enabled_only: bool = False) -> list[Rule]:
    """Every stored rule, by priority (highest first) then name."""
    sql = "SELECT * FROM rules" + (" WHERE enabled = 1" if enabled_only else "") + " ORDER BY priority DESC, name"
    return [_from_row(r) for r in store.conn.execute(sql)]


def get_rule(store, name: str) -> Rule | None:
    row = store.conn.execute("SELECT * FROM rules WHERE name = ?", (name,)).fetchone()
    return None if row is None else _from_row(row)


def require_rule(store, name: str) -> Rule:
    """The named rule, or a RuleError that suggests the closest name."""
    rule = get_rule(store, name)
    if rule is None:
        names = [r[0] for r in store.conn.execute("SELECT name FROM rules ORDER BY name")]
        close = difflib.get_close_matches(name, names, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else " See `lifecycle rules list`."
        raise RuleError(f"no rule {name!r} in this store.{hint}")
    return rule


def save_rule(store, rule: Rule, *, check: bool = True) -> Rule:
    """Validate and save ``rule`` as a new version; returns it with its new version number."""
    rule = Rule.from_definition(rule.name, rule.definition(), enabled=rule.enabled, priority=rule.priority)
    if check:
        check_references(store, rule)
        if rule.enabled and not store.scalar("SELECT enabled FROM rules WHERE name = ?", (rule.name,)):
            check_templates_render(store, rule)  # being switched on (the console's rule form)
    now = to_iso(utcnow())
    definition = json.dumps(rule.definition(), ensure_ascii=False, sort_keys=True)
    with store.transaction() as conn:
        row = conn.execute("SELECT id, version FROM rules WHERE name = ?", (rule.name,)).fetchone()
        if row is None:
            cur = conn.execute(
                "INSERT INTO rules (name, enabled, priority, definition, version, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, 1, ?, ?)", (rule.name, int(rule.enabled), rule.priority, definition, now, now))
            rule_id, version = cur.lastrowid, 1
        else:
            rule_id, version = row["id"], row["version"] + 1
            conn.execute("UPDATE rules SET enabled=?, priority=?, definition=?, version=?, updated_at=? WHERE id=?",
                         (int(rule.enabled), rule.priority, definition, version, now, rule_id))
        conn.execute("INSERT INTO rule_versions (rule_id, version, definition, enabled, priority, saved_at) "
                     "VALUES (?, ?, ?, ?, ?, ?)", (rule_id, version, definition, int(rule.enabled), rule.priority, now))
    rule.version = version
    return rule


def set_enabled(store, name: str, enabled: bool) -> tuple[Rule, bool]:
    """Enable or disable a rule (a new version when it changes); returns (rule, changed)."""
    rule = require_rule(store, name)
    if rule.enabled == enabled:
        return rule, False
    rule.enabled = enabled
    if enabled:
        check_references(store, rule)  # never switch on a rule that cannot render
        check_templates_render(store, rule)
    return save_rule(store, rule, check=False), True


def check_templates_render(store, rule: Rule) -> None:
    """Refuse (:class:`RuleError`) when a template the rule sends has lint errors: every run would
    fail those messages (``lifecycle check`` reports the same errors)."""
    from lifecycle_tui.messages.lint import lint_template

    for template in dict.fromkeys(step.template for step in rule.steps):
        errors = lint_template(store, template).errors
        if errors:
            first = errors[0]
            where = f"line {first.line}: " if first.line else ""
            more = f", and {counted(len(errors) - 1, 'more error')}" if len(errors) > 1 else ""
            raise RuleError(f"rule {rule.name!r}: template {template!r} does not render ({where}{first.message}{more}), "
                            f"so every message would fail. Fix it first (`lifecycle templates lint {template}`).")


def remove_rule(store, name: str) -> Rule:
    """Delete a rule and its saved versions; returns the rule as it was.

    Refused (:class:`RuleError`) while it is on: switching it off is the way to stop a
    campaign, removing is tidying up after. The messages it sent keep its name (outbox, run
    record, explain), and their dedupe keys stay: a new rule of the same name does not send
    again what this one sent.
    """
    with store.transaction() as conn:
        rule = require_rule(store, name)
        if rule.enabled:
            raise RuleError(f"rule {name!r} is on: switch it off first (`lifecycle rules disable {name}`), "
                            "then remove it.")
        conn.execute("DELETE FROM rules WHERE name = ?", (name,))
    return rule


def rule_versions(store, name: str) -> list[dict]:
    """The saved versions of a rule, newest first."""
    rows = store.conn.execute(
        "SELECT v.version, v.enabled, v.priority, v.saved_at, v.definition FROM rule_versions v "
        "JOIN rules r ON r.id = v.rule_id WHERE r.name = ? ORDER BY v.version DESC", (name,))
    return [{"version": r["version"], "enabled": bool(r["enabled"]), "priority": r["priority"],
             "saved_at": r["saved_at"], "definition": json.loads(r["definition"])} for r in rows]
