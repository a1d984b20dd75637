"""grep's shared piece: find the selected lines in a block, ripgrep's way.

Search the whole block for the pattern, then cut out the line around each hit.
Literals go to `bytes.find`; a regex to hyperscan when it can express it (`engine`,
patterns made newline-free by `dialect`), else to `re`. A regex must never match across
a newline: with `re`, a hit whose span crosses one is checked again on its own line
alone, and a pattern with lookarounds is run on each line alone. Dense blocks (-v, a
literal on most lines) give runs of lines (`Lines`) found with a few C-level calls.
`logpipe.pipeline.blocksearch` adds what grep does per file: -v, -m, context, binary
files, counts.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from itertools import accumulate, repeat
from operator import add

from .engine import compile_lines, count_selected, selected_bounds, selected_lines
from .patterns import compile_patterns, has_upper_case, literal_alternatives, split_patterns
from .spans import Spans

SYNTAXES = ("default", "basic", "extended", "perl")  # no flag, -G, -E, -P

# Bytes common in logs, most common first (space, digits, lower-case letters, the usual
# punctuation); every other byte is "rare". A literal is found by jumping with
# `bytes.find` (memchr) to its rarest byte, then checking the literal there, as
# ripgrep's memchr prefilter does; it beats searching for the whole literal whenever
# that byte is rare in the text, and falls back to plain `find` when it is not.
COMMON_BYTES = b" e0t1a2o:i3n.s4r5-l6c7d8u9hm/pg_=f,wybv\n[]k\"()'xT"
RANK = [0] * 256
for _rank, _byte in enumerate(reversed(COMMON_BYTES), 1):
    RANK[_byte] = _rank
REGEX_REACH = 4096  # a regex match in an over-long line is looked for across piece boundaries this far
DENSE = 4  # a literal found once per this many lines or more: the block is searched line by line in C
DENSE_SAMPLE = 16384  # the bytes at a block's start whose lines tell whether the block is dense
# Fewer hits than one per DENSE lines of this length in the sample: sparse, whatever its lines
# (not counted). A block of longer lines misjudged so is searched hit by hit, which is what
# few hits per byte call for anyway.
DENSE_LINE = 256
DENSE_MIN = 4096  # a block smaller than this (a small file) is searched hit by hit: too few lines to gain
_UNSET = object()
MISSES_BEFORE_FALLBACK = 16  # false candidates per block before plain `find` takes over


class Matcher(Spans):
    """Finds the lines of a block that match any of `patterns` (bytes).

    Each pattern is a Python regular expression on bytes unless `fixed`; a pattern that
    holds a newline is several patterns, as in grep. A single pattern without regex
    metacharacters and without -i/-w/-x is searched as a literal with `bytes.find`.
    Case folding (-i) is ASCII-only, as grep's in the C locale.
    """

    def __init__(self, patterns: bytes | str | Iterable[bytes | str], *, fixed: bool = False,
                 ignore_case: bool = False, smart_case: bool = False, word: bool = False,
                 line: bool = False, syntax: str = "default") -> None:
        if syntax not in SYNTAXES:
            raise ValueError(f"syntax must be one of {SYNTAXES}, not {syntax!r}")
        split = split_patterns(patterns)
        self.patterns = tuple(split)
        self.syntax = syntax
        if smart_case and not ignore_case:
            ignore_case = not any(has_upper_case(p) for p in split)
        self.literals: tuple[bytes, ...] | None = None  # searched with bytes.find, no regex
        self.rare_at: int | None = None  # for the one literal: the offset of its rarest byte
        self.fold = False  # -i on literals: search lower-cased blocks (ASCII, exactly as re.IGNORECASE on bytes)
        self.regex: re.Pattern[bytes] | None = None
        self._literal_regex: re.Pattern[bytes] | None = None  # the literals as one regex, for -o
        # -o, --color, JSON: POSIX's leftmost-longest match for -G, -E and -F (as GNU grep),
        # leftmost-first (Perl's, ripgrep's) for -P and the default dialect
        self.longest = fixed or syntax in ("basic", "extended")
        self._spans_longest = None  # longest.Longest, built at the first -o/--color line
        self._trees: list | None = None
        self.never = not split  # `-f /dev/null`: no pattern, no match
        self.confine = False  # run the regex on each line alone (lookarounds)
        self.engine = None  # hyperscan's line selector, when it compiled the patterns
        # how far back a match may begin before the end of a piece of an over-long line
        self.reach = REGEX_REACH
        if self.never:
            return
        literals = literal_alternatives(split, fixed, syntax)
        if literals is not None and not (word or line):
            self.fold = ignore_case
            self.literals = tuple(lit.lower() for lit in literals) if ignore_case else literals
            self.reach = max(map(len, self.literals)) - 1
            literal = self.literal
            if literal is not None and len(literal) > 1:  # where its rarest byte stands
                self.rare_at = min(range(len(literal)), key=lambda i: RANK[literal[i]])
            if (ignore_case or len(literals) > 1) and all(literals):  # hyperscan beats lower() and several finds
                self.engine = compile_lines(tuple(re.escape(lit) for lit in literals), ignore_case, False, False)
            return
        compiled = compile_patterns(split, fixed, syntax, ignore_case, word, line)
        self.regex, self.engine, self.confine = compiled.regex, compiled.engine, compiled.confine
        self.word, self.line, self.flags = compiled.word, compiled.line, compiled.flags
        self._trees, self._backrefs = compiled.trees, compiled.backrefs

    @property
    def literal(self) -> bytes | None:
        """The one literal searched for, if the pattern is just that."""
        return self.literals[0] if self.literals is not None and len(self.literals) == 1 else None

    # hyperscan's line selector for one literal, compiled at the first block that needs it
    # (a search that reads nothing never imports hyperscan); None: `bytes.find` it is
    _literal_engine = _UNSET

    def _selector(self):
        """The hyperscan database that selects this matcher's lines, or None. One literal
        goes to hyperscan too: its literal matcher runs at 2-4 times the speed of
        `bytes.find` (9 GB/s against 3.8 on a rare 18-byte literal), and each selected line
        costs one call back instead of a find, a line_around and a generator step."""
        engine = self.engine
        if engine is None and self.literals is not None:
            engine = self._literal_engine
            if engine is _UNSET:
                literal = self.literal
                engine = None
                if literal and not self.fold:
                    engine = compile_lines((re.escape(literal),), False, False, False)
                self._literal_engine = engine
        return engine

    def lines(self, data: bytes) -> Iterator[tuple[int, int]]:
        """`(start, end)` of each matching line in `data`, in order (an iterator); `end` is
        at its `\\n` (or the end of the data), so `data[start:end]` is the line without
        terminator."""
        size = len(data)
        if not size or self.never:
            return iter(())
        # The last position where a line can begin a match: the final "\n" belongs to
        # the last line, and nothing after it is a line.
        last = size - 1 if data[-1] == 10 else size
        engine = self._selector()
        if engine is not None:
            return selected_lines(engine, data, last)
        if self.literals is not None:
            if b"" in self.literals:  # `-e ''`: every line, cut in C
                return _every_line(data, last)
            return literal_lines(self, data, last)
        if self.confine:
            return self._confined_lines(data, last)
        return self._regex_lines(data, last)

    def bounds(self, data: bytes) -> tuple[list[int], list[int]]:
        """The matching lines of `data` as `lines` finds them, as two lists: their starts
        and their ends (from hyperscan's reports in a few C-level passes)."""
        engine = self._selector() if data and not self.never else None
        if engine is not None:
            return selected_bounds(engine, data, len(data) - 1 if data[-1] == 10 else len(data))
        lines = list(self.lines(data))
        return [start for start, _ in lines], [end for _, end in lines]

    def _regex_lines(self, data: bytes, last: int) -> Iterator[tuple[int, int]]:
        pos = 0
        search = self.regex.search
        while pos <= last:
            hit = search(data, pos)
            if hit is None:
                return
            begin = hit.start()
            if begin > last:
                return
            start, end = line_around(data, begin)
            if hit.end() <= end or search(data, start, end):
                yield start, end
            pos = end + 1

    def dense_lines(self, data: bytes) -> tuple[list[bytes], list[int]] | None:
        """For one literal found on most lines of `data`: its lines (split, without the
        empty one after a final newline) and where the literal is in each (-1: not
        there), computed in C over the whole block; None when the block is sparse (the
        per-hit scan is then faster) or the pattern is not one literal.

        Density is judged on the block's first DENSE_SAMPLE bytes: counting the literal and
        the newlines of the whole block costs about as much as searching a sparse block hit
        by hit, and a sparse block is the common case (issue 20: that double count made a
        rare literal on the gz tree 1.27 times slower at -j1). Either way the same lines
        are selected; a block misjudged is only searched the slower way."""
        literal = self.literal
        if literal is None or self.never:
            return None
        if not literal:  # `-e ''`: on every line
            split = data.split(b"\n")
            if data.endswith(b"\n"):
                split.pop()
            return split, [0] * len(split)
        if len(data) < DENSE_MIN:
            return None
        if self.fold:
            sample = data[:DENSE_SAMPLE].lower()
            if not _dense(sample, literal, len(sample)):
                return None
            hay = data.lower()
        else:
            if not _dense(data, literal, min(len(data), DENSE_SAMPLE)):
                return None
            hay = data
        split = hay.split(b"\n")
        if hay.endswith(b"\n"):
            split.pop()
        return split, list(map(bytes.find, split, repeat(literal)))

    def count_lines(self, data: bytes) -> int | None:
        """How many lines of `data` match, when it can be told without a step per line
        in Python (one literal on most lines, or hyperscan); else None."""
        if not data:
            return 0
        dense = self.dense_lines(data)
        if dense is not None:
            return len(dense[1]) - dense[1].count(-1)
        engine = self._selector()
        if engine is not None:
            return count_selected(engine, data, len(data) - 1 if data[-1] == 10 else len(data))
        return None

    def _confined_lines(self, data: bytes, last: int) -> Iterator[tuple[int, int]]:
        """Each line searched alone: a lookaround sees the line's edges, not its neighbours."""
        search, start = self.regex.search, 0
        for line in data[:last].split(b"\n") if last < len(data) else data.split(b"\n"):
            end = start + len(line)
            if search(line):
                yield start, end
            start = end + 1

def literal_lines(matcher: Matcher, data: bytes, last: int) -> Iterator[tuple[int, int]]:
    """The lines of `data` holding one of the matcher's literals, found with `bytes.find`."""
    hay = data.lower() if matcher.fold else data  # same length, same line breaks
    find = hay.find
    if len(matcher.literals) == 1:  # the common case, kept tight
        needle, pos = matcher.literals[0], 0
        rare_at = matcher.rare_at
        rare = needle[rare_at:rare_at + 1] if rare_at is not None else b""
        misses, startswith = 0, hay.startswith
        while pos <= last:
            if rare_at is None:
                hit = find(needle, pos)
            else:  # jump to the rare byte, check the literal around it
                at = find(rare, pos + rare_at)
                if at < 0:
                    return
                hit = at - rare_at
                if not startswith(needle, hit):
                    misses += 1
                    if misses > MISSES_BEFORE_FALLBACK and misses * 4096 > at:  # not rare here
                        rare_at = matcher.rare_at = None  # nor, most likely, in the next blocks
                    pos = hit + 1
                    continue
            if hit < 0 or hit > last:
                return
            start, end = line_around(hay, hit)
            yield start, end
            pos = end + 1
        return
    # several literals: each is scanned once, from where it was last found
    literals = matcher.literals
    nexts = [find(lit) for lit in literals]
    while True:
        hit = min((p for p in nexts if p >= 0), default=-1)
        if hit < 0 or hit > last:
            return
        start, end = line_around(hay, hit)
        yield start, end
        pos = end + 1
        for i, p in enumerate(nexts):
            if 0 <= p < pos:
                nexts[i] = find(literals[i], pos)


def _every_line(data: bytes, last: int) -> Iterator[tuple[int, int]]:
    """`(start, end)` of every line of `data` whose start is at or before `last`."""
    lengths = list(map(len, (data[:last] if last < len(data) else data).split(b"\n")))
    starts = [0]
    starts += accumulate(map((1).__add__, lengths[:-1]))
    return zip(starts, map(add, starts, lengths))


def _dense(data: bytes, literal: bytes, sample: int) -> bool:
    """Whether `literal` is on one line in DENSE or more of `data[:sample]`. The hits are
    looked for with `find` (several times the speed of `count` on a long literal), at most
    as many as make the sample dense for lines of DENSE_LINE bytes; the newlines are
    counted only when that many are there."""
    enough = sample // (DENSE * DENSE_LINE) + 1
    find, pos, hits = data.find, 0, 0
    while hits < enough:
        pos = find(literal, pos, sample)
        if pos < 0:
            return False
        hits += 1
        pos += len(literal)
    hits += data.count(literal, pos, sample)
    return hits * DENSE >= data.count(b"\n", 0, sample)


def line_around(data: bytes, position: int) -> tuple[int, int]:
    """The line holding `position`: its start, and its end at its "\\n" (or the data's end)."""
    end = data.find(b"\n", position)
    return data.rfind(b"\n", 0, position) + 1, end if end >= 0 else len(data)

