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
    assert "nothing to repeat" in result.stderr
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
