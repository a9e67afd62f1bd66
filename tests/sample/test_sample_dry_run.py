"""Issue 5 item 11: a dry-run at the end of the sample's history shows every enabled starter rule at work."""

from __future__ import annotations

import shutil

from lifecycle_tui.automation.planner import plan
from lifecycle_tui.store import open_store
from lifecycle_tui.store.settings import pinned_as_of


def test_every_enabled_starter_rule_sends_at_the_pinned_end(default_shop, tmp_path):
    path = tmp_path / "copy.db"
    shutil.copyfile(default_shop, path)
    with open_store(path) as store:
        enabled = sorted(r[0] for r in store.conn.execute("SELECT name FROM rules WHERE enabled = 1"))
        as_of = pinned_as_of(store)
        result = plan(store, as_of)
    sends = {d.rule for d in result.decisions if d.action == "send"}
    assert len(enabled) >= 8
    assert not [name for name in enabled if name not in sends], "enabled starter rules without a send"
    channels = {d.channel for d in result.decisions if d.action == "send"}
    assert {"email", "sms"} <= channels
    # Nothing is sent to a customer without consent for the channel.
    with open_store(path) as store:
        for d in result.decisions:
            if d.action == "send":
                assert store.scalar(f"SELECT accepts_{d.channel} FROM customers WHERE id = ?", (d.customer_rowid,)) == 1
