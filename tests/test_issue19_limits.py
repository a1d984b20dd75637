"""Issue 19, the known limits lifted after the printers and executors were rewritten:
`-o -v` with context (20), `--sort time --json` (19), the walk's messages after an early
stop (21). (Item 6, the Dask scheduler lost mid-search, is in test_cluster.py.)"""
from __future__ import annotations

import subprocess

import pytest

from gnu import GREP
from helpers import search_with, write

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
