"""The transport contract: what the dispatcher hands a transport and what it gets back.

A transport carries one rendered message to one recipient. It raises
:class:`TransportError` when it could not; ``outcome_unknown=True`` on that error means the
message may have been delivered anyway (a connection dropped after the data was sent), so
the dispatcher records it as ``unknown`` and never resends it silently.

``idempotent`` transports (the outbox) may be retried after a crash: a retry overwrites the
same file. Non-idempotent ones (SMTP, webhook) are not retried when their outcome is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


class TransportError(Exception):
    """One message could not be sent (or a connection could not be opened).

    ``outcome_unknown``: the failure happened after the message may have reached the other
    side, so it must not be resent without a person checking.
    """

    def __init__(self, message: str, *, outcome_unknown: bool = False) -> None:
        super().__init__(message)
        self.outcome_unknown = outcome_unknown


@dataclass(frozen=True)
class MessageRecord:
    """What the dispatcher knows about one claimed message, besides its rendered content."""

    run_id: int
    dedupe_key: str
    rule: str
    step: int
    customer_rowid: int
    customer_id: str  # the shop's own id
    channel: str  # email | sms | push
    template: str
    recipient: str | None  # email address, phone number or push token for the channel
    due_at: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SendResult:
    """A delivered message: ``path`` is the file the outbox wrote (None for network transports)."""

    path: str | None = None
    detail: str | None = None  # e.g. the server's reply, kept for the record


@runtime_checkable
class Transport(Protocol):
    """What every transport provides (see the module docstring for the meaning of the flags)."""

    name: str
    idempotent: bool
    channels: frozenset[str]  # channels this transport can carry

    def open(self) -> None: ...

    def close(self) -> None: ...

    def send(self, record: MessageRecord, rendered: Any) -> SendResult: ...


def message_payload(record: MessageRecord, rendered: Any) -> dict[str, Any]:
    """The JSON body for SMS/push files and webhook posts: the recipient, ids and the rendered payload.

    Uses ``rendered.to_payload()`` where the message model has it (SMS, push); for email the
    rendered fields (subject, preheader, text, html) so a webhook can feed an email API too.
    """
    if hasattr(rendered, "to_payload") and record.channel != "email":
        content = rendered.to_payload()
    else:
        content = dict(getattr(rendered, "fields", {}) or {})
    return {
        "dedupe_key": record.dedupe_key,
        "channel": record.channel,
        "to": record.recipient,
        "customer_id": record.customer_id,
        "rule": record.rule,
        "step": record.step,
        "template": record.template,
        "message": content,
    }
