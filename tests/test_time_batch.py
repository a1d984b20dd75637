"""The histogram's block paths against the line-by-line ones they stand for:
`FileTimes.times_at` (a block's selected lines at once, stamps of `daily` formats read by
their day) against `FileTimes.time_at` one line at a time, and `TimeCounts.add_all` (a
block's times at once, counted by granule) against `TimeCounts.add` one time at a time.
Same values to the last bit, same clock state after, same counts: a --histogram counts
exactly what a search that reads every line's time on its own would count."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logpipe.pipeline.timeformats import FORMATS, Zone
from logpipe.pipeline.timestamps import Clock, FileTimes
from logpipe.summaries.buckets import Calendar, parse_size
from logpipe.summaries.timecounts import TimeCounts

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
ZONES = [None, "UTC", "Europe/Paris", "America/New_York", "Asia/Kathmandu", "Australia/Lord_Howe"]
NAMED = [fmt for fmt in FORMATS if not fmt.name.startswith("epoch")]
DAILY = [fmt for fmt in FORMATS if fmt.daily]


def _stamp(name: str, year: int, month: int, day: int, hour: int, minute: int, second: int, fraction: str,
           zone: str) -> str:
    mon = MONTHS[(month - 1) % 12]
    frac = "." + fraction if fraction else ""
    if name.startswith("ISO"):
        return f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}{frac}{zone}"
    if name == "Apache error":
        return f"[Sun {mon} {day:02d} {hour:02d}:{minute:02d}:{second:02d}{frac} {year:04d}]"
    if name == "12-hour":
        return f"{mon} {day}, {year:04d} {hour % 12 or 12}:{minute:02d}:{second:02d} {'PM' if hour >= 12 else 'AM'}"
    if name.startswith("Apache/nginx"):
        return f"[{day:02d}/{mon}/{year:04d}:{hour:02d}:{minute:02d}:{second:02d}{frac} {zone or '+0000'}]"
    if name == "nginx error":
        return f"{year:04d}/{month:02d}/{day:02d} {hour:02d}:{minute:02d}:{second:02d}{frac}"
    if name == "HealthApp":
        return f"{year:04d}{month:02d}{day:02d}-{hour}:{minute}:{second}:{fraction[:3] or '0'}"
    if name.startswith("syslog"):
        return f"{mon} {day:2d} {hour:02d}:{minute:02d}:{second:02d}{frac}"
    if name.startswith("glog"):
        return f"I{month:02d}{day:02d} {hour:02d}:{minute:02d}:{second:02d}{frac}"
    if name.startswith("Android"):
        return f"{month:02d}-{day:02d} {hour:02d}:{minute:02d}:{second:02d}{frac}"
    if name.startswith("Spark"):
        return f"{year % 100:02d}/{month:02d}/{day:02d} {hour:02d}:{minute:02d}:{second:02d}{frac}"
    if name.startswith("HDFS"):
        return f"{year % 100:02d}{month:02d}{day:02d} {hour:02d}{minute:02d}{second:02d}"
    if name == "Proxifier":
        return f"[{month:02d}.{day:02d} {hour:02d}:{minute:02d}:{second:02d}]"
    raise AssertionError(name)


# mostly a few hours around DST changes (2026-03-08 US, 2026-03-29 EU, 2026-10-25 EU, 2026-11-01 US,
# 2026-04-05 Lord Howe's half hour) and ordinary ones; now and then an impossible date or time,
# a 24:00, a leap second, a fraction, a zone written in the line
_line = st.tuples(
    st.sampled_from([2025, 2026, 2026, 2026]),
    st.sampled_from([2, 3, 3, 10, 10, 11, 4, 12, 1]),
    st.sampled_from([1, 5, 8, 25, 29, 30, 31, 15]),
    st.sampled_from([0, 1, 2, 3, 12, 23, 24]),
    st.sampled_from([0, 0, 15, 30, 59, 60, 77]),
    st.sampled_from([0, 0, 7, 59, 60, 61, 62]),
    st.sampled_from(["", "", "", "5", "12", "123", "999999999"]),
    st.sampled_from(["", "", "Z", "+01:00", "-0530", " UTC", "+2400", "-08:00"]),
    st.sampled_from(["", "", "", "  ", "x ", "[", "a"]),  # what comes before the stamp
    st.sampled_from(["", "", "", "none"]),  # "none": a line without a stamp
)


def _lines(name: str, specs) -> list[bytes]:
    lines = []
    for year, month, day, hour, minute, second, fraction, zone, lead, none in specs:
        if none:
            lines.append(b"    at java.lang.Thread.run(Thread.java:748)")
            continue
        text = _stamp(name, year, month, day, hour, minute, second, fraction, zone)
        lines.append(f"{lead}{text} host app[1]: message".encode())
    return lines


def _read(zone: str | None, lines: list[bytes], at_once: bool, blocks: int):
    """The times of `lines` (one block, every line selected), in `blocks` runs of lines;
    and the clock's state after."""
    clock = Clock(Zone(zone), reference=1796000000.0)  # 2026-11-30
    times = FileTimes(clock)
    data = b"\n".join(lines) + b"\n"
    starts, pos = [], 0
    for line in lines:
        starts.append(pos)
        pos += len(line) + 1
    ends = [start + len(line) for start, line in zip(starts, lines)]
    times.see(data, 0)
    values = []
    step = max(1, -(-len(lines) // blocks))
    for i in range(0, len(lines), step):
        if at_once:
            values += times.times_at(0, data, starts[i:i + step], ends[i:i + step])
        else:
            values += [times.time_at(start, data[start:end]) for start, end in zip(starts[i:i + step],
                                                                                  ends[i:i + step])]
    state = (clock.format and clock.format.name, clock._last_text, clock._last_value, clock._column,
             clock._bad_text, times.missing, times.seen_any)
    return [repr(value) for value in values], state


@settings(max_examples=200, deadline=None)
@given(fmt=st.sampled_from(NAMED), zone=st.sampled_from(ZONES), specs=st.lists(_line, min_size=1, max_size=40),
       blocks=st.integers(1, 4))
def test_a_blocks_stamps_read_at_once_are_read_as_one_by_one(fmt, zone, specs, blocks):
    lines = _lines(fmt.name, specs)
    assert _read(zone, lines, True, blocks) == _read(zone, lines, False, blocks)


@pytest.mark.parametrize("fmt", DAILY, ids=lambda fmt: fmt.name)
@pytest.mark.parametrize("zone", ["Europe/Paris", "America/New_York", "Asia/Kathmandu"])
def test_every_daily_format_reads_its_stamps_by_day(fmt, zone):
    """Many lines in each of a few days, DST changes among them: the days without one
    are learnt (the path by day is taken), the others are not, and every value is the
    one a line read alone gets."""
    specs = [(2026, month, day, hour, minute, (minute * 7) % 60, "", "", "", "")
             for month, day in ((11, 30), (3, 29), (3, 8), (10, 25), (11, 1)) for hour in (0, 1, 2, 3)
             for minute in range(0, 60, 3)]
    lines = _lines(fmt.name, specs)
    clock = Clock(Zone(zone), reference=1796000000.0)
    times = FileTimes(clock)
    data = b"\n".join(lines) + b"\n"
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    times.see(data, 0)
    values = times.times_at(0, data, starts, [start + len(line) for start, line in zip(starts, lines)])
    learnt = times.days(clock.format)
    assert len(learnt) == 5 and sum(map(bool, learnt.values())) == (5 if zone == "Asia/Kathmandu" else 3)
    assert [repr(value) for value in values] == _read(zone, lines, False, 1)[0]
    assert None not in values


@pytest.mark.parametrize("lines", [
    # the same stamp again at another place in its line: the clock keeps the first one's place
    [b"Nov 30 10:00:00 a", b"x Nov 30 10:00:00 b", b"Nov 30 10:00:00 c", b"Nov 30 10:00:01 d",
     b"ab Nov 30 10:00:01 e", b"Dec 87 88:77:97 f", b"Nov 30 10:00:02 g"],
    # the file changes format half way: the rest are read in the new one
    [b"Nov 30 10:00:00 a", b"Nov 30 10:00:01 b", b"2026-11-30T10:00:02Z c", b"2026-11-30T10:00:03Z d",
     b"2026-11-30T10:00:03 e", b"2026-11-30T10:00:04+01:00 e", b"    at x", b"Nov 30 10:00:04 f"],
    # 24:00, an impossible date, a minute or a second out of range, lines without a stamp
    [b"Nov 30 10:00:00 a", b"Nov 30 10:00:01 a", b"Nov 30 24:00:00 b", b"Nov 30 10:60:00 b", b"Feb 30 10:00:00 c", b"Nov 30 10:77:00 d", b"", b"    at y",
     b"Nov 30 10:00:62 d", b"Nov 30 10:59:61 d", b"Nov 30 10:00:05.25 e", b"Nov 30 10:00:05.25 f"],
    # an hour a DST gap opens (Paris, 29 March 02:00 does not exist; 03:00 is where it ends)
    [b"Mar 29 02:30:00 a", b"Mar 29 02:10:00 b", b"Mar 29 03:10:00 c", b"Mar 29 03:40:00 d", b"Mar 29 01:59:59 e"],
])
def test_odd_lines_in_a_block(lines):
    for zone in (None, "Europe/Paris"):
        for blocks in (1, 2, 3):
            assert _read(zone, lines, True, blocks) == _read(zone, lines, False, blocks)


@settings(max_examples=200, deadline=None)
@given(zone=st.sampled_from(ZONES), size=st.sampled_from(["1s", "5s", "1m", "15m", "1h", "3h", "12h", "1d",
                                                          "90000s", None]),
       moments=st.lists(st.one_of(st.none(), st.floats(1774000000, 1774900000), st.integers(1792100000, 1792200000),
                                  st.floats(1761000000, 1762100000), st.just(1796000000.0)), max_size=60),
       blocks=st.integers(1, 3))
def test_counts_of_a_block_at_once_are_counts_one_by_one(zone, size, moments, blocks):
    bucket = parse_size(size) if size else None
    at_once = TimeCounts(bucket, Calendar(zone), most=20)
    single = TimeCounts(bucket, Calendar(zone), most=20)
    step = max(1, -(-len(moments) // blocks))
    for i in range(0, len(moments), step):
        at_once.add_all(moments[i:i + step])
        for moment in moments[i:i + step]:
            single.add(moment)
    assert (at_once.size, at_once.counts, at_once.first, at_once.last, at_once.timeless) == \
        (single.size, single.counts, single.first, single.last, single.timeless)


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("size", ["1m", "15m", "1h", "1d", None])
def test_counts_at_once_across_edges_off_the_granules(zone, size):
    """Times every 7 minutes and 13 seconds through 2026's autumn DST changes (Paris 25
    October, New York 1 November) and around Lord Howe's half-hour one (5 April): zones
    45 minutes off UTC (Kathmandu) put an hour's edge inside each half-hour granule."""
    bucket = parse_size(size) if size else None
    for first in (1792800000.0, 1793500000.0, 1775300000.0):
        moments = [first + i * 433 for i in range(600)]
        at_once = TimeCounts(bucket, Calendar(zone), most=200)
        single = TimeCounts(bucket, Calendar(zone), most=200)
        for i in range(0, len(moments), 37):
            at_once.add_all(moments[i:i + 37])
        for moment in moments:
            single.add(moment)
        assert (at_once.size, at_once.counts) == (single.size, single.counts)


@pytest.mark.parametrize("fmt", DAILY, ids=lambda fmt: fmt.name)
@pytest.mark.parametrize("tail", [("123", ""), ("5", ""), ("123456", "Z"), ("", "+02:00"), ("999999999", "-0530"),
                                  ("25", " UTC")])
def test_stamps_with_a_fraction_or_a_zone_are_read_by_day(fmt, tail):
    """Many lines in each of a few days with fractions (and, where the format has one, a zone
    written): read by their day once the day is learnt, each value the one a line read alone
    gets, to the bit (the fraction is added as `_civil` adds it)."""
    fraction, zone = tail
    if zone and not fmt.name.startswith("ISO"):
        pytest.skip("no zone in this format")
    specs = [(2026, month, day, hour, minute, (minute * 7) % 60, fraction, zone, "", "")
             for month, day in ((11, 30), (3, 29), (1, 1)) for hour in (0, 2, 13) for minute in range(0, 60, 2)]
    lines = _lines(fmt.name, specs)
    clock = Clock(Zone("Europe/Paris"), reference=1796000000.0)
    times = FileTimes(clock)
    data = b"\n".join(lines) + b"\n"
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    times.see(data, 0)
    values = times.times_at(0, data, starts, [start + len(line) for start, line in zip(starts, lines)])
    assert [repr(value) for value in values] == _read("Europe/Paris", lines, False, 1)[0]
    assert None not in values
    learnt = times._utc_days if zone else times.days(clock.format)
    assert sum(map(bool, learnt.values())) >= 2  # (29 March has Paris's DST change: not learnt in local time)
