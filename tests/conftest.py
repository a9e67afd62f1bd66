"""Shared fixtures: a fresh store, a CLI runner bound to it, and a frozen as-of."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from typer.testing import CliRunner

from lifecycle_tui.bootstrap import init_store
from lifecycle_tui.store import open_store

# Property tests run on a shared 2-core CI machine: a slow example is not a failure.
hypothesis_settings.register_profile("lifecycle", deadline=None, print_blob=True)
hypothesis_settings.load_profile("lifecycle")

REPO = Path(__file__).resolve().parent.parent
FROZEN_AS_OF = datetime(2026, 6, 30, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A new, initialised store file (schema, starter templates and rules)."""
    path = tmp_path / "shop.db"
    init_store(path)
    return path


@pytest.fixture
def store(db_path: Path):
    s = open_store(db_path)
    yield s
    s.close()


class Cli:
    """Runs `lifecycle --db <store> ...` in-process and parses JSON output."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None):
        from lifecycle_tui.cli.main import app

        return self.runner.invoke(app, ["--db", str(self.db), *args], input=input, catch_exceptions=False)

    def json(self, *args: str):
        result = self(*args, "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)


@pytest.fixture
def cli(db_path: Path) -> Cli:
    return Cli(db_path)
