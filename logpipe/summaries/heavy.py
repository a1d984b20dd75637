"""Counts per value in bounded memory: exact while the distinct values fit, then the heavy
hitters only, each with a proven interval around its true count.

`HeavyHitters(limit)` keeps an exact count per value while there are at most `limit`
distinct values. When one more comes, it becomes a Misra-Gries summary (Misra and Gries,
"Finding repeated elements", 1982, in its batched form): the `limit // 2 + 1`-th largest
kept count `c` is cut from every kept count, the counts left at zero or below are dropped
(at most `limit // 2` values stay), and the total cut `cut` grows by `c`. So memory holds
at most `limit` values whatever the number of distinct ones, `cut <= lines / (limit // 2 + 1)`,
and a value whose true count is above `cut` is always kept.

Each kept value also remembers `entered`, the total cut when it was (last) taken in. A
kept value lost exactly `cut - entered` to the cuts since then, and had fewer than
`entered` occurrences before (all of them dropped), so with `kept` its count in the table

    low = kept + cut - entered  <=  true count  <=  kept + cut = low + entered

A value counted since before the first cut (`entered == 0`, as the frequent values of a
log usually are) is exact. `count(value)` is `low`, `error(value)` is `entered`; a value
not kept occurred at most `cut` times. Two summaries merge by adding their intervals
(a value one of them does not keep lies in [0, that one's cut]), then cutting as above
(after Agarwal et al., "Mergeable summaries", 2012): the workers' counts and the parent's
make one summary with the same guarantee. Regrouping (`rekey`: finer time buckets added
up into coarser ones) adds the intervals of the values that meet, those not kept included,
so its `cut` grows by the most values that meet in one (`fan_in`): the intervals stay true,
the bound on `cut` above holds only for summaries never regrouped.
"""
from __future__ import annotations

import heapq
from collections.abc import Callable, Hashable


class HeavyHitters:
    __slots__ = ("limit", "counts", "entered", "cut", "total")

    def __init__(self, limit: int) -> None:
        if limit < 2:
            raise ValueError("the limit of distinct values counted exactly must be at least 2")
        self.limit = limit
        self.counts: dict = {}   # value -> its count in the table (`kept`)
        self.entered: dict = {}  # value -> the total cut when it came in (only where > 0)
        self.cut = 0             # cut from every count so far (0: every count is exact)
        self.total = 0           # everything counted, exactly

    @property
    def exact(self) -> bool:
        return self.cut == 0

    def add(self, value: Hashable, count: int = 1) -> None:
        counts = self.counts
        kept = counts.get(value)
        if kept is not None:
            counts[value] = kept + count
        else:
            counts[value] = count
            if self.cut:
                self.entered[value] = self.cut
            if len(counts) > self.limit:
                self._prune()
        self.total += count

    def _prune(self) -> None:
        """Keep the largest counts only: cut the (limit // 2 + 1)-th largest from every count."""
        cut = heapq.nlargest(self.limit // 2 + 1, self.counts.values())[-1]
        self.counts = {value: kept - cut for value, kept in self.counts.items() if kept > cut}
        self.entered = {value: mark for value, mark in self.entered.items() if value in self.counts}
        self.cut += cut

    def count(self, value: Hashable) -> int:
        """The least the value can have occurred (exactly it, when `error(value)` is 0)."""
        kept = self.counts.get(value)
        if kept is None:
            return 0
        return kept + self.cut - self.entered.get(value, 0)

    def error(self, value: Hashable) -> int:
        """How many more times the value may have occurred than `count(value)`."""
        return self.entered.get(value, 0) if value in self.counts else self.cut

    def top(self, n: int | None) -> list[tuple[Hashable, int]]:
        """The `n` largest counts (all with None), largest first; equal counts in value order."""
        items = self.items()
        return sorted(items, key=_order) if n is None else heapq.nsmallest(n, items, key=_order)

    def items(self):
        """(value, count) for every value kept (counts as `count` gives them)."""
        cut, entered = self.cut, self.entered
        if not cut:
            return self.counts.items()
        return ((value, kept + cut - entered.get(value, 0)) for value, kept in self.counts.items())

    def __len__(self) -> int:
        return len(self.counts)

    @classmethod
    def from_state(cls, limit: int, state: tuple) -> HeavyHitters:
        summary = cls(limit)
        summary.counts, summary.entered, summary.cut, summary.total = state
        return summary

    # -- as a printer's totals -----------------------------------------------------------

    def take(self) -> tuple | None:
        """This summary's state, and a fresh start (None when nothing was counted)."""
        if not self.total:
            return None
        state = (self.counts, self.entered, self.cut, self.total)
        self.counts, self.entered, self.cut, self.total = {}, {}, 0, 0
        return state

    def merge(self, state: tuple) -> None:
        counts, entered, cut, total = state
        mine, my_entered, my_cut = self.counts, self.entered, self.cut
        merged_entered = {}
        for value in mine.keys() | counts.keys():  # each side's interval; a value a side lacks: [0, its cut]
            mark = (my_entered.get(value, 0) if value in mine else my_cut) + \
                (entered.get(value, 0) if value in counts else cut)
            if mark:
                merged_entered[value] = mark
        for value, kept in counts.items():
            mine[value] = mine.get(value, 0) + kept
        self.entered = merged_entered
        self.cut = my_cut + cut
        self.total += total
        while len(self.counts) > self.limit:
            self._prune()

    def rekey(self, key: Callable[[Hashable], Hashable], fan_in: int) -> None:
        """Every value replaced by `key(value)`, the intervals of the values that meet added
        up (pairs of a time bucket and a value, when the buckets grow). `fan_in` is the most
        values that `key` can send to one (kept or not: a value dropped before lies in
        [0, cut] and may be one of them), so a new value's interval also holds the values
        dropped that met it, and one not kept occurred at most `fan_in * cut` times."""
        counts: dict = {}
        entered: dict = {}
        met: dict = {}
        marks = self.entered
        for value, kept in self.counts.items():
            new = key(value)
            counts[new] = counts.get(new, 0) + kept
            entered[new] = entered.get(new, 0) + marks.get(value, 0)
            met[new] = met.get(new, 0) + 1
        cut = self.cut
        if cut:
            fan_in = max(fan_in, max(met.values(), default=1))
            # low = kept + cut - entered stays the sum of the lows; high = kept + cut gains
            # (fan_in - met) * cut for the values that met it and were not kept
            for new, many in met.items():
                entered[new] += (fan_in - many) * cut
            self.cut = fan_in * cut
        self.counts, self.entered = counts, {value: mark for value, mark in entered.items() if mark}


def _order(item: tuple) -> tuple:
    return -item[1], item[0]
