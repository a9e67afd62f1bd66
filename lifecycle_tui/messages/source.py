"""The template file format: YAML front matter between ``---`` lines, then the Jinja body.

::

    ---
    name: welcome_1            # default: the file name before its first dot
    channel: email             # email | sms | push
    subject: "Welcome to {{ shop.name }}"
    preheader: "..."           # email only (optional)
    from_name: "..."           # email only (optional; default: the shop's sender name)
    title: "..."               # push only
    url: "{{ shop.url }}/cart" # push only: the deep link (optional)
    description: "..."         # optional, shown in `templates list`
    marketing: true            # false for transactional messages (no unsubscribe needed)
    ---
    <p>The email HTML, or the SMS text, or the push body.</p>
    --- text ---
    The email's plain-text part (optional; derived from the HTML when absent).

:func:`parse_source` turns file text into a :class:`TemplateSource`, refusing bad input
with a :class:`TemplateError` that names the line and the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

from lifecycle_tui.messages.errors import TemplateError
from lifecycle_tui.wording import with_article

CHANNELS = ("email", "sms", "push")
MAX_SOURCE_BYTES = 64 * 1024
TEXT_SEPARATOR = re.compile(r"^--- ?text ?---\s*$")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")

# Front-matter keys each channel accepts (all strings unless noted).
COMMON_KEYS = {"name", "channel", "description", "marketing"}
CHANNEL_KEYS = {
    "email": {"subject", "preheader", "from_name"},
    "sms": set(),
    "push": {"title", "url"},
}
REQUIRED_KEYS = {"email": ("subject",), "sms": (), "push": ("title",)}
# Fields that are Jinja templates themselves, per channel, in render order.
JINJA_FIELDS = {
    "email": ("subject", "preheader"),
    "sms": (),
    "push": ("title", "url"),
}


@dataclass
class TemplateSource:
    """A parsed template file. ``body`` is the email HTML, the SMS text or the push body."""

    name: str
    channel: str
    body: str
    source: str
    meta: dict = field(default_factory=dict)  # the front-matter fields (subject, title, ...)
    body_line: int = 1  # file line of the body's first line
    text_part: str | None = None  # email only: the written plain-text part
    text_line: int | None = None
    field_lines: dict = field(default_factory=dict)  # front-matter key -> file line

    @property
    def marketing(self) -> bool:
        return bool(self.meta.get("marketing", True))

    @property
    def description(self) -> str:
        return str(self.meta.get("description") or "")

    def jinja_parts(self) -> list[tuple[str, str, int]]:
        """(field, jinja source, file line of its first line) for every templated part."""
        parts = [(f, str(self.meta[f]), self.field_lines.get(f, 1)) for f in JINJA_FIELDS[self.channel] if self.meta.get(f)]
        parts.append(("html" if self.channel == "email" else ("text" if self.channel == "sms" else "body"), self.body, self.body_line))
        if self.text_part is not None:
            parts.append(("text", self.text_part, self.text_line or self.body_line))
        return parts


def default_name(filename: str | None) -> str | None:
    if not filename:
        return None
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return base.split(".", 1)[0] or None


def _fail(reason: str, line: int | None, name: str | None) -> TemplateError:
    return TemplateError(reason, template=name, field="front matter" if line else None, line=line)


def parse_source(text: str, *, filename: str | None = None, name: str | None = None) -> TemplateSource:
    """Parse template file text. ``name`` overrides; else front matter ``name``; else the file name."""
    if name is not None and not NAME_RE.match(name):  # given apart from the file (`--name`): no line of it to blame
        raise TemplateError(f"the name {name!r} may use letters, digits, `_`, `-` and `.` (up to 80 characters)",
                            template=name or "template")
    label = name or default_name(filename) or "template"
    if len(text.encode("utf-8", "surrogatepass")) > MAX_SOURCE_BYTES:
        raise TemplateError(f"the file is larger than {MAX_SOURCE_BYTES // 1024} KB", template=label)
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise TemplateError("the file must start with a front matter block: a line `---`, "
                            "then `channel: email|sms|push` and the channel's fields, then `---`", template=label, line=1)
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        raise TemplateError("the front matter block is not closed: add a line `---` after it", template=label, line=1)
    for i in range(1, end):  # a classic slip: YAML reads an unquoted {{ ... }} as a mapping
        m = re.match(r"^([A-Za-z_][\w-]*)\s*:\s*(\{[{%].*)$", lines[i])
        if m:
            raise TemplateError(f"put the value of `{m.group(1)}` in quotes: {m.group(1)}: \"{m.group(2).strip()}\"",
                                template=label, field="front matter", line=i + 1)
    meta = _load_front_matter("\n".join(lines[1:end]), label)
    field_lines = {}
    for i in range(1, end):
        m = re.match(r"^([A-Za-z_][\w-]*)\s*:", lines[i])
        if m:
            field_lines.setdefault(m.group(1), i + 1)
    label = str(meta.get("name") or name or default_name(filename) or "template")
    if name:
        label = name
    _check_meta(meta, field_lines, label)
    meta["name"] = label
    channel = meta["channel"]
    body_lines = lines[end + 1:]
    body_line = end + 2
    text_part, text_line = None, None
    sep = next((i for i, ln in enumerate(body_lines) if TEXT_SEPARATOR.match(ln)), None)
    if sep is not None:
        if channel != "email":
            raise TemplateError("a `--- text ---` part is only for email templates", template=label, line=body_line + sep)
        text_part = "\n".join(body_lines[sep + 1:]).strip("\n")
        text_line = body_line + sep + 1
        body_lines = body_lines[:sep]
    body = "\n".join(body_lines).strip("\n")
    if not body.strip():
        raise TemplateError(f"the {channel} template has no body after the front matter", template=label, line=body_line)
    # Blank lines stripped from the top shift the first body line.
    leading = len(body_lines) - len("\n".join(body_lines).lstrip("\n").split("\n")) if body_lines else 0
    return TemplateSource(
        name=label, channel=channel, body=body, source=text, meta=meta,
        body_line=body_line + leading, text_part=text_part, text_line=text_line, field_lines=field_lines,
    )


def _load_front_matter(block: str, label: str) -> dict:
    try:
        meta = yaml.safe_load(block) if block.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else None  # +1 for 0-based, +1 for the opening ---
        problem = getattr(exc, "problem", None) or str(exc)
        raise TemplateError(f"front matter is not valid YAML: {problem}", template=label, field="front matter", line=line) from None
    if not isinstance(meta, dict):
        raise TemplateError("front matter must be `key: value` lines", template=label, field="front matter", line=2)
    return meta


def _check_meta(meta: dict, field_lines: dict, label: str) -> None:
    channel = meta.get("channel")
    if channel is None:
        raise _fail(f"the front matter needs `channel:` ({', '.join(CHANNELS)})", 2, label)
    if channel not in CHANNELS:
        raise _fail(f"`channel` must be one of {', '.join(CHANNELS)} (got {channel!r})", field_lines.get("channel", 2), label)
    allowed = COMMON_KEYS | CHANNEL_KEYS[channel]
    for key in meta:
        if key not in allowed:
            raise _fail(f"unknown field `{key}` for {with_article(channel)} template (allowed: {', '.join(sorted(allowed))})",
                        field_lines.get(str(key)), label)
    for key in REQUIRED_KEYS[channel]:
        if not meta.get(key):
            raise _fail(f"{with_article(channel)} template needs `{key}`", 2, label)
    for key, value in meta.items():
        if key == "marketing":
            if not isinstance(value, bool):
                raise _fail("`marketing` must be true or false", field_lines.get(key), label)
        elif value is not None and not isinstance(value, str):
            if isinstance(value, (int, float)):
                meta[key] = str(value)
            else:
                raise _fail(f"`{key}` must be text", field_lines.get(key), label)
    if not NAME_RE.match(str(meta.get("name") or label)):
        raise _fail("`name` may use letters, digits, `_`, `-` and `.` (up to 80 characters)", field_lines.get("name", 2), label)
