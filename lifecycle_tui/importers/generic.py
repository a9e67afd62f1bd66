"""The generic CSV reader: our own column names in any order, headers case/space-insensitive.

Unknown columns are kept (customers/orders: ``attributes``; events: ``properties``) under
their snake-case name and listed in the report.
"""

from __future__ import annotations

from datetime import datetime
from operator import itemgetter
from typing import Iterator

from lifecycle_tui.importers.canonical import CONVERTERS, STATUS_FAST, Reading, ReadContext
from lifecycle_tui.importers.errors import BadValue, ImportRefused, RowError
from lifecycle_tui.importers.formats import FULL_NAME, GENERIC_COLUMNS, canonical_name, refuse_other_kind
from lifecycle_tui.importers.header_words import PAIRED_NAMES, fold
from lifecycle_tui.importers.reader import Table, normalise_header
from lifecycle_tui.importers.values import EARLIEST

REQUIRED = {
    "customers": (),
    "orders": ("order_id", "placed_at", "total"),
    "events": ("type", "occurred_at"),
}


def column_fields(kind: str, header: list[str]) -> list[str | None]:
    """The field each header cell fills in a generic file, None for a column kept as an attribute
    (the import and the console's preview both read the header this way)."""
    names = [canonical_name(kind, h) if h else "" for h in header]
    if kind == "customers":
        _pair_name_words(header, names)
    # A full name is split only where the file has no first or last name of its own; beside
    # them it is an attribute like any other column, so nothing in it is lost.
    split_full_name = kind == "customers" and not {"first_name", "last_name"} & set(names)
    return [n if n in GENERIC_COLUMNS[kind] or (n == FULL_NAME and split_full_name) else None for n in names]


def _pair_name_words(header: list[str], names: list[str]) -> None:
    """``Nom`` beside ``Prénom`` is the last name, ``Nombre`` beside ``Apellidos`` the first;
    either alone is the full name (split like ``Name``). In place, on ``names``."""
    for i, h in enumerate(header):
        half = PAIRED_NAMES.get(fold(normalise_header(h))) if h else None
        if half:
            partner = "first_name" if half == "last_name" else "last_name"
            names[i] = half if partner in names else FULL_NAME


def map_header(kind: str, header: list[str], path, header_line: int = 1) -> tuple[list[tuple[int, str]], list[tuple[int, str]], dict]:
    """``(known [(index, field)], unknown [(index, attribute key)], {field: header as written})``."""
    if kind == "customers":
        refuse_other_kind(header, path, header_line)
    known: list[tuple[int, str]] = []
    unknown: list[tuple[int, str]] = []
    col: dict[str, str] = {}
    seen: dict[str, str] = {}
    for i, (h, field) in enumerate(zip(header, column_fields(kind, header))):
        if not h:
            continue
        name = field or canonical_name(kind, h)
        if name in seen:
            raise ImportRefused(f"{path}: line {header_line}: columns {seen[name]!r} and {h!r} both mean {name!r}.")
        seen[name] = h
        if field is not None:
            known.append((i, field))
            col[field] = h
        else:
            unknown.append((i, normalise_header(h) or f"column_{i + 1}"))
    missing = [f for f in REQUIRED[kind] if f not in col]
    if "customer_id" not in col and "email" not in col:
        missing.append("customer_id or email")
    if missing:
        raise ImportRefused(
            f"{path}: line {header_line}: missing column {', '.join(missing)} for {kind} "
            f"(expected columns: {', '.join(GENERIC_COLUMNS[kind])})."
        )
    return known, unknown, col


# An order row as a tuple (the bulk path pickles and inserts these; cheaper than dicts).
ORDER_FIELDS = ("line", "order_id", "customer_id", "email", "email_norm", "placed_at", "total_cents", "currency", "status", "attributes")
_order_tuple = itemgetter(*ORDER_FIELDS)


def order_dict(t: tuple) -> dict:
    """The canonical order dict of an :data:`ORDER_FIELDS` tuple."""
    d = dict(zip(ORDER_FIELDS, t))
    d["items"] = None
    return d


def _records(pairs, width: int, unknown: list[tuple[int, str]]) -> Iterator[tuple | RowError]:
    """``(line, cells padded to width, {attribute: text})`` per ``(line, cells)`` record, or a RowError for extra cells."""
    for line, cells in pairs:
        n = len(cells)
        if n != width:
            if n < width:
                cells = cells + [""] * (width - n)
            elif any(c.strip() for c in cells[width:]):
                yield RowError(line, f"column {width + 1}", f"{n} cells but the header has {width} columns")
                continue
        yield line, cells, ({k: cells[i] for i, k in unknown if cells[i] != ""} if unknown else {})


def _converters(table: Table, kind: str, ctx: ReadContext):
    known, unknown, col = map_header(kind, table.header, table.path, table.header_line)
    fast = fast_orders(known, ctx) if kind == "orders" and ctx.tz_is_utc and not ctx.decimal_comma else None
    # dict(zip(names, cells)) runs in C; unknown columns get names no field lookup uses.
    names = [f"\x00{i}" for i in range(len(table.header))]
    for i, f in known:
        names[i] = f
    return known, unknown, col, fast, names


def _convert(rec, fast, general, names, ctx: ReadContext, col):
    """One record of :func:`_records` converted: by ``fast`` when it takes the row, else by
    ``general`` (a converter of CONVERTERS), a bad value becoming a RowError."""
    if rec.__class__ is RowError:
        return rec
    line, cells, extra = rec
    if fast is not None:
        row = fast(cells, line, extra)
        if row is not None:
            return row
    try:
        return general(dict(zip(names, cells)), line, ctx, col, extra)
    except BadValue as exc:
        return RowError(line, exc.column, exc.reason)


def read_generic(table: Table, kind: str, ctx: ReadContext) -> Reading:
    _, unknown, col, fast, names = _converters(table, kind, ctx)
    convert = CONVERTERS[kind]

    def fast_dict(cells, line, extra):  # the fast converter's tuple as the canonical order dict
        row = fast(cells, line, extra)
        return None if row is None else order_dict(row)

    def rows() -> Iterator[dict | RowError]:
        for rec in _records(table.rows(), len(table.header), unknown):
            yield _convert(rec, fast_dict if fast is not None else None, convert, names, ctx, col)

    return Reading(rows(), [table.header[i] for i, _ in unknown], [])


def order_tuples(table: Table, ctx: ReadContext):
    """``(convert, known, unknown)`` for a generic orders file: ``convert(pairs)`` turns
    ``(line, cells)`` records into :data:`ORDER_FIELDS` tuples (or RowErrors), in order.

    Same validation as :func:`read_generic` (rows the fast converter declines go through
    the general one); the header was already checked by :func:`read_generic`.
    """
    known, unknown, col, fast, names = _converters(table, "orders", ctx)
    general = CONVERTERS["orders"]
    width = len(table.header)

    def general_tuple(*args):  # the general converter's dict as an ORDER_FIELDS tuple
        return _order_tuple(general(*args))

    def convert(pairs) -> Iterator[tuple | RowError]:
        for line, cells in pairs:
            if len(cells) == width and fast is not None:  # the common case, without the _records layer
                row = fast(cells, line, {k: cells[i] for i, k in unknown if cells[i] != ""} if unknown else {})
                if row is not None:
                    yield row
                    continue
            rec = next(_records(((line, cells),), width, unknown), None)
            if rec is not None:
                yield _convert(rec, fast, general_tuple, names, ctx, col)

    return convert, known, unknown


def fast_orders(known: list[tuple[int, str]], ctx: ReadContext):
    """A converter for the common shape of order rows, about twice as fast as the general one.

    ``convert(cells, line, extra)`` -> an :data:`ORDER_FIELDS` tuple handles only cells that need no cleaning (no padding
    spaces, ``YYYY-MM-DD HH:MM:SS`` (bare or ``+00:00``) in a UTC shop, ``123.45`` amounts, an upper-case
    currency, one of our statuses) and returns ``None`` for anything else, which then goes
    through the general converter, so errors and edge cases read exactly the same.
    """
    fields = {f: i for i, f in known}
    i_oid, i_placed, i_total = fields["order_id"], fields["placed_at"], fields["total"]
    i_cid, i_email = fields.get("customer_id"), fields.get("email")
    i_cur, i_status = fields.get("currency"), fields.get("status")
    fromiso = datetime.fromisoformat
    earliest = EARLIEST
    statuses = STATUS_FAST
    default_currency = ctx.currency

    def convert(cells: list[str], line: int, extra: dict) -> dict | None:
        oid = cells[i_oid]
        cid = cells[i_cid] if i_cid is not None else ""
        email = cells[i_email] if i_email is not None else ""
        placed = cells[i_placed]
        whole, dot, frac = cells[i_total].partition(".")
        cur = (cells[i_cur] if i_cur is not None else "") or default_currency
        status = statuses.get((cells[i_status] if i_status is not None else "") or "paid")
        if not (
            oid and oid[0] != " " and oid[-1] != " "
            and (cid or email)
            and (not cid or (cid[0] not in " '" and cid[-1] != " "))
            and (not email or ("@" in email and " " not in email))
            and (len(placed) == 19 or (len(placed) == 25 and placed[19:] == "+00:00"))
            and placed[10] in " T" and placed[4] == placed[7] == "-" and placed[13] == placed[16] == ":"
            and placed >= earliest  # a stand-in for no date (1970-01-01) is refused by the general way
            and whole.isdigit() and len(whole) <= 10 and (not dot or (len(frac) == 2 and frac.isdigit()))
            and len(cur) == 3 and cur.isupper() and cur.isalpha() and cur.isascii()
            and status
        ):
            return None
        try:
            fromiso(placed)  # validates the calendar date and the time
        except ValueError:
            return None
        return (
            line, oid, cid or None, email or None, email.lower() if email else None,
            f"{placed[:10]}T{placed[11:19]}+00:00", int(whole + frac) if dot else int(whole) * 100,
            cur, status, extra,
        )

    return convert
