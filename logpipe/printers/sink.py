"""Where printed bytes go: the one writer to standard output, the one count behind the
exit status, and the state that says whether the search must stop."""
from __future__ import annotations

from typing import BinaryIO

from ..records import StopSearch

# What the search's own sink gathers before it writes to standard output (not a terminal):
# one system call per 64 KiB (a pipe's capacity), whatever PYTHONUNBUFFERED says.
HOLD = 64 * 1024


class Sink:
    """Writes to `stream` (binary). `write` raises `StopSearch` when the reader of our
    output has gone (`| head -1`: `pipe_closed`) or writing failed (a full disk:
    `write_error`); `select` counts what decides the exit status (selected lines, or
    files listed with -l/-L) and, with -q, ends the search at the first one.
    `last` is where the last context group ended, for the "--" between groups, shared by
    every printer and executor writing here.

    `hold`: bytes gathered here before they are written to `stream` in one call (0: each
    write goes on at once), so that the output does not cost a system call per line when
    the stream is unbuffered (PYTHONUNBUFFERED, a raw file). `flush()` writes what is held
    (at the end, and whenever the search waits for its input or its workers).
    `line_buffered` (--line-buffered, or a terminal): each write (a line, or a run of lines
    formatted at once) is flushed at once, nothing held. `release`: what a printer holds
    back (JSON's last line, a followed histogram's closed buckets), written out by `idle`;
    `wake`: when (epoch seconds) that printer wants `idle` called though nothing is read
    (the next bucket's end), which a follow waits no longer than."""

    def __init__(self, stream: BinaryIO, quiet: bool = False, line_buffered: bool = False, hold: int = 0) -> None:
        self.stream = stream
        self.quiet = quiet
        self.line_buffered = line_buffered
        self.hold = 0 if line_buffered else hold
        self._held = bytearray()
        self.matches = 0
        self.pipe_closed = False
        self.write_error: OSError | None = None
        self.last = None  # (name, position) of the last line printed in a context group
        self.release = None  # a printer's output held back (JSON's last line), written by `idle`
        self.wake = None  # () -> epoch seconds (or None) when `idle` is wanted next (a live histogram's next row)

    def write(self, data: bytes) -> None:
        held = self._held
        if self.hold:
            if len(held) + len(data) < self.hold:
                held += data
                return
            if held:  # what is held, then this: one write
                held += data
                data = held
        try:
            self._emit(data)
        finally:
            if held:
                held.clear()
        if self.line_buffered:
            self._flush_stream()

    def _emit(self, data) -> None:
        try:
            written = self.stream.write(data)
            # A raw or buffered writer can write part of a large chunk and say so instead of
            # raising (the reader left half way): write the rest, which raises if the pipe is gone.
            while written is not None and written < len(data):
                data = data[written:]
                written = self.stream.write(data)
        except BrokenPipeError:
            self.pipe_closed = True
            raise StopSearch from None
        except OSError as err:
            self.write_error = err
            raise StopSearch from None

    def _flush_stream(self) -> None:
        try:
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
        if self.release is not None and not self.stopped:
            self.release()
        self.flush()

    def flush(self) -> None:
        """What is held, written; the stream flushed. Never raises: a failure is
        `pipe_closed` or `write_error`, and the next write stops the search."""
        if self.stopped:
            self._held.clear()
            return
        try:
            if self._held:
                try:
                    self._emit(self._held)
                finally:
                    self._held.clear()
            self._flush_stream()
        except StopSearch:
            pass
