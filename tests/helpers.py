"""What the tests share besides fixtures: run a search in process, write a log, a reference grep."""
from __future__ import annotations

import io
import os
import re
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
