"""What flows through the pipeline, and the two ways a downstream stage says "enough".

    find_files --LogFile--> opener --OpenLog--> cat --Block--> grep --Match--> printer

`OpenLog` lives in `codecs`, next to the code that opens it.
"""
from __future__ import annotations

from itertools import accumulate, repeat
from typing import NamedTuple


class LogFile(NamedTuple):
    """A file to search: `path` is what is opened ("-" is standard input),
    `name` is what is printed (the root as given joined with the path below it),
    `regular` whether the walk saw a regular file there (then a short read is its end)."""

    path: str
    name: bytes
    regular: bool = False


class Block(NamedTuple):
    """Whole lines of one file: `data` never ends inside a line except at the end of the file.

    `line_number` is the number of the block's first line (from 1), `offset` its byte
    offset in the decompressed file, `binary` whether the file's first bytes hold a NUL.
    A block with `last=True` and no data closes each file: it tells per-file stages
    (counts, `-m`, context) that the file is done, even when it was empty.
    """

    name: bytes
    line_number: int
    offset: int
    data: bytes
    last: bool = False
    binary: bool = False
    long_line: int | None = None  # a piece of a line over the length bound: where that line starts


class Match(NamedTuple):
    """One selected line (or, with `context=True`, a line of context around one):
    `line` holds its bytes without the line terminator (a `\\r` before it stays),
    `offset` is the byte offset of the line's start in the decompressed file,
    `time` the line's time in epoch seconds when a time stage put it there
    (--json, --sort time)."""

    name: bytes
    line_number: int
    offset: int
    line: bytes
    context: bool = False
    time: float | None = None


class RecordMatch(NamedTuple):
    """One selected multi-line record (--records), or with `context=True` a record of
    context around one: `text` holds its lines without the last line terminator,
    `line_number` and `offset` are its first line's, `marks` the offsets in `text` of
    the lines that matched (printed with `:`, the others with `-`); None: every line is
    selected (-v)."""

    name: bytes
    line_number: int
    offset: int
    text: bytes
    marks: tuple[int, ...] | None = None
    context: bool = False
    time: float | None = None  # its first line's time, when a time stage put it there


class Lines(NamedTuple):
    """A run of consecutive selected lines of one block, for a printer that formats
    them in bulk (the dense path, asked for with `BlockSearch(runs=True)`): `data` is
    whole lines, each ending with `\\n` except perhaps a file's last one; `line_number`
    is the first one's (0 when lines are not counted), `offset` its byte offset.
    `matches()` gives the same lines as `Match` records. `times`: each line's time, when a
    time stage put them there (--histogram)."""

    name: bytes
    line_number: int
    offset: int
    data: bytes
    times: list | None = None

    def lines(self) -> list[bytes]:
        """The run's lines, without their terminators."""
        lines = bytes(self.data).split(b"\n")
        if self.data[-1:] == b"\n":
            lines.pop()
        return lines

    def matches(self):
        offset, number, step = self.offset, self.line_number, 1 if self.line_number else 0
        times = self.times or repeat(None)
        for line, moment in zip(self.lines(), times):
            yield Match(self.name, number, offset, line, False, moment)
            offset += len(line) + 1
            number += step

    @property
    def count(self) -> int:
        """How many lines the run holds."""
        return self.data.count(b"\n") + (self.data[-1:] != b"\n")


class Hits(NamedTuple):
    """The selected lines of one block as the matcher found them, for a printer that
    formats them in bulk (the sparse side of `BlockSearch(runs=True)`): line i is
    `data[starts[i]:ends[i]]` (without its terminator), `data` the whole block;
    `line_number` and `offset` are the block's first line's (`line_number` 0 when lines
    are not counted). `matches()` gives the same lines as `Match` records. `times`: each
    line's time, when a time stage put them there (--histogram)."""

    name: bytes
    line_number: int
    offset: int
    data: bytes
    starts: list
    ends: list
    times: list | None = None

    def numbers(self):
        """Each line's number (the newlines before it counted in C, between one line and the next)."""
        data, starts = self.data, self.starts
        before = [0]
        before += starts[:-1]
        numbers = accumulate(map(data.count, repeat(b"\n"), before, starts), initial=self.line_number)
        next(numbers)
        return numbers

    def matches(self):
        data, offset, starts, ends = self.data, self.offset, self.starts, self.ends
        numbers = self.numbers() if self.line_number else repeat(0)
        times = self.times or repeat(None)
        for start, end, number, moment in zip(starts, ends, numbers, times):
            yield Match(self.name, number, offset + start, data[start:end], False, moment)

    @property
    def count(self) -> int:
        """How many lines it holds."""
        return len(self.starts)


class FileEnd(NamedTuple):
    """Sent by `grep` after each file: how many lines it selected there (for -c, -L, JSON),
    the bytes it read, and where -m stopped the search (the end of the last selected
    line; None when it did not). `time`: with --sort time and -c, -l or -L, the time of
    the last line read from the file, where its line goes in the merged timeline."""

    name: bytes
    count: int
    bytes_searched: int
    stop: int | None = None
    time: float | None = None


class LongLineMatch(NamedTuple):
    """A match inside a line longer than the bound (--max-line-bytes): reported on
    stderr, not printed. `line_number` is 0 when lines were not counted. `unread`: with
    --where/--level, the line may match but its fields were not read (not selected)."""

    name: bytes
    line_number: int
    offset: int
    unread: bool = False


class BinaryMatch(NamedTuple):
    """A binary file matched: printed as one line instead of its matching lines."""

    name: bytes


class StopSearch(Exception):
    """Raised by a sink to end the whole search (`-q` satisfied, output pipe closed).

    In the push backend it travels up out of every `send()` to the source, which
    catches it; each stage's `finally` runs on the way, so every open file is closed.
    In the pull backend the sink simply stops pulling and closes the stages.
    """


# The verdict a stage hands back upstream when it wants no more of the current file
# (`-m N` reached): the return value of `target.send(block)` in push, the value sent
# into `cat`'s `yield` in pull. Anything else (None) means "go on".
SKIP_FILE = "skip-file"
