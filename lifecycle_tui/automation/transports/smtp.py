"""The SMTP transport: real email through the shop's mail server (``smtplib``).

Settings: ``smtp.host``, ``smtp.port``, ``smtp.security`` (``starttls``, ``ssl`` or ``none``),
``smtp.user``; the password comes from the environment variable ``LIFECYCLE_SMTP_PASSWORD``
and is never stored. One connection is kept open for the whole run.

A server's refusal (a 4xx/5xx reply) fails the message for certain. A connection that drops
while a message is being handed over leaves its outcome unknown: the error says so, and the
dispatcher records the message as ``unknown`` instead of resending it.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from typing import Any

from lifecycle_tui.automation.transports.base import MessageRecord, SendResult, TransportError
from lifecycle_tui.store import settings

PASSWORD_ENV = "LIFECYCLE_SMTP_PASSWORD"
TIMEOUT_SECONDS = 30


class SmtpTransport:
    """Sends email over one SMTP connection per run."""

    name = "smtp"
    idempotent = False
    channels = frozenset({"email"})

    def __init__(self, host: str, port: int, security: str = "starttls", user: str = "",
                 password: str | None = None, sender: str = "", timeout: float = TIMEOUT_SECONDS) -> None:
        self.host, self.port, self.security = host, int(port), security
        self.user, self.password, self.sender, self.timeout = user, password, sender, timeout
        self._conn: smtplib.SMTP | None = None

    @classmethod
    def for_store(cls, store) -> "SmtpTransport":
        return cls(
            host=settings.get(store, "smtp.host"),
            port=settings.get(store, "smtp.port"),
            security=settings.get(store, "smtp.security"),
            user=settings.get(store, "smtp.user"),
            password=os.environ.get(PASSWORD_ENV),
            sender=settings.get(store, "shop.sender_email"),
        )

    # -- connection ---------------------------------------------------------------------------
    def open(self) -> None:
        if self.user and not self.password:
            raise TransportError(f"smtp.user is set but ${PASSWORD_ENV} is empty: set the password in the environment.")
        where = f"{self.host}:{self.port}"
        try:
            if self.security == "ssl":
                conn = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=ssl.create_default_context())
            else:
                conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
                conn.ehlo()
                if self.security == "starttls":
                    if not conn.has_extn("starttls"):
                        conn.close()
                        raise TransportError(
                            f"SMTP server {where} does not offer STARTTLS; set smtp.security to ssl or none."
                        )
                    conn.starttls(context=ssl.create_default_context())
                    conn.ehlo()
            if self.user:
                conn.login(self.user, self.password or "")
        except TransportError:
            raise
        except smtplib.SMTPAuthenticationError as exc:
            raise TransportError(f"SMTP server {where} refused the login for {self.user!r}: {_reply(exc)}") from None
        except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
            raise TransportError(f"cannot connect to SMTP server {where} ({self.security}): {exc}") from None
        self._conn = conn

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            conn.close()

    def _ensure_connected(self) -> smtplib.SMTP:
        """The open connection; reconnects when the server dropped an idle one (nothing in flight)."""
        if self._conn is not None:
            try:
                status = self._conn.noop()[0]
                if status == 250:
                    return self._conn
            except (smtplib.SMTPException, OSError):
                pass
            self._conn.close()
            self._conn = None
        self.open()
        assert self._conn is not None
        return self._conn

    # -- sending -------------------------------------------------------------------------------
    def send(self, record: MessageRecord, rendered: Any) -> SendResult:
        if record.channel != "email":
            raise TransportError(f"the smtp transport carries email only, not {record.channel}")
        if not record.recipient:
            raise TransportError("the customer has no email address")
        data = rendered.to_eml_bytes()
        # Envelope sender: the From address the message was rendered with, else the shop's setting.
        sender = (getattr(rendered, "envelope", None) or {}).get("from_email") or self.sender
        conn = self._ensure_connected()
        try:
            refused = conn.sendmail(sender, [record.recipient], data)
        except smtplib.SMTPRecipientsRefused as exc:
            reply = next(iter(exc.recipients.values()), (0, b""))
            raise TransportError(f"server refused {record.recipient}: {reply[0]} {_text(reply[1])}") from None
        except smtplib.SMTPResponseException as exc:
            # MAIL/DATA refused with a reply code: the server did not accept the message.
            raise TransportError(f"server refused the message: {_reply(exc)}") from None
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self._conn = None
            raise TransportError(
                f"connection to the SMTP server was lost while sending ({exc}); the message may or may not "
                "have been delivered", outcome_unknown=True,
            ) from None
        if refused:
            raise TransportError(f"server refused {record.recipient}: {refused}")
        return SendResult(path=None, detail="accepted by SMTP server")


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _reply(exc: smtplib.SMTPResponseException) -> str:
    return f"{exc.smtp_code} {_text(exc.smtp_error)}"
