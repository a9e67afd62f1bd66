"""``plan_to_run``: what a run sends is planned after resolving what an interrupted run left.

An interrupted outbox run can leave a message ``claimed`` with no file. The planner treats a
claimed key as done, so a plan made *before* recovery leaves that message out and only the run
after next would send it. ``dispatch run`` and the console's Dispatch section both plan with
``plan_to_run``, which recovers first.
"""

from __future__ import annotations

import pytest

from lifecycle_tui.automation import message_log as log
from lifecycle_tui.automation.dispatcher import plan_to_run, run_plan
from lifecycle_tui.automation.planner import plan
from lifecycle_tui.automation.runlock import DispatchBusyError
from lifecycle_tui.automation.transports import outbox_dir
from lifecycle_tui.automation.transports.outbox import file_name
from lifecycle_tui.store.settings import pinned_as_of

from dispatch_helpers import lock_held_by_another_run


def _dead_run_claiming(store, decision) -> int:
    """A run row left 'running' by a killed process, holding ``decision``'s key with no file written."""
    with store.transaction() as conn:
        run_id = conn.execute(
            "INSERT INTO runs (started_at, as_of, who, transport, status) VALUES (?, ?, 'killed', 'outbox', 'running')",
            ("2026-06-30T17:00:00+00:00", "2026-06-30T17:00:00+00:00"),
        ).lastrowid
    assert log.claim(store, run_id=run_id, decision=decision, claimed_at="2026-06-30T17:00:01+00:00")
    return run_id


def _first_email_send(p):
    return next(d for d in p.decisions if d.action == "send" and d.channel == "email")


def test_a_claim_left_without_a_file_is_released_and_planned_again(sample_store):
    as_of = pinned_as_of(sample_store)
    victim = _first_email_send(plan(sample_store, as_of, render=False))
    dead = _dead_run_claiming(sample_store, victim)
    # planned without recovery, the claimed key counts as done: the message would wait a run
    assert victim.dedupe_key not in {d.dedupe_key for d in plan(sample_store, as_of, render=False).decisions}

    the_plan, recovered = plan_to_run(sample_store, as_of, render=False)
    assert (recovered.runs_closed, recovered.released, recovered.confirmed_sent) == ([dead], 1, 0)
    again = [d for d in the_plan.decisions if d.dedupe_key == victim.dedupe_key]
    assert [(d.action, d.customer_id) for d in again] == [("send", victim.customer_id)]
    assert "interrupted (run %d)" % dead in recovered.describe() and "1 to be sent again" in recovered.describe()


def test_the_run_of_that_plan_writes_the_released_message_once(sample_store):
    as_of = pinned_as_of(sample_store)
    victim = _first_email_send(plan(sample_store, as_of, render=False))
    _dead_run_claiming(sample_store, victim)
    the_plan, _ = plan_to_run(sample_store, as_of, keep_messages=None)
    report = run_plan(sample_store, the_plan, "outbox")
    sends = sum(1 for d in the_plan.decisions if d.action == "send")
    assert report.status == "done" and report.sent == sends
    assert log.status_of(sample_store, victim.dedupe_key) == "sent"
    assert (outbox_dir(sample_store) / file_name(victim.dedupe_key, "email")).is_file()


def test_nothing_to_recover_gives_the_plain_plan(sample_store):
    as_of = pinned_as_of(sample_store)
    the_plan, recovered = plan_to_run(sample_store, as_of, render=False)
    assert not recovered
    assert the_plan.decisions == plan(sample_store, as_of, render=False).decisions


def test_refused_while_another_thread_holds_the_dispatch_lock(sample_store):
    with lock_held_by_another_run(sample_store.path):
        with pytest.raises(DispatchBusyError):
            plan_to_run(sample_store, pinned_as_of(sample_store), render=False)


def test_cli_run_sends_the_released_message_in_the_same_run(sample_store, sample_cli):
    as_of = pinned_as_of(sample_store)
    victim = _first_email_send(plan(sample_store, as_of, render=False))
    dead = _dead_run_claiming(sample_store, victim)
    result = sample_cli("dispatch", "run", "--yes")
    assert result.exit_code == 0, result.output
    assert f"An earlier run was interrupted (run {dead}): 0 messages found delivered, 1 to be sent again" in result.output
    assert log.status_of(sample_store, victim.dedupe_key) == "sent"
    assert sample_store.scalar("SELECT status FROM runs WHERE id = ?", (dead,)) == "interrupted"
