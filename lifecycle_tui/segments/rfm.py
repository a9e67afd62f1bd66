"""RFM scoring: tie-respecting quintile scores and the R x F segment grid.

Method (also in the README). For each measure (Recency = days since last order, fewer is
better; Frequency = counted orders; Monetary = revenue) take the distinct values with the number
of customers holding each, ordered worst to best. A score is given per *distinct value*, so equal
values always share a score and a better value never gets a lower score:

- 5 or more distinct values: cut the ordered values into exactly five contiguous, non-empty
  groups (scores 1..5) choosing the four cut points that minimise the sum of squared differences
  between each group's size and N/5 -- the closest to quintiles that the ties allow. The search
  (dynamic programming) is exact over every possible cut when there are at most 200 distinct
  values (frequency; the heavy-tie case: most shops have 60%+ one-time buyers). With more
  (recency in days, revenue) it is exact over the cut points at every 2.5% of the customers and
  on both sides of every value held by at least 2.5% of them, so heavy ties are still cut
  optimally and the group sizes land within 1-2% of the customers of the best cut.
- 1 to 4 distinct values: the worst value gets 1, the best 5, the ones between are spread evenly
  (2 values: 1, 5; 3 values: 1, 3, 5; 4 values: 1, 2, 4, 5); a single value gets 5 (all tied best).

NTILE is never used: it splits runs of equal values across buckets.
"""

from __future__ import annotations

from bisect import bisect_left
from itertools import accumulate, compress
from operator import itemgetter
from typing import Sequence

SCORES = (1, 2, 3, 4, 5)
EXACT_LIMIT = 200  # distinct values up to which every cut point is considered
GRID = 40  # otherwise: cut points considered at every 1/GRID of the customers (2.5%)


def assign_scores(counts: Sequence[int]) -> list[int]:
    """Scores for distinct values given their customer counts, ordered worst -> best."""
    scores: list[int] = []
    starts = group_starts(counts) + [(None, len(counts))]
    for (score, a), (_, b) in zip(starts, starts[1:]):
        scores.extend([score] * (b - a))
    return scores


def group_starts(counts: Sequence[int]) -> list[tuple[int, int]]:
    """``(score, position of the first distinct value with it)``, worst first (the method above).

    Works on cut positions only: no per-value Python loop beyond the running total, which
    matters for revenue (one distinct value per buyer, tens of thousands of them).
    """
    d = len(counts)
    if d == 0:
        return []
    if d < 5:
        if d == 1:
            return [(5, 0)]
        return [(round(1 + 4 * i / (d - 1)), i) for i in range(d)]
    cum = [0, *accumulate(counts)]
    total = cum[-1]
    target = total / 5
    # Cut position p (1..d-1) means "a new group starts at distinct value p".
    if d - 1 <= EXACT_LIMIT:
        cands = list(range(1, d))
    else:
        # Near-continuous values: the cut points nearest every 1/GRID of the customers, and both
        # sides of every value that holds at least 1/GRID of them (where heavy ties force a cut).
        picked: set[int] = set()
        for k in range(1, GRID):
            near = bisect_left(cum, k * total / GRID)
            picked.update((near - 1, near, near + 1))
        heavy = total / GRID
        for p in compress(range(d), [c >= heavy for c in counts]):
            picked.update((p, p + 1))
        cands = sorted(p for p in picked if 1 <= p <= d - 1)

    def group_cost(a: int, b: int) -> float:
        return (cum[b] - cum[a] - target) ** 2

    # best[k][j]: least cost of the first k groups when the k-th cut is cands[j]; back-pointers in prev.
    inf = float("inf")
    n = len(cands)
    best = [[group_cost(0, p) for p in cands]]
    prev: list[list[int]] = [[-1] * n]
    for _k in range(2, 5):
        row, back = [inf] * n, [-1] * n
        last = best[-1]
        for j in range(n):
            for i in range(j):
                if last[i] == inf:
                    continue
                cost = last[i] + group_cost(cands[i], cands[j])
                if cost < row[j]:
                    row[j], back[j] = cost, i
        best.append(row)
        prev.append(back)
    final = [best[3][j] + group_cost(cands[j], d) if best[3][j] < inf else inf for j in range(n)]
    j = min(range(n), key=lambda x: final[x])
    cuts = []
    for k in range(3, -1, -1):
        cuts.append(cands[j])
        j = prev[k][j]
    cuts.reverse()
    return list(zip(SCORES, [0, *cuts]))


def score_bands(distribution: Sequence[tuple[object, int]], *, higher_is_better: bool) -> list[tuple[int, object]]:
    """``(score, bound)`` pairs, best score first, for a ``(value, customers)`` distribution.

    A value ``v`` scores the first band whose bound it reaches (``v >= bound`` when higher is
    better, ``v <= bound`` otherwise); this is what the refresh turns into a SQL CASE.
    """
    ordered = sorted(distribution, key=itemgetter(0), reverse=not higher_is_better)  # worst -> best
    starts = group_starts([c for _, c in ordered])
    # The worst value holding score s is the band's bound.
    return sorted(((score, ordered[p][0]) for score, p in starts), reverse=True)


def score_of(value, bands: Sequence[tuple[int, object]], *, higher_is_better: bool) -> int | None:
    """The score of one value under ``bands`` (the Python twin of the SQL CASE; used in tests)."""
    for score, bound in bands:
        if (value >= bound) if higher_is_better else (value <= bound):
            return score
    return None


def grid_cells(grid: Sequence[Sequence[str]]) -> list[tuple[int, int, str]]:
    """``(r, f, name)`` for every cell of the settings grid (rows R=5..1, columns F=1..5)."""
    return [(5 - row, col + 1, grid[row][col]) for row in range(5) for col in range(5)]


def segment_names(grid: Sequence[Sequence[str]]) -> list[str]:
    """Distinct segment names in grid order (best row first)."""
    seen: dict[str, None] = {}
    for _r, _f, name in grid_cells(grid):
        seen.setdefault(name, None)
    return list(seen)
