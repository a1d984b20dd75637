"""grep's own output: lines (with names, numbers, byte offsets, context, colour, NUL after
names), multi-line records, and the "Binary file" line (-o: `only_matching.py`)."""
from __future__ import annotations

from ..records import BinaryMatch, FileEnd, Hits, Lines, LongLineMatch, Match, RecordMatch
from .base import Printer
from .bulk import format_hits, format_run


class StandardPrinter(Printer):
    """Mode "lines" (and, through `OnlyMatchingPrinter`, "only-matching")."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.context = self.settings.context
        # the plain case gets a format without branches
        self._plain = self.mode == "lines" and not (self.byte_offset or self.null or self.color or self.context
                                                    or self.escape_names)
        self._plain_record = self.mode == "lines" and self.context and not (
            self.byte_offset or self.null or self.color or self.escape_names)

    def write(self, record) -> None:
        kind = record.__class__
        if kind is Match:
            if record.context:
                self._context_line(record)
                return
            self.sink.select()
            if self._plain:
                parts = [record.name] if self.with_filename else []
                if self.line_number:
                    parts.append(b"%d" % record.line_number)
                parts.append(record.line)
                self._out(b":".join(parts) + b"\n")
            else:
                self._selected_line(record)
        elif kind is Hits or kind is Lines:
            self._bulk(record)
        elif kind is RecordMatch:
            self._record(record)
        elif kind is LongLineMatch:
            self.too_long(record)
        elif kind is BinaryMatch:
            self.sink.select()
            self._out(b"Binary file " + self.name(record.name) + b" matches\n")
        elif kind is not FileEnd:
            raise TypeError(f"not a record: {record!r}")

    def begin_file(self) -> None:
        """A new file's output starts in a buffer of its own (a parallel search): its first
        context group is announced by a lone "--" write, which the worker's stream turns
        into a group mark (see `logpipe.executors.frames`)."""
        self.sink.last = (b"", -2)

    def _bulk(self, records: Lines | Hits) -> None:
        """A run of selected lines (`Lines`), or a block's selected lines (`Hits`): in a few
        bulk operations in the plain case (`bulk`), else line by line."""
        if not self._plain:
            for match in records.matches():
                self.write(match)
            return
        prefix = records.name + b":" if self.with_filename else b""
        if records.__class__ is Hits:
            self.sink.select(len(records.starts))
            self._out(format_hits(records, prefix, self.line_number))
            return
        data, lines = format_run(records, prefix, self.line_number)
        self.sink.select(lines)
        self._out(data)

    # -- one line --------------------------------------------------------------------

    def _prefix(self, record: Match, separator: bytes, offset: int) -> bytes:
        color, paint = self.color, self.paint
        sep = paint("separator", separator) if color else separator
        parts = []
        if self.with_filename:
            name = self.name(record.name)
            parts.append(paint("name", name) if color else name)
            parts.append(b"\0" if self.null else sep)
        if self.line_number:
            number = b"%d" % record.line_number
            parts += [paint("number", number) if color else number, sep]
        if self.byte_offset:
            number = b"%d" % offset
            parts += [paint("offset", number) if color else number, sep]
        return b"".join(parts)

    def _group_separator(self, record: Match) -> None:
        if self.context:
            sink = self.sink
            last = sink.last
            if last is not None and (last[0] != record.name or last[1] + 1 != record.line_number):
                self._out(self.separator)
            sink.last = (record.name, record.line_number)

    def _painted(self, line: bytes, selected: bool) -> bytes:
        """A whole line in colour, as GNU grep paints it: matches in ms (mc in context lines),
        the rest of the line in sl (cx); only lines that match have their matches painted."""
        paint = self.paint
        colors = paint.colors
        line_color = colors["selected_line" if selected else "context_line"]
        match_kind = "match" if selected else "context_match"
        start_sgr, middle, end_sgr = paint.sgr
        line_start = start_sgr + line_color + middle if line_color else b""
        pieces, pos = [], 0
        if selected != self.invert and colors[match_kind]:
            for start, end in self.matcher.spans(line):
                pieces += [line_start, line[pos:start], paint(match_kind, line[start:end])]
                pos = end
        tail = len(line) - (line[-1:] == b"\r")  # grep leaves a \r before the newline unpainted
        if line_color and tail > pos:
            pieces += [line_start, line[pos:tail], end_sgr, line[tail:]]
        else:
            pieces.append(line[pos:])
        return b"".join(pieces)

    def _selected_line(self, record: Match) -> None:
        self._group_separator(record)
        line = self._painted(record.line, True) if self.color else record.line
        self._out(self._prefix(record, b":", record.offset) + line + b"\n")

    def _context_line(self, record: Match) -> None:
        self._group_separator(record)
        line = self._painted(record.line, False) if self.color else record.line
        self._out(self._prefix(record, b"-", record.offset) + line + b"\n")

    # -- multi-line records ----------------------------------------------------------

    def _record(self, record: RecordMatch) -> None:
        """A multi-line record: each of its lines as grep prints a line, matching lines
        (every line with -v) marked `:`, the others `-`; `--` between records that are
        not adjacent."""
        if not record.context:
            self.sink.select()
        name, text, offset = record.name, record.text, record.offset
        sink = self.sink
        if self._plain_record and b"\n" not in text:  # the common case, kept tight: a one-line record
            last, mark = sink.last, b"-" if record.context else b":"
            sink.last = (name, offset + len(text) + 1)
            if last is not None and (last[1] != offset or last[0] != name):
                self._out(b"--\n")  # a write of its own: a parallel printer may replace it (`begin_file`)
            parts = []
            if self.with_filename:
                parts += (name, mark)
            if self.line_number:
                parts += (b"%d" % record.line_number, mark)
            parts += (text, b"\n")
            self._out(b"".join(parts))
            return
        marks = record.marks
        last, out = sink.last, []
        if self.context and last is not None and (last[0] != name or last[1] != offset):
            self._out(self.separator)  # a write of its own: a parallel printer may replace it (`begin_file`)
        sink.last = (name, offset + len(text) + 1)
        lines = text.split(b"\n") if b"\n" in text else [text]
        marked = frozenset(marks) if marks is not None and len(lines) > 1 else None
        pos, number = 0, record.line_number
        plain = not (self.color or self.byte_offset or self.null or self.escape_names)
        for line in lines:
            separator = b"-" if record.context or (marked is not None and pos not in marked) else b":"
            if plain:  # the common case, without building a Match per line
                prefix = name + separator if self.with_filename else b""
                if self.line_number:
                    prefix += b"%d" % number + separator
            else:
                prefix = self._prefix(Match(name, number, offset + pos, line), separator, offset + pos)
            out += (prefix, self._painted(line, separator == b":") if self.color else line, b"\n")
            pos, number = pos + len(line) + 1, number + 1
        self._out(b"".join(out))
