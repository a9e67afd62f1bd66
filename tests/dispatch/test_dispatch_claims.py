"""The message record state machine and run_plan over the outbox (in process)."""

from __future__ import annotations

import email
import json
import os
import stat
from pathlib import Path

import pytest
from dispatch_helpers import decision, make_plan

from lifecycle_tui.automation import message_log as log
from lifecycle_tui.automation.dispatcher import RunReport, recover_interrupted, run_plan
from lifecycle_tui.automation.transports import OutboxTransport, TransportError, outbox_dir
from lifecycle_tui.automation.transports.outbox import file_name
from lifecycle_tui.store import settings


def _run_row(store, transport="outbox", status="running"):
    with store.transaction() as conn:
        return conn.execute(
            "INSERT INTO runs (started_at, as_of, who, transport, status) VALUES (?, ?, 'test', ?, ?)",
            ("2026-06-30T12:00:00+00:00", "2026-06-30T12:00:00+00:00", transport, status),
        ).lastrowid


def test_claim_then_mark_sent_and_second_claim_is_refused(store, customers):
    d = decision(*customers[0])
    run1, run2 = _run_row(store, status="done"), _run_row(store, status="done")
    assert log.claim(store, run_id=run1, decision=d, claimed_at="t") is True
    assert log.status_of(store, d.dedupe_key) == "claimed"
    assert log.claim(store, run_id=run2, decision=d, claimed_at="t") is False  # in flight elsewhere
    assert log.mark_sent(store, d.dedupe_key, run2, sent_at="x") is False  # only the claimer may mark
    assert log.mark_sent(store, d.dedupe_key, run1, sent_at="2026-06-30T12:00:00+00:00", path="/p") is True
    assert log.status_of(store, d.dedupe_key) == "sent"
    assert log.claim(store, run_id=run2, decision=d, claimed_at="t") is False
    assert store.scalar("SELECT count(*) FROM messages") == 1


def test_failed_message_can_be_claimed_again_by_a_later_run(store, customers):
    d = decision(*customers[0])
    run1, run2 = _run_row(store, status="done"), _run_row(store, status="done")
    assert log.claim(store, run_id=run1, decision=d, claimed_at="t")
    assert log.mark_failed(store, d.dedupe_key, run1, "boom")
    assert log.claim(store, run_id=run2, decision=d, claimed_at="t2") is True
    row = store.conn.execute("SELECT run_id, status, reason FROM messages").fetchone()
    assert tuple(row) == (run2, "claimed", None)


def test_unknown_message_is_never_claimed_again(store, customers):
    d = decision(*customers[0])
    run1, run2 = _run_row(store, status="done"), _run_row(store, status="done")
    log.claim(store, run_id=run1, decision=d, claimed_at="t")
    log.mark_unknown(store, d.dedupe_key, run1, "connection lost")
    assert log.claim(store, run_id=run2, decision=d, claimed_at="t") is False


def test_run_writes_one_file_per_message_and_records_the_run(store, customers):
    plan = make_plan(customers[:3]) 
    plan.decisions += [decision(*customers[3], channel="sms"), decision(*customers[4], channel="push"),
                       decision(*customers[5], action="skip", reason="no consent for email"),
                       decision(*customers[6], action="defer", reason="quiet hours")]
    report = run_plan(store, plan, "outbox", who="tester")
    assert (report.sent, report.skipped, report.deferred, report.failed) == (5, 1, 1, 0)
    folder = outbox_dir(store)
    assert folder == Path(str(store.path) + ".outbox")
    files = sorted(p.name for p in folder.iterdir())
    assert len([f for f in files if f.endswith(".eml")]) == 3 and len([f for f in files if f.endswith(".json")]) == 2
    for p in folder.iterdir():
        assert stat.S_IMODE(p.stat().st_mode) == 0o600
    eml = email.message_from_bytes((folder / file_name(plan.decisions[0].dedupe_key, "email")).read_bytes())
    assert eml["Subject"] == f"Hello {customers[0][1]}"
    sms = json.loads((folder / file_name(plan.decisions[3].dedupe_key, "sms")).read_text())
    assert sms["to"] == "+4915100" + customers[3][1][1:] and sms["channel"] == "sms"
    run = store.conn.execute("SELECT * FROM runs WHERE id = ?", (report.run_id,)).fetchone()
    assert (run["who"], run["status"], run["sent"], run["skipped"], run["deferred"], run["transport"]) == (
        "tester", "done", 5, 1, 1, "outbox")
    assert run["as_of"] == "2026-06-30T12:00:00+00:00" and run["finished_at"]
    rows = store.conn.execute("SELECT status, sent_at, path FROM messages").fetchall()
    assert {r["status"] for r in rows} == {"sent"} and {r["sent_at"] for r in rows} == {"2026-06-30T12:00:00+00:00"}
    assert all(Path(r["path"]).is_file() for r in rows)


def test_running_twice_sends_nothing_the_second_time(store, customers):
    plan = make_plan(customers)
    first = run_plan(store, plan, "outbox")
    folder = outbox_dir(store)
    mtimes = {p: p.stat().st_mtime_ns for p in folder.iterdir()}
    second = run_plan(store, plan, "outbox")
    assert first.sent == len(customers)
    assert (second.sent, second.already_done, second.failed) == (0, len(customers), 0)
    assert {p: p.stat().st_mtime_ns for p in folder.iterdir()} == mtimes
    assert store.scalar("SELECT count(*) FROM messages") == len(customers)


def test_outbox_dir_setting_relative_to_the_store(store, customers):
    settings.set_value(store, "outbox.dir", "out/box")
    report = run_plan(store, make_plan(customers[:2]), "outbox")
    assert report.sent == 2
    assert len(list((Path(store.path).parent / "out" / "box").glob("*.eml"))) == 2


def test_file_names_are_safe_and_distinct():
    a, b = file_name("r:1:a/b:x", "email"), file_name("r:1:a_b:x", "email")
    assert a != b and "/" not in a and ":" not in a and a.endswith(".eml")
    long = file_name("x" * 500, "sms")
    assert len(long) < 160 and long.endswith(".json")


class _Flaky:
    """Fails the customers named in ``bad``; ``unknown`` ones lose the connection mid-send."""

    name, idempotent, channels = "flaky", False, frozenset({"email", "sms", "push"})

    def __init__(self, bad=(), unknown=(), everything=False):
        self.bad, self.unknown, self.everything, self.sent = set(bad), set(unknown), everything, []

    def open(self):
        pass

    def close(self):
        pass

    def send(self, record, rendered):
        if self.everything or record.customer_id in self.bad:
            raise TransportError("mailbox unavailable")
        if record.customer_id in self.unknown:
            raise TransportError("connection lost", outcome_unknown=True)
        self.sent.append(record.dedupe_key)
        from lifecycle_tui.automation.transports import SendResult
        return SendResult()


def test_a_transport_failure_fails_one_message_and_the_run_goes_on(store, customers):
    t = _Flaky(bad={customers[1][1]}, unknown={customers[2][1]})
    report = run_plan(store, make_plan(customers), t)
    assert (report.sent, report.failed, report.unknown, report.status) == (len(customers) - 2, 1, 1, "done")
    failed = log.list_messages(store, status="failed")
    assert [m["customer_id"] for m in failed] == [customers[1][1]] and failed[0]["reason"] == "mailbox unavailable"
    assert [m["customer_id"] for m in log.list_messages(store, status="unknown")] == [customers[2][1]]
    # A later run retries the failed one only (unknown is not resent).
    t2 = _Flaky()
    again = run_plan(store, make_plan(customers), t2)
    assert again.sent == 1 and t2.sent == [make_plan([customers[1]]).decisions[0].dedupe_key]


def test_failures_in_a_row_stop_the_run(store, customers):
    settings.set_value(store, "dispatch.max_failures_in_row", "3")
    progress = []
    report = run_plan(store, make_plan(customers), _Flaky(everything=True), lambda d, t: progress.append((d, t)))
    assert report.status == "stopped" and report.failed == 3
    assert report.not_attempted == len(customers) - 3
    assert "3 transport failures in a row" in report.stopped_reason and "mailbox unavailable" in report.stopped_reason
    assert store.scalar("SELECT count(*) FROM messages") == 3  # the rest was never claimed
    assert progress[-1] == (3, len(customers))
    run = store.conn.execute("SELECT status, note FROM runs").fetchone()
    assert run["status"] == "stopped" and "in a row" in run["note"]


def test_failures_not_in_a_row_do_not_stop_the_run(store, customers):
    settings.set_value(store, "dispatch.max_failures_in_row", "2")
    bad = {c for i, (_, c) in enumerate(customers) if i % 2 == 0}
    report = run_plan(store, make_plan(customers), _Flaky(bad=bad))
    assert report.status == "done" and report.failed == len(bad) and report.sent == len(customers) - len(bad)


def test_template_error_fails_that_message_only(store, customers):
    plan = make_plan(customers[:2])
    plan.decisions.append(decision(*customers[2], action="skip", reason="template error: 'x' is undefined"))
    report = run_plan(store, plan, "outbox")
    assert (report.sent, report.failed, report.skipped) == (2, 1, 0)
    row = log.list_messages(store, status="failed")[0]
    assert row["customer_id"] == customers[2][1] and row["reason"].startswith("template error")


def test_missing_contact_point_fails_without_calling_the_transport(store, customers):
    with store.transaction() as conn:
        conn.execute("UPDATE customers SET phone = NULL WHERE id = ?", (customers[0][0],))
    t = _Flaky()
    report = run_plan(store, make_plan(customers[:1], channel="sms"), t)
    assert report.failed == 1 and t.sent == []
    assert log.list_messages(store)[0]["reason"] == "no phone number"


def test_channels_a_transport_cannot_carry_are_left_unclaimed(store, customers):
    class EmailOnly(_Flaky):
        channels = frozenset({"email"})

    plan = make_plan(customers[:2])
    plan.decisions.append(decision(*customers[2], channel="sms"))
    report = run_plan(store, plan, EmailOnly())
    assert (report.sent, report.not_attempted, report.status) == (2, 1, "done")
    assert store.scalar("SELECT count(*) FROM messages WHERE channel = 'sms'") == 0


def test_transport_that_cannot_open_fails_the_run_before_claiming(store, customers):
    settings.set_value(store, "webhook.url", "")
    report = run_plan(store, make_plan(customers), "webhook")
    assert report.status == "failed" and "webhook.url" in report.stopped_reason
    assert store.scalar("SELECT count(*) FROM messages") == 0
    assert store.scalar("SELECT status FROM runs") == "failed"
    n = len(customers)
    assert report.not_attempted == n
    assert report.left_note() == f"{n} messages due were not sent and stay due: the next run sends them."


def test_left_note_says_what_a_finished_run_left_and_reads_as_a_sentence():
    one = RunReport(run_id=1, not_attempted=1, status="stopped", transport="smtp")
    assert one.left_note() == "1 message due was not sent and stays due: the next run sends it."
    carried = RunReport(run_id=2, not_attempted=2, status="done", transport="smtp")
    assert carried.left_note() == "2 messages on channels smtp does not carry were left for a later run."
    assert RunReport(run_id=3, status="done").left_note() is None
    assert RunReport(run_id=4, sent=3, skipped=1, unknown=2).counts() == "3 sent, 1 skipped, 0 deferred, 0 failed, 2 unknown"


def test_recovery_outbox_claim_with_file_in_place_is_marked_sent(store, customers):
    d = decision(*customers[0])
    dead = _run_row(store, "outbox", "running")
    log.claim(store, run_id=dead, decision=d, claimed_at="t")
    outbox = OutboxTransport.for_store(store)
    outbox.open()
    outbox.send(type("R", (), {"channel": "email", "dedupe_key": d.dedupe_key})(), d.message)
    found = recover_interrupted(store)
    assert found.confirmed_sent == 1 and found.runs_closed == [dead]
    row = store.conn.execute("SELECT status, sent_at, path FROM messages").fetchone()
    assert row["status"] == "sent" and row["sent_at"] == "2026-06-30T12:00:00+00:00" and row["path"]
    assert store.scalar("SELECT status FROM runs WHERE id = ?", (dead,)) == "interrupted"


def test_recovery_outbox_claim_without_file_is_released_and_sent_once(store, customers):
    d = decision(*customers[0])
    dead = _run_row(store, "outbox", "running")
    log.claim(store, run_id=dead, decision=d, claimed_at="t")
    report = run_plan(store, make_plan(customers[:1]), "outbox")
    assert report.recovered.released == 1 and report.sent == 1
    assert len(list(outbox_dir(store).iterdir())) == 1


def test_recovery_smtp_claim_becomes_unknown_and_is_not_resent(store, customers):
    d = decision(*customers[0])
    dead = _run_row(store, "smtp", "running")
    log.claim(store, run_id=dead, decision=d, claimed_at="t")
    t = _Flaky()
    report = run_plan(store, make_plan(customers[:2]), t)
    assert report.recovered.unknown == [d.dedupe_key]
    assert t.sent == [make_plan(customers[1:2]).decisions[0].dedupe_key]
    assert log.status_of(store, d.dedupe_key) == "unknown"
    assert "not resent" in log.list_messages(store, status="unknown")[0]["reason"]


def test_stale_temp_files_of_dead_writers_are_removed(tmp_path):
    leftover = tmp_path / ".x.eml.999999999.tmp"
    leftover.write_bytes(b"half")
    OutboxTransport(tmp_path).open()
    assert not leftover.exists()


def test_outbox_refuses_an_unwritable_folder(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(TransportError, match="cannot create the outbox folder"):
        OutboxTransport(blocker / "sub").open()
    assert os.path.exists(blocker)


def test_nothing_to_send_never_opens_the_transport(store, customers):
    settings.set_value(store, "webhook.url", "")  # would fail to open
    plan = make_plan(customers[:2], action="skip", reason="no consent for email")
    report = run_plan(store, plan, "webhook")
    assert (report.status, report.skipped, report.sent) == ("done", 2, 0)


def test_ctrl_c_mid_run_leaves_an_honest_record_and_the_next_run_finishes(store, customers):
    class Interrupted(OutboxTransport):
        calls = 0

        def send(self, record, rendered):
            Interrupted.calls += 1
            if Interrupted.calls == 3:
                raise KeyboardInterrupt
            return super().send(record, rendered)

    plan = make_plan(customers[:5])
    with pytest.raises(KeyboardInterrupt):
        run_plan(store, plan, Interrupted.for_store(store))
    assert store.scalar("SELECT status FROM runs") == "interrupted"
    assert [m["status"] for m in log.list_messages(store)] == ["sent", "sent", "claimed"]
    report = run_plan(store, plan, "outbox")
    assert report.recovered.released == 1 and report.sent == 3 and report.already_done == 2
    assert len(list(outbox_dir(store).iterdir())) == 5
