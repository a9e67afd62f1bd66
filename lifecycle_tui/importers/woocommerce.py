"""WooCommerce Analytics exports (Analytics > Customers / Orders > Download), read as they come.

* Customers: ``Name, Username, Last Active, Sign Up, Email, Orders, Total Spend, AOV,
  Country / Region, City, Region, Postal Code, Billing Phone, Shipping Phone, Role``.
  Keyed by email (the export has no customer id); ``Sign Up`` becomes ``created_at``;
  location, username, role and last-active are kept as attributes; the derived totals
  are dropped. The export carries no marketing consent, so consent is left as it is.
* Orders: ``Date, Order #, N. Revenue (formatted), Status, Customer, Customer type,
  Product(s), Items sold, Coupon(s), Net Sales, Attribution``. ``Net Sales`` is the total
  (else the formatted revenue); ``Product(s)`` like ``2× Hoodie, 1× Cap`` become line
  items without prices. The export has no email: when the shop added an email column
  (``Email``, ``Customer Email`` or ``Billing Email``) it is used; otherwise the order is
  matched to the customer with that full name, else to a customer keyed ``name:<name>``.
Dates in these files are the site's local time, read in the shop time zone.
"""

from __future__ import annotations

import re
from typing import Iterator

from lifecycle_tui.importers import values as V
from lifecycle_tui.importers.canonical import Reading, ReadContext, customer_row, split_name
from lifecycle_tui.importers.errors import BadValue, ImportRefused, RowError
from lifecycle_tui.importers.reader import Table, header_index, normalise_header

CUSTOMER_ATTRS = {"username", "last_active", "country_region", "city", "region", "postal_code", "role"}
CUSTOMER_DERIVED = {"orders", "total_spend", "aov"}
CUSTOMER_KNOWN = {"name", "sign_up", "email", "billing_phone", "shipping_phone"} | CUSTOMER_ATTRS | CUSTOMER_DERIVED
ORDER_KNOWN = {
    "date", "order", "n_revenue_formatted", "status", "customer", "customer_type", "product_s",
    "items_sold", "coupon_s", "net_sales", "attribution", "email", "customer_email", "billing_email",
}
_PRODUCT = re.compile(r"^\s*(\d+)\s*[×x]\s*(.+?)\s*$")


def read_customers(table: Table, kind: str, ctx: ReadContext) -> Reading:
    idx = header_index(table.header)
    if "email" not in idx:
        raise ImportRefused(f"{table.path}: line {table.header_line}: a WooCommerce customer export needs the Email column.")
    H = table.header
    col = {"email": H[idx["email"]], "created_at": H[idx["sign_up"]] if "sign_up" in idx else "Sign Up"}
    extras = [(i, n) for n, i in idx.items() if n not in CUSTOMER_KNOWN or n in CUSTOMER_ATTRS]
    unknown = [H[i] for i, n in extras if n not in CUSTOMER_KNOWN]

    def get(cells: list[str], name: str) -> str:
        i = idx.get(name)
        return cells[i] if i is not None and i < len(cells) else ""

    def rows() -> Iterator[dict | RowError]:
        for line, cells in table.rows():
            first, last = split_name(get(cells, "name"))
            v = {
                "email": get(cells, "email"), "first_name": first, "last_name": last,
                "created_at": get(cells, "sign_up"),
                "phone": get(cells, "billing_phone").strip() or get(cells, "shipping_phone"),
            }
            extra = {n: cells[i].strip() for i, n in extras if i < len(cells) and cells[i].strip()}
            try:
                yield customer_row(v, line, ctx, col, extra)
            except BadValue as exc:
                yield RowError(line, exc.column, exc.reason)

    return Reading(rows(), unknown, [])


def parse_products(text: str) -> list[tuple]:
    """``2× Hoodie, 1× Cap`` -> ``[(None, 'Hoodie', 2, 0), (None, 'Cap', 1, 0)]``."""
    items = []
    for part in text.split(", "):
        if not part.strip():
            continue
        m = _PRODUCT.match(part)
        if m:
            items.append((None, m.group(2), int(m.group(1)), 0))
        else:
            items.append((None, part.strip(), 1, 0))
    return items


def read_orders(table: Table, kind: str, ctx: ReadContext) -> Reading:
    idx = header_index(table.header)
    for needed, label in (("order", "Order #"), ("date", "Date")):
        if needed not in idx:
            raise ImportRefused(f"{table.path}: line {table.header_line}: a WooCommerce order export needs the {label} column.")
    H = table.header
    email_key = next((k for k in ("email", "customer_email", "billing_email") if k in idx), None)
    unknown = [H[i] for n, i in idx.items() if n not in ORDER_KNOWN]
    notes = [] if email_key else [
        "This WooCommerce order export has no email column: orders were matched to customers by full name."
    ]

    def get(cells: list[str], name: str) -> str:
        i = idx.get(name)
        return cells[i] if i is not None and i < len(cells) else ""

    def column(name: str) -> str:
        return H[idx[name]] if name in idx else name

    def convert(line: int, cells: list[str]) -> dict:
        oid = get(cells, "order").strip().lstrip("#")
        if not oid:
            raise BadValue(column("order"), "missing order number")
        name = get(cells, "customer").strip()
        email = get(cells, email_key).strip() if email_key else ""
        if email:
            try:
                email = V.check_email(email)
            except ValueError as exc:
                raise BadValue(column(email_key), str(exc)) from None
        elif not name:
            raise BadValue(column("customer"), "missing customer")
        try:
            placed_at = ctx.time(get(cells, "date"))
        except ValueError as exc:
            raise BadValue(column("date"), str(exc)) from None
        total_col = "net_sales" if get(cells, "net_sales").strip() else "n_revenue_formatted"
        # Net Sales is a bare number: the formatted revenue's sign ("$40.00", "£12.50") says
        # which money both are in, so a $ export into a EUR shop is refused, not booked as EUR.
        sign_col = "n_revenue_formatted" if get(cells, "n_revenue_formatted").strip() else total_col
        try:
            total_cents = ctx.cents(get(cells, total_col), column(total_col))
        except ValueError as exc:
            raise BadValue(column(total_col), str(exc)) from None
        try:
            currency = V.amount_currency(get(cells, sign_col), None, ctx.currency)
        except ValueError as exc:
            raise BadValue(column(sign_col), str(exc)) from None
        try:
            status = V.status(get(cells, "status"))
        except ValueError as exc:
            raise BadValue(column("status"), str(exc)) from None
        first, last = split_name(name)
        attributes = {k: get(cells, k).strip() for k in ("customer_type", "coupon_s", "attribution") if get(cells, k).strip()}
        attributes.update({normalise_header(H[i]): cells[i].strip() for n, i in idx.items()
                           if n not in ORDER_KNOWN and i < len(cells) and cells[i].strip()})
        products = get(cells, "product_s")
        row = {
            "line": line, "order_id": oid,
            "customer_id": None if email else f"name:{name.lower()}",
            "email": email or None, "email_norm": email.lower() if email else None,
            "placed_at": placed_at, "total_cents": total_cents, "currency": currency, "status": status,
            "attributes": attributes, "items": parse_products(products) if products.strip() else None,
        }
        if first:
            row["first_name"] = first
        if last:
            row["last_name"] = last
        if not email:
            row["match_name"] = name.lower()
        return row

    def rows() -> Iterator[dict | RowError]:
        for line, cells in table.rows():
            try:
                yield convert(line, cells)
            except BadValue as exc:
                yield RowError(line, exc.column, exc.reason)

    return Reading(rows(), unknown, notes)


def read(table: Table, kind: str, ctx: ReadContext) -> Reading:
    return read_customers(table, kind, ctx) if kind == "customers" else read_orders(table, kind, ctx)
