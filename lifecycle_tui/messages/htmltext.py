"""Email HTML helpers: the plain-text part derived from HTML, and the standard layout.

A template body without ``<html`` is a fragment: it is placed in a simple, responsive
layout (one 600 px column). The preheader goes in a hidden block at the top of the body,
where inboxes read their preview line.
"""

from __future__ import annotations

import html
import re

_BLOCK = {"p", "div", "table", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "blockquote", "section", "footer", "header"}
_SKIP = {"head", "style", "script", "title"}
# One pass over the markup with a single regex (html.parser is ~10x slower, and this runs
# once per email when a template has no written text part).
_TOKEN = re.compile(r"<!--.*?-->|<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>|([^<]+)|<", re.S)
_WS = re.compile(r"\s+")
_SPACES = re.compile(r"[ \t]{2,}")
_BLANK_LINES = re.compile(r"\n{3,}")
_ATTR = re.compile(r"""([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")


def _attrs(text: str) -> dict:
    return {m.group(1).lower(): html.unescape(m.group(2) or m.group(3) or m.group(4) or "") for m in _ATTR.finditer(text)}


def html_to_text(markup: str) -> str:
    """Readable plain text from email HTML: paragraphs, list bullets and links as "label (url)"."""
    out: list[str] = []
    skip = 0  # inside head/style/script or a display:none block
    hidden_divs: list[bool] = []
    links: list[tuple[str | None, int]] = []
    for m in _TOKEN.finditer(markup):
        closing, tag, rest, data = m.group(1), m.group(2), m.group(3), m.group(4)
        if data is not None:
            if not skip:
                out.append(_WS.sub(" ", html.unescape(data) if "&" in data else data))
            continue
        if tag is None:
            if m.group(0) == "<" and not skip:
                out.append("<")
            continue
        tag = tag.lower()
        if tag in _SKIP:
            skip += -1 if closing else 1
            skip = max(skip, 0)
            continue
        if tag == "div":
            if closing:
                if hidden_divs and hidden_divs.pop():
                    skip = max(skip - 1, 0)
                    continue
            else:
                hide = "display:none" in (_attrs(rest).get("style") or "").replace(" ", "")
                hidden_divs.append(hide)
                if hide:
                    skip += 1
                    continue
        if skip:
            continue
        if closing:
            if tag == "a" and links:
                href, start = links.pop()
                label = "".join(out[start:]).strip()
                if href and not href.startswith(("mailto:", "#")) and href != label:
                    out.append(f" ({href})" if label else href)
            if tag in _BLOCK:
                out.append("\n\n")
            continue
        if tag in _BLOCK:
            out.append("\n\n")
        elif tag == "br":
            out.append("\n")
        elif tag == "li":
            out.append("\n- ")
        elif tag == "td":
            out.append(" ")
        elif tag == "img":
            alt = _attrs(rest).get("alt")
            if alt:
                out.append(alt)
        elif tag == "a":
            links.append((_attrs(rest).get("href"), len(out)))
    text = "".join(out)
    lines = [_SPACES.sub(" ", ln).strip() for ln in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip() + "\n"


LAYOUT = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
</head>
<body style="margin:0;padding:0;background:#f5f2ec;">
{preheader}<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f5f2ec;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:600px;background:#ffffff;border-radius:8px;">
<tr><td style="padding:32px 28px;font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;font-size:16px;line-height:1.55;color:#2b2926;">
{body}
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
"""


def preheader_block(preheader: str) -> str:
    if not preheader:
        return ""
    # Padding after the text stops inboxes pulling body text into the preview line.
    pad = "&#847;&zwnj;&nbsp;" * 30
    return (f'<div style="display:none;max-height:0;overflow:hidden;mso-hide:all;">'
            f"{html.escape(preheader)}{pad}</div>\n")


def wrap_html(body: str, *, title: str, preheader: str) -> str:
    """The full HTML document: a fragment goes into the layout; a full document gets the preheader."""
    if re.search(r"<html[\s>]", body, re.I):
        if preheader:
            return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + "\n" + preheader_block(preheader), body, count=1, flags=re.I)
        return body
    return LAYOUT.format(title=html.escape(title), preheader=preheader_block(preheader), body=body.strip())
