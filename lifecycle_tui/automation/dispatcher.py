"""Carrying out a plan: ``run_plan(store, plan, transport)`` -> :class:`RunReport`.

For every ``send`` decision the dedupe key is claimed in a committed transaction *before*
the transport is called, then marked ``sent`` (with the plan's ``as_of`` as ``sent_at``, so
it counts for frequency caps) or ``failed``/``unknown`` in another commit (states in
``message_log``). Hence:

* running the same plan twice sends nothing the second time (the claims are refused);
* two runs at once are impossible: ``run_lock`` refuses the second at once;
* a run killed at any moment leaves at most the in-flight message ``claimed``; the next run
  resolves it first (:func:`recover_interrupted`): for the idempotent outbox, a message whose
  file is in place is marked sent, one without a file is released so the planner plans it
  again and it is written exactly once; for SMTP/webhook it becomes ``unknown`` and is
  reported, never resent silently;
* a ``failed`` message keeps its row and key; the next run that plans it again re-claims it
  (``failed`` never counts as sent, so the planner offers it again).

A transport failure fails one message and the run goes on; ``dispatch.max_failures_in_row``
failures in a row stop the run (the rest is left for a later run).
"""

from __future__ import annotations

import getpass
import os
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

from lifecycle_tui.automation import context as ctxmod
from lifecycle_tui.automation import message_log as log
from lifecycle_tui.automation.runlock import run_lock
from lifecycle_tui.automation.transports import MessageRecord, Transport, TransportError, get_transport
from lifecycle_tui.automation.transports import UnknownTransportError
from lifecycle_tui.store import settings
from lifecycle_tui.store.timeutil import to_iso, utcnow
from lifecycle_tui.wording import counted, noun

Progress = Callable[[int, int], None]  # (messages handled, messages to handle)

CONTACT_COLUMN = {"email": "email", "sms": "phone", "push": "push_token"}
TEMPLATE_ERROR = "template error"  # the planner's reason prefix for a refused render
CONTACT_WORD = {"email": "email address", "sms": "phone number", "push": "push token"}
RENDER_AHEAD = 500  # sends whose customers are read together when their messages are rendered at delivery


@dataclass
class Recovery:
    """What the start of a run found left behind by an interrupted one."""

    runs_closed: list[int] = field(default_factory=list)
    confirmed_sent: int = 0  # outbox files in place: marked sent
    released: int = 0  # outbox claims with no file: planned and written again
    unknown: list[str] = field(default_factory=list)  # SMTP/webhook claims: outcome unknown

    def __bool__(self) -> bool:
        return bool(self.runs_closed or self.confirmed_sent or self.released or self.unknown)

    def __add__(self, other: "Recovery") -> "Recovery":
        return Recovery(self.runs_closed + other.runs_closed, self.confirmed_sent + other.confirmed_sent,
                        self.released + other.released, self.unknown + other.unknown)

    def describe(self) -> str:
        """One plain sentence for the shop owner (the CLI and the console both show it)."""
        runs = ", ".join(str(r) for r in self.runs_closed) or "-"
        return (f"An earlier run was interrupted (run {runs}): {self.confirmed_sent} messages found delivered, "
                f"{self.released} to be sent again, {len(self.unknown)} of unknown outcome.")


@dataclass
class RunReport:
    """The outcome of one run (``dispatch run --json`` prints it)."""

    run_id: int
    sent: int = 0
    skipped: int = 0  # skipped by the plan, plus messages an earlier run already handled
    deferred: int = 0
    failed: int = 0
    unknown: int = 0  # outcome unknown: reported, not resent
    already_done: int = 0  # of `skipped`: claimed or sent by an earlier run
    not_attempted: int = 0  # left for a later run: run stopped, or channel not carried by the transport
    status: str = "running"  # done | stopped | failed
    stopped_reason: str | None = None
    transport: str = ""
    as_of: str = ""
    recovered: Recovery = field(default_factory=Recovery)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["recovered"] = asdict(self.recovered)
        return data

    def counts(self) -> str:
        """The run's counts as one phrase ("3 sent, 1 skipped, 0 deferred, 0 failed")."""
        return (f"{self.sent} sent, {self.skipped} skipped, {self.deferred} deferred, {self.failed} failed"
                + (f", {self.unknown} unknown" if self.unknown else ""))

    def left_note(self) -> str | None:
        """What became of the sends this run did not attempt (the CLI and the console both show it)."""
        n = self.not_attempted
        if not n:
            return None
        what, were = counted(n, "message"), noun(n, "was", "were")
        if self.status == "done":
            return f"{what} on channels {self.transport} does not carry {were} left for a later run."
        return f"{what} due {were} not sent and {noun(n, 'stays', 'stay')} due: the next run sends {noun(n, 'it', 'them')}."


def current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return os.environ.get("USER") or str(os.getuid())


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped a run; ``report`` (recorded in the store as ``interrupted``) says what it
    sent before. Every message stays claimed or sent exactly once; the next run sends the rest."""

    def __init__(self, report: "RunReport") -> None:
        super().__init__(f"run {report.run_id} interrupted after {report.sent} sent")
        self.report = report


def recover_interrupted(store, *, clock: Callable = utcnow) -> Recovery:
    """Resolve what killed runs left behind. Call while holding ``run_lock`` (``run_plan`` does)."""
    with run_lock(store):
        found = Recovery()
        rows = store.conn.execute(
            "SELECT m.*, c.customer_id AS shop_customer_id, r.transport AS run_transport, r.as_of AS run_as_of "
            "FROM messages m JOIN customers c ON c.id = m.customer_id LEFT JOIN runs r ON r.id = m.run_id "
            "WHERE m.status = 'claimed' ORDER BY m.id"
        ).fetchall()
        transports: dict[str, Any] = {}
        for row in rows:
            name = row["run_transport"] or ""
            if name not in transports:
                try:
                    transports[name] = get_transport(name, store)
                except UnknownTransportError:
                    transports[name] = None
            transport = transports[name]
            if transport is not None and transport.idempotent and hasattr(transport, "delivered"):
                result = transport.delivered(_record_from_row(row))
                if result is not None:
                    log.mark_sent(store, row["dedupe_key"], row["run_id"], sent_at=row["run_as_of"], path=result.path)
                    found.confirmed_sent += 1
                else:
                    log.release(store, row["dedupe_key"], row["run_id"])
                    found.released += 1
            else:
                log.mark_unknown(
                    store, row["dedupe_key"], row["run_id"],
                    f"run {row['run_id']} was interrupted while sending through {name or 'an unknown transport'}; "
                    "delivery is not confirmed, so it is not resent automatically",
                )
                found.unknown.append(row["dedupe_key"])
        with store.transaction() as conn:
            stale = [r[0] for r in conn.execute("SELECT id FROM runs WHERE status = 'running' ORDER BY id")]
            for run_id in stale:
                counts = dict(conn.execute(
                    "SELECT status, count(*) FROM messages WHERE run_id = ? GROUP BY status", (run_id,)
                ).fetchall())
                conn.execute(
                    "UPDATE runs SET status = 'interrupted', finished_at = ?, sent = ?, failed = ?, note = ? WHERE id = ?",
                    (to_iso(clock()), counts.get("sent", 0),
                     counts.get("failed", 0) + counts.get("unknown", 0),  # as _finish counts them
                     "interrupted (process ended before the run finished); resolved by the next run", run_id),
                )
        found.runs_closed = stale
        return found


def plan_to_run(store, as_of, rule: str | None = None, **options) -> tuple[Any, Recovery]:
    """The plan a run at ``as_of`` carries out, and what resolving interrupted runs found first.

    Recovery comes first so that a message an interrupted run left claimed without a file is
    released and planned again here, not only by the run after next. Holds ``run_lock`` while
    it works (raises ``runlock.DispatchBusyError`` if a run is in progress); the plan commits
    the metrics refresh it needs, as a plan that will be sent must (see ``planner.dry_run``
    for one that writes nothing). ``options`` go to ``planner.plan``.
    """
    from lifecycle_tui.automation.planner import plan  # the planner does not need the dispatcher

    with run_lock(store):
        recovered = recover_interrupted(store)
        return plan(store, as_of, rule, **options), recovered


def _record_from_row(row) -> MessageRecord:
    return MessageRecord(
        run_id=row["run_id"] or 0, dedupe_key=row["dedupe_key"], rule=row["rule"], step=row["step"],
        customer_rowid=row["customer_id"], customer_id=row["shop_customer_id"], channel=row["channel"],
        template=row["template"], recipient=None, due_at=row["due_at"],
    )


def _record_from_decision(run_id: int, d: Any, recipient: str | None) -> MessageRecord:
    return MessageRecord(
        run_id=run_id, dedupe_key=d.dedupe_key, rule=d.rule, step=int(d.step), customer_rowid=d.customer_rowid,
        customer_id=d.customer_id, channel=d.channel, template=d.template, recipient=recipient, due_at=d.due_at or "",
    )


def _contacts(store, rowids: set[int]) -> dict[int, dict]:
    """Email, phone and push token per customer row id (batched: SQLite caps bound parameters)."""
    found: dict[int, dict] = {}
    ids = sorted(rowids)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for row in store.conn.execute(
            f"SELECT id, email, phone, push_token FROM customers WHERE id IN ({marks})", chunk
        ):
            found[row["id"]] = dict(row)
    return found


def run_plan(store, plan: Any, transport: Transport | str, progress: Progress | None = None, *,
             who: str | None = None, rule_filter: str | None = None, clock: Callable = utcnow) -> RunReport:
    """Carry out ``plan`` through ``transport`` (an object or a registered name) and record the run.

    Raises ``runlock.DispatchBusyError`` when another run holds the store. ``clock`` gives the
    wall-clock times recorded for the audit trail (started, claimed, finished); message times
    that matter for the plan (``sent_at``) are the plan's ``as_of``.
    """
    if isinstance(transport, str):
        transport = get_transport(transport, store)
    as_of = to_iso(plan.as_of)
    with run_lock(store):
        recovered = recover_interrupted(store, clock=clock)
        decisions = list(plan.decisions)
        sends = [d for d in decisions if d.action == "send"]
        with store.transaction() as conn:
            run_id = conn.execute(
                "INSERT INTO runs (started_at, as_of, who, transport, rule_filter, status) VALUES (?, ?, ?, ?, ?, 'running')",
                (to_iso(clock()), as_of, who or current_user(), transport.name,
                 rule_filter if rule_filter is not None else getattr(plan, "rule", None)),
            ).lastrowid
        report = RunReport(run_id=run_id, transport=transport.name, as_of=as_of, recovered=recovered)
        report.skipped = sum(1 for d in decisions if d.action == "skip")
        report.deferred = sum(1 for d in decisions if d.action == "defer")
        # Connect only when there is something for this transport (a run with nothing due never
        # fails because, say, the SMTP server is down).
        needed = any(d.channel in transport.channels for d in sends)
        try:
            try:
                if needed:
                    transport.open()
            except TransportError as exc:
                # Nothing is claimed or recorded: the store is as before, apart from the failed run row.
                report.status, report.stopped_reason = "failed", f"could not start the {transport.name} transport: {exc}"
                report.not_attempted = len(sends)
                return report
            try:
                _record_template_errors(store, decisions, report, clock)
                _send_all(store, sends, transport, report, as_of, progress, clock, _Messages(store, plan))
            finally:
                if needed:
                    transport.close()
            if report.status == "running":
                report.status = "done"
            return report
        except BaseException as exc:  # Ctrl-C or a bug: leave an honest record, then let it propagate
            report.status = "interrupted"
            report.stopped_reason = f"interrupted: {type(exc).__name__}"
            if isinstance(exc, KeyboardInterrupt):  # the caller can still say what got sent
                raise RunInterrupted(report) from exc
            raise
        finally:
            _finish(store, report, clock)


def _record_template_errors(store, decisions: list, report: RunReport, clock: Callable) -> None:
    """A template error fails its message (recorded with the error), not the run; a later run retries it."""
    for d in decisions:
        if d.action == "skip" and (d.reason or "").startswith(TEMPLATE_ERROR):
            if log.claim(store, run_id=report.run_id, decision=d, claimed_at=to_iso(clock())):
                log.mark_failed(store, d.dedupe_key, report.run_id, d.reason)
                report.skipped -= 1
                report.failed += 1


def _send_all(store, sends: list, transport: Transport, report: RunReport, as_of: str,
              progress: Progress | None, clock: Callable, messages: "_Messages") -> None:
    limit = int(settings.get(store, "dispatch.max_failures_in_row"))
    contacts = _contacts(store, {d.customer_rowid for d in sends})
    carried = [d for d in sends if d.channel in transport.channels]
    report.not_attempted = len(sends) - len(carried)
    in_row = 0
    for done, d in enumerate(carried, start=1):
        if (done - 1) % RENDER_AHEAD == 0:
            messages.announce(carried[done - 1:done - 1 + RENDER_AHEAD])
        if not log.claim(store, run_id=report.run_id, decision=d, claimed_at=to_iso(clock())):
            report.skipped += 1
            report.already_done += 1
        else:
            recipient = (contacts.get(d.customer_rowid) or {}).get(CONTACT_COLUMN.get(d.channel, ""))
            message, error = messages.of(d) if recipient else (None, None)
            if not recipient:
                log.mark_failed(store, d.dedupe_key, report.run_id, f"no {CONTACT_WORD.get(d.channel, 'contact point')}")
                report.failed += 1
            elif message is None:
                # Nothing rendered (e.g. the template was broken since the plan): the message
                # fails, the transport is fine.
                log.mark_failed(store, d.dedupe_key, report.run_id, error or d.reason or "nothing was rendered for this message")
                report.failed += 1
            else:
                ok, reason = _deliver(
                    store, transport, _record_from_decision(report.run_id, d, recipient), message, report, as_of
                )
                in_row = 0 if ok else in_row + 1
                if in_row >= limit:
                    report.not_attempted += len(carried) - done
                    report.status = "stopped"
                    report.stopped_reason = (
                        f"stopped after {in_row} transport failures in a row (last: {reason}). "
                        f"Fix the {transport.name} transport and run again; "
                        f"{len(carried) - done} messages were not attempted."
                    )
                    if progress:
                        progress(done, len(carried))
                    return
        if progress:
            progress(done, len(carried))


class _Messages:
    """The message of each send, as it is delivered.

    A plan made with ``keep_messages=False`` (what ``dispatch run`` and the console make) holds
    no rendered message: a broadcast to 100,000 customers would otherwise keep ~1 GB of email
    in memory. Each send is then rendered here, just before it goes out, by one renderer for the
    plan's ``as_of`` (so it is the message the plan rendered and checked, byte for byte, as long
    as the store did not change in between), and dropped once delivered. The customers of the
    next :data:`RENDER_AHEAD` sends are announced to the renderer so that their data is read in
    set-based batches whatever order the sends are in.
    """

    def __init__(self, store, plan: Any) -> None:
        self.store = store
        self.as_of = plan.as_of
        self.rules = getattr(plan, "rule_defs", None) or {}
        self.renderer = None

    def announce(self, sends: list) -> None:
        rowids = [d.customer_rowid for d in sends if d.message is None and getattr(d, "inst", None) is not None]
        if rowids:
            if self.renderer is None:
                self.renderer = ctxmod.make_renderer(self.store, self.as_of)
            self.renderer.prefetch(rowids)

    def of(self, d) -> tuple[Any, str | None]:
        """(message, None), or (None, why nothing could be rendered)."""
        if d.message is not None:
            return d.message, None
        rule, inst = self.rules.get(d.rule), getattr(d, "inst", None)
        if rule is None or inst is None:
            return None, None
        if self.renderer is None:
            self.renderer = ctxmod.make_renderer(self.store, self.as_of)
        message, error = ctxmod.render(self.store, self.renderer, rule, inst, d)
        return message, (f"{TEMPLATE_ERROR}: {error}" if error is not None else None)


def _deliver(store, transport: Transport, record: MessageRecord, message: Any, report: RunReport,
             as_of: str) -> tuple[bool, str | None]:
    try:
        result = transport.send(record, message)
    except TransportError as exc:
        if exc.outcome_unknown:
            log.mark_unknown(store, record.dedupe_key, record.run_id, str(exc))
            report.unknown += 1
        else:
            log.mark_failed(store, record.dedupe_key, record.run_id, str(exc))
            report.failed += 1
        return False, str(exc)
    except Exception as exc:  # a rendering or programming fault for this one message: fail it, go on
        reason = f"{type(exc).__name__}: {exc}"
        log.mark_failed(store, record.dedupe_key, record.run_id, reason)
        report.failed += 1
        return False, reason
    log.mark_sent(store, record.dedupe_key, record.run_id, sent_at=as_of, path=result.path)
    report.sent += 1
    return True, None


def _finish(store, report: RunReport, clock: Callable) -> None:
    notes = [n for n in (report.stopped_reason,
                         f"{report.unknown} messages of unknown outcome" if report.unknown else None) if n]
    with store.transaction() as conn:
        conn.execute(
            "UPDATE runs SET finished_at = ?, status = ?, sent = ?, skipped = ?, deferred = ?, failed = ?, note = ? "
            "WHERE id = ?",
            (to_iso(clock()), report.status, report.sent, report.skipped, report.deferred,
             report.failed + report.unknown, "; ".join(notes) or None, report.run_id),
        )
