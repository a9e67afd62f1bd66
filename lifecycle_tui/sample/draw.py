"""Fast random draws for the generator's hot loops (same results for the same ``Random`` state).

``random.choices`` and ``randrange`` carry argument handling that costs more than the draw
itself when called millions of times; these do the same job from one ``rng.random()``.
"""

from __future__ import annotations

from bisect import bisect_right
from random import Random


def cumulative(weights: list[int]) -> list[int]:
    out, acc = [], 0
    for w in weights:
        acc += w
        out.append(acc)
    return out


def weighted(rng: Random, values: list, cum: list[int]):
    """One of ``values``, with probability proportional to its weight (``cum``: running totals)."""
    return values[bisect_right(cum, rng.random() * cum[-1])]


def between(rng: Random, lo: int, hi: int) -> int:
    """An integer in ``[lo, hi)`` (``lo`` when the range is empty)."""
    return lo + int(rng.random() * (hi - lo)) if hi > lo else lo
