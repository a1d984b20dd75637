"""Issue 10: what new users and a differential test against GNU grep and ripgrep found."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from conftest import write
from logpipe.cli import main

LOGPIPE = [sys.executable, "-m", "logpipe"]


def invoke(*args, **kwargs):
    return CliRunner().invoke(main, [str(arg) for arg in args], catch_exceptions=False, **kwargs)


# -- 3. demo refuses a non-empty directory ---------------------------------------------


def test_demo_refuses_a_non_empty_directory_unless_forced(tmp_path):
    (tmp_path / "syslog").write_bytes(b"the real syslog\n")
    result = invoke("demo", tmp_path)
    assert result.exit_code == 2
    assert "not empty" in result.stderr and "--force" in result.stderr
    assert (tmp_path / "syslog").read_bytes() == b"the real syslog\n"
    assert invoke("demo", tmp_path, "--force").exit_code == 0
    assert (tmp_path / "syslog").read_bytes() != b"the real syslog\n"
    assert invoke("demo", tmp_path / "new").exit_code == 0  # a new or empty directory needs no --force


# -- 4. -L exit status as grep >= 3.5 -----------------------------------------------------


def test_files_without_match_status_is_grep_3_5s(logpipe, tmp_path):
    write(tmp_path / "f1", b"abc\n", "gzip")
    write(tmp_path / "f2", b"zzz\n")
    listed = logpipe("zzz", tmp_path / "f1", files_without_match=True)
    assert (listed.out, listed.status) == (bytes(tmp_path / "f1") + b"\n", 1)  # no line selected
    matched = logpipe("abc", tmp_path / "f1", files_without_match=True)
    assert (matched.out, matched.status) == (b"", 0)
    both = logpipe("zzz", tmp_path, files_without_match=True)
    assert (both.out, both.status) == (bytes(tmp_path / "f1") + b"\n", 0)


# -- 7. --glob and --include select files -------------------------------------------------


def test_glob_and_include_are_pattern(backend, tmp_path):
    write(tmp_path / "a.log", b"Failed one\n")
    write(tmp_path / "b.txt", b"Failed two\n", "zstd")
    for flag in ("-g", "--glob", "--include", "--pattern"):
        result = invoke("grep", flag, "*.log", "Failed", tmp_path, "--backend", backend)
        assert result.stdout_bytes == bytes(tmp_path / "a.log") + b":Failed one\n", flag
    help_text = invoke("grep", "--help").output
    assert "-g, --glob, --include, --pattern GLOB" in help_text
    assert "Search only files whose name matches GLOB" in help_text


# -- 6. options that conflict -----------------------------------------------------------------

GREP = "/usr/bin/grep" if os.path.exists("/usr/bin/grep") else "grep"
CONTEXT_LINES = b"a hit\nb\nc hit\nd\ne\nf hit\ng hit\nh\ni\nj\nk hit\n"


def gnu_grep(*args, data: bytes = CONTEXT_LINES) -> bytes:
    return subprocess.run([GREP, *args, "-"], input=data, capture_output=True, env={"LC_ALL": "C"}).stdout


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
