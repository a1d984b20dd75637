"""grep's per-file bookkeeping, ripgrep's searcher: what each block selects, file by file.

`FileSearch` turns blocks into records, keeping what grep keeps per file: -m, -A/-B/-C
context across block boundaries, binary files, counts, over-long lines. What is
selected is a unit: a line (`BlockSearch`: the matcher's hits, or the lines between them
with -v), or a multi-line record (`RecordSearch`, --records); only what a unit is
differs (`_units`, `_unit`, `_following`, `_preceding`, and each one's tight `_lines`). `Quota` is -m: the one count of what a file selected, used by
whichever stage selects last (grep, or the stamp stage with time bounds).

With --where/--level (`where`), a unit is selected when the matcher finds it and the
expression holds on its fields (a record's first line's; `where.Selection`); -v inverts
that; -m, -c, -l and context count what it selects. `driven`: there is no PATTERN, the
matcher looks for what the expression needs (`Where.block_patterns`).
"""
from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from ..records import SKIP_FILE, BinaryMatch, Block, FileEnd, LongLineMatch, Match, RecordMatch
from .matching import Matcher
from .runs import runs_of_lines

if TYPE_CHECKING:
    from .multiline import RecordBounds
    from .where import Where


class Quota:
    """-m for one file: how many units (lines, records) it selected, how many more it may,
    and where the search stopped once it was full (JSON's `bytes_searched`, as ripgrep
    counts it: up to the end of the last selected line)."""

    __slots__ = ("limit", "count", "stop")

    def __init__(self, limit: int | None = None) -> None:
        self.limit = limit
        self.reset()

    def reset(self) -> None:
        self.count = 0
        self.stop: int | None = None

    @property
    def full(self) -> bool:
        return self.limit is not None and self.count >= self.limit

    def room(self) -> int | None:
        """How many more may be selected (None: no limit)."""
        return None if self.limit is None else self.limit - self.count

    def take(self, count: int, end: int) -> bool:
        """`count` more selected, the last ending at byte `end` of the file: True once full."""
        self.count += count
        if self.limit is not None and self.count >= self.limit:
            if count and self.stop is None:
                self.stop = end
            return True
        return False



def inverted(data: bytes, selected: Iterable[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """The lines of `data` that are not among `selected` (for -v)."""
    pos, size, find = 0, len(data), data.find
    for start, end in selected:
        while pos < start:
            line_end = find(b"\n", pos, start)
            yield pos, line_end
            pos = line_end + 1
        pos = end + 1
    while pos < size:
        line_end = find(b"\n", pos)
        if line_end < 0:
            line_end = size
        yield pos, line_end
        pos = line_end + 1


def first_lines(data: bytes, pos: int, stop: int, count: int) -> list[tuple[int, int]]:
    """Up to `count` lines starting at `pos`, all before `stop`."""
    found = []
    while len(found) < count and pos < stop:
        end = data.find(b"\n", pos, stop)
        if end < 0:
            end = stop
        found.append((pos, end))
        pos = end + 1
    return found


def last_lines(data: bytes, pos: int, stop: int, count: int) -> list[tuple[int, int]]:
    """Up to `count` lines that end before `stop` and start at or after `pos`, in order."""
    found = []
    end = stop - 1 if data[stop - 1:stop] == b"\n" else stop
    while len(found) < count and end >= pos and stop > pos:
        start = data.rfind(b"\n", pos, end) + 1 or pos
        found.append((start, end))
        end = start - 1
    found.reverse()
    return found


def _no_lines(newline: bytes, start: int, end: int) -> int:
    return 0


class FileSearch:
    """Turns blocks into records, keeping grep's per-file state; what a unit is (a line,
    a record) is the subclass's (`BlockSearch`, `RecordSearch`): `_units`, `_unit`,
    `_following`, `_preceding`, and the tight loop without context, `_lines`.

    Call it with each block; it returns the block's records and a verdict for upstream:
    `SKIP_FILE` once nothing more of the file can be printed, else None. Records are
    `Match` (selected lines, and context lines with `context=True`), `BinaryMatch`, and
    one `FileEnd` per file with its count of selected lines.

    - `invert` (-v) selects the lines that do not match.
    - `max_count` (-m) stops after that many selected lines (trailing context still
      follows, as in grep): counted by the file's `Quota`.
    - `before`, `after` (-B, -A) add context lines, also across block boundaries.
    - `binary`: "binary" prints one `BinaryMatch` for a binary file instead of its
      lines, "text" (-a) searches it as text, "without-match" skips it.
    - `lines=False` only counts (for -c, -l, -L).
    - `line_numbers=False` leaves `Match.line_number` at 0 (no counting of newlines),
      for searches that print no line numbers.
    """

    def __init__(self, pattern: bytes | str | Matcher, *, invert: bool = False, max_count: int | None = None,
                 before: int = 0, after: int = 0, binary: str = "text", lines: bool = True,
                 line_numbers: bool = True, max_line_bytes: int | None = None, runs: bool = False,
                 hits: bool = False, where: Where | None = None, driven: bool = False) -> None:
        self.matcher = pattern if isinstance(pattern, Matcher) else Matcher(pattern)
        self.where = where.selection(self.matcher, driven) if where is not None else None  # --where, --level
        self.driven = driven  # the matcher looks for what `where` needs (no PATTERN)
        self.holds = self.where.holds if where is not None else None  # (a record's first line)
        self.invert = invert
        self.max_count = max_count
        self.quota = Quota(max_count)
        self.before = before
        self.after = after
        self.binary = binary
        self.emit_lines = lines
        self.line_numbers = line_numbers or before or after  # context needs them
        self.max_line_bytes = max_line_bytes  # a longer selected line is reported, not printed
        # a block's selected lines may come as a few records formatted in bulk (`runs`); not with
        # --where, whose selection is line by line
        self.runs = runs and where is None
        self.hits = hits  # with runs: a block's selected lines as one Hits, dense or not (a histogram's)
        self._new_file()

    def _new_file(self) -> None:
        self.long_line = None     # start of the over-long line being searched in pieces
        self.long_tail = b""      # the end of its previous piece, where a match may begin
        self.quota.reset()        # units selected in the current file (-m)
        self.searched = 0         # bytes of it searched
        self.after_left = 0       # after-context lines still owed
        self.tail: deque = deque(maxlen=self.before or 1)  # unprinted lines before this block
        self.done = False

    def __call__(self, block: Block) -> tuple[list, str | None]:
        if block.last:
            end = FileEnd(block.name, self.quota.count, self.searched, self.quota.stop)
            self._new_file()
            return [end], None
        if self.done:
            return [], SKIP_FILE  # upstream could not stop (a plain iterable): drop the rest
        if not block.data:  # --tail's "quiet now": nothing to search
            return [], None
        self.searched += len(block.data)
        if self.quota.full and not self.after_left:  # -m reached and no trailing context owed
            self.done = True
            return [], SKIP_FILE
        if block.long_line is not None:
            return self._long_line(block)
        if block.binary and self.binary == "without-match":
            self.done = True
            return [], SKIP_FILE
        if block.binary and self.binary == "binary" and self.emit_lines:
            return self._binary(block)
        if not self.emit_lines:
            return self._count(block)
        if self.before or self.after:
            return self._with_context(block)
        return self._lines(block)

    def _long_line(self, block: Block) -> tuple[list, str | None]:
        """A piece of a line over the length bound: look for a match across the pieces,
        report the line once. With -v such a line is never selected."""
        if self.long_line != block.long_line:
            self.long_line, self.long_tail = block.long_line, b""
        elif self.long_tail is None:  # this line was reported already
            return [], None
        if self.invert or self.quota.full:  # full here only while trailing context is owed
            return [], None
        window = self.long_tail + block.data
        if next(iter(self.matcher.lines(window)), None) is None:
            self.long_tail = window[len(window) - self.matcher.reach:] if self.matcher.reach else b""
            return [], None
        self.long_tail = None
        if self.where is not None:  # its fields cannot be read in bounded memory: reported, not selected
            return [LongLineMatch(block.name, block.line_number, block.long_line, unread=True)], None
        self.quota.take(1, block.offset + len(block.data))
        return [LongLineMatch(block.name, block.line_number, block.long_line)], SKIP_FILE if self.quota.full else None

    def _count(self, block: Block) -> tuple[list, str | None]:
        return self._count_selected(block)

    def _count_selected(self, block: Block) -> tuple[list, str | None]:
        for _, stop, _ in self._units(block.data):
            if self.quota.take(1, block.offset + stop):
                self.done = True
                return [], SKIP_FILE
        return [], None

    def _binary(self, block: Block) -> tuple[list, str | None]:
        for _, stop, _ in self._units(block.data):
            self.quota.take(1, block.offset + stop)
            self.done = True
            return [BinaryMatch(block.name)], SKIP_FILE
        return [], None

    def _with_context(self, block: Block) -> tuple[list, str | None]:
        """Selected units with -A/-B/-C units of context around them, also across block
        boundaries (the units before a block's first hit may come from the block before)."""
        data, quota, out = block.data, self.quota, []
        count = data.count
        pos, pos_number = 0, block.line_number  # the first unit not yet printed or passed

        def follow(stop: int) -> None:
            """The after-context still owed, from `pos` up to `stop`."""
            nonlocal pos, pos_number
            for start, end in self._following(data, pos, stop, self.after_left):
                out.append(self._unit(block, start, end, pos_number, context=True))
                pos_number += count(b"\n", start, end)
                pos = end
                self.after_left -= 1

        counted, line_number = 0, block.line_number
        selected = () if quota.full else self._units(data)
        for start, stop, marks in selected:
            line_number += count(b"\n", counted, start)
            counted = start
            if self.after_left:
                follow(start)
            if self.before:
                units = self._preceding(data, pos, start, self.before)
                missing = self.before - len(units)
                if pos == 0 and missing and self.tail:  # the rest comes from the block before
                    out.extend(list(self.tail)[-missing:])
                self.tail.clear()
                for begin, end in units:
                    out.append(self._unit(block, begin, end, line_number - count(b"\n", begin, start), context=True))
            out.append(self._unit(block, start, stop, line_number, marks))
            pos, pos_number = stop, line_number + count(b"\n", start, stop)
            self.after_left = self.after
            if quota.take(1, block.offset + stop):
                break
        if self.after_left:
            follow(len(data))
        if self.before and pos < len(data):
            if pos != 0:
                self.tail.clear()
            for begin, end in self._preceding(data, pos, len(data), self.before):
                self.tail.append(self._unit(block, begin, end, pos_number + count(b"\n", pos, begin), context=True))
        if quota.full and not self.after_left:
            self.done = True
            return out, SKIP_FILE
        return out, None


class BlockSearch(FileSearch):
    """`FileSearch` over lines: the unit is a line, the matcher's hits (or, with -v, the
    lines between them) are what is selected."""

    def _selected(self, data: bytes) -> Iterable[tuple[int, int]]:
        lines = self.matcher.lines(data) if self.where is None else self.where.lines(data)
        return inverted(data, lines) if self.invert else lines

    def _units(self, data: bytes) -> Iterator[tuple[int, int, tuple | None]]:
        """`(start, stop, marks)` of each selected unit (a line here), `stop` being where
        the next one starts."""
        size = len(data)
        for start, end in self._selected(data):
            yield start, end + 1 if end < size else end, None

    def _unit(self, block: Block, start: int, stop: int, number: int, marks=None, context: bool = False):
        """The record for the unit `data[start:stop]` (its terminator not included)."""
        data = block.data
        end = stop - 1 if data[stop - 1:stop] == b"\n" else stop
        if self.max_line_bytes is not None and end - start > self.max_line_bytes and not context:
            return LongLineMatch(block.name, number, block.offset + start)
        return Match(block.name, number, block.offset + start, data[start:end], context)

    def _following(self, data: bytes, pos: int, stop: int, count: int) -> list[tuple[int, int]]:
        """Up to `count` units from `pos`, before `stop`: `(start, stop)` each."""
        return [(start, end + 1 if end < len(data) else end) for start, end in first_lines(data, pos, stop, count)]

    def _preceding(self, data: bytes, pos: int, stop: int, count: int) -> list[tuple[int, int]]:
        """Up to `count` units that end at `stop` or before and start at `pos` or after, in order."""
        return [(start, end + 1 if end < len(data) else end) for start, end in last_lines(data, pos, stop, count)]

    def _lines(self, block: Block) -> tuple[list, str | None]:
        """The common case, kept tight: selected lines, no context."""
        if self.runs and self.max_count is None and (self.max_line_bytes is None
                                                     or len(block.data) <= self.max_line_bytes):
            records = self._runs(block)
            if records is not None:
                return records, None
        data, name, offset = block.data, block.name, block.offset
        line_number, counted = block.line_number, 0
        room, max_line = self.quota.room(), self.max_line_bytes
        count = data.count if self.line_numbers else _no_lines
        matches = []
        end = 0
        for start, end in self._selected(data):
            line_number += count(b"\n", counted, start)
            counted = start
            if max_line is not None and end - start > max_line:
                matches.append(LongLineMatch(name, line_number, offset + start))
            else:
                matches.append(Match(name, line_number, offset + start, data[start:end]))
            if room is not None and len(matches) >= room:
                break
        if self.quota.take(len(matches), offset + end + 1):
            self.done = True
            return matches, SKIP_FILE
        return matches, None

    def _runs(self, block: Block) -> list | None:
        """The bulk path (see `runs_of_lines`): None when the block is better searched hit by hit."""
        found = runs_of_lines(self.matcher, block, self.invert, self.line_numbers, self.hits)
        if found is None:
            return None
        records, selected = found
        self.quota.count += selected
        return records

    def _count(self, block: Block) -> tuple[list, str | None]:
        if self.max_count is None and self.where is None:
            data = block.data
            selected = self.matcher.count_lines(data)
            if selected is not None:
                self.quota.count += data.count(b"\n") + (data[-1:] not in b"\n") - selected if self.invert \
                    else selected
                return [], None
        return self._count_selected(block)


class RecordSearch(FileSearch):
    """`BlockSearch` over records instead of lines: blocks come from `RecordBlocks`
    (each begins and ends at a record boundary). A record is selected when one of its
    lines matches (-v: when none does); -m, -c, -l, -L, -q count records; -A/-B/-C count
    records of context. Each selected record goes on as one `RecordMatch`.

    `keep` is the hook for the time options (issue 12): given a record's first line
    (its time is that line's), False drops the record from the selection.
    """

    def __init__(self, pattern: bytes | str | Matcher, bounds: RecordBounds, *,
                 keep: Callable[[bytes], bool] | None = None, **settings) -> None:
        super().__init__(pattern, **settings)
        self.bounds = bounds
        self.keep = keep

    def _records(self, data: bytes) -> Iterator[tuple[int, int, tuple[int, ...] | None]]:
        """`(start, end, marks)` of each selected record: `end` is the next record's start,
        `marks` the offsets (in the record) of its matching lines; None with -v. With
        --where, a record is selected when one of its lines matches and the expression
        holds on its first line (without a PATTERN, that line is its mark)."""
        bounds, keep, holds = self.bounds, self.keep, self.holds
        hits = self.matcher.lines(data)
        if self.invert:
            hit = next(hits, None)
            pos, size = 0, len(data)
            while pos < size:
                end = bounds.end(data, pos)[0]
                matched = hit is not None and hit[0] < end  # (then selected if the expression fails)
                while hit is not None and hit[0] < end:
                    hit = next(hits, None)
                if (not matched or (holds is not None and not holds(_first_line(data, pos)))) and (
                        keep is None or keep(_first_line(data, pos))):
                    yield pos, end, None
                pos = end
            return
        known, record = 0, None
        for start, _ in hits:
            if record is not None:
                if start < record[1]:
                    record[2].append(start - record[0])
                    continue
                if self._accepted(data, record[0]):
                    yield record[0], record[1], (0,) if self.driven else tuple(record[2])
            begin, end = bounds.around(data, start, known)
            record, known = (begin, end, [start - begin]), end
        if record is not None and self._accepted(data, record[0]):
            yield record[0], record[1], (0,) if self.driven else tuple(record[2])

    def _accepted(self, data: bytes, start: int) -> bool:
        """Whether the record starting at `start`, which has a matching line, is selected."""
        first = _first_line(data, start) if self.keep is not None or self.holds is not None else b""
        return (self.keep is None or self.keep(first)) and (self.holds is None or self.holds(first))

    def _units(self, data: bytes) -> Iterator[tuple[int, int, tuple[int, ...] | None]]:
        return self._records(data)

    def _unit(self, block: Block, start: int, stop: int, number: int, marks=None, context: bool = False):
        data = block.data
        end = stop - 1 if data[stop - 1:stop] == b"\n" else stop
        if self.max_line_bytes is not None and end - start > self.max_line_bytes:
            return LongLineMatch(block.name, number, block.offset + start)
        return RecordMatch(block.name, number, block.offset + start, data[start:end], marks, context)

    def _following(self, data: bytes, pos: int, stop: int, count: int) -> list[tuple[int, int]]:
        found = []
        while len(found) < count and pos < stop:
            end = self.bounds.end(data, pos)[0]
            found.append((pos, end))
            pos = end
        return found

    def _preceding(self, data: bytes, pos: int, stop: int, count: int) -> list[tuple[int, int]]:
        found = []
        while len(found) < count and stop > pos:
            begin = self.bounds.around(data, data.rfind(b"\n", 0, stop - 1) + 1, pos)[0]
            found.append((begin, stop))
            stop = begin
        found.reverse()
        return found

    def _lines(self, block: Block) -> tuple[list, str | None]:
        """Selected records, no context (the generic loop of `_with_context` does the rest)."""
        data = block.data
        line_number, counted = block.line_number, 0
        count = data.count if self.line_numbers else _no_lines
        room, matches, stop = self.quota.room(), [], 0
        for start, stop, marks in self._records(data):
            line_number += count(b"\n", counted, start)
            counted = start
            matches.append(self._unit(block, start, stop, line_number, marks))
            if room is not None and len(matches) >= room:
                break
        if self.quota.take(len(matches), block.offset + stop):
            self.done = True
            return matches, SKIP_FILE
        return matches, None


def _first_line(data: bytes, pos: int) -> bytes:
    end = data.find(b"\n", pos)
    return data[pos:end if end >= 0 else len(data)]



