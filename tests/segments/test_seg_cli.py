"""CLI: stages, rfm, segments list|show|add|export|remove, customers list --segment / show (shapes, exit codes)."""

from __future__ import annotations

import csv
import json
import os
import stat
from pathlib import Path

import pytest

from lifecycle_tui.segments import STAGES

from seg_helpers import Shop

AS_OF = "2026-06-30T12:00:00+00:00"


@pytest.fixture
def shopcli(cli, store):
    """A CLI bound to a store with four customers, pinned to AS_OF."""
    shop = Shop(store)
    ann = shop.customer("ann", first_name="=HYPERLINK(\"http://x\")", phone="+491234", tags=["vip"])
    shop.order(ann, 10, total=100)
    shop.order(ann, 50, total=20)
    bob = shop.customer("bob", last_name="@SUM(A1)")
    shop.order(bob, 200, total=5)
    cat = shop.customer("cat")
    shop.event(cat, "product_viewed", 3)
    shop.customer("dan", email="-dan@example.com")

    def run(*args):
        return cli("--as-of", AS_OF, *args)

    def json_of(*args):
        result = run(*args, "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    run.json = json_of
    return run


def test_stages_json_in_funnel_order(shopcli):
    out = shopcli.json("stages")
    assert out["as_of"] == AS_OF
    assert [s["stage"] for s in out["stages"]] == list(STAGES)
    by = {s["stage"]: s for s in out["stages"]}
    assert (by["Retention"]["customers"], by["At risk"]["customers"], by["Consideration"]["customers"],
            by["Awareness"]["customers"]) == (1, 1, 1, 1)
    assert by["Retention"]["revenue"] == 120.0 and out["total"] == 4


def test_stages_follow_as_of(shopcli, cli):
    out = json.loads(cli("--as-of", "2026-12-31", "stages", "--json").stdout)
    by = {s["stage"]: s["customers"] for s in out["stages"]}
    # ann's last order is now 194 days old, bob's 384
    assert (by["Retention"], by["At risk"], by["Lapsed"]) == (0, 1, 1)


def test_rfm_json_grid_and_totals(shopcli):
    out = shopcli.json("rfm")
    assert len(out["grid"]) == 25
    assert [(c["r"], c["f"]) for c in out["grid"][:6]] == [(5, 1), (5, 2), (5, 3), (5, 4), (5, 5), (4, 1)]
    assert out["customers"] == 2 == sum(s["customers"] for s in out["segments"])
    cells = {(c["r"], c["f"]): c for c in out["grid"]}
    assert cells[(5, 5)]["segment"] == "Champions" and cells[(5, 5)]["customers"] == 1
    assert cells[(5, 5)]["revenue"] == 120.0
    assert {s["segment"]: s["customers"] for s in out["segments"]}["Lost"] == 1
    # two buyers: ann (2 orders, 10 days, 120.00) scores 5 everywhere, bob (1, 200, 5.00) scores 1
    assert out["scores"]["f"] == [{"score": 5, "min": 2, "max": 2, "customers": 1},
                                  {"score": 1, "min": 1, "max": 1, "customers": 1}]
    assert out["scores"]["r"][0] == {"score": 5, "min": 10, "max": 10, "customers": 1}
    assert out["scores"]["m"][-1] == {"score": 1, "min": 5.0, "max": 5.0, "customers": 1}


def test_segments_add_list_show(shopcli):
    added = shopcli.json("segments", "add", "Win-back", "orders >= 1 and days_since_last_order > 90",
                         "--description", "lapsing buyers")
    assert added == {"name": "Win-back", "rule": "orders >= 1 and days_since_last_order > 90",
                     "description": "lapsing buyers", "builtin": False, "customers": 1}
    listed = shopcli.json("segments", "list")
    assert listed[0]["name"] == "Win-back" and listed[0]["customers"] == 1
    names = [s["name"] for s in listed]
    assert "stage: At risk" in names and "rfm: At Risk" in names and "rfm: Champions" in names
    assert next(s for s in listed if s["name"] == "stage: Consideration")["customers"] == 1
    shown = shopcli.json("segments", "show", "win-back")
    assert shown["customers"] == 1 and [c["customer_id"] for c in shown["sample"]] == ["bob"]
    assert shopcli.json("segments", "show", "Champions")["rule"] == 'rfm_segment = "Champions"'
    assert shopcli.json("segments", "show", "At risk")["name"] == "stage: At risk"
    assert shopcli.json("segments", "show", "At Risk")["name"] == "rfm: At Risk"


@pytest.mark.parametrize("rule, words", [
    ('rfm_segment = "Champs"', "unknown RFM segment 'Champs'; did you mean 'Champions'? (column 15)"),
    ('orders > 1 and rfm_segment in ["At Risk", "Cant Lose Them"]',
     "unknown RFM segment 'Cant Lose Them'; did you mean \"Can't Lose Them\"?"),
    ('not rfm_segment = "champions"', "did you mean 'Champions'?"),  # names compare exactly
])
def test_an_rfm_segment_name_the_grid_does_not_have_is_refused(shopcli, rule, words):
    """A misspelt RFM name would match nobody, silently (stage names are checked by the parser)."""
    result = shopcli("segments", "add", "typo", rule)
    assert result.exit_code == 1 and words in result.stderr
    assert shopcli("segments", "add", "ok", 'rfm_segment in ["At Risk", "Can\'t Lose Them"]').exit_code == 0


def test_a_rule_filter_with_an_unknown_rfm_name_is_refused(shopcli, store):
    from lifecycle_tui.automation.rules import RuleError, get_rule, save_rule

    rule = get_rule(store, "welcome")
    rule.filter = 'rfm_segment = "Champs"'
    with pytest.raises(RuleError, match="filter: unknown RFM segment 'Champs'"):
        save_rule(store, rule)


def test_segments_add_refusals_exit_1_and_change_nothing(shopcli):
    bad = shopcli("segments", "add", "x", "ordrs > 1")
    assert bad.exit_code == 1
    assert "did you mean 'orders'" in bad.stderr and "column 1" in bad.stderr and "^" in bad.stderr
    assert shopcli("segments", "add", "Lapsed", "orders > 1").exit_code == 1  # a built-in name
    assert shopcli("segments", "add", "vip", 'tags contains "vip"').exit_code == 0
    dup = shopcli("segments", "add", "VIP", "orders > 1")
    assert dup.exit_code == 1 and "already exists" in dup.stderr
    assert shopcli.json("segments", "show", "vip")["rule"] == 'tags contains "vip"'
    assert shopcli("segments", "add", "vip", "orders > 1", "--replace").exit_code == 0
    assert shopcli.json("segments", "show", "vip")["rule"] == "orders > 1"
    assert shopcli("segments", "add", "only-name").exit_code == 2  # usage error


def test_unknown_segment_suggests(shopcli):
    result = shopcli("segments", "show", "Champion")
    assert result.exit_code == 1 and "rfm: Champions" in result.stderr
    assert shopcli("customers", "list", "--segment", "nope").exit_code == 1


@pytest.mark.parametrize("name, message", [
    ("x" * 81, "at most 80 characters (81 given)"), ("Gmail\tbuyers", "cannot hold tabs, line breaks"),
    ("two\nlines", "cannot hold tabs, line breaks"),
])
def test_a_segment_name_is_a_short_printable_name(shopcli, name, message):
    result = shopcli("segments", "add", name, "orders > 0")
    assert result.exit_code == 1 and message in result.stderr
    assert not [s for s in shopcli.json("segments", "list") if s["name"] == name.strip()]
    assert shopcli("segments", "add", "x" * 80, "orders > 0").exit_code == 0


def test_segments_remove(shopcli):
    shopcli("segments", "add", "tmp", "orders > 0")
    assert shopcli("segments", "remove", "tmp").exit_code == 0
    assert shopcli("segments", "remove", "tmp").exit_code == 1
    shopcli("segments", "add", "tmp", "orders > 0")
    assert shopcli.json("segments", "remove", " tmp ", "--json") == {"name": "tmp", "removed": True}
    gone = shopcli("segments", "remove", "tmp", "--json")
    assert gone.exit_code == 1 and json.loads(gone.stdout) == {"error": "no saved segment named 'tmp'."}


def test_export_neutralises_formulas_and_is_owner_only(shopcli, tmp_path):
    path = tmp_path / "out" / "all.csv"
    path.parent.mkdir()
    shopcli("segments", "add", "everyone", "all")
    out = shopcli.json("segments", "export", "everyone", str(path))
    assert out["rows"] == 4
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    rows = {r["customer_id"]: r for r in csv.DictReader(path.open(encoding="utf-8"))}
    assert rows["ann"]["first_name"] == "'=HYPERLINK(\"http://x\")"
    assert rows["ann"]["phone"] == "'+491234"
    assert rows["bob"]["last_name"] == "'@SUM(A1)"
    assert rows["dan"]["email"] == "'-dan@example.com"
    assert rows["ann"]["stage"] == "Retention" and rows["ann"]["revenue"] == "120.0"
    assert not [p for p in path.parent.iterdir() if p.name != "all.csv"]  # no temp file left


def test_customers_list_segment_and_limit(shopcli):
    assert [c["customer_id"] for c in shopcli.json("customers", "list", "--segment", "stage: Retention")] == ["ann"]
    assert [c["customer_id"] for c in shopcli.json("customers", "list", "--limit", "2")] == ["ann", "bob"]
    assert len(shopcli.json("customers", "list")) == 4


def test_customers_list_search_and_sort_as_the_console_does(shopcli):
    def ids(*args):
        return [c["customer_id"] for c in shopcli.json("customers", "list", *args)]

    assert ids("--search", "BO") == ["bob"]  # id, email or name, any case
    assert ids("--search", "sum(a1") == ["bob"]  # the last name, read as text (no wildcard, no formula)
    assert ids("--search", "%") == []
    assert ids("--sort", "revenue", "--desc") == ["ann", "bob", "dan", "cat"]  # ties (0) reversed too, as in the console
    assert ids("--sort", "revenue") == ["cat", "dan", "bob", "ann"]
    assert ids("--sort", "revenue", "--desc", "--limit", "1") == ["ann"]
    assert shopcli("segments", "add", "no orders", "orders = 0").exit_code == 0
    assert ids("--segment", "no orders", "--sort", "customer_id", "--desc") == ["dan", "cat"]


def test_customers_list_refuses_an_unknown_sort_and_desc_alone(shopcli):
    unknown = shopcli("customers", "list", "--sort", "revenu")
    assert unknown.exit_code == 2 and "'revenue'" in unknown.stderr
    alone = shopcli("customers", "list", "--desc")
    assert alone.exit_code == 2 and "--desc needs --sort" in alone.stderr


def test_customers_show_shape(shopcli):
    c = shopcli.json("customers", "show", "ann")
    for key in ("customer_id", "email", "orders", "revenue", "first_order_at", "last_order_at", "stage", "rfm",
                "accepts_email", "accepts_sms", "accepts_push"):
        assert key in c
    assert (c["orders"], c["revenue"], c["stage"]) == (2, 120.0, "Retention")
    assert c["rfm"] == {"r": 5, "f": 5, "m": 5, "segment": "Champions"}
    none = shopcli.json("customers", "show", "cat")
    assert none["rfm"] == {"r": None, "f": None, "m": None, "segment": None} and none["stage"] == "Consideration"
    assert shopcli("customers", "show", "zed").exit_code == 1


def test_human_output_renders(shopcli):
    for args in (("stages",), ("rfm",), ("segments", "list"), ("segments", "show", "Lapsed"), ("customers", "list")):
        result = shopcli(*args)
        assert result.exit_code == 0, (args, result.output)
    assert "Champions" in shopcli("rfm").stdout


def test_segments_refresh_on_demand(shopcli):
    first = shopcli.json("segments", "refresh")
    assert (first["customers"], first["buyers"], first["recorded"]) == (4, 2, True)
    again = shopcli.json("segments", "refresh")
    assert again["stage_changes"] == 0 and again["rfm_changes"] == 0


def test_export_to_an_unwritable_place_exits_1(shopcli, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = shopcli("segments", "export", "Lapsed", str(blocker / "sub" / "out.csv"))
    assert result.exit_code == 1 and "no such folder" in result.stderr
    assert shopcli("segments", "export", "Lapsed", str(tmp_path)).exit_code == 1  # a folder, not a file


def test_export_never_writes_over_the_store_or_a_file_without_force(shopcli, store, tmp_path):
    before = store.path.read_bytes()
    for victim in (store.path, Path(str(store.path) + "-wal"), Path(str(store.path) + "-shm")):
        result = shopcli("segments", "export", "Lapsed", str(victim), "--force")
        assert result.exit_code == 1 and "that is the store itself" in result.stderr, victim
    assert store.path.read_bytes() == before
    assert shopcli.json("segments", "list")  # the store still opens

    existing = tmp_path / "mine.csv"
    existing.write_text("my own notes\n")
    refused = shopcli("segments", "export", "Lapsed", str(existing))
    assert refused.exit_code == 1 and "already exists" in refused.stderr and "--force" in refused.stderr
    assert existing.read_text() == "my own notes\n"
    assert shopcli.json("segments", "export", "Lapsed", str(existing), "--force")["rows"] == 0
    assert existing.read_text().startswith("customer_id,")
    typo = shopcli("segments", "export", "Lapsed", str(tmp_path / "exprots" / "out.csv"))
    assert typo.exit_code == 1 and "no such folder" in typo.stderr and not (tmp_path / "exprots").exists()
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)  # like /dev/null: --force must not replace it with a plain file
    piped = shopcli("segments", "export", "Lapsed", str(pipe), "--force")
    assert piped.exit_code == 1 and "not a plain file" in piped.stderr and stat.S_ISFIFO(pipe.stat().st_mode)


def test_a_saved_rule_that_no_longer_parses_is_listed_not_fatal(shopcli, store):
    with store.transaction() as conn:
        conn.execute("INSERT INTO segments (name, rule, created_at, updated_at) VALUES ('old', 'ordrs > 1', 'x', 'x')")
    listed = {s["name"]: s["customers"] for s in shopcli.json("segments", "list")}
    assert listed["old"] is None and listed["stage: Lapsed"] == 0
    result = shopcli("customers", "list", "--segment", "old")
    assert result.exit_code == 1 and "ordrs" in result.stderr


def test_customers_show_takes_a_pasted_id_and_never_guesses_between_customers_sharing_an_email(shopcli, store):
    assert shopcli.json("customers", "show", "  ann \n")["customer_id"] == "ann"
    shop = Shop(store)
    shop.customer("twin1", email="Same@Example.com")
    shop.customer("twin2", email="same@example.com")
    result = shopcli("customers", "show", "same@example.com")
    assert result.exit_code == 1 and "more than one customer (twin1, twin2)" in " ".join(result.stderr.split())
    explained = shopcli("explain", "SAME@example.com ")
    assert explained.exit_code == 1 and "more than one customer" in " ".join(explained.stderr.split())
    assert shopcli.json("explain", " twin1")["customer_id"] == "twin1"
