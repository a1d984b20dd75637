"""Where printed bytes go: the one writer to standard output, the one count behind the
exit status, and the state that says whether the search must stop."""
from __future__ import annotations

from typing import BinaryIO

from ..records import StopSearch


class Sink:
    """Writes to `stream` (binary). `write` raises `StopSearch` when the reader of our
    output has gone (`| head -1`: `pipe_closed`) or writing failed (a full disk:
    `write_error`); `select` counts what decides the exit status (selected lines, or
    files listed with -l/-L) and, with -q, ends the search at the first one.
    `last` is where the last context group ended, for the "--" between groups, shared by
    every printer and executor writing here. `line_buffered` (--line-buffered): each write
    (a line, or a run of lines formatted at once) is flushed at once."""

    def __init__(self, stream: BinaryIO, quiet: bool = False, line_buffered: bool = False) -> None:
        self.stream = stream
        self.quiet = quiet
        self.line_buffered = line_buffered
        self.matches = 0
        self.pipe_closed = False
        self.write_error: OSError | None = None
        self.last = None  # (name, position) of the last line printed in a context group
        self.held = None  # a printer's output held back (JSON's last line), written by `idle`

    def write(self, data: bytes) -> None:
        try:
            written = self.stream.write(data)
            # A buffered writer can write part of a large chunk and say so instead of raising
            # (the reader left half way): write the rest, which raises if the pipe is gone.
            while written is not None and written < len(data):
                data = data[written:]
                written = self.stream.write(data)
            if self.line_buffered:
                self.stream.flush()
        except BrokenPipeError:
            self.pipe_closed = True
            raise StopSearch from None
        except OSError as err:
            self.write_error = err
            raise StopSearch from None

    def select(self, count: int = 1) -> None:
        """`count` selected lines (or records, or files listed): with -q, the end of the search."""
        self.matches += count
        if self.quiet and count:
            raise StopSearch

    @property
    def stopped(self) -> bool:
        """Whether nothing more can be written (the reader went away, or writing failed)."""
        return self.pipe_closed or self.write_error is not None

    def idle(self) -> None:
        """A live input is quiet: what a printer holds back goes out (it was handed whole
        lines only: the input's last line comes with its file's end, which never waits),
        then the output is flushed."""
        if self.held is not None and not self.stopped:
            self.held()
        self.flush()

    def flush(self) -> None:
        if self.stopped:
            return
        try:
            self.stream.flush()
        except BrokenPipeError:
            self.pipe_closed = True
        except OSError as err:
            self.write_error = err
