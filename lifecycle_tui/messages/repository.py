"""Templates in the store: read, save (every save is a new version), list and restore versions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lifecycle_tui.messages.errors import TemplateError
from lifecycle_tui.messages.source import TemplateSource, parse_source
from lifecycle_tui.store.timeutil import to_iso, utcnow
from lifecycle_tui.wording import with_article


@dataclass(frozen=True)
class StoredTemplate:
    """The current version of a template as the store holds it."""

    id: int
    name: str
    channel: str
    description: str
    marketing: bool
    version: int
    origin: str
    source_text: str
    created_at: str
    updated_at: str

    def parsed(self) -> TemplateSource:
        return parse_source(self.source_text, name=self.name)

    def to_dict(self) -> dict:
        return {
            "name": self.name, "channel": self.channel, "description": self.description,
            "marketing": self.marketing, "version": self.version, "origin": self.origin,
            "created_at": self.created_at, "updated_at": self.updated_at,
        }


@dataclass(frozen=True)
class SaveResult:
    template: StoredTemplate
    created: bool  # a new template name
    changed: bool  # False: the text equals the current version, nothing was written


_COLUMNS = "id, name, channel, description, marketing, version, origin, source, created_at, updated_at"


def _row_to_template(row) -> StoredTemplate:
    return StoredTemplate(
        id=row["id"], name=row["name"], channel=row["channel"], description=row["description"] or "",
        marketing=bool(row["marketing"]), version=row["version"], origin=row["origin"],
        source_text=row["source"], created_at=row["created_at"], updated_at=row["updated_at"],
    )


def get_template(store, name: str) -> StoredTemplate | None:
    """The current version of template ``name``, or None."""
    row = store.conn.execute(f"SELECT {_COLUMNS} FROM templates WHERE name = ?", (name,)).fetchone()
    return None if row is None else _row_to_template(row)


def require_template(store, name: str) -> StoredTemplate:
    """Like :func:`get_template` but a missing name is a :class:`TemplateError`."""
    tpl = get_template(store, name)
    if tpl is None:
        raise TemplateError("no such template in this store (see `lifecycle templates list`)", template=name)
    return tpl


def list_templates(store) -> list[StoredTemplate]:
    return [_row_to_template(r) for r in store.conn.execute(f"SELECT {_COLUMNS} FROM templates ORDER BY name")]


def save_template(store, text: str, *, name: str | None = None, filename: str | None = None,
                  origin: str = "import", note: str | None = None, now: datetime | None = None) -> SaveResult:
    """Add or update a template from file text, as a new version. Refuses text that does not parse.

    Saving text identical to the current version writes nothing (``changed`` is False).
    """
    parsed = parse_source(text, filename=filename, name=name)
    from lifecycle_tui.messages.sandbox import check_syntax

    check_syntax(parsed)
    stamp = to_iso(now or utcnow())
    with store.transaction() as conn:
        current = get_template(store, parsed.name)
        if current is not None and current.source_text == parsed.source:
            return SaveResult(current, created=False, changed=False)
        if current is not None and current.channel != parsed.channel:
            # A rule step names its template and its channel; a template that changed channel
            # under it would be skipped at every run ("rule needs fixing"), so say it here.
            steps = [f"{rule!r} step {step}" for rule, step, channel in template_users(store, parsed.name)
                     if channel != parsed.channel]
            if steps:
                raise TemplateError(
                    f"is {with_article(current.channel)} template used by rule {', '.join(steps)}; it cannot become "
                    f"{with_article(parsed.channel)} template. Import it under another name, or change those steps first.",
                    template=parsed.name)
        if current is None:
            cur = conn.execute(
                "INSERT INTO templates (name, channel, description, marketing, source, version, origin, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)",
                (parsed.name, parsed.channel, parsed.description, int(parsed.marketing), parsed.source, origin, stamp, stamp),
            )
            template_id, version = cur.lastrowid, 1
        else:
            template_id, version = current.id, current.version + 1
            conn.execute(
                "UPDATE templates SET channel = ?, description = ?, marketing = ?, source = ?, version = ?,"
                " origin = ?, updated_at = ? WHERE id = ?",
                (parsed.channel, parsed.description, int(parsed.marketing), parsed.source, version, origin, stamp, template_id),
            )
        conn.execute(
            "INSERT INTO template_versions (template_id, version, channel, source, origin, note, saved_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (template_id, version, parsed.channel, parsed.source, origin, note, stamp),
        )
        saved = get_template(store, parsed.name)
    return SaveResult(saved, created=current is None, changed=True)


def template_users(store, name: str) -> list[tuple[str, int, str]]:
    """``(rule, step number, channel)`` of every rule step that sends template ``name``."""
    if not store.has_table("rules"):
        return []
    rows = store.conn.execute(
        "SELECT r.name, s.key + 1, json_extract(s.value, '$.channel') FROM rules r, "
        "json_each(r.definition, '$.steps') s WHERE json_extract(s.value, '$.template') = ? ORDER BY r.name, s.key",
        (name,))
    return [(r[0], int(r[1]), r[2]) for r in rows]


def remove_template(store, name: str) -> StoredTemplate:
    """Delete a template and its saved versions; returns it as it was.

    Refused (:class:`TemplateError`) while a rule step sends it, naming those steps: a rule
    must never be left pointing at a template that is gone.
    """
    with store.transaction() as conn:
        tpl = require_template(store, name)
        refused = removal_refusal(store, name)
        if refused:
            raise TemplateError(refused, template=name)
        conn.execute("DELETE FROM templates WHERE id = ?", (tpl.id,))
    return tpl


def removal_refusal(store, name: str) -> str | None:
    """Why template ``name`` cannot be removed (the rule steps that send it), else None."""
    users = template_users(store, name)
    if not users:
        return None
    steps = ", ".join(f"{rule} step {step}" for rule, step, _channel in users)
    return f"sent by {steps}: change {'that step' if len(users) == 1 else 'those steps'} to another template first"


def list_versions(store, name: str) -> list[dict]:
    """Every saved version of ``name``, oldest first (``current`` marks the live one)."""
    tpl = require_template(store, name)
    rows = store.conn.execute(
        "SELECT version, channel, origin, note, saved_at, length(source) AS size FROM template_versions"
        " WHERE template_id = ? ORDER BY version",
        (tpl.id,),
    ).fetchall()
    return [dict(r) | {"current": r["version"] == tpl.version} for r in rows]


def get_version(store, name: str, version: int) -> str:
    """The file text of one saved version (raises TemplateError when there is none)."""
    tpl = require_template(store, name)
    row = store.conn.execute(
        "SELECT source FROM template_versions WHERE template_id = ? AND version = ?", (tpl.id, version)
    ).fetchone()
    if row is None:
        raise TemplateError(f"there is no version {version} (versions 1-{tpl.version})", template=name)
    return row["source"]


def restore_version(store, name: str, version: int, *, now: datetime | None = None) -> SaveResult:
    """Make an older version current again, as a new version (history is never rewritten)."""
    text = get_version(store, name, version)
    return save_template(store, text, name=name, origin="restore", note=f"restored from version {version}", now=now)
