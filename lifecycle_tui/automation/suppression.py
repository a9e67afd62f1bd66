"""Suppression list and unsubscribes: who must never be messaged again, and on which channel.

* :func:`suppress` adds one email address (lowercased) or phone number (normalised the way
  the send policy compares them, ``policy.normalise_phone``) to ``suppressions``.
* :func:`import_suppressions` reads an unsubscribe or bounce list (one value per line, or a
  CSV with an email/phone column; encoding and delimiter sniffed by the importers' reader) in
  one transaction: a bad value rejects the file with its
  line, column and reason unless ``skip_invalid``.
* :func:`unsubscribe` resolves an unsubscribe link's token to the customer and channel, turns
  that channel's consent off (recorded in ``consent_changes``) and, for email, suppresses the
  address too, so a later import that says "accepts email" cannot bring them back.

The planner reads consent and ``suppressions`` for every plan, so all of this is honoured by
the next plan. Times are passed in (``at``), never read from the clock here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from lifecycle_tui.importers.errors import ImportRefused
from lifecycle_tui.importers.reader import Table, normalise_header
from lifecycle_tui.messages.unsubscribe import resolve_unsubscribe_token
from lifecycle_tui.store.addresses import is_email_address, is_phone_number, normalise_phone
from lifecycle_tui.store.timeutil import to_iso

# Header names (as normalised by the importers' reader: "E-mail Address" -> e_mail_address).
_EMAIL_HEADERS = {"email", "e_mail", "email_address", "e_mail_address", "address", "recipient", "mail"}
_PHONE_HEADERS = {"phone", "phone_number", "mobile", "mobile_phone", "msisdn", "number", "sms"}


class SuppressionError(ValueError):
    """A value, file or token was refused; the message says why (and where, for files)."""


@dataclass
class SuppressResult:
    kind: str  # email | phone
    value: str  # as stored (normalised)
    added: bool  # False: it was already on the list


@dataclass
class ImportResult:
    added: int = 0
    already: int = 0
    rejected: list[dict] = field(default_factory=list)  # {line, column, reason}


@dataclass
class UnsubscribeResult:
    customer_id: str  # the shop's id
    channel: str
    changed: bool  # False: consent was already off
    suppressed: str | None  # the email address suppressed, if any


def classify(value: str) -> tuple[str, str]:
    """``(kind, normalised value)`` for an email address or phone number; raises SuppressionError."""
    text = (value or "").strip()
    if not text:
        raise SuppressionError("empty value")
    if "@" in text:
        if not is_email_address(text):
            raise SuppressionError(f"{text!r} is not an email address")
        return "email", text.lower()
    if not is_phone_number(text):
        raise SuppressionError(f"{text!r} is not an email address or a phone number")
    return "phone", normalise_phone(text)


def _reason(reason: str | None) -> str:
    return (reason or "").strip().lower() or "manual"


def suppress(store, value: str, reason: str = "manual", source: str = "manual", *, at: datetime) -> SuppressResult:
    """Put one email address or phone number on the suppression list (no-op if already there)."""
    kind, norm = classify(value)
    with store.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO suppressions (kind, value, reason, source, created_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(kind, value) DO NOTHING",
            (kind, norm, _reason(reason), source, to_iso(at)),
        )
    return SuppressResult(kind, norm, cur.rowcount == 1)


def _value_columns(header: list[str]) -> list[int] | None:
    """Columns holding emails/phones (email columns first) when the first row is a header, else None."""
    names = [normalise_header(h) for h in header]
    emails = [i for i, n in enumerate(names) if n in _EMAIL_HEADERS]
    phones = [i for i, n in enumerate(names) if n in _PHONE_HEADERS]
    return (emails + phones) or None


def read_suppression_file(path: str | Path) -> tuple[list[tuple[str, str]], list[dict]]:
    """``([(kind, value)], rejected)`` from an unsubscribe/bounce list; nothing is written.

    Encoding and delimiter are sniffed by the importers' reader. A first row naming an email
    or phone column is a header; otherwise every line is a value (first cell). Lines starting
    with ``#`` are comments.
    """
    path = Path(path)
    try:
        with Table(path) as table:
            columns = _value_columns(table.header)
            rows = list(table.rows())
            if columns is None and table.header:
                rows.insert(0, (1, table.header))  # no header: the first line is a value too
            header = table.header if columns is not None else []
    except ImportRefused as exc:
        raise SuppressionError(str(exc)) from None
    picks = columns if columns is not None else [0]
    good, rejected = [], []
    for number, cells in rows:
        if cells and cells[0].lstrip().startswith("#"):
            continue
        candidates = [(i, cells[i].strip()) for i in picks if i < len(cells) and cells[i].strip()]
        if not candidates:
            rejected.append({"line": number, "column": header[picks[0]] if header else "1",
                             "reason": "no email address or phone number"})
            continue
        index, value = candidates[0]
        try:
            good.append(classify(value))
        except SuppressionError as exc:
            rejected.append({"line": number, "column": header[index] if header else str(index + 1), "reason": str(exc)})
    return good, rejected


def import_suppressions(store, path: str | Path, reason: str = "bounce", *, at: datetime,
                        source: str | None = None, skip_invalid: bool = False) -> ImportResult:
    """Add every address in an unsubscribe/bounce list, in one transaction.

    A bad line rejects the whole file (SuppressionError naming file, line, column and reason,
    nothing written) unless ``skip_invalid``: then good lines are added and the rest reported.
    """
    path = Path(path)
    values, rejected = read_suppression_file(path)
    if rejected and not skip_invalid:
        first = rejected[0]
        more = f" (and {len(rejected) - 1} more bad lines)" if len(rejected) > 1 else ""
        raise SuppressionError(
            f"{path}: line {first['line']}, column {first['column']}: {first['reason']}{more}. "
            "Nothing was added; fix the file or pass --skip-invalid."
        )
    result = ImportResult(rejected=rejected)
    unique = list(dict.fromkeys(values))
    with store.transaction() as conn:
        before = conn.total_changes
        conn.executemany(
            "INSERT INTO suppressions (kind, value, reason, source, created_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(kind, value) DO NOTHING",
            [(kind, value, _reason(reason), source or path.name, to_iso(at)) for kind, value in unique],
        )
        result.added = conn.total_changes - before
    result.already = len(unique) - result.added
    return result


def unsubscribe(store, token: str, source: str = "unsubscribe link", *, at: datetime) -> UnsubscribeResult:
    """Turn off the channel an unsubscribe token names (idempotent); raises SuppressionError if unknown."""
    resolved = resolve_unsubscribe_token(store, token)
    if resolved is None:
        raise SuppressionError("this unsubscribe token is not valid for this store (mistyped, or from another shop)")
    rowid, channel = resolved
    column = f"accepts_{channel}"  # channel comes from the token map: email, sms or push
    when = to_iso(at)
    with store.transaction() as conn:
        row = conn.execute(f"SELECT customer_id, email, email_norm, {column} FROM customers WHERE id = ?",
                           (rowid,)).fetchone()
        if row is None:
            raise SuppressionError("the customer of this unsubscribe token is no longer in the store")
        changed = bool(row[column])
        if changed:
            conn.execute(f"UPDATE customers SET {column} = 0, updated_at = ? WHERE id = ?", (when, rowid))
            conn.execute(
                "INSERT INTO consent_changes (customer_id, channel, old_value, new_value, source, changed_at) "
                "VALUES (?, ?, ?, 0, ?, ?)", (rowid, channel, row[column], source, when))
        suppressed = None
        email = row["email_norm"] or (row["email"] or "").strip().lower()
        if channel == "email" and email:
            conn.execute(
                "INSERT INTO suppressions (kind, value, reason, source, created_at) VALUES ('email', ?, 'unsubscribe', ?, ?) "
                "ON CONFLICT(kind, value) DO NOTHING", (email, source, when))
            suppressed = email
    return UnsubscribeResult(row["customer_id"], channel, changed, suppressed)
