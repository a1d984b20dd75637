"""Issue 10: what new users and a differential test against GNU grep and ripgrep found."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from helpers import write
from terminal import rendered
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


# -- 8. what grep and rg users type out of habit -----------------------------------------------


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


@pytest.mark.parametrize("command", ["grep", "compare", "demo", "man"])
def test_version_on_subcommands(command):
    from logpipe import __version__

    result = invoke(command, "--version")
    assert (result.exit_code, result.output) == (0, f"logpipe, version {__version__}\n")


# -- 1. no traceback, whatever the input ------------------------------------------------------


def test_huge_context_is_accepted_as_grep_does(backend, tmp_path):
    write(tmp_path / "x.log", b"a\nsshd\nb\n", "gzip")
    for flag in ("-C", "-A", "-B"):
        result = invoke("grep", flag, "99999999999999999999", "sshd", tmp_path / "x.log", "--backend", backend)
        assert result.exit_code == 0, result.output
        assert result.stdout_bytes == {"-C": b"a\nsshd\nb\n", "-A": b"sshd\nb\n", "-B": b"a\nsshd\n"}[flag]


def shell(command: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, shell=True, executable="/bin/bash", capture_output=True, timeout=60, **kwargs)


LP = " ".join(LOGPIPE)


def test_closed_standard_streams(backend, tmp_path):
    write(tmp_path / "x.log", b"sshd here\n")
    closed_stdin = shell(f"{LP} grep sshd - --backend {backend} <&-")
    assert (closed_stdin.stdout, closed_stdin.stderr, closed_stdin.returncode) == (
        b"", b"logpipe: (standard input): Bad file descriptor\n", 2)
    # fd 0 closed: a file opened during the search must not be mistaken for standard input
    both = shell(f"{LP} grep sshd {tmp_path / 'x.log'} - --backend {backend} <&-")
    assert both.stdout == str(tmp_path / "x.log").encode() + b":sshd here\n" and both.returncode == 2
    closed_stdout = shell(f"{LP} grep sshd {tmp_path} --backend {backend} >&-")
    assert (closed_stdout.stderr, closed_stdout.returncode) == (
        b"logpipe: (standard output): write error: Bad file descriptor\n", 2)
    no_match = shell(f"{LP} grep nothing {tmp_path} --backend {backend} >&-")
    assert (no_match.stderr, no_match.returncode) == (b"", 1)  # as grep: nothing was written
    closed_stderr = shell(f"{LP} grep sshd {tmp_path} --backend {backend} 2>&-")
    assert (closed_stderr.stdout, closed_stderr.returncode) == (str(tmp_path / "x.log").encode()
                                                                 + b":sshd here\n", 0)
    all_closed = shell(f"{LP} grep sshd - --backend {backend} <&- >&- 2>&-; echo $? >&2", )
    assert all_closed.stderr == b"2\n"


COMMAND = os.path.join(os.path.dirname(sys.executable), "logpipe")  # the installed command (bin/logpipe)


@pytest.mark.skipif(not os.path.exists(COMMAND), reason="logpipe is not installed beside this Python")
def test_stdin_that_is_a_directory(backend, tmp_path):
    write(tmp_path / "x.log", b"sshd here\n", "gzip")
    for args in (["sshd"], ["sshd", "-"]):
        result = shell(f"{COMMAND} grep {' '.join(args)} --backend {backend} < {tmp_path}")
        assert (result.stdout, result.stderr, result.returncode) == (
            b"", b"logpipe: (standard input): Is a directory\n", 2)
    both = shell(f"{COMMAND} grep -H sshd {tmp_path / 'x.log'} - --backend {backend} < {tmp_path}")
    assert both.stdout == str(tmp_path / "x.log").encode() + b":sshd here\n" and both.returncode == 2
    piped = shell(f"echo 'sshd piped' | {COMMAND} grep sshd --backend {backend}")  # the launcher passes stdin on
    assert (piped.stdout, piped.returncode) == (b"sshd piped\n", 0)
    (tmp_path / "link").symlink_to(COMMAND)
    linked = shell(f"{tmp_path / 'link'} grep sshd < {tmp_path}")
    assert linked.returncode == 2


def test_an_unexpected_error_is_one_line_and_status_2(tmp_path, monkeypatch):
    import logpipe.cli

    def broken(options, *args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(logpipe.cli, "run", broken)
    result = CliRunner().invoke(main, ["grep", "x", str(tmp_path)])
    assert (result.exit_code, result.stderr) == (2, "logpipe: internal error: RuntimeError: a bug\n")


# -- 5. --json as ripgrep prints it -----------------------------------------------------------

RG = subprocess.run(["which", "rg"], capture_output=True, text=True).stdout.strip()


def without_elapsed(lines: list[bytes]) -> list[dict]:
    import json

    messages = [json.loads(line) for line in lines]
    for message in messages:  # timings differ from run to run, in ripgrep too
        message["data"].get("stats", {}).pop("elapsed", None)
        message["data"].pop("elapsed_total", None)
    return messages


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


# -- 2. the progress line never runs into the results on a terminal ---------------------------


@pytest.mark.parametrize("flags", [[], ["-c"]])  # stdin: -j never applies
def test_progress_line_is_erased_before_results_on_the_same_terminal(backend, tmp_path, flags):
    import pty
    import select
    import time

    import fcntl
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # 24 rows, 100 columns
    process = subprocess.Popen([*LOGPIPE, "grep", "--progress", "--color=never", *flags, "hit", "-",
                                "--backend", backend],
                               stdin=subprocess.PIPE, stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    screen = bytearray()

    def read_for(seconds: float, until: bytes | None = None) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not (until and until in screen):
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    screen.extend(os.read(master, 65536))
                except OSError:  # EIO: the process has closed the terminal
                    return

    process.stdin.write(b"nothing yet\n")
    process.stdin.flush()
    read_for(30, until=b"files")  # the progress line shows after half a second (more on a loaded machine)
    assert b"files" in screen
    process.stdin.write(b"".join(b"a hit %d\n" % i for i in range(1, 3000)))  # more than a buffer's worth
    process.stdin.flush()
    read_for(1.0)
    process.stdin.write(b"last hit\n")
    process.stdin.close()
    read_for(3.0)
    assert process.wait(timeout=30) == 0
    os.close(master)
    shown = [line for line in rendered(bytes(screen)) if line]
    expected = ["3000"] if "-c" in flags else [f"a hit {i}" for i in range(1, 3000)] + ["last hit"]
    assert [line for line in shown if "files" not in line or "hit" in line] == expected


# -- 9. defaults from LOGPIPE_CONFIG_PATH ------------------------------------------------------


def test_config_file_arguments_come_first(backend, tmp_path):
    write(tmp_path / "logs" / "a.log", b"x\nhit one\nhit two\n", "gzip")
    write(tmp_path / "logs" / "b.txt", b"hit elsewhere\n")
    config = tmp_path / "logpiperc"
    config.write_bytes(b"# my defaults\n\n-n\n  --max-count=1  \r\n--glob\n*.log\n   # indented comment\n")
    env = {"LOGPIPE_CONFIG_PATH": str(config)}
    name = bytes(tmp_path / "logs" / "a.log")
    result = invoke("grep", "hit", tmp_path / "logs", "--backend", backend, env=env)
    assert (result.stdout_bytes, result.stderr) == (name + b":2:hit one\n", "")
    overridden = invoke("grep", "-m", "5", "hit", tmp_path / "logs", "--backend", backend, env=env)
    assert overridden.stdout_bytes == name + b":2:hit one\n" + name + b":3:hit two\n"  # the command line wins
    plain = invoke("grep", "--no-config", "hit", tmp_path / "logs", "--backend", backend, env=env)
    assert plain.stdout_bytes.count(b"hit") == 3 and b":2:" not in plain.stdout_bytes
    config.write_bytes(b"-L\n")
    assert invoke("grep", "-l", "hit", tmp_path / "logs", "--backend", backend, env=env).stdout_bytes \
        == b"".join(bytes(tmp_path / "logs" / n) + b"\n" for n in ("a.log", "b.txt"))  # given last: -l wins
    missing = invoke("grep", "hit", tmp_path / "logs" / "a.log", env={"LOGPIPE_CONFIG_PATH": str(tmp_path / "no")})
    assert missing.stderr == f"logpipe: config file {tmp_path / 'no'} (LOGPIPE_CONFIG_PATH): No such file or directory\n"
    assert missing.stdout_bytes == b"hit one\nhit two\n" and missing.exit_code == 0
    help_text = invoke("grep", "--help", env=env).output
    assert "--no-config" in help_text and "LOGPIPE_CONFIG_PATH" in help_text


# -- 10. completion, grouped help, man page ---------------------------------------------------


def complete(*words: str) -> str:
    env = {**os.environ, "_LOGPIPE_COMPLETE": "bash_complete", "COMP_WORDS": " ".join(["logpipe", *words]),
           "COMP_CWORD": str(len(words))}
    return subprocess.run([*LOGPIPE], env=env, capture_output=True, text=True, timeout=60).stdout


def test_paths_complete_as_files():
    # click hands the completion of a file name to the shell ("file,/va"; older clicks: two lines)
    assert complete("grep", "sshd", "/va").strip().replace("\n", ",") == "file,/va"
    assert complete("compare", "sshd", "/va").strip().replace("\n", ",") == "file,/va"


def test_grep_help_groups_the_options_and_shows_the_j_default():
    help_text = invoke("grep", "--help", terminal_width=100).output
    headings = ["What to search:", "How to match:", "What to print:", "How to run:"]
    positions = [help_text.index(heading) for heading in headings]
    assert positions == sorted(positions) and "\nOptions:" not in help_text
    sections = dict(zip(headings, [help_text[a:b] for a, b in zip(positions, positions[1:] + [len(help_text)])]))
    assert "--exclude" in sections["What to search:"] and "--ignore-case" in sections["How to match:"]
    assert "--count" in sections["What to print:"] and "--backend" in sections["How to run:"]
    threads = sections["How to run:"].split("-j, --threads")[1].split("\n  -")[0]
    assert f"[default: 0, one per core: {os.cpu_count()} here]" in " ".join(threads.split())


def test_top_level_commands_are_described_in_full():
    listing = invoke("--help", terminal_width=80).output.split("Commands:")[1]
    assert "..." not in listing
    for command in ("grep", "compare", "demo", "man"):
        assert f"\n  {command} " in listing


def test_man_page_from_the_help_text(tmp_path):
    page = invoke("man").stdout
    assert page.startswith(".TH LOGPIPE 1")
    for text in (".SH NAME", ".SH SYNOPSIS", ".SH DESCRIPTION", ".SH EXIT STATUS", ".SH ENVIRONMENT",
                 r"\-\-max\-count", "What to search", "LOGPIPE_CONFIG_PATH", "GREP_COLORS", "logpipe compare"):
        assert text in page, text
    man = subprocess.run(["which", "man"], capture_output=True, text=True).stdout.strip()
    if man:
        (tmp_path / "logpipe.1").write_text(page)
        shown = subprocess.run([man, "-l", str(tmp_path / "logpipe.1")], capture_output=True, text=True,
                               env={**os.environ, "MANPAGER": "cat", "PAGER": "cat", "MANWIDTH": "100"})
        assert shown.returncode == 0 and "warning" not in shown.stderr
        assert "-m, --max-count N" in shown.stdout.replace("‐", "-").replace("−", "-")


# -- 11. compare takes -j and the output options ----------------------------------------------


def test_compare_takes_threads_and_output_options(tmp_path):
    import json

    write(tmp_path / "a.log", b"sshd one\nother\nsshd two\n", "gzip")
    write(tmp_path / "b.log", b"sshd three\n")
    counted = invoke("grep", "-c", "-n", "sshd", tmp_path, "-j", "1").stdout_bytes
    result = invoke("compare", "-j", "2", "-c", "-n", "sshd", tmp_path, "--repeat", "1", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["threads"] == 2
    assert report["backends"]["pull"]["output_bytes"] == len(counted)  # -c reached the measured search
    text = invoke("compare", "-j1", "-l", "sshd", tmp_path, "--repeat", "1").output
    assert "at -j1," in text.split("\n")[0]
    assert "--threads" in invoke("compare", "--help").output and "--count" in invoke("compare", "--help").output


# -- 12. packaging ------------------------------------------------------------------------------

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_sdist_has_a_license_and_runnable_tests(tmp_path):
    import shutil
    import tarfile

    source = tmp_path / "source"
    ignore = shutil.ignore_patterns(".venv", ".git", "*.egg-info", "__pycache__", "build", "dist", ".pytest_cache",
                                    ".hypothesis", "data", "demo-logs")
    shutil.copytree(ROOT, source, ignore=ignore)
    built = subprocess.run([sys.executable, "-c", "from setuptools import build_meta; "
                            "print(build_meta.build_sdist('dist'))"], cwd=source, capture_output=True, text=True,
                           timeout=120)
    assert built.returncode == 0, built.stderr
    assert "Warning" not in built.stderr and "deprecat" not in built.stderr.lower(), built.stderr
    archive = source / "dist" / built.stdout.strip().splitlines()[-1]
    with tarfile.open(archive) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
        tar.extractall(tmp_path / "unpacked", filter="data")
    assert {"LICENSE", "tests/conftest.py", "tests/test_library.py", "pyproject.toml"} <= names
    top = next((tmp_path / "unpacked").iterdir())
    metadata = (top / "PKG-INFO").read_text()
    assert "License-Expression: MIT" in metadata and "License-File: LICENSE" in metadata
    assert "Classifier: Programming Language :: Python :: 3" in metadata
    assert "MIT License" in (top / "LICENSE").read_text()
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_library.py"],
                           cwd=top, capture_output=True, text=True, timeout=120)
    assert tests.returncode == 0, tests.stdout + tests.stderr
