"""Webhook end to end: a local ThreadingHTTPServer on 127.0.0.1 in a thread."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from dispatch_helpers import make_plan

from lifecycle_tui.automation import message_log as log
from lifecycle_tui.automation.dispatcher import run_plan
from lifecycle_tui.automation.transports import WebhookTransport
from lifecycle_tui.store import settings

pytestmark = pytest.mark.slow


class Gateway:
    """Records every POST; answers ``status_for(body)`` (default 200), after ``delay`` seconds."""

    def __init__(self):
        self.requests: list[dict] = []
        self.status_for = lambda body: 200
        self.delay = 0.0
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                gateway.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                time.sleep(gateway.delay)
                status = gateway.status_for(body)
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": %s}' % (b"true" if status < 300 else b"false"))

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway():
    g = Gateway()
    yield g
    g.stop()


def test_webhook_end_to_end_with_the_real_plan(sample_store, sample_plan, gateway):
    settings.set_value(sample_store, "webhook.url", gateway.url)
    sends = [d for d in sample_plan.decisions if d.action == "send"]
    assert sends, "the sample plan should send something"
    report = run_plan(sample_store, sample_plan, "webhook")
    assert (report.sent, report.failed, report.status) == (len(sends), 0, "done")
    assert len(gateway.requests) == len(sends)
    by_key = {d.dedupe_key: d for d in sends}
    for req in gateway.requests:
        key = req["headers"]["Idempotency-Key"]
        d = by_key.pop(key)
        body = req["body"]
        assert req["path"] == "/send" and req["headers"]["Content-Type"].startswith("application/json")
        assert (body["dedupe_key"], body["channel"], body["customer_id"], body["rule"], body["step"]) == (
            key, d.channel, d.customer_id, d.rule, d.step)
        assert body["to"]
        if d.channel != "email":
            assert body["message"] == json.loads(json.dumps(d.message.to_payload()))
        if d.channel == "email":
            assert body["message"]["subject"] == d.message.fields["subject"]
    assert by_key == {}
    assert run_plan(sample_store, sample_plan, "webhook").sent == 0 and len(gateway.requests) == len(sends)


def test_non_2xx_fails_that_message_and_the_run_continues(store, customers, gateway):
    settings.set_value(store, "webhook.url", gateway.url)
    bad = customers[2][1]
    gateway.status_for = lambda body: 422 if body["customer_id"] == bad else 202
    report = run_plan(store, make_plan(customers[:5], channel="sms"), "webhook")
    assert (report.sent, report.failed, report.status) == (4, 1, "done")
    failed = log.list_messages(store, status="failed")[0]
    assert failed["customer_id"] == bad and "422" in failed["reason"]


def test_failures_in_a_row_stop_the_run(store, customers, gateway):
    settings.set_value(store, "webhook.url", gateway.url)
    settings.set_value(store, "dispatch.max_failures_in_row", "4")
    gateway.status_for = lambda body: 503
    report = run_plan(store, make_plan(customers, channel="push"), "webhook")
    assert report.status == "stopped" and report.failed == 4 and len(gateway.requests) == 4
    assert "4 transport failures in a row" in report.stopped_reason and "503" in report.stopped_reason
    # Once the gateway is back, a later run sends everything, the failed ones included, once each.
    gateway.status_for = lambda body: 200
    later = run_plan(store, make_plan(customers, channel="push"), "webhook")
    assert later.sent == len(customers) and later.status == "done"
    keys = [r["headers"]["Idempotency-Key"] for r in gateway.requests[4:]]
    assert sorted(keys) == sorted(d.dedupe_key for d in make_plan(customers).decisions)


def test_timeout_after_sending_is_unknown_and_never_resent(store, customers, gateway):
    gateway.delay = 1.0
    report = run_plan(store, make_plan(customers[:1], channel="sms"), WebhookTransport(gateway.url, timeout=0.3))
    assert report.unknown == 1 and report.sent == 0
    row = log.list_messages(store)[0]
    assert row["status"] == "unknown" and "may or may not" in row["reason"]
    gateway.delay = 0.0
    again = run_plan(store, make_plan(customers[:1], channel="sms"), WebhookTransport(gateway.url))
    assert again.sent == 0 and again.already_done == 1 and len(gateway.requests) == 1


def test_connection_refused_is_a_plain_failure(store, customers, gateway):
    url = gateway.url
    gateway.stop()
    settings.set_value(store, "webhook.url", url)
    report = run_plan(store, make_plan(customers[:1], channel="sms"), "webhook")
    assert report.failed == 1 and report.unknown == 0
    assert "cannot reach the gateway" in log.list_messages(store)[0]["reason"]
    gateway.stop = lambda: None  # already stopped


def test_a_redirect_is_a_failure_not_followed(store, customers, gateway):
    settings.set_value(store, "webhook.url", gateway.url)
    gateway.status_for = lambda body: 302
    report = run_plan(store, make_plan(customers[:1], channel="sms"), "webhook")
    assert report.failed == 1 and report.sent == 0 and len(gateway.requests) == 1
    assert "302" in log.list_messages(store)[0]["reason"]
