"""Error messages on stderr, one line each, and the sticky "errored" flag behind exit status 2."""
from __future__ import annotations

import os
import sys
from typing import BinaryIO


def describe(err: BaseException) -> str:
    """The short reason for an OS error: "Permission denied", not "[Errno 13] ...: 'x'"."""
    if isinstance(err, OSError) and err.errno is not None:
        return os.strerror(err.errno)
    return str(err) or type(err).__name__


class ReadError(OSError):
    """A read that failed for the reason its text gives in full (a remote transfer, say)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "read error"


class Messages:
    """Writes `logpipe: NAME: reason` lines and remembers that something went wrong.

    `silent=True` (`-s`) drops the lines but still sets `errored`, as grep does.
    """

    def __init__(self, stream: BinaryIO | None = None, *, silent: bool = False) -> None:
        self.stream = stream
        self.silent = silent
        self.errored = False
        self.count = 0  # how many messages, shown or not

    def write_raw(self, lines: bytes, count: int) -> None:
        """Pass on `count` messages already formatted elsewhere (by a worker process)."""
        if count:
            self.errored = True
            self.count += count
        if lines and not self.silent:
            stream = self.stream if self.stream is not None else sys.stderr.buffer
            stream.write(lines)
            stream.flush()

    def warn(self, name: bytes | str, reason: str) -> None:
        """A line on stderr that is not an error: the exit status stays as it is."""
        if self.silent:
            return
        if isinstance(name, str):
            name = os.fsencode(name)
        stream = self.stream if self.stream is not None else sys.stderr.buffer
        stream.write(b"logpipe: " + name + b": " + reason.encode("utf-8", "replace") + b"\n")
        stream.flush()

    def error(self, name: bytes | str, reason: str) -> None:
        """A line on stderr that makes the exit status 2."""
        self.errored = True
        self.count += 1
        self.warn(name, reason)


class HeldMessages(Messages):
    """Messages held, not written: what a walk running ahead of the search reports (the
    -j workers', --dask's, or the fetch stage's walk), kept until its place in the
    output's order. `take()` hands over what was held since the last take, as a batch
    for `release(batch)` (or `write_raw(*batch)`) when its place comes."""

    def __init__(self, target: Messages) -> None:
        import io

        super().__init__(io.BytesIO(), silent=target.silent)
        self.target = target

    @property
    def held(self) -> bool:
        """Whether anything was reported since the last `take`."""
        return bool(self.stream.tell()) or bool(self.count)

    def take(self) -> tuple[bytes, int]:
        """The lines held and how many messages they were."""
        lines, count = self.stream.getvalue(), self.count
        self.stream.seek(0)
        self.stream.truncate()
        self.count = 0
        return lines, count

    def release(self, batch: tuple[bytes, int] | None = None) -> None:
        """Write `batch` (default: everything held now) to the messages it was held for."""
        self.target.write_raw(*(batch if batch is not None else self.take()))
