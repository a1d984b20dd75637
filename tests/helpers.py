"""What the tests share besides fixtures: run a search in process, write a log, a reference grep."""
from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

from logpipe.demo import COMPRESSORS  # noqa: F401  (the tests import it from here)
from logpipe.options import SearchOptions
from logpipe.pipeline.blocks import BLOCK_SIZE
from logpipe.search import run

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "loghub"


class Result(NamedTuple):
    out: bytes
    err: bytes
    status: int

    @property
    def lines(self) -> list[bytes]:
        return self.out.split(b"\n")[:-1]  # not splitlines(): a "\r" stays in its line


def wait_for(condition, timeout: float = 30.0, every: float = 0.01) -> bool:
    """Whether `condition()` came true within `timeout` seconds (looked at every `every`):
    for a test that waits for an event, never a fixed sleep."""
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(every)
    return True


def children(pid: int) -> list[int]:
    """The process's child processes (Linux /proc)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as listing:
            return [int(child) for child in listing.read().split()]
    except OSError:
        return []


class Terminal(io.BytesIO):
    """Standard output as a terminal: colour with --color=auto, control characters in names escaped."""

    def isatty(self) -> bool:
        return True


def search_with(backend: str, block_size: int = BLOCK_SIZE, stdout=None):
    """`search(pattern, *paths, **SearchOptions fields) -> Result` on `backend`, in this process
    (`stdout`: a stream to print to instead of a fresh BytesIO, a terminal's stand-in say)."""

    def search(pattern: bytes | str, *paths: str | os.PathLike, **options) -> Result:
        if isinstance(pattern, str):
            pattern = pattern.encode()
        out, err = stdout if stdout is not None else io.BytesIO(), io.BytesIO()
        status = run(
            SearchOptions(patterns=(pattern,), paths=tuple(map(os.fspath, paths)) or ("",), backend=backend,
                          block_size=block_size, **options),
            out, err,
        )
        return Result(out.getvalue(), err.getvalue(), status)

    return search


def write(path: Path, data: bytes, codec: str = "plain") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(COMPRESSORS[codec](data))
    return path


def reference_grep(pattern: bytes, data: bytes, *, fixed: bool = False) -> list[tuple[int, bytes]]:
    """The plain line-by-line reference: (line number, line) for each matching line."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    regex = None if fixed else re.compile(pattern)
    return [(number, line) for number, line in enumerate(lines, 1)
            if (pattern in line if fixed else regex.search(line))]


# logpipe as the installed command runs it, but with every file of a -j N search searched by the
# workers (none here first): what a search of a small tree must do to exercise the workers at all
ALL_TO_WORKERS = [sys.executable, "-c", "import logpipe.executors.workers as w; w.START_WORKERS_AFTER = 0; "
                  "from logpipe.start import main; main()"]


def read_and_close(command: list, lines: int, **kwargs) -> Result:
    """`command` run as a real process whose output is read for `lines` lines, then closed,
    as `| head -N` does: (those lines, its stderr, its status)."""
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               **kwargs)
    try:
        out = b"".join(process.stdout.readline() for _ in range(lines))
        process.stdout.close()
        _, err = process.communicate(timeout=120)
    finally:
        process.kill()
        process.wait()
    return Result(out, err, process.returncode)


EARLY_STOP_PATHS = ["a", "missing1", "b", "missing2", "c"]


def early_stop_tree(root: Path) -> list[str]:
    """A tree in which an early stop comes at a known place: `a/` (8 files, no match),
    `b/big.log` (the first match, and far more output than a pipe holds, so that a reader
    that goes away is seen while it is printed), `c/` (8 files that match). Returns the
    files (below `root`) and, in their place, the missing PATHs of `EARLY_STOP_PATHS`,
    whose messages come one before the stop and one after it."""
    files = []
    for i in range(8):
        write(root / "a" / f"f{i:02d}.log", b"nothing here %d\n" % i * 20, "gzip" if i % 2 else "plain")
        files.append(f"a/f{i:02d}.log")
    files.append("missing1")
    write(root / "b" / "big.log", b"".join(b"hit %d\n" % i for i in range(20000)))
    files += ["b/big.log", "missing2"]
    for i in range(8):
        write(root / "c" / f"f{i:02d}.log", b"a hit %d\n" % i)
        files.append(f"c/f{i:02d}.log")
    return files


def early_stops(backend: str, paths: list, cwd: Path, command: list = ALL_TO_WORKERS, **options) -> tuple:
    """The search for "hit" in `paths` stopped early, twice: by -q (in this process), and by
    a reader that takes 5 lines and goes away (`command`, a real process, run in `cwd`)."""
    quiet = search_with(backend)("hit", *paths, quiet=True, **options)
    flags = [f"--{name.replace('_', '-')}" + ("" if value is True else f"={value}") for name, value in options.items()]
    head = read_and_close([*command, "grep", "--no-progress", "--backend", backend, *flags, "hit", *map(str, paths)],
                          5, cwd=cwd)
    return quiet, head
