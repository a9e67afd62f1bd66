"""Rendering templates into channel messages: :class:`Renderer` and :class:`RenderedMessage`.

A Renderer is made once per ``as_of`` and reused for many customers: it compiles each
template once, reads the shop-wide context once (see :class:`ContextBuilder`) and builds per
customer only the context names the template uses. A template fault for one customer raises
:class:`TemplateError` for that message alone.

For a whole plan: :meth:`Renderer.prefetch` lets the context builder read customers in
set-based chunks; a part that reads only shop-wide names (``shop``, ``as_of``) is rendered once;
the derived plain-text part reuses the text of the template's fixed lines (``html_to_text``'s
line cache); customers whose email would differ only by its unsubscribe link share one render
(:mod:`.memo`: a newsletter to 100,000 customers renders ~19,000 times). Every shortcut gives
exactly the bytes the plain path gives (tests/messages/test_templates_fast_paths.py,
test_shared_renders.py), so ``dispatch preview`` shows what a run sends.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import datetime

from jinja2 import meta, nodes

from lifecycle_tui.messages import email_message, push, sms
from lifecycle_tui.messages.context import ContextBuilder, ensure_fresh_metrics
from lifecycle_tui.messages.context_schema import customer_fields
from lifecycle_tui.messages.errors import TemplateError
from lifecycle_tui.messages.htmltext import html_to_text, wrap_html
from lifecycle_tui.messages.memo import (
    MAX_SHARED, PLACEHOLDER_URL, personalised, share_key, shared_fields, split_at_placeholder,
)
from lifecycle_tui.messages.repository import require_template
from lifecycle_tui.messages.sandbox import (
    LOOP_GUARD, MAX_RENDER_SECONDS, compile_part, environments, render_budget, render_part,
)
from lifecycle_tui.messages.source import TemplateSource


@dataclass
class RenderedMessage:
    """One rendered message for one customer. ``fields`` holds the channel's rendered fields."""

    channel: str
    template: str
    fields: dict
    warnings: list[str] = field(default_factory=list)
    customer_rowid: int | None = None
    customer_id: str | None = None
    to: str | None = None  # email address, phone number or push token
    marketing: bool = True
    version: int | None = None
    envelope: dict = field(default_factory=dict, repr=False)  # email: from, date, seed, unsubscribe url

    def to_json(self) -> dict:
        """The ``templates render --json`` shape: channel, the rendered fields, warnings."""
        return {"channel": self.channel, "template": self.template, "customer_id": self.customer_id,
                "to": self.to, **self.fields, "warnings": list(self.warnings)}

    def to_eml_bytes(self, dedupe_key: str | None = None) -> bytes:
        """RFC 5322 bytes. ``dedupe_key`` (else ``extra['dedupe_key']``, else the render inputs)
        seeds the Message-ID and MIME boundary, so the same message is always the same bytes."""
        if self.channel != "email":
            raise ValueError(f"a {self.channel} message has no .eml form; use to_payload()")
        e = self.envelope
        return email_message.build_eml(
            subject=self.fields["subject"], from_name=e["from_name"], from_email=e["from_email"],
            to_name=e.get("to_name"), to_email=self.to, text=self.fields["text"], html=self.fields["html"],
            date=e["date"], seed=dedupe_key or e["seed"], unsubscribe_url=e.get("unsubscribe_url"), marketing=self.marketing,
        )

    def to_payload(self) -> dict:
        if self.channel == "push":
            return dict(self.envelope["payload"])
        if self.channel == "sms":
            return {"channel": "sms", "to": self.to, "text": self.fields["text"], "encoding": self.fields["encoding"],
                    "segments": self.fields["segments"], "template": self.template, "customer_id": self.customer_id}
        raise ValueError("an email has no JSON payload; use to_eml_bytes()")


@dataclass
class CompiledTemplate:
    source: TemplateSource
    version: int | None
    parts: dict  # field -> (jinja Template, first file line)
    names: set  # top-level variables the template reads
    shared: set = field(default_factory=set)  # parts that read only shop-wide names: same text for everyone
    shared_text: dict = field(default_factory=dict)  # part -> its text, once rendered
    customer_fields: tuple | None = None  # the customer record's fields to build (None: all)
    share_fields: tuple | None = None  # customer fields keying a shared render (memo.py); None: not shared
    shared_renders: dict = field(default_factory=dict, repr=False)  # key -> texts cut at the placeholder link


# Context names that are the same for every customer of a Renderer (the builder makes them;
# a rule's ``extra`` cannot replace them), so a part reading only these renders once.
SHOP_WIDE = frozenset({"shop", "as_of"})


_SPACE_RUNS = re.compile(r"\s+")


def fields_read(tree, name: str) -> set | None:
    """The fields of ``name`` a template reads as ``name.field`` or ``name['field']``; None when
    it uses ``name`` any other way (passed to a filter, looped over, printed, assigned ...)."""
    fields: set = set()
    accessed = 0
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        if isinstance(node.node, nodes.Name) and node.node.name == name:
            if isinstance(node, nodes.Getattr):
                fields.add(node.attr)
            elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
                fields.add(node.arg.value)
            else:
                return None
            accessed += 1
    uses = sum(1 for n in tree.find_all(nodes.Name) if n.name == name)
    return fields if uses == accessed else None


@functools.lru_cache(maxsize=4096)  # subjects and preheaders repeat across a plan's customers
def _one_line(text: str) -> str:
    return _SPACE_RUNS.sub(" ", text).strip()


class Renderer:
    """Renders many customers at one ``as_of`` (templates compiled and shop data read once)."""

    def __init__(self, store, as_of: datetime, *, time_limit: float = MAX_RENDER_SECONDS):
        self.store = store
        self.as_of = as_of
        self.time_limit = time_limit
        self.context = ContextBuilder(store, as_of)
        self.envs = environments(self.context.currency, self.context.timezone)
        self._compiled: dict[str, CompiledTemplate] = {}
        self._text_lines: dict = {}  # html_to_text's line cache, shared by every email of this renderer

    def prefetch(self, customer_rowids) -> None:
        """Say which customers are about to be rendered (a whole plan's), so their data is read
        in set-based batches rather than customer by customer (see ContextBuilder.prefetch)."""
        self.context.prefetch(customer_rowids)

    def warm(self, template_names) -> None:
        """Compile these templates and read the shop-wide data now (products, the recommender's
        statistics, the unsubscribe secret), e.g. once before forking workers that all need them.
        A template that does not compile is left for :meth:`render` to report per message."""
        for name in sorted(template_names):
            try:
                self.compiled(name)
            except TemplateError:
                continue
        self.context.warm(any("recommendations" in ct.names for ct in self._compiled.values()))

    def rebind(self, store) -> None:
        """Read through ``store`` from now on (a forked worker's own connection to the same file)."""
        self.store = store
        self.context.rebind(store)

    def compile(self, parsed: TemplateSource, version: int | None = None) -> CompiledTemplate:
        """Compile every part of a parsed template (syntax errors raise TemplateError)."""
        parts, names, shared, read, trees = {}, set(), set(), set(), []
        builtins = {LOOP_GUARD, *self.envs[False].globals}
        for fname, src, first_line in parsed.jinja_parts():
            env = self.envs[fname == "html"]
            parts[fname] = (compile_part(env, src, template=parsed.name, field=fname, first_line=first_line), first_line)
            tree = env.parse(src)
            trees.append(tree)
            used = meta.find_undeclared_variables(tree) - builtins
            if used <= SHOP_WIDE:  # e.g. a subject "News from {{ shop.name }}": render it once, not per customer
                shared.add(fname)
            names |= used
            if read is not None:  # which customer fields: a newsletter reads first_name, not tags or RFM
                part_read = fields_read(tree, "customer")
                read = None if part_read is None else read | part_read
        return CompiledTemplate(parsed, version, parts, names, shared, customer_fields=customer_fields(read, names),
                                share_fields=shared_fields(parsed.channel, names, read, trees))

    def compiled(self, name: str) -> CompiledTemplate:
        if name not in self._compiled:
            stored = require_template(self.store, name)
            self._compiled[name] = self.compile(stored.parsed(), stored.version)
        return self._compiled[name]

    def render(self, template_name: str, customer_rowid: int, extra: dict | None = None) -> RenderedMessage:
        """Render a stored template for one customer; raises TemplateError when refused."""
        return self.render_compiled(self.compiled(template_name), customer_rowid, extra)

    def render_source(self, parsed: TemplateSource, customer_rowid: int, extra: dict | None = None) -> RenderedMessage:
        """Render a template that is not (yet) stored, e.g. an edit being previewed."""
        return self.render_compiled(self.compile(parsed), customer_rowid, extra)

    def render_compiled(self, ct: CompiledTemplate, customer_rowid: int, extra: dict | None = None,
                        *, check: bool = True) -> RenderedMessage:
        src = ct.source
        name = src.name
        try:
            ctx = self.context.build(customer_rowid, channel=src.channel, names=ct.names, extra=extra,
                                     fields=ct.customer_fields)
        except TemplateError as exc:
            exc.template = exc.template or name
            raise
        customer = ctx["customer"]
        msg = RenderedMessage(channel=src.channel, template=name, fields={}, customer_rowid=customer_rowid,
                              customer_id=customer.customer_id, marketing=src.marketing, version=ct.version)
        texts = self._shared_email(ct, ctx) if ct.share_fields is not None else None
        if texts is not None:
            errors = self._email_fields(msg, src, texts, ctx, extra or {})
        else:
            errors = getattr(self, f"_finish_{src.channel}")(msg, src, self._render_parts(ct, ctx), ctx, extra or {})
        if check and errors:
            raise TemplateError("; ".join(errors), template=name)
        msg.envelope["errors"] = errors
        return msg

    def _render_parts(self, ct: CompiledTemplate, ctx: dict) -> dict[str, str]:
        out = {}
        with render_budget(self.time_limit):
            for fname, (tpl, first_line) in ct.parts.items():
                text = ct.shared_text.get(fname)
                if text is None:
                    text = render_part(tpl, ctx, template=ct.source.name, field=fname, first_line=first_line)
                    if fname in ct.shared:
                        ct.shared_text[fname] = text
                out[fname] = text
        return out

    def _shared_email(self, ct: CompiledTemplate, ctx: dict) -> tuple[str, ...] | None:
        """(subject, preheader, html, text) from the render this customer shares with others
        (see memo.py), rendered now if it is the first; None: render this one the usual way."""
        key = share_key(ct.share_fields, ctx)
        if key is None:
            return None
        texts = ct.shared_renders.get(key)
        if texts is None:
            try:
                out = self._render_parts(ct, {**ctx, "unsubscribe_url": PLACEHOLDER_URL})
            except TemplateError:
                return None  # the usual render reports it, with this customer's own context
            texts = split_at_placeholder(self._email_texts(out, PLACEHOLDER_URL))
            if len(ct.shared_renders) >= MAX_SHARED:
                ct.shared_renders.clear()
            ct.shared_renders[key] = texts
        return personalised(texts, ctx["unsubscribe_url"])

    # -- per channel ------------------------------------------------------------------------
    def _email_texts(self, out: dict, unsub) -> tuple[str, str, str, str]:
        """(subject, preheader, HTML document, plain text) of an email's rendered parts."""
        subject = _one_line(out["subject"])
        preheader = _one_line(out.get("preheader", ""))
        html = wrap_html(out["html"], title=subject, preheader=preheader)
        text = out["text"].strip() + "\n" if "text" in out else html_to_text(out["html"], self._text_lines, unsub)
        return subject, preheader, html, text

    def _finish_email(self, msg, src, out, ctx, extra) -> list[str]:
        return self._email_fields(msg, src, self._email_texts(out, ctx["unsubscribe_url"]), ctx, extra)

    def _email_fields(self, msg, src, texts: tuple, ctx, extra) -> list[str]:
        customer, shop = ctx["customer"]._data, ctx["shop"]._data  # plain dicts: no __getattr__ per field
        subject, preheader, html, text = texts
        unsub = ctx["unsubscribe_url"]
        msg.to = customer["email"]
        msg.fields = {"subject": subject, "preheader": preheader, "text": text, "html": html}
        seed = str(extra.get("dedupe_key") or f"{src.name}|{msg.version}|{customer['customer_id']}|{self.context.as_of_iso}")
        marketing = msg.marketing
        msg.envelope = {"from_name": src.meta.get("from_name") or shop["sender_name"], "from_email": shop["sender_email"],
                        "to_name": customer["name"], "date": self.as_of, "seed": seed,
                        "unsubscribe_url": unsub if marketing else None}
        errors, warnings = email_message.check(subject=subject, html=html, text=text, unsubscribe_url=unsub,
                                               marketing=marketing, to_email=customer["email"])
        msg.warnings.extend(warnings)
        return errors

    def _finish_sms(self, msg, src, out, ctx, extra) -> list[str]:
        text = out["text"].strip()
        info, errors, warnings = sms.check(text, marketing=src.marketing)
        msg.to = ctx["customer"].phone
        if not msg.to:
            warnings.append("this customer has no phone number")
        msg.fields = {"text": text, "encoding": info.encoding, "segments": info.segments, "units": info.units}
        msg.warnings.extend(warnings)
        return errors

    def _finish_push(self, msg, src, out, ctx, extra) -> list[str]:
        title, body = _one_line(out["title"]), out["body"].strip()
        url = _one_line(out.get("url", "")) or None
        customer = ctx["customer"]
        msg.to = customer.push_token
        payload = push.payload_for(to=msg.to, title=title, body=body, url=url, template=src.name,
                                   customer_id=customer.customer_id)
        size = push.payload_bytes(payload)
        errors, warnings = push.check(title, body, size)
        if not msg.to:
            warnings.append("this customer has no push token")
        msg.fields = {"title": title, "body": body, "url": url, "payload_bytes": size}
        msg.envelope = {"payload": payload}
        msg.warnings.extend(warnings)
        return errors


def preview(store, template_name: str, customer_rowid: int, as_of: datetime, extra: dict | None = None) -> RenderedMessage:
    """One render with metrics brought up to ``as_of`` first (``templates render``, the console)."""
    ensure_fresh_metrics(store, as_of)
    return Renderer(store, as_of).render(template_name, customer_rowid, extra)
