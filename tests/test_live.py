"""Live logs (issue 21): a pipe's lines searched as they come, --line-buffered, and --tail
following a tree of logs across every kind of rotation, as real processes: logpipe, a
writer that holds its log open as an application does, and the test rotating the files as
logrotate would. Every wait is for a line, bounded by a deadline (tests/live.py)."""
from __future__ import annotations

import gzip
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from helpers import wait_for
from live import DEADLINE, STARTUP, Follow, Writer, after_ready, reap
from logpipe.options import SearchOptions
from logpipe.search import run

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="real processes, signals (Linux)")


# -- streaming input ---------------------------------------------------------------------------


@pytest.mark.parametrize("line_buffered", [False, True], ids=["idle-flush", "line-buffered"])
def test_each_line_from_a_pipe_is_printed_as_it_comes(backend, line_buffered):
    """The issue's example, `(for i in 1 2 3 4 5 6; do echo "ERROR $i"; sleep 1; done) | logpipe
    grep ERROR`, into a pipe: each line comes out while the pipe stays open and before the
    next is written, not at the end. (How soon is the benchmark's business: bench_live.py's
    `stream`, the issue's 0.5 s.)"""
    flags = ["--line-buffered"] if line_buffered else []
    with Follow("--backend", backend, *flags, "ERROR", stdin=subprocess.PIPE) as follow:
        feed = follow.process.stdin
        feed.write(b"ERROR 0 (start)\n")
        feed.flush()
        follow.wait_for(1, STARTUP)
        for i in range(1, 7):
            feed.write(b"info %d\nERROR %d\n" % (i, i))
            feed.flush()
            follow.wait_for(i + 1)
        assert follow.process.poll() is None
        feed.close()
        status, lines, err = follow.finish()
    assert (status, err) == (0, b"")
    assert lines == [b"ERROR 0 (start)"] + [b"ERROR %d" % i for i in range(1, 7)]


def test_json_from_a_pipe_prints_each_match_as_it_comes(backend):
    """--json holds a file's last line until it knows whether it ends with a newline: from a
    pipe that waits, the line goes out while it waits (the lines handed on are whole)."""
    with Follow("--backend", backend, "--json", "ERROR", stdin=subprocess.PIPE) as follow:
        feed = follow.process.stdin
        for i in range(3):
            feed.write(b"info\nERROR %d\n" % i)
            feed.flush()
            follow.wait_for(2 + i, STARTUP)  # the begin, then each match before the next is written
        feed.write(b"ERROR last, no newline")
        feed.close()
        status, lines, err = follow.finish()
    messages = [json.loads(line) for line in lines]
    assert (status, err) == (0, b"")
    assert [m["type"] for m in messages] == ["begin", "match", "match", "match", "match", "end", "summary"]
    assert [m["data"]["lines"]["text"] for m in messages[1:5]] == ["ERROR 0\n", "ERROR 1\n", "ERROR 2\n",
                                                                    "ERROR last, no newline"]


LOG = b"".join(b"2026-11-30 10:%02d:00 %s line %d\n" % (i % 60, b"ERROR" if i % 7 == 0 else b"info", i)
               + (b"  at frame %d\n" % i if i % 11 == 0 else b"") for i in range(400)) + b"last ERROR without newline"


@pytest.mark.parametrize("flags", [{}, {"line_number": True}, {"count": True}, {"only_matching": True, "byte_offset": True},
                                   {"invert_match": True, "line_number": True}, {"json": True},
                                   {"after_context": 1, "before_context": 2, "line_number": True},
                                   {"records": True, "line_number": True}, {"max_count": 3}],
                         ids=["plain", "n", "c", "ob", "vn", "json", "A1B2", "records", "m3"])
def test_a_pipe_fed_in_pieces_prints_what_a_file_does(backend, flags, tmp_path, monkeypatch):
    """The same output, whatever pieces the data comes through a pipe in (the live path
    cuts a block whenever nothing more is ready), as from standard input that is a file."""
    path = tmp_path / "app.log"
    path.write_bytes(LOG)
    options = SearchOptions(patterns=(b"ERROR",), paths=("-",), backend=backend, **flags)
    with open(path, "rb") as regular:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(regular))
        whole = io.BytesIO()
        expected = run(options, whole, io.BytesIO())
    read, write = os.pipe()

    def feed() -> None:
        with os.fdopen(write, "wb", buffering=0) as pipe:
            for start in range(0, len(LOG), 1500):
                pipe.write(LOG[start:start + 1500])
                time.sleep(0.001)  # the writer's pace: pieces, not one write

    with os.fdopen(read, "rb") as piped_input:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(piped_input))
        writer = threading.Thread(target=feed)
        writer.start()
        piped = io.BytesIO()
        status = run(options, piped, io.BytesIO())
        writer.join()
    assert status == expected
    assert _normal(piped.getvalue(), flags) == _normal(whole.getvalue(), flags)


def _normal(out: bytes, flags: dict) -> bytes:
    if not flags.get("json"):
        return out
    messages = [json.loads(line) for line in out.splitlines()]
    for message in messages:
        message["data"].pop("elapsed_total", None)
        message["data"].get("stats", {}).pop("elapsed", None)
    return json.dumps(messages).encode()


@pytest.mark.parametrize("kind", ["terminal", "socket"])
def test_lines_from_a_terminal_or_a_socket_come_as_they_are_typed(backend, kind):
    """`logpipe grep ERROR -` reading a terminal (a pty) or a socket: each line as it comes."""
    import pty
    import socket

    if kind == "terminal":
        ours, theirs = pty.openpty()
        write = lambda data: os.write(ours, data)  # noqa: E731
    else:
        ours_socket, theirs_socket = socket.socketpair()
        ours, theirs = ours_socket.detach(), theirs_socket.detach()
        write = lambda data: os.write(ours, data)  # noqa: E731
    try:
        with Follow("--backend", backend, "ERROR", "-", stdin=theirs) as follow:
            os.close(theirs)
            write(b"ERROR one\n")
            follow.wait_for(1, STARTUP)
            write(b"info\nERROR two\n")
            follow.wait_for(2)
            assert follow.lines == [b"ERROR one", b"ERROR two"]
    finally:
        os.close(ours)


def test_a_nul_arriving_later_on_a_pipe_makes_the_rest_binary(backend, monkeypatch):
    """A pipe's binary verdict is taken on what has come by its first line; a NUL that comes
    later within the first 32 KiB makes the rest binary, as GNU grep reads a pipe."""
    read, write = os.pipe()
    out = io.BytesIO()

    def feed() -> None:
        with os.fdopen(write, "wb", buffering=0) as pipe:
            pipe.write(b"ERROR printed as text\n")
            end = time.monotonic() + DEADLINE
            while b"ERROR printed" not in out.getvalue() and time.monotonic() < end:
                time.sleep(0.01)  # until the first line is out (the search runs in this process)
            pipe.write(b"\0 ERROR after the NUL\nERROR again\n")

    with os.fdopen(read, "rb") as piped:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(piped))
        writer = threading.Thread(target=feed)
        writer.start()
        status = run(SearchOptions(patterns=(b"ERROR",), paths=("-",), backend=backend, line_buffered=True), out,
                     io.BytesIO())
        writer.join()
    assert (status, out.getvalue()) == (0, b"ERROR printed as text\nBinary file (standard input) matches\n")


def test_a_fifo_given_as_path_streams_with_workers_asked_for(backend, tmp_path):
    """A FIFO among the PATHs is searched in this process (-j N or not): its lines come as written."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with Follow("--backend", backend, "-j2", "ERROR", str(fifo)) as follow:
        with open(fifo, "wb", buffering=0) as pipe:
            pipe.write(b"ERROR one\n")
            follow.wait_for(1, STARTUP)
            pipe.write(b"ERROR two\n")
            follow.wait_for(2)
        status, lines, err = follow.finish()
    assert (status, lines) == (0, [b"ERROR one", b"ERROR two"])


def test_line_buffered_flushes_each_line_while_input_keeps_coming(backend):
    """With --line-buffered each match goes out at once, even when the input is never quiet."""
    with Follow("--backend", backend, "--line-buffered", "MATCH", stdin=subprocess.PIPE) as follow:
        feed = follow.process.stdin
        noise = b"noise line\n" * 2000
        feed.write(b"MATCH 0\n")
        feed.flush()
        follow.wait_for(1, STARTUP)
        stop = threading.Event()

        def flood() -> None:
            try:
                while not stop.is_set():
                    feed.write(noise)
                    feed.flush()
            except (BrokenPipeError, ValueError):
                pass

        flooder = threading.Thread(target=flood)
        flooder.start()
        try:
            follow.wait_for(1)
        finally:
            stop.set()
            flooder.join()
        feed.write(b"MATCH 1\n")
        feed.flush()
        follow.wait_for(2)
        feed.close()
        status, lines, _ = follow.finish()
    assert lines == [b"MATCH 0", b"MATCH 1"]


# -- --tail ------------------------------------------------------------------------------------


def test_tail_follows_appends_across_files_from_their_end(backend, tmp_path):
    """Nothing old is printed; appended lines come with their file's name, in the order they
    were written; an unfinished line waits for its newline; -n counts from the file's start."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.log").write_text("old ERROR a\n" * 3)
    (tmp_path / "sub" / "b.log").write_text("old ERROR b\nunfinished ")
    (tmp_path / "m.log").write_text("")
    with Follow("--backend", backend, "--tail", "-n", "ERROR", ".", cwd=tmp_path) as follow:
        follow.ready(tmp_path / "m.log")
        with Writer(tmp_path / "a.log") as a, Writer(tmp_path / "sub" / "b.log") as b:
            a.line("ERROR 1 in a")
            follow.wait_for_line(b"ERROR 1")  # each line read before the next is written: their order
            b.line("ERROR 2 in b (the end of the unfinished line)")
            follow.wait_for_line(b"ERROR 2")
            b.partial("ERROR 3 in b, ")
            a.line("ERROR 4 in a")
            follow.wait_for_line(b"ERROR 4")
            b.line("finished")
            follow.wait_for_line(b"finished")
        status, lines, err = follow.stop(signal.SIGINT)
    assert status == 130
    assert after_ready(lines) == [b"./a.log:4:ERROR 1 in a",
                                  b"./sub/b.log:2:unfinished ERROR 2 in b (the end of the unfinished line)",
                                  b"./a.log:5:ERROR 4 in a", b"./sub/b.log:3:ERROR 3 in b, finished"]


@pytest.mark.parametrize("watch", ["inotify", "polling"])
def test_tail_across_rotations_prints_every_line_once(backend, watch, tmp_path):
    """logrotate's create (rename, and the writer's last lines to the old file before it
    reopens), copytruncate, delete and re-create, a new file moved in place: every line
    written is printed once, in its file's order."""
    log = tmp_path / "app.log"
    log.write_text("old line\n")
    flags = ["--tail-poll", "0.1"] if watch == "polling" else []
    with Follow("--backend", backend, "--tail", *flags, "-n", "ERROR", ".", cwd=tmp_path) as follow:
        follow.ready(log)
        with Writer(log) as app:
            app.line("ERROR 1")
            os.rename(log, tmp_path / "app.log.1")  # create: renamed away ...
            app.line("ERROR 2 (after the rename, to the old file)")
            app.reopen()  # ... and the writer reopens its log at the old name: a new file
            app.line("ERROR 3")
            follow.wait_for_line(b"ERROR 3")
            with open(log, "rb") as current, open(tmp_path / "app.log.2", "wb") as copy:  # copytruncate
                copy.write(current.read())
            os.truncate(log, 0)
            app.line("ERROR 4 (after the truncation)")
            follow.wait_for_line(b"ERROR 4")
            os.unlink(log)  # deleted ...
            app.line("ERROR 5 (to the deleted file)")
            app.reopen()  # ... and re-created
            app.line("ERROR 6")
            follow.wait_for_line(b"ERROR 6")
            (tmp_path / "new").write_text("ERROR 7 (in a file moved in place)\n")
            os.rename(tmp_path / "new", log)
            app.reopen()
            app.line("ERROR 8")
            follow.wait_for_line(b"ERROR 8")
        status, lines, err = follow.stop(signal.SIGTERM)
    printed = after_ready(lines)
    assert (status, err) == (143, b""), (err.decode(), printed)
    found = [line.split(b":", 2)[2] for line in printed]
    assert sorted(found) == sorted(set(found)), f"a line twice: {printed}"
    assert found == [b"ERROR 1", b"ERROR 2 (after the rename, to the old file)", b"ERROR 3",
                     b"ERROR 4 (after the truncation)", b"ERROR 5 (to the deleted file)", b"ERROR 6",
                     b"ERROR 7 (in a file moved in place)", b"ERROR 8"], printed


def test_tail_names_and_numbers_after_rotation(backend, tmp_path):
    """-n: a line's number in its file as it is on disk when the line is read (the renamed
    file's numbers go on; its lines are printed under its new name once the rename is seen,
    so those read around it may have either), and a truncated file counts from 1 again."""
    log = tmp_path / "app.log"
    log.write_text("old\nold\n")
    (tmp_path / "m.log").write_text("")
    with Follow("--backend", backend, "--tail", "-n", "ERROR", "-g", "app.log*", ".", "m.log", cwd=tmp_path) as follow:
        follow.ready(tmp_path / "m.log")
        with Writer(log) as app:
            app.line("ERROR before")
            os.rename(log, tmp_path / "app.log.1")
            app.line("ERROR late")
            app.reopen()
            app.line("ERROR new")
            follow.wait_for_line(b"ERROR new")
            os.truncate(log, 0)
            app.line("ERROR truncated")
            follow.wait_for_line(b"ERROR truncated")
        status, lines, _ = follow.stop()
    found = after_ready(lines)  # the lines read around the rename are printed under either name
    assert found[0] in (b"./app.log:3:ERROR before", b"./app.log.1:3:ERROR before")
    assert found[1] in (b"./app.log:4:ERROR late", b"./app.log.1:4:ERROR late")
    assert found[2:] == [b"./app.log:1:ERROR new", b"./app.log:1:ERROR truncated"]


def test_tail_new_files_as_the_walk_selects_them(backend, tmp_path):
    """A file that appears is followed from its start if the walk would select it (-g,
    --exclude, --max-depth apply); a compressed one never is."""
    (tmp_path / "deep" / "deeper").mkdir(parents=True)
    marker = tmp_path / "ready.log"
    marker.write_text("")
    with Follow("--backend", backend, "--tail", "-g", "*.log", "--exclude", "skip*", "--max-depth", "2", "ERROR",
                ".", cwd=tmp_path) as follow:
        follow.ready(marker)
        (tmp_path / "new.log").write_text("ERROR in new.log\n")
        (tmp_path / "other.txt").write_text("ERROR in other.txt\n")
        (tmp_path / "skip.log").write_text("ERROR in skip.log\n")
        (tmp_path / "deep" / "deeper" / "far.log").write_text("ERROR too deep\n")
        (tmp_path / "deep" / "near.log").write_text("ERROR in deep/near.log\n")
        (tmp_path / "rotated.log").write_bytes(gzip.compress(b"ERROR compressed\n" * 100))
        (tmp_path / "subdir").mkdir()
        (tmp_path / "subdir" / "later.log").write_text("ERROR in subdir/later.log\n")
        with open(marker, "a") as log:
            log.write("ERROR end\n")
        follow.wait_for_line(b"ERROR end")
        follow.wait_for_line(b"later.log")
        status, lines, _ = follow.stop()
    found = sorted(after_ready(lines))
    assert found == [b"./deep/near.log:ERROR in deep/near.log", b"./new.log:ERROR in new.log",
                     b"./ready.log:ERROR end", b"./subdir/later.log:ERROR in subdir/later.log"]


def test_tail_records_go_out_when_the_next_starts_or_the_file_is_quiet(backend, tmp_path):
    log = tmp_path / "app.log"
    log.write_text("2026-11-30 10:00:00 old\n")
    with Follow("--backend", backend, "--tail", "--records", "-h", "Error", str(log)) as follow:
        follow.ready(log, "2026-11-30 10:00:01 Error ready")
        with Writer(log) as app:
            app.line("2026-11-30 10:00:02 Error: a traceback")
            app.line("  at one")
            app.line("  at two")
            app.line("2026-11-30 10:00:03 info after it")
            follow.wait_for_line(b"at two")
            app.line("2026-11-30 10:00:04 Error: another")
            app.line("  at three")
            follow.wait_for_line(b"at three")  # no next record: out when the file is quiet
        status, lines, _ = follow.stop()
    assert after_ready(lines, b"Error ready") == [
        b"2026-11-30 10:00:02 Error: a traceback", b"  at one", b"  at two", b"--",
        b"2026-11-30 10:00:04 Error: another", b"  at three"]


def test_tail_output_modes(backend, tmp_path):
    """-o with -b and --color, --json: a begin for each file as it first matches, and an
    end for each at the end of the follow."""
    marker, a, b = tmp_path / "m.log", tmp_path / "a.log", tmp_path / "b.log"
    for path in (marker, a, b):
        path.write_text("")
    results = {}
    for mode in (["-o", "-b", "--color=always"], ["--json"]):
        with Follow("--backend", backend, "--tail", *mode, "ERR[0-9]", str(marker), str(a), str(b)) as follow:
            follow.ready(marker, "ready ERR0", b"ERR0")
            with Writer(a) as first, Writer(b) as second:
                first.line("x ERR1 y ERR2")
                follow.wait_for_line(b"ERR2")  # each line read before the next is written: their order
                second.line("ERR3")
                follow.wait_for_line(b"ERR3")
                first.line("ERR4")
                follow.wait_for_line(b"ERR4")
            _, lines, _ = follow.stop()
        results[mode[0]] = after_ready(lines, b"ERR0")
    data_a = a.read_bytes()
    name_a, name_b = str(a).encode(), str(b).encode()
    first_run = data_a.index(b"x ERR1")  # the -o run's lines are the first in a.log

    def painted(name: bytes, offset: int, match: bytes) -> bytes:  # GNU grep's default colours
        return (b"\x1b[35m\x1b[K" + name + b"\x1b[m\x1b[K\x1b[36m\x1b[K:\x1b[m\x1b[K\x1b[32m\x1b[K%d\x1b[m\x1b[K"
                b"\x1b[36m\x1b[K:\x1b[m\x1b[K\x1b[01;31m\x1b[K" % offset + match + b"\x1b[m\x1b[K")

    assert results["-o"] == [painted(name_a, first_run + 2, b"ERR1"), painted(name_a, first_run + 9, b"ERR2"),
                             painted(name_b, 0, b"ERR3"), painted(name_a, data_a.index(b"ERR4"), b"ERR4")]
    messages = [json.loads(line) for line in results["--json"]]
    assert [(m["type"], m["data"].get("path", {}).get("text")) for m in messages] == [
        ("begin", str(a)), ("match", str(a)), ("begin", str(b)), ("match", str(b)), ("match", str(a)),
        ("end", str(marker)), ("end", str(a)), ("end", str(b))]
    assert messages[1]["data"]["lines"]["text"] == "x ERR1 y ERR2\n"
    assert [match["match"]["text"] for match in messages[1]["data"]["submatches"]] == ["ERR1", "ERR2"]


def test_tail_ends_after_m_matches_in_all_and_q_at_the_first(backend, tmp_path):
    """-m N ends the follow after N selected lines in all files (status 0); -q at the first."""
    marker, a, b = tmp_path / "m.log", tmp_path / "a.log", tmp_path / "b.log"
    for path in (marker, a, b):
        path.write_text("")
    with Follow("--backend", backend, "--tail", "-m", "3", "ERROR", str(marker), str(a), str(b)) as follow:
        follow.ready(marker)
        markers = len(follow.lines)
        written = []
        with Writer(a) as first, Writer(b) as second:
            for i in range(1, 8):
                if follow.process.poll() is not None:
                    break
                (first if i % 2 else second).line(f"ERROR {i}")
                written.append(f"ERROR {i}".encode())
                follow.wait_for(min(3, markers + i))
        status, lines, _ = follow.finish()
    assert status == 0
    assert len(lines) == 3 and [line.split(b":", 1)[1] for line in lines[markers:]] == written[:3 - markers]
    with Follow("--backend", backend, "--tail", "-q", "ERROR", str(a)) as follow:
        with Writer(a) as first:
            end = time.monotonic() + STARTUP
            while follow.process.poll() is None and time.monotonic() < end:  # its first match ends it
                first.line("ERROR again")
                follow.wait_for(0, 0.3)
        status, lines, _ = follow.finish()
    assert (status, lines) == (0, [])


def test_tail_since_prints_what_matches_since_then_follows_until(backend, tmp_path):
    """--since: first what matches since TIME (rotated compressed files too), then the
    follow; --until ends the follow when that time comes."""
    now = time.time()
    stamp = lambda seconds: time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now + seconds))  # noqa: E731
    (tmp_path / "app.log.1.gz").write_bytes(gzip.compress(
        f"{stamp(-7200)} ERROR two hours ago\n{stamp(-300)} ERROR five minutes ago, rotated\n".encode()))
    (tmp_path / "app.log").write_text(f"{stamp(-3600)} ERROR an hour ago\n{stamp(-120)} ERROR two minutes ago\n")
    until = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now + 5))
    with Follow("--backend", backend, "--tail", "--since", "10m", "--until", until, "-h", "ERROR", ".",
                cwd=tmp_path) as follow:
        follow.wait_for(2, STARTUP)  # what matches since TIME, in the walk's order
        with Writer(tmp_path / "app.log") as app:
            app.line(f"{stamp(0)} ERROR now")
            follow.wait_for(3)
        status, lines, err = follow.finish(DEADLINE + 5)
    assert (status, err) == (0, b"")
    assert [line.split(b" ", 2)[2] for line in lines] == [b"ERROR two minutes ago",  # in the walk's order
                                                           b"ERROR five minutes ago, rotated", b"ERROR now"]


def test_tail_sort_time_merges_the_files_by_their_timestamps(backend, tmp_path):
    """--sort time: lines of different files that come within a second of each other go
    out in the order of their timestamps; a file's own order is kept (a line without a
    timestamp, or earlier than the line before it, stays after it)."""
    marker, a, b = tmp_path / "m.log", tmp_path / "a.log", tmp_path / "b.log"
    for path in (marker, a, b):
        path.write_text("")
    with Follow("--backend", backend, "--tail", "--sort", "time", "-h", "ERROR", str(marker), str(a),
                str(b)) as follow:
        follow.ready(marker, "2026-11-30 09:00:00 ERROR ready")
        with Writer(a) as first, Writer(b) as second:
            first.line("2026-11-30 10:00:03 ERROR a, third")
            first.line("ERROR a, continued (no time of its own)")
            second.line("2026-11-30 10:00:01 ERROR b, first")
            second.line("2026-11-30 10:00:04 ERROR b, fourth")
            first.line("2026-11-30 10:00:02 ERROR a, late in its own file (it keeps its place there)")
            follow.wait_for_line(b"ERROR b, fourth")
        status, lines, _ = follow.stop()
    assert after_ready(lines) == [b"2026-11-30 10:00:01 ERROR b, first", b"2026-11-30 10:00:03 ERROR a, third",
                                  b"ERROR a, continued (no time of its own)",
                                  b"2026-11-30 10:00:02 ERROR a, late in its own file (it keeps its place there)",
                                  b"2026-11-30 10:00:04 ERROR b, fourth"]


@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM", "head"])
def test_tail_ends_on_signals_and_a_closed_pipe(backend, how, tmp_path):
    """Ctrl-C 130, SIGTERM 143 (an unfinished last line printed first), `| head -1` 0 as
    soon as head is gone, not at the next match."""
    log = tmp_path / "app.log"
    log.write_text("")
    if how == "head":
        head = subprocess.Popen(["head", "-1"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        process = subprocess.Popen([*LOGPIPE_TAIL, "--backend", backend, "ERROR", str(log)], stdout=head.stdin,
                                   stderr=subprocess.PIPE)
        head.stdin.close()
        try:
            end = time.monotonic() + STARTUP
            while head.poll() is None and time.monotonic() < end:
                with open(log, "a") as app:
                    app.write("ERROR once\n")
                try:
                    head.wait(0.3)
                except subprocess.TimeoutExpired:
                    pass
            assert head.stdout.read() == b"ERROR once\n"
            status = process.wait(timeout=DEADLINE)  # no more line is written: it sees head gone by itself
            assert (status, process.stderr.read()) == (0, b"")
        finally:
            reap(process, head)
        return
    with Follow("--backend", backend, "--tail", "ERROR", str(log)) as follow:
        follow.ready(log)
        with Writer(log) as app:
            app.partial("ERROR unfinished")
            status, lines, err = follow.stop(getattr(signal, how))
    assert (status, err) == ({"SIGINT": 130, "SIGTERM": 143}[how], b"")
    assert lines[-1] == b"ERROR unfinished"


LOGPIPE_TAIL = [sys.executable, "-m", "logpipe", "grep", "--no-progress", "--no-config", "--tail"]


@pytest.mark.parametrize("args, message", [
    (["-c"], b"--tail cannot be used with --count"), (["-l"], b"--tail cannot be used with --files-with-matches"),
    (["x", "s3://bucket/logs"], b"--tail follows local files only: s3://bucket/logs is a URL"),
    (["x", "-"], b"--tail follows files, not standard input")])
def test_tail_refuses_what_it_cannot_follow(args, message):
    from click.testing import CliRunner

    from logpipe.cli import main

    result = CliRunner().invoke(main, ["grep", "--tail", "ERROR", *args])
    assert result.exit_code == 2
    assert message in result.output.encode()


def test_tail_copytruncate_with_the_copy_in_the_tree_then_a_stop_prints_every_line(backend, tmp_path):
    """logrotate's copytruncate with its copy beside the log (app.log.1, in the followed
    tree): the copy waits to be told a copy (its lines were printed from app.log), and a
    stop right after lines are written to the truncated log prints them, once (a waiting
    copy kept the follow busy, reading no event, and the end read the log from where it
    had been before its truncation: the lines were lost)."""
    log = tmp_path / "app.log"
    log.write_text("old ERROR 0\n")
    with Follow("--backend", backend, "--tail", "ERROR", ".", cwd=tmp_path) as follow:
        follow.ready(log)
        with Writer(log) as app:
            for i in range(1, 21):
                app.line(f"ERROR {i}")
            follow.wait_for_line(b"ERROR 20")
            with open(log, "rb") as current, open(tmp_path / "app.log.1", "wb", buffering=0) as copy:
                held = current.read()  # copytruncate, the copy written in two goes, the second once it is seen
                copy.write(held[:len(held) // 2])
                assert wait_for(lambda: _has_open(follow.process.pid, tmp_path / "app.log.1"), DEADLINE)
                copy.write(held[len(held) // 2:])
            os.truncate(log, 0)
            for i in range(21, 26):
                app.line(f"ERROR {i} (after the truncation)")
        status, lines, err = follow.stop(signal.SIGINT)
    printed = [line.split(b":", 1)[1] for line in after_ready(lines)]
    assert (status, err) == (130, b""), (err.decode(), printed)
    assert printed == [f"ERROR {i}".encode() for i in range(1, 21)] + \
        [f"ERROR {i} (after the truncation)".encode() for i in range(21, 26)], printed


def _has_open(pid: int, path) -> bool:
    """Whether process `pid` has `path` open (the follow opens a file when it finds it)."""
    try:
        return any(os.readlink(f"/proc/{pid}/fd/{fd}") == str(path) for fd in os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return False


@pytest.mark.parametrize("block_size", [8, 4096])
def test_a_read_cut_short_leaves_the_file_where_it_was_handed_on(tmp_path, block_size):
    """A signal that comes while a followed file's block is searched ends the read where it
    stands (the generators are closed at their yield). What was handed on is read: the end of
    the follow reads on after it, not again, and never takes the file for truncated (which
    read the whole file again from its start: seen as lines counted twice on Ctrl-C)."""
    from logpipe.pipeline.followed import Followed

    log = tmp_path / "app.log"
    log.write_bytes(b"old line\n")
    fd = os.open(log, os.O_RDONLY)
    try:
        file = Followed(fd, str(log), b"app.log", (0, 0), block_size=block_size)
        file.start_at(log.stat().st_size)
        with open(log, "ab") as app:
            app.write(b"carol one\ncarol two\ndave\n")
        reading = file.read(None)
        first = next(reading)  # handed on; then the read is cut short there
        reading.close()
        assert not file.changed(log.stat().st_size)
        rest = b"".join(block.data for block in file.read(None))
        assert first.data + rest == b"carol one\ncarol two\ndave\n"
    finally:
        os.close(fd)
