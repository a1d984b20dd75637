"""--since / --until: parse the bounds, and keep only the lines between them.

`TimeWindow` is the shared piece behind three stages of each backend:

    opener → skip_by_time → cat → time_window → grep → stamp → printer

- `open(file)` (skip_by_time): the one skip, a file last modified more than `MTIME_SLACK`
  before `--since` (its lines were all written before its mtime, or the mtime its gzip
  header kept; the slack covers a zone misread and clocks apart). Nothing is concluded
  from the file's own timestamps: a log can go back in time (two runs concatenated, a
  restart with a wrong clock), and no sample of its lines proves that it does not, so
  every other file is read whole: the same lines as a full scan, for every file.
- `block(block)` (time_window): gives up a file with no timestamp in its first
  `TIMELESS_PROBE` bytes, and stops one whose `-m` is reached.
- `stamp(record)` (stamp): the exact test, on the matched lines only: each selected or
  context line whose time (its own, or for a continuation line the previous line's) is
  outside the bounds is dropped; `-m`, `-c`, `-l`, `-L` count only the lines kept.
  With `--json` or `--sort time` each kept line carries its time; a histogram without
  bounds gets a block's selected lines at once (`Hits`, `Lines`) and their times as a list.

Both bounds are inclusive. A file in which no timestamp is recognised (in its first
`TIMELESS_PROBE` bytes) is not searched and does not make the exit status 2.
"""
from __future__ import annotations

import io
import os
import re
import time
from itertools import accumulate

from .blocksearch import Quota
from .codecs import OpenLog
from ..messages import Messages
from ..records import SKIP_FILE, Block, FileEnd, Hits, Lines, Match, RecordMatch
from ..stats import Stats
from .timeformats import FORMATS, TimeFormatError, Zone, custom_format
from .timestamps import Clock, FileTimes, reference_time

__all__ = ["MTIME_SLACK", "TimeWindow", "parse_bound", "TimeFormatError"]

MTIME_SLACK = 2 * 86400.0    # a file modified this long before --since is skipped unread
TIMELESS_PROBE = 64 * 1024   # bytes without any timestamp after which a file is given up

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d|w)$", re.IGNORECASE)
_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DATE_TIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?"
    r"\s*(Z|UTC|[+-]\d{2}:?\d{2})?$", re.IGNORECASE)
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?$")


def parse_bound(text: str, now: float | None = None, zone: str | None = None) -> float:
    """Epoch seconds for a --since/--until value: `2026-11-30`, `2026-11-30 02:10[:05]`,
    `2026-11-30T02:10:05Z`, `02:10` (today), `yesterday`, `today`, `now`, a duration
    before now (`2h`, `90m`, `3d`, `45s`, `1w`), or one of the everyday forms of
    `timephrases` (`1h ago`, `-3h`, `2pm yesterday`, `last monday`, `Dec 1 12:00`). A
    date alone is its midnight; without a zone, the time is in `zone` (--tz) or local
    time; a time skipped by a DST change is the end of the gap."""
    now = time.time() if now is None else now
    clock_zone = Zone(zone)
    value = text.strip()
    word = value.lower()
    if word == "now":
        return now
    if word in ("today", "yesterday"):
        day = _local_date(now, zone)
        midnight = clock_zone.epoch(*day, 0, 0, 0)
        return midnight if word == "today" else _shift_days(midnight, -1, clock_zone)
    m = _DURATION.match(value)
    if m:
        return now - float(m.group(1)) * _UNITS[m.group(2).lower()]
    m = _TIME.match(value)
    if m:
        hour, minute, second = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
        _check_clock(text, hour, minute, second)
        fraction = int(m.group(4)) / 10 ** len(m.group(4)) if m.group(4) else 0.0
        return clock_zone.epoch(*_local_date(now, zone), hour, minute, second + fraction)
    m = _DATE_TIME.match(value)
    if m:
        year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
        hour, minute, second = int(m.group(4) or 0), int(m.group(5) or 0), int(m.group(6) or 0)
        _check_clock(text, hour, minute, second)
        fraction = int(m.group(7)) / 10 ** len(m.group(7)) if m.group(7) else 0.0
        try:
            from datetime import date

            date(year, month, day)
            if m.group(8):
                offset = m.group(8).upper()
                seconds = 0 if offset in ("Z", "UTC") else _offset_seconds(text, offset)
                return Zone("UTC").epoch(year, month, day, hour, minute, second + fraction) - seconds
            return clock_zone.epoch(year, month, day, hour, minute, second + fraction)
        except OverflowError:
            raise ValueError(f"{text!r} is not a valid date") from None
        except ValueError as err:
            if "UTC offset" in str(err):
                raise
            raise ValueError(f"{text!r} is not a valid date") from None
    from .timephrases import parse_phrase  # the everyday forms: imported only for them

    return parse_phrase(text, now, clock_zone)


def _offset_seconds(text: str, offset: str) -> int:
    hours, minutes = int(offset[1:3]), int(offset[-2:])
    if hours > 23 or minutes > 59:
        raise ValueError(f"{text!r}: {offset} is not a UTC offset (at most ±23:59)")
    return (-1 if offset[0] == "-" else 1) * (hours * 3600 + minutes * 60)


def _check_clock(text: str, hour: int, minute: int, second: int) -> None:
    if hour > 23 or minute > 59 or second > 60:
        raise ValueError(f"{text!r} is not a valid time of day")


def _local_date(epoch: float, zone: str | None) -> tuple[int, int, int]:
    if zone is None:
        stamp = time.localtime(epoch)
        return stamp.tm_year, stamp.tm_mon, stamp.tm_mday
    if zone.upper() in ("UTC", "Z", "GMT"):
        stamp = time.gmtime(epoch)
        return stamp.tm_year, stamp.tm_mon, stamp.tm_mday
    from datetime import datetime
    from zoneinfo import ZoneInfo

    day = datetime.fromtimestamp(epoch, ZoneInfo(zone))
    return day.year, day.month, day.day


def _shift_days(midnight: float, days: int, zone: Zone) -> float:
    stamp = time.gmtime(midnight + days * 86400 + 43200)  # noon of the other day, then its midnight
    return zone.epoch(stamp.tm_year, stamp.tm_mon, stamp.tm_mday, 0, 0, 0)


class _FileState:
    """What the window knows of the file being read."""

    def __init__(self, file: OpenLog, clock: Clock, max_count: int | None = None) -> None:
        self.name = file.name
        self.times = FileTimes(clock)
        self.read = 0           # bytes of blocks seen
        self.searched = 0       # blocks handed to grep
        self.stopped = False    # no more of this file is wanted
        self.quota = Quota(max_count)  # lines kept (for -m, -c, -l, -L)
        self.trailing = 0       # after-context lines still printed after -m was reached
        self.timeless = False


class TimeWindow:
    """The time stages' shared piece for one chain of files (one file at a time)."""

    def __init__(self, *, since: float | None = None, until: float | None = None, zone: str | None = None,
                 time_format: str | None = None, attach: bool = False, sorting: bool = False,
                 max_count: int | None = None, after: int = 0, swallow: bool = False,
                 line_numbers: bool = False, messages: Messages | None = None, stats: Stats | None = None) -> None:
        self.since, self.until = since, until
        self.bounded = since is not None or until is not None
        self.zone = Zone(zone)
        self.formats = FORMATS if time_format is None else (custom_format(time_format),)
        self.attach = attach        # put each kept line's time in its record (JSON, --sort time, --histogram)
        self.sorting = sorting
        self.max_count = max_count
        self.after = after
        self.swallow = swallow      # -c, -l, -L: lines are counted, not printed
        self.line_numbers = line_numbers
        self.messages = messages or Messages()
        self.stats = stats
        self.low = -float("inf") if since is None else since
        self.high = float("inf") if until is None else until
        self.state: _FileState | None = None

    @classmethod
    def from_options(cls, options, limits: dict, messages: Messages | None = None,
                     stats: Stats | None = None) -> TimeWindow:
        """The window for `options`; `limits` (max_count, after, swallow) are the plan's
        (`logpipe.plan`): -m and what is counted rather than printed, with bounds."""
        return cls(since=options.since, until=options.until, zone=options.tz, time_format=options.time_format,
                   attach=options.json or options.sort == "time" or options.mode == "histogram",
                   sorting=options.sort == "time" and not options.summary,
                   line_numbers=options.line_numbers, messages=messages, stats=stats, **limits)

    # -- files ------------------------------------------------------------------------

    def open(self, file: OpenLog) -> bool:
        """A new file: whether to hand it on (always, today: a file that cannot hold a line
        after --since goes on empty). That is the one skip: a file last modified more than
        MTIME_SLACK before --since (its own mtime, or the one gzip kept: the later of the
        two, so a copy or a re-compression is safe) holds no line written after it. Nothing
        is judged from the file's timestamps themselves: a log may go back in time (a
        restart with a wrong clock, a replayed file), so every other file is read whole and
        each matched line tested."""
        if not self.begin(file):
            return self._skip(file)
        return True

    def begin(self, file) -> bool:
        """A new file (an `OpenLog`, or a file --tail follows): its state set up, and
        whether it may hold lines since --since (False: it was last modified more than
        MTIME_SLACK before; `open` skips it, --tail follows it from its end)."""
        raw = getattr(file, "raw", None)
        clock = Clock(self.zone, reference_time(file.path, raw, file.codec), self.formats)
        self.state = _FileState(file, clock, self.max_count)
        if self.since is None or file.path == "-":
            return True
        try:
            info = os.fstat(raw.fileno())
        except (OSError, AttributeError, ValueError):  # not a real file: read it all
            return True
        return max(info.st_mtime, clock.reference) >= self.since - MTIME_SLACK

    def _skip(self, file: OpenLog) -> bool:
        """A file whose times miss the bounds goes on empty, unread: its end still flows,
        so that -c prints 0 for it and -L lists it, as for any file without a match."""
        if self.stats is not None:
            self.stats.files_skipped_by_time += 1
        self.state = None
        file.stream = io.BytesIO()
        return True

    # -- blocks -----------------------------------------------------------------------

    def block(self, block: Block) -> tuple[Block | None, str | None]:
        """The block to search (or None), and the verdict for upstream (SKIP_FILE: stop the
        file: -m reached, or no timestamp in its first TIMELESS_PROBE bytes)."""
        state = self.state
        if block.last or state is None or not block.data:  # (an empty block: --tail's "quiet now")
            return block, None
        if state.stopped or state.quota.full:
            return None, SKIP_FILE
        if block.long_line is not None:  # a piece of an over-long line: no time to read there
            state.searched += 1
            return block, None
        times = state.times
        times.see(block.data, block.offset)
        state.read += len(block.data)
        if self.bounded and not times.seen_any and state.read >= TIMELESS_PROBE \
                and times.clock.first_time(block.data) is None:
            state.timeless = state.stopped = True
            self.messages.note("timeless", state.name)
            return None, SKIP_FILE
        state.searched += 1
        return block, None

    # -- records ----------------------------------------------------------------------

    def stamp(self, record):
        """The record to pass on (with its time, if asked), or None to drop it."""
        state = self.state
        kind = record.__class__
        if kind is FileEnd:
            return self._file_end(record)
        if state is None:
            return record
        if kind is RecordMatch:  # --records: a record's time is its first line's
            end = record.text.find(b"\n")
            first = record.text if end < 0 else record.text[:end]
            timed = state.times.time_at(record.offset, first)
            stamped = self._test(state, timed, record.context, record.offset + len(record.text) + 1)
            if stamped is None:
                return None
            return record._replace(time=timed) if self.attach and timed is not None else record
        if kind is Hits or kind is Lines:  # a block's selected lines at once (a histogram without bounds)
            return self._stamp_all(state, record)
        if kind is not Match:  # a binary file, an over-long line: no time to test
            if self.bounded and not getattr(record, "unread", False):  # (an unread one is not selected)
                if state.quota.full:
                    return None
                self._select(state, getattr(record, "offset", 0))
            return record
        moment = state.times.time_at(record.offset, record.line)
        if self._test(state, moment, record.context, record.offset + len(record.line) + 1) is None:
            return None
        if self.attach and moment is not None:
            return Match(record.name, record.line_number, record.offset, record.line, record.context, moment)
        return record

    def _stamp_all(self, state: _FileState, record):
        """`Hits` or `Lines` with each line's time (`Plan` asks grep for them only where no
        line is tested against bounds or limited: every line is kept)."""
        if self.bounded:  # a plan that asked for both is a bug: no line may be counted untested
            raise RuntimeError("lines in bulk are not tested against time bounds")
        if record.__class__ is Hits:
            times = state.times.times_at(record.offset, record.data, record.starts, record.ends)
        else:
            lines = record.lines()
            starts = [0]
            starts += accumulate(map((1).__add__, map(len, lines)))
            ends = list(map(int.__add__, starts, map(len, lines)))
            times = state.times.times_at(record.offset, bytes(record.data), starts, ends)
        return record._replace(times=times)

    def _test(self, state: _FileState, moment: float | None, context: bool, end: int) -> bool | None:
        """None when a line (or record) at `moment`, ending at byte `end`, is to be dropped:
        outside the bounds, or past -m; counts it as selected otherwise."""
        if not self.bounded:
            return True
        if moment is None or not self.low <= moment <= self.high:
            return None
        if context:
            if state.quota.full:
                if state.trailing <= 0:
                    return None
                state.trailing -= 1
        else:
            if state.quota.full:
                return None
            self._select(state, end)
        if self.swallow:
            return None
        return True

    def _select(self, state: _FileState, end: int) -> None:
        if state.quota.take(1, end):
            state.trailing = self.after

    def _file_end(self, end: FileEnd) -> FileEnd:
        state, self.state = self.state, None
        if state is None:
            return end
        times = state.times
        times.see(b"", 0)  # the last block's last time: whether the file had any, and where it ends
        if self.stats is not None:
            self.stats.lines_without_timestamp += times.missing
            if self.bounded and not state.searched and not state.timeless and state.read:
                self.stats.files_skipped_by_time += 1
        if not times.seen_any and not state.timeless and (
                (self.bounded and state.read) or (self.sorting and end.count)):
            self.messages.note("timeless" if self.bounded else "unsorted", state.name)
        if self.bounded:
            end = end._replace(count=state.quota.count, stop=state.quota.stop)
        if self.sorting and self.swallow:  # -c, -l, -L: the file's line comes at its last line's time
            end = end._replace(time=times.carry)
        return end
