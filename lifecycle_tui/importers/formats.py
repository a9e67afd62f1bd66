"""Source formats and their detection from the header row.

Formats: ``generic`` (our own columns, any order), ``jsonl`` (one JSON object per line with
the same names), ``shopify`` (customer and order exports) and ``woocommerce`` (Analytics >
Customers / Orders "Download" exports). :func:`detect_format` looks at the header only.
"""

from __future__ import annotations

import re

from lifecycle_tui.importers.errors import ImportRefused
from lifecycle_tui.importers.header_words import LOCAL_ALIASES, LOCAL_KIND_ALIASES, fold
from lifecycle_tui.importers.reader import normalise_header

KINDS = ("customers", "orders", "events")
FORMATS = ("auto", "generic", "shopify", "woocommerce", "jsonl")

# Generic columns per kind (design brief). Aliases map common spellings onto them.
GENERIC_COLUMNS = {
    "customers": (
        "customer_id", "email", "phone", "first_name", "last_name", "birthday", "created_at",
        "accepts_email", "accepts_sms", "accepts_push", "push_token", "timezone", "tags",
    ),
    "orders": ("order_id", "customer_id", "email", "placed_at", "total", "currency", "status"),
    "events": ("customer_id", "email", "type", "occurred_at", "event_id", "properties"),
}
# A full name ("Name", "Full Name") in a customers file without first and last name columns:
# split into first_name (up to the first space) and last_name (see ``canonical.split_name``).
FULL_NAME = "name"
ALIASES = {
    "id": "customer_id", "customer": "customer_id", "customerid": "customer_id", "customer_number": "customer_id",
    "e_mail": "email", "email_address": "email", "e_mail_address": "email", "emailaddress": "email", "mail": "email",
    "customer_email": "email", "billing_email": "email",
    "phone_number": "phone", "mobile": "phone", "mobile_phone": "phone", "mobile_number": "phone",
    "cell_phone": "phone", "telephone": "phone", "tel": "phone", "billing_phone": "phone",
    "firstname": "first_name", "given_name": "first_name", "forename": "first_name",
    "lastname": "last_name", "surname": "last_name", "family_name": "last_name",
    "date_of_birth": "birthday", "dob": "birthday", "birthdate": "birthday", "birth_date": "birthday",
    "signed_up_at": "created_at", "signup_date": "created_at", "sign_up_date": "created_at",
    "accepts_marketing": "accepts_email", "accepts_email_marketing": "accepts_email", "email_opt_in": "accepts_email",
    "email_consent": "accepts_email", "email_marketing": "accepts_email",
    "accepts_sms_marketing": "accepts_sms", "sms_opt_in": "accepts_sms", "sms_consent": "accepts_sms",
    "sms_marketing": "accepts_sms", "push_opt_in": "accepts_push", "push_consent": "accepts_push",
    "tz": "timezone", "time_zone": "timezone", "orderid": "order_id", "order": "order_id", "order_no": "order_id",
    "order_date": "placed_at", "created": "placed_at", "date": "placed_at", "purchase_date": "placed_at",
    "amount": "total", "total_price": "total", "order_total": "total", "grand_total": "total", "total_amount": "total",
    "order_currency": "currency", "currency_code": "currency", "order_status": "status",
    "event_type": "type", "event": "type", "event_name": "type", "timestamp": "occurred_at",
    "time": "occurred_at", "event_time": "occurred_at", "event_date": "occurred_at",
}
# Aliases that only make sense for one kind ("created_at" of an order is when it was placed).
KIND_ALIASES = {
    "customers": {"name": FULL_NAME, "full_name": FULL_NAME, "customer_name": FULL_NAME, "contact_name": FULL_NAME},
    "orders": {"created_at": "placed_at", "order_number": "order_id", "id": "order_id"},
    "events": {"created_at": "occurred_at", "id": "event_id", "date": "occurred_at"},
}


def canonical_name(kind: str, header: str) -> str:
    """The generic field a header cell names (``"Customer ID"`` -> ``customer_id``, ``"Währung"``
    -> ``currency``), else its snake form."""
    norm = normalise_header(header)
    if norm in GENERIC_COLUMNS[kind]:
        return norm
    word = fold(norm)
    alias = (KIND_ALIASES.get(kind, {}).get(word) or ALIASES.get(word)
             or LOCAL_KIND_ALIASES.get(kind, {}).get(word) or LOCAL_ALIASES.get(word))
    return alias if alias in GENERIC_COLUMNS[kind] or alias == FULL_NAME else norm  # FULL_NAME: customers only


def _has(names: set[str], *wanted: str) -> bool:
    return all(w in names for w in wanted)


def detect_format(header: list[str], first_text: str) -> tuple[str, str | None]:
    """``(format, kind or None)`` from the header row (and first line for JSON Lines)."""
    if first_text.lstrip("\ufeff \t").startswith("{"):
        return "jsonl", None
    names = {normalise_header(h) for h in header}
    if _has(names, "name", "financial_status") or _has(names, "name", "lineitem_name"):
        return "shopify", "orders"
    # Shopify's customer export always has "Email" as it is; a file with "E-Mail" or "Surname"
    # is someone's own, read with the generic aliases (the Shopify reader would keep those
    # columns as attributes and the email would be lost).
    if "email" in names and ("accepts_email_marketing" in names or "accepts_marketing" in names) and (
        "total_orders" in names or "total_spent" in names or "first_name" in names
    ):
        return "shopify", "customers"
    if _has(names, "username", "last_active") or _has(names, "total_spend", "aov"):
        return "woocommerce", "customers"
    if "order" in names and ("n_revenue_formatted" in names or "net_sales" in names or "customer_type" in names):
        return "woocommerce", "orders"
    return "generic", None


_JSON_ARRAY = re.compile(r"\ufeff?\s*\[\s*(?:\{|\[|$)")  # "[{...}, ...]" or "[" alone on the first line


def resolve_format(requested: str, kind: str, header: list[str], first_text: str, path) -> str:
    """The format to read ``path`` with; refuses a file that is plainly the other kind."""
    if requested not in FORMATS:
        raise ImportRefused(f"unknown format {requested!r} (expected one of {', '.join(FORMATS)}).")
    if _JSON_ARRAY.match(first_text) and requested in ("auto", "jsonl"):
        raise ImportRefused(
            f"{path}: line 1: this is a JSON array; write one JSON object per line (JSON Lines, "
            "no [ ] around them and no commas between) or export a CSV."
        )
    detected, detected_kind = detect_format(header, first_text)
    fmt = detected if requested == "auto" else requested
    if detected_kind and detected_kind != kind and fmt == detected:
        label = {"shopify": "Shopify", "woocommerce": "WooCommerce"}[detected]
        raise ImportRefused(
            f"{path}: this looks like a {label} {detected_kind[:-1]} export, not {kind}; "
            f"import it as {detected_kind} instead."
        )
    if fmt in ("shopify", "woocommerce") and kind == "events":
        raise ImportRefused(f"{path}: {fmt} exports have no events; use --format generic or jsonl.")
    return fmt


# Columns that only an orders or events file has (a customers import would keep them as
# attributes, so an orders file imported as customers would be "accepted"). Written-out
# names only: the kind-specific aliases ("id", "created_at") fit a customers file too.
_OTHER_KIND_COLUMNS = {
    "orders": ({"order_id", "orderid", "order_number"}, {"placed_at", "order_date", "total", "total_price", "amount"}),
    "events": ({"type", "event_type", "event"}, {"occurred_at", "event_time", "timestamp"}),
}


def generic_kind(header: list[str]) -> tuple[str, str, str] | None:
    """``(kind, id column, detail column)`` when a generic file's header is plainly an orders or
    events file's (see ``_OTHER_KIND_COLUMNS``), else None."""
    names = {normalise_header(h): h for h in header}
    for other, (ids, details) in _OTHER_KIND_COLUMNS.items():
        has_id = [names[n] for n in names if n in ids]
        has_detail = [names[n] for n in names if n in details]
        if has_id and has_detail:
            return other, has_id[0], has_detail[0]
    return None


def refuse_other_kind(header: list[str], path, header_line: int) -> None:
    """Refuse a customers import of a file whose header is plainly an orders or events file's."""
    found = generic_kind(header)
    if found:
        other, id_col, detail_col = found
        raise ImportRefused(
            f"{path}: line {header_line}: this looks like an {other} file, not customers (it has the columns "
            f"{id_col!r} and {detail_col!r}); import it as {other} instead."
        )
