"""The printer's shared piece: matches to bytes on stdout, never decoded."""
from __future__ import annotations

from typing import BinaryIO

from .records import Match, StopSearch


class Output:
    """Writes `Match` records as `name:number:line\\n` (parts as asked for).

    `write` raises `StopSearch` when the search should end: after the first match
    with `quiet` (`-q`), or when the reader of our output has gone (a closed pipe,
    as with `| head -1`); `pipe_closed` then tells the caller to exit quietly.
    """

    def __init__(self, stream: BinaryIO, *, with_filename: bool = False, line_number: bool = False,
                 quiet: bool = False) -> None:
        self.stream = stream
        self.with_filename = with_filename
        self.line_number = line_number
        self.quiet = quiet
        self.matches = 0
        self.pipe_closed = False

    def format(self, match: Match) -> bytes:
        parts = []
        if self.with_filename:
            parts.append(match.name)
        if self.line_number:
            parts.append(b"%d" % match.line_number)
        parts.append(match.line)
        return b":".join(parts) + b"\n"

    def write(self, match: Match) -> None:
        self.matches += 1
        if self.quiet:
            raise StopSearch
        try:
            self.stream.write(self.format(match))
        except BrokenPipeError:
            self.pipe_closed = True
            raise StopSearch from None

    def flush(self) -> None:
        if self.pipe_closed:
            return
        try:
            self.stream.flush()
        except BrokenPipeError:
            self.pipe_closed = True
