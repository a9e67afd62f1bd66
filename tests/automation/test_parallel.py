"""A plan decided in forked worker processes is exactly the one-process plan.

Same decisions in the same order, same reasons and defer times, same rendered bytes; and the
workers are used only where that is safe (not inside a transaction, not for a tiny plan).
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from lifecycle_tui.automation import parallel
from lifecycle_tui.automation.planner import plan
from lifecycle_tui.automation.rules import Rule, save_rule
from lifecycle_tui.importers.bulk import can_fork
from lifecycle_tui.sample import generate_shop
from lifecycle_tui.segments import add_segment
from lifecycle_tui.store import open_store
from lifecycle_tui.store.timeutil import to_iso


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory):
    from lifecycle_tui.sample import DEFAULT_END

    path = tmp_path_factory.mktemp("parallel") / "shop.db"
    generate_shop(path, customers=300, seed=5)
    with open_store(path) as store:
        add_segment(store, "Everyone", "orders >= 0", replace=True)
        save_rule(store, Rule.from_definition("all_news", {
            "trigger": {"kind": "broadcast", "segment": "Everyone", "send_at": to_iso(DEFAULT_END - timedelta(hours=1))},
            "steps": [{"delay": "0h", "channel": "email", "template": "newsletter"}], "catch_up": "1d"},
            enabled=True, priority=1))
    return path, DEFAULT_END


def _fingerprint(p) -> list:
    out = []
    for d in p.decisions:
        m = d.message
        body = None
        if m is not None:
            body = m.to_eml_bytes(d.dedupe_key) if m.channel == "email" else json.dumps(m.to_payload(), sort_keys=True)
        out.append((json.dumps(d.to_json(), sort_keys=True), None if m is None else m.to_json(), body))
    return out


def test_workers_give_the_one_process_plan(sample_store):
    path, as_of = sample_store
    with open_store(path) as store:
        alone = plan(store, as_of, processes=1)
        split = plan(store, as_of, processes=3)
    assert alone.processes == 1
    assert split.processes == (3 if can_fork() else 1)
    sends = [d for d in alone.decisions if d.action == "send" and d.message is not None]
    assert len(sends) > 150 and {d.action for d in alone.decisions} >= {"send", "skip"}
    assert _fingerprint(split) == _fingerprint(alone)
    assert split.to_json() == alone.to_json()
    keys = [(-d.priority, d.rule, d.customer_id, d.step, d.trigger_key) for d in alone.decisions]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)  # the plan's order: priority first, then ...


def test_no_workers_inside_a_transaction_or_for_a_small_plan(sample_store):
    path, as_of = sample_store
    with open_store(path) as store:
        assert parallel.process_count(store, parallel.MIN_CUSTOMERS - 1) == 1
        store.conn.execute("BEGIN")
        try:
            assert parallel.process_count(store, 100_000) == 1
            assert parallel.process_count(store, 100_000, wanted=4) == 1
            assert plan(store, as_of, processes=3).processes == 1
        finally:
            store.conn.rollback()


def test_a_failing_worker_is_reported(sample_store, monkeypatch):
    if not can_fork():
        pytest.skip("no fork here")
    path, as_of = sample_store
    from lifecycle_tui.automation import planner

    real = planner._resolve
    parent = __import__("os").getpid()

    def resolve(store, cands, policy, renderer):
        if __import__("os").getpid() != parent:
            raise ValueError("boom in a worker")
        return real(store, cands, policy, renderer)

    monkeypatch.setattr(planner, "_resolve", resolve)
    with open_store(path) as store, pytest.raises(RuntimeError, match="boom in a worker"):
        plan(store, as_of, processes=2)


def test_a_dry_run_uses_workers_only_while_its_transaction_has_written_nothing(sample_store):
    from lifecycle_tui.automation.planner import dry_run

    path, as_of = sample_store
    with open_store(path) as store:
        alone = plan(store, as_of, processes=1)  # metrics now current: the dry-run below writes nothing
        split = dry_run(store, as_of, processes=2)
        assert split.processes == (2 if can_fork() else 1)
        assert _fingerprint(split) == _fingerprint(alone)
        changes = store.conn.total_changes
        store.conn.execute("BEGIN")
        try:
            store.conn.execute("UPDATE customers SET first_name = 'Zed' WHERE id = 1")
            assert parallel.process_count(store, 100_000, wanted=2, unwritten_since=changes) == 1
        finally:
            store.conn.rollback()


def test_workers_only_for_idle_cores(sample_store, monkeypatch):
    path, _ = sample_store
    monkeypatch.setattr(parallel.os, "getloadavg", lambda: (0.9, 0.9, 0.9))  # this process alone
    assert parallel.idle_cores(2) == 1 and parallel.idle_cores(4) == 3
    monkeypatch.setattr(parallel.os, "getloadavg", lambda: (2.1, 2.0, 2.0))  # another program keeps a core busy
    assert parallel.idle_cores(2) == 0
    with open_store(path) as store:
        assert parallel.process_count(store, 100_000) == 1
        if can_fork():
            assert parallel.process_count(store, 100_000, wanted=2) == 2  # asked for: as asked


def test_chunks_cover_every_customer_once_and_each_process_gets_its_first():
    import multiprocessing

    for groups, processes in ((1, 2), (7, 2), (300, 3), (100_000, 2), (100_001, 8)):
        chunks = parallel.Chunks(groups, processes)
        counter = multiprocessing.get_context("fork" if can_fork() else "spawn").Value("q", processes)
        firsts = [next(chunks.claimed(k, counter), None) for k in range(processes)]
        rest = list(chunks.claimed(0, counter))[1:]  # process 0 again: what is left after the firsts
        ranges = sorted([f[1:] for f in firsts if f] + [r[1:] for r in rest])
        covered = [i for lo, hi in ranges for i in range(lo, hi)]
        assert covered == list(range(groups)), (groups, processes)
        assert all(f is not None for f in firsts[: chunks.count])


def _copy_with_email(sample_store, tmp_path, template: str, body: str):
    """(path, as_of) of a scratch copy of the sample store where the email template ``template``
    is ``body`` followed by the unsubscribe link."""
    import shutil

    from lifecycle_tui.messages import save_template

    src, as_of = sample_store
    path = tmp_path / "shop.db"
    shutil.copyfile(src, path)
    with open_store(path) as store:
        save_template(store, f"---\nchannel: email\nsubject: Hi\nmarketing: true\n---\n{body}"
                             '<p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>\n', name=template)
    return path, as_of


def test_a_dry_run_on_stale_metrics_splits_and_shows_the_refreshed_stages(sample_store, tmp_path):
    # The dry-run's metrics refresh is rolled back at the end, so a worker's own connection sees
    # the stages of the last committed refresh; the workers are handed the refreshed ones.
    from lifecycle_tui.automation.planner import dry_run
    from lifecycle_tui.segments import ensure_metrics, is_fresh

    path, as_of = _copy_with_email(sample_store, tmp_path, "stage_probe",
                                   "<p>{{ customer.stage }} / {{ customer.rfm.segment if customer.rfm else '-' }}</p>")
    with open_store(path) as store:
        store.conn.execute("UPDATE rules SET enabled = 0")
        save_rule(store, Rule.from_definition("probe_news", {
            "trigger": {"kind": "broadcast", "segment": "Everyone", "send_at": to_iso(as_of - timedelta(hours=1))},
            "steps": [{"delay": "0h", "channel": "email", "template": "stage_probe"}], "catch_up": "1d"},
            enabled=True, priority=1))
        old = as_of - timedelta(days=400)
        ensure_metrics(store, old)  # committed: what the workers' connections see
        old_stages = dict(store.conn.execute("SELECT customer_id, stage FROM customer_metrics").fetchall())
        split = dry_run(store, as_of, processes=2)
        alone = dry_run(store, as_of, processes=1)
        assert split.processes == (2 if can_fork() else 1)
        assert _fingerprint(split) == _fingerprint(alone)
        assert is_fresh(store, old)  # both rolled back: the store is as it was
        ensure_metrics(store, as_of)
        stages = dict(store.conn.execute("SELECT customer_id, stage FROM customer_metrics").fetchall())
        sent = [d for d in split.decisions if d.message is not None]
        assert len(sent) > 150 and all(f"<p>{stages[d.customer_rowid]} / " in d.message.fields["html"] for d in sent)
        assert sum(old_stages[d.customer_rowid] != stages[d.customer_rowid] for d in sent) > 50


def test_a_plan_that_keeps_no_messages_still_renders_and_decides_the_same(sample_store, tmp_path):
    # `dispatch dry-run` shows decisions only: every send is still rendered and checked (a
    # template that fails for a customer still turns the send into a skip), nothing is kept.
    # The newsletter fails for customers without a first name: those sends are skips either way.
    path, as_of = _copy_with_email(sample_store, tmp_path, "newsletter", "<p>{{ customer.first_name[0] }}</p>")
    with open_store(path) as store:
        store.conn.execute("UPDATE customers SET first_name = NULL WHERE id % 7 = 0")
        kept = plan(store, as_of, processes=1)
        for processes in (1, 2):
            unkept = plan(store, as_of, processes=processes, keep_messages=False)
            assert unkept.to_json() == kept.to_json()
            assert all(d.message is None for d in unkept.decisions)
        assert any((d.reason or "").startswith("template error") for d in kept.decisions)
        assert sum(d.message is not None for d in kept.decisions) > 150
