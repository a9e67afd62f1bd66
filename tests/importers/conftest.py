"""Importer test fixtures: fixture files copied into tmp_path and a one-call import."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # so tests can `import import_helpers`

from import_helpers import FIXTURES, IMPORT_AT  # noqa: E402

from lifecycle_tui.importers import import_file  # noqa: E402


@pytest.fixture
def fixture_file(tmp_path):
    """Copy a fixture into tmp_path (so tests may edit it) and return the copy's path."""

    def copy(name: str) -> Path:
        dest = tmp_path / name
        shutil.copyfile(FIXTURES / name, dest)
        return dest

    return copy


@pytest.fixture
def run_import(store):
    """``run_import(path, kind, **options)`` -> ImportReport, at the fixed import time."""

    def run(path, kind, fmt="auto", **kw):
        return import_file(store, path, kind, fmt, at=IMPORT_AT, **kw)

    return run
