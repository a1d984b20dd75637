"""The writer every executor delivers to: each file's output, messages and end, in walk
order, whether the file was printed here or formatted elsewhere (a worker, a cluster task)."""
from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, NamedTuple

from ..records import StopSearch

if TYPE_CHECKING:
    from ..messages import HeldMessages, Messages
    from ..records import LogFile
    from ..stats import Stats
    from .base import Printer


class FileDone(NamedTuple):
    """The end of one file's results: what the ordered writer adds up."""

    matches: int          # what decides the exit status (selected lines, or files with -l/-L)
    errors: int           # messages about the file (shown or, with -s, not)
    totals: dict | None   # the format's figures for its summary (JSON)


class OrderedWriter:
    """The sink of the executors (see `logpipe.executors`): writes into the search's
    printer's `Sink` and `Messages`; `printer` itself prints the files searched here.
    `held`: the walk's messages when the walk runs ahead of the search; `walked` takes
    them file by file, and each batch is written just before its file's results."""

    def __init__(self, printer: Printer, messages: Messages, stats: Stats | None = None,
                 held: HeldMessages | None = None) -> None:
        self.printer = printer
        self.out = printer.sink
        self.messages = messages
        self.stats = stats
        self.held = held
        self._batches: deque = deque()  # the walk's messages before each file walked and not yet begun
        self._started = False  # the current file has delivered something

    def walked(self, logfiles: Iterable[LogFile]) -> Iterator[LogFile]:
        """The walk's logfiles, each with the walk's messages from just before it taken
        aside, to be written in their place (a walk running ahead of the output)."""
        for logfile in logfiles:
            self._batches.append(self.held.take())
            yield logfile

    def begin(self) -> None:
        """A file's results start: the walk's messages from before it first."""
        if not self._started:
            self._started = True
            if self._batches:
                self.held.release(self._batches.popleft())

    def announce(self) -> None:
        """A file searched here, by `printer`, is next: the walk's messages before it now."""
        self.begin()
        self._started = False

    def output(self, data: bytes) -> None:
        self.begin()
        if data:
            self.out.write(data)

    def group(self) -> None:
        """The file's output starts a context group: "--" before it if one came before."""
        self.begin()
        out = self.out
        if out.last is not None:
            out.write(self.printer.separator)
        out.last = (b"", -2)  # so that the next file's first group is separated too

    def idle(self) -> None:
        """The executor is about to wait for results: what was printed goes out now (the
        sink may hold it), so that a reader sees each line once it is known."""
        self.out.flush()

    def message(self, lines: bytes) -> None:
        self.begin()
        self.messages.write_raw(lines, 0)

    def counted(self, stats: Stats) -> None:
        if self.stats is not None:
            self.stats.add(stats)

    def done(self, result: FileDone) -> None:
        self.begin()
        self._started = False
        out = self.out
        out.matches += result.matches
        self.messages.write_raw(b"", result.errors)
        if result.totals:
            self.printer.add_totals(result.totals)
        if out.stopped or (out.quiet and result.matches):
            raise StopSearch

    def finish(self) -> None:
        """The end of the search, which went through the whole walk: what the walk
        reported after its last file. (After an early stop, nothing more: the messages
        held are about what comes after the stop, which -j1 would not have walked.)"""
        if self.held is not None:
            while self._batches:
                self.held.release(self._batches.popleft())
            self.held.release()
