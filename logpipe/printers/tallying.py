"""What the summary printers share (--histogram, --count-by): they print nothing per line,
they count each selected line (or record, or with -o each match) into a `Tally`, which
travels from workers to the parent as the printer's totals, and draw it at the end."""
from __future__ import annotations

from ..records import BinaryMatch, FileEnd, Hits, Lines, LongLineMatch, Match, RecordMatch
from ..summaries.keys import Keys, resolve
from ..summaries.tally import SummarySettings, Tally
from .base import Printer


class TallyPrinter(Printer):
    """Counts; the subclass draws (`finish`)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        summary = self.settings.summary or SummarySettings()
        self.summary = summary
        self.tally = Tally(summary)
        self.keys = Keys([resolve(name, self.matcher, self.invert) for name in summary.count_by], self.matcher,
                         summary.every_match) if summary.count_by else None
        self._matches = summary.every_match and not summary.count_by  # -o: each match counts
        self._all = None  # counts a list of times at once (Hits and Lines from grep, with their times)
        if self.keys is None and not self._matches:  # the common case, kept tight: one line at its time
            add = self.tally.times.add
            self._count = lambda moment, line: add(moment)
            self._all = self.tally.times.add_all

    def write(self, record) -> None:
        kind = record.__class__
        if kind is Match:
            if not record.context:
                self.sink.select()
                self._count(record.time, record.line)
        elif kind is RecordMatch:
            if not record.context:
                self.sink.select()
                self._count(record.time, record)
        elif kind is FileEnd:
            return
        elif kind is LongLineMatch:  # selected, reported, not read whole: no time, no value
            self.too_long(record)
            self.tally.add(None, [(None,) * len(self.keys.names)] if self.keys is not None else None)
        elif kind is Hits or kind is Lines:  # a block's selected lines at once, with their times
            if self._all is not None and record.times is not None:
                self.sink.select(len(record.times))
                self._all(record.times)
            else:
                for match in record.matches():
                    self.write(match)
        elif kind is BinaryMatch:  # not sent (binary files are counted as text)
            self.sink.select()
        else:
            raise TypeError(f"not a record: {record!r}")

    def _count(self, moment: float | None, line) -> None:
        lines = _lines(line)
        if self.keys is not None:
            self.tally.add(moment, self.keys.values(lines))
        else:  # -o, no keys: each match
            self.tally.add(moment, None, sum(len(self.matcher.spans(one)) for one in lines) or 1)

    # -- the counts travel as totals --------------------------------------------------------

    def take_totals(self) -> dict | None:
        return self.tally.take()

    def add_totals(self, totals: dict) -> None:
        self.tally.merge(totals)


def _lines(line) -> list[bytes]:
    """The lines whose matches count: a line, or a record's matching lines (its first line
    when all are selected, with -v)."""
    if isinstance(line, bytes):
        return [line]
    text = line.text
    if not line.marks:
        end = text.find(b"\n")
        return [text if end < 0 else text[:end]]
    found = []
    for mark in line.marks:
        end = text.find(b"\n", mark)
        found.append(text[mark:] if end < 0 else text[mark:end])
    return found
