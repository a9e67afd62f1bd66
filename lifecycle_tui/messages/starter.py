"""Seeding the starter templates from the repository's ``templates/`` folder.

``lifecycle init`` calls :func:`seed_templates`: it adds every starter template whose name
the store does not have yet, and never touches one that exists (the owner may have edited
it). It also makes the store's unsubscribe-signing secret, so later previews write nothing.
"""

from __future__ import annotations

from pathlib import Path

import lifecycle_tui
from lifecycle_tui.messages.repository import get_template, save_template
from lifecycle_tui.messages.source import parse_source
from lifecycle_tui.messages.unsubscribe import ensure_secret

TEMPLATE_SUFFIX = ".jinja"


def starter_dir() -> Path:
    """``templates/`` at the repository root (beside the package)."""
    return Path(lifecycle_tui.__file__).resolve().parent.parent / "templates"


def starter_files(folder: Path | None = None) -> list[Path]:
    folder = folder or starter_dir()
    return sorted(folder.glob(f"*{TEMPLATE_SUFFIX}")) if folder.is_dir() else []


def seed_templates(store, folder: Path | None = None) -> int:
    """Add starter templates the store does not have yet; return how many were added."""
    added = 0
    with store.transaction():
        ensure_secret(store)
        for path in starter_files(folder):
            text = path.read_text(encoding="utf-8")
            parsed = parse_source(text, filename=path.name)
            if get_template(store, parsed.name) is not None:
                continue
            save_template(store, text, filename=path.name, origin="starter", note="starter library")
            added += 1
    return added
