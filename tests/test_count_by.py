"""--count-by: the same top values as `grep -o | sort | uniq -c | sort -rn | head`, in every
executor; beyond --count-limit distinct values, a Misra-Gries summary whose printed error
bound holds; combinations, named groups, missing values, records, bad keys."""
from __future__ import annotations

import re
import subprocess
from collections import Counter

import pytest

import logpipe.executors.workers
from helpers import search_with, write
from terminal import needs
from timed_logs import access_lines

IP = rb"^([0-9]+\.[0-9]+\.[0-9]+\.[0-9]+) "


@pytest.fixture(scope="module")
def access(tmp_path_factory):
    """A 20,000-line access log, rotated into four files of three codecs."""
    root = tmp_path_factory.mktemp("access")
    lines = access_lines(20000)
    for part, (name, codec) in enumerate([("access.log.3.gz", "gzip"), ("access.log.2.zst", "zstd"),
                                          ("access.log.1", "plain"), ("access.log", "plain")]):
        write(root / name, b"".join(lines[part * 5000:(part + 1) * 5000]), codec)
    return root, b"".join(lines)


@pytest.fixture(params=["j1", "j2"])
def jobs(request, monkeypatch):
    if request.param == "j2":
        monkeypatch.setattr(logpipe.executors.workers, "START_WORKERS_AFTER", 0.0)  # every file in a worker
        return 2
    return 1


def csv_rows(out: bytes) -> list[tuple[int, bytes]]:
    lines = out.splitlines()
    assert lines[0] == b"count,1"
    return [(int(count), value) for count, value in (line.split(b",", 1) for line in lines[1:])]


def gnu_top(data: bytes, grep_args: list[str], top: int = 20) -> list[tuple[int, bytes]]:
    needs("grep")
    pipeline = subprocess.run(["sh", "-c", f"grep {' '.join(grep_args)} | sort | uniq -c | sort -rn | head -{top}"],
                              input=data, capture_output=True, check=True).stdout
    return [(int(count), value) for count, value in (line.split(None, 1) for line in pipeline.splitlines())]


def test_top_20_as_grep_sort_uniq(backend, jobs, access):
    root, data = access
    result = search_with(backend)(IP, root, count_by=("1",), table="csv", threads=jobs)
    expected = gnu_top(data, ["-oE", "'^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+'"])
    assert csv_rows(result.out) == expected  # the top counts are all different: the order is the same too
    assert result.err == b"logpipe: --count-by: %d lines in %d other values\n" % (
        20000 - sum(count for count, _ in expected), len(set(re.findall(rb"(?m)^\S+", data))) - 20)


def test_every_match_with_o_as_grep_o(backend, jobs, access):
    root, data = access
    result = search_with(backend)(rb"ref=[a-z][0-9]", root, count_by=("0",), only_matching=True, table="csv",
                                  top=0, threads=jobs)
    assert csv_rows(result.out.replace(b"count,0", b"count,1")) == gnu_top(data, ["-oE", "'ref=[a-z][0-9]'"])


def test_chart_table(search, access):
    root, data = access
    truth = Counter(re.findall(rb"(?m)^(\S+) ", data)).most_common()
    lines = search(IP, root, count_by=("1",), top=5).out.decode().splitlines()
    assert lines[0] == "count  1"
    for line, (value, count) in zip(lines[1:6], truth):
        number, shown, bar = line.split(None, 2)
        assert (int(number), shown) == (count, value.decode()) and set(bar) <= set("█▏▎▍▌▋▊▉")
    assert len(lines[1]) == 79  # the largest bar fills the width (80 columns, the last one left free)
    bars = [len(line.split(None, 2)[2]) for line in lines[1:6]]
    assert bars == sorted(bars, reverse=True)
    assert lines[6] == f"{20000 - sum(c for _, c in truth[:5])} lines in {len(truth) - 5} other values"
    assert lines[7] == f"20000 lines counted by 1: {len(truth)} distinct values"


def test_combinations_and_named_groups(search, access):
    root, data = access
    pattern = rb'^(?P<ip>\S+) - (\S+) .*" (?P<status>[0-9]{3}) '
    truth = Counter((m.group(1), m.group(2)) for m in re.finditer(rb'(?m)^(\S+) - \S+ .*" ([0-9]{3}) ', data))
    result = search(pattern, root, count_by=("ip", "status"), table="tsv", top=0)
    lines = result.out.splitlines()
    assert lines[0] == b"count\tip\tstatus"
    assert Counter({(ip, status): int(count) for count, ip, status in (line.split(b"\t") for line in lines[1:])}) \
        == truth
    counts = [int(line.split(b"\t")[0]) for line in lines[1:]]
    assert counts == sorted(counts, reverse=True)


@pytest.mark.parametrize("late", [False, True], ids=["frequent-from-the-start", "frequent-after-the-first-cut"])
def test_sketch_bound_is_printed_and_holds(backend, jobs, tmp_path, late):
    """20 frequent values among 5,000 that occur once, counted with room for 256 values: the
    table says it is approximate; a value counted from the start is exact, one that came
    after the first cut is marked ≥, within the printed bound."""
    import random

    heavy = [(f"h{i:02d}".encode(), 1000 + 100 * i) for i in range(20)]
    rare = [b"s%05d" % i for i in range(5000)]
    stream = [value for value, count in heavy for _ in range(count)] + rare[1000 * late:]
    random.Random(3).shuffle(stream)
    stream = rare[:1000 * late] + stream  # late: 1,000 rare values first, cut before a frequent one comes
    for part in range(4):
        write(tmp_path / f"k{part}.log", b"".join(b"key=" + value + b"\n" for value in stream[part::4]))
    result = search_with(backend)(rb"key=(\w+)", tmp_path, count_by=("1",), count_limit=256, threads=jobs)
    lines = result.out.decode().splitlines()
    footer = " ".join(lines[21:])  # wrapped at the terminal's width
    assert f"{len(stream)} lines counted by 1: more than 256 distinct values" in footer
    truth = dict(heavy)
    shown = {line.split()[1]: line.split()[0] for line in lines[1:21]}
    assert set(shown) == {value.decode() for value in truth}  # every frequent value is kept
    marked = {value: int(count[1:]) for value, count in shown.items() if count.startswith("≥")}
    for value, count in shown.items():
        if value not in marked:
            assert int(count) == truth[value.encode()]
    if marked:
        m = re.search(r"approximate \(over 256 distinct values\): a count marked ≥ may be up to (\d+) below the "
                      r"true one, the others are exact \(Misra-Gries; see --count-limit\)$", footer)
        assert m, footer
        for value, count in marked.items():
            assert truth[value.encode()] - int(m.group(1)) <= count <= truth[value.encode()]
    else:
        assert not late and re.search(r"over 256 distinct values: the counts shown are exact all the same; a value "
                                      r"not kept occurred at most \d+ times", footer), footer
    assert late == bool(marked)


def test_lines_without_a_value_are_counted_apart(search, tmp_path):
    write(tmp_path / "a.log", b"user=alice x\nuser= x\nuser=bob x\nuser=alice y\n")
    lines = search(rb"user=(\w+)?", tmp_path / "a.log", count_by=("1",)).out.decode().splitlines()
    assert [line.split()[:2] for line in lines[1:3]] == [["2", "alice"], ["1", "bob"]]
    assert "1 line without a value for 1 (not counted)" in lines


def test_records_count_by_their_matching_lines(search, tmp_path):
    write(tmp_path / "app.log", b"2026-11-30T10:00:00Z ERROR a\n  caused by db1\n"
                                b"2026-11-30T10:00:01Z INFO b\n2026-11-30T10:00:02Z ERROR c\n  caused by db2\n"
                                b"2026-11-30T10:00:03Z ERROR d\n  caused by db1\n")
    out = search(rb"caused by (\w+)", tmp_path / "app.log", count_by=("1",), records=True, table="csv").out
    assert out == b"count,1\n2,db1\n1,db2\n"


@pytest.mark.parametrize("key, options, message", [
    ("3", {}, "--count-by 3: the pattern has 1 group: 1"),
    ("user", {}, "--count-by user: the pattern has no group named user (it has 1 group: 1)"),
    ("1", {"invert_match": True}, "--count-by 1: -v selects the lines the pattern does not match, which have no "
                                  "group to count by"),
])
def test_a_key_that_names_nothing_is_one_line(key, options, message, tmp_path):
    from click.testing import CliRunner

    from logpipe.cli import main

    write(tmp_path / "a.log", b"from 1.2.3.4\n")
    flags = [f"--{name.replace('_', '-')}" for name in options]
    result = CliRunner().invoke(main, ["grep", *flags, "--count-by", key, r"from (\S+)", str(tmp_path)])
    assert (result.exit_code, result.output) == (2, f"logpipe: {message}\n")


def test_a_literal_pattern_counts_by_its_whole_match(search, tmp_path):
    write(tmp_path / "a.log", b"GET / x\nPOST / y\nGET /a\n")
    assert search(b"GET", tmp_path, count_by=("0",), table="csv").out == b"count,0\n2,GET\n"


@pytest.mark.parametrize("limit", [50000, 64], ids=["exact", "approximate"])
def test_with_histogram_a_count_per_bucket_per_value(backend, jobs, access, limit):
    import json
    from datetime import datetime

    root, data = access
    truth = Counter()
    for m in re.finditer(rb"(?m)^(\S+) - \S+ \[([^\]]+)\]", data):
        hour = datetime.strptime(m.group(2).decode(), "%d/%b/%Y:%H:%M:%S %z").timestamp() // 3600 * 3600
        truth[(hour, m.group(1))] += 1
    result = search_with(backend)(IP, root, count_by=("1",), histogram="1h", json=True, tz="UTC", top=5,
                                  count_limit=limit, threads=jobs)
    messages = [json.loads(line) for line in result.out.splitlines()]
    summary = messages[-1]["data"]
    error = summary["error_bound"]
    assert (error == 0) == (limit == 50000)
    buckets = [message["data"] for message in messages[:-1]]
    assert sum(bucket["count"] for bucket in buckets) == 20000
    top = Counter(re.findall(rb"(?m)^(\S+) ", data)).most_common(5)
    for bucket in buckets:
        hour = datetime.fromisoformat(bucket["start"]).timestamp()
        values = [(cell["key"]["1"]["text"].encode(), cell["count"]) for cell in bucket["values"]]
        assert [value for value, _ in values] == [value for value, _ in top]
        for value, count in values:
            assert truth[(hour, value)] - error <= count <= truth[(hour, value)]
        assert bucket["other"] == bucket["count"] - sum(count for _, count in values)
