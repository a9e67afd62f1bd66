"""Canonical rows: what every reader yields and the engine writes.

A canonical row is a plain dict (cheap to build a million times):

* customer: ``line, customer_id, email, email_norm`` and only the fields the file gave a
  value for (``phone, first_name, last_name, birthday, created_at, accepts_email|sms|push,
  push_token, timezone, tags, attributes``): an empty cell never erases what the store has.
* order: ``line, order_id, customer_id, email, email_norm, placed_at, total_cents, currency,
  status, attributes, items`` (``items``: ``None`` or a list of ``(sku, title, quantity,
  price_cents)``; ``first_name/last_name`` when known, for customers the order creates).
* event: ``line, event_id, customer_id, email, email_norm, type, occurred_at, properties``.

The converters here read a ``{field: text}`` mapping (generic CSV and JSON Lines share
them) and raise :class:`BadValue` naming the source column.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lifecycle_tui.importers import values as V
from lifecycle_tui.importers.errors import BadValue
from lifecycle_tui.importers.formats import FULL_NAME
from lifecycle_tui.store.addresses import EMAIL_ADDRESS, phone_text
from lifecycle_tui.store.timeutil import zone_name
from lifecycle_tui.wording import counted, noun


@dataclass
class GroupedAmounts:
    """Amounts a ``;`` file's convention read as thousands (``2.500`` -> 2,500.00): how many, and the first."""

    count: int = 0
    first: tuple[str, str, int] | None = None  # column, cell, cents

    def saw(self, column: str, text: str, cents: int) -> None:
        self.count += 1
        if self.first is None:
            self.first = (column, text, cents)

    def note(self) -> str | None:
        """The report's note, or None when there were none."""
        if not self.count:
            return None
        column, text, cents = self.first
        return (f"{counted(self.count, 'amount')} such as {text!r} ({column}) "
                f"{noun(self.count, 'was', 'were')} read as {cents / 100:,.2f}: in a ';'-separated file a dot "
                "groups thousands. If they are decimals, write them with a comma (2,5) or save the file "
                "comma-separated, and import it again.")


@dataclass(frozen=True)
class ReadContext:
    """Store settings that shape how cells are read."""

    currency: str = "EUR"
    tz: str = "UTC"
    decimal_comma: bool = False  # a ';'-delimited (European) file: 12,50 is twelve fifty
    date_order: str = ""  # import.date_order: how 07/10/2025 reads ("dmy", "mdy"; "": not said)
    grouped: GroupedAmounts = field(default_factory=GroupedAmounts, compare=False)

    def cents(self, text: str, column: str) -> int:
        """An amount cell as minor units (``values.cents`` in this file's convention); in a ``;``
        file, an amount whose only mark is a dot before three digits (``2.500``) is read as
        thousands and noted, since it may have been meant as a decimal."""
        value = V.cents(text, self.decimal_comma)
        if self.decimal_comma and V.dot_groups_thousands(text):
            self.grouped.saw(column, text.strip(), value)
        return value

    @property
    def tz_is_utc(self) -> bool:
        return self.tz in ("UTC", "Etc/UTC", "GMT", "Etc/GMT", "Z")

    def time(self, text: str) -> str:
        """A date/time cell as UTC ISO text, read with these settings (see ``values.utc_iso``)."""
        return V.utc_iso(text, self.tz, self.tz_is_utc, self.date_order)



def _parse(fn, text: str, column: str, *args):
    try:
        return fn(text, *args)
    except ValueError as exc:
        raise BadValue(column, str(exc)) from None


def split_name(name: str) -> tuple[str, str]:
    """``"Ana Maria Silva"`` -> ``("Ana", "Maria Silva")``: first name up to the first space."""
    first, _, last = " ".join(name.split()).partition(" ")
    return first, last


def customer_key(v: dict, col: dict) -> tuple[str | None, str | None]:
    """``(customer_id, email)`` of a row; at least one must be given."""
    cid = v.get("customer_id", "")
    if cid and (cid[0] in " '" or cid[-1] == " "):
        cid = cid.strip()
        if cid.startswith("'"):  # Shopify and Excel mark numeric ids as text with a leading quote
            cid = cid[1:].strip()
    email = v.get("email", "")
    if email:
        email = email.strip()
        if not EMAIL_ADDRESS.fullmatch(email):
            email = _parse(V.check_email, email, col.get("email", "email"))
    if not cid and not email:
        raise BadValue(col.get("customer_id") or col.get("email") or "customer_id", "missing customer_id and email")
    return cid or None, email or None


STATUS_FAST = {s: s for s in V.STATUSES}
_TEXT_FIELDS = ("first_name", "last_name", "push_token")
_FLAGS = ("accepts_email", "accepts_sms", "accepts_push")


def customer_row(v: dict, line: int, ctx: ReadContext, col: dict, extra: dict) -> dict:
    cid, email = customer_key(v, col)
    row: dict = {"line": line, "customer_id": cid, "email": email, "email_norm": email.lower() if email else None}
    for f in _TEXT_FIELDS:
        text = v.get(f, "").strip()
        if text:
            row[f] = text
    if (full := v.get(FULL_NAME, "").strip()):  # given only where the file has no first or last name
        first, last = split_name(full)
        row["first_name"] = first
        if last:
            row["last_name"] = last
    if (text := phone_text(v.get("phone", ""))):
        row["phone"] = _parse(V.phone, text, col.get("phone", "phone"))
    for f in _FLAGS:
        text = v.get(f, "")
        if text.strip():
            row[f] = _parse(V.flag, text, col.get(f, f))
    if (text := v.get("birthday", "").strip()):
        row["birthday"] = _parse(V.birthday, text, col.get("birthday", "birthday"), ctx.date_order)
    if (text := v.get("created_at", "").strip()):
        try:
            row["created_at"] = ctx.time(text)
        except V.PlaceholderDate:
            # A sign-up date is optional: a stand-in for none (a WooCommerce guest's 0000-00-00)
            # reads as the empty cell it means, rather than refusing a customer who is real.
            pass
        except ValueError as exc:
            raise BadValue(col.get("created_at", "created_at"), str(exc)) from None
    if (text := v.get("timezone", "").strip()):
        name = zone_name(text)
        if name is None:
            raise BadValue(col.get("timezone", "timezone"), f"unknown time zone {text!r} (expected e.g. Europe/Berlin)")
        row["timezone"] = name
    if (text := v.get("tags", "").strip()):
        row["tags"] = _parse(V.tags, text, col.get("tags", "tags"))
    if extra:
        row["attributes"] = extra
    return row


def order_row(v: dict, line: int, ctx: ReadContext, col: dict, extra: dict) -> dict:
    oid = v.get("order_id", "").strip()
    if not oid:
        raise BadValue(col.get("order_id", "order_id"), "missing order_id")
    cid, email = customer_key(v, col)
    placed = v.get("placed_at", "")
    c = col.get
    try:
        placed_at = ctx.time(placed)
    except ValueError as exc:
        raise BadValue(c("placed_at", "placed_at"), "missing placed_at" if not placed.strip() else str(exc)) from None
    total = v.get("total", "")
    try:
        total_cents = ctx.cents(total, c("total", "total"))
    except ValueError as exc:
        raise BadValue(c("total", "total"), "missing total" if not total.strip() else str(exc)) from None
    cur = v.get("currency")
    st = v.get("status")
    if cur and len(cur) == 3 and cur.isupper() and cur.isalpha() and cur.isascii():
        currency = cur  # fast path; V.currency validates anything else
    else:
        currency = _parse(V.currency, cur, c("currency", "currency"), ctx.currency) if cur and cur.strip() else None
    if not total.strip().isdigit():  # a symbol or code in the amount must agree with the currency
        currency = _parse(V.amount_currency, total, c("total", "total"), currency, ctx.currency)
    currency = currency or ctx.currency
    status = STATUS_FAST.get(st) if st else "paid"
    if status is None:  # not one of ours as written: the slow path maps or refuses it
        status = _parse(V.status, st, c("status", "status"))
    if total_cents < 0 and status not in V.NOT_PURCHASES:
        raise BadValue(c("total", "total"), f"negative total {total.strip()!r} for a {status} order "
                       "(only a refunded or cancelled order may be negative)")
    return {
        "line": line,
        "order_id": oid,
        "customer_id": cid,
        "email": email,
        "email_norm": email.lower() if email else None,
        "placed_at": placed_at,
        "total_cents": total_cents,
        "currency": currency,
        "status": status,
        "attributes": extra,
        "items": None,
    }


# What the stages read of these events' properties (segments/stages.py): the keys and their top.
_SCORES = {"review_submitted": (("rating",), 5), "nps_response": (("score", "nps"), 10)}


def event_row(v: dict, line: int, ctx: ReadContext, col: dict, extra: dict) -> dict:
    cid, email = customer_key(v, col)
    written = v.get("type", "").strip().lower()
    if not written:
        raise BadValue(col.get("type", "type"), "missing type")
    etype = V.event_type(written)
    occurred = v.get("occurred_at", "")
    if not occurred.strip():
        raise BadValue(col.get("occurred_at", "occurred_at"), "missing occurred_at")
    occurred_at = _parse(ctx.time, occurred, col.get("occurred_at", "occurred_at"))
    props = _parse(V.json_object, v.get("properties", ""), col.get("properties", "properties"))
    if etype in _SCORES:
        keys, top = _SCORES[etype]
        for key in keys:
            value = props.get(key, extra.get(key))
            if value is not None and value != "":
                _parse(V.score, value, col.get("properties", "properties") if key in props else key, top)
    if extra:
        props = {**extra, **props}
    row = {
        "line": line,
        "event_id": v.get("event_id", "").strip() or None,
        "customer_id": cid,
        "email": email,
        "email_norm": email.lower() if email else None,
        "type": etype,
        "occurred_at": occurred_at,
        "properties": props,
    }
    if written != etype:
        # Event keys without an event_id digest the type as files spell it (lowercased), as
        # they did before types were normalised: re-importing an old file finds its events.
        row["type_as_written"] = written
    return row


CONVERTERS = {"customers": customer_row, "orders": order_row, "events": event_row}


@dataclass
class Reading:
    """What a format reader returns: the row stream plus what it learnt from the header.

    ``rows`` yields canonical dicts or :class:`~lifecycle_tui.importers.errors.RowError`.
    ``unknown_columns`` lists columns kept as attributes/properties (as written in the file);
    ``notes`` are remarks for the report (e.g. how customers were matched).
    """

    rows: object
    unknown_columns: list[str]
    notes: list[str]
