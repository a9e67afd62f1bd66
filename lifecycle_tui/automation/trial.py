"""A test message: one template rendered for one customer, delivered to the shop owner instead.

``lifecycle templates send-test NAME --to ADDRESS`` renders the template as a real customer
would get it (a sample customer unless one is named) and hands it to a transport addressed to
``--to``: the way to see a message in a real inbox or on a real phone before any customer does.

A test message is not a message of the store: it is not recorded, never counts towards a
customer's frequency caps, and does not stop a rule from sending that customer the real one.
Its unsubscribe link is a harmless stand-in (``t=test-message``), so clicking it in the test
unsubscribes no one; the recipient's name is left out of the ``To:`` header.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from lifecycle_tui.automation.transports import MessageRecord, TransportError, get_transport, transport_names
from lifecycle_tui.messages.errors import TemplateError
from lifecycle_tui.messages.lint import sample_customers
from lifecycle_tui.messages.render import preview
from lifecycle_tui.messages.unsubscribe import unsubscribe_base, unsubscribe_url
from lifecycle_tui.store import settings
from lifecycle_tui.store.addresses import is_email_address, is_phone_number, phone_text
from lifecycle_tui.store.browse import customer_key
from lifecycle_tui.store.customers import require_customer
from lifecycle_tui.store.timeutil import to_iso, utcnow
from lifecycle_tui.wording import with_article

TRIAL_TOKEN = "test-message"
_ADDRESS_WORD = {"email": "an email address", "sms": "a phone number", "push": "a push token"}


class TrialError(ValueError):
    """The test message was refused before anything was sent (what and why)."""


@dataclass
class TrialResult:
    template: str
    channel: str
    to: str
    customer_id: str  # whose data the message was rendered with
    transport: str
    path: str | None  # the outbox file, when the outbox carried it
    warnings: list[str]

    def to_json(self) -> dict:
        return dataclasses.asdict(self)


def _check_address(channel: str, to: str) -> str:
    to = to.strip()
    ok = {"email": is_email_address, "sms": is_phone_number}.get(channel, bool)(to)
    if not ok:
        raise TrialError(f"{to!r} is not {_ADDRESS_WORD[channel]}: {with_article(channel)} template goes to "
                         f"{_ADDRESS_WORD[channel]}.")
    return phone_text(to) if channel == "sms" else to


def _customer(store, customer: str | None) -> int:
    if customer is not None:
        return require_customer(store, customer, TrialError)[0]
    samples = sample_customers(store)
    if not samples:
        raise TrialError("the store has no customers to render the template for: import some first.")
    return samples[0][0]


def send_trial(store, template: str, to: str, as_of, *, customer: str | None = None,
               transport: str = "outbox") -> TrialResult:
    """Render ``template`` for ``customer`` (else a sample customer) at ``as_of`` and deliver it to ``to``.

    Raises :class:`TrialError` (bad address, unknown customer, a transport that does not carry
    the channel or cannot deliver), :class:`TemplateError` (the render was refused) or
    ``UnknownTransportError``.
    """
    carrier = get_transport(transport, store)
    rowid = _customer(store, customer)
    stand_in = unsubscribe_url(unsubscribe_base(settings.get_all(store)), TRIAL_TOKEN)
    msg = preview(store, template, rowid, as_of, {"unsubscribe_url": stand_in})
    if msg.channel not in carrier.channels:
        able = [n for n in transport_names() if msg.channel in get_transport(n, store).channels]
        raise TrialError(f"the {carrier.name} transport does not carry {msg.channel}; "
                         f"choose one that does ({' or '.join(able)}).")
    address = _check_address(msg.channel, to)
    envelope = {**msg.envelope, "to_name": None}
    if "payload" in envelope:
        envelope["payload"] = {**envelope["payload"], "to": address}
    message = dataclasses.replace(msg, to=address, envelope=envelope)
    shop_id = customer_key(store, rowid) or ""
    stamp = to_iso(utcnow())
    record = MessageRecord(run_id=0, dedupe_key=f"test:{template}:{stamp}", rule="(test message)", step=0,
                           customer_rowid=rowid, customer_id=shop_id, channel=msg.channel, template=template,
                           recipient=address, due_at=stamp)
    try:
        carrier.open()
        try:
            sent = carrier.send(record, message)
        finally:
            carrier.close()
    except TransportError as exc:
        raise TrialError(f"the {carrier.name} transport could not deliver the test message: {exc}") from None
    return TrialResult(template=template, channel=msg.channel, to=address, customer_id=shop_id,
                       transport=carrier.name, path=sent.path, warnings=list(msg.warnings))


__all__ = ["TemplateError", "TrialError", "TrialResult", "send_trial"]
