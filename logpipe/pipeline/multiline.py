"""Multi-line records (--records): a Java stack trace or a Python traceback is one match.

A record begins at each line that starts one (by default: a line that begins with a
timestamp; `--record-start REGEX`: a line REGEX matches) and holds every following
line that does not. A record is capped at `max_lines` lines and `max_bytes` bytes (as
Filebeat's `max_lines`): the line that would go past the cap begins a new record.

Four shared pieces:
- `RecordStart`: which lines begin a record (the timestamp rule itself is
  `timeformats.leading_timestamp`, the Time section's formats at a line's start);
- `RecordBounds`: where a record begins and ends around a position, caps included;
- `RecordBlocks`: the pipeline stage's piece (lines → records): re-cuts `cat`'s blocks
  so that each begins and ends at a record boundary, carrying the open record over;
- `RecordSearch`: `grep`'s piece for records: search the whole block for matching lines
  first (as for lines), then widen each hit to its record, looking backwards and forwards
  for record-start lines around it. Records without a hit are never built.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from .blocks import MAX_LINE_BYTES
from .patterns import PatternError
from ..records import Block
from .timeformats import FORMATS, custom_format, leading_timestamp

MAX_RECORD_LINES = 500  # a record is cut past this many lines (Filebeat's multiline.max_lines)
LINE_START_REACH = 4096  # how far into the first line of a block a timestamp is looked for
# A newline before a line that is not indented: only such a line can begin with a timestamp.
# Finding them runs at ~500 MB/s, the timestamp regex (timeformats.leading_timestamp, which
# never accepts an indented line) at ~60: in a Java stack trace of indented frames, the
# timestamp regex only looks at the few lines that are not.
_UNINDENTED = re.compile(rb"\n(?![\t ])").finditer
CHUNK = 4096            # bytes counted at a time when looking for the 500th line
FIRST_WINDOW = 1024     # bytes looked at first when searching around a hit; doubled until found

class RecordStart:
    """Which lines begin a record: those that begin with a timestamp (`pattern=None`: one
    of timestamps.py's formats, or the `--time-format` one, as `leading_timestamp` says),
    or those in which the regex `pattern` matches (anchor it with `^` for the line's
    beginning, as in Filebeat's `multiline.pattern`).

    Positions are byte offsets in a block; `lo` and `hi` are line starts (or the end).
    """

    def __init__(self, pattern: bytes | str | None = None, time_format: str | None = None) -> None:
        if isinstance(pattern, str):
            pattern = pattern.encode("utf-8", "surrogateescape")
        self.pattern = pattern
        try:
            if pattern is None:  # one regex (compiling it costs ~10 ms): a newline, then a timestamp
                formats = FORMATS if time_format is None else (custom_format(time_format),)
                self._newline_start = re.compile(rb"\n(?=" + leading_timestamp(formats) + rb")", re.MULTILINE)
                self._after_newline = self._newline_start.match
            else:
                self._regex = re.compile(pattern, re.MULTILINE)
        except re.error as err:
            shown = pattern.decode("utf-8", "backslashreplace")
            raise PatternError(f"invalid --record-start regular expression {shown!r}: {err}") from None

    def _at(self, data: bytes, pos: int) -> bool:
        """The default rule at a line start: the regex from the newline before it."""
        if pos:
            return self._after_newline(data, pos - 1) is not None
        return self._after_newline(b"\n" + data[:LINE_START_REACH]) is not None

    def is_start(self, data: bytes, pos: int) -> bool:
        """Whether the line at `pos` begins a record."""
        if self.pattern is None:
            return self._at(data, pos)
        end = data.find(b"\n", pos)
        return self._regex.search(data, pos, end if end >= 0 else len(data)) is not None

    def first(self, data: bytes, lo: int, hi: int) -> int:
        """The first line start in [lo, hi) whose line begins a record, else -1."""
        if lo >= hi:
            return -1
        if self.pattern is None:
            if self._at(data, lo):
                return lo
            for hit in _UNINDENTED(data, lo, hi):  # only lines not indented can begin with a timestamp
                if hit.start() + 1 < hi and self._after_newline(data, hit.start()) is not None:
                    return hit.start() + 1
            return -1
        search, pos = self._regex.search, lo
        while pos < hi:  # as Matcher.lines: a match must not span lines
            hit = search(data, pos, hi)
            if hit is None:
                return -1
            start = data.rfind(b"\n", 0, hit.start()) + 1
            end = data.find(b"\n", hit.start())
            end = end if end >= 0 else len(data)
            if start >= hi:
                return -1
            if hit.end() <= end or search(data, start, end):
                return start
            pos = end + 1
        return -1

    def all(self, data: bytes, lo: int, hi: int) -> list[int]:
        """Every line start in [lo, hi) whose line begins a record."""
        if self.pattern is None:
            found = [lo] if lo < hi and self._at(data, lo) else []
            found += [hit.start() + 1 for hit in _UNINDENTED(data, lo, hi)
                      if hit.start() + 1 < hi and self._after_newline(data, hit.start()) is not None]
            return found
        return list(self._iter(data, lo, hi))

    def _iter(self, data: bytes, lo: int, hi: int) -> Iterator[int]:
        while True:
            pos = self.first(data, lo, hi)
            if pos < 0:
                return
            yield pos
            end = data.find(b"\n", pos)
            if end < 0:
                return
            lo = end + 1

    def _last_in(self, data: bytes, lo: int, hi: int) -> int:
        if self.pattern is None:
            found, match = -1, self._after_newline
            for hit in _UNINDENTED(data, lo, hi):
                if hit.start() + 1 < hi and match(data, hit.start()) is not None:
                    found = hit.start() + 1
            return found if found >= 0 or lo >= hi or not self._at(data, lo) else lo
        found, pos = -1, self.first(data, lo, hi)
        while pos >= 0:
            found = pos
            end = data.find(b"\n", pos)
            pos = self.first(data, end + 1, hi) if end >= 0 else -1
        return found

    def last(self, data: bytes, lo: int, hi: int) -> int:
        """The last line start in [lo, hi) whose line begins a record, else -1:
        looked for in windows growing backwards from `hi`."""
        window = FIRST_WINDOW
        while True:
            start = hi - window
            if start > lo:
                newline = data.rfind(b"\n", lo, start)
                start = newline + 1 if newline >= 0 else lo
            else:
                start = lo
            found = self._last_in(data, start, hi)
            if found >= 0 or start <= lo:
                return found
            window *= 4


def record_start(pattern: bytes | str | None = None, time_format: str | None = None) -> RecordStart:
    """The record rule for `--record-start` (None: a leading timestamp, in the
    `--time-format` when given; raises TimeFormatError for a bad one)."""
    return RecordStart(pattern, time_format)


class RecordBounds:
    """Where records begin and end in a block that begins at a record boundary,
    by `rule` and the caps (`max_lines` lines, `max_bytes` bytes)."""

    def __init__(self, rule: RecordStart | None = None, max_lines: int = MAX_RECORD_LINES,
                 max_bytes: int = MAX_LINE_BYTES) -> None:
        self.rule = rule if rule is not None else record_start()
        self.max_lines = max_lines
        self.max_bytes = max_bytes

    def end(self, data: bytes, pos: int, lines: int = 0, size: int = 0, starts: bool = True) -> tuple[int, bool]:
        """`(end, closed)`: where the record ends that begins at `pos` (or, with `lines` and
        `size`, that already holds that many lines and bytes before `pos`, the line at
        `pos` continuing it). `end` is the start of the next record, or the end of `data`
        with `closed=False` when the record may go on in the next block.
        `starts=False`: the caller knows that no line after `pos` begins a record."""
        total, base = len(data), pos - size
        if not lines:
            newline = data.find(b"\n", pos)
            if newline < 0:
                return total, False
            pos, lines = newline + 1, 1
            if starts and pos < total and self.rule.is_start(data, pos):  # the common case: a one-line record
                return pos, True
        window = FIRST_WINDOW
        while pos < total:
            hi = pos + window
            newline = data.find(b"\n", hi) if hi < total else -1
            hi = newline + 1 if newline >= 0 else total
            following = self.rule.first(data, pos, hi) if starts else -1
            stop = following if following >= 0 else hi
            count = data.count(b"\n", pos, stop)
            if lines + count > self.max_lines or stop - base > self.max_bytes:
                return self._capped(data, pos, lines, base), True
            if following >= 0:
                return following, True
            pos, lines, window = hi, lines + count, window * 2
        return total, lines >= self.max_lines

    def _capped(self, data: bytes, pos: int, lines: int, base: int) -> int:
        """The cut inside a record that goes past a cap: the first line that does not fit."""
        newline = data.rfind(b"\n", pos, max(pos, base + self.max_bytes))
        stop = newline + 1 if newline >= 0 else pos  # the end of the last line within the byte cap
        wanted = self.max_lines - lines  # lines that still fit
        while pos < stop and wanted > 0:  # newlines counted a chunk at a time, at C speed
            chunk_end = min(stop, pos + CHUNK)
            count = data.count(b"\n", pos, chunk_end)
            if count >= wanted:
                for _ in range(wanted):
                    pos = data.find(b"\n", pos) + 1
                return pos
            pos, wanted = chunk_end, wanted - count
        return pos

    def around(self, data: bytes, pos: int, known: int) -> tuple[int, int]:
        """`(start, end)` of the record that holds the line at `pos`, knowing that a
        record begins at `known` (<= pos): the last record-start line at or before `pos`,
        then forward over any cut by the caps."""
        if self.rule.is_start(data, pos):  # the common case: the matching line begins its record
            return pos, self.end(data, pos)[0]
        newline = data.find(b"\n", pos)
        start = self.rule.last(data, known, newline + 1 if newline >= 0 else len(data))
        if start < 0:  # no record-start line since `known`: records cut by the caps only, up to `pos`
            start = known
            while True:
                end, closed = self.end(data, start, starts=False)
                if end > pos or not closed:
                    break
                start = end
        while True:
            end, closed = self.end(data, start)
            if end > pos or not closed:
                return start, end
            start = end

    def count(self, data: bytes, at_file_start: bool) -> tuple[int, int]:
        """`(records, cuts)` in `data` (whole records): for --stats, which looks at every line."""
        starts = self.rule.all(data, 0, len(data))
        cuts = 0
        if not starts or starts[0] != 0:
            starts.insert(0, 0)
            cuts += not at_file_start  # a record that began in a block before was cut here
        records = len(starts)
        starts.append(len(data))
        for start, stop in zip(starts, starts[1:]):
            if stop - start > self.max_bytes or (stop - start > self.max_lines
                                                 and data.count(b"\n", start, stop) >= self.max_lines):
                pos = start
                while True:
                    pos, closed = self.end(data, pos)
                    if pos >= stop or not closed:
                        break
                    cuts += 1
                    records += 1
        return records, cuts


class RecordBlocks:
    """The stage's piece, lines → records: takes `cat`'s blocks of whole lines and hands
    on blocks of whole records, each beginning at a record boundary. A block is held until
    the next one shows whether its last record goes on: if the next block begins with a
    record-start line (the common case), the held block goes on whole, uncopied; if not,
    it goes on up to its last record boundary and the open record (at most the caps'
    size) waits for the blocks after. A piece of an over-long line is a record of its
    own and goes on as it came."""

    def __init__(self, bounds: RecordBounds, stats=None, line_numbers: bool = True) -> None:
        self.bounds = bounds
        # with stats, every record boundary is looked at, to count them; not for a parallel
        # worker's meter that counts nothing (`Stats.counts_lines` False: no --stats, no progress)
        self.stats = stats if stats is not None and stats.counts_lines else None
        self.line_numbers = line_numbers
        self._new_file()

    def _new_file(self) -> None:
        self.pieces: list = []  # waiting, from a record boundary: the open record, or what ends where `held` begins
        self.lines = 0          # lines and bytes of the open record in `pieces` (when nothing is held)
        self.size = 0
        self.head = (0, 0)      # line number and offset of the first byte waiting
        self.held: Block | None = None  # the last block, whole; its records from `held_last` on may go on
        self.held_last = 0
        self.held_closed = False  # the caps closed its last record at its very end
        self.binary = False
        self.long_line = None

    def skip(self) -> None:
        """The rest of this file is not wanted (`-m` reached): drop what waits."""
        self.pieces, self.lines, self.size, self.held = [], 0, 0, None

    def __call__(self, block: Block) -> list[Block]:
        if block.last:
            out = self._flush(block)
            self._new_file()
            out.append(block)
            return out
        if block.long_line is not None:
            out = self._flush(block)
            if self.stats is not None and block.long_line != self.long_line:
                self.stats.records += 1
                self.stats.record_cuts += block.long_line > 0 and not self.bounds.rule.is_start(block.data, 0)
            self.long_line = block.long_line
            out.append(block)
            return out
        data = block.data
        if not data:  # --tail: the file has gone quiet, its open record is whole
            return self._flush(block)
        self.binary = block.binary
        bounds, size, out = self.bounds, len(data), []
        starts_record = bounds.rule.is_start(data, 0)
        held = self.held
        if held is not None:
            if self.held_closed or starts_record:  # the held block ends at a record boundary
                out += self._flush(held)
            else:  # its last record goes on in this block: the records before it go now
                last, whole = self.held_last, held.data
                if self.pieces or last:
                    self.pieces.append(memoryview(whole)[:last])
                    out.append(self._block(held, b"".join(self.pieces)))
                rest = whole[last:]
                self.pieces, self.lines, self.size = [rest], rest.count(b"\n"), len(rest)
                number = held.line_number + (whole.count(b"\n", 0, last) if self.line_numbers else 0)
                self.head, self.held = (number, held.offset + last), None
        if self.pieces:
            if starts_record:
                cut = 0
            else:
                cut, closed = bounds.end(data, 0, self.lines, self.size)
                if not closed:  # the whole block goes on with the open record
                    self.pieces.append(data)
                    self.lines += data.count(b"\n")
                    self.size += size
                    return out
        else:
            cut = 0
            self.head = (block.line_number, block.offset)
        last = max(cut, bounds.rule.last(data, cut, size))
        while last < size:  # past the last record-start line, only the caps can cut
            end, closed = bounds.end(data, last, starts=False)
            if not closed:
                break
            last = end
        self.held, self.held_last, self.held_closed = block, last, last == size
        return out

    def _flush(self, block: Block) -> list[Block]:
        """Everything waiting, as one block (the held block uncopied when nothing else waits)."""
        pieces = self.pieces
        if self.held is not None:
            pieces.append(self.held.data)
        self.skip()
        if not pieces:
            return []
        return [self._block(block, pieces[0] if len(pieces) == 1 else b"".join(pieces))]

    def _block(self, block: Block, whole: bytes) -> Block:
        line_number, offset = self.head
        if self.stats is not None:
            records, cuts = self.bounds.count(whole, offset == 0)
            self.stats.records += records
            self.stats.record_cuts += cuts
        return Block(block.name, line_number, offset, whole, False, self.binary)


def record_bounds(pattern: bytes | str | None = None, max_bytes: int = MAX_LINE_BYTES,
                  time_format: str | None = None) -> RecordBounds:
    """The bounds for `--record-start PATTERN` (None: a leading timestamp, in the
    `--time-format` when given) and `--max-line-bytes`."""
    return RecordBounds(record_start(pattern, time_format), MAX_RECORD_LINES, max_bytes)
