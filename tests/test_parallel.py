"""-j N: worker processes, and output exactly as -j1 prints it."""
from __future__ import annotations

import gzip
import json
import subprocess
import sys

import pytest

import logpipe.parallel
from conftest import search_with, write
from logpipe.demo import log_lines


@pytest.fixture
def tree(tmp_path):
    for i, codec in enumerate(["plain", "gzip", "bzip2", "zstd", "xz", "gzip", "plain", "zstd"]):
        write(tmp_path / f"d{i % 3}" / f"f{i}.log", b"".join(log_lines(400, i)), codec)
    compressed = gzip.compress(b"".join(log_lines(400, 99)))
    (tmp_path / "d1" / "cut.gz").write_bytes(compressed[: len(compressed) // 2])
    return tmp_path


@pytest.fixture(autouse=True, params=[0.0, 0.003, 1e9], ids=["workers-at-once", "mixed", "no-workers"])
def workers_start_after(monkeypatch, request):
    """Every file in a worker, the first ones here and the rest in workers, or all here."""
    monkeypatch.setattr(logpipe.parallel, "START_WORKERS_AFTER", request.param)


@pytest.mark.parametrize("options", [
    {"line_number": True},
    {"count": True},
    {"files_with_matches": True},
    {"files_without_match": True, "null": True},
    {"before_context": 2, "after_context": 1, "line_number": True},
    {"only_matching": True, "byte_offset": True, "color": "always"},
    {"max_count": 2, "invert_match": True},
], ids=lambda options: ",".join(options))
def test_same_output_as_one_process(backend, tree, options):
    one = search_with(backend)("Failed password for r[a-z]+", tree, **options)
    many = search_with(backend)("Failed password for r[a-z]+", tree, threads=2, **options)
    assert many == one
    assert one.status == 2 and one.err.count(b"\n") == 1  # the cut file, reported once, in its place


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
