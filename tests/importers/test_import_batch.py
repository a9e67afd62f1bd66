"""``insert_many``: many rows per INSERT statement, in order, whatever the count."""

from __future__ import annotations

import sqlite3

import pytest

from lifecycle_tui.importers.batch import MAX_VALUES, insert_many


@pytest.fixture
def conn():
    c = sqlite3.connect(":memory:")
    c.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT UNIQUE, b INTEGER)")
    yield c
    c.close()


PER = MAX_VALUES // 3


@pytest.mark.parametrize("n", [0, 1, PER - 1, PER, PER + 1, 3 * PER + 5])
def test_every_row_lands_in_order(conn, n):
    rows = [(i + 1, f"k{i}", i * 7) for i in range(n)]
    insert_many(conn, "INSERT INTO t (id, a, b)", 3, iter(rows))
    assert conn.execute("SELECT id, a, b FROM t ORDER BY rowid").fetchall() == rows


def test_rows_of_the_wrong_width_are_refused_before_writing(conn):
    with pytest.raises(ValueError, match="rows of 3 values"):
        insert_many(conn, "INSERT INTO t (id, a, b)", 3, [(1, "x", 1), (2, "y")])
    assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 0


def test_a_conflict_inside_a_statement_raises(conn):
    rows = [(i + 1, f"k{i}", i) for i in range(PER + 3)]
    rows[PER // 2] = (PER // 2 + 1, "k0", 0)  # repeats the first key inside the first statement
    with pytest.raises(sqlite3.IntegrityError):
        insert_many(conn, "INSERT INTO t (id, a, b)", 3, rows)
    assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 0  # that statement is undone whole
