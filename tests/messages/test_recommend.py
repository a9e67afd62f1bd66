"""Recommendations: the dense (small catalogue) and dict (large catalogue) ways of scoring a
customer's candidates give the same products in the same order."""

from __future__ import annotations

import random

import pytest

from lifecycle_tui.messages import recommend
from lifecycle_tui.messages.recommend import Recommender


def _recommender(rng: random.Random, products: int) -> Recommender:
    r = Recommender(store=None, as_of_iso="2026-06-30T00:00:00+00:00")
    ids = rng.sample(range(1, 10 * products), products)
    pairs = {}
    for a in ids:
        partners = rng.sample([b for b in ids if b != a], min(len(ids) - 1, rng.randrange(0, 30)))
        pairs[a] = sorted(((b, rng.randrange(1, 6)) for b in partners), key=lambda t: (-t[1], t[0]))
    r._pairs = pairs
    r._best = rng.sample(ids, min(len(ids), 10))
    return r


@pytest.mark.parametrize("seed", range(5))
def test_dense_and_dict_scoring_recommend_the_same(seed, monkeypatch):
    rng = random.Random(seed)
    dense, sparse = _recommender(rng, 40), None
    sparse = Recommender(store=None, as_of_iso=dense.as_of_iso)
    sparse._pairs, sparse._best = dense._pairs, dense._best
    sparse._dense = False  # as for a shop with more than DENSE_MAX partner products
    assert dense.dense_pairs()  # 40 products: the dense way
    ids = list(dense._pairs) + [999_999]  # one product no order paired with anything
    catalogue = sorted(ids)
    for _ in range(300):
        bought = set(rng.sample(ids, rng.randrange(0, 25)))
        n = rng.choice([1, 3, 6])
        assert dense._scores(bought) == sparse._scores(bought) if bought else True
        assert dense.for_bought(bought, n, catalogue) == sparse.for_bought(bought, n, catalogue)
        got = dense.for_bought(bought, n, catalogue)
        assert len(got) == len(set(got)) and not set(got) & bought


def test_a_big_catalogue_scores_with_dicts(monkeypatch):
    monkeypatch.setattr(recommend, "DENSE_MAX", 10)
    r = _recommender(random.Random(1), 40)
    assert r.dense_pairs() is False
    assert r.for_bought(set(list(r._pairs)[:5]), 3)
