"""What the Import section shows before anything is written: a file's format, columns and first rows.

Thin adapter over :mod:`lifecycle_tui.importers` (its file reader and format detection), plus
a path suggester for the file input. Reading happens in a worker; nothing touches the store.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from textual.binding import Binding
from textual.suggester import Suggester
from textual.widgets import Input

from lifecycle_tui.importers import Table, detect_format
from lifecycle_tui.importers.formats import FULL_NAME, generic_kind
from lifecycle_tui.importers.generic import column_fields

PREVIEW_ROWS = 5
FORMAT_LABELS = {"generic": "generic CSV", "jsonl": "JSON Lines", "shopify": "Shopify export",
                 "woocommerce": "WooCommerce export"}


@dataclass
class FilePreview:
    path: Path
    size: int
    encoding: str
    delimiter: str
    format: str  # detected: generic, jsonl, shopify, woocommerce
    kind: str | None  # the kind the header shows (an export's; a generic orders or events file's), else None
    header: list[str]
    mapping: list[tuple[str, str]] = field(default_factory=list)  # (column as written, what it becomes)
    rows: list[list[str]] = field(default_factory=list)
    used: str = ""  # the format the file is read with: the detected one, or the one chosen

    def describe(self) -> str:
        what = FORMAT_LABELS.get(self.format, self.format)
        if self.kind:
            what += f" of {self.kind}"
        if self.used and self.used != self.format:
            what += f", read as {FORMAT_LABELS.get(self.used, self.used)} as chosen"
        sep = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}.get(self.delimiter, self.delimiter)
        parts = [what, self.encoding]
        if self.format != "jsonl" and sep:
            parts.append(f"{sep}-separated")
        parts.append(f"{self.size:,} bytes")
        return " · ".join(p for p in parts if p)


_FIELD_LABELS = {None: "kept as attribute", FULL_NAME: "first_name + last_name"}


def column_mapping(kind: str, fmt: str, header: list[str], objects: list[dict] | None = None) -> list[tuple[str, str]]:
    """Each column and the field it fills (generic and JSON Lines), else how the export reader takes it.

    ``objects`` (JSON Lines): the previewed objects. Each is mapped on its own keys, as the
    import maps it, so a key that fills different fields in different objects (a ``name``
    split where the object has no first name, kept beside one) says both."""
    if fmt not in ("generic", "jsonl"):
        return [(h, f"read by the {FORMAT_LABELS[fmt]} reader") for h in header]
    if objects is None:
        return [(h, _FIELD_LABELS.get(f, f)) for h, f in zip(header, column_fields(kind, header))]
    seen: dict[str, list[str]] = {h: [] for h in header}
    for obj in objects:
        keys = list(obj)
        for key, f in zip(keys, column_fields(kind, keys)):
            label = _FIELD_LABELS.get(f, f)
            if label not in seen[key]:
                seen[key].append(label)
    return [(h, " or ".join(seen[h]) or "kept as attribute") for h in header]


def preview_file(path: str | os.PathLike, kind: str, fmt: str = "auto") -> FilePreview:
    """Sniff ``path``: encoding, delimiter, detected format and kind, column mapping, first rows."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file.")
    with Table(path) as table:
        detected, detected_kind = detect_format(table.header, table.first_text())
        used = detected if fmt == "auto" else fmt
        if used == "generic" and detected_kind is None and (found := generic_kind(table.header)):
            detected_kind = found[0]  # the import refuses it as customers: say so before it is tried
        header, rows, objects = list(table.header), [], None
        if used == "jsonl":
            keys: dict[str, None] = {}
            for _, line in table.text_lines():
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except ValueError:
                    rows.append([line.strip()[:80]])
                    continue
                if isinstance(obj, dict):
                    keys.update(dict.fromkeys(obj))
                    rows.append(obj)
                if len(rows) >= PREVIEW_ROWS:
                    break
            header = list(keys)
            objects = [r for r in rows if isinstance(r, dict)]
            rows = [[_cell(r.get(k)) for k in header] if isinstance(r, dict) else r for r in rows]
        else:
            for _, cells in table.rows():
                rows.append(cells)
                if len(rows) >= PREVIEW_ROWS:
                    break
        return FilePreview(
            path=path, size=table.size, encoding=table.encoding, delimiter=table.delimiter, format=detected,
            kind=detected_kind, header=header, mapping=column_mapping(detected_kind or kind, used, header, objects),
            rows=rows, used=used,
        )


def _cell(value) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


class PathSuggester(Suggester):
    """Completes a file path from the file system, the way a shell does: as far as every
    matching name agrees (``customers_`` for ``customers_a.csv`` and ``customers_b.csv``), and
    from there the first matching name."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        if not value:
            return None
        expanded = os.path.expanduser(value)
        folder, stem = os.path.split(expanded)
        try:
            names = sorted(os.listdir(folder or "."))
        except OSError:
            return None
        matches = [n for n in names if n.startswith(stem) and not (n.startswith(".") and not stem.startswith("."))]
        if not matches:
            return None
        shared = os.path.commonprefix(matches)
        name = shared if len(matches) > 1 and len(shared) > len(stem) else matches[0]
        suffix = name[len(stem):] + ("/" if name in matches and os.path.isdir(os.path.join(folder, name)) else "")
        return value + suffix if suffix else None


class PathInput(Input):
    """The file field: Tab takes the grey completion the suggester shows (as a shell's Tab
    does), and moves on to the next field when there is none."""

    BINDINGS = [Binding("tab", "complete", "Complete path", show=False)]

    def action_complete(self) -> None:
        # _suggestion is the completion Input draws in grey; right-arrow takes it too.
        if self.cursor_at_end and len(self._suggestion) > len(self.value):
            self.action_cursor_right()
        else:
            self.screen.focus_next()
