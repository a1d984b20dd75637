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
import warnings
from collections.abc import Iterable, Iterator
from itertools import repeat

from .engine import compile_lines, count_selected, selected_lines

REGEX_METACHARACTERS = frozenset(b".^$*+?{}[]\\|()")
BRE_METACHARACTERS = frozenset(b".^$*[]\\")
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
MISSES_BEFORE_FALLBACK = 16  # false candidates per block before plain `find` takes over
ASCII_UPPER = frozenset(range(ord("A"), ord("Z") + 1))


class PatternError(ValueError):
    """The pattern is not a valid regular expression."""


def has_upper_case(pattern: bytes) -> bool:
    """For --smart-case: an upper-case letter that is not part of an escape such as \\S or \\W."""
    escaped = False
    for byte in pattern:
        if escaped:
            escaped = False
        elif byte == 0x5C:  # backslash
            escaped = True
        elif byte in ASCII_UPPER:
            return True
    return False


class Matcher:
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
        if isinstance(patterns, (bytes, str)):
            patterns = [patterns]
        split = []
        for pattern in patterns:
            if isinstance(pattern, str):
                pattern = pattern.encode("utf-8", "surrogateescape")
            split.extend(pattern.split(b"\n"))
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
        flags = re.MULTILINE | (re.IGNORECASE if ignore_case else 0)
        if fixed:
            from .dialect import Translated

            translated = [Translated(re.escape(p), re.escape(p), False) for p in split]
        elif syntax in ("basic", "extended"):
            translated, word, line = self._posix(split, syntax == "extended", ignore_case, flags, word, line)
        else:
            translated = self._dialect(split, flags)
        parts = [t.regex for t in translated]
        source = b"|".join(b"(?:" + part + b")" for part in parts) if len(parts) > 1 else parts[0]
        if word:
            source = rb"(?<!\w)(?:" + source + rb")(?!\w)"
        if line:
            source = b"^(?:" + source + b")$"
        self.word, self.line, self.flags = word, line, flags
        # lookarounds could see the neighbouring lines of a block: such patterns run per line
        self.confine = any(t.confine for t in translated)
        self.regex = _compile(source, flags, syntax, split)
        self.engine = None  # a hyperscan database selecting lines, when it can express the patterns
        if not self.confine and all(t.engine is not None for t in translated):
            self.engine = compile_lines(tuple(t.engine for t in translated), ignore_case, word, line)

    def _posix(self, split: list[bytes], extended: bool, ignore_case: bool, flags: int, word: bool,
               line: bool) -> tuple[list, bool, bool]:
        """-G, -E: each pattern parsed and checked on its own, as GNU grep reads it."""
        from .dialect import Translated
        from .posix import PosixError, parse, parse_whole
        from .posix_emit import to_hyperscan, to_re

        translated, trees, offset, backrefs = [], [], 0, False
        for pattern in split:
            try:
                parsed = parse(pattern, extended, ignore_case)
                whole = parse_whole(pattern, extended, ignore_case, word, line) if len(split) == 1 else None
            except PosixError as err:
                raise PatternError(f"{shown(pattern)}: {err}") from None
            if whole is not None:  # GNU's -w/-x around a stray ")"
                parsed, word, line = whole, False, False
            translated.append(Translated(to_re(parsed.tree, offset), to_hyperscan(parsed.tree), False, parsed.groups))
            trees.append(parsed.tree)
            offset += parsed.groups
            backrefs = backrefs or parsed.backrefs
        self._trees, self._backrefs = trees, backrefs
        return translated, word, line

    def _dialect(self, split: list[bytes], flags: int) -> list:
        """The default dialect and -P: each pattern translated and compiled on its own
        (its own groups, brackets, back-references), then joined with its groups renumbered."""
        from .dialect import DialectError, translate

        translated, offset = [], 0
        for number, pattern in enumerate(split):
            try:
                alone = translate(pattern, word_edges=self.syntax == "default")
            except DialectError as err:
                raise PatternError(f"{shown(pattern)}: {err}") from None
            _compile(alone.regex, flags, self.syntax, [pattern])  # its own errors, in its own words
            if len(split) > 1:
                alone = translate(pattern, offset, b"p%d_" % number, word_edges=self.syntax == "default")
            translated.append(alone)
            offset += alone.groups
        return translated

    @property
    def literal(self) -> bytes | None:
        """The one literal searched for, if the pattern is just that."""
        return self.literals[0] if self.literals is not None and len(self.literals) == 1 else None

    def lines(self, data: bytes) -> Iterator[tuple[int, int]]:
        """Yield `(start, end)` of each matching line in `data`; `end` is at its `\\n`
        (or the end of the data), so `data[start:end]` is the line without terminator."""
        size = len(data)
        if not size or self.never:
            return
        # The last position where a line can begin a match: the final "\n" belongs to
        # the last line, and nothing after it is a line.
        last = size - 1 if data[-1] == 10 else size
        pos = 0
        if self.engine is not None:
            yield from selected_lines(self.engine, data, last)
            return
        if self.literals is not None:
            yield from self._literal_lines(data, last)
            return
        if self.confine:
            yield from self._confined_lines(data, last)
            return
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
        if literal is None or not literal or self.never:
            return None
        if self.fold:
            sample = data[:DENSE_SAMPLE].lower()
            if sample.count(literal) * DENSE < sample.count(b"\n"):
                return None
            hay = data.lower()
        else:
            if data.count(literal, 0, DENSE_SAMPLE) * DENSE < data.count(b"\n", 0, DENSE_SAMPLE):
                return None
            hay = data
        split = hay.split(b"\n")
        if hay.endswith(b"\n"):
            split.pop()
        return split, list(map(bytes.find, split, repeat(literal)))

    def count_lines(self, data: bytes) -> int | None:
        """How many lines of `data` match, when it can be told without a step per line
        in Python (one literal on most lines, or hyperscan); else None."""
        if self.engine is not None:
            if not data:
                return 0
            return count_selected(self.engine, data, len(data) - 1 if data[-1] == 10 else len(data))
        dense = self.dense_lines(data)
        return len(dense[1]) - dense[1].count(-1) if dense is not None else None

    def _confined_lines(self, data: bytes, last: int) -> Iterator[tuple[int, int]]:
        """Each line searched alone: a lookaround sees the line's edges, not its neighbours."""
        search, start = self.regex.search, 0
        for line in data[:last].split(b"\n") if last < len(data) else data.split(b"\n"):
            end = start + len(line)
            if search(line):
                yield start, end
            start = end + 1

    def _literal_lines(self, data: bytes, last: int) -> Iterator[tuple[int, int]]:
        hay = data.lower() if self.fold else data  # same length, same line breaks
        find = hay.find
        if len(self.literals) == 1:  # the common case, kept tight
            needle, pos = self.literals[0], 0
            rare_at = self.rare_at
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
                            rare_at = None
                        pos = hit + 1
                        continue
                if hit < 0 or hit > last:
                    return
                start, end = line_around(hay, hit)
                yield start, end
                pos = end + 1
            return
        # several literals: each is scanned once, from where it was last found
        literals = self.literals
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

    def match_texts(self, line: bytes) -> list[bytes]:
        """The non-empty matches in one line, as `spans` finds them, as bytes: one call
        into `re` for the whole line (what -o prints when it prints no prefix)."""
        if self.never:
            return []
        regex = self.regex
        if regex is None:
            regex = self._literals_regex()
        elif self.longest:
            return [line[start:end] for start, end in self.spans(line)]
        if regex.groups:
            return [m.group() for m in regex.finditer(line) if m.end() > m.start()]
        return list(filter(None, regex.findall(line)))

    def _literals_regex(self) -> re.Pattern[bytes]:
        """The literals as one alternation; for leftmost-longest, the longest first, so
        that at each start the longest one is the first that matches."""
        if self._literal_regex is None:
            literals = sorted(self.literals, key=len, reverse=True) if self.longest else self.literals
            self._literal_regex = re.compile(b"|".join(map(re.escape, literals)), re.IGNORECASE if self.fold else 0)
        return self._literal_regex

    def spans(self, line: bytes) -> list[tuple[int, int]]:
        """The non-empty matches in one line (without its `\\n`), left to right,
        not overlapping: what -o prints, --color paints and JSON's submatches list."""
        if self.never:
            return []
        if self.literals is not None and b"" not in self.literals:
            hay = line.lower() if self.fold else line
            literals, find, longest = self.literals, hay.find, self.longest
            # leftmost, and at one place the first alternative (as re's finditer), or the
            # longest one (POSIX); each literal is looked for again only once the matches
            # have passed its last hit
            nexts = [find(lit) for lit in literals]
            found, pos = [], 0
            while True:
                hit, first = -1, -1
                for i, p in enumerate(nexts):
                    if p >= 0 and (hit < 0 or p < hit or (longest and p == hit
                                                           and len(literals[i]) > len(literals[first]))):
                        hit, first = p, i
                if hit < 0:
                    return found
                end = hit + len(literals[first])
                found.append((hit, end))
                for i, p in enumerate(nexts):
                    if 0 <= p < end:
                        nexts[i] = find(literals[i], end)
        regex = self.regex
        if regex is None:  # an empty literal among others: re's own order decides
            regex = self._literals_regex()
        elif self._trees is not None:  # -G, -E: POSIX's leftmost-longest
            longest = self._spans_longest
            if longest is None:
                from .longest import Longest, TooBig

                try:
                    longest = Longest(self._trees, regex, self._backrefs, self.word, self.line, self.flags)
                except TooBig:  # a pattern of huge counts: re's leftmost-first
                    longest = False
                self._spans_longest = longest
            if longest:
                return longest.spans(line)
        return [m.span() for m in regex.finditer(line) if m.end() > m.start()]


def line_around(data: bytes, position: int) -> tuple[int, int]:
    """The line holding `position`: its start, and its end at its "\\n" (or the data's end)."""
    end = data.find(b"\n", position)
    return data.rfind(b"\n", 0, position) + 1, end if end >= 0 else len(data)


def literal_alternatives(patterns: list[bytes], fixed: bool, syntax: str = "default") -> tuple[bytes, ...] | None:
    """The patterns as plain literals, if they are: fixed strings, patterns without
    metacharacters, or an alternation `a|b|c` of such (nothing else special in it; in a
    BRE, `|` `+` `?` `{` `}` `(` `)` are literal bytes)."""
    literals = []
    special = BRE_METACHARACTERS if syntax == "basic" else REGEX_METACHARACTERS
    for pattern in patterns:
        if fixed or not special.intersection(pattern):
            literals.append(pattern)
        elif syntax != "basic" and not REGEX_METACHARACTERS.difference(b"|").intersection(pattern):
            literals.extend(pattern.split(b"|"))
        else:
            return None
    return tuple(literals)


def shown(pattern: bytes) -> str:
    """A pattern as the user typed it, for a message."""
    return pattern.decode("utf-8", "surrogateescape").encode("utf-8", "backslashreplace").decode("utf-8")


# Python's words for a bad pattern, and GNU grep's (glibc's) for the same fault
RE_MESSAGES = [
    ("missing ), unterminated subpattern", "Unmatched ( or \\("),
    ("unbalanced parenthesis", "Unmatched ) or \\)"),
    ("unterminated character set", "Unmatched [, [^, [:, [., or [="),
    ("invalid group reference", "Invalid back reference"),
    ("unknown group name", "Invalid back reference"),
    ("cannot refer to an open group", "Invalid back reference"),
    ("bad escape (end of pattern)", "Trailing backslash"),
    ("bad character range", "Invalid range end"),
    ("nothing to repeat", "Invalid preceding regular expression"),
    ("multiple repeat", "Invalid preceding regular expression"),
]


def _compile(source: bytes, flags: int, syntax: str, patterns: list[bytes]):
    """`source` compiled (with PCRE2 for -P when the `pcre2` package is there), or
    PatternError naming the pattern(s) as typed and what is wrong, without positions in
    an internal rewrite."""
    if syntax == "perl":
        from .perl import PerlError, compile_perl

        try:
            compiled = compile_perl(source, flags)
        except PerlError as err:
            raise PatternError(f"{', '.join(map(shown, patterns))}: {err}") from None
        if compiled is not None:
            return compiled
    try:
        with warnings.catch_warnings():  # a FutureWarning on a class the dialect left to re
            warnings.simplefilter("ignore")
            return re.compile(source, flags)
    except (re.error, OverflowError, RecursionError) as err:
        message = getattr(err, "msg", None) or str(err)
        for python, gnu in RE_MESSAGES:
            if message.startswith(python):
                message = gnu
                break
        raise PatternError(f"{', '.join(map(shown, patterns))}: {message}") from None
