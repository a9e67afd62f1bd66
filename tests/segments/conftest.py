"""Fixtures for segment tests."""

from __future__ import annotations

import pytest

from seg_helpers import Shop


@pytest.fixture
def shop(store) -> Shop:
    return Shop(store)
