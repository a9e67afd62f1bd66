"""Shared renders: customers whose email would be the same but for their unsubscribe link.

A newsletter reads a customer's first name, the shop, the date and three recommended products;
over 100,000 customers only a few thousand of those combinations occur. For an email template
whose parts read nothing else -- named fields of ``customer``, the shop-wide names,
``recommendations`` -- and print ``{{ unsubscribe_url }}`` only as a plain output, the
:class:`~lifecycle_tui.messages.render.Renderer` renders each combination once with
:data:`PLACEHOLDER_URL` as the link (subject, preheader, HTML document, plain text) and gives
every customer of it a copy with their own link put in (:func:`personalised`).

That copy is byte for byte what rendering for the customer gives: the template cannot tell the
two links apart (it only prints them), a link of "plain" characters (:func:`htmltext.is_plain_url`:
nothing HTML escapes) is printed unchanged into the HTML and unchanged into the text's
"label (link)", and everything that depends on lengths (the email checks) runs on the copy.
Customers with any other link, or with a value that cannot key a dict, are rendered as usual.
"""

from __future__ import annotations

from jinja2 import nodes

from lifecycle_tui.messages.htmltext import is_plain_url

# What a template may read for its renders to be shared: per customer only the keyed values.
SHAREABLE_NAMES = frozenset({"customer", "shop", "as_of", "unsubscribe_url", "recommendations"})
PLACEHOLDER_URL = "https://unsubscribe.invalid/shared-render-zq7x"
# Combinations remembered per template, ~8 KB each (then it starts over: memory stays bounded).
# The bench store's newsletter to 100,000 customers has 19,000; the plan itself holds ~1.2 GB.
MAX_SHARED = 25_000


def shared_fields(channel: str, names: set, customer_read: set | None, trees) -> tuple | None:
    """The customer fields that, with the recommended products, decide a render of this
    template (sorted), or None when its renders cannot be shared."""
    if channel != "email" or customer_read is None or not names <= SHAREABLE_NAMES:
        return None
    if not all(_link_only_printed(tree) for tree in trees):
        return None
    return tuple(sorted(customer_read))


def _link_only_printed(tree) -> bool:
    """Every use of ``unsubscribe_url`` is ``{{ unsubscribe_url }}`` itself (no filter, test,
    comparison or concatenation that could tell one link from another)."""
    printed = {id(child) for out in tree.find_all(nodes.Output) for child in out.nodes
               if isinstance(child, nodes.Name) and child.name == "unsubscribe_url"}
    return all(id(n) in printed for n in tree.find_all(nodes.Name) if n.name == "unsubscribe_url")


def share_key(fields: tuple, ctx: dict) -> tuple | None:
    """The combination ``ctx`` renders (None: this context cannot share a render)."""
    link = ctx.get("unsubscribe_url")
    if not is_plain_url(link):
        return None
    data = ctx["customer"]._data
    try:
        values = tuple(data[f] for f in fields)
    except KeyError:  # a field the record lacks: the usual render reports it
        return None
    recs = ctx.get("recommendations")  # product records: the same product, the same record
    key = (values, None if recs is None else tuple(p._data["product_id"] for p in recs))
    try:
        hash(key)
    except TypeError:  # e.g. a list value (tags): not a key
        return None
    # The placeholder is put back by text replacement: no value the template prints may hold it
    # (it is on the reserved .invalid domain, so only a deliberate value could).
    if any(isinstance(v, str) and PLACEHOLDER_URL in v for v in values) or (
            recs and any(isinstance(v, str) and PLACEHOLDER_URL in v for p in recs for v in p._data.values())):
        return None
    return key


def split_at_placeholder(texts: tuple[str, ...]) -> tuple[list[str], ...]:
    """A shared render's texts cut where the placeholder link is: kept so that each customer's
    copy is one join, not a search through a ~15 KB HTML document per message (5.4 to 1.1 us,
    measured with timeit: ~0.4 s of a 100,000-email plan)."""
    return tuple(t.split(PLACEHOLDER_URL) for t in texts)


def personalised(parts: tuple[list[str], ...], link: str) -> tuple[str, ...]:
    """The shared render's texts (:func:`split_at_placeholder`) with this customer's link in
    place of the placeholder: what ``str.replace`` would give."""
    return tuple(link.join(p) if len(p) > 1 else p[0] for p in parts)
