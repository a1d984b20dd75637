"""The summaries' options as the command line reads them, and the summaries of URL PATHs."""
from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from helpers import search_with, write
from logpipe.cli import main
from servers import http_root  # noqa: F401  (fixture)
from timed_logs import expected_rows, histogram_rows, rotated_tree


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    return rotated_tree(tmp_path_factory.mktemp("cli"))


def invoke(*args):
    return CliRunner().invoke(main, ["grep", *map(str, args)], catch_exceptions=False)


def test_histogram_alone_takes_no_value(tree):
    alone = invoke("--histogram", "--tz", "UTC", "ERROR", tree.root)
    given = invoke("--histogram", "1h", "--tz", "UTC", "ERROR", tree.root)
    equals = invoke("--histogram=1h", "--tz", "UTC", "ERROR", tree.root)
    assert alone.exit_code == given.exit_code == 0
    assert alone.output.startswith("per 1h ")  # 12 hours on 24 lines: 1h is the first size that fits
    assert given.output == equals.output == alone.output


@pytest.mark.parametrize("args, message", [
    (["--histogram", "-c"], "--histogram cannot be used with --count"),
    (["--count-by", "0", "-l"], "--count-by cannot be used with --files-with-matches"),
    (["--histogram", "--json", "--csv"], "--json cannot be used with --csv: choose one format"),
    (["--tsv"], "--tsv prints a summary's rows: use it with --histogram or --count-by"),
    (["--plot", "x.png"], "--plot x.png: the picture is SVG, name it FILE.svg"),
    (["--histogram=90x"], "'90x' is not a bucket size such as 30s, 1m, 5m, 1h, 1d, 1w, 1mo, 1y"),
    # a number and a unit after --histogram is its bucket, refused with the reason (never the PATTERN)
    (["--histogram", "1.5h"], "'1.5h' is not a bucket size such as 30s, 1m, 5m, 1h, 1d, 1w, 1mo, 1y"),
    (["--histogram", "0s"], "'0s' is not a bucket size"),
    (["--histogram", "3000y"], "'3000y' is longer than the calendar logpipe counts in (1000y at most)"),
])
def test_refused(tree, args, message):
    result = CliRunner().invoke(main, ["grep", *args, "ERROR", str(tree.root)])
    assert result.exit_code == 2 and message in result.output


def test_help_has_a_summaries_heading():
    text = invoke("--help").output
    section = text[text.index("Summaries:"):text.index("How to run:")]
    for option in ("--histogram [BUCKET]", "--count-by KEY", "--top N", "--count-limit N", "--csv", "--tsv",
                   "--plot FILE.svg"):
        assert option in section


def test_only_matching_counts_each_match(search, tmp_path):
    write(tmp_path / "a.log", b"2026-11-30T10:00:00Z ab ab ab\n2026-11-30T10:00:30Z ab\n2026-11-30T10:01:00Z x\n")
    rows, summary = histogram_rows(search("ab", tmp_path / "a.log", histogram="1m", json=True, tz="UTC",
                                          only_matching=True).out)
    assert [count for _, count in rows] == [4] and summary["count"] == 4


def test_max_count_applies_per_file(search, tree):
    rows, summary = histogram_rows(search("ERROR", tree.root, histogram="1d", json=True, tz="UTC", max_count=3).out)
    assert summary["count"] == 3 * 7 and summary["without_timestamp"] == 2  # 7 logs; a file without timestamps


def test_status_as_grep(search, tree):
    assert search("no such text", tree.root, histogram="1h", tz="UTC").status == 1
    assert search("no such text", tree.root, count_by=("0",)).status == 1
    assert search("ERROR", tree.root, count_by=("0",)).status == 0


def test_tsv_escapes_tabs(search, tmp_path):
    write(tmp_path / "a.log", b"k=a\tb;\nk=a\tb;\nk=c;\n")
    assert search(rb"k=([^;]*)", tmp_path, count_by=("1",), table="tsv").out == b"count\t1\n2\ta\\tb\n1\tc\n"


def test_urls(backend, http_root, tree):
    base, site = http_root
    for path in sorted((tree.root / "app").iterdir()):
        shutil.copy(path, site / path.name)
    urls = [f"{base}/{path.name}" for path in sorted(site.iterdir())]
    result = search_with(backend)("ERROR", *urls, histogram="1m", json=True, tz="UTC")
    rows, _ = histogram_rows(result.out)
    assert result.status == 0 and rows == expected_rows(tree.app, 1, "UTC")
    counted = search_with(backend)(r"id=(\d)", *urls, count_by=("1",), table="csv")
    local = search_with(backend)(r"id=(\d)", tree.root / "app", count_by=("1",), table="csv")
    assert counted.out == local.out and counted.out.count(b"\n") == 10  # a header, the digits 1 to 9
