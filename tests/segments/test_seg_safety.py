"""Property tests: no rule text can make the compiled SQL do anything but read whitelisted data.

For arbitrary text (random characters, and random sequences of the language's own words,
operators and hostile literals) either :class:`SegmentRuleError` is raised, or the SQL
- contains only whitelisted identifiers and no literal taken from the rule (values are ``?``), and
- runs, under an authorizer that denies everything but SELECT, reads of the whitelisted tables
  and a fixed list of functions, with ``PRAGMA query_only`` on.
"""

from __future__ import annotations

import re
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from lifecycle_tui.segments import SEGMENT_FROM, SegmentRuleError, ensure_metrics, segment_where
from lifecycle_tui.segments.fields import FIELDS

from seg_helpers import AS_OF

SQL_WORDS = {
    "and", "or", "not", "in", "is", "null", "select", "from", "where", "group", "by", "having", "count",
    "coalesce", "exists", "json_each", "json_valid", "json_extract", "json_array_length", "case", "when",
    "then", "else", "end", "lower", "instr", "cast", "as", "real", "text", "collate", "nocase", "value",
    "events", "e", "t", "c", "m", "customer_id", "type", "occurred_at", "id", "tags", "attributes",
}
ALLOWED_IDENTIFIERS = SQL_WORDS | {f.sql.split(".", 1)[1] for f in FIELDS.values() if "." in f.sql}
ALLOWED_LITERALS = {"'[]'", "''"}  # fixed literals of the compiler, never rule text
TABLES = {"customers", "customer_metrics", "events", "json_each"}
FUNCTIONS = {"coalesce", "json_each", "json_valid", "json_extract", "json_array_length", "lower", "instr", "count"}

VOCAB = [
    *FIELDS, "attributes.size", "attributes", ".", "and", "or", "not", "in", "contains", "is", "empty", "did",
    "at", "least", "most", "exactly", "times", "last", "the", "ago", "days", "hours", "weeks", "ever", "all",
    "true", "false", "(", ")", "[", "]", ",", "=", "!=", "<", "<=", ">", ">=", "==", "<>", "0", "3", "-2",
    "12.5", "90 days ago", '"vip"', '"Lapsed"', '"2025-01-01"', "product_viewed", '"x\' OR 1=1 --"',
    "'; DROP TABLE customers; --", '"); DELETE FROM orders; --"', "sqlite_master", "load_extension",
    "orders", "revenue", "stage", "tags contains", "did product_viewed in last 7 days",
]
token_soup = st.lists(st.sampled_from(VOCAB), min_size=1, max_size=12).map(" ".join)
any_text = st.text(max_size=60)

# Mostly well-formed rules with hostile literals, so that many of them compile and run.
hostile = st.sampled_from(['x\' OR 1=1 --', '"); DELETE FROM orders; --', "sqlite_master", "%_", "\\", "Lapsed", "L"])
text_literal = st.one_of(hostile, st.text(max_size=12)).map(
    lambda v: '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
)
number = st.one_of(st.integers(-10**6, 10**6), st.integers(-10**20, 10**20), st.floats(-1e6, 1e6, allow_nan=False).map(lambda f: round(f, 2)))
text_field = st.sampled_from(["email", "first_name", "rfm_segment", "customer_id", "attributes.size", "attributes.\"a b\""])
num_field = st.sampled_from(["orders", "revenue", "aov", "r", "f", "m", "days_since_last_order", "attributes.points"])
date_field = st.sampled_from(["last_order_at", "first_order_at", "created_at"])
op = st.sampled_from(["=", "!=", "<", "<=", ">", ">="])
unit = st.sampled_from(["days", "hours", "weeks", "minutes"])
event = st.one_of(st.sampled_from(["product_viewed", "checkout_started"]), text_literal)
condition = st.one_of(
    st.tuples(text_field, op, text_literal).map(" ".join),
    st.tuples(num_field, op, number.map(str)).map(" ".join),
    st.tuples(date_field, op, st.integers(0, 10**9).map(str), unit).map(lambda t: " ".join(t) + " ago"),
    st.tuples(text_field, st.sampled_from(["contains", "not contains"]), text_literal).map(" ".join),
    st.lists(text_literal, min_size=1, max_size=4).map(lambda v: "email in [" + ", ".join(v) + "]"),
    text_literal.map(lambda v: "tags contains " + v),
    st.tuples(st.sampled_from(["did", "did not"]), event, st.sampled_from(["", "at least 2 times", "at most 0 times", "exactly 1 times"]),
              st.sampled_from(["", "in last 7 days", "in last 3 hours", "ever"])).map(" ".join),
    st.sampled_from(["accepts_email", "accepts_sms = false", "stage = \"At risk\"", "email is empty", "tags is not empty", "all"]),
)
rules = st.recursive(
    condition,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(" ".join),
        inner.map(lambda r: f"not ({r})"),
    ),
    max_leaves=6,
)


def check_sql_text(sql: str) -> None:
    literals = re.findall(r"'(?:[^']|'')*'", sql)
    assert set(literals) <= ALLOWED_LITERALS, literals
    bare = re.sub(r"'(?:[^']|'')*'", "", sql)
    words = {w.lower() for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", bare)}
    assert words <= ALLOWED_IDENTIFIERS, words - ALLOWED_IDENTIFIERS
    numbers = set(re.findall(r"(?<![A-Za-z_])\d+", bare))
    assert numbers <= {"0", "1"}, numbers
    assert ";" not in sql and "--" not in sql and "/*" not in sql


def _authorizer(action, arg1, arg2, dbname, source):
    if action == sqlite3.SQLITE_SELECT:
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_READ and arg1 in TABLES:
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_FUNCTION and arg2 in FUNCTIONS:
        return sqlite3.SQLITE_OK
    if arg1 == "sqlite_master" and (action, arg2) in ((sqlite3.SQLITE_UPDATE, "type"), (sqlite3.SQLITE_UPDATE, "name"),
                                                     (sqlite3.SQLITE_UPDATE, "tbl_name"),
                                                     (sqlite3.SQLITE_UPDATE, "rootpage"),
                                                     (sqlite3.SQLITE_UPDATE, "sql"), (sqlite3.SQLITE_READ, "ROWID")):
        # json_each's constructor declares its virtual table (SQLite checks it as a schema
        # statement); nothing is written: query_only is on, and the rule cannot name sqlite_master.
        return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


@pytest.fixture
def fenced(store, shop):
    """A store with a few rows and fresh metrics; queries run read-only under the authorizer."""
    a = shop.customer("a", tags=["vip"], attributes={"size": "L"})
    shop.order(a, 3)
    shop.event(a, "product_viewed", 1)
    shop.customer("b")
    ensure_metrics(store, AS_OF)
    store.conn.execute("PRAGMA query_only = ON")
    store.conn.set_authorizer(_authorizer)
    yield store
    store.conn.set_authorizer(None)
    store.conn.execute("PRAGMA query_only = OFF")


def run_rule(store, text: str) -> None:
    try:
        sql, params = segment_where(text, AS_OF)
    except SegmentRuleError as exc:
        assert exc.position >= 0 and str(exc)
        return
    check_sql_text(sql)
    assert all(isinstance(p, (str, int, float)) for p in params)
    store.conn.execute(f"SELECT count(*) FROM {SEGMENT_FROM} WHERE {sql}", params).fetchone()


@hsettings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=token_soup)
def test_word_soup_is_refused_or_a_whitelisted_read(fenced, text):
    run_rule(fenced, text)


@hsettings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=rules)
def test_well_formed_rules_with_hostile_values_compile_to_a_whitelisted_read(fenced, text):
    try:
        sql, params = segment_where(text, AS_OF)
    except SegmentRuleError as exc:  # only for numbers out of range
        assert "too large" in exc.reason or "too long" in exc.reason, exc
        return
    check_sql_text(sql)
    fenced.conn.execute(f"SELECT count(*) FROM {SEGMENT_FROM} WHERE {sql}", params).fetchone()


@hsettings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=any_text)
def test_arbitrary_text_is_refused_or_a_whitelisted_read(fenced, text):
    run_rule(fenced, text)


def test_the_fence_itself_refuses_writes_and_other_tables(fenced):
    with pytest.raises(sqlite3.DatabaseError):
        fenced.conn.execute("SELECT count(*) FROM orders").fetchone()
    with pytest.raises(sqlite3.DatabaseError):
        fenced.conn.execute("DELETE FROM events")
