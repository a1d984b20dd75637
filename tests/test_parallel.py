"""-j N: worker processes, and output exactly as -j1 prints it."""
from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys

import pytest

import logpipe.executors.worker
import logpipe.executors.workers
from helpers import search_with, write
from logpipe.demo import log_lines
from logpipe.options import SearchOptions
from logpipe.executors.workers import LocalWorkers, worker_count
from logpipe.plan import Plan
from logpipe.records import LogFile
from logpipe.search import run
from logpipe.messages import Messages
from logpipe.stats import Stats


@pytest.fixture
def tree(tmp_path):
    for i, codec in enumerate(["plain", "gzip", "bzip2", "zstd", "xz", "gzip", "plain", "zstd"]):
        write(tmp_path / f"d{i % 3}" / f"f{i}.log", b"".join(log_lines(400, i)), codec)
    compressed = gzip.compress(b"".join(log_lines(400, 99)))
    (tmp_path / "d1" / "cut.gz").write_bytes(compressed[: len(compressed) // 2])
    write(tmp_path / "d2" / "binary.log", b"\0\0" + b"".join(log_lines(300, 7)))
    write(tmp_path / "d2" / "empty.log", b"")
    write(tmp_path / "d2" / "no-newline.log", b"".join(log_lines(50, 3)).rstrip(b"\n"), "zstd")
    return tmp_path


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    """More files than the workers are dealt at once, a dangling link the walk reports."""
    tmp_path = tmp_path_factory.mktemp("many")
    for i in range(300):
        write(tmp_path / f"d{i % 7}" / f"f{i:03d}.log", b"".join(log_lines(20 + i % 50, i)),
              "gzip" if i % 5 == 0 else "plain")
    (tmp_path / "d3" / "gone.log").symlink_to(tmp_path / "nowhere")
    return tmp_path


@pytest.fixture(params=[0.0, 0.003, 1e9], ids=["workers-at-once", "mixed", "no-workers"])
def workers_start_after(monkeypatch, request):
    """Every file in a worker, the first ones here and the rest in workers, or all here."""
    monkeypatch.setattr(logpipe.executors.workers, "START_WORKERS_AFTER", request.param)


@pytest.fixture
def workers_at_once(monkeypatch):
    monkeypatch.setattr(logpipe.executors.workers, "START_WORKERS_AFTER", 0.0)


OPTION_SETS = [
    {"line_number": True},
    {"count": True},
    {"files_with_matches": True},
    {"files_without_match": True, "null": True},
    {"before_context": 2, "after_context": 1, "line_number": True},
    {"only_matching": True, "byte_offset": True, "color": "always"},
    {"max_count": 2, "invert_match": True},
    {"invert_match": True, "count": True},
    {"ignore_case": True, "word_regexp": True, "with_filename": False},
    {"after_context": 3, "max_count": 1, "color": "always", "byte_offset": True},
    {"before_context": 1, "invert_match": True, "line_number": True},
    {"binary_files": "without-match", "line_number": True},
    {"text": True, "only_matching": True},
]


@pytest.mark.parametrize("options", OPTION_SETS, ids=lambda options: ",".join(options))
@pytest.mark.usefixtures("workers_start_after")
def test_same_output_as_one_process(backend, tree, options):
    options = {key: value for key, value in options.items() if key != "text"} | (
        {"binary_files": "text"} if options.get("text") else {})
    one = search_with(backend)("Failed password for r[a-z]+", tree, **options)
    many = search_with(backend)("Failed password for r[a-z]+", tree, threads=2, **options)
    assert many == one
    assert one.status == 2 and one.err.count(b"\n") == 1  # the cut file, reported once, in its place


@pytest.mark.usefixtures("workers_start_after")
def test_json_summary_adds_up_over_workers(backend, tree):
    def summary(result):
        stats = json.loads(result.lines[-1])["data"]["stats"]
        stats.pop("elapsed")
        stats.pop("bytes_printed")  # counts the varying digits of each `elapsed` too
        return stats

    one = search_with(backend)("sshd", tree, json=True, no_messages=True)
    many = search_with(backend)("sshd", tree, json=True, no_messages=True, threads=2)
    assert summary(many) == summary(one) and summary(one)["matched_lines"] > 0
    assert len(many.lines) == len(one.lines)


@pytest.mark.usefixtures("workers_start_after")
def test_quiet_stops_the_workers(backend, tree):
    assert search_with(backend)("sshd", tree, quiet=True, threads=2, no_messages=True) == (b"", b"", 0)


def test_head_and_ctrl_c_end_every_worker(backend, tree):
    pipeline = subprocess.run(
        f"{sys.executable} -m logpipe grep -j 2 -s . {tree} --backend {backend} | head -1; "
        f"echo \"status=${{PIPESTATUS[0]}}\"; pgrep -f '^[^ ]*python[^ ]* -m logpipe grep -j 2' || true",
        shell=True, executable="/bin/bash", capture_output=True, timeout=60)
    lines = pipeline.stdout.split(b"\n")
    assert lines[1] == b"status=0" and lines[2:] == [b""]  # no worker left behind
    assert pipeline.stderr == b""


@pytest.mark.parametrize("options", [{"line_number": True}, {"count": True}, {"files_without_match": True},
                                     {"json": True}, {"after_context": 1}], ids=lambda options: ",".join(options))
@pytest.mark.usefixtures("workers_at_once")
def test_many_files_same_output_and_messages_as_one_process(backend, many, options):
    one = search_with(backend)("sshd|GET /api", many, follow=True, **options)
    many_ = search_with(backend)("sshd|GET /api", many, follow=True, threads=2, **options)
    if options.get("json"):  # elapsed times differ from run to run
        one, many_ = (result._replace(out=b"\n".join(line for line in result.lines if b'"end"' not in line
                                                     and b'"summary"' not in line)) for result in (one, many_))
    assert many_ == one
    assert one.status == 2 and b"gone.log" in one.err  # the walk's message, in its place


@pytest.mark.usefixtures("workers_at_once")
def test_stats_count_the_same_in_workers(backend, many):
    def counted(threads):
        stats = Stats()
        run(SearchOptions(patterns=(b"sshd",), paths=(str(many),), backend=backend, threads=threads, stats=True),
            io.BytesIO(), io.BytesIO(), stats)
        figures = stats.as_dict()
        figures.pop("seconds")
        return figures

    one = counted(1)
    assert counted(2) == one and one["lines"] > 10000 and one["files_opened"] == 300


def test_counters_arrive_while_a_file_is_searched(backend, tmp_path, monkeypatch):
    """--progress and --stats move within a file: increments come before the file's end."""
    monkeypatch.setattr(logpipe.executors.worker, "REPORT_EVERY", 0.0)
    write(tmp_path / "a.log", b"".join(log_lines(3000, 1)))
    events = []

    class Sink:
        def output(self, data):
            events.append("output")

        def message(self, lines):
            events.append("message")

        def counted(self, stats):
            events.append(("counted", stats.decompressed_bytes))

        def done(self, result):
            events.append(("done", result.matches))

        def idle(self):
            events.append(("idle",))

    plan = Plan.make(SearchOptions(patterns=(b"sshd",), backend=backend, block_size=4096))
    LocalWorkers(plan, 2, Messages(io.BytesIO()), Stats()).run(
        [LogFile(str(tmp_path / "a.log"), b"a.log")], Sink())
    counted = [event for event in events if event[0] == "counted"]
    assert events[-1][0] == "done" and events[-1][1] > 0
    assert len(counted) > 5 and sum(size for _, size in counted) == (tmp_path / "a.log").stat().st_size


@pytest.mark.usefixtures("workers_at_once")
def test_jobs_capped_at_the_cores(backend, tree):
    assert worker_count(99999999999) == len(os.sched_getaffinity(0))
    one = search_with(backend)("sshd", tree, count=True)
    assert search_with(backend)("sshd", tree, count=True, threads=99999999999) == one


@pytest.mark.usefixtures("workers_at_once")
def test_files_done_in_order_whatever_their_size(backend, tmp_path):
    """A big file first, small ones after: their results wait, then come out in walk order."""
    write(tmp_path / "a.log", b"".join(log_lines(4000, 1)) * 20)
    for i in range(20):
        write(tmp_path / f"b{i:02d}.log", b"".join(log_lines(100, i)))
    one = search_with(backend)("sshd", tmp_path, line_number=True)
    assert search_with(backend)("sshd", tmp_path, line_number=True, threads=2) == one
