"""Fixtures for the sample-shop tests: one default build per session (it takes about a second)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from lifecycle_tui.sample import generate_shop
from lifecycle_tui.store import open_store

END = datetime(2026, 6, 30, 18, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="session")
def default_shop(tmp_path_factory) -> Path:
    """The sample shop with the default parameters (what `lifecycle sample build sample.db` makes)."""
    path = tmp_path_factory.mktemp("sample") / "sample.db"
    generate_shop(path)
    return path


@pytest.fixture
def shop(default_shop: Path):
    s = open_store(default_shop)
    yield s
    s.close()
