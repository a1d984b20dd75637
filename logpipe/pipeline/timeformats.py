"""The timestamp formats logpipe recognises by itself (`FORMATS`, the Time section's
table), `--time-format`'s (`custom_format`), zones (`Zone`), and the pieces that turn a
format's match into epoch seconds. `timestamps.Clock` reads a file's lines with them."""
from __future__ import annotations

import calendar
import re
import time
from collections.abc import Callable
from typing import NamedTuple

# How far into a line a timestamp is looked for (HPC's epoch field is ~50 bytes in).
HEAD = 100

# A yearless line may lie this far after the file's reference time and still take the
# reference's year (clocks a little apart, a zone misread by up to a day).
YEAR_SLACK = 2 * 86400

# An epoch field is taken for a time only in this range (1990 .. 2100).
EPOCH_RANGE = (631152000, 4102444800)

MONTHS = {name: number for number, name in enumerate(
    [b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec"], 1)}
FULL_MONTHS = [b"January", b"February", b"March", b"April", b"May", b"June", b"July", b"August", b"September",
               b"October", b"November", b"December"]
_MON = rb"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_WDAY = rb"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_FRACTION = rb"(?:[.,](\d{1,9}))?"


class TimeFormatError(ValueError):
    """A --time-format or --tz that cannot be used."""


class Zone:
    """A time zone for times written without one: an IANA name, "UTC", or None for local
    time (the TZ environment variable, else the system's). Converts civil times to epoch
    seconds, caching each hour's start and length (DST changes on hour boundaries).

    A civil time that does not exist (in the hour skipped when clocks go forward) is the
    end of that gap: 02:30 on the night clocks go from 02:00 to 03:00 is 03:00, so that
    civil order stays time order. A time that exists twice (clocks going back) is its
    first occurrence."""

    def __init__(self, name: str | None = None) -> None:
        self.name = name
        self._hours: dict[tuple, tuple[float, float]] = {}
        if name is None:
            self._hour_start = self._local
        elif name.upper() in ("UTC", "Z", "GMT"):
            self._hour_start = self._utc
        else:
            try:
                from zoneinfo import ZoneInfo

                self._zone = ZoneInfo(name)
            except (ValueError, OSError, LookupError) as err:  # ZoneInfoNotFoundError is a KeyError
                raise TimeFormatError(f"unknown time zone {name!r} (an IANA name such as Europe/Paris, or UTC)") \
                    from err
            self._hour_start = self._zoneinfo

    @staticmethod
    def _utc(year: int, month: int, day: int, hour: int) -> float:
        return float(calendar.timegm((year, month, day, hour, 0, 0)))

    @staticmethod
    def _local(year: int, month: int, day: int, hour: int) -> float:
        from datetime import datetime

        return datetime(year, month, day, hour).timestamp()  # fold=0: a skipped hour starts at the gap

    def _zoneinfo(self, year: int, month: int, day: int, hour: int) -> float:
        from datetime import datetime

        return datetime(year, month, day, hour, tzinfo=self._zone).timestamp()

    def _hour(self, year: int, month: int, day: int, hour: int) -> tuple[float, float]:
        """(epoch of the hour's start, seconds missing at its start: a DST gap)."""
        start = self._hour_start(year, month, day, hour)
        if self._hour_start is self._utc:
            return start, 0.0
        from datetime import date, timedelta

        if hour < 23:
            following = self._hour_start(year, month, day, hour + 1)
        else:
            tomorrow = date(year, month, day) + timedelta(days=1)
            following = self._hour_start(tomorrow.year, tomorrow.month, tomorrow.day, 0)
        return start, max(0.0, 3600.0 - (following - start))

    def hour(self, year: int, month: int, day: int, hour: int) -> tuple[float, float]:
        """(epoch of the civil hour's start, seconds missing at its start: a DST gap);
        ValueError for a date that does not exist."""
        key = (year, month, day, hour)
        known = self._hours.get(key)
        if known is None:
            if len(self._hours) > 4096:
                self._hours.clear()
            _date(year, month, day)  # ValueError for 31 April (timegm would roll it over)
            known = self._hours[key] = self._hour(year, month, day, hour)
        return known

    def epoch(self, year: int, month: int, day: int, hour: int, minute: int, second: float) -> float:
        if hour == 24:  # 24:00:00, as some logs write midnight
            return self.epoch(year, month, day, 23, minute, second) + 3600
        start, missing = self.hour(year, month, day, hour)
        into = minute * 60 + second
        if missing:  # in a gap: its end
            return start + max(0.0, into - missing)
        return start + into

    def year_of(self, epoch: float) -> int:
        """The calendar year at `epoch` (in UTC: the slack around year inference covers the zone)."""
        return time.gmtime(epoch).tm_year


def _date(year: int, month: int, day: int):
    from datetime import date

    return date(year, month, day)


def _offset(zone: bytes) -> int | None:
    """Seconds east of UTC written in a line (Z, UTC, +01:00, -0800), None when absent."""
    if not zone:
        return None
    if zone in (b"Z", b"UTC", b"GMT"):
        return 0
    sign = -1 if zone[:1] == b"-" else 1
    digits = zone[1:].replace(b":", b"")
    hours, minutes = int(digits[:2]), int(digits[2:4])
    if hours > 23 or minutes > 59:
        raise ValueError("not a UTC offset")  # (_civil: no timestamp)
    return sign * (hours * 3600 + minutes * 60)


def _fraction(digits: bytes | None) -> float:
    return int(digits) / 10 ** len(digits) if digits else 0.0


class Format(NamedTuple):
    """One recognised timestamp format: `regex` finds it (bytes, multi-line mode, so
    `^` is a line start), `parse(match, clock)` turns the match into epoch seconds
    (or None for an impossible date). `daily`: the group of the seconds in a format
    whose stamp reads `HH:MM:SS` (two digits each), then at most a fraction (the next
    group) and a zone (the one after, if the regex has it), so that what comes before the
    hour names its day (`FileTimes.times_at` reads such stamps by their day); 0: not so."""

    name: str
    regex: re.Pattern
    parse: Callable
    example: bytes
    daily: int = 0


def _compile(pattern: bytes) -> re.Pattern:
    return re.compile(pattern, re.MULTILINE)


def _civil(clock, year: int | None, month: int, day: int, hour: int, minute: int, second: int,
           fraction: bytes | None = None, zone: bytes | None = None) -> float | None:
    """Epoch seconds of a civil time, filling a missing year and zone. What the date, the
    hour and the zone give (the hour's start, a DST gap at its start, the written offset)
    is worked out once per hour met (`clock.hours`); the minutes and seconds are added as
    `Zone.epoch` adds them, so the value is the same to the last bit."""
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour <= 24 and minute <= 59 and second <= 61):
        return None
    seconds = second + (int(fraction) / 10 ** len(fraction) if fraction else 0.0)
    if hour == 24:  # 24:00:00, as some logs write midnight: Zone.epoch's own way
        return _civil_value(clock, year, month, day, hour, minute, seconds, zone)
    key = (year, month, day, hour, zone)
    hours = clock.hours
    known = hours.get(key, _UNKNOWN)
    if known is _UNKNOWN:
        if len(hours) > 4096:
            hours.clear()
        known = hours[key] = _hour_base(clock, year, month, day, hour, zone)
    if known is None:  # 31 April and the like
        return None
    clock.last_hour = key  # (the hour a stamp was read in: `FileTimes.times_at` learns its day)
    start, missing, offset = known
    into = minute * 60 + seconds
    value = start + max(0.0, into - missing) if missing else start + into
    return value if offset is None else value - offset


_UNKNOWN = object()


def _hour_base(clock, year: int | None, month: int, day: int, hour: int,
               zone: bytes | None) -> tuple[float, float, int | None] | None:
    """(the hour's start, seconds missing at its start, the offset written) of a civil
    hour, as `Zone.hour` gives it; None for a date that does not exist."""
    try:
        if year is None:
            return (*clock.zone.hour(clock.year_of(month, day), month, day, hour), None)
        offset = _offset(zone)  # ValueError beyond ±23:59
        if offset is None:
            return (*clock.zone.hour(year, month, day, hour), None)
        return (*clock.utc.hour(year, month, day, hour), offset)
    except (ValueError, OverflowError):
        return None


def _civil_value(clock, year: int | None, month: int, day: int, hour: int, minute: int, seconds: float,
                 zone: bytes | None) -> float | None:
    try:
        if year is None:
            return clock.yearless(month, day, hour, minute, seconds)
        offset = _offset(zone)  # ValueError beyond ±23:59
        if offset is None:
            return clock.zone.epoch(year, month, day, hour, minute, seconds)
        return clock.utc.epoch(year, month, day, hour, minute, seconds) - offset
    except (ValueError, OverflowError):  # 31 April and the like
        return None


def _iso(m, clock):
    g = m.groups()
    return _civil(clock, int(g[0]), int(g[1]), int(g[2]), int(g[3]), int(g[4]), int(g[5]), g[6], g[7])


def _apache_error(m, clock):
    g = m.groups()
    return _civil(clock, int(g[6]), MONTHS[g[0]], int(g[1]), int(g[2]), int(g[3]), int(g[4]), g[5])


def _twelve_hour(m, clock):
    g = m.groups()
    hour = int(g[3]) % 12 + (12 if g[6] == b"PM" else 0)
    return _civil(clock, int(g[2]), MONTHS[g[0]], int(g[1]), hour, int(g[4]), int(g[5]))


def _access(m, clock):
    g = m.groups()
    return _civil(clock, int(g[2]), MONTHS[g[1]], int(g[0]), int(g[3]), int(g[4]), int(g[5]), g[6], g[7])


def _ymd(m, clock):  # nginx error 2026/11/30, HealthApp 20171223-22:15:29:606
    g = m.groups()
    return _civil(clock, int(g[0]), int(g[1]), int(g[2]), int(g[3]), int(g[4]), int(g[5]), g[6])


def _healthapp(m, clock):  # 20171223-22:15:35:11: milliseconds, not zero-padded
    g = m.groups()
    value = _civil(clock, int(g[0]), int(g[1]), int(g[2]), int(g[3]), int(g[4]), int(g[5]))
    return None if value is None else value + int(g[6]) / 1000


def _short_year(m, clock):  # Spark 17/06/09, HDFS 081109
    g = m.groups()
    fraction = g[6] if len(g) > 6 else None
    return _civil(clock, 2000 + int(g[0]), int(g[1]), int(g[2]), int(g[3]), int(g[4]), int(g[5]), fraction)


def _syslog(m, clock):
    g = m.groups()
    return _civil(clock, None, MONTHS[g[0]], int(g[1]), int(g[2]), int(g[3]), int(g[4]), g[5])


def _month_day(m, clock):  # Android 03-17, Proxifier [10.30, glog I1130
    g = m.groups()
    fraction = g[5] if len(g) > 5 else None
    return _civil(clock, None, int(g[0]), int(g[1]), int(g[2]), int(g[3]), int(g[4]), fraction)


def _glog(m, clock):
    g = m.groups()
    return _civil(clock, None, int(g[1]), int(g[2]), int(g[3]), int(g[4]), int(g[5]), g[6])


def _epoch(m, clock):
    digits, fraction = m.groups()
    value = int(digits) / 1000 if len(digits) == 13 else int(digits) + _fraction(fraction)
    return float(value) if EPOCH_RANGE[0] <= value <= EPOCH_RANGE[1] else None


# Every recognised format, most specific first: where two start at the same place in a
# line, the earlier one here wins; otherwise the one that starts first in the line does.
FORMATS: tuple[Format, ...] = (
    Format("ISO 8601 / RFC 3339", _compile(
        rb"(?<!\d)(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)" + _FRACTION
        + rb"(?: ?(Z|[+-]\d\d:?\d\d|UTC|GMT)(?!\w))?"), _iso, b"2026-11-30T17:53:34.123Z GET /", daily=6),
    Format("Apache error", _compile(
        _WDAY + rb" " + _MON + rb" ( ?\d{1,2}) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))? (\d{4})"), _apache_error,
        b"[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok"),
    Format("12-hour", _compile(
        _MON + rb" (\d{1,2}), (\d{4}),? (\d{1,2}):(\d\d):(\d\d) ?(AM|PM)"), _twelve_hour,
        b"Nov 30, 2026 5:53:34 PM org.apache.catalina.startup.Catalina start"),
    Format("Apache/nginx access", _compile(
        rb"(\d\d)/" + _MON + rb"/(\d{4}):(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))? ([+-]\d{4})"), _access,
        b'10.0.0.1 - - [30/Nov/2026:17:53:34 +0000] "GET / HTTP/1.1" 200 612'),
    Format("nginx error", _compile(
        rb"(?<!\d)(\d{4})/(\d\d)/(\d\d) (\d\d):(\d\d):(\d\d)" + _FRACTION), _ymd,
        b"2026/11/30 17:53:34 [error] 1234#0: *1 open() failed", daily=6),
    Format("HealthApp", _compile(
        rb"(?<!\d)(\d{4})(\d\d)(\d\d)-(\d\d?):(\d\d?):(\d\d?):(\d{1,3})(?!\d)"), _healthapp,
        b"20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3579"),
    Format("syslog RFC 3164", _compile(
        rb"(?<![A-Za-z])" + _MON + rb" {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(?!\d)"), _syslog,
        b"Nov 30 17:53:34 web01 sshd[42]: Accepted publickey for alice", daily=5),
    Format("glog/klog", _compile(
        rb"^([IWEF])(\d\d)(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?"), _glog,
        b"I1130 17:53:34.123456    1234 main.go:42] started", daily=6),
    Format("Android logcat", _compile(
        rb"^(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?"), _month_day,
        b"03-17 16:13:38.811  1702  2395 D WindowManager: printFreezingDisplayLogs", daily=5),
    Format("Spark (yy/mm/dd)", _compile(
        rb"^(\d\d)/(\d\d)/(\d\d) (\d\d):(\d\d):(\d\d)" + _FRACTION), _short_year,
        b"17/06/09 20:10:40 INFO executor.CoarseGrainedExecutorBackend: Registered", daily=6),
    Format("HDFS (yymmdd hhmmss)", _compile(
        rb"^(\d\d)(\d\d)(\d\d) (\d\d)(\d\d)(\d\d)(?= )"), _short_year,
        b"081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1"),
    Format("Proxifier", _compile(
        rb"^\[(\d\d)\.(\d\d) (\d\d):(\d\d):(\d\d)\]"), _month_day,
        b"[10.30 16:49:06] chrome.exe - proxy.cse.cuhk.edu.hk:5070 open through proxy"),
    Format("epoch seconds or milliseconds", _compile(
        rb"(?<![\w.:/-])(\d{10}|\d{13})(?:\.(\d{1,9}))?(?![\w:/-])"), _epoch,
        b"- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 RAS KERNEL INFO cache parity error"),
)



# -- where a line starts with a timestamp: multi-line records (issue 13) -------------

# What may come before a timestamp for a line to start with it: a `[`, a syslog
# `<PRI>1 `, up to four leading fields the first of which is an upper-case label or a
# number (BGL's `- 1117838570`, HPC's `134681 node-246 unix.hw state_change.unavailable
# 1077804742`), or a log file's name (OpenStack's `nova-api.log.1.2017-05-16_13:53:08`).
# Stricter than `Clock.find`, which takes a timestamp anywhere in the first HEAD bytes:
# `Killed process 1234567890` or `ValueError: bad date 2024-01-01 10:00:00` is a
# continuation line, not a new record. Nothing here accepts a line that begins with a
# space or a tab (multiline.py's prefilter relies on it).
LINE_LEAD = rb"(?:\[|<\d{1,3}>1 |[-A-Z\d]+ (?:[-\w.]+ ){0,3}|[\w.-]+\.log[\w.:-]* )"


def leading_timestamp(formats: tuple[Format, ...] = FORMATS) -> bytes:
    """The regex (bytes, for re.MULTILINE, matched at a line start) of a line that starts
    with a timestamp in one of `formats` (default: every recognised one; `--time-format`
    gives one), possibly after a `LINE_LEAD`: where a multi-line record begins."""
    stamps = rb"(?:" + b"|".join(fmt.regex.pattern for fmt in formats) + rb")"
    # never an indented line, whatever `formats` say (a --time-format may begin with %e or a space)
    return rb"(?![\t ])(?:|" + LINE_LEAD + rb")" + stamps  # no lead tried first: the common case

# -- --time-format ------------------------------------------------------------------

_DIRECTIVES = {
    b"Y": (b"year", rb"\d{4}"), b"y": (b"year2", rb"\d\d"), b"m": (b"month", rb"\d{1,2}"),
    b"d": (b"day", rb"\d{1,2}"), b"e": (b"day", rb" ?\d{1,2}"), b"H": (b"hour", rb"\d{1,2}"),
    b"I": (b"hour12", rb"\d{1,2}"), b"M": (b"minute", rb"\d\d"), b"S": (b"second", rb"\d\d"),
    b"f": (b"fraction", rb"\d{1,9}"), b"b": (b"mon", _MON[1:-1]), b"h": (b"mon", _MON[1:-1]),
    b"B": (b"month_name", b"|".join(FULL_MONTHS)), b"p": (b"ampm", rb"AM|PM|am|pm"),
    b"z": (b"zone", rb"Z|[+-]\d\d:?\d\d"), b"Z": (b"zone", rb"UTC|GMT|Z"), b"s": (b"epoch", rb"\d{9,13}"),
    b"j": (b"yday", rb"\d{1,3}"), b"a": (None, _WDAY), b"A": (None, rb"[A-Z][a-z]+day"),
}
_SHORTHANDS = {b"T": b"%H:%M:%S", b"F": b"%Y-%m-%d", b"D": b"%m/%d/%y", b"R": b"%H:%M"}


def custom_format(spec: str) -> Format:
    """A `Format` for a strptime-style `--time-format` (%Y %m %d %H %M %S %f %b %z ...)."""
    text = spec.encode()
    for short, long in _SHORTHANDS.items():
        text = text.replace(b"%" + short, long)
    pattern, seen, i = [], set(), 0
    while i < len(text):
        char = text[i:i + 1]
        if char != b"%":
            pattern.append(rb" +" if char == b" " else re.escape(char))
            i += 1
            continue
        code = text[i + 1:i + 2]
        i += 2
        if code == b"%":
            pattern.append(b"%")
            continue
        if code not in _DIRECTIVES:
            raise TimeFormatError(f"--time-format {spec!r}: unknown directive %{code.decode(errors='replace')}")
        name, regex = _DIRECTIVES[code]
        if name is None:
            pattern.append(b"(?:" + regex + b")")
            continue
        if name in seen:
            raise TimeFormatError(f"--time-format {spec!r}: %{code.decode()} given twice")
        seen.add(name)
        pattern.append(b"(?P<" + name + b">" + regex + b")")
    if not seen & {b"epoch", b"hour", b"hour12"}:
        raise TimeFormatError(f"--time-format {spec!r} has no time of day (%H or %I) and no %s")
    return Format(f"--time-format {spec}", _compile(b"".join(pattern)), _custom, b"")


def _custom(m, clock):
    g = m.groupdict()
    if g.get("epoch"):
        return _epoch(re.match(rb"(\d+)()", g["epoch"]), clock) if len(g["epoch"]) in (10, 13) \
            else float(int(g["epoch"]))
    year = int(g["year"]) if g.get("year") else 2000 + int(g["year2"]) if g.get("year2") else None
    if g.get("month"):
        month = int(g["month"])
    elif g.get("mon"):
        month = MONTHS[g["mon"]]
    elif g.get("month_name"):
        month = FULL_MONTHS.index(g["month_name"]) + 1
    else:
        month = 1
    day = int(g["day"]) if g.get("day") else 1
    if g.get("yday") and year is not None:
        stamp = time.strptime(f"{year} {int(g['yday'])}", "%Y %j")
        month, day = stamp.tm_mon, stamp.tm_mday
    if g.get("hour12"):
        hour = int(g["hour12"]) % 12 + (12 if g.get("ampm", b"").upper() == b"PM" else 0)
    else:
        hour = int(g.get("hour") or 0)
    return _civil(clock, year, month, day, hour, int(g.get("minute") or 0), int(g.get("second") or 0),
                  g.get("fraction"), g.get("zone"))
