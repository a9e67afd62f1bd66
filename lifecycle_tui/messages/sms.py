"""SMS rules: GSM-7 or UCS-2 encoding, segment counting and the SMS checks.

GSM-7 fits 160 characters in one message, 153 per part when split (the rest of each part
holds the joining header); characters from the extension table (``^{}\\[~]|€`` and form
feed) take two. Any other character makes the whole message UCS-2: 70 UTF-16 units, 67 per
part, and an emoji is two units. A split never cuts a two-unit character in half.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("\f^{}\\[~]|€")
LIMITS = {"GSM-7": (160, 153), "UCS-2": (70, 67)}
WARN_SEGMENTS = 1
MAX_SEGMENTS = 10
OPT_OUT = re.compile(r"\b(STOP|stop|Stop)\b")


@dataclass(frozen=True)
class SmsInfo:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int
    characters: int


def _unit_widths(text: str, encoding: str) -> list[int]:
    if encoding == "GSM-7":
        return [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def encoding_for(text: str) -> str:
    return "GSM-7" if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text) else "UCS-2"


def analyse(text: str) -> SmsInfo:
    """Encoding, length in units and number of segments of an SMS text."""
    encoding = encoding_for(text)
    widths = _unit_widths(text, encoding)
    units = sum(widths)
    single, part = LIMITS[encoding]
    if units == 0:
        segments = 0
    elif units <= single:
        segments = 1
    else:
        segments, used = 1, 0
        for w in widths:
            if used + w > part:
                segments, used = segments + 1, 0
            used += w
    return SmsInfo(encoding, units, segments, len(text))


def check(text: str, *, marketing: bool) -> tuple[SmsInfo, list[str], list[str]]:
    """(info, errors, warnings) for a rendered SMS."""
    info = analyse(text)
    errors, warnings = [], []
    if not text.strip():
        errors.append("the SMS text is empty")
    if info.segments > MAX_SEGMENTS:
        errors.append(f"the SMS is {info.segments} segments long; the limit is {MAX_SEGMENTS}")
    elif info.segments > WARN_SEGMENTS:
        single, part = LIMITS[info.encoding]
        warnings.append(f"the SMS is {info.segments} segments ({info.units} {info.encoding} units; one segment holds {single})")
    if info.encoding == "UCS-2":
        odd = sorted({ch for ch in text if ch not in GSM7_BASIC and ch not in GSM7_EXTENSION})[:5]
        warnings.append(f"UCS-2 encoding (70 characters per segment) because of {' '.join(repr(c) for c in odd)}")
    if marketing and not OPT_OUT.search(text):
        errors.append('a marketing SMS must say how to opt out (e.g. "Reply STOP to opt out")')
    return info, errors, warnings
