"""--records and --record-start: multi-line records (stack traces, tracebacks, panics)
are what is selected, counted and printed; on both backends, tiny and normal blocks, -j2."""
from __future__ import annotations

import io
import json
import logging
import random
import re
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import logpipe.pipeline.multiline
import logpipe.executors.workers
from helpers import CORPUS, search_with, write
from logpipe.pipeline.blocks import BLOCK_SIZE, MAX_LINE_BYTES
from logpipe.cli import main
from logpipe.pipeline.multiline import MAX_RECORD_LINES
from logpipe.pipeline.timeformats import leading_timestamp
from logpipe.options import SearchOptions
from logpipe.search import run
from logpipe.stats import Stats

# The default rule, as the reference applies it line by line: timestamps.py's formats at a line's start.
LEADING = re.compile(leading_timestamp(), re.MULTILINE)

JAVA = b"""\
2024-05-01 10:00:00,001 INFO  [main] app started
2024-05-01 10:00:01,002 ERROR [worker-3] request failed
java.lang.IllegalStateException: could not load order 42
\tat com.acme.orders.Service.handle(Service.java:42)
\tat com.acme.Main.main(Main.java:10)
Caused by: java.lang.RuntimeException: wrapped
\tat com.acme.orders.Repo.find(Repo.java:88)
\t... 2 more
Caused by: java.lang.NullPointerException: row is null
\tat com.acme.orders.Dao.load(Dao.java:7)
\t... 4 more
2024-05-01 10:00:02,003 INFO  [main] order 43 ok
2024-05-01 10:00:03,004 WARN  [main] slow query
"""

GO_PANIC = b"""\
2024/05/01 10:00:00 server listening on :8080
2024/05/01 10:00:05 handling /items/7
panic: runtime error: index out of range [5] with length 3

goroutine 1 [running]:
main.lookup(...)
\t/src/app/main.go:12
main.main()
\t/src/app/main.go:20 +0x1d

goroutine 7 [chan receive]:
main.worker()
\t/src/app/worker.go:9 +0x2b
exit status 2
2024/05/01 10:00:06 restarted
"""


def python_traceback_log() -> bytes:
    """A real `logging.exception` record: the message line, then Python's own traceback."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("2024-05-01 10:00:%(second)s,000 %(levelname)s %(name)s: %(message)s"))
    log = logging.getLogger("test_multiline")
    log.addHandler(handler)
    log.propagate = False
    log.setLevel(logging.INFO)
    try:
        log.info("starting", extra={"second": "00"})
        try:
            {}["missing"]
        except KeyError:
            try:
                int("x")
            except ValueError:
                log.exception("could not parse the order", extra={"second": "01"})
        log.info("done", extra={"second": "02"})
    finally:
        log.removeHandler(handler)
    return stream.getvalue().encode()


# -- the reference: build every record line by line, then select ---------------------------


def reference_records(data: bytes, start: bytes | None = None, max_lines: int = MAX_RECORD_LINES,
                      max_bytes: int = MAX_LINE_BYTES) -> list[list[tuple[int, bytes]]]:
    """Every record, as a list of (line number, line): the rule applied to each line in turn."""
    rule = re.compile(start, re.MULTILINE).search if start is not None else LEADING.match
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    records, size = [], 0
    for number, line in enumerate(lines, 1):
        if not records or rule(line) or len(records[-1]) >= max_lines or size + len(line) + 1 > max_bytes:
            records.append([])
            size = 0
        records[-1].append((number, line))
        size += len(line) + 1
    return records


def reference_grep(pattern: bytes, data: bytes, *, start: bytes | None = None, invert: bool = False,
                   before: int = 0, after: int = 0, max_count: int | None = None, **caps) -> bytes:
    """What `--records -n` prints: selected records whole, `:` on matching lines, `-` on the
    others, N records of context, `--` between records that are not adjacent."""
    regex = re.compile(pattern)
    records = reference_records(data, start, **caps)
    marks = [[regex.search(line) is not None for _, line in record] for record in records]
    selected = [i for i, m in enumerate(marks) if any(m) != invert][:max_count]
    shown: dict[int, bool] = {}
    for i in selected:
        for j in range(max(0, i - before), min(len(records), i + after + 1)):
            shown.setdefault(j, False)
    for i in selected:
        shown[i] = True
    if max_count is not None and selected:  # after -m, only the trailing context of the last one
        shown = {j: s for j, s in shown.items() if j <= selected[-1] + after}
    out, last = [], None
    for i in sorted(shown):
        if last is not None and i != last + 1:
            out.append(b"--\n")
        last = i
        for (number, line), matched in zip(records[i], marks[i]):
            mark = b":" if shown[i] and (matched or invert) else b"-"
            out.append(b"%d%s%s\n" % (number, mark, line))
    return b"".join(out)


def test_java_trace_with_nested_causes_is_one_record(logpipe, tmp_path):
    write(tmp_path / "app.log", JAVA, "gzip")
    result = logpipe("NullPointerException", tmp_path / "app.log", records=True, line_number=True)
    assert result.out.decode() == (
        "2-2024-05-01 10:00:01,002 ERROR [worker-3] request failed\n"
        "3-java.lang.IllegalStateException: could not load order 42\n"
        "4-\tat com.acme.orders.Service.handle(Service.java:42)\n"
        "5-\tat com.acme.Main.main(Main.java:10)\n"
        "6-Caused by: java.lang.RuntimeException: wrapped\n"
        "7-\tat com.acme.orders.Repo.find(Repo.java:88)\n"
        "8-\t... 2 more\n"
        "9:Caused by: java.lang.NullPointerException: row is null\n"
        "10-\tat com.acme.orders.Dao.load(Dao.java:7)\n"
        "11-\t... 4 more\n")
    assert result.status == 0
    # several matching lines in one record: the record once, each of them marked
    assert logpipe("Caused by", tmp_path / "app.log", records=True, line_number=True).lines[4:9] == [
        b"6:Caused by: java.lang.RuntimeException: wrapped", b"7-\tat com.acme.orders.Repo.find(Repo.java:88)",
        b"8-\t... 2 more", b"9:Caused by: java.lang.NullPointerException: row is null",
        b"10-\tat com.acme.orders.Dao.load(Dao.java:7)"]
    assert logpipe("Caused by", tmp_path / "app.log", records=True, count=True).out == b"1\n"
    # without --records: lines, as before
    assert logpipe("NullPointerException", tmp_path / "app.log").lines == [
        b"Caused by: java.lang.NullPointerException: row is null"]


def test_python_traceback_from_logging_exception(logpipe, tmp_path):
    data = python_traceback_log()
    assert b"Traceback (most recent call last):" in data and b"During handling" in data
    write(tmp_path / "app.log", data, "zstd")
    result = logpipe("ERROR", tmp_path / "app.log", records=True)
    lines = data.split(b"\n")[:-1]
    assert result.lines == lines[1:-1]  # all but the first and the last record
    assert result.lines[-1] == b"ValueError: invalid literal for int() with base 10: 'x'"
    found = logpipe("KeyError", tmp_path / "app.log", records=True, line_number=True)
    assert found.lines[0] == b"2-" + lines[1] and found.out == reference_grep(b"KeyError", data)
    assert logpipe("starting|done", tmp_path / "app.log", records=True, line_number=True).lines == [
        b"1:" + lines[0], b"--", b"%d:" % len(lines) + lines[-1]]


def test_go_panic_with_goroutine_dumps(logpipe, tmp_path):
    write(tmp_path / "server.log", GO_PANIC, "xz")
    result = logpipe(r"goroutine \d+ \[chan", tmp_path / "server.log", records=True, line_number=True)
    assert result.out == reference_grep(rb"goroutine \d+ \[chan", GO_PANIC)
    assert result.lines[0] == b"2-2024/05/01 10:00:05 handling /items/7"
    assert result.lines[2:4] == [b"4-", b"5-goroutine 1 [running]:"]  # blank lines belong to the record
    assert result.lines[-4:] == [b"11:goroutine 7 [chan receive]:", b"12-main.worker()",
                                 b"13-\t/src/app/worker.go:9 +0x2b", b"14-exit status 2"]


def test_record_start_sets_the_rule(logpipe, tmp_path):
    data = b"BEGIN job 1\n  step a\n  step b failed\nBEGIN job 2\n  step a\nEND\nBEGIN job 3 failed\n"
    write(tmp_path / "jobs.log", data)
    result = logpipe("failed", tmp_path / "jobs.log", record_start=b"^BEGIN", line_number=True)
    assert result.out == b"1-BEGIN job 1\n2-  step a\n3:  step b failed\n--\n7:BEGIN job 3 failed\n"
    assert result.out == reference_grep(b"failed", data, start=b"^BEGIN")
    # unanchored, the regex may match anywhere in the line (as Filebeat's multiline.pattern)
    assert logpipe("step a", tmp_path / "jobs.log", record_start=b"job", count=True).out == b"2\n"
    # the default rule sees no timestamp here: one record, the whole file
    assert logpipe("END", tmp_path / "jobs.log", records=True, count=True, line_number=True).out == b"1\n"


def test_records_start_where_the_time_section_recognises_a_timestamp(logpipe, tmp_path):
    """The default rule is timestamps.py's: a line starting with one of its formats, after an
    optional `[`, `<PRI>1 `, a few leading fields behind an upper-case label or a number, or a
    log file's name. A timestamp further into a line, or a Unix time after words, is no start."""
    data = (b"<34>1 2026-11-30T17:53:34.003Z web01 app - - first\n"
            b"Killed process 1234567890 (java) hit\n"
            b"ValueError: time data 2026-11-30 17:53:35 does not match hit\n"
            b"- 1117838570 2005.06.03 R02-M1-N0 second hit\n"
            b"I1130 17:53:36.123456 1234 main.go:42] third\n"
            b"  2026-11-30 17:53:37 indented, so a continuation hit\n"
            b"1764525217 fourth, a Unix time first\n")
    write(tmp_path / "mixed.log", data, "gzip")
    result = logpipe("hit", tmp_path / "mixed.log", records=True, line_number=True)
    assert result.out == (b"1-<34>1 2026-11-30T17:53:34.003Z web01 app - - first\n"
                          b"2:Killed process 1234567890 (java) hit\n"
                          b"3:ValueError: time data 2026-11-30 17:53:35 does not match hit\n"
                          b"4:- 1117838570 2005.06.03 R02-M1-N0 second hit\n"
                          b"5-I1130 17:53:36.123456 1234 main.go:42] third\n"
                          b"6:  2026-11-30 17:53:37 indented, so a continuation hit\n")
    assert logpipe(".", tmp_path / "mixed.log", records=True, count=True).out == b"4\n"


def test_time_format_also_sets_where_records_start(logpipe, tmp_path):
    data = b"<30.11.2026 17:53:34> a\nTraceback: boom\n<30.11.2026 19:00:00> b\n  detail\n"
    write(tmp_path / "odd.log", data)
    result = logpipe("boom", tmp_path / "odd.log", records=True, time_format="<%d.%m.%Y %H:%M:%S>", tz="UTC")
    assert result.lines == [b"<30.11.2026 17:53:34> a", b"Traceback: boom"]
    assert logpipe("detail", tmp_path / "odd.log", records=True, time_format="<%d.%m.%Y %H:%M:%S>",
                   tz="UTC", count=True).out == b"1\n"
    # without it, no line starts with a recognised timestamp: the whole file is one record
    assert logpipe("boom", tmp_path / "odd.log", records=True).lines == data.split(b"\n")[:-1]


def test_bad_record_start_is_one_clear_error(tmp_path):
    write(tmp_path / "x.log", b"x\n")
    result = CliRunner().invoke(main, ["grep", "--record-start", "(", "x", str(tmp_path / "x.log")])
    assert result.exit_code == 2 and result.stdout_bytes == b""
    assert result.stderr_bytes.startswith(b"logpipe: invalid --record-start regular expression '(': ")


def test_cap_cuts_records_at_500_lines_and_max_line_bytes(logpipe, tmp_path):
    lines = [b"2024-05-01 10:00:00 start"] + [b"  frame %d" % i for i in range(1, 1201)]
    data = b"\n".join(lines + [b"2024-05-01 10:00:01 next", b"  needle after"]) + b"\n"
    write(tmp_path / "long.log", data, "gzip")
    result = logpipe("frame 1100$", tmp_path / "long.log", records=True, line_number=True)
    # records: lines 1-500, 501-1000, 1001-1201, then the next timestamp
    assert result.lines[0] == b"1001-  frame 1000" and result.lines[-1] == b"1201-  frame 1200"
    assert len(result.lines) == 201 and result.out == reference_grep(b"frame 1100$", data)
    assert logpipe("frame", tmp_path / "long.log", records=True, count=True).out == b"3\n"
    assert logpipe("needle", tmp_path / "long.log", records=True, line_number=True).lines == [
        b"1202-2024-05-01 10:00:01 next", b"1203:  needle after"]
    # the byte cap: --max-line-bytes bounds a record too
    small = logpipe("frame 7$", tmp_path / "long.log", records=True, line_number=True, max_line_bytes=50)
    assert small.out == reference_grep(b"frame 7$", data, max_bytes=50) and len(small.lines) == 5
    # --stats counts the records and the cuts, the same whatever the block size
    for block_size in (5, 4096, BLOCK_SIZE):
        for backend in ("pull", "push"):
            stats = Stats()
            run(SearchOptions(patterns=(b"frame",), paths=(str(tmp_path / "long.log"),), records=True,
                              count=True, backend=backend, block_size=block_size, stats=True),
                io.BytesIO(), io.BytesIO(), stats)
            assert (stats.records, stats.record_cuts) == (4, 2)


def test_stats_line_reports_the_cuts(tmp_path):
    data = b"2024-05-01 10:00:00 start\n" + b"  more\n" * 1100
    write(tmp_path / "long.log", data)
    result = CliRunner().invoke(main, ["grep", "--records", "--stats", "-c", "more", str(tmp_path / "long.log")])
    assert result.stdout_bytes == b"3\n"
    assert b"3 records, 2 cut at the cap" in result.stderr_bytes


def test_records_across_block_boundaries(backend, tmp_path):
    """Traces that straddle the 256 KiB blocks, and every block size in between."""
    rng = random.Random(13)
    chunks, second, size = [], 0, 0
    while size < 3 * BLOCK_SIZE:
        second += 1
        lines = [b"2024-05-01 10:%02d:%02d,000 INFO request %d\n" % (second // 60 % 60, second % 60, second)]
        if rng.random() < 0.05:
            lines.append(JAVA.split(b"\n", 2)[2].split(b"2024-")[0] if rng.random() < 0.5
                         else b"Traceback (most recent call last):\n  File \"x.py\", line 1\nKeyError: 'id'\n")
        chunks += lines
        size += sum(map(len, lines))
    data = b"".join(chunks)
    write(tmp_path / "big.log", data, "gzip")
    for pattern in (b"NullPointer", b"KeyError|request 77\\b", b"Dao.java"):
        expected = reference_grep(pattern, data)
        assert expected.count(b"--\n") > 10
        for block_size in (1000, 4096, BLOCK_SIZE):
            assert search_with(backend, block_size)(pattern, tmp_path / "big.log", records=True,
                                                    line_number=True).out == expected
    head = data[:data.index(b"\n", 40000) + 1]  # tiny blocks: one line at a time, on a part of it
    write(tmp_path / "head.log", head)
    assert search_with(backend, 5)(b"KeyError|Dao", tmp_path / "head.log", records=True, line_number=True).out == (
        reference_grep(b"KeyError|Dao", head))


@pytest.mark.parametrize("options", [
    {"invert_match": True},
    {"max_count": 3},
    {"after_context": 2},
    {"before_context": 2},
    {"before_context": 1, "after_context": 1},
    {"before_context": 3, "max_count": 2, "after_context": 1},
    {"invert_match": True, "after_context": 1, "max_count": 4},
], ids=lambda options: ",".join(f"{k}={v}" for k, v in options.items()))
def test_selection_and_context_count_records(logpipe, tmp_path, options):
    data = JAVA + python_traceback_log() + GO_PANIC + JAVA
    write(tmp_path / "mixed.log", data, "bzip2")
    settings = {"invert": options.get("invert_match", False), "before": options.get("before_context", 0),
                "after": options.get("after_context", 0), "max_count": options.get("max_count")}
    for pattern in (b"Caused by|KeyError|goroutine 1 ", b"INFO"):
        result = logpipe(pattern, tmp_path / "mixed.log", records=True, line_number=True, **options)
        assert result.out == reference_grep(pattern, data, **settings)
        assert result.status == (0 if result.out else 1)


def test_counting_modes_count_records(logpipe, tmp_path):
    write(tmp_path / "a.log", JAVA + GO_PANIC)
    write(tmp_path / "b.log", b"2024-05-01 10:00:00 quiet\n  nothing\n", "gzip")
    a, b = tmp_path / "a.log", tmp_path / "b.log"
    assert logpipe("at com|main.go", a, records=True, count=True).out == b"2\n"
    assert logpipe("at com|main.go", a, records=True, count=True, invert_match=True).out == b"5\n"
    assert logpipe("Caused", tmp_path, records=True, files_with_matches=True).lines == [bytes(a)]
    assert logpipe("Caused", tmp_path, records=True, files_without_match=True).lines == [bytes(b)]
    assert logpipe("at com", a, records=True, count=True, max_count=1).out == b"1\n"
    assert logpipe("Caused", tmp_path, records=True, quiet=True) == (b"", b"", 0)
    assert logpipe("absent", tmp_path, records=True, quiet=True).status == 1
    assert logpipe("absent", tmp_path, records=True).status == 1


def test_byte_offsets_only_matching_and_color(logpipe, tmp_path):
    data = b"2024-05-01 10:00:00 a\nx\n2024-05-01 10:00:01 b\n  hit one\n  and hit two\n"
    write(tmp_path / "x.log", data)
    x = tmp_path / "x.log"
    assert logpipe("hit", x, records=True, line_number=True, byte_offset=True).out == (
        b"3-24-2024-05-01 10:00:01 b\n4:46:  hit one\n5:56:  and hit two\n")
    assert logpipe("hit", x, records=True, line_number=True, byte_offset=True, only_matching=True).out == (
        b"4:48:hit\n5:62:hit\n")
    colored = logpipe("hit", x, records=True, line_number=True, color="always", with_filename=True).out
    name = b"\x1b[35m\x1b[K" + bytes(x) + b"\x1b[m\x1b[K"
    sep = {c: b"\x1b[36m\x1b[K" + c + b"\x1b[m\x1b[K" for c in (b":", b"-")}
    assert colored.split(b"\n")[0] == name + sep[b"-"] + b"\x1b[32m\x1b[K3\x1b[m\x1b[K" + sep[b"-"] + (
        b"2024-05-01 10:00:01 b")
    assert colored.split(b"\n")[1].endswith(sep[b":"] + b"  \x1b[01;31m\x1b[Khit\x1b[m\x1b[K one")
    # `--` between records of two files, as between two groups of one file
    write(tmp_path / "y.log", data)
    both = logpipe("a$", tmp_path, records=True, line_number=True)
    assert both.lines == [bytes(x) + b":1:2024-05-01 10:00:00 a", bytes(x) + b"-2-x", b"--",
                          bytes(tmp_path / "y.log") + b":1:2024-05-01 10:00:00 a", bytes(tmp_path / "y.log") + b"-2-x"]


def test_json_one_match_message_per_record(logpipe, tmp_path):
    write(tmp_path / "app.log", JAVA, "gzip")
    result = logpipe("Caused by: java.lang.(\\w+)", tmp_path / "app.log", records=True, json=True, after_context=1)
    messages = [json.loads(line) for line in result.lines]
    assert [m["type"] for m in messages] == ["begin", "match", "context", "end", "summary"]
    match = messages[1]["data"]
    record = b"".join(JAVA.split(b"\n", 1)[1].partition(b"2024-05-01 10:00:02")[:1])
    assert match["lines"] == {"text": record.decode()} and match["line_number"] == 2
    assert match["absolute_offset"] == JAVA.index(b"2024-05-01 10:00:01")
    text = record.decode()
    assert [(s["start"], s["end"]) for s in match["submatches"]] == [
        (text.index("Caused by: java.lang.RuntimeException"), text.index("Exception: wrapped") + 9),
        (text.index("Caused by: java.lang.NullPointerException"), text.index("Exception: row") + 9)]
    assert [s["match"]["text"] for s in match["submatches"]] == [
        "Caused by: java.lang.RuntimeException", "Caused by: java.lang.NullPointerException"]
    assert messages[2]["data"]["lines"] == {"text": "2024-05-01 10:00:02,003 INFO  [main] order 43 ok\n"}
    assert messages[3]["data"]["stats"]["matched_lines"] == 1 and messages[3]["data"]["stats"]["matches"] == 2


def test_same_output_with_worker_processes(backend, tmp_path, monkeypatch):
    monkeypatch.setattr(logpipe.executors.workers, "START_WORKERS_AFTER", 0.0)
    for i in range(6):
        write(tmp_path / f"d{i % 2}" / f"f{i}.log", (JAVA + python_traceback_log() + GO_PANIC) * (i + 1),
              ["plain", "gzip", "zstd"][i % 3])
    for options in ({"line_number": True}, {"count": True}, {"json": True}, {"before_context": 1},
                    {"invert_match": True, "max_count": 2}):
        one = search_with(backend)("Caused|KeyError|goroutine 7", tmp_path, records=True, **options)
        many = search_with(backend, 5)("Caused|KeyError|goroutine 7", tmp_path, records=True, threads=2, **options)
        if options.get("json"):
            drop = re.compile(rb'"elapsed[^}]*}|"bytes_printed":\d+')
            one, many = drop.sub(b"", one.out), drop.sub(b"", many.out)
        assert many == one
    counted = []
    for threads in (1, 2):  # the workers' record counts add up to what one process counts
        stats = Stats()
        run(SearchOptions(patterns=(b"x",), paths=(str(tmp_path),), records=True, count=True, threads=threads,
                          backend=backend), io.BytesIO(), io.BytesIO(), stats)
        counted.append((stats.records, stats.record_cuts))
    assert counted == [(210, 0), (210, 0)]  # 21 copies of 4 Java, 3 Python and 3 Go records


CORPUS_FILES = sorted(CORPUS.glob("*.log")) if CORPUS.is_dir() else []
CONTINUATIONS = [
    b"java.io.IOException: Connection reset by peer\n\tat sun.nio.ch.FileDispatcherImpl.read0(Native Method)\n"
    b"\tat org.apache.hadoop.ipc.Client$Connection.run(Client.java:1030)\nCaused by: java.net.SocketException: reset\n"
    b"\t... 3 more\n",
    b"Traceback (most recent call last):\n  File \"/usr/lib/python3/nova/compute.py\", line 88, in spawn\n"
    b"    self.driver.spawn()\nKeyError: 'instance'\n",
    b"\ngoroutine 12 [running]:\nmain.handler()\n\t/src/main.go:40 +0x3a\n",
]


@pytest.mark.skipif(not CORPUS_FILES, reason="no corpus at ../shared/corpus/loghub")
@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda path: path.stem)
def test_real_logs_split_into_sensible_records(backend, tmp_path, path):
    """Each loghub log: every line has a leading date the rule recognises (so --records
    selects what line search does), and with stack traces woven in after some of its
    lines, the traces go with the line before them, as the line-by-line reference says."""
    data = path.read_bytes()
    lines = data.split(b"\n")[:-1]
    starts = LEADING
    assert sum(1 for line in lines if not starts.match(line)) == 0, "a line without a recognised leading date"
    search = search_with(backend)
    word = lines[len(lines) // 2].split()[-1]
    pattern = re.escape(word)
    records = search(pattern, path, records=True, line_number=True).lines
    assert [line for line in records if line != b"--"] == search(pattern, path, line_number=True).lines
    rng = random.Random(path.stem)
    woven = b"".join(line + b"\n" + (rng.choice(CONTINUATIONS) if rng.random() < 0.05 else b"") for line in lines)
    write(tmp_path / path.name, woven, "gzip")
    for pattern in (b"Caused by|KeyError", pattern, b"goroutine|" + pattern):
        expected = reference_grep(pattern, woven)
        assert b"\tat " in reference_grep(b"Caused by", woven)
        for block_size in (5, BLOCK_SIZE) if path.stem in ("Hadoop_2k", "OpenStack_2k") else (BLOCK_SIZE,):
            result = search_with(backend, block_size)(pattern, tmp_path / path.name, records=True, line_number=True)
            assert result.out == expected


def test_line_over_max_line_bytes_is_reported_and_records_go_on(logpipe, tmp_path):
    data = (b"2024-05-01 10:00:00 first\n  detail hit\n" + b"x" * 5000 + b" hit\n"
            + b"2024-05-01 10:00:01 second hit\n  more\n")
    write(tmp_path / "x.log", data, "gzip")
    result = logpipe("hit", tmp_path / "x.log", records=True, line_number=True, max_line_bytes=1000)
    assert result.err == b"logpipe: " + bytes(tmp_path / "x.log") + (
        b": line 3 matches but is longer than --max-line-bytes: not printed\n")
    assert result.out == (b"1-2024-05-01 10:00:00 first\n2:  detail hit\n--\n"
                          b"4:2024-05-01 10:00:01 second hit\n5-  more\n")
    assert result.status == 2


def test_readme_example(tmp_path):
    """The before/after example in the README prints what it says."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    example = readme.split("$ logpipe grep -n --records 'NullPointerException|ValueError' app.log\n")[1]
    expected = example.split("```")[0].encode()
    lines = [line for line in expected.split(b"\n") if line and line != b"--"]
    log = [b"2024-05-01 10:00:00,001 INFO  [main] orders service started"] + [line.split(b":", 1)[1] if
                                                                            b":" in line[:3] else line.split(b"-", 1)[1]
                                                                            for line in lines]
    log.insert(8, b"2024-05-01 10:00:02,003 INFO  [main] order 43 ok")
    write(tmp_path / "app.log", b"\n".join(log) + b"\n2024-05-01 10:00:04,005 INFO  [main] sync done\n")
    result = CliRunner().invoke(main, ["grep", "-n", "--records", "NullPointerException|ValueError",
                                       str(tmp_path / "app.log")])
    assert result.stdout_bytes == expected


def test_time_hook_selects_records_by_their_first_line(backend, tmp_path):
    """The hook the time options (issue 12) will use: a record's time is its first line's."""
    from logpipe import pull, push
    from logpipe.pipeline.matching import Matcher
    from logpipe.pipeline.blocksearch import RecordSearch
    from logpipe.pipeline.multiline import record_bounds
    from logpipe.records import RecordMatch

    write(tmp_path / "app.log", JAVA + JAVA.replace(b"10:00:01", b"11:00:01"))
    bounds = record_bounds()
    searcher = RecordSearch(Matcher(b"NullPointer"), bounds,
                            keep=lambda first_line: first_line.startswith(b"2024-05-01 11:"))
    paths = [str(tmp_path / "app.log")]
    found: list = []
    if backend == "pull":
        found += pull.grep(searcher, pull.records(bounds, pull.cat(pull.opener(paths))))
    else:
        @push.coroutine
        def collect():
            while True:
                found.append((yield))

        push.find_files(paths, push.opener(push.cat(push.records(bounds, push.grep(searcher, collect())))))
    assert [(r.line_number, r.text.split(b"\n")[0]) for r in found if isinstance(r, RecordMatch)] == [
        (15, b"2024-05-01 11:00:01,002 ERROR [worker-3] request failed")]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(st.sampled_from([
           b"2024-05-01 10:00:00 a", b"2024-05-01 10:00:01 hit", b"Jun  1 09:00:00 b", b"\tat x.Y(Y.java:1)",
           b"\tat hit.Z(Z.java:2)", b"Caused by: hit", b"\t... 3 more", b"", b"Traceback (most recent call last):",
           b"  File \"a.py\", line 1", b"ValueError: b", b"goroutine 1 [running]:", b"BEGIN hit"]), max_size=40),
       block_size=st.integers(1, 80), max_bytes=st.none() | st.integers(60, 200), max_lines=st.integers(1, 6),
       start=st.none() | st.just(b"^(BEGIN|20)"), invert=st.booleans(), before=st.integers(0, 2),
       after=st.integers(0, 2), max_count=st.none() | st.integers(0, 3))
def test_random_logs_against_the_reference(lines, block_size, max_bytes, max_lines, start, invert, before, after,
                                           max_count):
    """Random logs of traces and timestamps, random block sizes and caps: both backends
    print what the line-by-line reference prints."""
    data = b"".join(line + b"\n" for line in lines)
    caps = {"max_lines": max_lines, **({"max_bytes": max_bytes} if max_bytes else {})}
    expected = reference_grep(b"hit", data, start=start, invert=invert, before=before, after=after,
                              max_count=max_count, **caps)
    saved = logpipe.pipeline.multiline.MAX_RECORD_LINES
    logpipe.pipeline.multiline.MAX_RECORD_LINES = max_lines
    try:
        with tempfile.TemporaryDirectory() as root:
            write(Path(root) / "x.log", data)
            for backend in ("pull", "push"):
                result = search_with(backend, block_size)(
                    b"hit", Path(root) / "x.log", records=start is None, record_start=start, line_number=True,
                    invert_match=invert, before_context=before, after_context=after, max_count=max_count,
                    **({"max_line_bytes": max_bytes} if max_bytes else {}))
                assert result.out == expected, backend
    finally:
        logpipe.pipeline.multiline.MAX_RECORD_LINES = saved
