"""The whitelist of fields a segment rule may use, with their SQL column and value kind.

Only these SQL snippets ever reach a query; everything a rule supplies (values, event types,
attribute keys) travels as a bound parameter. Aliases: ``c`` = customers, ``m`` = customer_metrics.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

# Value kinds: number (plain), money (currency units in rules, cents in SQL), datetime (ISO text),
# text, stage (text limited to stage names), bool (consent flags), tags (JSON list), attribute.
NUMBER, MONEY, DATETIME, TEXT, STAGE, BOOL, TAGS, ATTRIBUTE = (
    "number", "money", "datetime", "text", "stage", "bool", "tags", "attribute",
)


@dataclass(frozen=True)
class Field:
    name: str
    sql: str  # a whitelisted SQL expression (for attributes it holds one '?' for the JSON path)
    kind: str
    params: tuple = ()  # parameters of ``sql`` (the attribute's JSON path)
    doc: str = ""


_FIELDS = [
    # Metrics (customer_metrics, computed at the as_of).
    Field("orders", "m.orders", NUMBER, doc="counted orders (not cancelled/refunded)"),
    Field("revenue", "m.revenue_cents", MONEY, doc="total of counted orders, in currency units"),
    Field("aov", "m.aov_cents", MONEY, doc="average order value, in currency units"),
    Field("first_order_at", "m.first_order_at", DATETIME, doc="time of the first counted order"),
    Field("last_order_at", "m.last_order_at", DATETIME, doc="time of the last counted order"),
    Field("days_since_last_order", "m.days_since_last_order", NUMBER, doc="whole days since the last order"),
    Field("stage", "m.stage", STAGE, doc="lifecycle stage"),
    Field("r", "m.r", NUMBER, doc="RFM recency score 1-5 (5 = most recent)"),
    Field("f", "m.f", NUMBER, doc="RFM frequency score 1-5"),
    Field("m", "m.m", NUMBER, doc="RFM monetary score 1-5"),
    Field("rfm_segment", "m.rfm_segment", TEXT, doc="RFM segment name from the grid"),
    # Profile.
    Field("customer_id", "c.customer_id", TEXT, doc="the shop's customer id"),
    Field("email", "c.email", TEXT),
    Field("first_name", "c.first_name", TEXT),
    Field("last_name", "c.last_name", TEXT),
    Field("phone", "c.phone", TEXT),
    Field("timezone", "c.timezone", TEXT),
    Field("birthday", "c.birthday", TEXT, doc="YYYY-MM-DD text"),
    Field("created_at", "c.created_at", DATETIME, doc="when the customer was created"),
    # Consent.
    Field("accepts_email", "c.accepts_email", BOOL),
    Field("accepts_sms", "c.accepts_sms", BOOL),
    Field("accepts_push", "c.accepts_push", BOOL),
    Field("tags", "c.tags", TAGS, doc='use: tags contains "vip"'),
]

FIELDS: dict[str, Field] = {f.name: f for f in _FIELDS}
ATTRIBUTES = "attributes"  # attributes.KEY


def attribute_field(key: str) -> Field:
    # Quoted JSON path label so keys with spaces or dots work; the path is a parameter.
    return Field(f"attributes.{key}", "json_extract(c.attributes, ?)", ATTRIBUTE, (f'$."{key}"',))


def closest_field(name: str) -> str | None:
    close = difflib.get_close_matches(name.lower(), [*FIELDS, ATTRIBUTES], n=1, cutoff=0.5)
    return close[0] if close else None


def field_names() -> list[str]:
    return [*FIELDS, "attributes.KEY"]
