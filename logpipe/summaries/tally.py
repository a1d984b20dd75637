"""One search's summary counts: lines per time bucket, lines per value of the --count-by
keys, and with both, lines per (bucket, value) pair; all bounded, all mergeable.

A printer that summarises holds a `Tally`. In a worker process or a cluster task, each
file's counts are taken at its end (`take`) and travel in its `FileDone`; the parent
`merge`s them into its own `Tally`, which the printer draws at the end.
"""
from __future__ import annotations

from typing import NamedTuple

from .buckets import BucketSize, Calendar
from .heavy import HeavyHitters
from .timecounts import TimeCounts

COUNT_LIMIT = 50_000  # distinct values counted exactly (--count-limit), per key table and per (bucket, value) table


class SummarySettings(NamedTuple):
    """What a summary counts and how it is drawn (resolved once, in `logpipe.plan`)."""

    histogram: bool = False
    bucket: BucketSize | None = None   # None: chosen at the end to fit `height`
    count_by: tuple[str, ...] = ()     # --count-by KEYs
    top: int = 20                      # values shown (0: all)
    limit: int = COUNT_LIMIT
    every_match: bool = False          # -o: each match counts, not each line
    format: str = "chart"              # chart, json, csv, tsv
    plot: str | None = None            # --plot FILE.svg
    width: int = 80                    # the terminal's size (else COLUMNS and LINES, else 80 x 24)
    height: int = 24
    zone: str | None = None            # --tz
    since: float | None = None         # the time bounds: the histogram's range
    until: float | None = None
    title: str = ""                    # what was searched, for the picture
    unit: str = "lines"                # what is counted: lines, records (--records), matches (-o)
    grace: float | None = None         # --tail: seconds after a bucket's end before its row is printed


class Tally:
    def __init__(self, settings: SummarySettings) -> None:
        self.settings = settings
        self.calendar = Calendar(settings.zone)
        self.times = TimeCounts(settings.bucket, self.calendar) if settings.histogram else None
        self.values = HeavyHitters(settings.limit) if settings.count_by else None
        self.pairs = HeavyHitters(settings.limit) if settings.histogram and settings.count_by else None
        self.without_value = 0  # lines (or matches) where a key had no value
        self._coarsened = 0

    def add(self, moment: float | None, values: list[tuple] | None = None, count: int = 1) -> None:
        """Count `count` lines at `moment`, or with keys one per tuple of `values`."""
        times = self.times
        if values is None:
            times.add(moment, count)
            return
        for found in values:
            if times is not None:
                start = times.add(moment)
                if times.coarsened != self._coarsened:  # before this pair is counted, in the new buckets
                    self._regroup()
            if None in found:
                self.without_value += 1
                continue
            self.values.add(found)
            if times is not None and start is not None:
                self.pairs.add((start, found))

    def _regroup(self) -> None:
        """The time buckets grew: the pairs are added up into the new ones."""
        times = self.times
        self._coarsened = times.coarsened
        if self.pairs is None:  # a histogram alone: its counts grew by themselves
            return
        key = times.buckets.key
        self.pairs.rekey(lambda pair: (key(pair[0]), pair[1]), times.grouped)
        times.grouped = 1

    @property
    def lines(self) -> int:
        """Everything counted (lines, or matches with -o)."""
        if self.times is not None:
            return self.times.total + self.times.timeless
        return self.values.total + self.without_value

    # -- as a printer's totals -----------------------------------------------------------

    def take(self) -> dict | None:
        """The counts so far, and a fresh start (None: nothing was counted)."""
        state = {"times": self.times.take() if self.times is not None else None,
                 "values": self.values.take() if self.values is not None else None,
                 "pairs": self.pairs.take() if self.pairs is not None else None,
                 "without_value": self.without_value}
        self.without_value = 0
        if state["times"] is None and state["values"] is None and not state["without_value"]:
            return None
        return state

    def merge(self, state: dict) -> None:
        if state["times"] is not None:
            self.times.merge(state["times"])
        if state["values"] is not None:
            self.values.merge(state["values"])
        self.without_value += state["without_value"]
        if self.times is not None and self.times.coarsened != self._coarsened:
            self._regroup()
        if state["pairs"] is not None:
            theirs = HeavyHitters.from_state(self.pairs.limit, state["pairs"])
            key = self.times.buckets.key  # theirs may be finer buckets than ours: each of theirs counted
            fan_in = self.times.fan_in(state["times"][1])  # lies in one of ours
            theirs.rekey(lambda pair: (key(pair[0]), pair[1]), fan_in)
            self.pairs.merge(theirs.take())
