"""Transports that carry rendered messages: ``outbox`` (default), ``smtp`` and ``webhook``.

``get_transport(name, store)`` builds one from the store's settings. ``register_transport``
adds another factory under a name (tests use it for a deliberately slow outbox).
"""

from __future__ import annotations

from typing import Callable

from lifecycle_tui.automation.transports.base import (
    MessageRecord,
    SendResult,
    Transport,
    TransportError,
    message_payload,
)
from lifecycle_tui.automation.transports.outbox import OutboxTransport, outbox_dir
from lifecycle_tui.automation.transports.smtp import SmtpTransport
from lifecycle_tui.automation.transports.webhook import WebhookTransport

DEFAULT_TRANSPORT = "outbox"

_FACTORIES: dict[str, Callable] = {
    "outbox": OutboxTransport.for_store,
    "smtp": SmtpTransport.for_store,
    "webhook": WebhookTransport.for_store,
}


class UnknownTransportError(ValueError):
    """No transport is registered under that name."""


def transport_names() -> list[str]:
    return list(_FACTORIES)


def register_transport(name: str, factory: Callable) -> None:
    """Make ``factory(store) -> Transport`` available as ``name`` (replacing any earlier one)."""
    _FACTORIES[name] = factory


def get_transport(name: str, store) -> Transport:
    try:
        factory = _FACTORIES[name]
    except KeyError:
        raise UnknownTransportError(
            f"unknown transport {name!r}; choose one of {', '.join(_FACTORIES)}"
        ) from None
    return factory(store)


__all__ = [
    "DEFAULT_TRANSPORT", "MessageRecord", "OutboxTransport", "SendResult", "SmtpTransport", "Transport",
    "TransportError", "UnknownTransportError", "WebhookTransport", "get_transport", "message_payload",
    "outbox_dir", "register_transport", "transport_names",
]
