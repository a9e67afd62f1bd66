"""The webhook transport: POSTs each message as JSON to a gateway URL (SMS, push or email API).

Setting ``webhook.url``. Every request carries an ``Idempotency-Key`` header equal to the
message's dedupe key, so a gateway that honours it ignores a repeat. Any status outside
2xx fails the message (a redirect too: it is not followed). A connection refused or a bad
address fails it for certain; a timeout after the request was sent leaves the outcome unknown
(recorded as ``unknown``, never resent silently). Standard library only (``urllib.request``).
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from typing import Any

from lifecycle_tui.automation.transports.base import MessageRecord, SendResult, TransportError, message_payload
from lifecycle_tui.store import settings

TIMEOUT_SECONDS = 15
USER_AGENT = "lifecycle-tui/0.1 (webhook transport)"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are failures: urllib would turn the POST into a GET and a 200 would look like delivery."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class WebhookTransport:
    """POSTs ``{dedupe_key, channel, to, customer_id, rule, step, template, message}`` to one URL."""

    name = "webhook"
    idempotent = False
    channels = frozenset({"email", "sms", "push"})

    def __init__(self, url: str, timeout: float = TIMEOUT_SECONDS) -> None:
        self.url = url
        self.timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirect())

    @classmethod
    def for_store(cls, store) -> "WebhookTransport":
        return cls(settings.get(store, "webhook.url"))

    def open(self) -> None:
        if not self.url:
            raise TransportError("webhook.url is not set: `lifecycle settings set webhook.url https://...`")

    def close(self) -> None:
        pass

    def send(self, record: MessageRecord, rendered: Any) -> SendResult:
        if not record.recipient:
            raise TransportError(f"the customer has no contact point for {record.channel}")
        body = json.dumps(message_payload(record, rendered), ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Idempotency-Key": record.dedupe_key,
                "User-Agent": USER_AGENT,
            },
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                status = response.status
                reply = response.read(2048).decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            detail = exc.read(300).decode("utf-8", "replace").strip()
            raise TransportError(f"gateway answered {exc.code} {exc.reason}" + (f": {detail}" if detail else "")) from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, (TimeoutError, socket.timeout)):
                raise _unknown(self.url, reason) from None
            raise TransportError(f"cannot reach the gateway {self.url}: {reason}") from None
        except (TimeoutError, socket.timeout, ConnectionResetError) as exc:
            raise _unknown(self.url, exc) from None
        if not 200 <= status < 300:
            raise TransportError(f"gateway answered {status}")
        return SendResult(path=None, detail=f"{status} {reply[:200]}".strip())


def _unknown(url: str, exc: BaseException) -> TransportError:
    return TransportError(
        f"no answer from the gateway {url} ({exc or 'timed out'}); the message may or may not have been accepted",
        outcome_unknown=True,
    )
