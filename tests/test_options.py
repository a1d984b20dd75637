"""grep's options that the GNU grep table cannot show: JSON, NUL names, binary files,
stdin, smart case, pattern lists, context across block boundaries."""
from __future__ import annotations

import base64
import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from helpers import write
from logpipe.cli import main

LOGPIPE = [sys.executable, "-m", "logpipe"]


def test_context_across_block_boundaries(logpipe, tmp_path):
    lines = [b"line %d%s" % (i, b" hit" if i in (5, 9, 30) else b"") for i in range(1, 41)]
    write(tmp_path / "x.log", b"\n".join(lines) + b"\n", "gzip")
    result = logpipe("hit", tmp_path / "x.log", line_number=True, before_context=3, after_context=2)
    assert result.out.decode() == (
        "2-line 2\n3-line 3\n4-line 4\n5:line 5 hit\n6-line 6\n7-line 7\n8-line 8\n9:line 9 hit\n"
        "10-line 10\n11-line 11\n--\n27-line 27\n28-line 28\n29-line 29\n30:line 30 hit\n31-line 31\n32-line 32\n")


def test_counts_and_max_count_with_trailing_context(logpipe, tmp_path):
    write(tmp_path / "x.log", b"a hit\nb\nc hit\nd\ne hit\n", "bzip2")
    assert logpipe("hit", tmp_path / "x.log", count=True).out == b"3\n"
    assert logpipe("hit", tmp_path / "x.log", count=True, invert_match=True).out == b"2\n"
    # as GNU grep: after the last counted match, trailing context goes on, matches shown as context
    assert logpipe("hit", tmp_path / "x.log", max_count=1, after_context=3, line_number=True).out == (
        b"1:a hit\n2-b\n3-c hit\n4-d\n")
    assert logpipe("hit", tmp_path / "x.log", files_without_match=True).status == 0  # grep >= 3.5


def test_smart_case_and_pattern_lists(search, tmp_path):
    write(tmp_path / "x.log", b"Error one\nerror two\nWARN three\nfine\n")
    x = tmp_path / "x.log"
    assert search("error", x, smart_case=True).lines == [b"Error one", b"error two"]
    assert search("Error", x, smart_case=True).lines == [b"Error one"]
    assert search(r"\Serror", x, smart_case=True).status == 1  # \S is an escape, not an upper-case letter
    assert search(b"error\nWARN", x).lines == [b"error two", b"WARN three"]  # a newline separates patterns
    result = CliRunner().invoke(main, ["grep", "-e", "one", "-e", "three", str(x)])
    assert result.stdout_bytes == b"Error one\nWARN three\n"
    (tmp_path / "patterns").write_bytes(b"two\nfine\n")
    result = CliRunner().invoke(main, ["grep", "-f", str(tmp_path / "patterns"), str(x)])
    assert result.stdout_bytes == b"error two\nfine\n"
    (tmp_path / "none").write_bytes(b"")
    assert CliRunner().invoke(main, ["grep", "-f", str(tmp_path / "none"), str(x)]).exit_code == 1


def test_word_and_line_regexp_with_fixed_strings(search, tmp_path):
    write(tmp_path / "x.log", b"a.b\nxa.b\na.b c\n")
    x = tmp_path / "x.log"
    assert search("a.b", x, fixed_strings=True, word_regexp=True).lines == [b"a.b", b"a.b c"]
    assert search("a.b", x, fixed_strings=True, line_regexp=True).lines == [b"a.b"]


def test_binary_files(logpipe, tmp_path):
    write(tmp_path / "bin.dat", b"hit text\n\0\x01\x02 hit\n", "gzip")
    write(tmp_path / "late.dat", b"x\n" * 20000 + b"\0 hit\n")  # NUL after the first 32 KiB: text
    assert logpipe("hit", tmp_path / "bin.dat").out == b"Binary file " + bytes(tmp_path / "bin.dat") + b" matches\n"
    assert logpipe("hit", tmp_path / "bin.dat", binary_files="text").out == b"hit text\n\0\x01\x02 hit\n"
    assert logpipe("hit", tmp_path / "bin.dat", binary_files="without-match").status == 1
    assert logpipe("hit", tmp_path / "bin.dat", count=True).out == b"2\n"
    assert logpipe("hit", tmp_path / "late.dat").out == b"\0 hit\n"


def test_null_after_names_round_trips_odd_names(search, tmp_path):
    names = ["with space.log", "new\nline.log", "tab\there.log", "ünï.log"]
    for name in names:
        write(tmp_path / name, b"hit\n", "zstd")
    write(tmp_path / "miss.log", b"nothing\n")
    listed = search("hit", tmp_path, files_with_matches=True, null=True).out
    assert listed.endswith(b"\0") and b"\n" not in listed.replace(b"new\nline", b"")
    assert sorted(listed.split(b"\0")[:-1]) == sorted(os.fsencode(tmp_path / name) for name in names)
    in_order = sorted(names, key=str.encode)
    assert search("hit", tmp_path, null=True).out == b"".join(
        os.fsencode(tmp_path / name) + b"\0hit\n" for name in in_order)


def test_null_output_feeds_xargs(backend, tmp_path):
    for name in ["a b.log", "c.log"]:
        write(tmp_path / name, b"hit\n", "gzip")
    pipeline = subprocess.run(f"{' '.join(LOGPIPE)} grep -l -0 hit {tmp_path} --backend {backend} | xargs -0 ls",
                              shell=True, capture_output=True, timeout=60)
    assert pipeline.returncode == 0 and pipeline.stderr == b""
    assert pipeline.stdout.split(b"\n")[:-1] == [bytes(tmp_path / "a b.log"), bytes(tmp_path / "c.log")]


def test_json_messages_have_ripgreps_shape(logpipe, tmp_path):
    write(tmp_path / "a.log", b"ok\nfirst hit hit\nlatin \xe9 hit\n", "xz")
    write(tmp_path / "b.log", b"nothing\n")
    result = logpipe("hit", tmp_path, json=True, after_context=0, before_context=1)
    messages = [json.loads(line) for line in result.lines]
    assert [m["type"] for m in messages] == ["begin", "context", "match", "match", "end", "summary"]
    path = {"text": str(tmp_path / "a.log")}
    assert messages[0] == {"type": "begin", "data": {"path": path}}
    assert messages[1]["data"] == {"path": path, "lines": {"text": "ok\n"}, "line_number": 1, "absolute_offset": 0,
                                   "submatches": []}
    assert messages[2]["data"] == {
        "path": path, "lines": {"text": "first hit hit\n"}, "line_number": 2, "absolute_offset": 3,
        "submatches": [{"match": {"text": "hit"}, "start": 6, "end": 9},
                       {"match": {"text": "hit"}, "start": 10, "end": 13}]}
    assert messages[3]["data"]["lines"] == {"bytes": base64.b64encode(b"latin \xe9 hit\n").decode()}
    end = messages[4]["data"]
    assert end["path"] == path and end["binary_offset"] is None
    assert {k: end["stats"][k] for k in ("searches", "searches_with_match", "matched_lines", "matches")} == {
        "searches": 1, "searches_with_match": 1, "matched_lines": 2, "matches": 3}
    assert set(end["stats"]["elapsed"]) == {"secs", "nanos", "human"}
    summary = messages[5]["data"]["stats"]
    # as rg 13: the summary adds up the files that printed something (b.log printed nothing)
    assert summary["searches"] == 1 and summary["searches_with_match"] == 1 and summary["matched_lines"] == 2
    assert result.status == 0


def test_json_is_the_same_from_both_backends(tmp_path):
    from helpers import search_with

    write(tmp_path / "a.log", b"x hit\ny\n", "gzip")
    outputs = []
    for backend in ("pull", "push"):
        lines = search_with(backend)("hit", tmp_path, json=True).lines
        messages = [json.loads(line) for line in lines]
        for message in messages:  # timings differ from run to run, as in ripgrep
            message["data"].get("stats", {}).pop("elapsed", None)
            message["data"].pop("elapsed_total", None)
        outputs.append(messages)
    assert outputs[0] == outputs[1]


def test_json_lines_through_jq(backend, tmp_path):
    jq = subprocess.run(["which", "jq"], capture_output=True).stdout.strip()
    if not jq:
        pytest.skip("jq is not installed")
    write(tmp_path / "a.log", b"a\nhit\nb\nhit\n", "gzip")
    pipeline = subprocess.run(
        f"{' '.join(LOGPIPE)} grep --json hit {tmp_path} --backend {backend} | "
        "jq -c 'select(.type==\"match\") | .data.line_number'", shell=True, capture_output=True, timeout=60)
    assert pipeline.stdout == b"2\n4\n" and pipeline.stderr == b""


def test_no_path_reads_piped_stdin(backend, tmp_path):
    import gzip

    result = subprocess.run([*LOGPIPE, "grep", "-n", "hit", "--backend", backend], input=gzip.compress(b"a\nhit\n"),
                            capture_output=True, cwd=tmp_path, timeout=60)
    assert (result.stdout, result.returncode) == (b"2:hit\n", 0)
    write(tmp_path / "f.log", b"hit in file\n")
    result = subprocess.run([*LOGPIPE, "grep", "hit", "--backend", backend], stdin=subprocess.DEVNULL,
                            capture_output=True, cwd=tmp_path, timeout=60)
    assert result.stdout == b"f.log:hit in file\n"  # /dev/null is no pipe: the current directory
    result = subprocess.run([*LOGPIPE, "grep", "-H", "hit", "-", "--backend", backend], input=b"hit\n",
                            capture_output=True, timeout=60)
    assert result.stdout == b"(standard input):hit\n"


def test_color_only_when_asked_or_on_a_terminal(backend, tmp_path, monkeypatch):
    write(tmp_path / "a.log", b"a hit\n")
    plain = CliRunner().invoke(main, ["grep", "hit", str(tmp_path / "a.log"), "--backend", backend])
    assert plain.stdout_bytes == b"a hit\n"  # auto: CliRunner's stdout is no terminal
    colored = CliRunner().invoke(main, ["grep", "--color=always", "hit", str(tmp_path / "a.log"),
                                        "--backend", backend])
    assert colored.stdout_bytes == b"a \x1b[01;31m\x1b[Khit\x1b[m\x1b[K\n"
    from helpers import Terminal, search_with

    monkeypatch.delenv("NO_COLOR", raising=False)
    on_a_terminal = search_with(backend, stdout=Terminal())("hit", tmp_path / "a.log", color="auto")
    assert on_a_terminal.out == colored.stdout_bytes
    monkeypatch.setenv("NO_COLOR", "1")
    assert search_with(backend, stdout=Terminal())("hit", tmp_path / "a.log", color="auto").out == b"a hit\n"
