"""Email HTML helpers: the plain-text part derived from HTML, and the standard layout.

A template body without ``<html`` is a fragment: it is placed in a simple, responsive
layout (one 600 px column). The preheader goes in a hidden block at the top of the body,
where inboxes read their preview line.
"""

from __future__ import annotations

import functools
import html
import re

_BLOCK = {"p", "div", "table", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "blockquote", "section", "footer", "header"}
_SKIP = {"head", "style", "script", "title"}
# One pass over the markup with a single regex (html.parser is ~10x slower, and this runs
# once per email when a template has no written text part).
_TOKEN = re.compile(r"<!--.*?-->|<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>|([^<]+)|<", re.S)
_WS = re.compile(r"\s+")
_SPACES = re.compile(r"[ \t]{2,}")
_BLANK_RUNS = re.compile(r"\n\n\n+")
_BLANK_LINES = re.compile(r"\n{3,}")
_FULL_DOCUMENT = re.compile(r"<html[\s>]", re.I)
_ATTR = re.compile(r"""([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")


def _attrs(text: str) -> dict:
    return {m.group(1).lower(): html.unescape(m.group(2) or m.group(3) or m.group(4) or "") for m in _ATTR.finditer(text)}


class _State:
    """Where the converter is: inside skipped blocks, hidden divs, open links."""

    __slots__ = ("skip", "hidden_divs", "links", "lone_lt")

    def __init__(self):
        self.skip = 0  # inside head/style/script or a display:none block
        self.hidden_divs: list[bool] = []
        self.links: list[tuple[str | None, int]] = []
        self.lone_lt = False  # saw a "<" that starts no tag (maybe a tag cut by a line break)

    @property
    def clean(self) -> bool:
        return not (self.skip or self.hidden_divs or self.links)


def _feed(markup: str, out: list[str], st: _State) -> None:
    """Convert ``markup`` token by token, appending text pieces to ``out`` (state in ``st``)."""
    for m in _TOKEN.finditer(markup):
        closing, tag, rest, data = m.group(1), m.group(2), m.group(3), m.group(4)
        if data is not None:
            if not st.skip:
                out.append(_WS.sub(" ", html.unescape(data) if "&" in data else data))
            continue
        if tag is None:
            if m.group(0) == "<":
                st.lone_lt = True
                if not st.skip:
                    out.append("<")
            continue
        tag = tag.lower()
        if tag in _SKIP:
            st.skip += -1 if closing else 1
            st.skip = max(st.skip, 0)
            continue
        if tag == "div":
            if closing:
                if st.hidden_divs and st.hidden_divs.pop():
                    st.skip = max(st.skip - 1, 0)
                    continue
            else:
                hide = "display:none" in (_attrs(rest).get("style") or "").replace(" ", "")
                st.hidden_divs.append(hide)
                if hide:
                    st.skip += 1
                    continue
        if st.skip:
            continue
        if closing:
            if tag == "a" and st.links:
                href, start = st.links.pop()
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
            st.links.append((_attrs(rest).get("href"), len(out)))


def _finish(out: list[str]) -> str:
    """Every line stripped, runs of spaces or tabs inside a line to one space, at most one blank
    line in a row, none at either end; one newline at the end."""
    # Whole-text operations in C (strip per line through map, replace, a regex with a literal
    # first character) rather than a Python loop over the ~50 lines of an email. A regex starting
    # with a character class (the space runs') scans position by position: ~25 us over an email's
    # text, where replace() finds the rare runs at memchr speed.
    text = "\n".join(map(str.strip, "".join(out).split("\n")))
    if "\t" in text:
        text = _SPACES.sub(" ", text)  # a run never spans lines: every line is stripped already
    while "  " in text:  # each pass halves every run of spaces
        text = text.replace("  ", " ")
    if "\n\n\n" in text:  # two blank lines or more in a row: one
        text = _BLANK_RUNS.sub("\n\n", text)
    return text.strip("\n") + "\n"


def html_to_text(markup: str, cache: dict | None = None, personal_url: str | None = None) -> str:
    """Readable plain text from email HTML: paragraphs, list bullets and links as "label (url)".

    ``cache`` (a dict kept by the caller, e.g. a Renderer for a whole plan) remembers the text
    of each source line: most lines of an email are the template's fixed markup, the same for
    every customer, so only the lines with personal values are converted again. The result is
    exactly the one-pass conversion's: a line is reused only when it starts and ends outside any
    skipped block or open link, and a tag or comment broken across lines (seen as a stray "<")
    sends the whole markup down the one-pass path. Data cut at a line break converts to the same
    text, since whitespace runs collapse to one space either way.

    ``personal_url`` (the message's unsubscribe URL) makes its footer line cacheable too: a line
    whose only occurrences of the URL are ``href="URL"`` values is looked up with a placeholder
    in their place, and the URL put back into the text. A plain http(s) URL of characters that
    HTML neither escapes nor unescapes comes out of an href unchanged, so the text is the same.
    """
    if cache is None or len(cache) > CACHE_LINES:
        if cache is not None:
            cache.clear()
        st = _State()
        out: list[str] = []
        _feed(markup, out, st)
        return _finish(out)
    out = []
    st = _State()
    clean = True  # st.clean, kept in a local: it changes only where st does
    lines = markup.split("\n")
    last = len(lines) - 1
    personal = personal_url if isinstance(personal_url, str) and personal_url else None
    get = cache.get
    for i, line in enumerate(lines):
        if i < last:
            line += "\n"
        if clean:
            key, url = line, None
            if personal is not None and personal in line:
                key, url = _placeholder_key(line, personal)
            hit = get(key)
            if hit is not None:
                if hit is _FALLBACK:
                    return html_to_text(markup)
                out.append(hit if url is None else hit.replace(_URL_MARK, url))
                continue
            local: list[str] = []
            st = _State()
            _feed(key, local, st)
            if st.lone_lt:
                cache[key] = _FALLBACK
                return html_to_text(markup)
            if url is not None and not st.clean:  # a link left open: convert the line itself
                local, st = [], _State()
                _feed(line, local, st)
                url = None
            if st.clean:
                text = cache[key] = "".join(local)
                if url is not None:
                    local = [text.replace(_URL_MARK, url)]
            else:  # a block or link continues on the next line: carry on from here, uncached
                base = len(out)
                st.links = [(href, start + base) for href, start in st.links]
            out.extend(local)
        else:
            _feed(line, out, st)
            if st.lone_lt:
                return html_to_text(markup)
        clean = st.clean
    return _finish(out)


_URL_MARK = "zzPersonalUrlzz"
_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9/?=._~%+:@!$()*,;-]+")  # no & < > quotes or spaces


def is_plain_url(url) -> bool:
    """An http(s) URL of characters HTML neither escapes nor unescapes: printed into an email it
    comes out unchanged in the HTML and in the derived text, so it may be swapped for another."""
    return isinstance(url, str) and _PLAIN_URL.fullmatch(url) is not None


def _placeholder_key(line: str, url: str) -> tuple[str, str | None]:
    """(cache key, url to put back): the line with each ``href="URL"`` made a placeholder, when
    those are the URL's only occurrences (else the line itself and None)."""
    if _URL_MARK in line or not is_plain_url(url):
        return line, None
    quoted = f'href="{url}"'
    if line.count(url) != line.count(quoted):
        return line, None
    return line.replace(quoted, f'href="{_URL_MARK}"'), url


CACHE_LINES = 20_000  # distinct lines remembered per cache (then it starts over: memory stays small)
_FALLBACK = object()


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


@functools.lru_cache(maxsize=256)  # a plan's emails share a few preheaders
def preheader_block(preheader: str) -> str:
    if not preheader:
        return ""
    # Padding after the text stops inboxes pulling body text into the preview line.
    pad = "&#847;&zwnj;&nbsp;" * 30
    return (f'<div style="display:none;max-height:0;overflow:hidden;mso-hide:all;">'
            f"{html.escape(preheader)}{pad}</div>\n")


def wrap_html(body: str, *, title: str, preheader: str) -> str:
    """The full HTML document: a fragment goes into the layout; a full document gets the preheader."""
    if _FULL_DOCUMENT.search(body):
        if preheader:
            return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + "\n" + preheader_block(preheader), body, count=1, flags=re.I)
        return body
    if body[:1].isspace() or body[-1:].isspace():
        body = body.strip()
    head, tail = _layout_around(title, preheader)
    return head + body + tail


@functools.lru_cache(maxsize=256)  # a plan's emails share a few subjects: the layout is filled in once each
def _layout_around(title: str, preheader: str) -> tuple[str, str]:
    """The layout before and after the body, with the title and preheader in place."""
    head, tail = LAYOUT.split("{body}")
    return head.format(title=html.escape(title), preheader=preheader_block(preheader)), tail
