"""The command as users type it: click's CliRunner, and a real subprocess for pipes and signals."""
from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from click.testing import CliRunner

from helpers import write
from terminal import wait_until_reading_a_pipe
from logpipe import __version__
from logpipe.cli import main

LOGPIPE = [sys.executable, "-m", "logpipe"]


def invoke(*args: str):
    return CliRunner().invoke(main, [str(arg) for arg in args], catch_exceptions=False)


def test_grep_finds_bash_history_lines_under_home(backend, tmp_path):
    home = tmp_path / "home"
    write(home / ".bash_history", b"brew install ripgrep\nls -la\r\nbrew upgrade\n")
    write(home / ".zsh_history", b"brew doctor\n")
    write(home / "notes" / "bash-notes.gz", b"brew in notes\n", "gzip")
    write(home / "Library" / "brew.log", b"brew log line\n")
    result = invoke("grep", "brew", home, "--pattern", "*bash*", "--backend", backend)
    assert result.exit_code == 0
    assert result.stdout_bytes == (
        str(home / ".bash_history").encode() + b":brew install ripgrep\n"
        + str(home / ".bash_history").encode() + b":brew upgrade\n"
        + str(home / "notes" / "bash-notes.gz").encode() + b":brew in notes\n")


def test_options_reach_the_search(backend, tmp_path):
    write(tmp_path / "a.log", b"x1\nX2\nx3\nx4\n", "zstd")
    result = invoke("grep", "-n", "-H", "-m", "2", "x", tmp_path / "a.log", "--backend", backend)
    name = str(tmp_path / "a.log").encode()
    assert result.stdout_bytes == name + b":1:x1\n" + name + b":3:x3\n"
    assert invoke("grep", "-h", "x4", tmp_path, "--backend", backend).stdout_bytes == b"x4\n"
    assert invoke("grep", "-F", "x.", tmp_path, "--backend", backend).exit_code == 1
    assert invoke("grep", "-q", "x", tmp_path, "--backend", backend).stdout_bytes == b""


def test_invalid_regex_is_an_error(backend, tmp_path):
    write(tmp_path / "a.log", b"x\n")
    result = invoke("grep", "a(b", tmp_path, "--backend", backend)
    assert result.exit_code == 2
    assert result.stderr == "logpipe: a(b: Unmatched ( or \\(\n"  # GNU grep's words, the pattern as typed
    assert result.stderr.count("\n") == 1


def test_help_and_version():
    assert invoke("--version").output == f"logpipe, version {__version__}\n"
    help_text = invoke("grep", "--help").output
    for option in ("--pattern", "--backend", "--max-count", "--line-number", "--exclude", "--max-depth"):
        assert option in help_text
    assert invoke("grep", "--backend", "sideways", "x").exit_code == 2


def test_demo_tree_is_searchable(backend, tmp_path):
    assert invoke("demo", tmp_path / "demo").exit_code == 0
    result = invoke("grep", "Failed password", tmp_path / "demo", "--backend", backend)
    names = {line.split(b":", 1)[0] for line in result.stdout_bytes.split(b"\n")[:-1]}
    assert len(names) == 5 and result.exit_code == 0


# --- as a real process -------------------------------------------------------------


def run(*args, **kwargs):
    return subprocess.run([*LOGPIPE, *map(str, args)], capture_output=True, timeout=60, **kwargs)


def test_exit_statuses(backend, tmp_path):
    write(tmp_path / "good.log", b"match\n", "gzip")
    assert run("grep", "match", tmp_path, "--backend", backend).returncode == 0
    assert run("grep", "absent", tmp_path, "--backend", backend).returncode == 1
    compressed = (tmp_path / "good.log").read_bytes()
    (tmp_path / "bad.gz").write_bytes(compressed[:-6])
    result = run("grep", "match", tmp_path, "--backend", backend)
    assert result.returncode == 2
    # the cut file's content is still searched: only its trailer is missing
    assert result.stdout == (str(tmp_path / "bad.gz").encode() + b":match\n"
                             + str(tmp_path / "good.log").encode() + b":match\n")
    assert result.stderr == b"logpipe: " + str(tmp_path / "bad.gz").encode() + b": truncated gzip stream\n"


def test_stdin_as_dash_is_decompressed(backend):
    import bz2

    result = run("grep", "-n", "b", "-", "--backend", backend, input=bz2.compress(b"a\nb\n"))
    assert (result.stdout, result.returncode) == (b"2:b\n", 0)


@pytest.fixture(scope="module")
def big_tree(tmp_path_factory):
    """About 200 MB in 20 files, matching on every line."""
    root = tmp_path_factory.mktemp("big")
    chunk = b"a log line with x in it, long enough to look like a real one, more or less\n" * 140000
    for i in range(20):
        (root / f"{i:02d}.log").write_bytes(chunk)
    return root


def test_head_closes_the_pipe_quietly(backend, big_tree):
    pipeline = subprocess.run(
        f"{' '.join(LOGPIPE)} grep x {big_tree} --backend {backend} | head -1; echo \"status=${{PIPESTATUS[0]}}\"",
        shell=True, executable="/bin/bash", capture_output=True, timeout=60)
    assert pipeline.stdout == str(big_tree / "00.log").encode() + b":a log line with x in it, long enough to look " \
        b"like a real one, more or less\nstatus=0\n"
    assert pipeline.stderr == b""


def test_ctrl_c_exits_130_without_traceback(backend):
    process = subprocess.Popen([*LOGPIPE, "grep", "x", "-", "--backend", backend], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdin.write(b"no match yet\n")
    process.stdin.flush()
    wait_until_reading_a_pipe(process.pid)  # started, and blocked reading stdin
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert b"Traceback" not in err and out == b""


def test_python_dash_m_and_entry_point_agree(tmp_path):
    write(tmp_path / "a.log", b"hello\n")
    assert run("grep", "hello", tmp_path / "a.log").stdout == b"hello\n"
    env = dict(os.environ)
    script = os.path.join(os.path.dirname(sys.executable), "logpipe")
    if os.path.exists(script):
        assert subprocess.run([script, "grep", "hello", tmp_path / "a.log"], capture_output=True,
                              env=env).stdout == b"hello\n"
