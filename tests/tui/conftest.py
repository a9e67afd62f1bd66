"""Console test fixtures shared by every tests/tui file: a seeded store, a frozen clock, an app factory.

- ``FROZEN``: the as-of every console test runs at (never the wall clock).
- ``shop_db``: a path to a fresh copy of a small deterministic shop (the sample generator's
  Kettle & Kiln with 200 customers, two years of orders, items and events ending at ``FROZEN``,
  starter templates and rules). Each test gets its own copy, so tests may write to it.
- ``make_app``: ``make_app()`` -> ``LifecycleApp(shop_db, as_of=FROZEN)``; pass another path
  or ``as_of`` to override.
- ``settle(pilot)``: wait until every worker finished and the screen repainted.
- ``open_section(pilot, key, cls)``: press a section key, settle, return that section's screen.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

FROZEN = datetime(2026, 6, 30, 12, 0, tzinfo=timezone.utc)
SEED = 11
SEED_CUSTOMERS = 200


def seed_shop(path: Path, customers: int = SEED_CUSTOMERS, seed: int = SEED) -> None:
    """Build the deterministic sample shop (Kettle & Kiln) ending at ``FROZEN`` into ``path``."""
    from lifecycle_tui.sample import generate_shop

    generate_shop(path, customers=customers, seed=seed, end=FROZEN)


@pytest.fixture(scope="session")
def _seeded_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tui-seed") / "shop.db"
    seed_shop(path)
    return path


@pytest.fixture
def shop_db(_seeded_template: Path, tmp_path: Path) -> Path:
    """A private copy of the seeded shop for one test."""
    path = tmp_path / "shop.db"
    shutil.copyfile(_seeded_template, path)
    return path


@pytest.fixture
def make_app(shop_db: Path):
    """Factory: ``make_app(db_path=None, as_of=FROZEN)`` -> a LifecycleApp on the seeded shop."""
    from lifecycle_tui.tui.app import LifecycleApp

    def factory(db_path: Path | None = None, as_of: datetime | None = FROZEN) -> LifecycleApp:
        return LifecycleApp(db_path or shop_db, as_of=as_of)

    return factory


async def open_section(pilot, key: str, screen_class):
    """Press a section's key, wait for its workers, and return its screen (of ``screen_class``)."""
    await pilot.press(key)
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, screen_class), f"key {key} opened {type(screen).__name__}"
    return screen


async def settle(pilot, rounds: int = 3) -> None:
    """Wait for workers (and the workers their results start) to finish, then repaint.

    A worker cancelled because a newer one of its exclusive group superseded it is normal
    (``WorkerCancelled`` from its ``wait``); the newer one is waited for instead.
    """
    from textual.worker import WorkerCancelled

    # At least ``rounds`` rounds, then on while a round still finds unfinished workers: a worker's
    # result can start more (the Dashboard's figures start its sales scan and dry run after the
    # next refresh), and on a loaded machine those come later than three rounds.
    for n in range(MAX_SETTLE_ROUNDS):
        pending = [w for w in pilot.app.workers if not w.is_finished]
        if n >= rounds and not pending and not _tables_unmeasured(pilot.app):
            return
        for worker in pending:
            try:
                await worker.wait()
            except WorkerCancelled:
                pass
        await pilot.pause()
    raise AssertionError(f"the console's workers did not settle in {MAX_SETTLE_ROUNDS} rounds")


MAX_SETTLE_ROUNDS = 50


def _tables_unmeasured(app) -> bool:
    """A DataTable sizes its columns to rows just added on its next idle event, which on a
    loaded machine can come after the pause: a snapshot then shows the header widths (the
    Dashboard's "cart" for cart_abandoned). Its private flags are what says it is pending."""
    from textual.widgets import DataTable

    return any(t._require_update_dimensions or t._updated_cells for t in app.screen.query(DataTable))


@pytest.fixture
def wait_idle():
    """The :func:`settle` helper as a fixture, for files that prefer not to import conftest."""
    return settle


def widget_text(widget) -> str:
    """What ``widget`` shows on screen now, as plain text lines (works for rich renderables too)."""
    from textual.geometry import Region

    width, height = widget.outer_size
    lines = widget.render_lines(Region(0, 0, width, height))
    # Borders are drawn in the lines; drop their side characters so tests see the content.
    return "\n".join(strip.text.replace("\xa0", " ").rstrip().strip("│▊▎").rstrip() for strip in lines)
