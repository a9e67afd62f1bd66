"""Read queries the console's Templates, Rules, Dispatch and Outbox sections need.

Paged and filtered reads over the message record, last-run counts per rule, and a short
customer picker for previews. Parameterised SQL only; every filter value is a bound
parameter, and the only spliced text is a fixed WHERE built from known column names.
"""

from __future__ import annotations

from dataclasses import dataclass

OUTBOX_FILTERS = ("run_id", "rule", "channel", "status")


@dataclass(frozen=True)
class OutboxPage:
    """One page of the message record, newest first, and the count matching the filters."""

    rows: list[dict]
    total: int
    offset: int
    limit: int


def _outbox_where(filters: dict) -> tuple[str, list]:
    clauses, params = [], []
    for key in OUTBOX_FILTERS:
        value = filters.get(key)
        if value not in (None, ""):
            clauses.append(f"m.{key} = ?")
            params.append(value)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


def outbox_page(store, filters: dict | None = None, *, offset: int = 0, limit: int = 100) -> OutboxPage:
    """Messages matching ``filters`` (run_id, rule, channel, status), ``limit`` rows from ``offset``."""
    where, params = _outbox_where(filters or {})
    total = int(store.scalar(f"SELECT count(*) FROM messages m {where}", params))
    rows = store.conn.execute(
        f"""SELECT m.id, m.run_id, m.rule, m.step, c.customer_id, c.email, c.phone, m.channel,
                   m.template, m.status, m.reason, m.path, m.due_at, m.sent_at, m.dedupe_key,
                   m.customer_id AS customer_rowid
            FROM messages m JOIN customers c ON c.id = m.customer_id
            {where}
            ORDER BY m.id DESC LIMIT ? OFFSET ?""",
        [*params, limit, offset],
    ).fetchall()
    return OutboxPage([dict(r) for r in rows], total, offset, limit)


def outbox_message(store, message_id: int) -> dict | None:
    """One recorded message with its customer's ids, or None."""
    row = store.conn.execute(
        """SELECT m.*, m.customer_id AS customer_rowid, c.customer_id AS shop_customer_id, c.email, c.phone
           FROM messages m JOIN customers c ON c.id = m.customer_id WHERE m.id = ?""",
        (message_id,),
    ).fetchone()
    return None if row is None else dict(row)


def outbox_filter_options(store) -> dict[str, list]:
    """The values each outbox filter can take (recent runs first)."""
    return {
        "run_id": [r[0] for r in store.conn.execute("SELECT id FROM runs ORDER BY id DESC LIMIT 200")],
        "rule": [r[0] for r in store.conn.execute("SELECT DISTINCT rule FROM messages ORDER BY rule")],
        "channel": ["email", "sms", "push"],
        "status": [r[0] for r in store.conn.execute("SELECT DISTINCT status FROM messages ORDER BY status")],
    }


def rule_message_counts(store) -> dict[str, dict]:
    """Per rule: messages sent and failed in its most recent run, total sent, and when it last sent."""
    counts: dict[str, dict] = {}
    for row in store.conn.execute(
        """WITH last AS (SELECT rule, max(run_id) AS run_id FROM messages GROUP BY rule)
           SELECT m.rule,
                  l.run_id AS last_run,
                  sum(m.run_id = l.run_id AND m.status = 'sent') AS last_sent,
                  sum(m.run_id = l.run_id AND m.status = 'failed') AS last_failed,
                  sum(m.status = 'sent') AS total_sent,
                  max(m.sent_at) AS last_sent_at
           FROM messages m JOIN last l ON l.rule = m.rule
           GROUP BY m.rule"""
    ):
        counts[row["rule"]] = dict(row)
    return counts


def _label(r) -> str:
    name = " ".join(p for p in (r["first_name"], r["last_name"]) if p)
    return f"{r['customer_id']} {name or r['email'] or ''}".strip()


def customer_labels(store, rowids: list[int]) -> dict[int, str]:
    """``{row id: "C0001 Ada Albers"}`` for the given customers."""
    marks = ",".join("?" * len(rowids))
    rows = store.conn.execute(
        f"SELECT id, customer_id, email, first_name, last_name FROM customers WHERE id IN ({marks})", list(rowids))
    return {int(r["id"]): _label(r) for r in rows}


def customer_choices(store, search: str = "", limit: int = 50) -> list[tuple[int, str]]:
    """Customers to preview a template for: (row id, label), matched on id, email or name."""
    like = f"%{search.strip().lower()}%"
    rows = store.conn.execute(
        """SELECT id, customer_id, email, first_name, last_name FROM customers
           WHERE ? = '%%' OR lower(customer_id) LIKE ? OR email_norm LIKE ?
                 OR lower(coalesce(first_name, '') || ' ' || coalesce(last_name, '')) LIKE ?
           ORDER BY id LIMIT ?""",
        (like, like, like, like, limit),
    ).fetchall()
    return [(int(r["id"]), _label(r)) for r in rows]
