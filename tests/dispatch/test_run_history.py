"""The run history: every dispatch run as recorded, newest first, for `dispatch runs` and the Outbox."""

from __future__ import annotations

from dispatch_helpers import make_plan

from lifecycle_tui.automation.dispatcher import run_plan
from lifecycle_tui.automation.run_history import RUN_FIELDS, list_runs, run_label
from lifecycle_tui.store import settings


def test_runs_are_listed_newest_first_with_their_counts_and_reasons(store, customers):
    first = run_plan(store, make_plan(customers[:3]), "outbox", who="mara")
    settings.set_value(store, "webhook.url", "")
    failed = run_plan(store, make_plan(customers[3:5], channel="sms"), "webhook", who="mara")
    runs = list_runs(store)
    assert [r["id"] for r in runs] == [failed.run_id, first.run_id]
    newest, oldest = runs
    assert set(newest) == set(RUN_FIELDS)
    assert (oldest["status"], oldest["sent"], oldest["transport"], oldest["who"]) == ("done", 3, "outbox", "mara")
    assert newest["status"] == "failed" and "webhook.url" in newest["note"]
    assert oldest["finished_at"] >= oldest["started_at"]
    assert [r["id"] for r in list_runs(store, 1)] == [failed.run_id]
    assert [r["id"] for r in list_runs(store, status="done")] == [first.run_id]


def test_a_run_label_says_what_it_sent_and_how_it_ended():
    run = {"id": 3, "sent": 1221, "failed": 0, "status": "done"}
    assert run_label(run) == "Run 3 · 1,221 sent"
    assert run_label({**run, "failed": 2, "status": "stopped"}) == "Run 3 · 1,221 sent, 2 failed · stopped"


def test_dispatch_runs_cli_lists_them_and_says_when_there_are_none(sample_cli):
    empty = sample_cli("dispatch", "runs")
    assert empty.exit_code == 0 and "No runs yet" in empty.stdout
    assert sample_cli.json("dispatch", "runs") == []
    done = sample_cli.json("dispatch", "run", "--yes")
    # A day later (the same as-of has nothing left: later steps keep their gaps) through an unset webhook.
    assert sample_cli("--as-of", "2026-07-01T18:00", "dispatch", "run", "--transport", "webhook", "--yes").exit_code == 1
    runs = sample_cli.json("dispatch", "runs")
    assert [(r["id"], r["status"]) for r in runs] == [(done["run_id"] + 1, "failed"), (done["run_id"], "done")]
    assert runs[1]["sent"] == done["sent"] and runs[1]["rule_filter"] is None
    assert len(sample_cli.json("dispatch", "runs", "--limit", "1")) == 1
    shown = sample_cli("dispatch", "runs")
    assert shown.exit_code == 0 and f"{done['sent']:,}" in shown.stdout
    assert f"Run {done['run_id'] + 1}: could not start the webhook transport" in shown.stdout
