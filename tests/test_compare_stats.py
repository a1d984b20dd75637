"""`logpipe compare`, `--stats` and the progress line."""
from __future__ import annotations

import gzip
import io
import json
import time

import pytest
from click.testing import CliRunner

import logpipe.progress
from helpers import search_with, write
from logpipe import push
from logpipe.cli import main
from logpipe.compare import compare, format_report
from logpipe.options import SearchOptions
from logpipe.printers import StandardPrinter
from logpipe.records import Hits, Lines, Match
from logpipe.search import run
from logpipe.stats import Stats


@pytest.fixture
def counted_tree(tmp_path):
    """A tree whose counts are known by hand."""
    write(tmp_path / "a.log", b"sshd one\nother\nsshd two\n")                     # 3 lines, 2 matches
    write(tmp_path / "b.log.gz", b"sshd three\n", "gzip")                          # 1 line, 1 match
    write(tmp_path / "sub" / "c.zst", b"x\ny\nz", "zstd")                          # 3 lines, no final newline
    write(tmp_path / "sub" / "d.xz", b"sshd four\n" * 4, "xz")                     # 4 lines, 4 matches
    write(tmp_path / "skip.txt", b"sshd never searched\n")                        # walked, not selected
    compressed = gzip.compress(b"sshd five\n" + b"q" * 100000)
    (tmp_path / "e.gz").write_bytes(compressed[:-20])                              # 1 match, then an error
    return tmp_path


def test_stats_match_a_hand_counted_tree(backend, counted_tree):
    stats = Stats()
    out, err = io.BytesIO(), io.BytesIO()

    options = SearchOptions(patterns=(b"sshd",), paths=(str(counted_tree),), backend=backend,
                            globs=("*.log", "*.gz", "*.zst", "*.xz"), block_size=4096)
    status = run(options, out, err, stats)
    assert status == 2
    figures = stats.as_dict()
    assert figures["files_walked"] == 6 and figures["files_selected"] == 5
    assert figures["opened_by_codec"] == {"gzip": 2, "plain": 1, "xz": 1, "zstd": 1}
    assert figures["matches"] == 8 == len(out.getvalue().split(b"\n")) - 1
    assert figures["lines"] == 3 + 1 + 3 + 4 + 2  # e.gz: "sshd five", then the part of the q line decoded
    e_bytes = figures["decompressed_bytes"] - (25 + 11 + 5 + 40)
    assert 10 < e_bytes < 10 + 100000  # what gzip could decode of the cut file
    assert figures["files_with_errors"] == 1
    assert figures["compressed_bytes"] == sum(
        (counted_tree / name).stat().st_size for name in ["a.log", "b.log.gz", "sub/c.zst", "sub/d.xz", "e.gz"])


def test_stats_are_the_same_for_both_backends(counted_tree):
    figures = {}
    for backend in ("pull", "push"):
        result = CliRunner().invoke(main, ["grep", "--stats", "sshd", str(counted_tree), "--backend", backend])
        assert result.exit_code == 2
        figures[backend] = [line for line in result.stderr.splitlines() if "seconds" not in line
                            and not line.startswith("logpipe:")]
    assert figures["pull"] == figures["push"]
    assert "6 files walked, 6 selected by the globs" in figures["pull"]
    assert "6 files opened (2 gzip, 2 plain, 1 xz, 1 zstd)" in figures["pull"]
    assert "9 matching lines" in figures["pull"]


def test_compare_reports_both_backends_identical(counted_tree):
    result = CliRunner().invoke(main, ["compare", "sshd", str(counted_tree), "--repeat", "2"])
    assert result.exit_code == 0, result.output
    table = result.stdout
    assert "pull " in table and "push " in table
    assert "push/pull: " in table
    assert "output: identical" in table


def test_compare_json_has_the_figures(counted_tree):
    result = CliRunner().invoke(main, ["compare", "sshd", str(counted_tree), "--repeat", "1", "--json", "-s"])
    report = json.loads(result.stdout)
    assert report["identical"] is True
    for backend in ("pull", "push"):
        figures = report["backends"][backend]
        assert figures["matches"] == 9 and figures["runs"] == 1
        assert figures["median_seconds"] > 0 and figures["peak_bytes"] > 0
    ratio = report["ratio_push_pull"]
    assert ratio["min"] == ratio["max"] > 0  # one round: one ratio
    table = format_report(report)
    assert f"{report['backends']['pull']['matches']:>9}" in table
    assert f"{report['ratio_push_pull']['median']:.3f}" in table


def test_compare_finds_a_broken_backend(counted_tree, monkeypatch):
    original = push.printer

    @push.coroutine
    def broken_printer(output):
        count = 0
        while True:
            received = yield
            for record in received.matches() if isinstance(received, (Lines, Hits)) else [received]:  # bulk records as lines
                if isinstance(record, Match):
                    count += 1
                    if count == 3:
                        record = record._replace(line=b"BROKEN")
                output.write(record)

    monkeypatch.setattr(push, "printer", broken_printer)
    report = compare(SearchOptions(patterns=(b"sshd",), paths=(str(counted_tree),), no_messages=True), 1,
                     fresh_process=False)
    assert report["identical"] is False
    difference = report["first_difference"]
    assert difference["output_line"] == 3
    assert difference["push"].endswith(":1:BROKEN") and difference["pull"].endswith(":1:sshd three")
    assert "output: DIFFERENT, first at output line 3" in format_report(report)
    monkeypatch.setattr(push, "printer", original)


def test_compare_cli_exits_2_when_outputs_differ(counted_tree, monkeypatch):
    import logpipe.compare

    real = logpipe.compare.compare
    monkeypatch.setattr(logpipe.compare, "compare", lambda options, repeat: {
        **real(options, repeat, fresh_process=False), "identical": False,
        "first_difference": {"output_line": 1, "pull": "a", "push": "b"}})
    result = CliRunner().invoke(main, ["compare", "sshd", str(counted_tree), "--repeat", "1", "-s"])
    assert result.exit_code == 2
    assert "first at output line 1" in result.stdout


def test_progress_goes_to_stderr_only(backend, counted_tree, monkeypatch):
    plain = search_with(backend)("sshd", counted_tree, no_messages=True)
    monkeypatch.setattr(logpipe.progress, "DELAY", 0.0)
    real_write = StandardPrinter.write

    def slow_write(self, match):
        time.sleep(0.1)  # make the search last a few redraws
        real_write(self, match)

    monkeypatch.setattr(StandardPrinter, "write", slow_write)
    shown = search_with(backend)("sshd", counted_tree, no_messages=True, progress=True)
    assert shown.out == plain.out
    assert b"files, " in shown.err and b"MB read" in shown.err and b"matches" in shown.err
    assert b"sshd" not in shown.err


def test_no_progress_when_stderr_is_not_a_terminal(backend, counted_tree, monkeypatch):
    monkeypatch.setattr(logpipe.progress, "DELAY", 0.0)
    result = search_with(backend)("sshd", counted_tree, no_messages=True)
    assert result.err == b""
