"""Fixtures for dispatch tests: a store with customers; helpers importable as ``dispatch_helpers``."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # the subprocess scripts import the same helpers
    sys.path.insert(0, str(HERE))

from dispatch_helpers import add_customers  # noqa: E402


@pytest.fixture
def customers(store):
    return add_customers(store, 12)


@pytest.fixture(scope="session")
def _sample_master(tmp_path_factory):
    """A small generated shop (starter rules and templates, fresh activity at its pinned as-of)."""
    from lifecycle_tui.sample.generator import generate_shop

    path = tmp_path_factory.mktemp("sample") / "shop.db"
    generate_shop(path, customers=300, seed=7)
    return path


@pytest.fixture
def sample_store(_sample_master, tmp_path):
    """A private copy of the generated shop, opened; its plan has email, SMS and push sends."""
    import shutil

    from lifecycle_tui.store import open_store

    path = tmp_path / "sample.db"
    shutil.copyfile(_sample_master, path)
    store = open_store(path)
    yield store
    store.close()


@pytest.fixture
def sample_plan(sample_store):
    from lifecycle_tui.automation.planner import plan
    from lifecycle_tui.store.settings import pinned_as_of

    return plan(sample_store, pinned_as_of(sample_store))


class StoreCli:
    """Runs `lifecycle --db <path> ...` in-process (like the shared ``cli`` fixture, for any store)."""

    def __init__(self, db):
        from typer.testing import CliRunner

        self.db = db
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None):
        from lifecycle_tui.cli.main import app

        return self.runner.invoke(app, ["--db", str(self.db), *args], input=input, catch_exceptions=False)

    def json(self, *args: str, input: str | None = None):
        import json

        result = self(*args, "--json", input=input)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)


@pytest.fixture
def sample_cli(sample_store):
    return StoreCli(sample_store.path)
