"""Rows of one file that name the same customer, order or event: applied in turn, netted at the end.

Each row is applied over the ones before it (the last value of a field wins, and an opt-out
in an earlier row still keeps a later "yes" off). Re-importing such a file must still change
nothing, yet its first row of a key differs from what the store holds (the last row's
values) and its last row differs from the first: each would count as an update. So a writer
reports every update to :class:`Revisits` before it applies it, which notes the row's state
the first time the import touches it; :meth:`Revisits.settle` then finds the rows updated
more than once that ended as they began, which it counts as unchanged and whose
side effects (``updated_at``, consent changes) it takes back.

Only updated rows are tracked (a fresh or an unchanged import holds nothing), by row id, a
hash of their state (a fingerprint; a collision would only count a changed row as
unchanged, never change data) and what the writer needs to restore.
"""

from __future__ import annotations

from typing import Callable, Iterable

# rowids -> {rowid: (fingerprint, restore)}; the fingerprint must not cover what a write
# always changes (updated_at), which goes in ``restore``.
StateOf = Callable[[list[int]], dict[int, tuple[int, object]]]

_CHUNK = 20_000  # rowids per state query at the end


class Revisits:
    """Row ids an import updated, with their state before its first update and how often."""

    def __init__(self, state_of: StateOf, first_new_id: int) -> None:
        self.state_of = state_of
        self.first_new_id = first_new_id  # rows from this id on were inserted by this import
        self.before: dict[int, list] = {}  # rowid -> [fingerprint, restore, updates]
        self.repeats = 0  # rows whose key an earlier row of the file had named

    def seen(self, rowid: int) -> bool:
        """Whether an earlier row of this import inserted or updated ``rowid``."""
        return rowid >= self.first_new_id or rowid in self.before

    def note(self, rowids: Iterable[int]) -> None:
        """Count the rows about to be applied over a row this import already wrote."""
        self.repeats += sum(1 for r in rowids if self.seen(r))

    def updating(self, rowids: list[int]) -> None:
        """Call with the row ids about to be updated, before the update is written."""
        before = self.before
        # A row this import inserted has no state before it, so it never nets to unchanged.
        fresh = [r for r in rowids if r not in before and r < self.first_new_id]
        if fresh:
            for rowid, (print_, restore) in self.state_of(fresh).items():
                before[rowid] = [print_, restore, 0]
        for r in rowids:
            entry = before.get(r)
            if entry is not None:
                entry[2] += 1

    def settle(self, counters) -> dict[int, object]:
        """``{rowid: restore}`` for the rows updated more than once whose state is back to what
        it was before the import; their updates are counted as unchanged in ``counters``, which
        also gets the number of repeats."""
        again = [r for r, entry in self.before.items() if entry[2] > 1]
        back: dict[int, object] = {}
        for i in range(0, len(again), _CHUNK):
            now = self.state_of(again[i:i + _CHUNK])
            for rowid in again[i:i + _CHUNK]:
                print_, restore, n = self.before[rowid]
                if rowid in now and now[rowid][0] == print_:
                    back[rowid] = restore
                    counters.updated -= n
                    counters.unchanged += n
        counters.repeats = self.repeats
        return back
