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
