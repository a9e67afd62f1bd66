"""templates send-test: one message to the shop owner, as a customer would get it, recorded nowhere."""

from __future__ import annotations

import json
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from lifecycle_tui.automation.trial import TrialError, send_trial
from lifecycle_tui.messages.unsubscribe import resolve_unsubscribe_token
from lifecycle_tui.store import settings

AS_OF_SAMPLE = "2026-06-30T18:00:00+00:00"


def _as_of():
    from datetime import datetime

    return datetime.fromisoformat(AS_OF_SAMPLE)


def test_a_test_email_goes_to_the_owner_with_a_stand_in_unsubscribe_link(sample_store):
    before = sample_store.scalar("SELECT count(*) FROM messages")
    result = send_trial(sample_store, "welcome_1", "mara@example.org", _as_of(), customer="C100003")
    assert (result.channel, result.to, result.customer_id, result.transport) == ("email", "mara@example.org", "C100003", "outbox")
    eml = message_from_bytes(Path(result.path).read_bytes(), policy=policy.default)
    assert eml["To"] == "mara@example.org"  # no customer's name or address
    assert "t=test-message" in eml["List-Unsubscribe"]
    body = eml.get_body(("plain",)).get_content()
    assert "t=test-message" in body
    assert resolve_unsubscribe_token(sample_store, "test-message") is None  # clicking it unsubscribes no one
    assert sample_store.scalar("SELECT count(*) FROM messages") == before  # not recorded: no cap, no dedupe


def test_a_test_sms_takes_a_phone_number_and_a_sample_customer_by_default(sample_store):
    result = send_trial(sample_store, "cart_abandoned_sms", "+49 171 5551234", _as_of())
    payload = json.loads(Path(result.path).read_text())
    assert payload["to"] == "+49 171 5551234" and payload["channel"] == "sms" and payload["customer_id"] == result.customer_id


@pytest.mark.parametrize("template, to, transport, words", [
    ("welcome_1", "+49 171 5551234", "outbox", "is not an email address: an email template goes to an email address"),
    ("cart_abandoned_sms", "mara@example.org", "outbox", "is not a phone number"),
    ("cart_abandoned_sms", "+49 171 5551234", "smtp", "the smtp transport does not carry sms"),
])
def test_a_wrong_address_or_transport_is_refused_before_anything_is_sent(sample_store, template, to, transport, words):
    with pytest.raises(TrialError, match=words):
        send_trial(sample_store, template, to, _as_of(), transport=transport)


def test_a_transport_that_cannot_deliver_says_so(sample_store):
    settings.set_value(sample_store, "webhook.url", "http://127.0.0.1:9/hook")
    with pytest.raises(TrialError, match="the webhook transport could not deliver the test message"):
        send_trial(sample_store, "cart_abandoned_sms", "+49 171 5551234", _as_of(), transport="webhook")


def test_send_test_cli(sample_cli, sample_store):
    data = sample_cli.json("templates", "send-test", "welcome_1", "--to", "mara@example.org", "--customer", "C100003")
    assert set(data) == {"template", "channel", "to", "customer_id", "transport", "path", "warnings"}
    shown = sample_cli("templates", "send-test", "welcome_1", "--to", "mara@example.org")
    assert shown.exit_code == 0 and "Test email 'welcome_1' sent to mara@example.org through outbox" in shown.stdout
    assert sample_cli("templates", "send-test", "welcome_1", "--to", "nope").exit_code == 1
    assert sample_cli("templates", "send-test", "no_such", "--to", "mara@example.org").exit_code == 1
    assert sample_cli("templates", "send-test", "welcome_1", "--to", "a@b.de", "--transport", "pigeon").exit_code == 2
    pasted = sample_cli.json("templates", "send-test", "welcome_1", "--to", "mara@example.org", "--customer", " C100003 ")
    assert pasted["customer_id"] == "C100003"
    missing = sample_cli("templates", "send-test", "welcome_1", "--to", "a@b.de", "--customer", "C999")
    assert missing.exit_code == 1 and "no customer 'C999'" in missing.stderr
