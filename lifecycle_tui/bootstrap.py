"""Creating a store ready to use: schema, starter templates and starter rules (idempotent)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lifecycle_tui.store import open_store


@dataclass
class InitReport:
    path: Path
    created: bool
    templates_added: int
    rules_added: int


def init_store(path: Path) -> InitReport:
    """Create (or upgrade) the store at ``path`` and seed what is missing; never overwrites."""
    from lifecycle_tui.automation.starter import seed_rules
    from lifecycle_tui.messages.starter import seed_templates

    created = not Path(path).exists() or Path(path).stat().st_size == 0
    with open_store(path, create=True) as store:
        templates_added = seed_templates(store)
        rules_added = seed_rules(store)
    return InitReport(Path(path), created, templates_added, rules_added)
