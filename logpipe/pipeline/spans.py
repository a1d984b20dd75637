"""What -o prints, --color paints and JSON's submatches list: the matches in one line,
leftmost-first (Perl's, ripgrep's: the default dialect and -P) or leftmost-longest (POSIX's:
-G, -E, -F, as GNU grep), mixed into the `Matcher`."""
from __future__ import annotations

import re


class Spans:
    """The spans of one line, from the `Matcher`'s literals or regex (and, for -G/-E, its
    parsed trees, run by `longest.Longest`)."""

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
            if len(literals) == 1:  # the common case, kept tight
                literal = literals[0]
                size, found, hit = len(literal), [], find(literal)
                while hit >= 0:
                    found.append((hit, hit + size))
                    hit = find(literal, hit + size)
                return found
            # leftmost, and at one place the first alternative (as re's finditer), or the
            # longest one (POSIX); each literal is looked for again only once the matches
            # have passed its last hit
            nexts = [find(lit) for lit in literals]
            found = []
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
