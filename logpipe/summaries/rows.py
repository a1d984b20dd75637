"""What a histogram shows, worked out from a `Tally` at the end of the search: its time
range, its bucket size (given, or the smallest that fits the rows available), and each
row, empty buckets included, with the counts of the top values when --count-by is given.

The range runs from --since (else the first line's time) to --until (else the last
line's; with only --since and no line, to now), so that gaps show, and bounds show
where nothing happened.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from typing import NamedTuple

from .buckets import BucketSize, Buckets, choose
from .tally import Tally


class Row(NamedTuple):
    start: int                  # epoch seconds
    end: int
    count: int
    cells: tuple[int, ...] = ()  # the count of each top value (--count-by), in `HistogramRows.values` order
    other: int = 0               # the rest of `count`


class HistogramRows:
    def __init__(self, tally: Tally, rows: int | None = None, columns: int | None = None,
                 now: float | None = None) -> None:
        """`rows`: how many rows the chart may have (for a size to be chosen); `columns`:
        how many top values get a column (default: --top)."""
        settings, times = tally.settings, tally.times
        self.tally = tally
        self.calendar = tally.calendar
        now = time.time() if now is None else now
        first = settings.since if settings.since is not None else times.first
        last = times.last
        if settings.until is not None:
            last = settings.until
        elif last is None and first is not None:  # only --since, and no line: up to now
            last = max(now, first)
        self.first, self.last = first, last
        self.empty = first is None or last is None or last < first
        size = settings.bucket
        if size is None:
            size = times.size if self.empty else choose(first, last, max(1, rows or 1), times.size, self.calendar)
        self.size: BucketSize = size
        self.buckets = Buckets(size, self.calendar)
        counts = times.counts if size == times.size else _regrouped(times.counts, self.buckets.key)
        self.counts = counts
        self.values: list[tuple] = []
        self.pairs: dict = {}
        self.cell_error = 0  # the most a cell's count may be below the true one (approximate pairs)
        if tally.pairs is not None:
            top = settings.top or None
            if columns is not None:
                top = columns if top is None else min(top, columns)
            self.values = [value for value, _ in tally.values.top(top)]
            wanted = set(self.values)
            key, pairs = self.buckets.key, tally.pairs
            for (start, value), count in pairs.items():
                if value in wanted:
                    pair = (key(start), value)
                    self.pairs[pair] = self.pairs.get(pair, 0) + count
            if not pairs.exact:
                self.cell_error = _cell_error(pairs, times.counts, key, self.values)

    def __iter__(self) -> Iterator[Row]:
        if self.empty:
            return
        counts, pairs, values = self.counts, self.pairs, self.values
        for start, end in self.buckets.spans(self.first, self.last):
            count = counts.get(start, 0)
            if values:
                cells = tuple(pairs.get((start, value), 0) for value in values)
                yield Row(start, end, count, cells, max(0, count - sum(cells)))
            else:
                yield Row(start, end, count)

    @property
    def most(self) -> int:
        """The largest count of a row."""
        return max(self.counts.values(), default=0)

    def with_offsets(self) -> bool:
        """Whether the rows' start times need their UTC offsets to be told apart: buckets
        shorter than a day across a change of offset (the hour that happens twice)."""
        if self.empty or self.size.unit != "s":
            return False
        offset = self.calendar.offset
        first = offset(self.buckets.key(self.first))
        return any(offset(start) != first for start in self.buckets.starts(self.first, self.last))

    def label(self, start: int, with_offset: bool = False) -> str:
        return self.buckets.label(start, with_offset)


def _regrouped(counts: dict, key) -> dict:
    merged: dict = {}
    for start, count in counts.items():
        start = key(start)
        merged[start] = merged.get(start, 0) + count
    return merged


def _cell_error(pairs, counted: dict, key, values: list) -> int:
    """The most a cell (a row's bucket, a top value) may be below its true count: the sum of
    the errors of the counted buckets it adds up (a pair not kept: up to the summary's cut)."""
    groups: dict = {}
    for start in counted:
        groups.setdefault(key(start), []).append(start)
    error = pairs.error
    return max((sum(error((start, value)) for start in starts) for starts in groups.values() for value in values),
               default=0)
