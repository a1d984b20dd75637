"""Counts per value in bounded memory: exact while the distinct values fit, then the heavy
hitters only, with a proven bound on each count's error.

`HeavyHitters(limit)` keeps an exact count per value while there are at most `limit`
distinct values. When one more comes, it becomes a Misra-Gries summary (Misra and Gries,
"Finding repeated elements", 1982, in its batched form): the `limit // 2 + 1`-th largest
count `c` is subtracted from every count and the counts left at zero or below are dropped,
which keeps at most `limit // 2` values, and `error` grows by `c`. So memory stays within
`limit` values whatever the number of distinct ones, and for every value

    count kept (0 when not kept)  <=  true count  <=  count kept + error

with `error <= (lines counted) / (limit // 2 + 1)`: a value more frequent than that is
always kept. Two summaries merge by adding their counts and their errors, then pruning
the same way (Agarwal et al., "Mergeable summaries", 2012): a worker's counts and the
parent's make one summary with the same guarantee.
"""
from __future__ import annotations

import heapq
from collections.abc import Callable, Hashable


class HeavyHitters:
    __slots__ = ("limit", "counts", "error", "total")

    def __init__(self, limit: int) -> None:
        if limit < 2:
            raise ValueError("the limit of distinct values counted exactly must be at least 2")
        self.limit = limit
        self.counts: dict = {}
        self.error = 0   # what any count may be below the true one (0: every count is exact)
        self.total = 0   # everything counted, exactly

    @property
    def exact(self) -> bool:
        return self.error == 0

    def add(self, value: Hashable, count: int = 1) -> None:
        counts = self.counts
        counts[value] = counts.get(value, 0) + count
        self.total += count
        if len(counts) > self.limit:
            self._prune()

    def _prune(self) -> None:
        """Keep the largest counts only: subtract the (limit // 2 + 1)-th largest from every count."""
        kept = self.limit // 2
        cut = heapq.nlargest(kept + 1, self.counts.values())[-1]
        self.counts = {value: count - cut for value, count in self.counts.items() if count > cut}
        self.error += cut

    def top(self, n: int | None) -> list[tuple[Hashable, int]]:
        """The `n` largest counts (all with None), largest first; equal counts in value order."""
        items = self.counts.items()
        key = _order
        return sorted(items, key=key) if n is None else heapq.nsmallest(n, items, key=key)

    def get(self, value: Hashable) -> int:
        return self.counts.get(value, 0)

    def __len__(self) -> int:
        return len(self.counts)

    # -- as a printer's totals -----------------------------------------------------------

    def state(self) -> tuple:
        return self.counts, self.error, self.total

    def take(self) -> tuple | None:
        """This summary's state, and a fresh start (None when nothing was counted)."""
        if not self.total:
            return None
        state = self.state()
        self.counts, self.error, self.total = {}, 0, 0
        return state

    def merge(self, state: tuple) -> None:
        counts, error, total = state
        mine = self.counts
        if len(counts) > len(mine):  # add the smaller into the larger
            mine, counts = dict(counts), mine
        for value, count in counts.items():
            mine[value] = mine.get(value, 0) + count
        self.counts = mine
        self.error += error
        self.total += total
        while len(self.counts) > self.limit:
            self._prune()

    def rekey(self, key: Callable[[Hashable], Hashable]) -> None:
        """Every value replaced by `key(value)`, the counts of values that meet added up
        (pairs of a time bucket and a value, when the buckets grow)."""
        merged: dict = {}
        for value, count in self.counts.items():
            value = key(value)
            merged[value] = merged.get(value, 0) + count
        self.counts = merged


def _order(item: tuple) -> tuple:
    return -item[1], item[0]
