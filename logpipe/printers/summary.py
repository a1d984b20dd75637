"""Summaries instead of lines: -c (a count per file), -l and -L (names), -q (nothing)."""
from __future__ import annotations

from ..records import BinaryMatch, FileEnd, Hits, Lines, LongLineMatch, Match, RecordMatch
from .base import Printer


class SummaryPrinter(Printer):
    """Modes "count", "files-with-matches", "files-without-match" and "quiet". `grep`
    only counts for the first three (each file's `FileEnd` says how many lines it
    selected); with -q (or time bounds) selected records come one by one and each counts."""

    def write(self, record) -> None:
        kind = record.__class__
        if kind is FileEnd:
            self._file_end(record)
        elif kind is Match or kind is RecordMatch:
            if not record.context:
                self.sink.select()
        elif kind is Hits or kind is Lines:
            self.sink.select(record.count)
        elif kind is LongLineMatch:
            self.too_long(record)
        elif kind is BinaryMatch:
            self.sink.select()
            self._out(b"Binary file " + self.name(record.name) + b" matches\n")
        else:
            raise TypeError(f"not a record: {record!r}")

    def _file_end(self, end: FileEnd) -> None:
        mode = self.mode
        if mode == "quiet":
            return
        name = self.name(end.name)
        name = self.paint("name", name) if self.color else name
        terminator = b"\0" if self.null else b"\n"
        if mode == "count":
            self.sink.select(end.count)
            if self.with_filename:
                self._out(name + (b"\0" if self.null else self.paint("separator", b":") if self.color else b":")
                          + b"%d\n" % end.count)
            else:
                self._out(b"%d\n" % end.count)
        elif mode == "files-with-matches":
            if end.count:
                self.sink.select()
                self._out(name + terminator)
        elif end.count:  # -L: the status says whether a line was selected, as grep >= 3.5
            self.sink.select()
        else:
            self._out(name + terminator)
