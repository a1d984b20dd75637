"""Time as people write it (everyday and relative times, DST gaps, offsets) and time windows that never lose a line (logs going back in time), the demo's timeline, files without timestamps."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from servers import moto_endpoint, s3, shrinking_http  # noqa: F401  (fixtures)

from logpipe.cli import main


NOW = 1781105400.0  # Wednesday 2026-06-10 15:30:00 UTC
START = 1767225600  # 2026-01-01T00:00:00Z
README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def invoke(*args, **kwargs):
    return CliRunner().invoke(main, [str(arg) for arg in args], catch_exceptions=False, prog_name="logpipe", **kwargs)


def utc(text: str) -> float:
    import calendar
    import time

    return float(calendar.timegm(time.strptime(text, "%Y-%m-%d %H:%M:%S")))


def two_runs(step: int = 10, span: int = 86400) -> bytes:
    """Two time-ordered runs one after the other (a replayed file, a restart with a wrong clock)."""
    import time

    return b"".join(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(START + i)).encode() + b" run%d ERROR %d\n"
                    % (run, i) for run in range(2) for i in range(0, span, step))


def in_window(data: bytes, since: float, until: float) -> list[bytes]:
    """The reference: every line whose own time is in the bounds, found by a full scan."""
    import calendar
    import time

    kept = []
    for line in data.split(b"\n")[:-1]:
        moment = calendar.timegm(time.strptime(line[:20].decode(), "%Y-%m-%dT%H:%M:%SZ"))
        if since <= moment <= until:
            kept.append(line)
    return kept


def test_since_after_until_is_an_error():
    result = invoke("grep", "--since", "2026-01-02", "--until", "2026-01-01", "x", "/nonexistent")
    assert result.exit_code == 2
    assert "--since (2026-01-02) is later than --until (2026-01-01): no line can be in both" in result.stderr


def test_a_bound_inside_a_dst_gap_is_the_end_of_the_gap(backend, tmp_path):
    from logpipe.pipeline.timebounds import parse_bound

    zone = "America/New_York"  # 2026-03-08: 02:00 EST is followed by 03:00 EDT
    assert parse_bound("2026-03-08 02:30", zone=zone) == parse_bound("2026-03-08 03:00", zone=zone) \
        == parse_bound("2026-03-08T07:00:00Z")
    assert parse_bound("2026-03-08 01:59", zone=zone) == parse_bound("2026-03-08T06:59:00Z")
    lines = b"".join(b"2026-03-08 %s tick %d\n" % (stamp, i) for i, stamp in enumerate(
        [b"01:58:00", b"01:59:59"] + [b"03:%02d:00" % minute for minute in range(0, 11)] + [b"03:11:00"]))
    (tmp_path / "dst.log").write_bytes(lines)
    result = invoke("grep", "-c", "--tz", zone, "--since", "2026-03-08 02:30", "--until", "2026-03-08 03:10",
                    "tick", tmp_path / "dst.log", "--backend", backend)
    assert (result.stdout, result.exit_code) == ("11\n", 0)
    local = subprocess.run([sys.executable, "-m", "logpipe", "grep", "-c", "--since", "2026-03-08 02:30",
                            "--until", "2026-03-08 03:10", "tick", str(tmp_path / "dst.log")],
                           capture_output=True, timeout=60, env={**os.environ, "TZ": zone})
    assert (local.stdout, local.returncode) == (b"11\n", 0)  # local time (TZ) as --tz


@pytest.mark.parametrize("offset", ["+25:00", "-24:00", "+23:60", "+9999"])
def test_offsets_beyond_23_59_are_refused(offset):
    from logpipe.pipeline.timebounds import parse_bound

    with pytest.raises(ValueError, match="UTC offset"):
        parse_bound("2026-03-08T10:00:00" + offset)
    assert parse_bound("2026-03-08T10:00:00+23:59") == parse_bound("2026-03-07T10:01:00Z")
    result = invoke("grep", "--since", "2026-03-08T10:00:00" + offset, "x", "/nonexistent")
    assert result.exit_code == 2 and "UTC offset" in result.stderr


@pytest.mark.parametrize("text, expected", [
    ("1h ago", NOW - 3600), ("30 min ago", NOW - 1800), ("-3h", NOW - 3 * 3600), ("2 hours ago", NOW - 7200),
    ("1h 30min ago", NOW - 5400), ("1h30m ago", NOW - 5400), ("an hour ago", NOW - 3600), ("-90s", NOW - 90),
    ("2 days ago", NOW - 2 * 86400), ("1 week ago", NOW - 7 * 86400), ("+2h", NOW + 7200), ("2h", NOW - 7200),
    ("today", utc("2026-06-10 00:00:00")), ("yesterday", utc("2026-06-09 00:00:00")),
    ("tomorrow", utc("2026-06-11 00:00:00")), ("now", NOW), ("noon", utc("2026-06-10 12:00:00")),
    ("midnight", utc("2026-06-10 00:00:00")),
    ("yesterday 10:00", utc("2026-06-09 10:00:00")), ("10:00 yesterday", utc("2026-06-09 10:00:00")),
    ("2pm yesterday", utc("2026-06-09 14:00:00")), ("yesterday 2pm", utc("2026-06-09 14:00:00")),
    ("yesterday at 2:30 pm", utc("2026-06-09 14:30:00")), ("12am", utc("2026-06-10 00:00:00")),
    ("12pm", utc("2026-06-10 12:00:00")), ("today 14:05:30", utc("2026-06-10 14:05:30")),
    ("last monday", utc("2026-06-08 00:00:00")), ("monday", utc("2026-06-08 00:00:00")),
    ("last wednesday", utc("2026-06-03 00:00:00")), ("wednesday", utc("2026-06-10 00:00:00")),
    ("last mon 9:00", utc("2026-06-08 09:00:00")), ("Fri", utc("2026-06-05 00:00:00")),
    ("Dec 1 12:00", utc("2025-12-01 12:00:00")), ("Jun 1", utc("2026-06-01 00:00:00")),
    ("June 11", utc("2025-06-11 00:00:00")), ("1 Dec 2024", utc("2024-12-01 00:00:00")),
    ("Dec 1, 2024 08:15", utc("2024-12-01 08:15:00")), ("Dec 1 2024 8pm", utc("2024-12-01 20:00:00")),
    ("@1781105000", 1781105000.0), ("2026/06/01 10:00", utc("2026-06-01 10:00:00")),
    ("Wed 2026-06-10 10:00:00", utc("2026-06-10 10:00:00")), ("2026-06-10 10:00 UTC", utc("2026-06-10 10:00:00")),
])
def test_everyday_times(text, expected):
    from logpipe.pipeline.timebounds import parse_bound

    assert parse_bound(text, now=NOW, zone="UTC") == expected


@pytest.mark.parametrize("text, why", [
    ("12/01/2026", "ambiguous"), ("01-12-2026", "ambiguous"), ("3/4", "ambiguous"),
    ("Thu 2026-06-10", "was a Wednesday"), ("13pm", "not a valid time"), ("Feb 30", "not a valid date"),
    ("next blursday", "not a time"), ("5 parsecs ago", "not a time"),
])
def test_ambiguous_and_wrong_times_are_refused_with_the_reason(text, why):
    from logpipe.pipeline.timebounds import parse_bound

    with pytest.raises(ValueError, match=why):
        parse_bound(text, now=NOW, zone="UTC")


def test_relative_times_on_the_command_line(backend, tmp_path):
    import time

    now = time.time()
    lines = b"".join(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - age)).encode() + b" age %d\n" % age
                     for age in (7200, 5000, 3000, 600, 60))
    (tmp_path / "app.log").write_bytes(lines)
    result = invoke("grep", "--since", "1h ago", "age", tmp_path / "app.log", "--backend", backend)
    assert [line.split()[-1] for line in result.stdout.splitlines()] == ["3000", "600", "60"]
    result = invoke("grep", "--since", "-90 min", "--until", "30 min ago", "age", tmp_path / "app.log")
    assert [line.split()[-1] for line in result.stdout.splitlines()] == ["5000", "3000"]
    refused = invoke("grep", "--since", "12/01/2026", "age", tmp_path / "app.log")
    assert refused.exit_code == 2 and "ambiguous" in refused.stderr


@pytest.mark.parametrize("codec", ["plain", "gzip"])
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("window", [(12 * 3600, 12 * 3600 + 600), (0, 30), (86400 - 30, 86400 + 3600),
                                    (3 * 3600, None), (None, 60)])
def test_a_log_going_back_in_time_gives_what_a_full_scan_gives(backend, tmp_path, codec, threads, window):
    from helpers import search_with, write

    logpipe = search_with(backend)  # (time bounds read whole blocks whatever their size)
    data = two_runs(step=30)
    write(tmp_path / "c.log", data, codec)
    (tmp_path / "d.log").write_bytes(b"x\n" * 10)  # a second file: -j2 has two to share out
    since, until = (None if bound is None else START + bound for bound in window)
    expected = in_window(data, since if since is not None else -1, until if until is not None else 1e12)
    result = logpipe("ERROR", tmp_path / "c.log", since=since, until=until, threads=threads)
    assert result.lines == expected and (result.status, result.err) == (0 if expected else 1, b"")
    counted = logpipe("ERROR", tmp_path / "c.log", since=since, until=until, threads=threads, count=True)
    assert counted.out == b"%d\n" % len(expected)


def test_the_issue_example_counts_both_runs(backend, tmp_path):
    import gzip

    data = two_runs()
    (tmp_path / "c.log").write_bytes(data)
    (tmp_path / "c.log.gz").write_bytes(gzip.compress(data))
    args = ["--since", "2026-01-01T12:00:00Z", "--until", "2026-01-01T12:10:00Z", "--backend", backend]
    assert invoke("grep", "-c", *args, "ERROR", tmp_path / "c.log").stdout == "122\n"
    args[3] = "2026-01-01T12:00:10Z"
    lines = invoke("grep", *args, "ERROR", tmp_path / "c.log.gz").stdout.splitlines()
    assert [line.split()[1] for line in lines] == ["run0", "run0", "run1", "run1"]


def test_demo_logs_are_time_ordered_and_end_now_so_the_readme_time_examples_work(backend, tmp_path):
    import time

    assert invoke("demo", tmp_path / "demo-logs").exit_code == 0
    started = time.time()
    sorted_lines = invoke("grep", "--sort", "time", "-h", "sshd", tmp_path / "demo-logs", "--backend", backend)
    clock = __import__("logpipe.pipeline.timestamps", fromlist=["Clock"]).Clock(reference=started)
    times = [clock.time_of(line.encode()) for line in sorted_lines.stdout.splitlines()]
    assert len(times) > 1000 and None not in times and times == sorted(times)
    assert started - 3600 < times[-1] <= started + 1 and times[0] < started - 4 * 86400
    recent = invoke("grep", "-c", "--since", "2h", "sshd", tmp_path / "demo-logs" / "syslog", "--backend", backend)
    assert 20 < int(recent.stdout) < 200 and recent.exit_code == 0
    for command in re.findall(r"^logpipe (grep [^\n#]*demo-logs[^\n#|]*)", README, re.MULTILINE):
        args = [arg.strip("'") for arg in re.findall(r"'[^']*'|\S+", command)][1:]
        result = invoke("grep", *[str(tmp_path / arg) if arg.startswith("demo-logs") else arg for arg in args])
        assert result.exit_code == 0 and result.stdout, command


@pytest.mark.parametrize("threads", [1, 2])
def test_files_without_timestamps_get_one_summary_line(backend, tmp_path, threads):
    tree = tmp_path / "src"
    for i in range(12):
        (tree / f"m{i:02d}.py").parent.mkdir(parents=True, exist_ok=True)
        (tree / f"m{i:02d}.py").write_bytes(b"import x  # no time here\n" * 50)
    (tree / "app.log").write_bytes(b"2026-01-01T10:00:00Z x happened\n")
    base = ["grep", "-c", "--since", "2026-01-01T09:00:00Z", "--backend", backend, "-j", threads, "x", tree]
    result = invoke(*base)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == f"{tree / 'app.log'}:1" and all(line.endswith(":0") for line in lines[1:])
    assert result.stderr == (f"logpipe: 12 files skipped: no timestamp recognised (see --time-format): "
                             f"{tree / 'm00.py'}, {tree / 'm01.py'}, {tree / 'm02.py'} and 9 more "
                             "(--stats lists them all)\n")
    stats = invoke(*base, "--stats").stderr
    for i in range(12):
        assert f"\n  {tree / f'm{i:02d}.py'}\n" in stats
    assert invoke(*base, "-s").stderr == ""
    one = invoke("grep", "--since", "2026-01-01T09:00:00Z", "--backend", backend, "x", tree / "m03.py")
    assert one.stderr == f"logpipe: 1 file skipped: no timestamp recognised (see --time-format): {tree / 'm03.py'}\n"
    assert one.exit_code == 1


@pytest.mark.parametrize("threads", [1, 2])
def test_sort_time_with_counts_and_file_lists(backend, tmp_path, threads):
    import time as clock

    from logpipe.options import SearchOptions  # noqa: F401  (the fields used below)

    def log(start: int, count: int) -> bytes:
        return b"".join(clock.strftime("%Y-%m-%dT%H:%M:%SZ", clock.gmtime(START + start + 60 * i)).encode()
                        + b" event %d\n" % i for i in range(count))

    (tmp_path / "late.log").write_bytes(log(3600, 10))      # 01:00 - 01:09, walked first
    (tmp_path / "early.log").write_bytes(log(0, 5))         # 00:00 - 00:04
    (tmp_path / "quiet.log").write_bytes(log(1800, 3).replace(b"event", b"other"))  # 00:30 - 00:32
    from helpers import search_with

    search = search_with(backend)
    counted = search("event", tmp_path, sort="time", count=True, threads=threads)
    assert (counted.err, counted.status) == (b"", 0)
    assert counted.lines == [bytes(tmp_path / name) + b":%d" % n
                             for name, n in (("early.log", 5), ("quiet.log", 0), ("late.log", 10))]
    listed = search("event", tmp_path, sort="time", files_with_matches=True, threads=threads)
    assert (listed.err, listed.lines) == (b"", [bytes(tmp_path / "early.log"), bytes(tmp_path / "late.log")])
    missing = search("event", tmp_path, sort="time", files_without_match=True, threads=threads)
    assert (missing.err, missing.lines) == (b"", [bytes(tmp_path / "quiet.log")])
    (tmp_path / "notes.txt").write_bytes(b"an event without a time\n")
    timeless = search("event", tmp_path, sort="time", count=True, threads=threads)
    assert timeless.err == b"logpipe: 1 file without a timestamp: no timestamp recognised (see --time-format); " \
                           b"their lines keep their place: " + bytes(tmp_path / "notes.txt") + b"\n"
