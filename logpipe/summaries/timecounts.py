"""Selected lines per time bucket: exact counts, in memory bounded by the number of buckets.

With a bucket size given (`--histogram 1h`), one count per bucket that holds a line. Without
(`--histogram`: a size chosen at the end, to fit the terminal), the counts are kept per
bucket of the finest size of `buckets.CHAIN` that keeps at most `FINEST_BUCKETS` of them,
starting at one second: when there are more, they are added up into the next size of the
chain (each one divides the next). Every size the chart may then choose is no finer than
that, and nests it, so the counts it prints are exact; memory holds at most that many
buckets whatever the time range.
"""
from __future__ import annotations

import math

from .buckets import CHAIN, BucketSize, Buckets, Calendar, nests

FINEST_BUCKETS = 2048
GRANULE = 1800     # seconds (zones are whole or half hours off UTC but for a few: a bucket fills its granules)
GRANULES = 65536   # granules remembered at most (over three years of half hours, for lines out of time order)
BULK = 8           # times counted at once from this many (fewer: one by one, cheaper set up)


class TimeCounts:
    """`add(moment)` counts one line at `moment` (epoch seconds, or None: a line without a
    timestamp) and returns its bucket's start. `state()`/`merge(state)` carry the counts
    from a worker to the parent."""

    def __init__(self, size: BucketSize | None, calendar: Calendar, most: int = FINEST_BUCKETS) -> None:
        self.chosen = size is not None
        self.calendar = calendar
        self.most = most
        self.counts: dict[int, int] = {}   # bucket start -> lines
        self.first: float | None = None     # the earliest and latest time counted
        self.last: float | None = None
        self.timeless = 0                   # lines without a timestamp
        self.coarsened = 0                  # how many times the buckets grew (for pairs keyed by bucket)
        self.grouped = 1                    # the most buckets counted before that lie in one now (read by the pairs)
        self._use(size or CHAIN[0])

    def _use(self, size: BucketSize) -> None:
        self.size = size
        self.buckets = Buckets(size, self.calendar)
        self._start, self._end = 0, -1  # the bucket of the last line counted
        # the bucket met last in each granule of time (half an hour, or the bucket's length
        # when it divides that), for lines that are not in time order: a line is in it when
        # start <= moment < end, else its own bucket is worked out (and kept for the granule)
        self._granule = math.gcd(GRANULE, size.n) if size.unit == "s" else GRANULE
        self._met: dict[int, tuple[int, int]] = {}
        self._whole: dict[int, int] = {}  # granule -> the start of the one bucket it lies in (`add_all`)

    def add(self, moment: float | None, count: int = 1) -> int | None:
        if moment is None:
            self.timeless += count
            return None
        if self._start <= moment < self._end:
            start = self._start
        else:
            start, self._end = self._bucket(moment)
            self._start = start
        counts = self.counts
        counts[start] = counts.get(start, 0) + count
        if self.first is None:
            self.first = self.last = moment
        elif moment < self.first:
            self.first = moment
        elif moment > self.last:
            self.last = moment
        if not self.chosen and len(counts) > self.most:
            self.coarsen()
            return self.buckets.key(moment)
        return start

    def add_all(self, moments: list) -> None:
        """`add(moment)` for each of `moments` (a block's lines at once): each moment's
        granule looked up (in one pass in C) among the granules known to lie wholly in one
        bucket, the buckets then counted in C; a moment in any other granule (not met yet,
        or across a bucket's edge: a zone 45 minutes off, a DST change) is bucketed alone."""
        if len(moments) < BULK:
            for moment in moments:
                self.add(moment)
            return
        stamped = [moment for moment in moments if moment is not None]
        self.timeless += len(moments) - len(stamped)
        if not stamped:
            return
        low, high = min(stamped), max(stamped)
        self.first = low if self.first is None or low < self.first else self.first
        self.last = high if self.last is None or high > self.last else self.last
        granules = list(map(float(self._granule).__rfloordiv__, stamped))  # (a float equal to an int finds it)
        starts = list(map(self._whole.get, granules))
        if None in starts:
            self._fill(starts, granules, stamped)
        counts = self.counts
        get = counts.get
        for start in starts:
            counts[start] = get(start, 0) + 1
        if not self.chosen and len(counts) > self.most:  # the buckets grow
            self.coarsen()

    def _fill(self, starts: list, granules: list, moments: list) -> None:
        """The buckets of the moments `add_all` found no granule for (None in `starts`),
        learning the granules that lie wholly in one bucket."""
        whole, granule, bucket = self._whole, self._granule, self._bucket
        for i, start in enumerate(starts):
            if start is not None:
                continue
            index = int(granules[i])
            start = whole.get(index)
            if start is None:
                low = index * granule
                found = bucket(low)
                if found[1] >= low + granule:  # the granule lies in one bucket
                    if len(whole) >= GRANULES:
                        whole.clear()
                    start = whole[index] = found[0]
                else:
                    start = bucket(moments[i])[0]
            starts[i] = start

    def _bucket(self, moment: float) -> tuple[int, int]:
        """(start, end) of the bucket holding `moment`, kept as its granule's."""
        granule = int(moment // self._granule)
        found = self._met.get(granule)
        if found is not None and found[0] <= moment < found[1]:
            return found
        if len(self._met) >= GRANULES:
            self._met.clear()
        start = self.buckets.key(moment)
        found = self._met[granule] = (start, self.buckets.next(start))
        return found

    def coarsen(self, size: BucketSize | None = None) -> None:
        """Add the counts up into buckets of `size` (default: the next size of the chain)."""
        if size is None:
            size = CHAIN[min(CHAIN.index(self.size) + 1, len(CHAIN) - 1)] if self.size in CHAIN else self.size
            if size == self.size:
                return
        self._use(size)
        self.grouped *= self.fan_in(self.counts)
        self.counts = self.rekeyed(self.counts)
        self.coarsened += 1
        if len(self.counts) > self.most and not self.chosen and size != CHAIN[-1]:
            self.coarsen()

    def rekeyed(self, counts: dict) -> dict:
        """Counts keyed by the start of finer buckets, keyed by the current ones instead."""
        key, merged = self.buckets.key, {}
        for start, count in counts.items():
            start = key(start)
            merged[start] = merged.get(start, 0) + count
        return merged

    def fan_in(self, starts) -> int:
        """The most of these bucket starts (of finer buckets) that lie in one current bucket."""
        key, met = self.buckets.key, {}
        for start in starts:
            start = key(start)
            met[start] = met.get(start, 0) + 1
        return max(met.values(), default=1)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    # -- as a printer's totals -----------------------------------------------------------

    def take(self) -> tuple | None:
        if not self.counts and not self.timeless:
            return None
        state = (self.size, self.counts, self.first, self.last, self.timeless)
        # (an automatic size stays as it grew: the counts it is merged into are as coarse, so
        # starting again at a second would only cost the next file's first lines a coarsening)
        self.counts, self.first, self.last, self.timeless, self.grouped = {}, None, None, 0, 1
        return state

    def merge(self, state: tuple) -> None:
        size, counts, first, last, timeless = state
        self.timeless += timeless
        if not counts:
            return
        if size != self.size:
            if nests(self.size, size):  # theirs is coarser: ours grow to it
                self.coarsen(size)
            else:  # theirs is finer
                counts = self.rekeyed(counts)
        mine = self.counts
        for start, count in counts.items():
            mine[start] = mine.get(start, 0) + count
        self.first = first if self.first is None else min(self.first, first)
        self.last = last if self.last is None else max(self.last, last)
        if not self.chosen and len(mine) > self.most:
            self.coarsen()
