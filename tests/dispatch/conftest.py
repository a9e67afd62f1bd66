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
