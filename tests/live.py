"""Helpers for the live tests (issue 21): logpipe run as a real process whose output lines
are read as they come, with deadlines; a writer process that holds its log open as an
application does (it keeps writing to the file it opened after a rotation until told to
reopen its log); the checks made on what came."""
from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

LOGPIPE = [sys.executable, "-m", "logpipe", "grep", "--no-progress", "--no-config"]

# How long a line may take to show, at most (a loaded machine, a CPU burner): these are
# bounds that end a test that would otherwise hang, not times the tests measure.
STARTUP = 20.0
DEADLINE = 10.0

# The writer: each command on a line of its standard input, answered "ok" once done.
#   w TEXT   append TEXT and a newline to the file it holds open
#   p TEXT   append TEXT without a newline
#   r        reopen its log at its path (as after logrotate's postrotate SIGHUP)
WRITER = r"""
import os, sys
path = sys.argv[1]
def open_log():
    return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
fd = open_log()
for line in sys.stdin:
    command, _, text = line.rstrip("\n").partition(" ")
    if command == "w":
        os.write(fd, text.encode() + b"\n")
    elif command == "p":
        os.write(fd, text.encode())
    elif command == "r":
        os.close(fd)
        fd = open_log()
    sys.stdout.write("ok\n")
    sys.stdout.flush()
"""


class Writer:
    """An application writing its log at `path`, driven line by line."""

    def __init__(self, path: Path) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, bufsize=1)

    def _do(self, command: str) -> None:
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        assert self.process.stdout.readline() == "ok\n"

    def line(self, text: str) -> None:
        self._do(f"w {text}")

    def partial(self, text: str) -> None:
        self._do(f"p {text}")

    def reopen(self) -> None:
        self._do("r")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            self.process.wait(timeout=DEADLINE)

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


class Follow:
    """`logpipe grep ARGS` running in its own session; `stdin`: what it reads (a pipe
    by default, closed at once; `subprocess.PIPE` to write to it)."""

    def __init__(self, *args: str, cwd: Path | None = None, stdin=subprocess.DEVNULL, env=None) -> None:
        self.process = subprocess.Popen([*LOGPIPE, *args], stdin=stdin, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, cwd=cwd, start_new_session=True, env=env)
        self._partial = b""
        self.arrived: list[tuple[float, bytes]] = []  # (when, line) for each whole line read
        self.ended = False

    def _read(self, timeout: float) -> None:
        ready, _, _ = select.select([self.process.stdout], [], [], max(0.0, timeout))
        if not ready:
            return
        chunk = os.read(self.process.stdout.fileno(), 65536)
        if not chunk:
            self.ended = True
            return
        now = time.monotonic()
        *whole, self._partial = (self._partial + chunk).split(b"\n")
        self.arrived += [(now, line) for line in whole]

    @property
    def lines(self) -> list[bytes]:
        return [line for _, line in self.arrived]

    def wait_for(self, count: int, deadline: float = DEADLINE) -> list[bytes]:
        """Read until `count` whole lines have come in all (or fail at the deadline)."""
        end = time.monotonic() + deadline
        while len(self.lines) < count and not self.ended:
            left = end - time.monotonic()
            if left <= 0:
                break
            self._read(left)
        lines = self.lines
        assert len(lines) >= count, f"{len(lines)} lines, not {count}, after {deadline} s: {lines!r}, " \
                                    f"stderr {self.stderr_now()!r}"
        return lines

    def wait_for_line(self, text: bytes, deadline: float = DEADLINE) -> None:
        end = time.monotonic() + deadline
        while not any(text in line for line in self.lines) and not self.ended:
            left = end - time.monotonic()
            if left <= 0:
                break
            self._read(left)
        assert any(text in line for line in self.lines), f"no {text!r} after {deadline} s: {self.lines!r}"

    def ready(self, marker_file: Path, text: str = "ERROR ready", shows: bytes | None = None) -> None:
        """Wait until the follow runs: a line `text` appended to `marker_file` comes out
        (as `shows`, if given: -o prints only a part). One is appended every half second
        until one does: those written before the follow began are old lines, never printed."""
        shows = text.encode() if shows is None else shows
        end = time.monotonic() + STARTUP
        while not any(shows in line for line in self.lines):
            assert time.monotonic() < end and not self.ended, f"not following: {self.stderr_now()!r}"
            with open(marker_file, "a") as log:
                log.write(text + "\n")
            next_one = time.monotonic() + 0.5
            while time.monotonic() < next_one and not self.ended and not any(shows in line for line in self.lines):
                self._read(next_one - time.monotonic())

    def stderr_now(self) -> bytes:
        if self.process.poll() is None:
            return b"(running)"
        return self.process.stderr.read() if self.process.stderr else b""

    def stop(self, signum: int = signal.SIGINT) -> tuple[int, list[bytes], bytes]:
        """Send `signum`; the status, every line printed, and stderr."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signum)
        return self.finish()

    def finish(self, deadline: float = DEADLINE) -> tuple[int, list[bytes], bytes]:
        """Read to the end; the status, every line printed, and stderr."""
        end = time.monotonic() + deadline
        while not self.ended and time.monotonic() < end:
            self._read(end - time.monotonic())
        status = self.process.wait(timeout=max(0.1, end - time.monotonic()))
        return status, self.lines, self.process.stderr.read()

    def __enter__(self) -> Follow:
        return self

    def __exit__(self, *exc) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        for stream in (self.process.stdout, self.process.stderr, self.process.stdin):
            if stream is not None:
                stream.close()


def after_ready(lines: list[bytes], marker: bytes = b"ERROR ready") -> list[bytes]:
    """The lines after the last readiness marker."""
    last = max(index for index, line in enumerate(lines) if marker in line)
    return lines[last + 1:]


def reap(process: subprocess.Popen, head: subprocess.Popen) -> None:
    """The end of a `logpipe | head` test, passed or not: what still runs killed, the pipes
    the test held closed."""
    for proc in (process, head):
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    process.stderr.close()
    head.stdout.close()
