"""Leftmost-longest matches, as POSIX wants them for `-o`, `--color` and JSON spans.

Python's `re` (like PCRE and ripgrep) reports the leftmost-first match: `a|ab` finds `a`
in `ab`. POSIX (GNU grep -G, -E, -F) reports the longest of the matches that start
leftmost: `ab`. `re` still finds where the leftmost match starts (that does not depend on
the rule), and from there a lazily built DFA of the pattern's tree (`posix.Node`) runs
forwards and keeps the last position where a match ends: linear in the bytes it reads.
Anchors and word edges are checked on the bytes around each position. A
back-reference is not regular: the DFA then runs a copy of the group in its place (a
superset), and each end it finds, longest first, is checked with `re`.
"""
from __future__ import annotations

import re

from .dialect import WORD

EDGE, WORDCHAR, OTHER = 0, 1, 2  # what is on one side of a position: the line's edge, a word byte, another byte
CONTEXT = [WORDCHAR if byte in WORD else OTHER for byte in range(256)]
MAX_STATES = 4096  # DFA states kept; past this the cache starts again
MAX_NFA = 20000     # NFA nodes; a bigger pattern (huge counts) falls back to re's leftmost-first

ASSERTIONS = {
    "bol": lambda prev, next_: prev == EDGE,
    "eol": lambda prev, next_: next_ == EDGE,
    "bow": lambda prev, next_: prev != WORDCHAR and next_ == WORDCHAR,
    "eow": lambda prev, next_: prev == WORDCHAR and next_ != WORDCHAR,
    "wb": lambda prev, next_: (prev == WORDCHAR) != (next_ == WORDCHAR),
    "nwb": lambda prev, next_: (prev == WORDCHAR) == (next_ == WORDCHAR),
    "not_after_word": lambda prev, next_: prev != WORDCHAR,   # -w's left edge
    "not_before_word": lambda prev, next_: next_ != WORDCHAR,  # -w's right edge
}


class TooBig(Exception):
    pass


class _Nfa:
    """Thompson's construction: nodes are ("set", members, out), ("split", out1, out2),
    ("assert", test, out), ("match",)."""

    def __init__(self) -> None:
        self.nodes: list[list] = []

    def add(self, node: list) -> int:
        if len(self.nodes) >= MAX_NFA:
            raise TooBig
        self.nodes.append(node)
        return len(self.nodes) - 1

    def build(self, node: tuple, out: int, groups: dict) -> int:
        """The start of a fragment for `node` that continues at `out`."""
        kind = node[0]
        if kind == "set":
            return self.add(["set", node[1], out])
        if kind == "empty":
            return out
        if kind == "assert":
            return self.add(["assert", ASSERTIONS[node[1]], out])
        if kind == "cat":
            for item in reversed(node[1]):
                out = self.build(item, out, groups)
            return out
        if kind == "alt":
            starts = [self.build(item, out, groups) for item in node[1]]
            start = starts[-1]
            for other in reversed(starts[:-1]):
                start = self.add(["split", other, start])
            return start
        if kind == "group":
            return self.build(node[2], out, groups)
        if kind == "backref":  # the superset: the group's own pattern once more
            return self.build(groups[node[1]], out, groups)
        if kind == "rep":
            inner, low, high = node[1], node[2], node[3]
            if high is None:
                loop = self.add(["split", -1, out])
                self.nodes[loop][1] = self.build(inner, loop, groups)
                start = loop
                for _ in range(low):
                    start = self.build(inner, start, groups)
                return start
            start = out
            for _ in range(high - low):
                start = self.add(["split", self.build(inner, start, groups), out])
                # each optional copy may stop the repetition (continue at `out`)
            for _ in range(low):
                start = self.build(inner, start, groups)
            return start
        raise AssertionError(kind)


def _groups(node: tuple, found: dict) -> dict:
    kind = node[0]
    if kind == "group":
        found[node[1]] = node[2]
        _groups(node[2], found)
    elif kind in ("cat", "alt"):
        for item in node[1]:
            _groups(item, found)
    elif kind == "rep":
        _groups(node[1], found)
    return found


class Longest:
    """The leftmost-longest non-empty matches of `trees` (one per pattern, alternatives
    of each other) in a line; `regex` is the same patterns for `re` (leftmost starts)."""

    def __init__(self, trees: list[tuple], regex: re.Pattern[bytes], backrefs: bool, word: bool = False,
                 line: bool = False, flags: int = 0) -> None:
        self.regex = regex
        nfa = _Nfa()
        match = nfa.add(["match"])
        tree = trees[0] if len(trees) == 1 else ("alt", tuple(trees))
        if word:
            tree = ("cat", (("assert", "not_after_word"), tree, ("assert", "not_before_word")))
        if line:
            tree = ("cat", (("assert", "bol"), tree, ("assert", "eol")))
        groups: dict = {}
        for item in trees:
            _groups(item, groups)  # numbers are per pattern: a back-reference sees its own
        self.start = nfa.build(tree, match, groups)
        self.nodes = nfa.nodes
        self.match = match
        self.backrefs = backrefs
        if backrefs:  # an end is real if the pattern matches exactly up to it, the byte after it as context
            source = regex.pattern
            self.verify_inner = re.compile(b"(?:" + source + rb")(?=[\s\S]\Z)", flags)
            self.verify_end = re.compile(b"(?:" + source + rb")\Z", flags)
        self._reset()

    def _reset(self) -> None:
        self.keys: dict = {}       # (frozenset of NFA nodes, previous context) -> DFA state
        self.states: list = []     # DFA state -> (nodes, previous context)
        self.table: list = []      # DFA state -> 256 transitions (None until computed)
        self.at_end: list = []     # DFA state -> whether a match ends at the line's end

    def _state(self, nodes: frozenset, prev: int) -> int:
        key = (nodes, prev)
        state = self.keys.get(key)
        if state is None:
            state = self.keys[key] = len(self.states)
            self.states.append(key)
            self.table.append([None] * 256)
            self.at_end.append(None)
        return state

    def _closure(self, nodes: frozenset, prev: int, next_: int) -> tuple[list[int], bool]:
        """The "set" nodes reachable from `nodes` without reading, between `prev` and
        `next_`; and whether the match node is."""
        seen, stack, sets, matched = set(), list(nodes), [], False
        all_nodes = self.nodes
        while stack:
            index = stack.pop()
            if index in seen:
                continue
            seen.add(index)
            node = all_nodes[index]
            kind = node[0]
            if kind == "set":
                sets.append(index)
            elif kind == "split":
                stack.append(node[2])
                stack.append(node[1])
            elif kind == "assert":
                if node[1](prev, next_):
                    stack.append(node[2])
            else:
                matched = True
        return sets, matched

    def _step(self, state: int, byte: int) -> int:
        nodes, prev = self.states[state]
        sets, matched = self._closure(nodes, prev, CONTEXT[byte])
        all_nodes = self.nodes
        following = frozenset(all_nodes[i][2] for i in sets if byte in all_nodes[i][1])
        if len(self.states) > MAX_STATES:
            self._reset()  # the caller's state numbers are gone: it starts again from `following`
            raise _Restart(following, CONTEXT[byte], matched)
        target = self._state(following, CONTEXT[byte]) if following else -1
        move = (target << 1) | matched if target >= 0 else (-1 << 1) | matched
        self.table[state][byte] = move
        return move

    def _ends_at_end(self, state: int) -> bool:
        found = self.at_end[state]
        if found is None:
            nodes, prev = self.states[state]
            found = self.at_end[state] = self._closure(nodes, prev, EDGE)[1]
        return found

    def ends(self, line: bytes, start: int) -> list[int]:
        """Where the matches that start at `start` may end, shortest first (with
        back-references: the candidates)."""
        nodes = frozenset((self.start,))
        prev = EDGE if start == 0 else CONTEXT[line[start - 1]]
        state = self._state(nodes, prev)
        found = []
        size, pos = len(line), start
        while pos < size:
            byte = line[pos]
            move = self.table[state][byte]
            if move is None:
                try:
                    move = self._step(state, byte)
                except _Restart as restart:
                    if restart.matched:
                        found.append(pos)
                    if not restart.nodes:
                        return found
                    state = self._state(restart.nodes, restart.prev)
                    pos += 1
                    continue
            if move & 1:
                found.append(pos)
            state = move >> 1
            if state < 0:
                return found
            pos += 1
        if self._ends_at_end(state):
            found.append(size)
        return found

    def longest_end(self, line: bytes, start: int, first_end: int) -> int:
        ends = self.ends(line, start)
        if not self.backrefs:
            return ends[-1] if ends else first_end
        for end in reversed(ends):
            if end <= first_end:
                break
            if end == len(line):
                if self.verify_end.match(line, start):
                    return end
            elif self.verify_inner.match(line[:end + 1], start):
                return end
        return first_end

    def spans(self, line: bytes) -> list[tuple[int, int]]:
        """The non-empty leftmost-longest matches, left to right, as GNU grep -o finds them."""
        found, pos, size, search = [], 0, len(line), self.regex.search
        while pos <= size:
            hit = search(line, pos)
            if hit is None:
                break
            start = hit.start()
            end = self.longest_end(line, start, hit.end())
            if end > start:
                found.append((start, end))
                pos = end
            else:
                pos = start + 1
        return found


class _Restart(Exception):
    def __init__(self, nodes: frozenset, prev: int, matched: bool) -> None:
        self.nodes, self.prev, self.matched = nodes, prev, matched
