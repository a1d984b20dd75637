"""grep's shared piece: find the matching lines in a block, ripgrep's way.

Search the whole block for the pattern, then cut out the line around each hit.
A regex must never match across a newline: a hit whose span crosses one is checked
again on its own line alone, and dropped if it does not match there.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from .records import SKIP_FILE, Block, Match

REGEX_METACHARACTERS = frozenset(b".^$*+?{}[]\\|()")


class PatternError(ValueError):
    """The pattern is not a valid regular expression."""


class Matcher:
    """Finds the lines of a block that match `pattern` (bytes).

    The pattern is a Python regular expression on bytes unless `fixed`; a pattern
    without regex metacharacters is searched as a literal with `bytes.find` either way.
    """

    def __init__(self, pattern: bytes | str, *, fixed: bool = False) -> None:
        if isinstance(pattern, str):
            pattern = pattern.encode("utf-8", "surrogateescape")
        self.pattern = pattern
        self.literal: bytes | None = None
        self.regex: re.Pattern[bytes] | None = None
        if fixed or not REGEX_METACHARACTERS.intersection(pattern):
            self.literal = pattern
        else:
            try:
                self.regex = re.compile(pattern, re.MULTILINE)
            except re.error as err:
                raise PatternError(f"invalid regular expression {pattern!r}: {err}") from None

    def lines(self, data: bytes) -> Iterator[tuple[int, int]]:
        """Yield `(start, end)` of each matching line in `data`; `end` is at its `\\n`
        (or the end of the data), so `data[start:end]` is the line without terminator."""
        size = len(data)
        if not size:
            return
        # The last position where a line can begin a match: the final "\n" belongs to
        # the last line, and nothing after it is a line.
        last = size - 1 if data[-1] == 10 else size
        find = data.find
        pos = 0
        if self.literal is not None:
            needle = self.literal
            while pos <= last:
                hit = find(needle, pos)
                if hit < 0 or hit > last:
                    return
                start = data.rfind(b"\n", 0, hit) + 1
                end = find(b"\n", hit)
                if end < 0:
                    end = size
                yield start, end
                pos = end + 1
            return
        search = self.regex.search
        while pos <= last:
            hit = search(data, pos)
            if hit is None:
                return
            begin = hit.start()
            if begin > last:
                return
            start = data.rfind(b"\n", 0, begin) + 1
            end = find(b"\n", begin)
            if end < 0:
                end = size
            if hit.end() <= end or search(data, start, end):
                yield start, end
            pos = end + 1


class BlockSearch:
    """Turns blocks into `Match` records, keeping the per-file state (`-m`).

    Call it with each block; it returns the block's matches and a verdict for
    upstream: `SKIP_FILE` once the file has given all the matches it may, else None.
    """

    def __init__(self, pattern: bytes | str | Matcher, *, max_count: int | None = None) -> None:
        self.matcher = pattern if isinstance(pattern, Matcher) else Matcher(pattern)
        self.max_count = max_count
        self.count = 0  # matches in the current file

    def __call__(self, block: Block) -> tuple[list[Match], str | None]:
        if block.last:
            self.count = 0
            return [], None
        max_count = self.max_count
        if max_count is not None and self.count >= max_count:
            return [], SKIP_FILE  # upstream could not stop (a plain iterable): drop the rest
        data, name = block.data, block.name
        line_number, counted = block.line_number, 0
        matches = []
        for start, end in self.matcher.lines(data):
            line_number += data.count(b"\n", counted, start)
            counted = start
            matches.append(Match(name, line_number, block.offset + start, data[start:end]))
            if max_count is not None and len(matches) + self.count >= max_count:
                self.count += len(matches)
                return matches, SKIP_FILE
        self.count += len(matches)
        return matches, None
