"""Issue 19, the known limits lifted after the printers and executors were rewritten:
`-o -v` with context (20), `--sort time --json` (19), the walk's messages after an early
stop (21). (Item 6, the Dask scheduler lost mid-search, is in test_cluster.py.)"""
from __future__ import annotations

import os
import subprocess

import pytest

import logpipe.executors.workers
from gnu import GREP
from helpers import EARLY_STOP_PATHS, early_stop_tree, early_stops, search_with, write
from servers import http_root, moto_endpoint, s3  # noqa: F401  (fixtures)

# -- 20. -o -v with context prints the matches of the context lines, as GNU grep ----------------

INVERTED = b"foo1\nfoo2\nfoo3\nbar\nfoo4\nfoo5 x foo6\nfoo7\nfoo8\nbaz\nqux\nfoo9\r\nend\n"
OTHER = b"foo1\nnone\nfoo2 foo3\nfoo4\nfoo5\nfoo6\nlast\n"


@pytest.mark.skipif(GREP is None, reason="GNU grep is not installed")
@pytest.mark.parametrize("flags,options", [
    (["-C1"], {"before_context": 1, "after_context": 1}),
    (["-A1", "-n"], {"after_context": 1, "line_number": True}),
    (["-B1", "-b"], {"before_context": 1, "byte_offset": True}),
    (["-A0", "-n"], {"after_context": 0, "context_given": True, "line_number": True}),
    (["-m1", "-A2", "-n"], {"max_count": 1, "after_context": 2, "line_number": True}),
    (["-C1", "--color=always"], {"before_context": 1, "after_context": 1, "color": "always"}),
], ids=lambda value: " ".join(value) if isinstance(value, list) else "")
@pytest.mark.parametrize("threads", [1, 2])
def test_only_matching_inverted_with_context_prints_what_gnu_grep_prints(backend, tmp_path, monkeypatch, flags,
                                                                         options, threads):
    colors = "ms=01;31:mc=01;32"  # the context lines' matches in mc, as GNU grep paints them
    monkeypatch.setenv("GREP_COLORS", colors)
    write(tmp_path / "a.log", INVERTED)
    write(tmp_path / "b.log", OTHER)
    gnu = subprocess.run([GREP, "-o", "-v", *flags, "foo.", "a.log", "b.log"], cwd=tmp_path, capture_output=True,
                         env={"LC_ALL": "C", "GREP_COLORS": colors}, timeout=60)
    result = search_with(backend)("foo.", tmp_path / "a.log", tmp_path / "b.log", only_matching=True,
                                  invert_match=True, threads=threads, **options)
    expected = gnu.stdout.replace(b"a.log", bytes(tmp_path / "a.log")).replace(b"b.log", bytes(tmp_path / "b.log"))
    assert (result.out, result.err, result.status) == (expected, b"", gnu.returncode)
    assert b"foo" in expected or b"--" in expected


RECORDS = (b"2024-01-01 10:00:00 a foo\n  at x\n"      # records of lines 1-2, 3-4, 5, 6, 7-8, 9
           b"2024-01-01 10:00:01 b\n  at foo\n"
           b"2024-01-01 10:00:02 c\n"
           b"2024-01-01 10:00:03 d\n"
           b"2024-01-01 10:00:04 e\n 2 foo foo\n"
           b"2024-01-01 10:00:05 f\n")


@pytest.mark.parametrize("threads", [1, 2])
def test_only_matching_over_records_groups_whole_records_and_inverted_prints_the_context_records(
        logpipe, tmp_path, threads):
    path = write(tmp_path / "app.log", RECORDS, "gzip")
    # records joined as wholes: "--" only before record 5, which record 4 (not selected) parts from record 2
    assert logpipe("foo", path, records=True, only_matching=True, line_number=True, threads=threads).out == \
        b"1:foo\n4:foo\n--\n8:foo\n8:foo\n"
    assert logpipe("foo", path, records=True, only_matching=True, line_number=True, before_context=1,
                   after_context=1, threads=threads).out == b"1:foo\n4:foo\n8:foo\n8:foo\n"
    # -v: records 3, 4 and 6 are selected (no match, nothing printed); records 2 and 5 are their context
    inverted = logpipe("foo", path, records=True, only_matching=True, invert_match=True, line_number=True,
                       before_context=1, after_context=1, threads=threads)
    assert (inverted.out, inverted.status) == (b"4-foo\n8-foo\n8-foo\n", 0)


# -- 19. --sort time --json: a begin/end pair per file, interleaved as the merged lines need -------


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


# -- 21. after an early stop, the walk's messages are those -j1 prints -----------------------------
# (the rewrite of issue 17 already gave this; these tests keep it)


@pytest.fixture
def one_process(backend, tmp_path, monkeypatch):
    """What -j1 prints for the two early stops over `early_stop_tree` (in the current
    directory: names print as given), and the tree's files."""
    monkeypatch.chdir(tmp_path)
    files = early_stop_tree(tmp_path)
    quiet, head = early_stops(backend, EARLY_STOP_PATHS, tmp_path, threads=1)
    assert (quiet.out, quiet.err, quiet.status) == (b"", b"logpipe: missing1: No such file or directory\n", 0)
    assert (head.out, head.err, head.status) == (b"b/big.log:hit 0\nb/big.log:hit 1\nb/big.log:hit 2\n"
                                                 b"b/big.log:hit 3\nb/big.log:hit 4\n", quiet.err, 0)
    return quiet, head, files


def test_early_stop_with_workers_prints_the_walk_messages_of_one_process(backend, tmp_path, one_process,
                                                                          monkeypatch):
    monkeypatch.setattr(logpipe.executors.workers, "START_WORKERS_AFTER", 0)  # every file to the workers
    broken = tmp_path / "a" / "f05x.log"  # a message from inside a directory the walk runs through ahead
    os.symlink(tmp_path / "nowhere", broken)
    quiet, head = early_stops(backend, EARLY_STOP_PATHS, tmp_path, threads=1, follow=True)
    assert quiet.err == b"logpipe: a/f05x.log: No such file or directory\n" + one_process[0].err
    assert (quiet, head) == early_stops(backend, EARLY_STOP_PATHS, tmp_path, threads=2, follow=True)


def test_early_stop_over_http_prints_the_messages_of_one_process(backend, tmp_path, http_root, one_process):
    base, site = http_root
    early_stop_tree(site)
    urls = [f"{base}/{name}" for name in one_process[2]]  # objects fetched ahead, each URL a file
    quiet, head = early_stops(backend, urls, tmp_path)
    expected = [result._replace(out=result.out.replace(b"b/big.log", f"{base}/b/big.log".encode()),
                                err=result.err.replace(b"missing1", f"{base}/missing1".encode()))
                for result in one_process[:2]]
    assert [quiet, head] == expected


def test_early_stop_over_s3_prefixes_prints_the_messages_of_one_process(backend, tmp_path, s3, one_process):
    bucket = f"stop-{backend}"
    s3.create_bucket(Bucket=bucket)
    for name in one_process[2]:
        if (tmp_path / name).is_file():
            s3.put_object(Bucket=bucket, Key=name, Body=(tmp_path / name).read_bytes())
    base = f"s3://{bucket}"  # each prefix's walk runs ahead of the search, and the objects are fetched ahead
    quiet, head = early_stops(backend, [f"{base}/{path}" for path in EARLY_STOP_PATHS], tmp_path)
    expected = [result._replace(out=result.out.replace(b"b/big.log", f"{base}/b/big.log".encode()),
                                err=result.err.replace(b"missing1", f"{base}/missing1".encode()))
                for result in one_process[:2]]
    assert [quiet, head] == expected
