"""Timestamps inside lines: --since/--until, --sort time, --time-format, --tz, JSON's time,
on both backends, tiny and normal blocks, and -j2."""
from __future__ import annotations

import calendar
import gzip
import json
import os
import time

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import logpipe.executors.workers
from helpers import CORPUS, search_with, write
from logpipe.cli import main
from logpipe.pipeline.timebounds import parse_bound
from logpipe.pipeline.timeformats import FORMATS
from logpipe.records import Match


def utc(text: str) -> float:
    """Epoch seconds of '2026-11-30 17:53:34' read as UTC."""
    return float(calendar.timegm(time.strptime(text, "%Y-%m-%d %H:%M:%S")))


def set_mtime(path, text: str) -> None:
    os.utime(path, (utc(text), utc(text)))


def times_of(result) -> list[str]:
    return [json.loads(line)["data"].get("time") for line in result.lines
            if json.loads(line)["type"] == "match"]


# -- every format, end to end: the middle one of three lines is kept --------------------

# (format, line at 17:53:34, line a day before, line a day after); yearless formats lie
# before the file's mtime (set to 2026-12-01), zone-less ones are read in UTC (tz="UTC").
FORMAT_LINES = [
    ("iso-T-Z", b"2026-11-30T17:53:34.123Z {}", b"2026-11-29T17:53:34Z {}", b"2026-12-01T17:53:34Z {}"),
    ("iso-space-comma", b"2026-11-30 17:53:34,123 INFO {}", b"2026-11-29 17:53:34,000 INFO {}",
     b"2026-12-01 17:53:34,000 INFO {}"),
    ("iso-offset", b"2026-11-30T18:53:34+01:00 {}", b"2026-11-29T18:53:34+01:00 {}", b"2026-12-01T18:53:34+01:00 {}"),
    ("iso-offset-no-colon", b"2026-11-30 12:53:34 -0500 {}", b"2026-11-29 12:53:34 -0500 {}",
     b"2026-12-01 12:53:34 -0500 {}"),
    ("iso-UTC", b"2026-11-30 17:53:34 UTC {}", b"2026-11-29 17:53:34 UTC {}", b"2026-12-01 17:53:34 UTC {}"),
    ("syslog", b"Nov 30 17:53:34 web01 {}", b"Nov 29 17:53:34 web01 {}", b"Dec  1 17:53:34 web01 {}"),
    ("syslog-one-digit-day", b"Nov  3 17:53:34 web01 {}", b"Nov  2 17:53:34 web01 {}", b"Nov  4 17:53:34 web01 {}"),
    ("rfc5424", b"<34>1 2026-11-30T17:53:34.003Z host app - - {}", b"<34>1 2026-11-29T17:53:34Z host app - - {}",
     b"<34>1 2026-12-01T17:53:34Z host app - - {}"),
    ("access", b'10.0.0.1 - - [30/Nov/2026:17:53:34 +0000] "GET /{}"', b'10.0.0.1 - - [29/Nov/2026:17:53:34 +0000] "{}"',
     b'10.0.0.1 - - [01/Dec/2026:17:53:34 +0000] "{}"'),
    ("apache-error", b"[Mon Nov 30 17:53:34 2026] [error] {}", b"[Sun Nov 29 17:53:34 2026] [error] {}",
     b"[Tue Dec 01 17:53:34 2026] [error] {}"),
    ("nginx-error", b"2026/11/30 17:53:34 [error] 1#0: {}", b"2026/11/29 17:53:34 [error] 1#0: {}",
     b"2026/12/01 17:53:34 [error] 1#0: {}"),
    ("epoch", b"1796061214 {}", b"1795974814 {}", b"1796147614 {}"),
    ("epoch-ms", b"1796061214123 {}", b"1795974814000 {}", b"1796147614000 {}"),
    ("glog", b"I1130 17:53:34.123456 42 main.go:1] {}", b"I1129 17:53:34.000000 42 main.go:1] {}",
     b"E1201 17:53:34.000000 42 main.go:1] {}"),
    ("12-hour", b"Nov 30, 2026 5:53:34 PM {}", b"Nov 29, 2026 5:53:34 PM {}", b"Dec 1, 2026 5:53:34 PM {}"),
    ("hdfs", b"261130 175334 148 INFO {}", b"261129 175334 148 INFO {}", b"261201 175334 148 INFO {}"),
    ("android", b"11-30 17:53:34.811  1702  2395 D {}", b"11-29 17:53:34.811  1702  2395 D {}",
     b"12-01 17:53:34.811  1702  2395 D {}"),
    ("spark", b"26/11/30 17:53:34 INFO {}", b"26/11/29 17:53:34 INFO {}", b"26/12/01 17:53:34 INFO {}"),
    ("healthapp", b"20261130-17:53:34:606|Step|1|{}", b"20261129-17:53:34:6|Step|1|{}",
     b"20261201-17:53:34:60|Step|1|{}"),
    ("proxifier", b"[11.30 17:53:34] chrome.exe {}", b"[11.29 17:53:34] chrome.exe {}",
     b"[12.01 17:53:34] chrome.exe {}"),
    ("bgl", b"- 1796061214 2026.11.30 R02-M1 {}", b"- 1795974814 2026.11.29 R02-M1 {}",
     b"- 1796147614 2026.12.01 R02-M1 {}"),
]


@pytest.mark.parametrize("name,middle,before,after", FORMAT_LINES, ids=[f[0] for f in FORMAT_LINES])
def test_each_format_keeps_only_lines_in_the_bounds(logpipe, tmp_path, name, middle, before, after):
    path = write(tmp_path / "x.log", b"\n".join(line.replace(b"{}", b"event %d" % i)
                                                for i, line in enumerate([before, middle, after])) + b"\n")
    set_mtime(path, "2026-12-02 00:00:00")
    day = "03" if name == "syslog-one-digit-day" else "30"
    since, until = utc(f"2026-11-{day} 17:00:00"), utc(f"2026-11-{day} 18:00:00")
    result = logpipe("event", path, since=since, until=until, tz="UTC")
    assert result.lines == [middle.replace(b"{}", b"event 1")] and result.status == 0
    found = logpipe("event", path, json=True, tz="UTC")
    assert times_of(found)[1].startswith(f"2026-11-{day}T17:53:34")


def test_the_format_table_examples_are_all_recognised(tmp_path, backend):
    lines = [fmt.example for fmt in FORMATS]
    for i, line in enumerate(lines):
        path = write(tmp_path / f"f{i}.log", line + b"\n")
        result = search_with(backend)(".", path, json=True, tz="UTC")
        assert times_of(result)[0] is not None, line


# -- the real logs ------------------------------------------------------------------

# The first line's time of each loghub file (yearless ones: month onwards, their year
# comes from the file's mtime).
LOGHUB_FIRST = {
    "Android_2k.log": "-03-17T16:13:38.811Z", "Apache_2k.log": "2005-12-04T04:47:44Z",
    "BGL_2k.log": "2005-06-03T22:42:50Z", "HDFS_2k.log": "2008-11-09T20:36:15Z",
    "HPC_2k.log": "2004-02-26T14:12:22Z", "Hadoop_2k.log": "2015-10-18T18:01:47.978Z",
    "HealthApp_2k.log": "2017-12-23T22:15:29.606Z", "Linux_2k.log": "-06-14T15:16:01Z",
    "Mac_2k.log": "-07-01T09:00:55Z", "OpenSSH_2k.log": "-12-10T06:55:46Z",
    "OpenStack_2k.log": "2017-05-16T00:00:00.008Z", "Proxifier_2k.log": "-10-30T16:49:06Z",
    "Spark_2k.log": "2017-06-09T20:10:40Z", "Thunderbird_2k.log": "2005-11-09T20:01:01Z",
    "Windows_2k.log": "2016-09-28T04:30:30Z", "Zookeeper_2k.log": "2015-07-29T17:41:44.747Z",
}


@pytest.mark.parametrize("name", sorted(LOGHUB_FIRST))
def test_real_logs_are_recognised_without_options(backend, name):
    path = CORPUS / name
    if not path.exists():
        pytest.skip("loghub corpus absent")
    result = search_with(backend)("^", path, json=True, tz="UTC")  # "^": no submatch to list
    times = times_of(result)
    assert times[0].endswith(LOGHUB_FIRST[name]) and len(times[0]) >= 20
    assert None not in times  # every line has a time (its own, or the previous line's)
    # and --since far in the past keeps every line, with no message
    everything = search_with(backend)(".", path, since=utc("1990-01-01 00:00:00"), count=True)
    assert everything.out == b"%d\n" % len(times) and everything.err == b""


# -- missing parts: year, zone ------------------------------------------------------


def test_year_comes_from_the_mtime_with_december_to_january_rollover(search, tmp_path):
    path = write(tmp_path / "syslog", b"Dec 31 23:59:58 h a\nJan  1 00:00:01 h b\n")
    set_mtime(path, "2026-01-01 00:10:00")
    assert times_of(search(".", path, json=True, tz="UTC")) == ["2025-12-31T23:59:58Z", "2026-01-01T00:00:01Z"]
    kept = search(".", path, since=utc("2026-01-01 00:00:00"), tz="UTC")
    assert kept.lines == [b"Jan  1 00:00:01 h b"]


def test_year_comes_from_the_gzip_header_mtime_when_it_has_one(search, tmp_path):
    path = tmp_path / "syslog.2.gz"
    path.write_bytes(gzip.compress(b"Dec 31 23:59:58 h a\nJan  1 00:00:01 h b\n", mtime=int(utc("2024-01-02 00:00:00"))))
    set_mtime(path, "2026-06-01 00:00:00")  # copied later: the header still knows
    assert times_of(search(".", path, json=True, tz="UTC")) == ["2023-12-31T23:59:58Z", "2024-01-01T00:00:01Z"]


def test_zones_explicit_given_and_local(search, tmp_path, monkeypatch):
    path = write(tmp_path / "a.log", b"2026-07-01 12:00:00 naive\n2026-07-01 12:00:00+02:00 explicit\n")
    assert times_of(search(".", path, json=True, tz="UTC")) == ["2026-07-01T12:00:00Z", "2026-07-01T10:00:00Z"]
    assert times_of(search(".", path, json=True, tz="America/New_York")) == [
        "2026-07-01T16:00:00Z", "2026-07-01T10:00:00Z"]
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        assert times_of(search(".", path, json=True)) == ["2026-07-01T03:00:00Z", "2026-07-01T10:00:00Z"]
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_time_format_reads_what_is_not_recognised(search, tmp_path):
    path = write(tmp_path / "odd.log", b"<30.11.2026 17:53:34> a\n<30.11.2026 19:00:00> b\n")
    result = search(".", path, time_format="<%d.%m.%Y %H:%M:%S>", tz="UTC",
                     until=utc("2026-11-30 18:00:00"))
    assert result.lines == [b"<30.11.2026 17:53:34> a"] and result.status == 0


# -- continuation lines -------------------------------------------------------------

TRACE = (b"2026-11-30 10:00:00 INFO start\n"
         b"2026-11-30 10:05:00 ERROR boom\n"
         b"java.lang.IllegalStateException: boom\n"
         b"    at com.example.Worker.run(Worker.java:42)\n"
         b"2026-11-30 10:20:00 ERROR again\n"
         b"java.lang.IllegalStateException: again\n"
         b"    at com.example.Worker.run(Worker.java:43)\n")


def test_continuation_lines_take_the_previous_lines_time(logpipe, tmp_path):
    path = write(tmp_path / "app.log", TRACE, "gzip")
    result = logpipe("at com.example", path, since=utc("2026-11-30 10:10:00"), tz="UTC")
    assert result.lines == [b"    at com.example.Worker.run(Worker.java:43)"]
    first = logpipe("IllegalState", path, json=True, tz="UTC")
    assert times_of(first) == ["2026-11-30T10:05:00Z", "2026-11-30T10:20:00Z"]
    stats = search_with("pull")("at com", path, since=utc("2026-11-30 10:00:00"), tz="UTC", stats=True)
    assert b"2 lines without a timestamp" in stats.err


def test_an_impossible_date_in_the_files_own_format_is_no_timestamp(logpipe, tmp_path):
    """`Dec 87 88:77:97` where the file's syslog stamps stand: the line takes the time of the
    line before it (a date later in the line is not taken for its time)."""
    data = (b"2026-11-30T10:00:00Z web01 app: start\n"
            b"2026-11-30T10:05:00Z web01 app: request 1\n"
            b"2026-13-87T88:77:97Z web01 app: request 2 due Dec 25 00:00:00\n"
            b"2026-11-30T10:20:00Z web01 app: request 3\n")
    path = write(tmp_path / "app.log", data, "gzip")
    result = logpipe("request", path, json=True, tz="UTC")
    assert times_of(result) == ["2026-11-30T10:05:00Z", "2026-11-30T10:05:00Z", "2026-11-30T10:20:00Z"]
    window = logpipe("request", path, since=utc("2026-11-30 10:01:00"), until=utc("2026-11-30 10:10:00"), tz="UTC")
    assert window.lines == [b"2026-11-30T10:05:00Z web01 app: request 1",
                            b"2026-13-87T88:77:97Z web01 app: request 2 due Dec 25 00:00:00"]


# -- bounds: files, blocks, counts ---------------------------------------------------


def ordered_log(start: str, count: int, step: float, text: bytes = b"tick") -> bytes:
    begin = utc(start)
    return b"".join(b"%s %s %d\n" % (time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(begin + i * step)).encode(),
                                    text, i) for i in range(count))


def test_window_in_a_large_ordered_file_matches_a_line_by_line_filter(logpipe, tmp_path):
    data = ordered_log("2026-11-30 00:00:00", 40000, 2.0)  # ~1.4 MB, 22 hours
    path = write(tmp_path / "big.log", data)
    since, until = utc("2026-11-30 10:00:00"), utc("2026-11-30 10:10:00")
    expected = [(n, line) for n, line in enumerate(data.split(b"\n")[:-1], 1)
                if since <= utc(line[:19].decode().replace("T", " ")) <= until]
    result = logpipe("tick", path, since=since, until=until, line_number=True, tz="UTC")
    assert result.lines == [b"%d:%s" % (n, line) for n, line in expected] and len(expected) == 301
    offsets = logpipe("tick", path, since=since, until=until, byte_offset=True, tz="UTC")
    assert offsets.lines[0] == b"%d:%s" % (data.index(expected[0][1]), expected[0][1])


def test_bounds_in_an_ordered_file_give_the_window(tmp_path):
    path = write(tmp_path / "big.log", ordered_log("2026-11-30 00:00:00", 120000, 0.5))  # 4.3 MB
    for backend in ("pull", "push"):
        result = search_with(backend)("tick", path, since=utc("2026-11-30 10:00:00"),
                                      until=utc("2026-11-30 10:10:00"), tz="UTC", count=True)
        assert result.out == b"1202\n"  # (two lines a second)


def test_slightly_late_lines_after_until_are_not_lost(logpipe, tmp_path):
    data = (ordered_log("2026-11-30 00:00:00", 300, 1.0)
            + b"2026-11-30T00:05:30 late\n"  # after a line of 00:04:59
            + ordered_log("2026-11-30 00:05:00", 3000, 1.0) + b"2026-11-30T00:05:39 very late\n")
    path = write(tmp_path / "app.log.gz", data, "gzip")
    result = logpipe("late|tick 299$", path, until=utc("2026-11-30 00:05:40"), tz="UTC")
    assert result.lines == [b"2026-11-30T00:04:59 tick 299", b"2026-11-30T00:05:30 late",
                            b"2026-11-30T00:05:39 very late"]


def test_unordered_file_is_filtered_line_by_line(logpipe, tmp_path):
    lines = [b"%d event %d\n" % (utc("2026-11-30 00:00:00") + (i * 7919 % 1000) * 60, i) for i in range(1000)]
    path = write(tmp_path / "hpc.log", b"".join(lines), "zstd")
    since, until = utc("2026-11-30 05:00:00"), utc("2026-11-30 06:00:00")
    expected = [line.rstrip(b"\n") for line in lines if since <= int(line.split()[0]) <= until]
    assert logpipe("event", path, since=since, until=until).lines == expected and len(expected) == 61


def test_files_outside_the_bounds_are_skipped_and_still_counted(logpipe, tmp_path):
    old = tmp_path / "app.log.2.gz"  # as logrotate writes it: its gzip header keeps the log's mtime
    old.write_bytes(gzip.compress(ordered_log("2026-11-20 00:00:00", 100, 60), mtime=utc("2026-11-20 01:40:00")))
    set_mtime(old, "2026-11-20 01:40:00")
    middle = write(tmp_path / "app.log.1", ordered_log("2026-11-25 00:00:00", 100, 60))
    set_mtime(middle, "2026-11-25 01:40:00")
    write(tmp_path / "app.log", ordered_log("2026-11-30 00:00:00", 100, 60))
    result = logpipe("tick", tmp_path, since=utc("2026-11-30 00:30:00"), count=True, tz="UTC")
    assert result.lines == [bytes(tmp_path / "app.log") + b":70", bytes(middle) + b":0", bytes(old) + b":0"]
    listed = logpipe("tick", tmp_path, since=utc("2026-11-30 00:30:00"), files_without_match=True, tz="UTC")
    assert listed.lines == [bytes(middle), bytes(old)]
    stats = search_with("push")("tick", tmp_path, since=utc("2026-11-30 00:30:00"), tz="UTC", stats=True)
    assert b"2 files skipped by time" in stats.err


def test_max_count_and_quiet_count_only_lines_in_the_bounds(logpipe, tmp_path):
    path = write(tmp_path / "a.log", ordered_log("2026-11-30 00:00:00", 50, 60), "xz")
    result = logpipe("tick", path, since=utc("2026-11-30 00:10:00"), max_count=2, tz="UTC")
    assert result.lines == [b"2026-11-30T00:10:00 tick 10", b"2026-11-30T00:11:00 tick 11"]
    assert logpipe("tick 4", path, since=utc("2026-11-30 00:45:00"), quiet=True, tz="UTC").status == 0
    assert logpipe("tick 4", path, until=utc("2026-11-30 00:03:00"), quiet=True, tz="UTC").status == 1


def test_context_lines_stay_in_the_bounds(logpipe, tmp_path):
    path = write(tmp_path / "a.log", ordered_log("2026-11-30 00:00:00", 10, 60))
    result = logpipe("tick 5", path, since=utc("2026-11-30 00:04:00"), before_context=3, after_context=1,
                     line_number=True, tz="UTC")
    assert result.lines == [b"5-2026-11-30T00:04:00 tick 4", b"6:2026-11-30T00:05:00 tick 5",
                            b"7-2026-11-30T00:06:00 tick 6"]


def test_a_file_without_timestamps_gets_one_message_not_an_error(logpipe, tmp_path):
    write(tmp_path / "a.log", ordered_log("2026-11-30 00:00:00", 10, 60))
    write(tmp_path / "notes.txt", b"no time here tick\n" * 10000)
    result = logpipe("tick", tmp_path, since=utc("2026-11-30 00:08:00"), tz="UTC")
    assert result.lines == [bytes(tmp_path / "a.log") + b":2026-11-30T00:08:00 tick 8",
                            bytes(tmp_path / "a.log") + b":2026-11-30T00:09:00 tick 9"]
    assert result.err == b"logpipe: 1 file skipped: no timestamp recognised (see --time-format): " \
        + bytes(tmp_path / "notes.txt") + b"\n"
    assert result.status == 0


# -- --sort time ------------------------------------------------------------------


@pytest.fixture
def rotated(tmp_path):
    """A numbered set with delaycompress, a dateext set, and a second log, interleaved in time."""
    root = tmp_path / "logs"
    for n, day in [(10, "2026-11-19"), (3, "2026-11-26"), (2, "2026-11-27")]:
        path = write(root / f"app.log.{n}.gz", ordered_log(f"{day} 12:00:00", 3, 3600, b"app"), "gzip")
        set_mtime(path, f"{day} 15:00:00")
    write(root / "app.log.1", ordered_log("2026-11-28 12:00:00", 3, 3600, b"app"))
    write(root / "app.log", ordered_log("2026-11-29 12:00:00", 3, 3600, b"app"))
    for day in ("20261128", "20261127"):
        iso = f"{day[:4]}-{day[4:6]}-{day[6:]}"
        write(root / f"web.log-{day}.zst", ordered_log(f"{iso} 12:30:00", 3, 3600, b"web"), "zstd")
    write(root / "web.log", ordered_log("2026-11-29 12:30:00", 3, 3600, b"web"))
    write(root / "db.log", ordered_log("2026-11-29 13:00:00", 2, 3600, b"db"))  # 13:00 and 14:00, as app's
    return root


def test_sort_time_merges_rotated_sets_and_logs_into_one_timeline(logpipe, rotated):
    result = logpipe("app|web|db", rotated, sort="time", tz="UTC", with_filename=False)
    stamps = [line[:19] for line in result.lines]
    assert stamps == sorted(stamps) and len(stamps) == 9 + 6 + 9 + 2
    # equal times keep the walk order of the sets: app.log (a) before db.log (d)
    tied = [line for line in result.lines if line.startswith(b"2026-11-29T13:00:00")]
    assert tied == [b"2026-11-29T13:00:00 app 1", b"2026-11-29T13:00:00 db 0"]
    names = logpipe("app", rotated, sort="time", tz="UTC", files_with_matches=True).lines
    assert [name.rsplit(b"/", 1)[1] for name in names] == [
        b"app.log.10.gz", b"app.log.3.gz", b"app.log.2.gz", b"app.log.1", b"app.log"]


def test_sort_time_with_bounds_and_default_order_unchanged(logpipe, rotated):
    result = logpipe("app|web", rotated, sort="time", tz="UTC", with_filename=False,
                     since=utc("2026-11-27 13:00:00"), until=utc("2026-11-28 13:30:00"))
    assert result.lines == [b"2026-11-27T13:00:00 app 1", b"2026-11-27T13:30:00 web 1",
                            b"2026-11-27T14:00:00 app 2", b"2026-11-27T14:30:00 web 2",
                            b"2026-11-28T12:00:00 app 0", b"2026-11-28T12:30:00 web 0",
                            b"2026-11-28T13:00:00 app 1", b"2026-11-28T13:30:00 web 1"]
    walk = logpipe("app 0", rotated, with_filename=False).lines  # no --sort: the walk's order
    assert walk[0] == b"2026-11-29T12:00:00 app 0"


@pytest.fixture(params=[0.0, 1e9], ids=["workers-at-once", "no-workers"])
def workers_start_after(monkeypatch, request):
    monkeypatch.setattr(logpipe.executors.workers, "START_WORKERS_AFTER", request.param)


@pytest.mark.parametrize("options", [
    {"sort": "time"},
    {"sort": "time", "since": utc("2026-11-27 13:00:00"), "line_number": True},
    {"since": utc("2026-11-27 13:00:00"), "until": utc("2026-11-29 12:00:00"), "count": True},
    {"until": utc("2026-11-28 12:00:00"), "json": True},
], ids=lambda options: ",".join(options))
def test_two_workers_print_what_one_process_prints(backend, rotated, workers_start_after, options):
    one = search_with(backend)("app|web|db", rotated, tz="UTC", **options)
    many = search_with(backend)("app|web|db", rotated, tz="UTC", threads=2, **options)
    if options.get("json"):
        strip = [json.loads(line) for line in one.lines], [json.loads(line) for line in many.lines]
        for messages in strip:
            for message in messages:
                message["data"].pop("stats", None)
                message["data"].pop("elapsed_total", None)
        assert strip[0] == strip[1]
    else:
        assert many == one
    assert one.status == 0 and one.out


def test_backends_print_the_same_timeline(rotated, block_size):
    outputs = {backend: search_with(backend, block_size)("app|web|db", rotated, sort="time", tz="UTC",
                                                         line_number=True, before_context=1)
               for backend in ("pull", "push")}
    assert outputs["pull"] == outputs["push"] and outputs["pull"].status == 0


# -- the command line ---------------------------------------------------------------


def test_bound_values_as_users_type_them():
    now = utc("2026-11-30 17:53:34")
    assert parse_bound("2026-11-30", now, "UTC") == utc("2026-11-30 00:00:00")
    assert parse_bound("2026-11-30 02:10", now, "UTC") == utc("2026-11-30 02:10:00")
    assert parse_bound("2026-11-30T02:10:05+01:00", now) == utc("2026-11-30 01:10:05")
    assert parse_bound("02:10", now, "UTC") == utc("2026-11-30 02:10:00")
    assert parse_bound("yesterday", now, "UTC") == utc("2026-11-29 00:00:00")
    assert parse_bound("today", now, "UTC") == utc("2026-11-30 00:00:00")
    assert parse_bound("now", now) == now
    assert parse_bound("2h", now) == now - 7200 and parse_bound("90m", now) == now - 5400
    assert parse_bound("3d", now) == now - 3 * 86400
    assert parse_bound("2026-11-30", now, "Europe/Paris") == utc("2026-11-29 23:00:00")


@pytest.mark.parametrize("args,message", [
    (["--since", "next blursday"], b"is not a time"),
    (["--until", "2026-13-40"], b"is not a valid date"),
    (["--tz", "Mars/Olympus"], b"unknown time zone"),
    (["--time-format", "%Q"], b"unknown directive"),
])
def test_bad_time_options_are_usage_errors(tmp_path, args, message):
    write(tmp_path / "a.log", b"2026-11-30 00:00:00 x\n")
    result = CliRunner().invoke(main, ["grep", "x", str(tmp_path), *args])
    assert result.exit_code == 2 and message in result.stderr_bytes and b"Traceback" not in result.stderr_bytes


def test_command_line_window_on_a_rotated_tree(rotated, backend):
    result = CliRunner(env={"TZ": "UTC"}).invoke(main, [
        "grep", "-h", "--sort", "time", "--since", "2026-11-29 13:00", "--until", "2026-11-29 14:00",
        "--tz", "UTC", "--backend", backend, "app|web|db", str(rotated)])
    assert result.exit_code == 0
    assert result.stdout_bytes == (b"2026-11-29T13:00:00 app 1\n2026-11-29T13:00:00 db 0\n"
                                   b"2026-11-29T13:30:00 web 1\n2026-11-29T14:00:00 app 2\n"
                                   b"2026-11-29T14:00:00 db 1\n")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.one_of(st.none(), st.integers(0, 20)), max_size=30), max_size=6))
def test_merge_by_time_is_the_greedy_merge_of_the_sets(times):
    """merge_by_time (which hands on runs of one set without heap operations) gives what a
    record-by-record k-way merge gives: by time (a record without one takes its set's last),
    equal times in the walk order of the sets, each set in its own order, unsorted sets too."""
    import heapq

    from logpipe.pipeline.timeline import merge_by_time
    from logpipe.records import FileEnd

    streams, decorated = [], []
    for index, moments in enumerate(times):
        records, keyed, last = [], [], -float("inf")
        for position, moment in enumerate(moments):
            record = Match(b"set%d" % index, position, 0, b"x", False, moment) if position % 5 != 4 \
                else FileEnd(b"set%d" % index, position, 0)  # no time: takes the last
            moment = record.time if isinstance(record, Match) else None
            last = last if moment is None else moment
            records.append(record)
            keyed.append((last, index, position, record))
        streams.append(records)
        decorated.append(keyed)
    expected = [entry[3] for entry in heapq.merge(*decorated, key=lambda entry: entry[:2])]
    assert list(merge_by_time(streams)) == expected


# -- --sort time --json: a begin/end pair per file, interleaved as the merged lines need ----------


def _stamped(seconds: int, text: bytes) -> bytes:
    import time

    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(1767225600 + seconds)).encode() + b" " + text


def _messages(out: bytes) -> list[dict]:
    import json

    messages = [json.loads(line) for line in out.split(b"\n")[:-1]]
    for message in messages:  # the times of the run: the one thing that differs between runs
        message["data"].pop("elapsed_total", None)
        message["data"].get("stats", {}).pop("elapsed", None)
    return messages


@pytest.mark.parametrize("threads", [1, 2])
def test_sort_time_json_gives_each_file_its_begin_and_end_in_the_merged_order(backend, tmp_path, threads):
    write(tmp_path / "app.log.1", b"".join(_stamped(s, b"app ERR %d\n" % s) for s in range(0, 40, 4)))  # older
    write(tmp_path / "app.log", b"".join(_stamped(s, b"app ERR %d\n" % s) for s in range(40, 60, 4)), "gzip")
    write(tmp_path / "db.log", b"".join(_stamped(s, b"db %s %d\n" % (b"ERR" if s % 3 else b"ok", s))
                                        for s in range(1, 50, 2)), "zstd")
    write(tmp_path / "web.log", _stamped(5, b"web ERR\n") + _stamped(23, b"web ERR, no newline"))  # mid-timeline
    (tmp_path / "quiet.log").write_bytes(_stamped(3, b"nothing here\n"))  # no line printed: no begin, no end
    search = search_with(backend)
    merged = search("ERR", tmp_path, sort="time", json=True, before_context=1, threads=threads)
    assert (merged.err, merged.status) == (b"", 0)
    messages = _messages(merged.out)
    assert messages[-1]["type"] == "summary" and [m["type"] for m in messages].count("summary") == 1
    lines = [m for m in messages if m["type"] in ("match", "context")]
    assert [m["data"]["time"] for m in lines] == sorted(m["data"]["time"] for m in lines)  # one timeline
    names = {m["data"]["path"]["text"] for m in messages[:-1]}
    assert names == {str(tmp_path / name) for name in ("app.log.1", "app.log", "db.log", "web.log")}
    for name in names:  # each file's messages, taken out of the timeline, are its own search's
        own = [m for m in messages[:-1] if m["data"]["path"]["text"] == name]
        alone = _messages(search("ERR", name, sort="time", json=True, before_context=1, with_filename=True).out)
        assert own == alone[:-1], name
        assert (own[0]["type"], own[-1]["type"]) == ("begin", "end")
    assert [m["type"] for m in messages].index("end") < len(messages) - 5  # the pairs interleave
    ends = [m["data"]["stats"] for m in messages if m["type"] == "end"]
    assert messages[-1]["data"]["stats"] == {key: sum(end[key] for end in ends) for key in ends[0]}
    assert messages[-1]["data"]["stats"]["matched_lines"] == 10 + 5 + 17 + 2
    web = [m["data"]["lines"]["text"] for m in lines if m["data"]["path"]["text"].endswith("web.log")]
    assert web[-1].endswith("web ERR, no newline") and lines[-1]["data"]["time"] > "2026-01-01T00:00:23Z"


def test_sort_time_merges_records_by_their_first_lines_time(search, tmp_path):
    """--records --sort time: whole records (a stack trace under its line) in one timeline."""
    write(tmp_path / "a.log", b"2026-01-01 10:00:00 ERROR a1\n  at x\n2026-01-01 10:00:02 ERROR a2\n  at y\n")
    write(tmp_path / "b.log", b"2026-01-01 10:00:01 ERROR b1\n  at z\n2026-01-01 10:00:03 ERROR b2\n")
    result = search("ERROR", tmp_path, records=True, sort="time", tz="UTC", with_filename=False)
    assert result.lines == [b"2026-01-01 10:00:00 ERROR a1", b"  at x", b"--", b"2026-01-01 10:00:01 ERROR b1",
                            b"  at z", b"--", b"2026-01-01 10:00:02 ERROR a2", b"  at y", b"--",
                            b"2026-01-01 10:00:03 ERROR b2"]
