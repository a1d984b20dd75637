"""Issue 19: lines lost in time windows, Ctrl-C tracebacks, broken completion, rough edges."""
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

from logpipe.cli import main
from servers import moto_endpoint, s3, shrinking_http  # noqa: F401  (fixtures)
from terminal import Screen, environment, installed_command, needs, rendered

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def invoke(*args, **kwargs):
    return CliRunner().invoke(main, [str(arg) for arg in args], catch_exceptions=False, prog_name="logpipe", **kwargs)


# -- 8. the program is called logpipe, and completion works as the README says ----------------


def test_usage_errors_name_the_logpipe_command():
    result = subprocess.run([installed_command(), "grep"], capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 2
    assert b"Usage: logpipe grep [OPTIONS] PATTERN [PATH]..." in result.stderr
    assert b"Try 'logpipe grep --help' for help." in result.stderr
    assert b"logpipe-py" not in result.stderr
    module = subprocess.run([sys.executable, "-m", "logpipe", "grep"], capture_output=True, timeout=60,
                            stdin=subprocess.DEVNULL)
    assert module.stderr == result.stderr


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


# -- 5. Ctrl-C whenever it comes: status 130, no traceback ------------------------------------

# When the interrupt comes, in seconds after the command starts: in the interpreter's start-up,
# in the imports, while the options are parsed, and once the search waits for its input.
def shell_status(returncode: int) -> int:
    """The status a shell shows ($?): 128 + N for a process ended by signal N."""
    return 128 - returncode if returncode < 0 else returncode


MOMENTS = [0.0, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.07, 0.1, 0.15, 0.2, 0.3, 0.5]


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


# -- 10. hints for the usual mistakes -------------------------------------------------------


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


# -- 11. what was silently accepted ----------------------------------------------------------


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


def test_since_after_until_is_an_error():
    result = invoke("grep", "--since", "2026-01-02", "--until", "2026-01-01", "x", "/nonexistent")
    assert result.exit_code == 2
    assert "--since (2026-01-02) is later than --until (2026-01-01): no line can be in both" in result.stderr


# -- 12. the config file's mistakes are named with its name and line -------------------------


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


# -- 2. a bound in a DST gap is the gap's end; offsets beyond ±23:59 refused -----------------


def test_a_bound_inside_a_dst_gap_is_the_end_of_the_gap(backend, tmp_path):
    from logpipe.pipeline.timebounds import parse_bound

    zone = "America/New_York"  # 2026-03-08: 02:00 EST is followed by 03:00 EDT
    assert parse_bound("2026-03-08 02:30", zone=zone) == parse_bound("2026-03-08 03:00", zone=zone) \
        == parse_bound("2026-03-08T07:00:00Z")
    assert parse_bound("2026-03-08 01:59", zone=zone) == parse_bound("2026-03-08T06:59:00Z")
    lines = b"".join(b"2026-03-08 %s tick %d\n" % (stamp, i) for i, stamp in enumerate(
        [b"01:58:00", b"01:59:59"] + [b"03:%02d:00" % minute for minute in range(0, 11)] + [b"03:11:00"]))
    (tmp_path / "dst.log").write_bytes(lines)
    result = invoke("grep", "-c", "--tz", zone, "--since", "2026-03-08 02:30", "--until", "2026-03-08 03:10",
                    "tick", tmp_path / "dst.log", "--backend", backend)
    assert (result.stdout, result.exit_code) == ("11\n", 0)
    local = subprocess.run([sys.executable, "-m", "logpipe", "grep", "-c", "--since", "2026-03-08 02:30",
                            "--until", "2026-03-08 03:10", "tick", str(tmp_path / "dst.log")],
                           capture_output=True, timeout=60, env={**os.environ, "TZ": zone})
    assert (local.stdout, local.returncode) == (b"11\n", 0)  # local time (TZ) as --tz


@pytest.mark.parametrize("offset", ["+25:00", "-24:00", "+23:60", "+9999"])
def test_offsets_beyond_23_59_are_refused(offset):
    from logpipe.pipeline.timebounds import parse_bound

    with pytest.raises(ValueError, match="UTC offset"):
        parse_bound("2026-03-08T10:00:00" + offset)
    assert parse_bound("2026-03-08T10:00:00+23:59") == parse_bound("2026-03-07T10:01:00Z")
    result = invoke("grep", "--since", "2026-03-08T10:00:00" + offset, "x", "/nonexistent")
    assert result.exit_code == 2 and "UTC offset" in result.stderr


# -- 14. times as people write them ---------------------------------------------------------

NOW = 1781105400.0  # Wednesday 2026-06-10 15:30:00 UTC


def utc(text: str) -> float:
    import calendar
    import time

    return float(calendar.timegm(time.strptime(text, "%Y-%m-%d %H:%M:%S")))


@pytest.mark.parametrize("text, expected", [
    ("1h ago", NOW - 3600), ("30 min ago", NOW - 1800), ("-3h", NOW - 3 * 3600), ("2 hours ago", NOW - 7200),
    ("1h 30min ago", NOW - 5400), ("1h30m ago", NOW - 5400), ("an hour ago", NOW - 3600), ("-90s", NOW - 90),
    ("2 days ago", NOW - 2 * 86400), ("1 week ago", NOW - 7 * 86400), ("+2h", NOW + 7200), ("2h", NOW - 7200),
    ("today", utc("2026-06-10 00:00:00")), ("yesterday", utc("2026-06-09 00:00:00")),
    ("tomorrow", utc("2026-06-11 00:00:00")), ("now", NOW), ("noon", utc("2026-06-10 12:00:00")),
    ("midnight", utc("2026-06-10 00:00:00")),
    ("yesterday 10:00", utc("2026-06-09 10:00:00")), ("10:00 yesterday", utc("2026-06-09 10:00:00")),
    ("2pm yesterday", utc("2026-06-09 14:00:00")), ("yesterday 2pm", utc("2026-06-09 14:00:00")),
    ("yesterday at 2:30 pm", utc("2026-06-09 14:30:00")), ("12am", utc("2026-06-10 00:00:00")),
    ("12pm", utc("2026-06-10 12:00:00")), ("today 14:05:30", utc("2026-06-10 14:05:30")),
    ("last monday", utc("2026-06-08 00:00:00")), ("monday", utc("2026-06-08 00:00:00")),
    ("last wednesday", utc("2026-06-03 00:00:00")), ("wednesday", utc("2026-06-10 00:00:00")),
    ("last mon 9:00", utc("2026-06-08 09:00:00")), ("Fri", utc("2026-06-05 00:00:00")),
    ("Dec 1 12:00", utc("2025-12-01 12:00:00")), ("Jun 1", utc("2026-06-01 00:00:00")),
    ("June 11", utc("2025-06-11 00:00:00")), ("1 Dec 2024", utc("2024-12-01 00:00:00")),
    ("Dec 1, 2024 08:15", utc("2024-12-01 08:15:00")), ("Dec 1 2024 8pm", utc("2024-12-01 20:00:00")),
    ("@1781105000", 1781105000.0), ("2026/06/01 10:00", utc("2026-06-01 10:00:00")),
    ("Wed 2026-06-10 10:00:00", utc("2026-06-10 10:00:00")), ("2026-06-10 10:00 UTC", utc("2026-06-10 10:00:00")),
])
def test_everyday_times(text, expected):
    from logpipe.pipeline.timebounds import parse_bound

    assert parse_bound(text, now=NOW, zone="UTC") == expected


@pytest.mark.parametrize("text, why", [
    ("12/01/2026", "ambiguous"), ("01-12-2026", "ambiguous"), ("3/4", "ambiguous"),
    ("Thu 2026-06-10", "was a Wednesday"), ("13pm", "not a valid time"), ("Feb 30", "not a valid date"),
    ("next blursday", "not a time"), ("5 parsecs ago", "not a time"),
])
def test_ambiguous_and_wrong_times_are_refused_with_the_reason(text, why):
    from logpipe.pipeline.timebounds import parse_bound

    with pytest.raises(ValueError, match=why):
        parse_bound(text, now=NOW, zone="UTC")


def test_relative_times_on_the_command_line(backend, tmp_path):
    import time

    now = time.time()
    lines = b"".join(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - age)).encode() + b" age %d\n" % age
                     for age in (7200, 5000, 3000, 600, 60))
    (tmp_path / "app.log").write_bytes(lines)
    result = invoke("grep", "--since", "1h ago", "age", tmp_path / "app.log", "--backend", backend)
    assert [line.split()[-1] for line in result.stdout.splitlines()] == ["3000", "600", "60"]
    result = invoke("grep", "--since", "-90 min", "--until", "30 min ago", "age", tmp_path / "app.log")
    assert [line.split()[-1] for line in result.stdout.splitlines()] == ["5000", "3000"]
    refused = invoke("grep", "--since", "12/01/2026", "age", tmp_path / "app.log")
    assert refused.exit_code == 2 and "ambiguous" in refused.stderr


# -- 1. a log whose time goes backwards loses nothing ------------------------------------------

START = 1767225600  # 2026-01-01T00:00:00Z


def two_runs(step: int = 10, span: int = 86400) -> bytes:
    """Two time-ordered runs one after the other (a replayed file, a restart with a wrong clock)."""
    import time

    return b"".join(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(START + i)).encode() + b" run%d ERROR %d\n"
                    % (run, i) for run in range(2) for i in range(0, span, step))


def in_window(data: bytes, since: float, until: float) -> list[bytes]:
    """The reference: every line whose own time is in the bounds, found by a full scan."""
    import calendar
    import time

    kept = []
    for line in data.split(b"\n")[:-1]:
        moment = calendar.timegm(time.strptime(line[:20].decode(), "%Y-%m-%dT%H:%M:%SZ"))
        if since <= moment <= until:
            kept.append(line)
    return kept


@pytest.mark.parametrize("codec", ["plain", "gzip"])
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("window", [(12 * 3600, 12 * 3600 + 600), (0, 30), (86400 - 30, 86400 + 3600),
                                    (3 * 3600, None), (None, 60)])
def test_a_log_going_back_in_time_gives_what_a_full_scan_gives(backend, tmp_path, codec, threads, window):
    from helpers import search_with, write

    logpipe = search_with(backend)  # (time bounds read whole blocks whatever their size)
    data = two_runs(step=30)
    write(tmp_path / "c.log", data, codec)
    (tmp_path / "d.log").write_bytes(b"x\n" * 10)  # a second file: -j2 has two to share out
    since, until = (None if bound is None else START + bound for bound in window)
    expected = in_window(data, since if since is not None else -1, until if until is not None else 1e12)
    result = logpipe("ERROR", tmp_path / "c.log", since=since, until=until, threads=threads)
    assert result.lines == expected and (result.status, result.err) == (0 if expected else 1, b"")
    counted = logpipe("ERROR", tmp_path / "c.log", since=since, until=until, threads=threads, count=True)
    assert counted.out == b"%d\n" % len(expected)


def test_the_issue_example_counts_both_runs(backend, tmp_path):
    import gzip

    data = two_runs()
    (tmp_path / "c.log").write_bytes(data)
    (tmp_path / "c.log.gz").write_bytes(gzip.compress(data))
    args = ["--since", "2026-01-01T12:00:00Z", "--until", "2026-01-01T12:10:00Z", "--backend", backend]
    assert invoke("grep", "-c", *args, "ERROR", tmp_path / "c.log").stdout == "122\n"
    args[3] = "2026-01-01T12:00:10Z"
    lines = invoke("grep", *args, "ERROR", tmp_path / "c.log.gz").stdout.splitlines()
    assert [line.split()[1] for line in lines] == ["run0", "run0", "run1", "run1"]


# -- 16. the demo's logs are in time order and end now ------------------------------------------


def test_demo_logs_are_time_ordered_and_end_now_so_the_readme_time_examples_work(backend, tmp_path):
    import time

    assert invoke("demo", tmp_path / "demo-logs").exit_code == 0
    started = time.time()
    sorted_lines = invoke("grep", "--sort", "time", "-h", "sshd", tmp_path / "demo-logs", "--backend", backend)
    clock = __import__("logpipe.pipeline.timestamps", fromlist=["Clock"]).Clock(reference=started)
    times = [clock.time_of(line.encode()) for line in sorted_lines.stdout.splitlines()]
    assert len(times) > 1000 and None not in times and times == sorted(times)
    assert started - 3600 < times[-1] <= started + 1 and times[0] < started - 4 * 86400
    recent = invoke("grep", "-c", "--since", "2h", "sshd", tmp_path / "demo-logs" / "syslog", "--backend", backend)
    assert 20 < int(recent.stdout) < 200 and recent.exit_code == 0
    for command in re.findall(r"^logpipe (grep [^\n#]*demo-logs[^\n#|]*)", README, re.MULTILINE):
        args = [arg.strip("'") for arg in re.findall(r"'[^']*'|\S+", command)][1:]
        result = invoke("grep", *[str(tmp_path / arg) if arg.startswith("demo-logs") else arg for arg in args])
        assert result.exit_code == 0 and result.stdout, command


# -- 17. no progress line over a pager ----------------------------------------------------------


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


# -- 18. Ctrl-C in the middle of a line on a terminal leaves that line as it was ------------------


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


# -- 9. filters that leave no file to search say so ------------------------------------------------


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


# -- 15. files without timestamps: one summary line, not one line each -----------------------------


@pytest.mark.parametrize("threads", [1, 2])
def test_files_without_timestamps_get_one_summary_line(backend, tmp_path, threads):
    tree = tmp_path / "src"
    for i in range(12):
        (tree / f"m{i:02d}.py").parent.mkdir(parents=True, exist_ok=True)
        (tree / f"m{i:02d}.py").write_bytes(b"import x  # no time here\n" * 50)
    (tree / "app.log").write_bytes(b"2026-01-01T10:00:00Z x happened\n")
    base = ["grep", "-c", "--since", "2026-01-01T09:00:00Z", "--backend", backend, "-j", threads, "x", tree]
    result = invoke(*base)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == f"{tree / 'app.log'}:1" and all(line.endswith(":0") for line in lines[1:])
    assert result.stderr == (f"logpipe: 12 files skipped: no timestamp recognised (see --time-format): "
                             f"{tree / 'm00.py'}, {tree / 'm01.py'}, {tree / 'm02.py'} and 9 more "
                             "(--stats lists them all)\n")
    stats = invoke(*base, "--stats").stderr
    for i in range(12):
        assert f"\n  {tree / f'm{i:02d}.py'}\n" in stats
    assert invoke(*base, "-s").stderr == ""
    one = invoke("grep", "--since", "2026-01-01T09:00:00Z", "--backend", backend, "x", tree / "m03.py")
    assert one.stderr == f"logpipe: 1 file skipped: no timestamp recognised (see --time-format): {tree / 'm03.py'}\n"
    assert one.exit_code == 1


# -- 7. --sort time with -c, -l, -L ---------------------------------------------------------------


@pytest.mark.parametrize("threads", [1, 2])
def test_sort_time_with_counts_and_file_lists(backend, tmp_path, threads):
    from logpipe.options import SearchOptions  # noqa: F401  (the fields used below)

    import time as clock

    def log(start: int, count: int) -> bytes:
        return b"".join(clock.strftime("%Y-%m-%dT%H:%M:%SZ", clock.gmtime(START + start + 60 * i)).encode()
                        + b" event %d\n" % i for i in range(count))

    (tmp_path / "late.log").write_bytes(log(3600, 10))      # 01:00 - 01:09, walked first
    (tmp_path / "early.log").write_bytes(log(0, 5))         # 00:00 - 00:04
    (tmp_path / "quiet.log").write_bytes(log(1800, 3).replace(b"event", b"other"))  # 00:30 - 00:32
    from helpers import search_with

    search = search_with(backend)
    counted = search("event", tmp_path, sort="time", count=True, threads=threads)
    assert (counted.err, counted.status) == (b"", 0)
    assert counted.lines == [bytes(tmp_path / name) + b":%d" % n
                             for name, n in (("early.log", 5), ("quiet.log", 0), ("late.log", 10))]
    listed = search("event", tmp_path, sort="time", files_with_matches=True, threads=threads)
    assert (listed.err, listed.lines) == (b"", [bytes(tmp_path / "early.log"), bytes(tmp_path / "late.log")])
    missing = search("event", tmp_path, sort="time", files_without_match=True, threads=threads)
    assert (missing.err, missing.lines) == (b"", [bytes(tmp_path / "quiet.log")])
    (tmp_path / "notes.txt").write_bytes(b"an event without a time\n")
    timeless = search("event", tmp_path, sort="time", count=True, threads=threads)
    assert timeless.err == b"logpipe: 1 file without a timestamp: no timestamp recognised (see --time-format); " \
                           b"their lines keep their place: " + bytes(tmp_path / "notes.txt") + b"\n"


# -- 13. a host that cannot be resolved is said so ---------------------------------------------


def test_an_unresolvable_host_is_reported_as_such(backend):
    pytest.importorskip("aiohttp")
    url = "https://nonexistent.invalid/x.log"  # .invalid never resolves (RFC 2606)
    result = invoke("grep", "x", url, "--backend", backend)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"logpipe: {url}: cannot resolve host nonexistent.invalid (")
    assert result.stderr.count("\n") == 1 and "No such file" not in result.stderr


# -- 3. S3 keys with an empty path segment ('//') are walked -------------------------------------


def test_a_prefix_walk_finds_keys_with_double_slashes(backend, s3):
    import uuid

    bucket = f"odd-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    keys = ["odd/a.log", "odd//dbl.log", "odd//x//y.log", "odd/sub/b.log", "odd/z.log"]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b"sshd in %s\n" % key.encode())
    from helpers import search_with

    result = search_with(backend)("sshd", f"s3://{bucket}/odd/", count=True)
    # sorted by name as bytes within each level, depth first: "" (the empty segment) first
    assert result.lines == [f"s3://{bucket}/odd/{key[4:]}:1".encode() for key in
                            ["odd//dbl.log", "odd//x//y.log", "odd/a.log", "odd/sub/b.log", "odd/z.log"]]
    assert (result.err, result.status) == (b"", 0)
    deep = search_with(backend)("sshd", f"s3://{bucket}/odd", globs=("y.log",))
    assert deep.lines == [f"s3://{bucket}/odd//x//y.log:sshd in odd//x//y.log".encode()]


# -- 4. an HTTP object that shrinks while it is read is an error -------------------------------------


def test_an_http_object_that_shrinks_while_read_is_reported(backend, shrinking_http):
    from helpers import search_with

    url, server = shrinking_http
    server.full = b"".join(b"line %05d sshd\n" % i for i in range(4000))  # 60 kB
    server.cut = 15 * 1000 + 7           # the first response ends there, inside line 1000
    server.now = server.full[:30000]     # and the file is now half as long
    result = search_with(backend)("sshd", url, count=True, with_filename=False)  # (-h: no listing GET first)
    assert result.status == 2
    assert result.err.startswith(f"logpipe: {url}: changed while being read".encode()), result.err
    assert result.err.count(b"\n") == 1
    assert int(result.out) <= 1875  # what was read (at most the whole of what the object has become), then the word


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
