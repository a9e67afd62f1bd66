"""RFM scores: ties, monotonicity, quintiles, small shops, and the R x F grid cell by cell."""

from __future__ import annotations

import itertools
import json
import random

from hypothesis import given, settings as hsettings, strategies as st

from lifecycle_tui.segments import ensure_metrics
from lifecycle_tui.segments.rfm import assign_scores, grid_cells, score_bands, score_of
from lifecycle_tui.store import settings
from lifecycle_tui.store.settings import DEFAULT_RFM_GRID

from seg_helpers import AS_OF

counts_lists = st.lists(st.integers(min_value=1, max_value=60), min_size=1, max_size=14)


@given(counts_lists)
def test_scores_are_monotone_in_range_and_use_all_five_when_possible(counts):
    scores = assign_scores(counts)
    assert len(scores) == len(counts)
    assert all(1 <= s <= 5 for s in scores)
    assert all(a < b for a, b in zip(scores, scores[1:])) or len(counts) > 5
    assert all(a <= b for a, b in zip(scores, scores[1:]))
    assert scores[-1] == 5
    if len(counts) >= 2:
        assert scores[0] == 1
    if len(counts) >= 5:
        assert sorted(set(scores)) == [1, 2, 3, 4, 5]


def _cost(counts, scores):
    total = sum(counts)
    sizes = [sum(c for c, s in zip(counts, scores) if s == k) for k in range(1, 6)]
    return sum((size - total / 5) ** 2 for size in sizes)


@hsettings(max_examples=60)
@given(st.lists(st.integers(min_value=1, max_value=40), min_size=5, max_size=10))
def test_buckets_are_as_close_to_quintiles_as_ties_allow(counts):
    """The chosen cut is optimal: no other split into five contiguous groups is closer to 20% each."""
    d = len(counts)
    best = min(
        _cost(counts, [1 + sum(p <= i for p in cuts) for i in range(d)])
        for cuts in itertools.combinations(range(1, d), 4)
    )
    assert abs(_cost(counts, assign_scores(counts)) - best) < 1e-9


def test_many_distinct_values_give_even_quintiles():
    scores = assign_scores([1] * 1000)
    assert [scores.count(k) for k in range(1, 6)] == [200] * 5


def test_heavy_ties_one_time_buyers_share_the_lowest_frequency_score():
    # 70% one-time buyers, then a long tail; NTILE would split the 700 tied customers.
    dist = [(1, 700), (2, 150), (3, 80), (4, 40), (5, 20), (8, 10)]
    bands = score_bands(dist, higher_is_better=True)
    scores = {v: score_of(v, bands, higher_is_better=True) for v, _ in dist}
    assert scores[1] == 1
    assert sorted(set(scores.values())) == [1, 2, 3, 4, 5]
    assert [scores[v] for v, _ in dist] == sorted(scores[v] for v, _ in dist)


def test_recency_fewer_days_is_better():
    dist = [(days, 1) for days in range(10)]
    bands = score_bands(dist, higher_is_better=False)
    assert score_of(0, bands, higher_is_better=False) == 5
    assert score_of(9, bands, higher_is_better=False) == 1


def test_few_distinct_values_are_spread_with_best_at_5():
    assert assign_scores([7]) == [5]
    assert assign_scores([7, 3]) == [1, 5]
    assert assign_scores([5, 5, 5]) == [1, 3, 5]
    assert assign_scores([1, 1, 1, 1]) == [1, 2, 4, 5]


def test_default_grid_cell_by_cell():
    expected = {
        5: ["New", "Potential Loyalist", "Potential Loyalist", "Champions", "Champions"],
        4: ["Promising", "Potential Loyalist", "Potential Loyalist", "Loyal", "Loyal"],
        3: ["About to Sleep", "About to Sleep", "Need Attention", "Loyal", "Loyal"],
        2: ["Hibernating", "Hibernating", "At Risk", "At Risk", "Can't Lose Them"],
        1: ["Lost", "Lost", "At Risk", "At Risk", "Can't Lose Them"],
    }
    cells = {(r, f): name for r, f, name in grid_cells(DEFAULT_RFM_GRID)}
    assert len(cells) == 25
    for r in range(1, 6):
        for f in range(1, 6):
            assert cells[(r, f)] == expected[r][f - 1], (r, f)


def _random_shop(shop, n=120, seed=3):
    rng = random.Random(seed)
    ids = []
    for i in range(n):
        cid = shop.customer(f"c{i}")
        ids.append(cid)
        for _ in range(rng.choice([0, 1, 1, 1, 2, 3, 5, 8])):
            shop.order(cid, rng.randrange(0, 700), total=rng.choice([0, 5, 10, 25, 99.5]))
    return ids


def test_sql_scores_match_the_bands_and_every_cell_maps_through_the_grid(shop):
    grid = [[f"R{5 - row}F{col + 1}" for col in range(5)] for row in range(5)]
    settings.set_value(shop.store, "rfm.grid", json.dumps(grid))
    _random_shop(shop)
    report = ensure_metrics(shop.store, AS_OF)
    rows = [dict(r) for r in shop.store.conn.execute("SELECT * FROM customer_metrics")]
    buyers = [r for r in rows if r["orders"] > 0]
    assert buyers and all(r["r"] is None and r["rfm_segment"] is None for r in rows if r["orders"] == 0)
    for r in buyers:
        assert r["r"] == score_of(r["days_since_last_order"], report.bands["r"], higher_is_better=False)
        assert r["f"] == score_of(r["orders"], report.bands["f"], higher_is_better=True)
        assert r["m"] == score_of(r["revenue_cents"], report.bands["m"], higher_is_better=True)
        assert r["rfm_segment"] == f"R{r['r']}F{r['f']}"
    for key, column in (("f", "orders"), ("m", "revenue_cents"), ("r", "days_since_last_order")):
        by_value = {}
        for r in buyers:
            by_value.setdefault(r[column], set()).add(r[key])
        assert all(len(s) == 1 for s in by_value.values()), f"tied {column} values split across {key} scores"
    # monotone: a better value never has a lower score
    for a in buyers:
        for b in buyers:
            if a["orders"] > b["orders"]:
                assert a["f"] >= b["f"]
            if a["days_since_last_order"] < b["days_since_last_order"]:
                assert a["r"] >= b["r"]
            if a["revenue_cents"] > b["revenue_cents"]:
                assert a["m"] >= b["m"]


def test_one_customer_shop(shop):
    cid = shop.customer("only")
    shop.order(cid, 3, total=20)
    ensure_metrics(shop.store, AS_OF)
    m = shop.metrics(cid)
    assert (m["r"], m["f"], m["m"], m["rfm_segment"]) == (5, 5, 5, "Champions")


def test_zero_value_orders_count_and_score(shop):
    free = shop.customer("free")
    paid = shop.customer("paid")
    shop.order(free, 3, total=0)
    shop.order(paid, 3, total=30)
    ensure_metrics(shop.store, AS_OF)
    f, p = shop.metrics(free), shop.metrics(paid)
    assert (f["orders"], f["revenue_cents"], f["aov_cents"]) == (1, 0, 0)
    assert f["m"] < p["m"] and f["f"] == p["f"] and f["r"] == p["r"]


def test_same_day_repeat_orders(shop):
    twice = shop.customer("twice")
    once = shop.customer("once")
    shop.order(twice, 4.2, total=10)
    shop.order(twice, 4.1, total=15)
    shop.order(once, 4.0, total=25)
    ensure_metrics(shop.store, AS_OF)
    t, o = shop.metrics(twice), shop.metrics(once)
    assert (t["orders"], t["revenue_cents"], t["aov_cents"], t["days_since_last_order"]) == (2, 2500, 1250, 4)
    assert t["r"] == o["r"]  # same day: tied recency, same score
    assert t["m"] == o["m"]  # same revenue
    assert t["f"] > o["f"]


@hsettings(max_examples=15, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=500), min_size=201, max_size=400))
def test_many_distinct_values_stay_monotone_and_near_quintiles(counts):
    scores = assign_scores(counts)
    assert all(a <= b for a, b in zip(scores, scores[1:])) and sorted(set(scores)) == [1, 2, 3, 4, 5]
    total, biggest = sum(counts), max(counts)
    for k in range(1, 6):
        size = sum(c for c, s in zip(counts, scores) if s == k)
        # a group can miss 20% by at most the value that straddles its edge, plus the search grid
        assert abs(size - total / 5) <= 2 * biggest + total / 20


def test_rfm_report_without_scores_has_the_same_grid_and_no_ranges(shop):
    from lifecycle_tui.segments import rfm_report

    _random_shop(shop)
    full = rfm_report(shop.store, AS_OF)
    light = rfm_report(shop.store, AS_OF, scores=False)
    assert full["scores"] and set(full["scores"]) == {"r", "f", "m"}
    assert light["scores"] is None
    assert {k: v for k, v in light.items() if k != "scores"} == {k: v for k, v in full.items() if k != "scores"}
    assert light["customers"] > 0
