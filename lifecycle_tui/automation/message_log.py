"""The message record: claim a dedupe key before sending, then mark it sent, failed or unknown.

States of a row in ``messages`` (one row per dedupe key, ever)::

    (none) --claim--> claimed --mark_sent----> sent       (final; counts for frequency caps)
                              --mark_failed--> failed     (a later run may claim it again)
                              --mark_unknown-> unknown    (until a person decides: resolve_unknown
                                                           -> sent, or -> failed to send it again)

Each step is its own committed transaction, so a run killed between two steps leaves a
``claimed`` row that the next run resolves (see ``dispatcher.recover_interrupted``). A claim
that hits an existing ``claimed``/``sent``/``unknown`` row is refused: the message is already
done or in doubt, and is never sent a second time.
"""

from __future__ import annotations

from typing import Any

CLAIMED, SENT, FAILED, UNKNOWN = "claimed", "sent", "failed", "unknown"
STATUSES = (CLAIMED, SENT, FAILED, UNKNOWN)

_INSERT = """
INSERT INTO messages (run_id, rule, step, customer_id, channel, template, trigger_key, dedupe_key,
                      status, due_at, claimed_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'claimed', ?, ?)
ON CONFLICT(dedupe_key) DO NOTHING
"""

# A failed message keeps its row (and key); a later run that plans it again takes it over.
_RECLAIM_FAILED = """
UPDATE messages SET status = 'claimed', run_id = ?, claimed_at = ?, due_at = ?, template = ?,
                    reason = NULL, path = NULL, sent_at = NULL
WHERE dedupe_key = ? AND status = 'failed'
"""


def claim(store, *, run_id: int, decision: Any, claimed_at: str) -> bool:
    """Claim ``decision.dedupe_key`` for ``run_id`` in a committed transaction.

    True: this run owns the message and may hand it to a transport. False: another (or an
    earlier) run has it, already sent, in flight or of unknown outcome; do not send.
    """
    with store.transaction() as conn:
        cur = conn.execute(
            _INSERT,
            (run_id, decision.rule, decision.step, decision.customer_rowid, decision.channel, decision.template,
             decision.trigger_key, decision.dedupe_key, decision.due_at, claimed_at),
        )
        if cur.rowcount == 1:
            return True
        cur = conn.execute(
            _RECLAIM_FAILED, (run_id, claimed_at, decision.due_at, decision.template, decision.dedupe_key)
        )
        return cur.rowcount == 1


def _mark(store, dedupe_key: str, run_id: int, status: str, *, reason=None, path=None, sent_at=None) -> bool:
    # Only the run that holds the claim may resolve it.
    with store.transaction() as conn:
        cur = conn.execute(
            "UPDATE messages SET status = ?, reason = ?, path = ?, sent_at = ? "
            "WHERE dedupe_key = ? AND run_id IS ? AND status = 'claimed'",
            (status, reason, path, sent_at, dedupe_key, run_id),
        )
        return cur.rowcount == 1


def mark_sent(store, dedupe_key: str, run_id: int, *, sent_at: str, path: str | None = None) -> bool:
    return _mark(store, dedupe_key, run_id, SENT, path=path, sent_at=sent_at)


def mark_failed(store, dedupe_key: str, run_id: int, reason: str) -> bool:
    return _mark(store, dedupe_key, run_id, FAILED, reason=reason)


def mark_unknown(store, dedupe_key: str, run_id: int, reason: str) -> bool:
    return _mark(store, dedupe_key, run_id, UNKNOWN, reason=reason)


def release(store, dedupe_key: str, run_id: int) -> bool:
    """Drop a claim whose message certainly never left (idempotent transport, no file written)."""
    with store.transaction() as conn:
        cur = conn.execute(
            "DELETE FROM messages WHERE dedupe_key = ? AND run_id IS ? AND status = 'claimed'", (dedupe_key, run_id)
        )
        return cur.rowcount == 1


def resolve_unknown(store, dedupe_key: str, outcome: str) -> bool:
    """A person checked a message of unknown outcome: ``sent`` (it arrived) or ``failed`` (retry it).

    ``sent`` takes its run's ``as_of`` as ``sent_at`` (so caps count it); ``failed`` lets the
    next run that plans it send it again. False when the key is not ``unknown``.
    """
    if outcome not in (SENT, FAILED):
        raise ValueError("outcome must be 'sent' or 'failed'")
    with store.transaction() as conn:
        if outcome == SENT:
            cur = conn.execute(
                "UPDATE messages SET status = 'sent', sent_at = coalesce("
                " (SELECT as_of FROM runs WHERE runs.id = messages.run_id), claimed_at) "
                "WHERE dedupe_key = ? AND status = 'unknown'", (dedupe_key,))
        else:
            cur = conn.execute(
                "UPDATE messages SET status = 'failed', reason = 'checked by hand: not delivered; ' || coalesce(reason, '') "
                "WHERE dedupe_key = ? AND status = 'unknown'", (dedupe_key,))
        return cur.rowcount == 1


def status_of(store, dedupe_key: str) -> str | None:
    return store.scalar("SELECT status FROM messages WHERE dedupe_key = ?", (dedupe_key,))


_LIST_SQL = """
SELECT m.run_id, m.rule, m.step, c.customer_id, m.channel, m.status, m.dedupe_key, m.path,
       m.template, m.reason, m.due_at, m.claimed_at, m.sent_at
FROM messages m JOIN customers c ON c.id = m.customer_id
{where}
ORDER BY m.id
{limit}
"""


def list_messages(store, *, run_id: int | None = None, rule: str | None = None, channel: str | None = None,
                  status: str | None = None, limit: int | None = None) -> list[dict]:
    """Recorded messages, oldest first, as ``outbox list --json`` prints them (filters are ANDed)."""
    clauses, params = [], []
    for column, value in (("m.run_id", run_id), ("m.rule", rule), ("m.channel", channel), ("m.status", status)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    sql = _LIST_SQL.format(where=where, limit="LIMIT ?" if limit else "")
    if limit:
        params.append(limit)
    return [dict(row) for row in store.conn.execute(sql, params)]
