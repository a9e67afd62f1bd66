"""The JSON Lines reader: one JSON object per line with the generic field names.

Values may be typed (numbers, booleans, lists of tags, an object of properties); they are
read through the same converters as the generic CSV. Unknown keys are kept as attributes
(events: properties) with their JSON values.
"""

from __future__ import annotations

import json
from typing import Iterator

from lifecycle_tui.importers.canonical import CONVERTERS, Reading, ReadContext
from lifecycle_tui.importers.errors import BadValue, RowError
from lifecycle_tui.importers.formats import canonical_name
from lifecycle_tui.importers.generic import column_fields
from lifecycle_tui.importers.reader import Table


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def read_jsonl(table: Table, kind: str, ctx: ReadContext) -> Reading:
    convert = CONVERTERS[kind]
    unknown: list[str] = []

    def rows() -> Iterator[dict | RowError]:
        for line, text in table.text_lines():
            text = text.strip().lstrip("\ufeff")
            if not text:
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                yield RowError(line, f"character {exc.pos + 1}", f"not JSON: {exc.msg}")
                continue
            if not isinstance(obj, dict):
                yield RowError(line, "-", "not a JSON object")
                continue
            v: dict[str, str] = {}
            col: dict[str, str] = {}
            extra: dict = {}
            for (key, value), field in zip(obj.items(), column_fields(kind, list(obj))):
                if field is not None:
                    v[field] = _text(value)
                    col[field] = key
                elif value is not None and value != "":
                    extra[canonical_name(kind, key)] = value
                    if key not in unknown and len(unknown) < 100:
                        unknown.append(key)
            try:
                yield convert(v, line, ctx, col, extra)
            except BadValue as exc:
                yield RowError(line, exc.column, exc.reason)

    return Reading(rows(), unknown, [])
