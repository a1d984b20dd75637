"""Timestamps inside log lines: recognise them, parse them into epoch seconds.

A `Clock` reads one file's timestamps. The first line that carries one locks the clock
to that line's format; later lines are parsed with that format alone, and a line it does
not fit is looked at with every format again (the file may change format, or the line
may be a continuation line, which has none). Every format is searched near the start
of a line only (the first `HEAD` bytes), so a leading `[`, a syslog `<PRI>1 ` or a few
leading fields (BGL's `- 1117838570`, OpenStack's file name) are passed over, and a
date deep in a message is never taken for the line's time.

Missing parts are filled as users expect:
- no year (syslog, Android, Proxifier, glog): the year that puts the line nearest
  before the file's reference time (its mtime, or the mtime in its gzip header), so a
  file running from December into January gets both years right;
- no zone: the clock's zone (`--tz ZONE`, an IANA name or UTC), else local time (TZ).

Nothing is decoded: the regexes run on bytes. Only the lines whose time is needed are
parsed (matched lines, and a few per block where time bounds can save reading).

    >>> clock = Clock(zone="UTC", reference=1796000000.0)
    >>> clock.time_of(b"2026-11-30T17:53:34.5Z sshd[1]: hello")
    1796060014.5
    >>> clock.starts_with_timestamp(b"    at java.lang.Thread.run(Thread.java:748)")
    False

`FileTimes` adds what one file's blocks need: a line without a timestamp of its own
(a continuation line) takes the time of the nearest line before it that has one,
also across block boundaries.
"""
from __future__ import annotations

import functools
import os
import re
import time

from .timeformats import FORMATS, HEAD, YEAR_SLACK, Format, Zone, _fraction, _offset

__all__ = ["Clock", "FileTimes", "reference_time", "rfc3339"]

DAYS_KEPT = 4096
_UNREAD = object()  # days remembered per format and file (`FileTimes.times_at`)

# -- the clock ----------------------------------------------------------------------


class Clock:
    """Reads the timestamps of one file's lines.

    `zone`: for times written without a zone (a `Zone`, a name, or None: local time).
    `reference`: epoch seconds the file's yearless times lie just before (its mtime;
    default: now). `formats`: the formats tried (default `FORMATS`; `--time-format`
    gives one). The format found in a line is locked for the next lines.
    """

    def __init__(self, zone: Zone | str | None = None, reference: float | None = None,
                 formats: tuple[Format, ...] = FORMATS) -> None:
        self.zone = zone if isinstance(zone, Zone) else Zone(zone)
        self.utc = Zone("UTC")
        self.reference = time.time() if reference is None else reference
        self.formats = formats
        self.format: Format | None = None  # the locked format
        self._last_text, self._last_value = None, None  # the last timestamp parsed with it
        self._column = None  # where in its line the locked format was last found (from the line's start)
        self._bad_text = None  # the last impossible date found there
        self._years: dict[tuple[int, int], int] = {}
        self.hours: dict[tuple, tuple | None] = {}  # what each civil hour met gives (`timeformats._civil`)
        self.last_hour: tuple | None = None  # the key in `hours` of the last stamp parsed

    def yearless(self, month: int, day: int, hour: int, minute: int, seconds: float) -> float:
        """A time written without a year: in the year that puts it nearest before the reference."""
        return self.zone.epoch(self.year_of(month, day), month, day, hour, minute, seconds)

    def year_of(self, month: int, day: int) -> int:
        """The year of a yearless `month`/`day`: the one that puts it nearest before the reference."""
        year = self._years.get((month, day))
        if year is None:
            year = self.zone.year_of(self.reference)
            for _ in range(8):  # 29 February: back to a leap year
                try:
                    if self.zone.epoch(year, month, day, 0, 0, 0) <= self.reference + YEAR_SLACK:
                        break
                except ValueError:
                    pass
                year -= 1
            self._years[(month, day)] = year
        return year

    def find(self, data: bytes, pos: int = 0, endpos: int | None = None) -> tuple[re.Match, float] | None:
        """The timestamp at the head of the line starting at `data[pos]` (which must be a
        line start), as (match, epoch seconds); None if it has none. Locks the format."""
        if endpos is None or endpos > pos + HEAD:
            endpos = min(len(data), pos + HEAD)
        if endpos <= pos:  # an empty line
            return None
        locked = self.format
        if locked is not None:
            m = locked.regex.search(data, pos, endpos)
            if m is not None:
                text = m.group()
                if text == self._last_text:  # lines of the same second (or millisecond)
                    return m, self._last_value
                if text == self._bad_text and m.start() - pos == self._column:
                    return None
                value = locked.parse(m, self)
                if value is not None:
                    self._last_text, self._last_value, self._column = text, value, m.start() - pos
                    return m, value
                if m.start() - pos == self._column:
                    # the file's own format in its own place, with an impossible date (Dec 87
                    # 88:77:97): a line without a timestamp, not one to look at with every format
                    self._bad_text = text
                    return None
        for fmt in self.formats:  # first at the line's very start (cheap: anchored), in the formats' order
            if fmt is not locked:
                m = fmt.regex.match(data, pos, endpos)
                if m is not None:
                    value = fmt.parse(m, self)
                    if value is not None:
                        self.format, self._column = fmt, 0
                        return m, value
        best = None
        for fmt in self.formats:
            if fmt is locked:
                continue
            m = fmt.regex.search(data, pos, endpos)
            if m is not None and (best is None or m.start() < best[0].start()):
                value = fmt.parse(m, self)
                if value is not None:
                    best = (m, value, fmt)
                    if m.start() == pos:  # at the line's very start: no later format starts earlier
                        break
        if best is None:
            return None
        self.format = best[2]
        self._column = best[0].start() - pos
        return best[0], best[1]

    def time_of(self, line: bytes) -> float | None:
        """Epoch seconds of the timestamp at the head of `line`, None if it has none."""
        found = self.find(line, 0, len(line))
        return None if found is None else found[1]

    def starts_with_timestamp(self, line: bytes, pos: int = 0, endpos: int | None = None) -> bool:
        """Whether the line (at `pos` in `line`) carries a timestamp of its own: the cheap
        test for where a multi-line record begins (no conversion with the locked format)."""
        if endpos is None:
            end = line.find(b"\n", pos)
            endpos = len(line) if end < 0 else end
        locked = self.format
        if locked is not None and locked.regex.search(line, pos, min(endpos, pos + HEAD)) is not None:
            return True
        return self.find(line, pos, endpos) is not None

    def stamped_starts(self, data: bytes, start: int = 0, end: int | None = None) -> list[int]:
        """The offsets of the lines of `data[start:end]` that carry a timestamp (`start`
        must be a line start): where each multi-line record of a block begins."""
        end = len(data) if end is None else end
        found, pos, find = [], start, data.find
        while pos < end:
            line_end = find(b"\n", pos, end)
            if line_end < 0:
                line_end = end
            if self.starts_with_timestamp(data, pos, line_end):
                found.append(pos)
            pos = line_end + 1
        return found

    def last_time(self, data: bytes, start: int = 0, end: int | None = None) -> tuple[int, float] | None:
        """(line start, time) of the last line of `data[start:end]` that has a timestamp."""
        end = len(data) if end is None else end
        if end > start and data[end - 1] == 10:
            end -= 1
        while end >= start:
            line_start = data.rfind(b"\n", start, end) + 1 or start
            found = self.find(data, line_start, end)
            if found is not None:
                return line_start, found[1]
            if line_start <= start:
                return None
            end = line_start - 1
        return None

    def sample_times(self, data: bytes, count: int, start: int = 0, end: int | None = None) -> list[float]:
        """The times of up to `count` lines spread evenly over `data[start:end]`, in order:
        enough to tell whether a stretch of a file is in time order, parsing few lines."""
        end = len(data) if end is None else end
        step = max((end - start) // count, 1)
        found, pos = [], start
        for i in range(count):
            at = max(pos, start + i * step)
            if at >= end:
                break
            if at == start or data[at - 1] == 10:
                line_start = at
            else:
                line_start = data.find(b"\n", at, end) + 1
                if not line_start:
                    break
            hit = self.first_time(data, line_start, end, limit=4)
            if hit is None:
                continue
            found.append(hit[1])
            pos = data.find(b"\n", hit[0], end) + 1 or end
        return found

    def first_time(self, data: bytes, start: int = 0, end: int | None = None,
                   limit: int | None = None) -> tuple[int, float] | None:
        """(line start, time) of the first line of `data[start:end]` with a timestamp,
        looking at no more than `limit` lines."""
        end = len(data) if end is None else end
        pos, find, lines = start, data.find, 0
        while pos < end and (limit is None or lines < limit):
            line_end = find(b"\n", pos, end)
            if line_end < 0:
                line_end = end
            found = self.find(data, pos, line_end)
            if found is not None:
                return pos, found[1]
            pos, lines = line_end + 1, lines + 1
        return None


class FileTimes:
    """The times of one file's lines, seen block by block (`see(block)` for each).

    `time_at(offset, line)` gives a line's own timestamp, or for a continuation line
    the time of the nearest line before it that has one: in the current block, else
    the last one of the blocks before. `missing` counts lines looked at that had no
    timestamp of their own.
    """

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.data = b""
        self.offset = 0       # file offset of the current block
        self.carry = None     # time of the last stamped line before the current block
        self.missing = 0
        self.seen_any = False  # whether any timestamp was found in the file
        self._memo = None     # (offset in the block, time) of the last continuation line looked up
        self._days: dict[str, dict[bytes, float | bool]] = {}  # per daily format: a day's text -> its start
        self._utc_days: dict[bytes, float] = {}  # a day's text -> its start in UTC (stamps with a zone written)
        self._offsets: dict[bytes, int | None] = {}  # a zone written -> its offset (None: not one `_civil` takes)

    def days(self, fmt: Format | None) -> dict[bytes, float | bool] | None:
        """The days `fmt`'s stamps were read in, by their text (`FileTimes.times_at`):
        each one's start, or False for a day whose hours do not all last an hour; None
        for a format that is not `daily`."""
        if fmt is None or not fmt.daily:
            return None
        return self._days.setdefault(fmt.name, {})

    def learn_day(self, days: dict, text: bytes, key: tuple) -> None:
        """Keep in `days` under `text` the start of the day of `key` (an entry of `hours`:
        year or None, month, day, hour, zone written) when each of its 24 hours starts an
        hour after the one before, in whole seconds, none opening on a DST gap; else False."""
        clock = self.clock
        year, month, day, _, zone = key
        if zone is not None:  # a zone written: the day in UTC (always 24 even hours), the offset apart
            days = self._utc_days
            if text in days or year is None:
                return
        elif text in days:
            return
        if len(days) >= DAYS_KEPT:
            days.clear()
        zone_of_day = clock.zone if zone is None else clock.utc
        try:
            hours = [zone_of_day.hour(clock.year_of(month, day) if year is None else year, month, day, hour)
                     for hour in range(24)]
        except (ValueError, OverflowError):
            days[text] = False
            return
        first = hours[0][0]
        even = first.is_integer() and all(start == first + 3600 * hour and not missing
                                          for hour, (start, missing) in enumerate(hours))
        days[text] = first if even and first else False

    def _by_day(self, m: re.Match, text: bytes, seconds: int, days: dict) -> float | None:
        """`times_at`'s reading by day of a stamp with a fraction or a zone after its seconds
        (group `seconds` of `m`, the fraction the next, the zone the one after): the value
        `_civil` gives, worked out the same way to the last bit (the hour's start, then
        minutes and seconds with the fraction, then the offset written); None when its day
        is not known (or has a DST change), or any part is not what `_civil` takes."""
        cut = m.end(seconds) - m.start()
        zone = m.group(seconds + 2) if m.re.groups >= seconds + 2 else None
        if zone is None:
            day_start = days.get(text[:cut - 8])
            offset = None
        else:
            day_start = self._utc_days.get(text[:cut - 8])
            offset = self._offsets.get(zone, _UNREAD)
            if offset is _UNREAD:
                try:
                    offset = _offset(zone)
                except ValueError:
                    offset = None
                self._offsets[zone] = offset
            if offset is None:
                return None
        if not day_start:
            return None
        hours, _, minutes, seconds_of = _clock_tables()
        hour, minute, second = hours.get(text[cut - 8:cut - 6]), minutes.get(text[cut - 5:cut - 3]), \
            seconds_of.get(text[cut - 2:cut])
        if hour is None or minute is None or second is None:
            return None
        fraction = m.group(seconds + 1)
        into = minute + (second + _fraction(fraction))  # (as `_civil` adds them)
        value = (day_start + hour) + into
        return value if offset is None else value - offset

    def see(self, data: bytes, offset: int) -> None:
        """The next block (its data, and its offset in the file)."""
        if self.data:
            last = self.clock.last_time(self.data)
            if last is not None:
                self.carry = last[1]
                self.seen_any = True
        self.data, self.offset, self._memo = data, offset, None

    def time_at(self, offset: int, line: bytes) -> float | None:
        """The time of the line that starts at file `offset` (its bytes: `line`)."""
        own = self.clock.find(line, 0, len(line))  # one search with the locked format, in the common case
        if own is not None:
            self.seen_any = True
            return own[1]
        self.missing += 1
        rel = offset - self.offset
        data = self.data
        if not 0 < rel <= len(data):
            return self.carry
        memo = self._memo  # (where the last lookup stood, its time): no line is scanned twice
        if memo is not None and memo[0] >= rel:  # just after the line looked up last: its time
            if memo[0] == rel:
                self._memo = (min(rel + len(line) + 1, len(data)), memo[1])
                return memo[1]
        if memo is not None and memo[0] <= rel:
            found = self.clock.last_time(data, memo[0], rel)
            value = memo[1] if found is None else found[1]
        else:
            found = self.clock.last_time(data, 0, rel)
            value = self.carry if found is None else found[1]
        if found is not None:
            self.seen_any = True
        # this line has no timestamp either: the next lookup starts after it
        self._memo = (min(rel + len(line) + 1, len(data)), value)
        return value


    def times_at(self, offset: int, data: bytes, starts, ends) -> list:
        """`time_at` for many lines at once: line i is `data[starts[i]:ends[i]]`, `data`
        starting at file `offset` (the current block, or a run of its lines). Each line's
        own timestamp is read in place with the locked format (`Clock.find`'s first step,
        here in one loop); any other line (none found there, an impossible date, no format
        locked yet) goes the whole way, through `time_at`.

        A stamp of a `daily` format that ends in `HH:MM:SS` is read by its day: the text
        before them is looked up among the days this file's stamps were read in whose 24
        hours each start an hour after the last (no DST change: `learn_day`), and
        its hours, minutes and seconds added to the day's start as `_civil` adds them to
        the hour's, so the value is the same to the last bit; the first stamp of each day
        (and every stamp of a day with a DST change) is parsed whole."""
        clock = self.clock
        times = []
        append = times.append
        locked = clock.format
        search = locked.regex.search if locked is not None else None
        days = self.days(locked)
        hours, minutes_seconds, _, _ = _clock_tables()
        hour_of, into_of = hours.get, minutes_seconds.get
        last_text, last_value = clock._last_text, clock._last_value
        for start, end in zip(starts, ends):
            if search is not None:
                m = search(data, start, end if end - start < HEAD else start + HEAD)
                if m is not None:
                    text = m.group()
                    if text == last_text:  # lines of the same second
                        append(last_value)
                        continue
                    if days is not None:
                        if text[-6] == 58 and text[-3] == 58:  # b":": HH:MM:SS and nothing after
                            day_start = days.get(text[:-8])
                            if day_start:  # (False: a day with a DST change)
                                into, hour = into_of(text[-5:]), hour_of(text[-8:-6])
                                if into is not None and hour is not None:
                                    last_text, last_value = text, day_start + (hour + into)
                                    clock._column = m.start() - start
                                    append(last_value)
                                    continue
                        else:  # a fraction or a zone after the seconds
                            value = self._by_day(m, text, locked.daily, days)
                            if value is not None:
                                last_text, last_value, clock._column = text, value, m.start() - start
                                append(value)
                                continue
                    clock.last_hour = None
                    value = locked.parse(m, clock)
                    if value is not None:
                        last_text, last_value, clock._column = text, value, m.start() - start
                        if days is not None and clock.last_hour is not None:
                            self.learn_day(days, text[:m.end(locked.daily) - m.start() - 8], clock.last_hour)
                        append(value)
                        continue
            clock._last_text, clock._last_value = last_text, last_value
            append(self.time_at(offset + start, data[start:end]))  # (it may lock a format)
            last_text, last_value = clock._last_text, clock._last_value
            if clock.format is not locked:
                locked = clock.format
                search = locked.regex.search if locked is not None else None
                days = self.days(locked)
        clock._last_text, clock._last_value = last_text, last_value
        if times and not self.seen_any and any(moment is not None for moment in times):
            self.seen_any = True
        return times


@functools.cache
def _clock_tables() -> tuple[dict[bytes, int], ...]:
    """`HH` -> seconds into the day, `MM:SS` -> seconds into the hour, and (for stamps
    with a fraction) `MM` -> seconds, `SS` -> seconds, for every hour, minute
    and second `_civil` reads in an hour of its own (24:00 is read another way; a
    leap second 60 or 61 runs into the next minute, as there). Made when first needed (a
    histogram's), not at import: 3,720 entries cost a millisecond."""
    digits = [b"%02d" % number for number in range(62)]
    return ({digits[hour]: hour * 3600 for hour in range(24)},
            {digits[minute] + b":" + digits[second]: minute * 60 + second
             for minute in range(60) for second in range(62)},
            {digits[minute]: minute * 60 for minute in range(60)}, {digits[second]: second for second in range(62)})


def reference_time(path: str, raw=None, codec: str = "plain") -> float:
    """The time a file's yearless timestamps lie before: the mtime in its gzip header
    when it has one, else the file's mtime; now for standard input."""
    if path == "-" or raw is None:
        return time.time()
    try:
        fd = raw.fileno()
        if codec == "gzip":
            header = os.pread(fd, 8, 0)
            mtime = int.from_bytes(header[4:8], "little") if len(header) == 8 else 0
            if mtime:
                return float(mtime)
        return os.fstat(fd).st_mtime
    except (OSError, AttributeError, ValueError):  # a pipe, a fake file
        try:
            return os.stat(path).st_mtime
        except OSError:
            return time.time()


def rfc3339(epoch: float) -> str:
    """`2026-11-30T17:53:34.123Z` (UTC, milliseconds when there is a fraction)."""
    whole = int(epoch // 1)
    text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))
    millis = int(round((epoch - whole) * 1000))
    if millis >= 1000:
        text, millis = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole + 1)), 0
    return f"{text}.{millis:03d}Z" if millis else text + "Z"
