"""Helpers for tests that drive logpipe as users do: the installed command, a pty, a screen."""
from __future__ import annotations

import os
import select
import shutil
import sys
import time

import pytest


def installed_command() -> str:
    """The installed `logpipe` command (the sh launcher), beside the test's Python."""
    command = os.path.join(os.path.dirname(sys.executable), "logpipe")
    if not os.path.exists(command):
        pytest.skip("the logpipe command is not installed beside this Python")
    return command


def needs(program: str) -> str:
    path = shutil.which(program)
    if path is None:
        pytest.skip(f"{program} is not installed")
    return path


def environment(**extra: str) -> dict:
    """The environment with the installed command first on PATH."""
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env.update(extra)
    return env


class Screen:
    """What a process wrote to the master side of a pty, read with deadlines."""

    def __init__(self, master: int) -> None:
        self.master = master
        self.data = bytearray()
        self.closed = False

    def read_for(self, seconds: float, until: bytes | None = None) -> bool:
        """Read for up to `seconds`, or until `until` has appeared; whether it did."""
        deadline = time.monotonic() + seconds
        while not (until is not None and until in self.data) and not self.closed:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            ready, _, _ = select.select([self.master], [], [], min(left, 0.05))
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # EIO: every process has closed the terminal
                    chunk = b""
                if not chunk:
                    self.closed = True
                    break
                self.data.extend(chunk)
        return until is not None and until in self.data

    def read_to_end(self, seconds: float) -> None:
        while not self.closed and self.read_for(seconds) is False and not self.closed:
            if not select.select([self.master], [], [], 0)[0]:
                break


def rendered(screen: bytes) -> list[str]:
    """What a terminal shows: each line as its carriage returns and overwrites left it."""
    lines = []
    for raw in screen.decode("utf-8", "replace").split("\n"):
        cells, column = [], 0
        for char in raw:
            if char == "\r":
                column = 0
                continue
            if column < len(cells):
                cells[column] = char
            else:
                cells.append(char)
            column += 1
        lines.append("".join(cells).rstrip())
    return lines


def wait_until_reading_a_pipe(pid: int, seconds: float = 60) -> None:
    """Wait (with a deadline) until process `pid` is blocked reading a pipe, as the kernel
    tells in /proc/PID/wchan: the event that it has started and waits for its input."""
    wait_until_blocked(pid, ("pipe_read",), seconds)


def wait_until_blocked(pid: int, where: tuple[str, ...], seconds: float = 60) -> None:
    """Wait (with a deadline) until process `pid` sleeps in one of the kernel functions
    `where` (/proc/PID/wchan): `wait_woken` is a write to a full terminal."""
    path = f"/proc/{pid}/wchan"
    if not os.path.exists(path):
        pytest.skip("no /proc/PID/wchan here")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with open(path) as file:
                if any(word in file.read() for word in where):
                    return
        except OSError:
            break
        time.sleep(0.005)  # polling for the event, with a deadline
    raise AssertionError(f"process {pid} never blocked in {where}")
