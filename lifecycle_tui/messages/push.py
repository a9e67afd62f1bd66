"""Push rules: the payload a push gateway receives, display-length warnings and the 4 KB limit."""

from __future__ import annotations

import json

TITLE_WARN = 50  # characters most lock screens show of a title
BODY_WARN = 150  # ... and of a body
MAX_PAYLOAD_BYTES = 4096  # APNs and FCM refuse larger payloads


def payload_for(*, to, title: str, body: str, url: str | None, template: str, customer_id: str) -> dict:
    return {"channel": "push", "to": to, "title": title, "body": body, "url": url or None,
            "template": template, "customer_id": customer_id}


def payload_bytes(payload: dict) -> int:
    return len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def check(title: str, body: str, size: int) -> tuple[list[str], list[str]]:
    """(errors, warnings) for a rendered push message."""
    errors, warnings = [], []
    if not title.strip():
        errors.append("the push title is empty")
    if not body.strip():
        errors.append("the push body is empty")
    if len(title) > TITLE_WARN:
        warnings.append(f"the push title is {len(title)} characters; lock screens show about {TITLE_WARN}")
    if len(body) > BODY_WARN:
        warnings.append(f"the push body is {len(body)} characters; lock screens show about {BODY_WARN}")
    if size > MAX_PAYLOAD_BYTES:
        errors.append(f"the push payload is {size} bytes; the limit is {MAX_PAYLOAD_BYTES}")
    return errors, warnings
