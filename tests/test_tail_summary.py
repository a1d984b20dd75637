"""--tail with the summaries (issue 23, item 4): --histogram prints a row per bucket once the
clock is past its end (plus a second's grace), a row once printed never changes; the open
bucket and the footer at the end (--until, -m, Ctrl-C, SIGTERM, a closed pipe ends it
quietly); --count-by alone prints its table at the end. Real processes (tests/live.py):
logpipe following, a writer holding its log open, lines stamped a second or two ahead of
the clock so that their bucket closes within the test, every wait bounded by a deadline."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from helpers import wait_for
from live import DEADLINE, LOGPIPE, STARTUP, Follow, Writer, reap

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="real processes, signals (Linux)")

HISTOGRAM = ("--tail", "--tz", "UTC", "--histogram")


def stamp(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch))


def rows(lines: list[bytes]) -> dict[str, int]:
    """The chart's rows: {label: count} (labels of 1s buckets are 19 characters, of 1m 16)."""
    found = {}
    for line in lines:
        text = line.decode()
        if text[:2] == "20" and text[4] == "-":
            label, count = text.split("  ", 1)
            found[label] = int(count.split()[0])
    return found


def consecutive(labels: list[str], step: int) -> bool:
    pattern = "%Y-%m-%d %H:%M:%S" if len(labels[0]) == 19 else "%Y-%m-%d %H:%M"
    import calendar

    epochs = [calendar.timegm(time.strptime(label, pattern)) for label in labels]
    return all(b - a == step for a, b in zip(epochs, epochs[1:]))


def test_a_row_per_bucket_as_it_closes_with_exact_counts(backend, tmp_path):
    """A bucket's row comes once the clock is past its end, while the follow goes on, with
    the count of its lines (from two files, one line that does not match); the buckets
    between are rows too; Ctrl-C prints the open bucket and the footer, status 130."""
    a, b = tmp_path / "a.log", tmp_path / "b.log"
    a.write_text("")
    b.write_text("")
    with Follow("--backend", backend, *HISTOGRAM, "1s", "ERROR", ".", cwd=tmp_path) as follow:
        assert follow.wait_for(1, STARTUP)[0].split() == [b"per", b"1s", b"lines"]  # the header: it follows
        soon = int(time.time()) + 2
        with Writer(a) as first, Writer(b) as second:
            for i in range(3):
                first.line(f"{stamp(soon)} ERROR a {i}")
            second.line(f"{stamp(soon)} INFO not counted")
            second.line(f"{stamp(soon)} ERROR b 0")
            first.line(f"{stamp(soon + 1)} ERROR a 3")
            second.line(f"{stamp(soon + 1)} ERROR b 1")
            follow.wait_for_line(stamp(soon).encode())
            assert follow.process.poll() is None  # the row came before the end: its bucket closed
            assert rows(follow.lines)[stamp(soon)] == 4
            follow.wait_for_line(stamp(soon + 1).encode())
            assert rows(follow.lines)[stamp(soon + 1)] == 2
            first.line(f"{stamp(soon)} ERROR late: its row was printed")
            follow.wait_for(len(follow.lines) + 1)  # the next row: the late line was read before it
        status, lines, err = follow.stop(signal.SIGINT)
    assert (status, err) == (130, b"")
    found = rows(lines)
    assert consecutive(list(found), 1) and sum(found.values()) == 6 and found[stamp(soon)] == 4
    assert lines[-2:] == [b"7 lines in %d buckets of 1s, times in UTC" % len(found),
                          b"1 line came after its bucket's row: in the total, not in a row"]


def test_rotation_in_the_middle_of_a_bucket_keeps_its_count(backend, tmp_path):
    """The log renamed (logrotate's create) and a new one created by the writer half way
    through a bucket: the row counts the lines of both, each once."""
    log = tmp_path / "app.log"
    log.write_text("")
    with Follow("--backend", backend, *HISTOGRAM, "1s", "ERROR", ".", cwd=tmp_path) as follow:
        follow.wait_for(1, STARTUP)
        soon = int(time.time()) + 2
        with Writer(log) as app:
            app.line(f"{stamp(soon)} ERROR before 1")
            app.line(f"{stamp(soon)} ERROR before 2")
            os.rename(log, tmp_path / "app.log.1")
            app.line(f"{stamp(soon)} ERROR before 3, after the rename, to the old file")
            app.reopen()
            app.line(f"{stamp(soon)} ERROR after 1, to the new file")
            app.line(f"{stamp(soon)} ERROR after 2")
            follow.wait_for_line(stamp(soon).encode())
            assert rows(follow.lines)[stamp(soon)] == 5
        status, lines, _ = follow.stop(signal.SIGINT)
    assert status == 130 and sum(rows(lines).values()) == 5


@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM"])
def test_a_signal_prints_the_open_bucket_and_the_footer(backend, how, tmp_path):
    """Lines of a bucket still open (stamped ahead) when the signal comes: its row and the
    footer are printed all the same, as ping prints its statistics on Ctrl-C."""
    log, other = tmp_path / "app.log", tmp_path / "other.log"
    log.write_text("")
    other.write_text("")
    with Follow("--backend", backend, *HISTOGRAM, "1s", "ERROR", ".", cwd=tmp_path) as follow:
        follow.wait_for(1, STARTUP)
        now = int(time.time())
        later = now + 10  # ten seconds ahead: its bucket is open when the signal comes
        with Writer(log) as app, Writer(other) as timeless:
            app.line(f"{stamp(later)} ERROR one")
            app.line(f"{stamp(later)} ERROR two")
            timeless.line("ERROR without a timestamp")
            app.line(f"{stamp(now)} ERROR now (out of order in its file)")
            follow.wait_for_line(stamp(now).encode())  # the lines before it were counted: the signal now
            status, lines, err = follow.stop(getattr(signal, how))
    assert (status, err) == ({"SIGINT": 130, "SIGTERM": 143}[how], b"")
    found = rows(lines)
    assert found[stamp(later)] == 2 and found[stamp(now)] == 1 and sum(found.values()) == 3
    assert consecutive(list(found), 1) and list(found)[-1] == stamp(later)
    assert lines[-2:] == [b"3 lines in %d buckets of 1s, times in UTC" % len(found),
                          b"1 line without a timestamp (not in the chart)"]



def test_since_prints_the_closed_buckets_at_once_then_follows(backend, tmp_path):
    """With --since, the catch-up's closed buckets come out as the follow begins, their
    counts exact, the empty ones too; the open bucket at the end."""
    now = time.time()
    log = tmp_path / "app.log"
    log.write_text("".join(f"{stamp(now - ago)} ERROR {ago} s ago\n" for ago in (600, 150, 90, 90, 30)))
    expected: dict[str, int] = {}
    for ago in (150, 90, 90, 30):
        expected[stamp(now - ago)[:16]] = expected.get(stamp(now - ago)[:16], 0) + 1
    with Follow("--backend", backend, *HISTOGRAM, "1m", "--since", "3m", "ERROR", str(log)) as follow:
        follow.wait_for_line(stamp(now - 90)[:16].encode(), STARTUP)  # closed a minute ago at least
        assert follow.process.poll() is None
        status, lines, _ = follow.stop(signal.SIGINT)
    found = rows(lines)
    assert status == 130 and consecutive(list(found), 60)
    assert {label: count for label, count in found.items() if count} == expected
    assert lines[-1].startswith(b"4 lines in ")


def test_m_ends_the_follow_with_the_rows_left_and_until_ends_it_too(backend, tmp_path):
    """-m N: the follow ends after N lines, the open bucket and the footer printed, status 0;
    --until: it ends when that time comes, the rows up to its bucket."""
    log = tmp_path / "app.log"
    log.write_text("")
    with Follow("--backend", backend, *HISTOGRAM, "1m", "-m", "2", "ERROR", str(log)) as follow:
        follow.wait_for(1, STARTUP)
        with Writer(log) as app:
            for i in range(3):
                if follow.process.poll() is not None:
                    break
                app.line(f"{stamp(time.time())} ERROR {i}")
                time.sleep(0.05)
        status, lines, _ = follow.finish()
    assert status == 0 and sum(rows(lines).values()) == 2 and lines[-1].startswith(b"2 lines in ")
    until = time.time() + 2
    with Follow("--backend", backend, *HISTOGRAM, "1s", "--until", stamp(until), "ERROR", str(log)) as follow:
        status, lines, _ = follow.finish(STARTUP)
    assert status == 1 and list(rows(lines))[-1] == stamp(until) and lines[-1].startswith(b"0 lines in ")


def test_a_closed_pipe_ends_it_quietly(backend, tmp_path):
    """`| head -2`: the header and a row, then logpipe ends, status 0, no traceback."""
    log = tmp_path / "app.log"
    log.write_text("")
    head = subprocess.Popen(["head", "-2"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    process = subprocess.Popen([*LOGPIPE, "--backend", backend, *HISTOGRAM, "1s", "ERROR", str(log)],
                               stdout=head.stdin, stderr=subprocess.PIPE)
    head.stdin.close()
    try:
        head.wait(timeout=STARTUP)  # rows come every second, empty or not
        out = head.stdout.read()
        assert out.split(b"\n")[0].split() == [b"per", b"1s", b"lines"] and len(out.split(b"\n")) == 3
        status = process.wait(timeout=DEADLINE)
        assert (status, process.stderr.read()) == (0, b"")
    finally:
        reap(process, head)


def test_json_and_csv_a_bucket_per_row_as_it_closes(backend, tmp_path):
    """--json: one object per closed bucket (with --count-by, that bucket's values), the
    summary at the end; --csv with --count-by: a row per value of each bucket."""
    log = tmp_path / "app.log"
    log.write_text("")
    with Follow("--backend", backend, *HISTOGRAM, "1s", "--count-by", "user", "--json",
                r"ERROR( user=(?<user>\w+))?", str(log)) as follow:
        follow.wait_for(1, STARTUP)  # a bucket, empty: it follows
        with Writer(log) as app:
            soon = int(time.time()) + 2
            for user in ("bob", "alice", "bob"):
                app.line(f"{stamp(soon)} ERROR user={user}")
            app.line(f"{stamp(soon)} ERROR without a user")
            follow.wait_for_line(b'"start":"%sZ"' % stamp(soon).replace(" ", "T").encode(), STARTUP)
            assert follow.process.poll() is None
        status, lines, _ = follow.stop(signal.SIGINT)
    messages = [json.loads(line) for line in lines]
    bucket = next(m["data"] for m in messages if m["data"].get("start") == stamp(soon).replace(" ", "T") + "Z")
    assert bucket == {"start": stamp(soon).replace(" ", "T") + "Z", "end": stamp(soon + 1).replace(" ", "T") + "Z",
                      "count": 4, "values": [{"key": {"user": {"text": "bob"}}, "count": 2},
                                             {"key": {"user": {"text": "alice"}}, "count": 1}], "other": 1}
    assert status == 130 and messages[-1]["type"] == "summary" and messages[-1]["data"]["count"] == 4
    assert messages[0]["data"]["count"] == 0 and messages[0]["data"]["values"] == []
    assert [m["type"] for m in messages[:-1]] == ["bucket"] * (len(messages) - 1)
    with Follow("--backend", backend, *HISTOGRAM, "1s", "--count-by", "user", "--csv", r"ERROR user=(?<user>\w+)",
                str(log)) as follow:
        assert follow.wait_for(1, STARTUP)[0] == b"start,end,lines,user,count"
        with Writer(log) as app:
            soon = int(time.time()) + 2
            for user in ("bob", "alice", "bob"):
                app.line(f"{stamp(soon)} ERROR user={user}")
            start = stamp(soon).replace(" ", "T").encode() + b"Z"
            follow.wait_for_line(start + b",")
            follow.wait_for_line(stamp(soon + 1).replace(" ", "T").encode() + b"Z,")  # the next: the first is whole
        status, lines, _ = follow.stop(signal.SIGINT)
    end = stamp(soon + 1).replace(" ", "T").encode() + b"Z"
    assert [line for line in lines if line.startswith(start)] == [start + b"," + end + b",3,bob,2",
                                                                   start + b"," + end + b",3,alice,1"]
    assert lines[-1].endswith(b",0,,0")  # an empty bucket is a row too


def test_json_rows_are_the_histogram_without_tail(backend, tmp_path):
    """--until in the past: the follow ends at once and prints every row: the bucket objects
    are those --histogram prints without --tail."""
    now = int(time.time()) // 60 * 60
    log = tmp_path / "app.log"
    log.write_text("".join(f"{stamp(now - ago)} ERROR {ago}\n" for ago in (900, 700, 650, 400, 100)))
    bounds = ("--since", stamp(now - 800), "--until", stamp(now - 200))
    args = ("--backend", backend, "--tz", "UTC", "--histogram", "1m", *bounds, "--json", "ERROR", str(log))
    followed = subprocess.run([*LOGPIPE, "--tail", *args], capture_output=True, timeout=STARTUP)
    searched = subprocess.run([*LOGPIPE, *args], capture_output=True, timeout=STARTUP)
    assert followed.returncode == searched.returncode == 0
    buckets = [line for line in followed.stdout.splitlines() if b'"type":"bucket"' in line]
    assert buckets == [line for line in searched.stdout.splitlines() if b'"type":"bucket"' in line]
    assert len(buckets) == 11
    assert b'"count":3' in followed.stdout.splitlines()[-1]


def test_count_by_alone_prints_its_table_at_the_end(backend, tmp_path):
    """--count-by without --histogram: nothing while the follow runs, the table at its end
    (-m N; SIGTERM right after the lines are written: each was counted, whether the follow
    had read it, was searching it (the batch is counted whole first) or reads it at the end)."""
    log = tmp_path / "app.log"
    log.write_text("")
    with Follow("--backend", backend, "--tail", "-m", "3", "--count-by", "user", r"user=(?<user>\w+)",
                str(log)) as follow:
        assert wait_for(lambda: _has_open(follow.process.pid, log), STARTUP)  # followed
        with Writer(log) as app:
            for user in ("bob", "alice", "bob"):
                app.line(f"login user={user}")
                assert follow.lines == []  # nothing before the end
        status, lines, err = follow.finish()
    assert (status, err) == (0, b"")
    assert [line.split()[:2] for line in lines[:3]] == [[b"count", b"user"], [b"2", b"bob"], [b"1", b"alice"]]
    assert lines[3:] == [b"3 lines counted by user: 2 distinct values"]
    with Follow("--backend", backend, "--tail", "--count-by", "user", r"user=(?<user>\w+)", str(log)) as follow:
        assert wait_for(lambda: _has_open(follow.process.pid, log), STARTUP)
        with Writer(log) as app:
            for user in ("carol", "carol", "dave"):
                app.line(f"login user={user}")
            status, lines, err = follow.stop(signal.SIGTERM)
    assert (status, err) == (143, b"")
    assert [line.split()[:2] for line in lines[1:3]] == [[b"2", b"carol"], [b"1", b"dave"]]
    assert lines[3:] == [b"3 lines counted by user: 2 distinct values"]


def _has_open(pid: int, path) -> bool:
    try:
        return any(os.readlink(f"/proc/{pid}/fd/{fd}") == str(path) for fd in os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return False


@pytest.mark.parametrize("since, size", [(None, b"1m"), ("10m", b"30s")])
def test_an_automatic_bucket_is_fixed_at_the_start(backend, since, size, tmp_path):
    """--histogram alone: the size that fits --since to now in the terminal, else 1m."""
    log = tmp_path / "app.log"
    log.write_text("")
    env = {**os.environ, "LINES": "24"}
    with Follow("--backend", backend, "--tail", "--histogram", *(("--since", since) if since else ()), "x",
                str(log), env=env) as follow:
        assert follow.wait_for(1, STARTUP)[0].split()[:2] == [b"per", size]
        follow.stop(signal.SIGINT)


def test_plot_is_written_at_the_end(backend, tmp_path):
    log = tmp_path / "app.log"
    log.write_text("")
    picture = tmp_path / "out" / "live.svg"
    picture.parent.mkdir()
    with Follow("--backend", backend, *HISTOGRAM, "1s", "--plot", str(picture), "ERROR", str(log)) as follow:
        follow.wait_for(1, STARTUP)
        with Writer(log) as app:
            now = time.time()
            app.line(f"{stamp(now)} ERROR once")
            follow.wait_for_line(stamp(now).encode())  # counted: the signal now
            status, _, _ = follow.stop(signal.SIGINT)
    assert status == 130 and b": 1</title>" in picture.read_bytes()
