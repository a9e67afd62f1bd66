"""Rules as files: what ``rules list --json`` / ``rules show --json`` print, read back in.

A file holds one rule object or a list of them, each ``{"name", "trigger", "steps", ...}``
(the definition fields of :mod:`rules`, plus ``enabled`` and ``priority``; ``version`` and
``versions`` are ignored: the store numbers its own). So a shop can keep its rules in a file,
edit them in any editor, and load them into another store.

Loading is all or nothing: every rule is checked (structure, templates and channels, filter,
segment) before any is saved, and all are saved in one transaction. A rule that is already
stored exactly so is left alone (no new version). A new rule is off unless the file says
``"enabled": true``; a stored rule keeps its on/off state unless the file says otherwise.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from lifecycle_tui.automation.rules import (
    Rule, RuleError, check_references, check_templates_render, get_rule, save_rule,
)
from lifecycle_tui.textfiles import NotUtf8Error, read_utf8

_IGNORED = ("name", "version", "versions", "enabled", "priority")


@dataclass
class RuleLoad:
    """What loading did to one rule: ``created``, ``updated`` or ``unchanged``."""

    rule: Rule
    outcome: str

    def to_json(self) -> dict:
        return {"name": self.rule.name, "outcome": self.outcome, "enabled": self.rule.enabled,
                "version": self.rule.version}


def read_rule_file(path: str | Path) -> list[dict]:
    """The rule objects in ``path``; :class:`RuleError` names the file, line and column of bad JSON."""
    path = Path(path)
    try:
        text = read_utf8(path)
    except FileNotFoundError:
        raise RuleError(f"{path}: no such file.") from None
    except NotUtf8Error as exc:
        raise RuleError(f"{exc}.") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RuleError(f"{path}: line {exc.lineno}, column {exc.colno}: not valid JSON: {exc.msg}.") from None
    items = data if isinstance(data, list) else [data]
    for i, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise RuleError(f"{path}: rule {i}: must be an object with a name (as `lifecycle rules show NAME --json` prints).")
    return items


def load_rules(store, path: str | Path) -> list[RuleLoad]:
    """Check every rule in ``path``, then save them together; nothing is saved if one is refused."""
    items = read_rule_file(path)
    seen: set[str] = set()
    planned: list[tuple[Rule, Rule | None]] = []
    for item in items:
        name = item["name"]
        if name in seen:
            raise RuleError(f"{path}: rule {name!r} appears twice.")
        seen.add(name)
        stored = get_rule(store, name)
        enabled = item.get("enabled", stored.enabled if stored else False)
        if not isinstance(enabled, bool):
            raise RuleError(f"{path}: rule {name!r}: enabled: must be true or false")
        definition = {k: v for k, v in item.items() if k not in _IGNORED}
        try:
            rule = Rule.from_definition(name, definition, enabled=enabled,
                                        priority=item.get("priority", stored.priority if stored else 50))
            check_references(store, rule)
            if enabled and not (stored is not None and stored.enabled):  # switched on by this file
                check_templates_render(store, rule)
        except RuleError as exc:
            raise RuleError(f"{path}: {exc}") from None
        planned.append((rule, stored))
    out: list[RuleLoad] = []
    with store.transaction():
        for rule, stored in planned:
            if stored is not None and _same(rule, stored):
                out.append(RuleLoad(stored, "unchanged"))
                continue
            out.append(RuleLoad(save_rule(store, rule, check=False), "updated" if stored else "created"))
    return out


def _same(a: Rule, b: Rule) -> bool:
    return (a.definition(), a.enabled, a.priority) == (b.definition(), b.enabled, b.priority)
