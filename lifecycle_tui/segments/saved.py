"""Saved segments, built-in stage/RFM segments, and evaluating a rule against the store.

Built-ins: every lifecycle stage is ``stage: <Stage>`` (rule ``stage = "<Stage>"``) and every
RFM segment of the grid setting is ``rfm: <Segment>`` (rule ``rfm_segment = "<Segment>"``).
The prefix keeps the stage "At risk" apart from the RFM segment "At Risk". A bare name also
resolves when it is unambiguous: exact (case-sensitive) stage or RFM name first, then a
case-insensitive match that points to one built-in only. Saved segments may not take a
built-in's name (bare or prefixed), so a name always means one thing.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime

from lifecycle_tui.segments.compiler import SEGMENT_FROM, compile_rule
from lifecycle_tui.segments.errors import SegmentInUse, SegmentNameError, SegmentNotFound, SegmentRuleError
from lifecycle_tui.segments.metrics import ensure_metrics
from lifecycle_tui.segments.nodes import And, Compare, InList, Not, Or
from lifecycle_tui.segments.parser import parse
from lifecycle_tui.segments.rfm import segment_names
from lifecycle_tui.segments.stages import STAGES
from lifecycle_tui.store import settings
from lifecycle_tui.store.timeutil import to_iso, utcnow
from lifecycle_tui.wording import noun

STAGE_PREFIX, RFM_PREFIX = "stage: ", "rfm: "


@dataclass(frozen=True)
class Segment:
    name: str
    rule: str
    description: str
    builtin: bool


def quote(text: str) -> str:
    """A rule-language string literal for ``text``."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def validate_rule(text: str) -> None:
    """Raise :class:`SegmentRuleError` (position, caret, closest field) when ``text`` is not a valid rule."""
    parse(text)


def check_rule(store, text: str) -> None:
    """:func:`validate_rule`, and also raise :class:`SegmentRuleError` when the rule compares
    ``rfm_segment`` with a name the store's RFM grid does not have ("Champs", "Cant Lose Them"):
    it would match nobody, silently. (Stage names are fixed and checked by the parser; RFM
    names are a setting.)"""
    names = segment_names(settings.get(store, "rfm.grid"))
    for value in _rfm_values(parse(text)):
        if value in names:
            continue
        exact = [n for n in names if n.lower() == value.lower()]
        close = exact or difflib.get_close_matches(value, names, n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else f"; RFM segments are: {', '.join(names)}"
        at = max(text.find(f'"{value}"'), text.find(f"'{value}'"))
        raise SegmentRuleError(f"unknown RFM segment {value!r}{hint}", max(at, 0), text)


def _rfm_values(node) -> list[str]:
    """The names an ``rfm_segment = ...`` / ``rfm_segment in [...]`` anywhere in the tree compares with."""
    if isinstance(node, (Compare, InList)) and node.field.name == "rfm_segment":
        return [str(v) for v in (node.values if isinstance(node, InList) else (node.value,))]
    if isinstance(node, Not):
        return _rfm_values(node.item)
    if isinstance(node, (And, Or)):
        return [v for item in node.items for v in _rfm_values(item)]
    return []


def segment_where(text: str, as_of: datetime) -> tuple[str, list]:
    """``(sql, params)``: a WHERE fragment over ``c`` (customers) and ``m`` (customer_metrics).

    Use it as ``SELECT ... FROM customers c JOIN customer_metrics m ON m.customer_id = c.id
    WHERE <sql>`` after :func:`ensure_metrics` for the same as_of.
    """
    return compile_rule(text, as_of)


def builtin_segments(store) -> list[Segment]:
    out = [Segment(STAGE_PREFIX + s, f"stage = {quote(s)}", f"Lifecycle stage {s}", True) for s in STAGES]
    for name in segment_names(settings.get(store, "rfm.grid")):
        out.append(Segment(RFM_PREFIX + name, f"rfm_segment = {quote(name)}", f"RFM segment {name}", True))
    return out


def saved_segments(store) -> list[Segment]:
    rows = store.conn.execute("SELECT name, rule, description FROM segments ORDER BY name COLLATE NOCASE")
    return [Segment(r["name"], r["rule"], r["description"], False) for r in rows]


def list_segments(store) -> list[Segment]:
    """Saved segments (by name), then the built-in stage and RFM segments."""
    return saved_segments(store) + builtin_segments(store)


def find_segment(store, name: str) -> Segment:
    """The segment called ``name`` (saved or built-in); raises :class:`SegmentNotFound`."""
    wanted = name.strip()
    row = store.conn.execute("SELECT name, rule, description FROM segments WHERE name = ?", (wanted,)).fetchone()
    if row:
        return Segment(row["name"], row["rule"], row["description"], False)
    builtins = builtin_segments(store)
    for seg in builtins:  # prefixed name, exact then case-insensitive
        if seg.name == wanted:
            return seg
    for seg in builtins:
        if seg.name.lower() == wanted.lower():
            return seg
    bare = [s for s in builtins if s.name.split(": ", 1)[1] == wanted]
    if len(bare) == 1:
        return bare[0]
    bare = [s for s in builtins if s.name.split(": ", 1)[1].lower() == wanted.lower()]
    if len(bare) == 1:
        return bare[0]
    names = [s.name for s in list_segments(store)]
    if len(bare) > 1:
        raise SegmentNotFound(f"{name!r} is both {' and '.join(repr(s.name) for s in bare)}; use the full name.")
    close = difflib.get_close_matches(wanted, names, n=1, cutoff=0.5)
    hint = f" Did you mean {close[0]!r}?" if close else " See `lifecycle segments list`."
    raise SegmentNotFound(f"no segment named {name!r}.{hint}")


def resolve_segment(store, name: str) -> str:
    """The rule text of a saved or built-in segment; raises :class:`SegmentNotFound`."""
    return find_segment(store, name).rule


MAX_NAME = 80  # as a template's name


def add_segment(store, name: str, rule: str, description: str = "", *, replace: bool = False) -> Segment:
    """Validate and save a segment; refuses built-in names and (unless ``replace``) existing ones."""
    name = name.strip()
    if not name:
        raise SegmentNameError("a segment needs a name.")
    if len(name) > MAX_NAME:  # shown in lists, the console's filter and rules: keep it a name
        raise SegmentNameError(f"a segment name has at most {MAX_NAME} characters ({len(name):,} given).")
    if any(not ch.isprintable() for ch in name):
        raise SegmentNameError(f"{name!r}: a segment name cannot hold tabs, line breaks or other control characters.")
    taken = {s.name.lower() for s in builtin_segments(store)}
    taken |= {s.name.split(": ", 1)[1].lower() for s in builtin_segments(store)}
    if name.lower() in taken or name.lower().startswith((STAGE_PREFIX, RFM_PREFIX)):
        raise SegmentNameError(f"{name!r} is a built-in segment name; choose another name.")
    check_rule(store, rule)
    now = to_iso(utcnow())
    with store.transaction() as conn:
        exists = conn.execute("SELECT 1 FROM segments WHERE name = ?", (name,)).fetchone()
        if exists and not replace:
            raise SegmentNameError(f"a segment named {name!r} already exists (use --replace to change it).")
        conn.execute(
            "INSERT INTO segments (name, rule, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(name) DO UPDATE SET rule = excluded.rule, description = excluded.description, "
            "updated_at = excluded.updated_at",
            (name, rule.strip(), description.strip(), now, now),
        )
    return Segment(name, rule.strip(), description.strip(), False)


def remove_segment(store, name: str) -> bool:
    """Delete a saved segment; False when there was none by that name. Raises
    :class:`SegmentInUse` while a rule sends to it (a broadcast's audience is a segment by name:
    removing it would leave the rule sending to nobody, found out only at the next run)."""
    with store.transaction() as conn:
        users = segment_users(store, name)
        if users:
            raise SegmentInUse(f"segment {name.strip()!r} is the audience of {noun(len(users), 'rule')} {', '.join(map(repr, users))}; "
                               f"change or remove {'that rule' if len(users) == 1 else 'those rules'} first.")
        return conn.execute("DELETE FROM segments WHERE name = ?", (name.strip(),)).rowcount > 0


def segment_users(store, name: str) -> list[str]:
    """Names of the rules whose trigger names segment ``name`` (broadcasts), by name."""
    if not store.has_table("rules"):
        return []
    rows = store.conn.execute(
        "SELECT name FROM rules WHERE lower(trim(json_extract(definition, '$.trigger.segment'))) = lower(?) "
        "ORDER BY name", (name.strip(),))
    return [r[0] for r in rows]


def matching_customer_ids(store, text: str, as_of: datetime) -> list[int]:
    """Row ids (customers.id) of the customers matching rule ``text`` at ``as_of``, ascending."""
    sql, params = segment_where(text, as_of)
    ensure_metrics(store, as_of)
    return [r[0] for r in store.conn.execute(f"SELECT c.id FROM {SEGMENT_FROM} WHERE {sql} ORDER BY c.id", params)]


def count_segment(store, text: str, as_of: datetime) -> int:
    """How many customers match rule ``text`` at ``as_of``."""
    sql, params = segment_where(text, as_of)
    ensure_metrics(store, as_of)
    return int(store.conn.execute(f"SELECT count(*) FROM {SEGMENT_FROM} WHERE {sql}", params).fetchone()[0])


def segment_counts(store, segs: list[Segment], as_of: datetime) -> dict[str, int | None]:
    """Member counts by segment name; built-ins in two GROUP BYs, saved ones one query each.

    A saved rule that no longer parses counts as None (it is listed, not fatal).
    """
    ensure_metrics(store, as_of)
    by_stage = dict(store.conn.execute("SELECT stage, count(*) FROM customer_metrics GROUP BY stage").fetchall())
    by_rfm = dict(store.conn.execute(
        "SELECT rfm_segment, count(*) FROM customer_metrics WHERE rfm_segment IS NOT NULL GROUP BY rfm_segment"
    ).fetchall())
    out: dict[str, int | None] = {}
    for s in segs:
        if s.builtin and s.name.startswith(STAGE_PREFIX):
            out[s.name] = by_stage.get(s.name[len(STAGE_PREFIX):], 0)
        elif s.builtin and s.name.startswith(RFM_PREFIX):
            out[s.name] = by_rfm.get(s.name[len(RFM_PREFIX):], 0)
        else:
            try:
                out[s.name] = count_segment(store, s.rule, as_of)
            except SegmentRuleError:
                out[s.name] = None
    return out


__all__ = [
    "Segment", "SegmentRuleError", "validate_rule", "segment_where", "builtin_segments", "saved_segments",
    "list_segments", "find_segment", "resolve_segment", "add_segment", "remove_segment", "segment_users", "check_rule",
    "matching_customer_ids", "count_segment", "segment_counts", "quote",
]
