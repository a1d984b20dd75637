"""The SIMD line selector: hyperscan (Intel's regex engine), when installed and when the
patterns can be expressed in it (see `dialect`); else `matching` uses Python's `re`.

All patterns go into one expression followed by `[^\\n]*$` (multi-line mode): every match
then ends at the end of its line, and hyperscan reports a (pattern, end) pair once, so
each selected line costs one call back into Python, however many matches it holds.
Hyperscan refuses that tail after a `$` inside the pattern (as -w puts there): such a
database reports each match's end, and the lines are told apart in Python. The
patterns are newline-free (`dialect.translate`), so a reported line really matches on
its own. Imported only when a pattern needs a regex engine: a literal never loads it.
"""
from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from itertools import repeat
from typing import NamedTuple


class Selector(NamedTuple):
    database: object  # a compiled hyperscan.Database
    whole_lines: bool  # each report ends at the end of a selected line, once per line
    threads: threading.local  # each thread's own scratch space: one scratch serves one scan at a time

    def scratch(self):
        scratch = getattr(self.threads, "scratch", None)
        if scratch is None:  # a thread's first scan (a Dask worker runs tasks in several threads)
            import hyperscan

            scratch = self.threads.scratch = hyperscan.Scratch(self.database)
        return scratch


@functools.lru_cache(maxsize=16)
def compile_lines(sources: tuple[bytes, ...], ignore_case: bool, word: bool, line: bool) -> Selector | None:
    """A hyperscan database selecting the lines matched by any of `sources`, or None
    (hyperscan missing, or a pattern it rejects)."""
    try:
        import hyperscan
    except ImportError:
        return None
    body = b"|".join(b"(?:" + source + b")" for source in sources)
    if word:  # (?<!\w)...(?!\w) of re, without lookarounds: a non-word byte or the line's edge
        body = rb"(?:^|[^\n0-9A-Z_a-z])(?:" + body + rb")(?:[^\n0-9A-Z_a-z]|$)"
    if line:
        body = b"^(?:" + body + b")$"
    flags = hyperscan.HS_FLAG_MULTILINE | hyperscan.HS_FLAG_ALLOWEMPTY
    if ignore_case:
        flags |= hyperscan.HS_FLAG_CASELESS
    for expression, whole_lines in ((b"(?:" + body + b")[^\n]*$", True), (body, False)):
        database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        try:
            database.compile(expressions=[expression], ids=[0], flags=[flags])
        except hyperscan.error:
            continue
        selector = Selector(database, whole_lines, threading.local())
        if line and _ends(selector, b"\n"):  # -x with a pattern matching an empty line: hyperscan 5.4
            return None  # misses an empty last line after 16 bytes or more (a* on "1"*16 + "\n\n"): re
        return selector
    return None


def _ends(selector: Selector, data: bytes) -> list[int]:
    ends: list[int] = []
    append = ends.append
    selector.database.scan(data, match_event_handler=lambda _id, _start, end, _flags, _context: append(end),
                           scratch=selector.scratch())
    if not selector.whole_lines:
        ends.sort()
    return ends


def selected_lines(selector: Selector, data: bytes, last: int) -> Iterator[tuple[int, int]]:
    """`(start, end)` of each line of `data` that the database selects (`end` at its
    newline); lines start at or before `last`. Found over the whole block at once: one
    scan, then each line's start from its end in one list comprehension."""
    ends = _ends(selector, data)
    rfind = data.rfind
    if selector.whole_lines:
        if ends and ends[-1] > last:  # the empty "line" after the final newline (reports come in order)
            ends.pop()
        return iter([(rfind(b"\n", 0, end) + 1, end) for end in ends])
    return _lines_of_matches(data, ends, last)


def selected_bounds(selector: Selector, data: bytes, last: int) -> tuple[list[int], list[int]]:
    """`selected_lines` as two lists, the lines' starts and their ends, each computed in
    one pass over the reports (for a printer that cuts the lines out in bulk)."""
    ends = _ends(selector, data)
    if selector.whole_lines:
        if ends and ends[-1] > last:
            ends.pop()
        return list(map((1).__add__, map(data.rfind, repeat(b"\n"), repeat(0), ends))), ends
    lines = list(_lines_of_matches(data, ends, last))
    return [start for start, _ in lines], [end for _, end in lines]


def _lines_of_matches(data: bytes, ends: list[int], last: int) -> Iterator[tuple[int, int]]:
    """The lines holding the matches that end at `ends` (sorted), each once."""
    find, rfind, line_end = data.find, data.rfind, -1
    for end in ends:
        if end <= line_end:  # another match in the line just selected
            continue
        if end > last:
            return
        line_end = find(b"\n", end)
        if line_end < 0:
            line_end = len(data)
        yield rfind(b"\n", 0, end) + 1, line_end


def count_selected(selector: Selector, data: bytes, last: int) -> int:
    """How many lines of `data` the database selects."""
    if not selector.whole_lines:
        return sum(1 for _ in selected_lines(selector, data, last))
    ends = _ends(selector, data)
    return len(ends) - (1 if ends and ends[-1] > last else 0)
