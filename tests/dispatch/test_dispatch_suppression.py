"""Suppression and unsubscribe: the domain functions, their CLI, and the next plan honouring them."""

from __future__ import annotations

import pytest

from lifecycle_tui.automation.planner import plan
from lifecycle_tui.automation.suppression import SuppressionError, classify
from lifecycle_tui.messages.unsubscribe import unsubscribe_token
from lifecycle_tui.store.settings import pinned_as_of


@pytest.mark.parametrize("value, expected", [
    (" Ada@Example.COM ", ("email", "ada@example.com")),
    ("+49 (151) 000-0001", ("phone", "+491510000001")),
    ("0049 151 0000001", ("phone", "+491510000001")),
    ("'+49 151 0000001", ("phone", "+491510000001")),  # as a spreadsheet marks a number as text
])
def test_classify_normalises(value, expected):
    assert classify(value) == expected


@pytest.mark.parametrize("value", ["", "ada@", "hello", "12", "+49 151 abc 0001", "Ada <ada@example.com>"])
def test_classify_refuses(value):
    with pytest.raises(SuppressionError):
        classify(value)


def test_suppress_cli(cli, store):
    first = cli.json("suppress", "Ada@Example.com", "--reason", "bounce")
    assert first == {"kind": "email", "value": "ada@example.com", "added": True}
    assert cli.json("suppress", "ada@example.com")["added"] is False
    assert cli.json("suppress", "+44 7700 900123")["value"] == "+447700900123"
    rows = store.conn.execute("SELECT kind, value, reason, source FROM suppressions ORDER BY id").fetchall()
    assert [tuple(r) for r in rows] == [("email", "ada@example.com", "bounce", "lifecycle suppress"),
                                        ("phone", "+447700900123", "manual", "lifecycle suppress")]
    human = cli("suppress", "bob@example.com")
    assert human.exit_code == 0 and "Suppressed email bob@example.com" in human.stdout


def test_suppress_cli_bad_input_and_usage(cli, store, tmp_path):
    bad = cli("suppress", "not-an-address")
    assert bad.exit_code == 1 and "not an email address or a phone number" in bad.stderr
    assert cli("suppress").exit_code == 2
    f = tmp_path / "list.txt"
    f.write_text("a@example.com\n")
    assert cli("suppress", "x@example.com", "--file", str(f)).exit_code == 2
    assert store.scalar("SELECT count(*) FROM suppressions") == 0


def test_suppress_file_is_all_or_nothing(cli, store, tmp_path):
    f = tmp_path / "bounces.csv"
    f.write_text("Email,Phone,Reason\nA@example.com,,hard\n,+49 151 0000002,\nbroken@,,soft\n", encoding="utf-8")
    result = cli("suppress", "--file", str(f))
    assert result.exit_code == 1
    assert "bounces.csv: line 4, column Email" in result.stderr and "Nothing was added" in result.stderr
    assert store.scalar("SELECT count(*) FROM suppressions") == 0
    data = cli.json("suppress", "--file", str(f), "--skip-invalid")
    assert data["added"] == 2 and data["rejected"] == [
        {"line": 4, "column": "Email", "reason": "'broken@' is not an email address"}]
    rows = {tuple(r) for r in store.conn.execute("SELECT kind, value, reason, source FROM suppressions")}
    assert rows == {("email", "a@example.com", "bounce", "bounces.csv"), ("phone", "+491510000002", "bounce", "bounces.csv")}
    assert cli.json("suppress", "--file", str(f), "--skip-invalid")["already"] == 2


def test_suppress_plain_list_with_comments_and_bom(cli, store, tmp_path):
    f = tmp_path / "unsubs.txt"
    f.write_bytes("\ufeff# exported 2026-06-01\nx@example.com\n\nY@Example.com\n+1 202 555 0101\n".encode("utf-8"))
    data = cli.json("suppress", "--file", str(f), "--reason", "unsubscribe")
    assert data == {"added": 3, "already": 0, "rejected": []}
    assert {r[0] for r in store.conn.execute("SELECT reason FROM suppressions")} == {"unsubscribe"}


def test_suppress_missing_file_exits_1(cli, tmp_path):
    result = cli("suppress", "--file", str(tmp_path / "nope.csv"))
    assert result.exit_code == 1 and "no such file" in result.stderr


def _customer(store, email="ada@example.com"):
    with store.transaction() as conn:
        return conn.execute(
            "INSERT INTO customers (customer_id, email, email_norm, accepts_email, accepts_sms) VALUES ('c1', ?, ?, 1, 1)",
            (email, email.lower())).lastrowid


def test_unsubscribe_cli_turns_consent_off_and_suppresses_the_email(cli, store):
    rowid = _customer(store, "Ada@Example.com")
    token = unsubscribe_token(store, rowid, "email")
    data = cli.json("unsubscribe", token)
    assert data == {"customer_id": "c1", "channel": "email", "changed": True, "suppressed": "ada@example.com"}
    assert store.scalar("SELECT accepts_email FROM customers WHERE id = ?", (rowid,)) == 0
    change = store.conn.execute("SELECT channel, old_value, new_value, source FROM consent_changes").fetchone()
    assert tuple(change) == ("email", 1, 0, "unsubscribe link")
    assert store.scalar("SELECT reason FROM suppressions WHERE value = 'ada@example.com'") == "unsubscribe"
    again = cli.json("unsubscribe", token)
    assert again["changed"] is False
    assert store.scalar("SELECT count(*) FROM consent_changes") == 1


def test_unsubscribe_sms_token_turns_sms_off_only(cli, store):
    rowid = _customer(store)
    cli.json("unsubscribe", unsubscribe_token(store, rowid, "sms"))
    row = store.conn.execute("SELECT accepts_email, accepts_sms FROM customers").fetchone()
    assert tuple(row) == (1, 0) and store.scalar("SELECT count(*) FROM suppressions") == 0


def test_unsubscribe_bad_token_exits_1(cli, store):
    rowid = _customer(store)
    token = unsubscribe_token(store, rowid, "email")
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    result = cli("unsubscribe", forged)
    assert result.exit_code == 1 and "not valid" in result.stderr
    assert cli("unsubscribe", "garbage").exit_code == 1
    assert store.scalar("SELECT accepts_email FROM customers") == 1


def test_suppress_and_unsubscribe_are_honoured_by_the_next_plan(sample_store, sample_cli, sample_plan):
    as_of = pinned_as_of(sample_store)
    emails = [d for d in sample_plan.decisions if d.action == "send" and d.channel == "email"]
    assert len(emails) >= 2
    by_suppression, by_link = emails[0], next(d for d in emails[1:] if d.customer_rowid != emails[0].customer_rowid)
    address = sample_store.scalar("SELECT email FROM customers WHERE id = ?", (by_suppression.customer_rowid,))
    assert sample_cli("suppress", address.upper(), "--reason", "complaint").exit_code == 0
    token = unsubscribe_token(sample_store, by_link.customer_rowid, "email")
    assert sample_cli("unsubscribe", token).exit_code == 0

    after = {d.dedupe_key: d for d in plan(sample_store, as_of).decisions}
    first, second = after[by_suppression.dedupe_key], after[by_link.dedupe_key]
    assert first.action == "skip" and first.reason.startswith("suppressed")
    assert second.action == "skip" and "consent" in second.reason
    run = sample_cli.json("dispatch", "run", "--yes")
    sent_to = {m["customer_id"] for m in sample_cli.json("outbox", "list", "--channel", "email")}
    assert by_suppression.customer_id not in sent_to and by_link.customer_id not in sent_to
    assert run["sent"] >= len(emails) - 2


def test_suppress_file_semicolon_cp1252_with_mobile_column(cli, store, tmp_path):
    f = tmp_path / "export.csv"
    f.write_bytes("Name;Mobile Phone\nJosé;+33 6 12 34 56 78\n".encode("cp1252"))
    data = cli.json("suppress", "--file", str(f))
    assert data["added"] == 1
    assert store.scalar("SELECT value FROM suppressions") == "+33612345678"
