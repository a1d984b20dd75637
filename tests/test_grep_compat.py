"""What GNU grep and ripgrep users count on: -L's status, context groups with -A0 and -o (and -o -v), the last of -l/-L, grep's habits, GREP_COLORS, any context size, JSON as rg prints it."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner
from helpers import search_with, write

from logpipe.cli import main


CONTEXT_LINES = b"a hit\nb\nc hit\nd\ne\nf hit\ng hit\nh\ni\nj\nk hit\n"
GREP = "/usr/bin/grep" if os.path.exists("/usr/bin/grep") else "grep"
LOGPIPE = [sys.executable, "-m", "logpipe"]
RG = subprocess.run(["which", "rg"], capture_output=True, text=True).stdout.strip()


def invoke(*args, **kwargs):
    return CliRunner().invoke(main, [str(arg) for arg in args], catch_exceptions=False, **kwargs)


def gnu_grep(*args, data: bytes = CONTEXT_LINES) -> bytes:
    return subprocess.run([GREP, *args, "-"], input=data, capture_output=True, env={"LC_ALL": "C"}).stdout


def without_elapsed(lines: list[bytes]) -> list[dict]:
    import json

    messages = [json.loads(line) for line in lines]
    for message in messages:  # timings differ from run to run, in ripgrep too
        message["data"].get("stats", {}).pop("elapsed", None)
        message["data"].pop("elapsed_total", None)
    return messages


def timings_out(output: bytes) -> bytes:
    """JSON Lines with every elapsed time set to zero, the rest byte for byte."""
    import re

    return re.sub(rb'\{"secs":\d+,"nanos":\d+,"human":"[0-9.]+s"\}', b'{"secs":0,"nanos":0,"human":"0s"}', output)


def test_files_without_match_status_is_grep_3_5s(logpipe, tmp_path):
    write(tmp_path / "f1", b"abc\n", "gzip")
    write(tmp_path / "f2", b"zzz\n")
    listed = logpipe("zzz", tmp_path / "f1", files_without_match=True)
    assert (listed.out, listed.status) == (bytes(tmp_path / "f1") + b"\n", 1)  # no line selected
    matched = logpipe("abc", tmp_path / "f1", files_without_match=True)
    assert (matched.out, matched.status) == (b"", 0)
    both = logpipe("zzz", tmp_path, files_without_match=True)
    assert (both.out, both.status) == (bytes(tmp_path / "f1") + b"\n", 0)


def test_glob_and_include_are_pattern(backend, tmp_path):
    write(tmp_path / "a.log", b"Failed one\n")
    write(tmp_path / "b.txt", b"Failed two\n", "zstd")
    for flag in ("-g", "--glob", "--include", "--pattern"):
        result = invoke("grep", flag, "*.log", "Failed", tmp_path, "--backend", backend)
        assert result.stdout_bytes == bytes(tmp_path / "a.log") + b":Failed one\n", flag
    help_text = invoke("grep", "--help").output
    assert "-g, --glob, --include, --pattern GLOB" in help_text
    assert "Search only files whose name matches GLOB" in help_text


def test_last_of_l_and_big_l_wins(backend, tmp_path):
    write(tmp_path / "f1", b"hit\n")
    write(tmp_path / "f2", b"miss\n", "bzip2")
    with_match, without = bytes(tmp_path / "f1") + b"\n", bytes(tmp_path / "f2") + b"\n"
    assert invoke("grep", "-l", "-L", "hit", tmp_path, "--backend", backend).stdout_bytes == without
    assert invoke("grep", "-L", "-l", "hit", tmp_path, "--backend", backend).stdout_bytes == with_match
    assert invoke("grep", "-L", "hit", tmp_path, "--files-with-matches", "--backend", backend).stdout_bytes \
        == with_match


@pytest.mark.parametrize("flags", [["-A0"], ["-B0"], ["-C0", "-n"], ["-o", "-C1"], ["-o", "-A0"],
                                   ["-o", "-n", "-B1"], ["-o", "-b", "-A1"], ["-o", "-C5", "-m1", "-n"],
                                   ["-A", "0", "-c"], ["-o", "-n", "-C0", "--color=always"]])
def test_zero_context_and_only_matching_groups_as_gnu_grep(backend, tmp_path, flags):
    write(tmp_path / "x.log", CONTEXT_LINES, "gzip")
    expected = gnu_grep(*flags, "hit")
    result = invoke("grep", *flags, "hit", tmp_path / "x.log", "--backend", backend)
    assert result.stdout_bytes == expected
    assert b"--" in expected or "-c" in flags or "-m1" in flags


def test_only_matching_groups_across_files_as_grep_r(backend, tmp_path):
    for name in ("a.log", "b.log"):
        write(tmp_path / name, CONTEXT_LINES)
    expected = subprocess.run([GREP, "-o", "-B1", "hit", "a.log", "b.log"], cwd=tmp_path, capture_output=True).stdout
    for jobs in ("1", "2"):
        result = subprocess.run([*LOGPIPE, "grep", "-o", "-B1", "hit", "-j", jobs, "--backend", backend],
                                cwd=tmp_path, capture_output=True)
        assert result.stdout == expected and expected.count(b"--") == 5, jobs


def test_habitual_flags_are_accepted(backend, tmp_path):
    write(tmp_path / "a.log", b"sshd one\nother\n", "gzip")
    write(tmp_path / "bin.dat", b"sshd\0binary\n")
    expected = bytes(tmp_path / "a.log") + b":sshd one\n"
    for flags in (["-r"], ["-R"], ["-E"], ["-P"], ["-z"], ["-I"], ["-r", "-z", "-E"]):
        result = invoke("grep", *flags, "sshd", tmp_path, "--backend", backend)
        assert result.exit_code == 0, (flags, result.output)
        expected_out = expected if "-I" in flags else expected + b"Binary file " + bytes(tmp_path / "bin.dat") \
            + b" matches\n"
        assert result.stdout_bytes == expected_out, flags
    help_text = invoke("grep", "--help").output
    assert "dialect" in help_text.split("-E, --extended-regexp")[1].split("\n  -")[0]  # names the dialect


def test_color_without_a_value_and_max_count_minus_one(backend, tmp_path):
    write(tmp_path / "a.log", b"x hit\ny hit\n")
    painted = b"x \x1b[01;31m\x1b[Khit\x1b[m\x1b[K\ny \x1b[01;31m\x1b[Khit\x1b[m\x1b[K\n"
    # without a value: auto (CliRunner's stdout is no terminal: no colour), and the next word stays the pattern
    assert invoke("grep", "--color", "hit", tmp_path / "a.log", "--backend", backend).stdout_bytes \
        == b"x hit\ny hit\n"
    assert invoke("grep", "hit", tmp_path / "a.log", "--color", "--backend", backend).exit_code == 0
    assert invoke("grep", "--color=always", "hit", tmp_path / "a.log", "--backend", backend).stdout_bytes == painted
    assert invoke("grep", "--colour", "always", "hit", tmp_path / "a.log").stdout_bytes == painted
    assert invoke("grep", "-m", "-1", "hit", tmp_path / "a.log", "--backend", backend).stdout_bytes \
        == b"x hit\ny hit\n"
    assert invoke("grep", "--max-count=-1", "hit", tmp_path / "a.log").exit_code == 0


@pytest.mark.parametrize("grep_colors", ["ms=04;32:fn=33:ln=34:bn=35:se=36", "sl=1:cx=2:mt=4", "ne:ms=7",
                                         "mc=01;33:sl=:cx=2", "rv:sl=1:cx=2", "fn=:ln=1", ""])
@pytest.mark.parametrize("flags", [["-n", "-H", "-A1"], ["-v", "-n", "-B1"], ["-o", "-b", "-H"], ["-c", "-H"]])
def test_grep_colors_as_gnu_grep_reads_them(backend, tmp_path, grep_colors, flags):
    data = b"a hit x hit\nb\nhit at start\nc\r\nd hit\r\n"
    write(tmp_path / "x.log", data, "xz")
    expected = subprocess.run([GREP, "--color=always", *flags, "--label", str(tmp_path / "x.log"), "hit", "-"],
                              input=data, capture_output=True, env={"LC_ALL": "C", "GREP_COLORS": grep_colors})
    result = invoke("grep", "--color=always", *flags, "hit", tmp_path / "x.log", "--backend", backend,
                    env={"GREP_COLORS": grep_colors})
    assert result.stdout_bytes == expected.stdout


def test_huge_context_is_accepted_as_grep_does(backend, tmp_path):
    write(tmp_path / "x.log", b"a\nsshd\nb\n", "gzip")
    for flag in ("-C", "-A", "-B"):
        result = invoke("grep", flag, "99999999999999999999", "sshd", tmp_path / "x.log", "--backend", backend)
        assert result.exit_code == 0, result.output
        assert result.stdout_bytes == {"-C": b"a\nsshd\nb\n", "-A": b"sshd\nb\n", "-B": b"a\nsshd\n"}[flag]


@pytest.mark.skipif(not RG, reason="ripgrep is not installed")
def test_json_bytes_are_ripgreps_for_every_kind_of_text(backend, tmp_path):
    """Escapes (quotes, backslashes, control bytes, tabs, \\r, DEL), non-ASCII text, U+2028 and
    invalid UTF-8 (base64), in lines, matches and names: the same bytes as `rg --json` (but
    for the summary, whose keys ripgrep 13 gives in another order)."""
    lines = [b'hit "quoted" \\back\\slash\ttab\x01\x1f\x7f end', "hit é ü 日本 \u2028 😀".encode(),
             b"hit \xff\xfe invalid", b"crlf hit\r", b"no match", "h\u00e9 hit \u00e9".encode()]
    names = ["a.log", "sp ace \"q\".log", "é.log", "x\\y.log"]
    for name in names:
        write(tmp_path / name, b"\n".join(lines) + b"\n" + lines[0])  # the last line without a newline
    write(tmp_path / os.fsdecode(b"\xff.log"), b"hit\n")
    paths = sorted(str(path) for path in tmp_path.iterdir())
    expected = subprocess.run([RG, "--json", "--no-config", "-j1", "-a", "hit|\\\\", *paths], capture_output=True)
    from helpers import search_with

    result = search_with(backend)("hit|\\\\", *paths, json=True)
    ours, theirs = timings_out(result.out).split(b"\n"), timings_out(expected.stdout).split(b"\n")
    assert ours[:-2] == theirs[:-2] and len(ours) > 30
    assert without_elapsed(ours[-2:-1]) == without_elapsed(theirs[-2:-1])  # the summary


@pytest.mark.skipif(not RG, reason="ripgrep is not installed")
@pytest.mark.parametrize("flags", [[], ["-m", "1"], ["-m", "2", "-A", "1"], ["-C", "1"], ["-m", "1", "-B", "2"]])
def test_json_as_ripgrep_prints_it(backend, block_size, tmp_path, flags):
    write(tmp_path / "a.log", b"x\nhit one\ny\nz\nhit two\nw\nhit three")  # no newline at the end
    write(tmp_path / "b.log", b"nothing\n")
    write(tmp_path / "c.log", b"hit\n" + b"filler\n" * 1000)
    paths = [str(tmp_path / name) for name in ("a.log", "b.log", "c.log")]
    expected = subprocess.run([RG, "--json", "--no-config", "-j1", *flags, "hit", *paths], capture_output=True).stdout
    options = {"-m": "max_count", "-A": "after_context", "-B": "before_context", "-C": "context"}
    fields = {}
    for flag, value in zip(flags[::2], flags[1::2]):
        if flag == "-C":
            fields["after_context"] = fields["before_context"] = int(value)
        else:
            fields[options[flag]] = int(value)
    from helpers import search_with

    result = search_with(backend, block_size)("hit", *paths, json=True, **fields)
    assert without_elapsed(result.lines) == without_elapsed(expected.split(b"\n")[:-1])
    summary = without_elapsed(result.lines)[-1]["data"]["stats"]
    ends = [m["data"]["stats"] for m in without_elapsed(result.lines) if m["type"] == "end"]
    assert summary["bytes_printed"] == sum(end["bytes_printed"] for end in ends)


# -- -o -v with context prints the matches of the context lines, as GNU grep ------------------

INVERTED = b"foo1\nfoo2\nfoo3\nbar\nfoo4\nfoo5 x foo6\nfoo7\nfoo8\nbaz\nqux\nfoo9\r\nend\n"
OTHER = b"foo1\nnone\nfoo2 foo3\nfoo4\nfoo5\nfoo6\nlast\n"


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


@pytest.mark.parametrize("pattern", ["(+))", "(a|+))", "(^()|+))", "(*))", "(?))", "((+)))", "(+*))", "(+{))",
                                     "(b|+)c)", "(+)", "(b|+)", "(+)x", "((+))", "(+))\\1", "(+))\\1\\1"])
def test_ere_repetition_of_nothing_before_a_paren_as_gnu_grep(backend, tmp_path, pattern):
    """`*` `+` `?` that repeat nothing, then a `)`: GNU grep selects lines with dfa.c, which
    closes the group there (`(^()|+))` selects the lines with a ")", not every line), and
    checks the pattern with glibc, which skips the operator and reads that `)` as a byte
    (`(+)` is an unmatched "("; with a back-reference glibc matches: `(+))\\1` wants "))").
    Found by the hypothesis test against GNU grep."""
    lines = b"+\n+)\n)\nx\n++)\n))\n"
    write(tmp_path / "t.log", lines)
    expected = subprocess.run([GREP, "-n", "-E", "-e", pattern, "-"], input=lines, capture_output=True,
                              env={"LC_ALL": "C"})
    result = invoke("grep", "-n", "-E", "-e", pattern, tmp_path / "t.log", "--backend", backend)
    assert (result.stdout_bytes, result.exit_code) == (expected.stdout, expected.returncode)
    assert expected.returncode == 2 or expected.stdout in (b"", b"2:+)\n3:)\n5:++)\n6:))\n", b"6:))\n")
