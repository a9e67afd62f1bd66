"""Template lint: syntax, unknown variables, channel limits and test renders against real customers.

:func:`lint_template` checks one template (stored, by name, or a parsed one being edited):

1. it parses and compiles (errors name the file line);
2. every variable it reads is in the documented context (a typo is an error, with its line);
3. a marketing email links to ``{{ unsubscribe_url }}``;
4. it renders, within the channel's limits, for one real customer from each RFM segment in
   the store (plus a customer without orders, and a sample cart for cart templates).

Findings are errors (the template would fail or break a rule) or warnings (worth a look).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field as dc_field
from datetime import datetime

from jinja2 import nodes

from lifecycle_tui.messages.context import ensure_fresh_metrics
from lifecycle_tui.messages.context_schema import CONTEXT_NAMES, NESTED_TYPES, RECORD_FIELDS, RECORD_TYPES
from lifecycle_tui.messages.errors import TemplateError
from lifecycle_tui.messages.limits import MAX_RANGE
from lifecycle_tui.messages.render import Renderer
from lifecycle_tui.messages.repository import list_templates, require_template
from lifecycle_tui.messages.sandbox import LOOP_GUARD
from lifecycle_tui.messages.source import TemplateSource

UNSUBSCRIBE_MISSING = "a marketing email must link to {{ unsubscribe_url }} in its HTML"


@dataclass
class LintFinding:
    level: str  # "error" or "warning"
    message: str
    line: int | None = None
    field: str | None = None
    customers: list[str] = dc_field(default_factory=list)  # "C-00017 (Champions)" the render used

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        who = f" [for {', '.join(self.customers[:3])}{' ...' if len(self.customers) > 3 else ''}]" if self.customers else ""
        return f"{self.level}: {where}{self.message}{who}"

    def to_dict(self) -> dict:
        return {"level": self.level, "message": self.message, "line": self.line, "field": self.field,
                "customers": self.customers}


@dataclass
class LintReport:
    template: str
    channel: str | None
    findings: list[LintFinding] = dc_field(default_factory=list)
    rendered_for: list[str] = dc_field(default_factory=list)

    @property
    def errors(self) -> list[LintFinding]:
        return [f for f in self.findings if f.level == "error"]

    @property
    def warnings(self) -> list[LintFinding]:
        return [f for f in self.findings if f.level == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def __iter__(self):
        return iter(self.findings)

    def add(self, level: str, message: str, *, line=None, field=None, customer: str | None = None) -> None:
        for f in self.findings:  # the same finding for several customers is reported once
            if f.level == level and f.message == message and f.line == line:
                if customer and customer not in f.customers:
                    f.customers.append(customer)
                return
        self.findings.append(LintFinding(level, message, line, field, [customer] if customer else []))

    def to_json(self) -> dict:
        return {"template": self.template, "channel": self.channel, "ok": self.ok,
                "errors": [f.to_dict() for f in self.errors], "warnings": [f.to_dict() for f in self.warnings],
                "rendered_for": self.rendered_for}


def sample_customers(store) -> list[tuple[int, str]]:
    """(row id, label): one customer per RFM segment present, plus one without orders."""
    out: list[tuple[int, str]] = []
    if store.has_table("customer_metrics"):
        for r in store.conn.execute(
            "SELECT rfm_segment, min(m.customer_id) AS rowid FROM customer_metrics m"
            " WHERE rfm_segment IS NOT NULL GROUP BY rfm_segment ORDER BY rfm_segment"
        ):
            out.append((r["rowid"], r["rfm_segment"]))
    buyer = store.scalar("SELECT min(customer_id) FROM orders WHERE status NOT IN ('cancelled', 'refunded')")
    if buyer is not None and not out:
        out.append((buyer, "a buyer"))
    non_buyer = store.scalar("SELECT min(id) FROM customers c WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id)")
    if non_buyer is not None:
        out.append((non_buyer, "no orders"))
    if not out:
        first = store.scalar("SELECT min(id) FROM customers")
        if first is not None:
            out.append((first, "a customer"))
    return out


def _label(store, rowid: int, segment: str) -> str:
    cid = store.scalar("SELECT customer_id FROM customers WHERE id = ?", (rowid,))
    return f"{cid} ({segment})"


def _record_type(node, loop_vars: dict) -> str | None:
    """The record type an expression evaluates to ("customer", "product[]" ...), when known."""
    if isinstance(node, nodes.Name):
        return loop_vars.get(node.name) or RECORD_TYPES.get(node.name)
    if isinstance(node, nodes.Getattr):
        return NESTED_TYPES.get((_record_type(node.node, loop_vars), node.attr))
    if isinstance(node, nodes.Getitem):
        parent = _record_type(node.node, loop_vars)
        if parent and parent.endswith("[]") and not isinstance(node.arg, nodes.Slice):
            return parent[:-2]
        return parent if parent and parent.endswith("[]") else None
    if isinstance(node, nodes.Call):  # our loop guard wraps every loop's iterable
        return _record_type(node.args[0], loop_vars) if node.args else None
    return None


def _field_checks(report: LintReport, tree, fname: str, first_line: int) -> None:
    """``customer.frist_name`` and ``p.titel`` in ``{% for p in recommendations %}`` are typos."""
    loop_vars: dict[str, str] = {}
    for loop in tree.find_all(nodes.For):
        kind = _record_type(loop.iter, loop_vars)
        if isinstance(loop.target, nodes.Name) and kind and kind.endswith("[]"):
            loop_vars[loop.target.name] = kind[:-2]
    for node in tree.find_all(nodes.Getattr):
        kind = _record_type(node.node, loop_vars)
        if kind in RECORD_FIELDS and node.attr not in RECORD_FIELDS[kind] and not node.attr.startswith("_"):
            close = difflib.get_close_matches(node.attr, RECORD_FIELDS[kind], n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f" (fields: {', '.join(RECORD_FIELDS[kind])})"
            report.add("error", f"{kind.replace('_', ' ')} has no field {node.attr!r}{hint}",
                       line=first_line + node.lineno - 1, field=fname)


def _sandbox_checks(report: LintReport, tree, fname: str, first_line: int) -> None:
    """What the sandbox would refuse, every instance with its line (a render stops at the first):
    private attributes (``x.__class__``, ``x['_y']``) and a ``range()`` of constants past the cap."""
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        attr = node.attr if isinstance(node, nodes.Getattr) else (
            node.arg.value if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str) else "")
        if attr.startswith("_"):
            report.add("error", f"refused by the sandbox: {attr!r} is private (a template reads only the "
                       "documented fields)", line=first_line + node.lineno - 1, field=fname)
    for call in tree.find_all(nodes.Call):
        if isinstance(call.node, nodes.Name) and call.node.name == "range" and call.args and not call.kwargs \
                and all(isinstance(a, nodes.Const) and isinstance(a.value, int) for a in call.args):
            try:
                items = len(range(*(a.value for a in call.args)))
            except (TypeError, ValueError):
                continue  # range(1, 2, 0) and the like: the render says what is wrong
            if items > MAX_RANGE:
                report.add("error", f"refused by the sandbox: range() of {items:,} items (at most {MAX_RANGE:,})",
                           line=first_line + call.lineno - 1, field=fname)


def _static_checks(report: LintReport, renderer: Renderer, parsed: TemplateSource, allowed: set[str]) -> None:
    for fname, src, first_line in parsed.jinja_parts():
        env = renderer.envs[fname == "html"]
        tree = env.parse(src)
        assigned = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
        assigned |= {n.name for n in tree.find_all(nodes.Macro)}
        known = allowed | set(env.globals) | assigned | {LOOP_GUARD, "loop", "caller", "varargs", "kwargs"}
        _field_checks(report, tree, fname, first_line)
        _sandbox_checks(report, tree, fname, first_line)
        for n in tree.find_all(nodes.Name):
            if n.ctx == "load" and n.name not in known:
                report.add("error", f"unknown variable {n.name!r} (the context has: {', '.join(sorted(allowed))})",
                           line=first_line + n.lineno - 1, field=fname)
                known.add(n.name)
    if parsed.channel == "email" and parsed.marketing and "unsubscribe_url" not in parsed.body:
        report.add("error", UNSUBSCRIBE_MISSING, field="html")


def lint_template(store, template, as_of: datetime | None = None, *, renderer: Renderer | None = None,
                  extra_names: tuple[str, ...] = ()) -> LintReport:
    """Lint a stored template (by name) or a parsed one (:class:`TemplateSource`)."""
    if as_of is None:
        from lifecycle_tui.store.settings import resolve_as_of

        as_of = resolve_as_of(store, None)  # pinned clock, else now (as the CLI default)
    if renderer is None:
        ensure_fresh_metrics(store, as_of)
        renderer = Renderer(store, as_of)
    name = template.name if isinstance(template, TemplateSource) else str(template)
    report = LintReport(template=name, channel=None)
    try:
        parsed = template if isinstance(template, TemplateSource) else require_template(store, name).parsed()
        report.channel = parsed.channel
        compiled = renderer.compile(parsed)
    except TemplateError as exc:
        report.add("error", exc.reason, line=exc.line, field=exc.field)
        return report
    _static_checks(report, renderer, parsed, set(CONTEXT_NAMES) | set(extra_names))
    if report.errors:
        return report  # rendering would only repeat the same faults per customer
    samples = sample_customers(store)
    if not samples:
        report.add("warning", "the store has no customers to render this template for")
    runs = [(rowid, seg, None) for rowid, seg in samples]
    if "cart" in compiled.names and samples:
        cart = _sample_cart(renderer)
        if cart:
            runs.append((samples[0][0], samples[0][1] + ", sample cart", {"cart": cart}))
    for rowid, seg, extra in runs:
        label = _label(store, rowid, seg)
        report.rendered_for.append(label)
        try:
            msg = renderer.render_compiled(compiled, rowid, extra, check=False)
        except TemplateError as exc:
            report.add("error", exc.reason, line=exc.line, field=exc.field, customer=label)
            continue
        for err in msg.envelope.get("errors") or []:
            report.add("error", err, customer=label)
        for warn in msg.warnings:
            if "has no email address" in warn or "has no phone" in warn or "has no push token" in warn:
                continue  # about the sample customer, not the template
            report.add("warning", warn, customer=label)
    return report


def _sample_cart(renderer: Renderer) -> dict | None:
    products = renderer.context.products
    best = [p for p in renderer.context.recommender.best_sellers if p in products][:2] or list(products)[:2]
    if not best:
        return None
    return {"cart": [{"product_id": products[p].product_id, "quantity": 1, "price_cents": products[p].price_cents}
                     for p in best]}


def lint_all(store, as_of: datetime | None = None) -> list[LintReport]:
    """Lint every stored template (one renderer, so shop data is read once)."""
    if as_of is None:
        from lifecycle_tui.store.settings import resolve_as_of

        as_of = resolve_as_of(store, None)
    ensure_fresh_metrics(store, as_of)
    renderer = Renderer(store, as_of)
    return [lint_template(store, t.name, as_of, renderer=renderer) for t in list_templates(store)]
