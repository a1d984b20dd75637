"""Time cut into buckets, in the zone of --tz (else local time), as a calendar reads it.

A bucket size is written `N` + unit: `30s`, `1m` (or `1min`), `5m`, `1h`, `1d`, `1w`, `1mo`,
`1y`. Buckets start where a clock in the zone says a round time: `5m` at :00, :05...;
`1h` on the hour (also in zones half an hour off UTC); `1d` at midnight; `1w` on Monday at
midnight; `1mo` on the first of the month; `1y` on 1 January. Across a DST change:
- a bucket shorter than a day lasts its length in real time, and starts at a round time of
  the offset in force: when clocks go back, the hour from 01:00 happens twice and is two
  buckets (two rows labelled 01:00, told apart by their offsets); when they go forward,
  the hour skipped is no bucket at all;
- a bucket of a day or more runs from one midnight to another (23 or 25 hours), and a
  bucket of hours that does not divide the day's changed length (3h) is as long as the
  calendar makes it (00:00 to 03:00 lasts 4 hours on the night clocks go back).
That is how Elasticsearch's calendar intervals and lnav count.

`Buckets.key(t)` is the start (epoch seconds) of the bucket holding `t`, `Buckets.next(start)`
the start of the one after it, `Buckets.label(start)` its start as the chart prints it.
"""
from __future__ import annotations

import math
import re
import time
from datetime import date, datetime, timedelta
from typing import NamedTuple

from ..pipeline.timeformats import TimeFormatError, Zone

DAY = 86400
EPOCH_DAY = date(1970, 1, 1).toordinal()
MONDAY = date(1970, 1, 5).toordinal()  # weeks start on Monday (ISO 8601)

_SIZE = re.compile(r"^\s*(\d{1,9})\s*(s|sec|m|min|h|d|w|mo|month|y)\s*$")
_SECONDS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}


class BucketSize(NamedTuple):
    """`unit` is "s" (n seconds, under a day or not a whole number of days), "d" (n days),
    "w" (n weeks) or "mo" (n months; a year is 12)."""

    unit: str
    n: int

    def __str__(self) -> str:
        if self.unit == "s":
            for name, seconds in (("h", 3600), ("m", 60)):
                if self.n % seconds == 0:
                    return f"{self.n // seconds}{name}"
            return f"{self.n}s"
        if self.unit == "mo" and self.n % 12 == 0:
            return f"{self.n // 12}y"
        return f"{self.n}{self.unit}"

    @property
    def seconds(self) -> float:
        """The nominal length (a month: 30.44 days), for comparing and estimating."""
        return self.n * {"s": 1, "d": DAY, "w": 7 * DAY, "mo": 30.436875 * DAY}[self.unit]


def parse_size(text: str) -> BucketSize:
    """`5m` -> BucketSize("s", 300); ValueError with the reason for anything else."""
    m = _SIZE.match(text.lower())
    if not m or int(m.group(1)) == 0:
        raise ValueError(f"{text!r} is not a bucket size such as 30s, 1m, 5m, 1h, 1d, 1w, 1mo, 1y")
    n, unit = int(m.group(1)), m.group(2)
    if n * {"y": 12, "mo": 1, "month": 1}.get(unit, 0) > 12 * 1000 or n * _SECONDS.get(unit, 0) > 1000 * 366 * DAY:
        raise ValueError(f"{text!r} is longer than the calendar logpipe counts in (1000y at most)")
    if unit in _SECONDS:
        seconds = n * _SECONDS[unit]
        return BucketSize("d", seconds // DAY) if seconds % DAY == 0 else BucketSize("s", seconds)
    if unit in ("mo", "month"):
        return BucketSize("mo", n)
    if unit == "y":
        return BucketSize("mo", 12 * n)
    return BucketSize(unit, n)


# The sizes an automatic histogram chooses from (the first that fits the terminal), and the
# chain that its exact counts coarsen along while the search runs (each size divides the next).
CHOICES = tuple(map(parse_size, ["1s", "2s", "5s", "10s", "15s", "30s", "1m", "2m", "5m", "10m", "15m", "30m",
                                 "1h", "2h", "3h", "6h", "12h", "1d", "1w", "1mo", "3mo", "1y"]))
CHAIN = tuple(map(parse_size, ["1s", "5s", "10s", "30s", "1m", "5m", "10m", "30m", "1h", "3h", "6h", "12h", "1d",
                               "1mo", "3mo", "1y"]))


def nests(fine: BucketSize, coarse: BucketSize) -> bool:
    """Whether every bucket of `fine` lies within one bucket of `coarse` (so that counts per
    `fine` bucket add up exactly to counts per `coarse` bucket)."""
    if fine.unit == "s":
        return coarse.n % fine.n == 0 if coarse.unit == "s" else DAY % fine.n == 0
    if fine.unit == "d":
        if coarse.unit == "d":
            return coarse.n % fine.n == 0
        return fine.n == 1 and coarse.unit in ("w", "mo")
    return coarse.unit == fine.unit and coarse.n % fine.n == 0


class Calendar:
    """A zone's clock: the UTC offset in force at an instant, civil time and back."""

    def __init__(self, zone: str | None = None) -> None:
        self.name = zone
        self.zone = Zone(zone)  # civil time -> epoch (a time in a DST gap: the gap's end)
        self._offsets: dict[int, int] = {}  # offset per quarter of an hour (zones change offsets on quarters)
        if zone is None:
            self._lookup = _local_offset
        elif zone.upper() in ("UTC", "Z", "GMT"):
            self.offset = _no_offset
        else:
            from zoneinfo import ZoneInfo

            try:
                self._tz = ZoneInfo(zone)
            except (ValueError, OSError, LookupError) as err:
                raise TimeFormatError(f"unknown time zone {zone!r}") from err
            self._lookup = self._zone_offset

    def _zone_offset(self, epoch: float) -> int:
        return int(datetime.fromtimestamp(epoch, self._tz).utcoffset().total_seconds())

    def offset(self, epoch: float) -> int:
        """Seconds east of UTC in force at `epoch`."""
        quarter = int(epoch // 900)
        offsets = self._offsets
        found = offsets.get(quarter)
        if found is None:
            if len(offsets) > 65536:
                offsets.clear()
            found = offsets[quarter] = self._lookup(quarter * 900)
        return found

    def civil(self, epoch: int) -> time.struct_time:
        """The zone's wall-clock time at `epoch` (the fields of a struct_time)."""
        return time.gmtime(epoch + self.offset(epoch))

    def epoch(self, year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> int:
        """The first instant the zone's clock reads that time (the end of a DST gap for a time it skips)."""
        return int(self.zone.epoch(year, month, day, hour, minute, second))

    def format(self, epoch: int, pattern: str, with_offset: bool = False) -> str:
        offset = self.offset(epoch)
        text = time.strftime(pattern, time.gmtime(epoch + offset))
        if with_offset:
            text += " " + _offset_text(offset)
        return text

    def rfc3339(self, epoch: int) -> str:
        """`2026-11-30T02:00:00+01:00`: the bucket's start in the zone, with its offset."""
        offset = self.offset(epoch)
        text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch + offset))
        return text + ("Z" if offset == 0 and self.name and self.name.upper() in ("UTC", "Z", "GMT")
                       else _offset_text(offset, colon=True))


def _local_offset(epoch: float) -> int:
    return time.localtime(epoch).tm_gmtoff


def _no_offset(epoch: float) -> int:
    return 0


def _offset_text(offset: int, colon: bool = True) -> str:
    sign = "-" if offset < 0 else "+"
    hours, minutes = divmod(abs(offset) // 60, 60)
    return f"{sign}{hours:02d}:{minutes:02d}" if colon else f"{sign}{hours:02d}{minutes:02d}"


class Buckets:
    """Buckets of one size in one calendar: `key`, `next`, `label` (see the module's docstring)."""

    def __init__(self, size: BucketSize, calendar: Calendar) -> None:
        self.size = size
        self.calendar = calendar
        unit = size.unit
        self.pattern = "%Y-%m-%d" if unit in ("d", "w") else "%Y" if unit == "mo" and size.n % 12 == 0 \
            else "%Y-%m" if unit == "mo" else "%Y-%m-%d %H:%M:%S" if size.n % 60 else "%Y-%m-%d %H:%M"

    def key(self, moment: float) -> int:
        size, calendar = self.size, self.calendar
        epoch = math.floor(moment)
        if size.unit == "s":
            offset = calendar.offset(epoch)
            wall = epoch + offset
            start = wall - wall % size.n - offset
            if calendar.offset(start) == offset:
                return start
            # the bucket's round start is across an offset change: the first instant it is that time
            return calendar.epoch(*time.gmtime(wall - wall % size.n)[:6])
        civil = calendar.civil(epoch)
        if size.unit == "mo":
            index = civil.tm_year * 12 + civil.tm_mon - 1
            index -= index % size.n
            return calendar.epoch(index // 12, index % 12 + 1, 1)
        day = date(civil.tm_year, civil.tm_mon, civil.tm_mday).toordinal()
        anchor, days = (MONDAY, 7 * size.n) if size.unit == "w" else (EPOCH_DAY, size.n)
        day -= (day - anchor) % days
        first = date.fromordinal(day)
        return calendar.epoch(first.year, first.month, first.day)

    def next(self, start: int) -> int:
        """The start of the bucket after the one starting at `start`."""
        size, calendar = self.size, self.calendar
        if size.unit == "s":
            following = self.key(start + size.n)
            if following > start:
                return following
            civil = datetime(*calendar.civil(start)[:6]) + timedelta(seconds=size.n)  # a bucket the calendar made long
            return max(calendar.epoch(*civil.timetuple()[:6]), start + size.n)
        civil = calendar.civil(start)
        if size.unit == "mo":
            index = civil.tm_year * 12 + civil.tm_mon - 1 + size.n
            return calendar.epoch(index // 12, index % 12 + 1, 1)
        following = date(civil.tm_year, civil.tm_mon, civil.tm_mday) + timedelta(days=size.n * (7 if size.unit == "w"
                                                                                                 else 1))
        return calendar.epoch(following.year, following.month, following.day)

    def label(self, start: int, with_offset: bool = False) -> str:
        return self.calendar.format(start, self.pattern, with_offset)

    def starts(self, first: float, last: float):
        """The start of every bucket from the one holding `first` to the one holding `last`."""
        for start, _ in self.spans(first, last):
            yield start

    def spans(self, first: float, last: float):
        """(start, end) of every bucket from the one holding `first` to the one holding `last`."""
        start, end = self.key(first), self.key(last)
        following = self.next
        while start <= end:
            after = following(start)
            yield start, after
            start = after

    def count(self, first: float, last: float, most: int) -> int:
        """How many buckets run from `first` to `last` (counted up to `most` + 1)."""
        if (last - first) / self.size.seconds > 2 * most + 2:
            return most + 1
        found = 0
        for _ in self.starts(first, last):
            found += 1
            if found > most:
                break
        return found


def choose(first: float, last: float, rows: int, finest: BucketSize, calendar: Calendar) -> BucketSize:
    """The smallest of CHOICES, no finer than the counts kept (`finest` nests in it), whose
    buckets from `first` to `last` fit in `rows` rows (the largest when none does)."""
    for size in CHOICES:
        if size.seconds < finest.seconds or not nests(finest, size):
            continue
        if Buckets(size, calendar).count(first, last, rows) <= rows:
            return size
    return CHOICES[-1]

