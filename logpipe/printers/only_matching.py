"""-o: only the matched parts of lines, each on a line of its own, as GNU grep prints them."""
from __future__ import annotations

from ..records import Match, RecordMatch
from .standard import StandardPrinter


class OnlyMatchingPrinter(StandardPrinter):
    """Mode "only-matching": each match of a selected line, with the line's prefix (its
    byte offset the match's). Context lines print nothing but join the context groups, so
    that "--" stands where grep puts it. With -v the roles turn, as in GNU grep: a selected
    line has no match (nothing printed, it joins the groups) and a context line prints its
    matches (`path-N-match`, in the context match colour, `mc`)."""

    def _selected_line(self, record: Match) -> None:
        if self.invert:
            self._group_separator(record)
        elif self.with_filename or self.line_number or self.byte_offset or self.color or self.context:
            self._matches(record, b":", "match")
        else:
            self._bare_matches(record.line)

    def _context_line(self, record: Match) -> None:
        if self.invert:
            self._matches(record, b"-", "context_match")
        else:
            self._group_separator(record)

    def _bare_matches(self, line: bytes) -> None:
        found = self.matcher.match_texts(line)  # no prefix: the matches joined in bulk
        if found:
            found.append(b"")
            self._out(b"\n".join(found))

    def _matches(self, record: Match, separator: bytes, kind: str, group: bool = True) -> None:
        if group:
            self._group_separator(record)
        line, paint, color = record.line, self.paint, self.color
        self._out(b"".join(self._prefix(record, separator, record.offset + start)
                           + (paint(kind, line[start:end]) if color else line[start:end])
                           + b"\n" for start, end in self.matcher.spans(line)))

    def _record(self, record: RecordMatch) -> None:
        """The matches of a selected record's matching lines (its marks) or, with -v, of a
        context record's lines (the records that match then), each as a line's. A record
        joins or begins a context group as a whole."""
        if not record.context:
            self.sink.select()
        name, text, offset = record.name, record.text, record.offset
        if self.context:
            self._group_separator(Match(name, record.line_number, offset, b""))
        if record.context == self.invert:  # a record whose matching lines are printed
            starts = record.marks if record.marks is not None else _line_starts(text)
            separator, kind = (b"-", "context_match") if record.context else (b":", "match")
            bare = not (record.context or self.with_filename or self.line_number or self.byte_offset or self.color)
            for mark in starts:
                end = text.find(b"\n", mark)
                line = text[mark:end if end >= 0 else len(text)]
                if bare:
                    self._bare_matches(line)
                else:
                    number = record.line_number + text.count(b"\n", 0, mark)
                    self._matches(Match(name, number, offset + mark, line), separator, kind, group=False)
        if self.context:
            self.sink.last = (name, record.line_number + text.count(b"\n"))


def _line_starts(text: bytes) -> list[int]:
    starts, newline = [0], text.find(b"\n")
    while newline >= 0:
        starts.append(newline + 1)
        newline = text.find(b"\n", newline + 1)
    return starts
