"""The SIMD line selector: hyperscan (Intel's regex engine), when installed and when the
patterns can be expressed in it (see `dialect`); else `matching` uses Python's `re`.

All patterns go into one expression followed by `[^\\n]*$` (multi-line mode): every match
then ends at the end of its line, and hyperscan reports a (pattern, end) pair once, so
each selected line costs one call back into Python, however many matches it holds. The
patterns are newline-free (`dialect.translate`), so a reported line really matches on
its own. Imported only when a pattern needs a regex engine: a literal never loads it.
"""
from __future__ import annotations

import functools
from collections.abc import Iterator


@functools.lru_cache(maxsize=16)
def compile_lines(sources: tuple[bytes, ...], ignore_case: bool, word: bool, line: bool):
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
    database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    try:
        database.compile(expressions=[b"(?:" + body + b")[^\n]*$"], ids=[0], flags=[flags])
    except hyperscan.error:
        return None
    return database


def selected_lines(database, data: bytes, last: int) -> Iterator[tuple[int, int]]:
    """`(start, end)` of each line of `data` that the database selects (`end` at its
    newline); lines start at or before `last`."""
    ends: list[int] = []
    database.scan(data, match_event_handler=lambda _id, _start, end, _flags, _context: ends.append(end))
    rfind = data.rfind
    for end in ends:
        if end > last:  # the empty "line" after the final newline
            return
        yield rfind(b"\n", 0, end) + 1, end


def count_selected(database, data: bytes, last: int) -> int:
    """How many lines of `data` the database selects."""
    ends: list[int] = []
    database.scan(data, match_event_handler=lambda _id, _start, end, _flags, _context: ends.append(end))
    return len(ends) - (1 if ends and ends[-1] > last else 0)
