"""The logpipe command as users meet it: its name in usage and completion, Ctrl-C and SIGTERM at any moment, hints for mistakes, refused combinations, config files, --help and the man page, closed or odd standard streams, the progress line on a terminal, the demo, the sdist."""
from __future__ import annotations

import os
import pty
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import write
from servers import moto_endpoint, s3, shrinking_http  # noqa: F401  (fixtures)
from terminal import Screen, environment, installed_command, needs, rendered

from logpipe.cli import main


LOGPIPE = [sys.executable, "-m", "logpipe"]
LP = " ".join(LOGPIPE)
COMMAND = os.path.join(os.path.dirname(sys.executable), "logpipe")  # the installed command (bin/logpipe)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
MOMENTS = [0.0, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.07, 0.1, 0.15, 0.2, 0.3, 0.5]


def invoke(*args, **kwargs):
    return CliRunner().invoke(main, [str(arg) for arg in args], catch_exceptions=False, prog_name="logpipe", **kwargs)


def shell(command: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, shell=True, executable="/bin/bash", capture_output=True, timeout=60, **kwargs)


def complete(*words: str) -> str:
    env = {**os.environ, "_LOGPIPE_COMPLETE": "bash_complete", "COMP_WORDS": " ".join(["logpipe", *words]),
           "COMP_CWORD": str(len(words))}
    return subprocess.run([*LOGPIPE], env=env, capture_output=True, text=True, timeout=60).stdout


def readme_line(marker: str) -> str:
    """The README's completion command for one shell, as written there."""
    found = re.search(r"`([^`]*" + re.escape(marker) + r"[^`]*)`", README)
    assert found, marker
    return found.group(1)


def complete_on_tab(command: list[str], rc_name: str, rc: str, home: Path, typed: bytes, expected: bytes) -> None:
    """Start an interactive shell on a pty with `rc`, type `typed` (ending with a TAB), and
    wait for `expected` to appear on its screen."""
    (home / rc_name).write_text(rc + "\nPS1='ready> '\n")
    (home / "access.log").write_bytes(b"x\n")
    master, slave = pty.openpty()
    shell = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, close_fds=True, cwd=home,
                             env=environment(HOME=str(home), ZDOTDIR=str(home), TERM="dumb"),
                             start_new_session=True)
    os.close(slave)
    screen = Screen(master)
    try:
        assert screen.read_for(60, until=b"ready> "), bytes(screen.data)
        os.write(master, typed)
        assert screen.read_for(60, until=expected), bytes(screen.data)
    finally:
        os.killpg(shell.pid, signal.SIGKILL)
        shell.wait(timeout=60)
        os.close(master)


def shell_status(returncode: int) -> int:
    """The status a shell shows ($?): 128 + N for a process ended by signal N."""
    return 128 - returncode if returncode < 0 else returncode


def python_child(launcher: int, seconds: float = 60) -> int:
    """The pid of the launcher's Python child (not a `dirname` it runs first), once it exists."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with open(f"/proc/{launcher}/task/{launcher}/children") as file:
            for pid in file.read().split():
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                        if b"logpipe-py" in cmdline.read():
                            return int(pid)
                except OSError:
                    continue
        time.sleep(0.005)  # polling for the event, with a deadline
    raise AssertionError("no python child")


def test_demo_refuses_a_non_empty_directory_unless_forced(tmp_path):
    (tmp_path / "syslog").write_bytes(b"the real syslog\n")
    result = invoke("demo", tmp_path)
    assert result.exit_code == 2
    assert "not empty" in result.stderr and "--force" in result.stderr
    assert (tmp_path / "syslog").read_bytes() == b"the real syslog\n"
    assert invoke("demo", tmp_path, "--force").exit_code == 0
    assert (tmp_path / "syslog").read_bytes() != b"the real syslog\n"
    assert invoke("demo", tmp_path / "new").exit_code == 0  # a new or empty directory needs no --force


@pytest.mark.parametrize("command", ["grep", "compare", "demo", "man"])
def test_version_on_subcommands(command):
    from logpipe import __version__

    result = invoke(command, "--version")
    assert (result.exit_code, result.output) == (0, f"logpipe, version {__version__}\n")


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


@pytest.mark.parametrize("flags", [[], ["-c"]])  # stdin: -j never applies
def test_progress_line_is_erased_before_results_on_the_same_terminal(backend, tmp_path, flags):
    import fcntl
    import pty
    import select
    import struct
    import termios
    import time

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
    assert "--help" in sections["How to run:"] and "Other options" not in help_text  # every option has its heading


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
    # what pip installs from it holds every module of the source (a subpackage left out of the
    # packaging would make the installed command fail to import)
    wheel = subprocess.run([sys.executable, "-c", "from setuptools import build_meta; "
                            "print(build_meta.build_wheel('wheel'))"], cwd=top, capture_output=True, text=True,
                           timeout=120)
    assert wheel.returncode == 0, wheel.stderr
    import zipfile

    with zipfile.ZipFile(top / "wheel" / wheel.stdout.strip().splitlines()[-1]) as built_wheel:
        installed = {name for name in built_wheel.namelist() if name.endswith(".py")}
    modules = {str(path.relative_to(source)) for path in (source / "logpipe").rglob("*.py")}
    assert modules and modules <= installed, sorted(modules - installed)


def test_usage_errors_name_the_logpipe_command():
    result = subprocess.run([installed_command(), "grep"], capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 2
    assert b"Usage: logpipe grep [OPTIONS] PATTERN [PATH]..." in result.stderr
    assert b"Try 'logpipe grep --help' for help." in result.stderr
    assert b"logpipe-py" not in result.stderr
    module = subprocess.run([sys.executable, "-m", "logpipe", "grep"], capture_output=True, timeout=60,
                            stdin=subprocess.DEVNULL)
    assert module.stderr == result.stderr


@pytest.mark.parametrize("typed, expected", [(b"logpipe grep --max-c\t", b"--max-count"),
                                             (b"logpipe gr\t", b"logpipe grep"),
                                             (b"logpipe grep x acc\t", b"access.log")])
def test_bash_completion_line_of_the_readme_completes_on_tab(tmp_path, typed, expected):
    needs("bash")
    complete_on_tab(["bash", "--noprofile", "--rcfile", str(tmp_path / ".bashrc"), "-i"], ".bashrc",
                    readme_line("bash_source"), tmp_path, typed, expected)


def test_fish_completion_line_of_the_readme(tmp_path):
    needs("fish")
    home = tmp_path / "home"
    (home / ".config" / "fish" / "completions").mkdir(parents=True)
    line = readme_line("fish_source").replace("~", str(home))
    env = environment(HOME=str(home))
    env.pop("XDG_CONFIG_HOME", None)
    subprocess.run(["sh", "-c", line], check=True, timeout=60, env=env)
    done = subprocess.run(["fish", "-c", "complete -C 'logpipe grep --max-c'; complete -C 'logpipe gr'"],
                          capture_output=True, text=True, timeout=60, env=env)
    assert [line.split("\t")[0] for line in done.stdout.splitlines()] == ["--max-count", "grep"], done.stderr


@pytest.mark.parametrize("typed, expected", [(b"logpipe grep --max-c\t", b"--max-count"),
                                             (b"logpipe gr\t", b"logpipe grep"),
                                             (b"logpipe grep x acc\t", b"access.log")])
def test_zsh_completion_line_of_the_readme_completes_on_tab(tmp_path, typed, expected):
    needs("zsh")
    complete_on_tab(["zsh", "-i"], ".zshrc", "autoload -Uz compinit && compinit -u\n" + readme_line("zsh_source"),
                    tmp_path, typed, expected)


@pytest.mark.parametrize("moment", MOMENTS)
def test_ctrl_c_at_any_moment_is_status_130_without_a_message(moment, tmp_path):
    import time

    command = installed_command()
    process = subprocess.Popen([command, "grep", "-n", "x", "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, start_new_session=True)  # its own group, as a terminal's job
    try:
        time.sleep(moment)  # not a synchronisation: where the interrupt lands is what varies
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C does: the whole foreground group
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=60)
    assert (shell_status(process.returncode), err, out) == (130, b"", b"")


@pytest.mark.parametrize("moment", MOMENTS[::3])
def test_sigterm_to_the_command_alone_is_status_143_without_a_message(moment):
    import time

    process = subprocess.Popen([installed_command(), "grep", "x", "-"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        time.sleep(moment)  # where the signal lands is what varies
        process.terminate()  # to the command's own process only, as `kill PID` does
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=60)
    assert (shell_status(process.returncode), err) == (143, b"")


def test_a_pattern_where_the_command_goes_suggests_logpipe_grep(tmp_path):
    result = invoke("Failed password", "ssh")
    assert result.exit_code == 2
    assert "No such command 'Failed password'" in result.stderr
    assert "did you mean: logpipe grep 'Failed password' ssh" in result.stderr


def test_a_glob_as_pattern_suggests_the_glob_option(backend, tmp_path):
    (tmp_path / "a.log").write_bytes(b"x\n")
    result = invoke("grep", "*.log", tmp_path, "--backend", backend)
    assert result.exit_code == 2
    assert "Invalid preceding regular expression" in result.stderr  # GNU grep's words (issue 18)
    assert "to search the files named *.log, give it to -g: logpipe grep PATTERN -g '*.log'" in result.stderr
    assert result.stderr.count("\n") == 1


def test_dash_h_is_help_for_logpipe_itself():
    result = invoke("-h")
    assert result.exit_code == 0 and "Usage: logpipe [OPTIONS] COMMAND" in result.output
    assert "grep" in result.output


@pytest.mark.parametrize("option", ["-A", "-B", "-C", "--context"])
def test_negative_context_is_an_error_as_in_grep(tmp_path, option):
    (tmp_path / "a.log").write_bytes(b"x\n")
    result = invoke("grep", option, "-1", "x", tmp_path / "a.log")
    assert result.exit_code == 2 and "-1 is not a number of lines" in result.stderr


@pytest.mark.parametrize("flag, name", [("-c", "--count"), ("-l", "--files-with-matches"),
                                        ("-L", "--files-without-match")])
def test_json_with_count_or_file_lists_is_refused_as_ripgrep_does(tmp_path, flag, name):
    (tmp_path / "a.log").write_bytes(b"x\n")
    result = invoke("grep", "--json", flag, "x", tmp_path / "a.log")
    assert result.exit_code == 2 and f"--json cannot be used with {name}" in result.stderr


def test_config_file_errors_name_the_file_and_line(tmp_path):
    (tmp_path / "a.log").write_bytes(b"hit\n")
    missing = invoke("grep", "hit", tmp_path / "a.log", env={"LOGPIPE_CONFIG_PATH": str(tmp_path / "nope")})
    assert missing.stderr == f"logpipe: config file {tmp_path / 'nope'} (LOGPIPE_CONFIG_PATH): " \
                             "No such file or directory\n"
    assert missing.exit_code == 0 and missing.stdout == "hit\n"
    config = tmp_path / "rc"
    config.write_text("# defaults\n-n\n--max-count 1\n")
    result = invoke("grep", "hit", tmp_path / "a.log", env={"LOGPIPE_CONFIG_PATH": str(config)})
    assert result.exit_code == 2
    assert f"{config}:3: no such option '--max-count 1': one argument per line " \
           "(--max-count=1, or --max-count and 1 on two lines)" in result.stderr
    config.write_text("--colour-me\n")
    result = invoke("grep", "hit", tmp_path / "a.log", env={"LOGPIPE_CONFIG_PATH": str(config)})
    assert result.exit_code == 2 and f"{config}:1: no such option '--colour-me'" in result.stderr


@pytest.mark.parametrize("stdout_kind, shown", [("pipe", False), ("file", True)])
def test_progress_by_default_only_when_stdout_is_not_a_pipe(backend, tmp_path, stdout_kind, shown):
    import threading

    from logpipe.options import SearchOptions
    from logpipe.search import run

    master, slave = pty.openpty()  # stderr: the terminal, as under `logpipe grep ... | less`
    stderr = os.fdopen(slave, "wb", buffering=0)
    if stdout_kind == "pipe":
        reader, writer = os.pipe()
        stdout = os.fdopen(writer, "wb")
    else:
        stdout = open(tmp_path / "out", "wb")
    fifo = tmp_path / "input"
    os.mkfifo(fifo)
    options = SearchOptions(patterns=(b"hit",), paths=(str(fifo),), backend=backend)
    statuses = []
    search = threading.Thread(target=lambda: statuses.append(run(options, stdout, stderr)))
    search.start()
    with open(fifo, "wb") as feed:  # opens once the search has opened its input: it is running
        names = [thread.name for thread in threading.enumerate()]
        feed.write(b"a hit\n")
    search.join(timeout=60)
    stdout.close(), stderr.close(), os.close(master)
    if stdout_kind == "pipe":
        os.close(reader)
    assert statuses == [0]
    assert ("logpipe-progress" in names) == shown


def test_ctrl_c_mid_output_leaves_the_partial_line_intact(backend):
    import threading

    master, slave = pty.openpty()
    import fcntl
    import struct
    import termios

    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 200, 0, 0))
    process = subprocess.Popen([sys.executable, "-m", "logpipe", "grep", "--progress", "--color=never", "hit", "-",
                                "--backend", backend], stdin=subprocess.PIPE, stdout=slave, stderr=slave,
                               close_fds=True, start_new_session=True)
    os.close(slave)
    screen = Screen(master)
    lines = [b"a hit %06d " % i + b"x" * 90 + b"\n" for i in range(30000)]
    try:
        process.stdin.write(b"nothing yet\n")
        process.stdin.flush()
        assert screen.read_for(60, until=b"files"), bytes(screen.data)  # the progress line is shown

        def feed():
            try:
                process.stdin.write(b"".join(lines))
                process.stdin.close()
            except (BrokenPipeError, ValueError):
                pass

        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()
        assert screen.read_for(60, until=b"a hit 000001"), (process.poll(), bytes(screen.data[-300:]))
        from terminal import wait_until_blocked

        wait_until_blocked(process.pid, ("wait_woken", "n_tty_write"))  # writing to the full terminal
        os.killpg(process.pid, signal.SIGINT)
        while not screen.closed and process.poll() is None:
            screen.read_for(1)
        screen.read_for(5)
        assert process.wait(timeout=60) == 130
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=60)
        os.close(master)
    # the shell's prompt comes where the cursor was left: after the partial line, not over it
    shown = [line for line in rendered(bytes(screen.data) + b"$") if line]
    expected = [line.rstrip(b"\n").decode() for line in lines]
    assert "Traceback" not in "\n".join(shown)
    assert shown[-1].endswith("$"), shown[-2:]
    partial = shown[-1].removesuffix("$")
    assert shown[:-1] == expected[:len(shown) - 1]  # every line whole, in order
    assert expected[len(shown) - 1].startswith(partial), shown[-2:]  # the last one as far as it was written


@pytest.mark.parametrize("threads", [1, 2])
def test_filters_that_select_no_file_say_so(backend, tmp_path, threads):
    for name in ("a.log", "b.log", "sub/c.log"):
        (tmp_path / "dir" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "dir" / name).write_bytes(b"x\n")
    (tmp_path / "x").write_bytes(b"no\n")
    base = ["grep", "--backend", backend, "-j", threads]
    result = invoke(*base, "-g", "*.nomatch", "x", tmp_path / "dir")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == f"logpipe: no file searched: of the 3 files under {tmp_path / 'dir'}, none is " \
                            "selected by -g '*.nomatch'\n"
    excluded = invoke(*base, "--exclude", "*.log", "--max-depth", "1", "x", tmp_path / "dir")
    assert excluded.stderr == f"logpipe: no file searched: of the 2 files under {tmp_path / 'dir'}, none is " \
                              "selected by --exclude '*.log' --max-depth 1\n"
    assert invoke(*base, "-g", "*.log", "x", tmp_path / "dir").stderr == ""  # some file was searched
    empty = tmp_path / "empty"
    empty.mkdir()
    assert invoke(*base, "-g", "*.log", "x", empty).stderr == ""  # nothing filtered out: nothing to say


def test_a_command_started_with_sigint_ignored_keeps_ignoring_it():
    """As a background job of a script: Ctrl-C at the terminal is not for it."""
    from terminal import wait_until_reading_a_pipe

    process = subprocess.Popen([installed_command(), "grep", "x", "-"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    try:
        process.stdin.write(b"x one\n")
        process.stdin.flush()
        wait_until_reading_a_pipe(python_child(process.pid))
        os.killpg(process.pid, signal.SIGINT)
        out, err = process.communicate(b"x two\n", timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=60)
    assert (out, err, process.returncode) == (b"x one\nx two\n", b"", 0)


def test_a_terminal_sees_each_match_while_the_search_goes_on(backend):
    """On a terminal, what is found is shown at once, not held in a buffer until the search
    ends (grep's line buffering): here stdin stays open after a first block that holds a
    match, and the match must appear before any more input comes."""
    master, slave = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "logpipe", "grep", "--no-progress", "--color=never", "hit", "-",
                                "--backend", backend], stdin=subprocess.PIPE, stdout=slave, stderr=slave,
                               close_fds=True, start_new_session=True,
                               env={k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"})  # Python's own buffer
    os.close(slave)
    screen = Screen(master)
    try:
        first_block = b"a hit\n" + b"x" * 99 + b"\n" + b"".join(b"line %06d " % i + b"y" * 88 + b"\n"
                                                              for i in range(3000))  # > 256 KiB: a whole block
        process.stdin.write(first_block)
        process.stdin.flush()
        assert screen.read_for(60, until=b"a hit"), (process.poll(), bytes(screen.data))
        process.stdin.write(b"another hit\n")
        process.stdin.close()
        assert screen.read_for(60, until=b"another hit"), bytes(screen.data)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=60)
        os.close(master)
    assert bytes(screen.data).replace(b"\r\n", b"\n") == b"a hit\nanother hit\n"
