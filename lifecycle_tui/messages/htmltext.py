"""Email HTML helpers: the plain-text part derived from HTML, and the standard layout.

A template body without ``<html`` is a fragment: it is placed in a simple, responsive
layout (one 600 px column). The preheader goes in a hidden block at the top of the body,
where inboxes read their preview line.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

_BLOCK = {"p", "div", "table", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "blockquote", "section", "footer", "header"}
_SKIP = {"head", "style", "script", "title"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.links: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in _SKIP or "display:none" in (a.get("style") or "").replace(" ", ""):
            self.skip += 1
            if tag not in _SKIP:
                self.links.append("__hidden__")
            return
        if tag in _BLOCK:
            self.out.append("\n\n")
        elif tag == "br":
            self.out.append("\n")
        elif tag == "li":
            self.out.append("\n- ")
        elif tag == "td":
            self.out.append(" ")
        elif tag == "img" and a.get("alt") and not self.skip:
            self.out.append(a["alt"])
        if tag == "a":
            self.links.append(a.get("href"))
            self._link_start = len(self.out)

    def handle_endtag(self, tag):
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if tag == "div" and self.links and self.links[-1] == "__hidden__":
            self.links.pop()
            self.skip = max(0, self.skip - 1)
            return
        if tag == "a" and self.links:
            href = self.links.pop()
            label = "".join(self.out[getattr(self, "_link_start", len(self.out)):]).strip()
            if href and not href.startswith(("mailto:", "#")) and href != label and not self.skip:
                self.out.append(f" ({href})" if label else href)
        if tag in _BLOCK:
            self.out.append("\n\n")

    def handle_data(self, data):
        if not self.skip:
            self.out.append(re.sub(r"\s+", " ", data))


def html_to_text(markup: str) -> str:
    """Readable plain text from email HTML: paragraphs, list bullets and links as "label (url)"."""
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    text = "".join(parser.out)
    lines = [re.sub(r"[ \t]{2,}", " ", ln).strip() for ln in text.split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


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
