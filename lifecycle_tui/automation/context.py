"""What a rule adds to a template's render context, and rendering one planned message.

Cart triggers pass the abandoned cart (the trigger event's items), browse and advocacy
triggers the trigger event, order triggers the trigger order; every message gets ``trigger``
(kind, key, time) and ``rule`` (name, step). Rendering goes through the templates package's
:class:`Renderer`, which caches compiled templates and shop data for the whole plan.
"""

from __future__ import annotations

import json

from lifecycle_tui.messages.errors import TemplateError


def make_renderer(store, as_of):
    from lifecycle_tui.messages import Renderer

    return Renderer(store, as_of)


def _props(store, event_rowid: int) -> tuple[dict, str | None]:
    row = store.conn.execute("SELECT properties, occurred_at FROM events WHERE id = ?", (event_rowid,)).fetchone()
    if row is None:
        return {}, None
    try:
        props = json.loads(row[0]) if row[0] else {}
    except ValueError:
        props = {}
    return (props if isinstance(props, dict) else {"items": props}), row[1]


def extra_for(store, rule, inst, step: int, names=None) -> dict:
    """The rule's additions to the render context for this trigger instance and step; with
    ``names`` (the names a template reads) only those, since the render context drops the rest."""
    extra: dict = {}
    if names is None or "trigger" in names:
        extra["trigger"] = {"kind": rule.kind, "key": inst.key, "at": inst.anchor}
    if names is None or "rule" in names:
        extra["rule"] = {"name": rule.name, "step": step, "steps": len(rule.steps)}
    if inst.ref is None:
        return extra
    kind, ref = inst.ref
    if names is not None and not ({"cart", "event", "anniversary"} & names):
        return extra
    if kind == "event":
        props, at = _props(store, ref)
        if rule.kind == "cart_abandoned":
            extra["cart"] = {**props, "updated_at": props.get("updated_at") or at}
        else:
            extra["event"] = {**props, "occurred_at": at}
    elif kind == "order" and inst.key.startswith("anniversary:"):
        row = store.conn.execute("SELECT placed_at FROM orders WHERE id = ?", (ref,)).fetchone()
        if row:
            year = int(inst.key.split(":")[1])
            extra["anniversary"] = {"years": year - int(row[0][:4]), "first_order_at": row[0]}
    return extra


def render(store, renderer, rule, inst, decision):
    """(RenderedMessage, None), or (None, error text) when the template refuses this customer."""
    try:
        names = renderer.compiled(decision.template).names  # what the template reads of the rule's additions
        message = renderer.render(decision.template, inst.customer, extra_for(store, rule, inst, decision.step, names))
    except TemplateError as exc:
        return None, str(exc)
    return message, None
