"""CLI: dispatch run (confirmation, --json, exit codes, busy store) and outbox list."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from dispatch_helpers import add_customers, make_plan

from lifecycle_tui.automation import message_log as log
from lifecycle_tui.automation.dispatcher import run_plan
from lifecycle_tui.automation.transports import TransportError, outbox_dir

OUTBOX_KEYS = {"run_id", "rule", "step", "customer_id", "channel", "status", "dedupe_key", "path"}


def _sends(plan):
    return [d for d in plan.decisions if d.action == "send"]


def test_run_with_yes_prints_the_json_contract_and_writes_the_outbox(sample_cli, sample_store, sample_plan):
    data = sample_cli.json("dispatch", "run", "--yes")
    assert {"run_id", "sent", "skipped", "deferred", "failed"} <= set(data)
    assert data["sent"] == len(_sends(sample_plan)) > 0
    assert data["skipped"] == sample_plan.summary["skip"] and data["deferred"] == sample_plan.summary["defer"]
    files = list(outbox_dir(sample_store).iterdir())
    assert len(files) == data["sent"]
    again = sample_cli.json("dispatch", "run", "--yes")
    assert again["run_id"] == data["run_id"] + 1
    assert sample_store.scalar("SELECT count(*) FROM messages WHERE dedupe_key IN ({})".format(
        ",".join("?" * len(_sends(sample_plan)))), [d.dedupe_key for d in _sends(sample_plan)]) == data["sent"]
    assert len(list(outbox_dir(sample_store).iterdir())) == data["sent"] + again["sent"]


def test_run_without_yes_and_without_input_is_refused(sample_cli, sample_store):
    result = sample_cli("dispatch", "run")
    assert result.exit_code == 1
    assert "--yes" in result.stderr
    assert sample_store.scalar("SELECT count(*) FROM messages") == 0
    assert sample_store.scalar("SELECT count(*) FROM runs") == 0


def test_run_asks_with_the_counts_and_honours_the_answer(sample_cli, sample_store, sample_plan):
    no = sample_cli("dispatch", "run", input="n\n")
    assert no.exit_code == 1 and f"{len(_sends(sample_plan))} to send" in no.stderr
    assert sample_store.scalar("SELECT count(*) FROM messages") == 0
    yes = sample_cli("dispatch", "run", input="y\n")
    assert yes.exit_code == 0, yes.output
    assert f"{len(_sends(sample_plan))} sent" in yes.stdout


def test_unknown_transport_is_a_usage_error(sample_cli):
    assert sample_cli("dispatch", "run", "--transport", "pigeon", "--yes").exit_code == 2


def test_unknown_rule_is_refused(sample_cli):
    result = sample_cli("dispatch", "run", "--rule", "no_such_rule", "--yes")
    assert result.exit_code == 1 and "no_such_rule" in result.stderr


def test_only_one_rule(sample_cli, sample_store, sample_plan):
    rule = _sends(sample_plan)[0].rule
    data = sample_cli.json("dispatch", "run", "--rule", rule, "--yes")
    assert data["sent"] == sum(1 for d in _sends(sample_plan) if d.rule == rule)
    assert {m["rule"] for m in sample_cli.json("outbox", "list")} == {rule}
    # Option values in any case, as a tired owner types them.
    assert sample_cli.json("outbox", "list", "--status", "SENT") == sample_cli.json("outbox", "list", "--status", "sent")
    channel = sample_cli.json("outbox", "list")[0]["channel"]
    assert {m["channel"] for m in sample_cli.json("outbox", "list", "--channel", channel.upper())} == {channel}
    assert sample_cli("outbox", "list", "--channel", "fax").exit_code == 2
    assert sample_store.scalar("SELECT rule_filter FROM runs") == rule


def test_transport_that_cannot_start_exits_1_with_the_reason(sample_cli, sample_store):
    result = sample_cli("dispatch", "run", "--transport", "webhook", "--yes", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["sent"] == 0 and "webhook.url" in result.stderr
    assert sample_store.scalar("SELECT count(*) FROM messages") == 0


def test_transport_that_cannot_start_says_the_due_sends_stay_due(sample_cli, sample_store, sample_plan):
    result = sample_cli("dispatch", "run", "--transport", "webhook", "--yes")
    assert result.exit_code == 1
    due = len(_sends(sample_plan))
    assert f"{due:,} messages due were not sent and stay due: the next run sends them." in result.stdout
    assert "could not start the webhook transport" in result.stderr


def test_a_second_run_is_refused_while_another_process_holds_the_store(sample_cli, sample_store):
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        from lifecycle_tui.store import open_store
        from lifecycle_tui.automation.runlock import run_lock
        with open_store({str(sample_store.path)!r}) as s, run_lock(s):
            print("locked", flush=True)
            sys.stdin.readline()
    """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        result = sample_cli("dispatch", "run", "--yes")
        assert result.exit_code == 1
        assert "another dispatch run is in progress" in result.stderr and f"pid {holder.pid}" in result.stderr
        assert sample_store.scalar("SELECT count(*) FROM runs") == 0
    finally:
        holder.communicate("done\n", timeout=30)
    assert sample_cli("dispatch", "run", "--yes").exit_code == 0  # released when the holder ended


def test_outbox_list_json_shape_and_filters(sample_cli, sample_store, sample_plan):
    assert sample_cli.json("outbox", "list") == []
    run = sample_cli.json("dispatch", "run", "--yes")
    rows = sample_cli.json("outbox", "list")
    assert len(rows) == run["sent"] + run["failed"]
    customer_ids = {r[0] for r in sample_store.conn.execute("SELECT customer_id FROM customers")}
    for row in rows:
        assert OUTBOX_KEYS <= set(row)
        assert row["run_id"] == run["run_id"] and row["customer_id"] in customer_ids
        if row["status"] == "sent":
            assert Path(row["path"]).is_file()
    first = rows[0]
    assert all(r["rule"] == first["rule"] for r in sample_cli.json("outbox", "list", "--rule", first["rule"]))
    assert all(r["channel"] == "email" for r in sample_cli.json("outbox", "list", "--channel", "email"))
    assert sample_cli.json("outbox", "list", "--status", "unknown") == []
    assert sample_cli.json("outbox", "list", "--run", str(run["run_id"] + 7)) == []
    assert len(sample_cli.json("outbox", "list", "--limit", "1")) == 1
    assert sample_cli("outbox", "list", "--status", "lost").exit_code == 2
    assert sample_cli("outbox", "list", "--channel", "fax").exit_code == 2
    table = sample_cli("outbox", "list")
    assert table.exit_code == 0 and f"{len(rows)} messages" in table.stdout


def test_outbox_resolve_settles_unknown_messages(cli, store):
    class Lost:
        name, idempotent, channels = "lost", False, frozenset({"email"})

        def open(self):
            pass

        def close(self):
            pass

        def send(self, record, rendered):
            raise TransportError("connection lost", outcome_unknown=True)

    customers = add_customers(store, 2)
    plan = make_plan(customers)
    run_plan(store, plan, Lost())
    first, second = (d.dedupe_key for d in plan.decisions)
    assert cli("outbox", "resolve", first, "--as", "maybe").exit_code == 2
    assert cli.json("outbox", "resolve", first, "--as", "sent") == {"dedupe_key": first, "status": "sent"}
    assert store.scalar("SELECT sent_at FROM messages WHERE dedupe_key = ?", (first,)) == "2026-06-30T12:00:00+00:00"
    assert cli("outbox", "resolve", second, "--as", "failed").exit_code == 0
    again = cli("outbox", "resolve", second, "--as", "failed")
    assert again.exit_code == 1 and "is failed, not unknown" in again.stderr
    assert cli("outbox", "resolve", "nope", "--as", "sent").exit_code == 1
    report = run_plan(store, plan, "outbox")  # the failed one goes again, the sent one does not
    assert report.sent == 1 and log.status_of(store, second) == "sent"


def test_human_run_with_a_progress_bar(sample_cli, sample_plan, monkeypatch):
    from lifecycle_tui.cli import dispatch_run

    monkeypatch.setattr(dispatch_run, "PROGRESS_FROM", 1)
    result = sample_cli("dispatch", "run", "--yes")
    assert result.exit_code == 0, result.output
    assert f"{len(_sends(sample_plan))} sent" in result.stdout and "Files in" in result.stdout


def test_a_disabled_rule_is_refused(sample_cli, sample_store):
    result = sample_cli("dispatch", "run", "--rule", "newsletter_broadcast", "--yes")
    assert result.exit_code == 1 and "disabled" in result.stderr
    assert sample_store.scalar("SELECT count(*) FROM runs") == 0


def test_explain_says_when_a_customer_was_in_the_segment_from_the_first_computation(sample_cli, sample_store):
    # The profile's history shows "- -> At Risk" (the first computation, a baseline): not
    # an entry, so at_risk_rescue never fired; "never entered" contradicted the profile.
    who = sample_store.scalar(
        "SELECT c.customer_id FROM segment_changes s JOIN customers c ON c.id = s.customer_id "
        "WHERE s.kind = 'rfm' AND s.from_value IS NULL AND s.to_value = 'At Risk' "
        "AND s.customer_id NOT IN (SELECT customer_id FROM segment_changes WHERE kind = 'rfm' AND from_value IS NOT NULL) "
        "ORDER BY c.customer_id LIMIT 1")
    rules = {r["rule"]: r for r in sample_cli.json("explain", who, "--json")["rules"]}
    rescue = rules["at_risk_rescue"]
    assert not rescue["triggered"]
    assert rescue["summary"].startswith("Not triggered: the customer was already in At Risk when stages")
    assert "only a later move into At Risk or Can't Lose Them counts" in rescue["summary"]
