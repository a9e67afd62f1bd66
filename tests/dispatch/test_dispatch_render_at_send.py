"""A plan made without its messages (``keep_messages=False``) is rendered as it is sent.

``dispatch run`` and the console plan that way so that a broadcast to every customer does not
hold every email in memory; what reaches the outbox must be exactly what a plan that kept its
messages would have written.
"""

from __future__ import annotations

import shutil
from collections import Counter

from lifecycle_tui.automation.dispatcher import run_plan
from lifecycle_tui.automation.planner import plan
from lifecycle_tui.automation.transports import outbox_dir
from lifecycle_tui.messages.repository import require_template, save_template
from lifecycle_tui.store import open_store
from lifecycle_tui.store.settings import pinned_as_of


def _outbox(store) -> dict[str, bytes]:
    folder = outbox_dir(store)
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() else {}


def test_plan_without_messages_keeps_what_a_send_needs(sample_store):
    p = plan(sample_store, pinned_as_of(sample_store), keep_messages=False)
    sends = [d for d in p.decisions if d.action == "send"]
    assert sends and all(d.message is None for d in p.decisions)
    assert all(d.inst is not None and d.inst.customer == d.customer_rowid for d in sends)
    assert set(p.rule_defs) == set(p.rules)


def test_outbox_is_the_same_bytes_whether_messages_were_kept_or_rendered_at_send(sample_store, _sample_master, tmp_path):
    other_path = tmp_path / "kept.db"
    shutil.copyfile(_sample_master, other_path)
    as_of = pinned_as_of(sample_store)
    with open_store(other_path) as kept_store:
        kept = run_plan(kept_store, plan(kept_store, as_of), "outbox")
        kept_files = _outbox(kept_store)
    lean = run_plan(sample_store, plan(sample_store, as_of, keep_messages=False), "outbox")
    lean_files = _outbox(sample_store)
    assert (lean.sent, lean.failed, lean.skipped) == (kept.sent, kept.failed, kept.skipped)
    assert lean.sent > 0 and {name.rsplit(".", 1)[1] for name in lean_files} >= {"eml", "json"}
    assert lean_files == kept_files


def test_template_broken_after_the_plan_fails_its_messages_and_the_run_goes_on(sample_store):
    as_of = pinned_as_of(sample_store)
    p = plan(sample_store, as_of, keep_messages=False)
    sends = [d for d in p.decisions if d.action == "send"]
    by_template = Counter(d.template for d in sends)
    victim = by_template.most_common(1)[0][0]
    assert len(by_template) > 1  # other templates' messages still go out
    source = require_template(sample_store, victim).source_text
    front, body = source.split("\n---\n", 1)
    save_template(sample_store, front + "\n---\n{{ customer.no_such_field_at_all }}\n" + body, name=victim)

    report = run_plan(sample_store, p, "outbox")

    assert report.status == "done"
    assert report.failed == by_template[victim]
    assert report.sent == len(sends) - by_template[victim]
    reasons = {r[0] for r in sample_store.conn.execute(
        "SELECT reason FROM messages WHERE status = 'failed' AND template = ?", (victim,))}
    assert len(reasons) == 1 and next(iter(reasons)).startswith("template error")


def test_keep_messages_none_keeps_a_small_plans_messages_only(sample_store, monkeypatch):
    from lifecycle_tui.automation import planner

    as_of = pinned_as_of(sample_store)
    small = plan(sample_store, as_of, keep_messages=None)
    sends = [d for d in small.decisions if d.action == "send"]
    assert sends and all(d.message is not None for d in sends)
    monkeypatch.setattr(planner, "KEEP_SMALL_PLAN", len(sends) - 1)
    big = plan(sample_store, as_of, keep_messages=None)
    assert all(d.message is None for d in big.decisions)
    assert [d.to_json() for d in big.decisions] == [d.to_json() for d in small.decisions]
