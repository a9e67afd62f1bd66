"""What templates can read: the context's top-level names, each record's fields (lint checks
templates against them), and how each customer field is made from a customer row.

:func:`customer_fields` picks the fields a template reads (plus what rendering needs) so that
:class:`lifecycle_tui.messages.context.ContextBuilder` builds only those.
"""

from __future__ import annotations

import json
from datetime import datetime

from lifecycle_tui.messages.records import Record, to_record

# The documented top-level names (README "Template context"); lint checks templates against them.
CONTEXT_NAMES = ("customer", "shop", "order", "cart", "browsed", "recommendations", "unsubscribe_url", "as_of",
                 "event", "trigger", "rule", "anniversary")
# The fields of each record templates see, for lint's static check (a test keeps them in step
# with what ContextBuilder builds). "x[]" is a list of x.
RECORD_FIELDS = {
    "customer": ("rowid", "id", "customer_id", "email", "phone", "first_name", "last_name", "name", "birthday",
                 "created_at", "timezone", "tags", "attributes", "accepts_email", "accepts_sms", "accepts_push",
                 "push_token", "orders", "revenue_cents", "revenue", "currency", "aov_cents", "first_order_at",
                 "last_order_at", "days_since_last_order", "stage", "rfm"),
    "rfm": ("r", "f", "m", "segment"),
    "shop": ("name", "url", "sender_name", "sender_email", "postal_address", "currency", "timezone", "unsubscribe_url"),
    "order": ("id", "order_id", "placed_at", "total_cents", "currency", "status", "items", "item_count"),
    "order_item": ("product_id", "sku", "title", "quantity", "price_cents", "line_total_cents", "url"),
    "cart": ("items", "total_cents", "currency", "item_count", "updated_at", "url"),
    "cart_item": ("product_id", "title", "quantity", "price_cents", "url"),
    "product": ("product_id", "title", "price_cents", "currency", "url"),
    "anniversary": ("years", "first_order_at"),
}
RECORD_TYPES = {"customer": "customer", "shop": "shop", "order": "order", "cart": "cart", "anniversary": "anniversary",
                "recommendations": "product[]", "browsed": "product[]"}
NESTED_TYPES = {("customer", "rfm"): "rfm", ("order", "items"): "order_item[]", ("cart", "items"): "cart_item[]"}


def json_or(text: str | None, default):
    if text == "[]" or text == "{}":  # most profiles: no tags, no attributes (skip the parser)
        return type(default)() if text == ("[]" if isinstance(default, list) else "{}") else default
    try:
        value = json.loads(text) if text else default
    except (TypeError, ValueError):
        return default
    return value if isinstance(value, type(default)) else default


def days_since(b, last: str | None) -> int | None:
    return (b.as_of - datetime.fromisoformat(last)).days if last else None


# How each customer field is made from (builder, rowid, customer row, (orders, revenue, first,
# last) or None when no field read needs them), in the record's order. One getter per field, so
# a template that reads three fields pays for three (no JSON parsing of tags and attributes, no
# RFM record, no order aggregates) and a full record is the same values.
CUSTOMER_FIELDS = {
    "rowid": lambda b, i, c, a: i,
    "id": lambda b, i, c, a: c["customer_id"],
    "customer_id": lambda b, i, c, a: c["customer_id"],
    "email": lambda b, i, c, a: c["email"],
    "phone": lambda b, i, c, a: c["phone"],
    "first_name": lambda b, i, c, a: c["first_name"],
    "last_name": lambda b, i, c, a: c["last_name"],
    "name": lambda b, i, c, a: " ".join(p for p in (c["first_name"], c["last_name"]) if p) or None,
    "birthday": lambda b, i, c, a: c["birthday"],
    "created_at": lambda b, i, c, a: c["created_at"],
    "timezone": lambda b, i, c, a: c["timezone"] or b.timezone,
    "tags": lambda b, i, c, a: json_or(c["tags"], []),
    "attributes": lambda b, i, c, a: to_record("customer.attributes", json_or(c["attributes"], {})),
    "accepts_email": lambda b, i, c, a: bool(c["accepts_email"]),
    "accepts_sms": lambda b, i, c, a: bool(c["accepts_sms"]),
    "accepts_push": lambda b, i, c, a: bool(c["accepts_push"]),
    "push_token": lambda b, i, c, a: c["push_token"],
    "orders": lambda b, i, c, a: a[0],
    "revenue_cents": lambda b, i, c, a: a[1],
    "revenue": lambda b, i, c, a: a[1] / 100,
    "currency": lambda b, i, c, a: b.currency,
    "aov_cents": lambda b, i, c, a: round(a[1] / a[0]) if a[0] else None,
    "first_order_at": lambda b, i, c, a: a[2],
    "last_order_at": lambda b, i, c, a: a[3],
    "days_since_last_order": lambda b, i, c, a: days_since(b, a[3]),
    "stage": lambda b, i, c, a: c["m_stage"],
    "rfm": lambda b, i, c, a: Record("customer.rfm", {"r": c["m_r"], "f": c["m_f"], "m": c["m_m"], "segment": c["m_rfm"]})
    if c["m_rfm"] else None,
}
# The fields made from the customer's order aggregates (their getters read ``a``).
AGGREGATE_FIELDS = frozenset({"orders", "revenue_cents", "revenue", "aov_cents", "first_order_at", "last_order_at",
                               "days_since_last_order"})
# What rendering itself reads from the customer record (the address, the name on the envelope ...).
CUSTOMER_ALWAYS = frozenset({"customer_id", "email", "name", "phone", "push_token"})


def customer_fields(read: set | None, names) -> tuple | None:
    """The customer fields to build for a template reading ``read`` of them (None: it uses the
    whole record, build all): those plus what rendering needs, in the record's order."""
    if read is None:
        return None
    want = read | CUSTOMER_ALWAYS | ({"first_order_at"} if "anniversary" in names else set())
    return tuple(k for k in CUSTOMER_FIELDS if k in want)
