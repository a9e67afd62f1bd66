"""Preview one rule step for one customer: the message exactly as it would go, plus the decision.

:func:`preview` is what ``lifecycle dispatch preview`` and the console both call, so they show
the same bytes. The message is rendered with the same context the planner would use (the
trigger instance's cart, event or order when there is one).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy as email_policy

from lifecycle_tui.automation import context as ctxmod
from lifecycle_tui.automation.planner import Decision, plan
from lifecycle_tui.automation.rules import RuleError, require_rule
from lifecycle_tui.automation.triggers import Instance, find_instances
from lifecycle_tui.messages.errors import TemplateError
from lifecycle_tui.store.customers import require_customer
from lifecycle_tui.store.timeutil import to_iso
from lifecycle_tui.wording import counted


def find_customer(store, text: str) -> tuple[int, str]:
    """(rowid, customer_id) for the shop's customer id or an email (see
    :func:`~lifecycle_tui.store.customers.customer_rowid`); RuleError when unknown or ambiguous."""
    row = require_customer(store, text, RuleError)
    return row[0], row[1]


@dataclass
class Preview:
    rule: str
    customer_id: str
    step: int
    channel: str
    template: str
    decision: Decision | None
    status: str  # the decision in words, or "not triggered for this customer: ..."
    blocks: list[tuple[str, str]] = field(default_factory=list)  # (title, text) in display order
    message: object | None = None
    error: str | None = None

    def to_json(self) -> dict:
        return {
            "rule": self.rule, "customer_id": self.customer_id, "step": self.step, "channel": self.channel,
            "template": self.template, "status": self.status, "error": self.error,
            "decision": self.decision.to_json() if self.decision else None,
            "message": _message_json(self.message) if self.message is not None else None,
        }

    def text(self) -> str:
        """Every block as plain text (what the console shows in one scrollable view)."""
        return blocks_text(self.blocks)


def blocks_text(blocks: list[tuple[str, str]]) -> str:
    """Titled text blocks as one text, each under a ``--- title ---`` line."""
    return "\n\n".join(f"--- {title} ---\n{body}" for title, body in blocks)


def _message_json(msg) -> dict:
    out = msg.to_json()
    if msg.channel == "email":
        out["eml"] = msg.to_eml_bytes().decode("utf-8", "replace")
    else:
        out["payload"] = msg.to_payload()
    return out


def eml_blocks(data: bytes) -> list[tuple[str, str]]:
    """An email file (``.eml``, as the outbox writes it) as text blocks: its headers decoded, then
    the text part and the HTML source as they read, not as quoted-printable or base64 lines."""
    parsed = message_from_bytes(data, policy=email_policy.default)
    blocks = [("Email headers", "\n".join(f"{k}: {v}" for k, v in parsed.items()))]
    for title, subtype in (("Text part", "plain"), ("HTML source", "html")):
        part = parsed.get_body((subtype,))
        if part is not None:
            blocks.append((title, part.get_content().replace("\r\n", "\n")))  # the wire's CRLF, shown as lines
    return blocks


def message_blocks(msg) -> list[tuple[str, str]]:
    """The rendered message as text blocks: email headers, text and HTML source; SMS; push payload."""
    if msg.channel == "email":
        return eml_blocks(msg.to_eml_bytes())
    if msg.channel == "sms":
        f = msg.fields
        info = f"To: {msg.to or '-'}\nEncoding: {f['encoding']}, {counted(f['segments'], 'segment')}, {counted(len(f['text']), 'character')}"
        return [("SMS", info), ("SMS text", f["text"])]
    return [("Push payload", json.dumps(msg.to_payload(), indent=2, ensure_ascii=False))]


def describe(d: Decision) -> str:
    if d.action == "send":
        return f"send now (due {d.due_at[:16].replace('T', ' ')} UTC)"
    if d.action == "defer":
        return f"defer: {d.reason}"
    return f"skip: {d.reason}"


def preview(store, rule: str, customer: str, as_of: datetime, step: int | None = None) -> Preview:
    """Render ``rule``'s step for ``customer`` as it would be sent at ``as_of``, with the decision."""
    r = require_rule(store, rule)
    rowid, cid = find_customer(store, customer)
    if step is not None and not 1 <= step <= len(r.steps):
        raise RuleError(f"rule {rule!r} has {counted(len(r.steps), 'step')}; there is no step {step}.")
    p = plan(store, as_of, rule=None, render=True, customer=rowid, include_done=True)
    if not r.enabled:  # plan this rule alone to show what it would do once enabled
        p = plan(store, as_of, rule=rule, render=True, customer=rowid, include_done=True, include_disabled=True,
                 refresh=False)
    mine = [d for d in p.decisions if d.rule == rule]
    chosen = _choose(mine, step)
    step = step or (chosen.step if chosen else 1)
    s = r.steps[step - 1]
    result = Preview(rule, cid, step, s.channel, s.template, chosen, "")
    if chosen is not None:
        result.status = describe(chosen)
    else:
        result.status = "not triggered for this customer: " + why_not(store, r, rowid, as_of, step)
    if not r.enabled:
        result.status += " (the rule is disabled)"
    msg = chosen.message if chosen is not None and chosen.message is not None else None
    if msg is None:
        inst = _instance(store, r, rowid, as_of, chosen)
        try:
            from lifecycle_tui.messages import Renderer

            renderer = Renderer(store, as_of)
            msg = renderer.render(s.template, rowid, ctxmod.extra_for(store, r, inst, step) if inst else
                                  {"rule": {"name": r.name, "step": step, "steps": len(r.steps)}})
        except TemplateError as exc:
            result.error = f"template error: {exc}"
    result.message = msg
    result.blocks = [("Decision", result.status)]
    if msg is not None:
        result.blocks += message_blocks(msg)
    else:
        result.blocks.append(("Message", result.error or "nothing rendered"))
    return result


def _choose(decisions: list[Decision], step: int | None) -> Decision | None:
    """The decision to show: for the asked step, else the one the planner acts on now."""
    hits = [d for d in decisions if step is None or d.step == step]

    def rank(d: Decision) -> tuple:
        past = (d.reason or "").startswith(("already", "too late"))
        order = {"send": 0, "defer": 1}.get(d.action, 3 if past else 2)
        return (order, "" if order < 3 else _negate(d.due_at), d.due_at)

    return min(hits, key=rank) if hits else None


def _negate(text: str) -> str:
    """A sort key that orders ISO times newest first."""
    return "".join(chr(0x10FFFF - ord(ch)) for ch in text)


def _instance(store, r, rowid, as_of, chosen: Decision | None) -> Instance | None:
    instances = find_instances(store, r, as_of, None, rowid)
    if chosen is not None:
        instances = [i for i in instances if i.key == chosen.trigger_key] or instances
    return max(instances, key=lambda i: (i.anchor, i.key)) if instances else None


def why_not(store, r, rowid: int, as_of: datetime, step: int) -> str:
    """Why a rule's step has no decision for this customer at ``as_of``, in plain words."""
    from lifecycle_tui.automation.explain import trigger_words

    instances = find_instances(store, r, as_of, None, rowid)
    if not instances:
        return f"the customer never {trigger_words(r)} (up to {to_iso(as_of)[:16].replace('T', ' ')} UTC)"
    last = max(instances, key=lambda i: (i.anchor, i.key))
    due = datetime.fromisoformat(last.anchor) + r.steps[step - 1].delay_td
    if due > as_of:
        when = to_iso(due)[:19 if due.second else 16].replace("T", " ")
        return f"step {step} is due at {when} UTC, not yet"
    # Due, not done and not listed as too late: the re-entry policy left this instance out.
    return (f"the last trigger ({last.key} at {last.anchor[:16].replace('T', ' ')} UTC) does not start the rule "
            f"again: the customer entered it before (re-entry: {r.describe_reentry()})")
