"""SMTP end to end: a real local SMTP server (aiosmtpd) on a free loopback port."""

from __future__ import annotations

import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from dispatch_helpers import make_plan

from lifecycle_tui.automation import message_log as log
from lifecycle_tui.automation.dispatcher import run_plan
from lifecycle_tui.automation.transports import SmtpTransport
from lifecycle_tui.store import settings

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """aiosmtpd handler: keeps every accepted message; refuses recipients in ``refuse``."""

    def __init__(self, refuse=()):
        self.received: list[tuple[str, list[str], bytes]] = []
        self.refuse = set(refuse)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted"


@pytest.fixture
def smtp_server():
    servers = []

    def start(handler, **kwargs):
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
        controller.start()
        servers.append(controller)
        return port

    yield start
    for c in servers:
        c.stop()


def _point_at(store, port, security="none"):
    settings.set_value(store, "smtp.host", "127.0.0.1")
    settings.set_value(store, "smtp.port", str(port))
    settings.set_value(store, "smtp.security", security)


def test_smtp_end_to_end_with_the_real_plan(sample_store, sample_plan, smtp_server):
    inbox = Inbox()
    _point_at(sample_store, smtp_server(inbox))
    emails = [d for d in sample_plan.decisions if d.action == "send" and d.channel == "email"]
    others = [d for d in sample_plan.decisions if d.action == "send" and d.channel != "email"]
    assert emails, "the sample plan should send some email"
    report = run_plan(sample_store, sample_plan, "smtp")
    assert (report.sent, report.failed, report.status) == (len(emails), 0, "done")
    assert report.not_attempted == len(others)  # SMS/push are left for a transport that carries them
    assert len(inbox.received) == len(emails)
    addresses = {r["email"] for r in sample_store.conn.execute(
        f"SELECT email FROM customers WHERE id IN ({','.join(str(d.customer_rowid) for d in emails)})")}
    assert {rcpt for _, rcpts, _ in inbox.received for rcpt in rcpts} == addresses
    with_unsubscribe = 0
    for mail_from, _, raw in inbox.received:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        assert mail_from == email.utils.parseaddr(msg["From"])[1]
        assert msg.get_content_type() == "multipart/alternative"
        kinds = [part.get_content_type() for part in msg.iter_parts()]
        assert kinds == ["text/plain", "text/html"]
        if msg["List-Unsubscribe"] is not None:  # marketing messages; transactional ones have none
            assert msg["List-Unsubscribe"].startswith("<http") and "t=" in msg["List-Unsubscribe"]
            assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            with_unsubscribe += 1
        assert msg["Subject"] and msg["To"]
    assert with_unsubscribe == sum(1 for d in emails if d.message.marketing) > 0
    sent = log.list_messages(sample_store, status="sent")
    assert len(sent) == len(emails) and all(m["path"] is None for m in sent)
    # Running again sends nothing more.
    again = run_plan(sample_store, sample_plan, "smtp")
    assert again.sent == 0 and len(inbox.received) == len(emails)


def test_smtp_refused_recipient_fails_that_message_only(store, customers, smtp_server):
    addresses = [r[0] for r in store.conn.execute("SELECT email FROM customers ORDER BY id")]
    inbox = Inbox(refuse={addresses[1]})
    _point_at(store, smtp_server(inbox))
    report = run_plan(store, make_plan(customers[:4]), "smtp")
    assert (report.sent, report.failed) == (3, 1)
    failed = log.list_messages(store, status="failed")
    assert failed[0]["customer_id"] == customers[1][1] and "550" in failed[0]["reason"]
    assert len(inbox.received) == 3


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_login_with_password_from_the_environment(store, customers, smtp_server, monkeypatch):
    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == b"shop" and auth_data.password == b"s3cret"
        return AuthResult(success=ok, handled=False)

    inbox = Inbox()
    port = smtp_server(inbox, authenticator=authenticator, auth_require_tls=False, auth_required=True)
    _point_at(store, port)
    settings.set_value(store, "smtp.user", "shop")
    monkeypatch.setenv("LIFECYCLE_SMTP_PASSWORD", "wrong")
    refused = run_plan(store, make_plan(customers[:2]), "smtp")
    assert refused.status == "failed" and "refused the login" in refused.stopped_reason
    assert store.scalar("SELECT count(*) FROM messages") == 0
    monkeypatch.setenv("LIFECYCLE_SMTP_PASSWORD", "s3cret")
    report = run_plan(store, make_plan(customers[:2]), "smtp")
    assert report.sent == 2 and len(inbox.received) == 2


def test_smtp_user_without_password_is_refused_before_connecting(store, customers, monkeypatch):
    monkeypatch.delenv("LIFECYCLE_SMTP_PASSWORD", raising=False)
    settings.set_value(store, "smtp.user", "shop")
    report = run_plan(store, make_plan(customers[:1]), "smtp")
    assert report.status == "failed" and "LIFECYCLE_SMTP_PASSWORD" in report.stopped_reason


def test_starttls_required_but_not_offered(store, customers, smtp_server):
    _point_at(store, smtp_server(Inbox()), security="starttls")
    report = run_plan(store, make_plan(customers[:1]), "smtp")
    assert report.status == "failed" and "does not offer STARTTLS" in report.stopped_reason


def test_nobody_listening_fails_the_run_with_a_clear_message(store, customers):
    _point_at(store, free_port())
    report = run_plan(store, make_plan(customers[:2]), "smtp")
    assert report.status == "failed" and "cannot connect to SMTP server 127.0.0.1" in report.stopped_reason
    assert report.not_attempted == 2


def test_server_drop_mid_message_is_unknown_not_failed(store, customers, smtp_server):
    class DropDuringData(Inbox):
        async def handle_DATA(self, server, session, envelope):
            self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
            server.transport.close()  # accepted the data, then vanished before replying
            return "250 OK"

    inbox = DropDuringData()
    _point_at(store, smtp_server(inbox))
    transport = SmtpTransport.for_store(store)
    report = run_plan(store, make_plan(customers[:1]), transport)
    assert report.unknown == 1 and report.sent == 0
    assert log.list_messages(store)[0]["status"] == "unknown"
    assert len(inbox.received) == 1  # it did arrive: resending would have duplicated it


@pytest.fixture(scope="module")
def loopback_cert(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 (made with the openssl command; skipped without it)."""
    import shutil
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("openssl command not available")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


def _server_context(cert, key):
    import ssl

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    return ctx


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_connections_verify_the_server(store, customers, smtp_server, loopback_cert, monkeypatch, security):
    cert, key = loopback_cert
    inbox = Inbox()
    tls = _server_context(cert, key)
    kwargs = {"tls_context": tls, "require_starttls": True} if security == "starttls" else {"ssl_context": tls}
    _point_at(store, smtp_server(inbox, **kwargs), security=security)
    untrusted = run_plan(store, make_plan(customers[:1]), "smtp")
    assert untrusted.status == "failed" and "certificate" in untrusted.stopped_reason.lower()
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # trust our test certificate, as a shop would its CA
    report = run_plan(store, make_plan(customers[:2]), "smtp")
    assert (report.sent, report.status) == (2, "done") and len(inbox.received) == 2
