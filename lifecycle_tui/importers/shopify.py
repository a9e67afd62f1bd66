"""Shopify exports: Customers > Export and Orders > Export, read as they come.

* Customers: ``Customer ID`` (often written ``'7234...`` so spreadsheets keep it text),
  ``Email``, names, ``Phone``, ``Accepts Email Marketing`` (older files: ``Accepts
  Marketing``) and ``Accepts SMS Marketing`` as yes/no, ``Tags``. Address and note columns
  are kept as attributes; ``Total Spent``/``Total Orders`` are derived and dropped.
* Orders: one row per line item. The order-level cells (``Email``, ``Financial Status``,
  ``Total``, ``Currency``, ``Created at`` like ``2025-10-07 09:50:26 +0200``, ...) are
  filled on the first row of each order only; ``Name`` (``#1001``) is the order id.
"""

from __future__ import annotations

from typing import Iterator

from lifecycle_tui.importers import values as V
from lifecycle_tui.importers.canonical import Reading, ReadContext, customer_row
from lifecycle_tui.importers.errors import BadValue, ImportRefused, RowError
from lifecycle_tui.importers.reader import Table, header_index

CUSTOMER_MAP = {
    "customer_id": "customer_id", "email": "email", "first_name": "first_name", "last_name": "last_name",
    "phone": "phone", "accepts_email_marketing": "accepts_email", "accepts_marketing": "accepts_email",
    "accepts_sms_marketing": "accepts_sms", "tags": "tags",
}
CUSTOMER_DERIVED = {"total_spent", "total_orders"}  # the store computes these itself
CUSTOMER_KNOWN_EXTRA = {
    "default_address_company", "default_address_address1", "default_address_address2", "default_address_city",
    "default_address_province_code", "default_address_country_code", "default_address_zip",
    "default_address_phone", "company", "address1", "address2", "city", "province", "province_code",
    "country", "country_code", "zip", "note", "tax_exempt",
}

ORDER_LEVEL_EXTRA = (
    "id", "subtotal", "shipping", "taxes", "discount_code", "discount_amount", "shipping_method",
    "payment_method", "refunded_amount", "source", "tags", "fulfillment_status",
)


def read_customers(table: Table, kind: str, ctx: ReadContext) -> Reading:
    idx = header_index(table.header)
    mapped = [(i, CUSTOMER_MAP[n]) for n, i in idx.items() if n in CUSTOMER_MAP]
    col = {CUSTOMER_MAP[n]: table.header[i] for n, i in idx.items() if n in CUSTOMER_MAP}
    if "email" not in col and "customer_id" not in col:
        raise ImportRefused(f"{table.path}: line {table.header_line}: a Shopify customer export needs a Customer ID or Email column.")
    extras = [(i, n) for n, i in idx.items() if n not in CUSTOMER_MAP and n not in CUSTOMER_DERIVED]
    unknown = [table.header[i] for i, n in extras if n not in CUSTOMER_KNOWN_EXTRA]
    phone_fallback = idx.get("default_address_phone")

    def rows() -> Iterator[dict | RowError]:
        for line, cells in table.rows():
            cells = cells + [""] * (len(table.header) - len(cells))
            v = {f: cells[i] for i, f in mapped}
            if not v.get("phone", "").strip() and phone_fallback is not None:
                v["phone"] = cells[phone_fallback]
            extra = {n: cells[i].strip() for i, n in extras if cells[i].strip()}
            try:
                yield customer_row(v, line, ctx, col, extra)
            except BadValue as exc:
                yield RowError(line, exc.column, exc.reason)

    return Reading(rows(), unknown, [])


def order_status(financial: str, cancelled_at: str, fulfillment: str) -> str:
    """Our status from Shopify's financial status (a cancelled order never counts)."""
    if cancelled_at.strip():
        return "cancelled"
    st = V.status(financial) if financial.strip() else "paid"
    if st == "paid" and fulfillment.strip().lower() == "fulfilled":
        return "fulfilled"
    return st


def read_orders(table: Table, kind: str, ctx: ReadContext) -> Reading:
    idx = header_index(table.header)
    for needed in ("name", "created_at", "total"):
        if needed not in idx:
            raise ImportRefused(f"{table.path}: line {table.header_line}: a Shopify order export needs the {needed.replace('_', ' ').title()} column.")
    H = table.header
    width = len(H)

    def cell(cells: list[str], name: str) -> str:
        i = idx.get(name)
        return cells[i] if i is not None else ""

    def head_col(name: str) -> str:
        return H[idx[name]] if name in idx else name

    def start_order(line: int, cells: list[str]) -> dict:
        email = cell(cells, "email").strip()
        if not email:
            raise BadValue(head_col("email"), "order has no customer email, so it cannot be attributed")
        try:
            email = V.check_email(email)
        except ValueError as exc:
            raise BadValue(head_col("email"), str(exc)) from None
        try:
            placed_at = ctx.time(cell(cells, "created_at"))
        except ValueError as exc:
            raise BadValue(head_col("created_at"), str(exc)) from None
        try:
            total_cents = ctx.cents(cell(cells, "total"), head_col("total"))
        except ValueError as exc:
            raise BadValue(head_col("total"), str(exc)) from None
        try:
            given = cell(cells, "currency")
            currency = V.currency(given, ctx.currency) if given.strip() else None
        except ValueError as exc:
            raise BadValue(head_col("currency"), str(exc)) from None
        try:
            currency = V.amount_currency(cell(cells, "total"), currency, ctx.currency)
        except ValueError as exc:
            raise BadValue(head_col("total"), str(exc)) from None
        try:
            status = order_status(cell(cells, "financial_status"), cell(cells, "cancelled_at"), cell(cells, "fulfillment_status"))
        except ValueError as exc:
            raise BadValue(head_col("financial_status"), str(exc)) from None
        first, _, last = cell(cells, "billing_name").strip().partition(" ")
        attributes = {k: cell(cells, k).strip() for k in ORDER_LEVEL_EXTRA if cell(cells, k).strip()}
        row = {
            "line": line, "order_id": cell(cells, "name").strip(), "customer_id": None, "email": email,
            "email_norm": email.lower(), "placed_at": placed_at, "total_cents": total_cents,
            "currency": currency, "status": status, "attributes": attributes, "items": [],
        }
        if first:
            row["first_name"] = first
        if last:
            row["last_name"] = last.strip()
        return row

    def add_item(order: dict, cells: list[str]) -> None:
        title = cell(cells, "lineitem_name").strip()
        sku = cell(cells, "lineitem_sku").strip()
        if not title and not sku:
            return
        try:
            qty = V.quantity(cell(cells, "lineitem_quantity"))
        except ValueError as exc:
            raise BadValue(head_col("lineitem_quantity"), str(exc)) from None
        price = cell(cells, "lineitem_price")
        try:
            price_cents = ctx.cents(price, head_col("lineitem_price")) if price.strip() else 0
        except ValueError as exc:
            raise BadValue(head_col("lineitem_price"), str(exc)) from None
        order["items"].append((sku or None, title or None, qty, price_cents))

    def rows() -> Iterator[dict | RowError]:
        current: dict | None = None
        bad_name: str | None = None  # an order already rejected: skip its remaining rows
        for line, cells in table.rows():
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            name = cell(cells, "name").strip()
            if not name:
                yield RowError(line, head_col("name"), "missing order name (e.g. #1001)")
                continue
            if current is not None and name == current["order_id"]:
                try:
                    add_item(current, cells)
                except BadValue as exc:
                    yield RowError(line, exc.column, exc.reason)
                    current, bad_name = None, name
                continue
            if name == bad_name:
                continue
            if current is not None:
                yield current
            current, bad_name = None, None
            try:
                current = start_order(line, cells)
                add_item(current, cells)
            except BadValue as exc:
                yield RowError(line, exc.column, exc.reason)
                current, bad_name = None, name
        if current is not None:
            yield current

    return Reading(rows(), [], [])


def read(table: Table, kind: str, ctx: ReadContext) -> Reading:
    return read_customers(table, kind, ctx) if kind == "customers" else read_orders(table, kind, ctx)
