"""Unsubscribe tokens: an HMAC of customer + channel with a per-store secret, and its reverse.

A token looks like ``123-e-<22 chars>``: the customer's row id, the channel letter and a
truncated HMAC-SHA256 signature (132 bits), so a link cannot be guessed or altered, and no
table is needed to resolve it. The secret lives in the ``secret.unsubscribe`` setting; it
is made by ``lifecycle init`` (or on first use in an older store).
"""

from __future__ import annotations

import base64
import hmac
import re
import secrets

from lifecycle_tui.store import settings

SECRET_KEY = "secret.unsubscribe"
_LETTER = {"email": "e", "sms": "s", "push": "p"}
_CHANNEL = {v: k for k, v in _LETTER.items()}
_TOKEN = re.compile(r"^(\d{1,18})-([esp])-([A-Za-z0-9_-]{22})$")


def ensure_secret(store) -> str:
    """The store's signing secret, made (and saved) the first time it is needed."""
    value = settings.get(store, SECRET_KEY)
    if not value:
        value = secrets.token_hex(32)
        settings.set_value(store, SECRET_KEY, value)
    return value


def sign(secret: str, customer_rowid: int, channel: str) -> str:
    if channel not in _LETTER:
        raise ValueError(f"unknown channel {channel!r}")
    mac = hmac.digest(secret.encode(), f"{int(customer_rowid)}:{channel}".encode(), "sha256")  # one-shot, in C
    sig = base64.urlsafe_b64encode(mac).decode()[:22]
    return f"{int(customer_rowid)}-{_LETTER[channel]}-{sig}"


def unsubscribe_token(store, customer_rowid: int, channel: str) -> str:
    """The token for one customer and channel (stable for a given store secret)."""
    return sign(ensure_secret(store), customer_rowid, channel)


def resolve_unsubscribe_token(store, token: str) -> tuple[int, str] | None:
    """``(customer_rowid, channel)`` for a genuine token of this store, else None."""
    m = _TOKEN.match((token or "").strip())
    secret = settings.get(store, SECRET_KEY)
    if not m or not secret:
        return None
    rowid, channel = int(m.group(1)), _CHANNEL[m.group(2)]
    if not hmac.compare_digest(sign(secret, rowid, channel), m.group(0)):
        return None
    return rowid, channel


def unsubscribe_base(shop_settings: dict) -> str:
    """Where unsubscribe links point: ``shop.unsubscribe_url``, else the shop url + /unsubscribe."""
    return shop_settings.get("shop.unsubscribe_url") or (shop_settings.get("shop.url") or "").rstrip("/") + "/unsubscribe"


def unsubscribe_url(base: str, token: str) -> str:
    return f"{base}{'&' if '?' in base else '?'}t={token}"
