"""Bulk output: blocks where most lines are selected are printed from whole runs of
lines, and a sparse block's selected lines are cut out and joined at once (`Hits`);
what is printed must be exactly what line-by-line printing gives."""
from __future__ import annotations

import pytest

from helpers import write
from logpipe import pull
from logpipe.pipeline.blocksearch import BlockSearch
from logpipe.records import Block, Hits, Lines, Match

LINES = [b"Nov %d host app[%d]: request %s" % (i % 30, i, b"done" if i % 97 else b"FAILED") for i in range(1200)]


def reference(lines: list[bytes], selected, *, name: bytes = b"", numbers: bool = False) -> bytes:
    out = []
    for number, line in enumerate(lines, 1):
        if selected(line):
            out.append((name + b":" if name else b"") + (b"%d:" % number if numbers else b"") + line + b"\n")
    return b"".join(out)


@pytest.mark.parametrize("final_newline", [True, False])
@pytest.mark.parametrize("options", [{}, {"line_number": True}, {"with_filename": True},
                                     {"line_number": True, "with_filename": True}])
@pytest.mark.parametrize("pattern,invert,selected", [
    ("Nov", False, lambda line: b"Nov" in line),                 # every line
    ("done", False, lambda line: b"done" in line),               # all but a few
    ("FAILED", True, lambda line: b"FAILED" not in line),        # -v, all but a few
    ("zzzz", True, lambda line: True),                           # -v, every line
    ("nov 1", False, lambda line: b"Nov 1" in line),             # -i below, about one line in three
    ("FAILED", False, lambda line: b"FAILED" in line),           # sparse: one line in 97
    ("app.1[0-9]*.: request F", False, lambda line: b"]: request F" in line and b"app[1" in line),  # sparse regex
    ("FAILED$", False, lambda line: line.endswith(b"FAILED")),  # hyperscan reports each match, not each line
    ("(?<=request )FAILED", False, lambda line: b"request FAILED" in line),  # re, line by line
])
def test_dense_blocks_print_what_line_by_line_printing_prints(logpipe, tmp_path, final_newline, options, pattern,
                                                              invert, selected):
    data = b"\n".join(LINES) + (b"\n" if final_newline else b"")
    path = write(tmp_path / "100%.log", data)  # a "%" in the name must survive the bulk formatting
    result = logpipe(pattern, path, invert_match=invert, ignore_case=pattern.islower(), **options)
    name = str(path).encode() if options.get("with_filename") else b""
    assert result.out == reference(LINES, selected, name=name, numbers=bool(options.get("line_number")))
    assert result.err == b""
    counted = logpipe(pattern, path, invert_match=invert, ignore_case=pattern.islower(), count=True)
    assert counted.out == b"%d\n" % sum(1 for line in LINES if selected(line))


@pytest.mark.parametrize("options", [{"byte_offset": True}, {"color": "always"}, {"null": True, "with_filename": True}])
def test_sparse_blocks_print_as_line_by_line_in_every_format(logpipe, tmp_path, options):
    path = write(tmp_path / "a.log", b"\n".join(LINES) + b"\n")
    bulk = logpipe("FAILED", path, line_number=True, **options)
    alone = logpipe("FAILED", path, line_number=True, max_count=10_000, **options)  # -m: one Match a line
    assert bulk == alone and bulk.out.count(b"\n") == sum(b"FAILED" in line for line in LINES)


def test_runs_are_lines_records_for_the_printer_and_match_records_for_the_library(tmp_path):
    # a block of a few KiB: a small file's one block (under 4 KiB) is searched hit by hit
    path = write(tmp_path / "a.log", b"a x\nb x\nc\nd x\n" * 300)
    runs, _ = BlockSearch(b"x", runs=True)(Block(b"a.log", 1, 0, path.read_bytes()))
    assert runs == [Lines(b"a.log", 1, 0, b"a x\nb x\n"),
                    *[Lines(b"a.log", 4 + 4 * k, 10 + 14 * k, b"d x\na x\nb x\n") for k in range(299)],
                    Lines(b"a.log", 1200, 4196, b"d x\n")]
    assert [m for run in runs for m in run.matches()][:4] == [
        Match(b"a.log", 1, 0, b"a x"), Match(b"a.log", 2, 4, b"b x"), Match(b"a.log", 4, 10, b"d x"),
        Match(b"a.log", 5, 14, b"a x")]
    sparse = b"".join(b"line %d\n" % i for i in range(1000)) + b"line 1 x\n" + b"z\n" * 3000 + b"y x"
    hits, _ = BlockSearch(b"x", runs=True)(Block(b"b.log", 1, 0, sparse))
    first, last = sparse.index(b"line 1 x"), sparse.index(b"y x")
    assert hits == [Hits(b"b.log", 1, 0, sparse, [first, last], [first + 8, last + 3])]
    assert list(hits[0].matches()) == [Match(b"b.log", 1001, first, b"line 1 x"), Match(b"b.log", 4002, last, b"y x")]
    records = list(pull.grep(b"x", pull.cat(pull.opener([str(path)]))))  # the library's default: one Match a line
    assert [r.line for r in records if isinstance(r, Match)] == [b"a x", b"b x", b"d x"] * 300


@pytest.mark.parametrize("layout", ["sparse head, dense tail", "dense head, sparse tail"])
def test_a_block_judged_by_its_head_still_prints_every_selected_line(logpipe, tmp_path, layout):
    # density is judged on a block's first 16 KiB: a block misjudged must print exactly the same lines
    sparse = [b"2026-11-30 host app[%d]: request %s" % (i, b"FAILED" if i % 50 == 0 else b"done")
              for i in range(1000)]
    dense = [b"2026-11-30 host app[%d]: request %s" % (i, b"done" if i % 7 == 0 else b"FAILED") for i in range(1000)]
    lines = sparse + dense if layout.startswith("sparse") else dense + sparse
    path = write(tmp_path / "mixed.log", b"\n".join(lines) + b"\n")
    result = logpipe("FAILED", path, line_number=True)
    assert result.out == reference(lines, lambda line: b"FAILED" in line, numbers=True)
    counted = logpipe("FAILED", path, count=True)
    assert counted.out == b"%d\n" % sum(b"FAILED" in line for line in lines)
