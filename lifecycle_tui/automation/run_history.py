"""The history of dispatch runs: who ran what, when, through which transport, and what came of it.

Every run is recorded in ``runs`` by the dispatcher (started, then finished with its counts
and status); this module reads that record for ``lifecycle dispatch runs`` and the console's
Outbox, newest first.
"""

from __future__ import annotations

RUN_FIELDS = ("id", "started_at", "finished_at", "as_of", "who", "transport", "rule_filter", "status",
              "sent", "skipped", "deferred", "failed", "note")


def list_runs(store, limit: int | None = 20, *, status: str | None = None) -> list[dict]:
    """The most recent runs first (``limit`` None: every run), each with :data:`RUN_FIELDS`.

    ``failed`` counts messages that failed or whose outcome is unknown (the ``note`` says how
    many were unknown); ``status`` filters on the run's status (done, stopped, failed,
    interrupted, running)."""
    sql = f"SELECT {', '.join(RUN_FIELDS)} FROM runs"
    params: list = []
    if status is not None:
        sql += " WHERE status = ?"
        params.append(status)
    sql += " ORDER BY id DESC"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [dict(zip(RUN_FIELDS, row)) for row in store.conn.execute(sql, params)]


def run_label(run: dict) -> str:
    """A few words for a narrow pick list: ``Run 3 · 221 sent``, with the failures, and the
    status unless the run finished normally (``Run 2 · 0 sent · failed``)."""
    label = f"Run {run['id']} · {run['sent']:,} sent"
    if run["failed"]:
        label += f", {run['failed']:,} failed"
    return label if run["status"] == "done" else f"{label} · {run['status']}"
