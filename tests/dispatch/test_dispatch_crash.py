"""A run killed with SIGKILL and run again; two runs at once. Real subprocesses, real files."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dispatch_helpers import add_customers, make_plan

from lifecycle_tui.automation.transports import outbox_dir
from lifecycle_tui.automation.transports.outbox import file_name

SCRIPT = Path(__file__).resolve().parent / "dispatch_script.py"
N = 40

pytestmark = pytest.mark.slow


def _start(db: Path, *, before: float = 0.0, after: float = 0.0, n: int = N, mode: str = "plan", gate: str = ""):
    env = {**os.environ, "LIFECYCLE_TEST_SEND_DELAY": str(before), "LIFECYCLE_TEST_SEND_DELAY_AFTER": str(after),
           "LIFECYCLE_TEST_GATE": gate}
    return subprocess.Popen([sys.executable, str(SCRIPT), str(db), str(n), mode], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _count(db: Path, sql: str) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return conn.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:  # schema not there yet / busy: try again
        return 0
    finally:
        conn.close()


def _wait_for(db: Path, sql: str, at_least: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while _count(db, sql) < at_least:
        assert time.monotonic() < deadline, f"timed out waiting for {sql} >= {at_least}"
        time.sleep(0.02)


def _expected_files(store, customers) -> set[str]:
    return {file_name(d.dedupe_key, "email") for d in make_plan(customers).decisions}


def _assert_each_message_exactly_once(store, customers) -> None:
    folder = outbox_dir(store)
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(_expected_files(store, customers)), "outbox must hold each due message exactly once"
    rows = store.conn.execute("SELECT dedupe_key, status, count(*) FROM messages GROUP BY dedupe_key").fetchall()
    assert len(rows) == len(customers)
    assert {r[1] for r in rows} == {"sent"} and {r[2] for r in rows} == {1}


@pytest.mark.parametrize("where", ["before_write", "after_write"])
def test_run_killed_midway_then_rerun_sends_each_message_once(store, where):
    customers = add_customers(store, N)
    db = Path(store.path)
    delays = {"before": 0.05} if where == "before_write" else {"after": 0.05}
    proc = _start(db, **delays)
    _wait_for(db, "SELECT count(*) FROM messages WHERE status = 'sent'", 5)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    sent_before = _count(db, "SELECT count(*) FROM messages WHERE status = 'sent'")
    assert 5 <= sent_before < N, "the kill must land in the middle of the run"
    assert _count(db, "SELECT count(*) FROM runs WHERE status = 'running'") == 1

    rerun = _start(db)
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    report = json.loads(out)
    assert len(report["recovered"]["runs_closed"]) == 1
    recovered = report["recovered"]["confirmed_sent"] + report["recovered"]["released"]
    assert recovered <= 1  # at most the one message in flight when the process died
    assert report["sent"] + sent_before + report["recovered"]["confirmed_sent"] == N
    _assert_each_message_exactly_once(store, customers)
    assert _count(db, "SELECT count(*) FROM runs WHERE status = 'interrupted'") == 1


def test_second_run_while_one_is_running_is_refused(store, tmp_path):
    customers = add_customers(store, 20)
    db = Path(store.path)
    gate = tmp_path / "gate"
    first = _start(db, n=20, gate=str(gate))  # sends one message, then waits for the gate
    _wait_for(db, "SELECT count(*) FROM messages WHERE status = 'sent'", 1)
    second = _start(db, n=20)
    out2, _ = second.communicate(timeout=60)
    gate.write_text("go")
    out1, err1 = first.communicate(timeout=120)
    assert second.returncode == 3
    refusal = json.loads(out2)["refused"]
    assert "another dispatch run is in progress" in refusal and f"pid {first.pid}" in refusal
    assert first.returncode == 0, err1 and json.loads(out1)["sent"] == 20
    _assert_each_message_exactly_once(store, customers)


def test_two_runs_started_together_never_duplicate(store):
    customers = add_customers(store, 30)
    db = Path(store.path)
    procs = [_start(db, before=0.01, n=30) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert codes in ([0, 0], [0, 3]), outs
    sent = sum(json.loads(o).get("sent", 0) for o, _ in outs)
    assert sent == 30
    _assert_each_message_exactly_once(store, customers)


def test_cli_run_killed_midway_then_rerun_over_the_real_plan(sample_store, sample_plan):
    """The real `lifecycle dispatch run` over the generated shop's plan, SIGKILLed, then run again."""
    db = Path(sample_store.path)
    due = [d for d in sample_plan.decisions if d.action == "send"]
    assert len(due) >= 6
    proc = _start(db, before=0.15, after=0.05, mode="cli")
    _wait_for(db, "SELECT count(*) FROM messages WHERE status = 'sent'", 3)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert 3 <= _count(db, "SELECT count(*) FROM messages WHERE status = 'sent'") < len(due)

    rerun = _start(db, mode="cli")
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    assert len(json.loads(out)["recovered"]["runs_closed"]) == 1
    # Every message due in the first plan is now sent, exactly once, and has exactly one file.
    rows = {r["dedupe_key"]: r for r in sample_store.conn.execute(
        "SELECT dedupe_key, channel, status, path FROM messages")}
    for d in due:
        assert rows[d.dedupe_key]["status"] == "sent"
    assert {r["status"] for r in rows.values()} == {"sent"}
    files = sorted(p.name for p in outbox_dir(sample_store).iterdir())
    assert files == sorted(Path(r["path"]).name for r in rows.values())
    assert files == sorted(file_name(key, r["channel"]) for key, r in rows.items())


def test_ctrl_c_during_a_cli_run_says_what_was_sent_and_the_rerun_sends_the_rest(sample_store, sample_plan):
    """SIGINT (Ctrl-C) is not a crash: the run is recorded as interrupted, the owner is told how
    many went out (on stderr, and the run's report as JSON on stdout), and exit code is 130."""
    db = Path(sample_store.path)
    due = [d for d in sample_plan.decisions if d.action == "send"]
    proc = _start(db, before=0.15, after=0.05, mode="cli")
    _wait_for(db, "SELECT count(*) FROM messages WHERE status = 'sent'", 3)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    report = json.loads(out)
    sent = _count(db, "SELECT count(*) FROM messages WHERE status = 'sent'")
    assert report["status"] == "interrupted" and report["sent"] == sent and 3 <= sent < len(due)
    assert f"stopped after {sent} of {len(due)} sent" in " ".join(err.split()) and "again sends the rest" in err
    assert "Traceback" not in err
    assert _count(db, "SELECT count(*) FROM runs WHERE status = 'interrupted'") == 1

    rerun = _start(db, mode="cli")
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    rows = {r["dedupe_key"]: r["status"] for r in sample_store.conn.execute("SELECT dedupe_key, status FROM messages")}
    assert all(rows[d.dedupe_key] == "sent" for d in due) and len(rows) == len(set(rows))
