"""File fields: a path as terminals paste a dropped file (quoted, backslashed, file:// URL) names that file."""

from __future__ import annotations

import os

import pytest

from lifecycle_tui.tui.pasted import pasted_path


@pytest.mark.parametrize("typed", [
    "'{d}/My Orders.csv' ",
    '"{d}/My Orders.csv"',
    "{d}/My\\ Orders.csv",
    "file://{u}/My%20Orders.csv",
    "  {d}/My Orders.csv  ",
])
def test_dropped_paths_name_the_file(tmp_path, typed):
    target = tmp_path / "My Orders.csv"
    target.write_text("order_id\n")
    assert pasted_path(typed.format(d=tmp_path, u=tmp_path.as_posix())) == str(target)


def test_an_apostrophe_quoted_the_gnome_way(tmp_path):
    target = tmp_path / "Ann's orders.csv"
    target.write_text("x\n")
    assert pasted_path(f"'{tmp_path}/Ann'\\''s orders.csv' ") == str(target)


def test_a_name_that_exists_as_typed_is_never_unquoted(tmp_path):
    odd = tmp_path / "'quoted'.csv"
    odd.write_text("x\n")
    assert pasted_path(str(odd)) == str(odd)


def test_home_folder_empty_field_and_an_unbalanced_quote(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert pasted_path("~/orders.csv") == os.path.join(str(tmp_path), "orders.csv")
    assert pasted_path("'~/orders.csv'") == os.path.join(str(tmp_path), "orders.csv")
    assert pasted_path("   ") == ""
    assert pasted_path("it's.csv") == "it's.csv"
