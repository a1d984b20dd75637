"""--tail with --histogram: which buckets have closed, as the clock goes, so that each one's
row is printed once and never changes (as `vmstat 1` appends its rows).

A bucket closes when the clock (epoch seconds; buckets are cut in the zone's calendar)
passes its end plus a grace (`GRACE`, 1 s, what --tail's --sort time waits for a line too;
more with --tail-poll, whose reads come that much later). The clock alone decides, not the
lines: a line of a later bucket from one file says nothing of another file still writing
the earlier one, nor of a writer whose lines come out of time order. So a row is printed
once its count can no longer change but for a line that comes more than the grace after
its bucket ended (a writer that buffers, a clock that is off): such a line is counted in
the totals (the footer, the picture), not in the row already printed, and the footer says
how many came so (`late`).

The rows run from the bucket of --since (with it, what the catch-up counted comes out at
once as the follow begins), else from the bucket the follow started in, to the bucket of
--until if given; empty buckets are rows too, so that gaps show.
"""
from __future__ import annotations

from collections.abc import Iterator

from .buckets import CHAIN, BucketSize, Buckets, Calendar, choose, parse_size

GRACE = 1.0          # seconds after a bucket's end before its row is printed
DEFAULT = "1m"       # an automatic bucket without --since: nothing to fit yet, and it cannot coarsen later


def live_size(since: float | None, now: float, rows: int, calendar: Calendar) -> BucketSize:
    """The bucket of an automatic histogram that follows (`--tail --histogram`): chosen once,
    at the start, since rows once printed cannot be regrouped. With --since, the smallest
    size whose rows from --since to now fit `rows` (as an automatic histogram chooses at its
    end); without, `DEFAULT`."""
    if since is None or since >= now:
        return parse_size(DEFAULT)
    return choose(since, now, max(1, rows), CHAIN[0], calendar)


class LiveBuckets:
    """The rows of a followed histogram: `closed(now)` yields `(start, end)` of each bucket
    closed by `now` and not yet yielded, in order; `rest(last)` those left up to the bucket
    holding `last` (the end of the follow); `wake()` when the next one closes."""

    def __init__(self, buckets: Buckets, first: float, until: float | None = None, grace: float = GRACE) -> None:
        self.buckets = buckets
        self.next = buckets.key(first)           # the start of the next row
        self.end = buckets.next(self.next)       # and its end
        self.last = buckets.key(until) if until is not None else None  # the last row's start (--until)
        self.grace = grace
        self.shown: dict[int, int] = {}          # bucket start -> the count its row printed

    def closed(self, now: float) -> Iterator[tuple[int, int]]:
        while self.end + self.grace <= now and not self.done:
            yield self._advance()

    def rest(self, last: float) -> Iterator[tuple[int, int]]:
        stop = self.buckets.key(last)
        while self.next <= stop and not self.done:
            yield self._advance()

    def wake(self) -> float | None:
        """The time (epoch seconds) the next row is due, or None when no row is left (--until)."""
        return None if self.done else self.end + self.grace

    @property
    def done(self) -> bool:
        return self.last is not None and self.next > self.last

    def _advance(self) -> tuple[int, int]:
        span = (self.next, self.end)
        self.next, self.end = self.end, self.buckets.next(self.end)
        return span

    def late(self, counts: dict[int, int]) -> int:
        """What was counted in buckets whose row was already printed (or that lie before the
        first row) after it was: in `counts`, not in the rows."""
        shown, first = self.shown, self.next
        return sum(count - shown.get(start, 0) for start, count in counts.items() if start < first)
