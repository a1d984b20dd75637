"""POSIX regular expressions as GNU grep reads them: `-G` (basic) and `-E` (extended).

A pattern is parsed as GNU grep's two engines read it together: its meaning is that of
gnulib's `dfa.c` (what GNU grep matches with whenever the pattern has no back-reference),
and it is refused where glibc's `regcomp` (which GNU grep runs first on every pattern,
for its syntax) refuses it, with glibc's words ("Unmatched [, [^, [:, [., or [=",
"Invalid back reference", ...). The C locale, bytes: `.` is any byte but the newline,
`\\w` is `[_[:alnum:]]`, ranges are byte ranges.

GNU's rules kept here, among others: in BRE `\\| \\+ \\? \\{ \\} \\( \\)` are operators and
`| + ? { } ( )` literal; a `*` at the start of a BRE (or after `\\(`, `\\|`, `^`) is
literal, at the start of an ERE it repeats nothing (`*a` is `a`); `^` is an anchor in a
BRE only at the start (of the pattern, a group, an alternative) and `$` only at the end,
anywhere in an ERE; an ERE `{` that does not open a valid interval is literal, a `)`
without its `(` too; `a+?` is `(a+)?`, `a**` is `(a*)*`; counts up to RE_DUP_MAX (32767);
a back-reference may name only a group closed before it, in its own alternative.

The result is a tree (`Node`), turned into Python's `re` syntax and (without
back-references, where it can be) hyperscan's, newline-free; `longest.py` runs the same
tree for leftmost-longest spans.
"""
from __future__ import annotations

from typing import NamedTuple

from .dialect import ALL, DIGIT, LOWER, NEWLINE, POSIX_CLASSES, SPACE, UPPER, WORD, class_source

RE_DUP_MAX = 0x7FFF

# glibc's messages (regcomp.c __re_error_msgid), and grep's own for [:space:]
EBRACK = "Unmatched [, [^, [:, [., or [="
EPAREN = "Unmatched ( or \\("
ERPAREN = "Unmatched ) or \\)"
EBRACE = "Unmatched \\{"
BADBR = "Invalid content of \\{\\}"
ERANGE = "Invalid range end"
ECTYPE = "Invalid character class name"
ECOLLATE = "Invalid collation character"
ESUBREG = "Invalid back reference"
EESCAPE = "Trailing backslash"
ESIZE = "Regular expression too big"
BADPAT = "Invalid regular expression"
CONFUSING = "character class syntax is [[:space:]], not [:space:]"

# Nodes of the tree: tuples, first item the kind.
#   ("set", frozenset)          one byte of the set
#   ("cat", (node, ...))        ("alt", (node, ...))
#   ("rep", node, min, max)     max None: no bound
#   ("group", number, node)     ("backref", number)
#   ("assert", kind)            kind: bol eol bow eow wb nwb
#   ("empty",)
Node = tuple
EMPTY: Node = ("empty",)
ANY_BUT_NEWLINE = ALL - {NEWLINE}


class PosixError(ValueError):
    """A pattern GNU grep refuses; the message is GNU grep's."""


class Parsed(NamedTuple):
    tree: Node
    groups: int          # capturing groups
    backrefs: bool
    stray_paren: bool = False  # an ERE `)` without its `(`, read as a literal byte


# tokens of the lexer
END, CHAR, BACKREF, ANCHOR, STAR, PLUS, QMARK, REPMN, OR, LPAREN, RPAREN = range(11)


class _Lexer:
    """dfa.c's lexer, with glibc's refusals added where glibc refuses."""

    def __init__(self, pattern: bytes, extended: bool, fold: bool) -> None:
        self.p, self.n, self.i = pattern, len(pattern), 0
        self.extended, self.fold = extended, fold
        self.lasttok = END      # for BRE's `^`: an anchor only after the start, `\(` or `\|`
        self.laststart = True   # only zero-width things since the start, a `(` or a `|`
        self.after_anchor = False  # glibc: a repetition right after an anchor repeats nothing
        self.parens = 0
        self.stray_paren = False  # an ERE `)` read as a literal byte

    def error(self, message: str):
        raise PosixError(message)

    def peek_is(self, text: bytes) -> bool:
        return self.p.startswith(text, self.i)

    def lex(self) -> tuple:
        tok = self._lex()
        self.lasttok = tok[0]
        return tok

    def _lex(self) -> tuple:
        p, ext = self.p, self.extended
        if self.i >= self.n:
            return (END,)
        c = p[self.i]
        self.i += 1
        backslash = False
        if c == 0x5C:  # backslash
            if self.i >= self.n:
                self.error(EESCAPE)
            backslash, c = True, p[self.i]
            self.i += 1
        ch = chr(c)
        if ch == "^" and not backslash:
            if ext or self.lasttok in (END, LPAREN, OR):
                return (ANCHOR, "bol")
        elif ch == "$" and not backslash:
            close = b")" if ext else b"\\)"
            bar = b"|" if ext else b"\\|"
            if ext or self.i >= self.n or self.peek_is(close) or self.peek_is(bar):
                return (ANCHOR, "eol")
        elif backslash and ch in "123456789":
            self.laststart = False
            return (BACKREF, c - 0x30)
        elif backslash and ch in "`'<>bB":
            return (ANCHOR, {"`": "bol", "'": "eol", "<": "bow", ">": "eow", "b": "wb", "B": "nwb"}[ch])
        elif ch in "?+" and backslash != ext:
            if not (self.laststart and not ext):
                self._repeats_nothing()
                return (QMARK if ch == "?" else PLUS,)
        elif ch == "*" and not backslash:
            if not (self.laststart and not ext):
                self._repeats_nothing()
                return (STAR,)
        elif ch == "{" and backslash != ext:
            self._repeats_nothing()  # glibc skips a "{" there too
            interval = self._interval(backslash)
            if interval is not None:
                return interval
        elif ch == "|" and backslash != ext:
            self.laststart = True
            return (OR,)
        elif ch == "(" and backslash != ext:
            self.parens += 1
            self.laststart = True
            return (LPAREN,)
        elif ch == ")" and backslash != ext:
            if self.parens == 0 and ext:
                self.stray_paren = True
            else:
                if self.parens == 0:
                    self.error(ERPAREN)
                self.parens -= 1
                self.laststart = False
                return (RPAREN,)
        elif ch == "." and not backslash:
            self.laststart = False
            return (CHAR, ANY_BUT_NEWLINE)
        elif backslash and ch in "sSwW":
            self.laststart = False
            members = SPACE if ch in "sS" else WORD
            return (CHAR, members if ch.islower() else ALL - members)
        elif ch == "[" and not backslash:
            self.laststart = False
            return (CHAR, self._bracket())
        self.laststart = False
        return (CHAR, self._folded(frozenset((c,))))

    def _repeats_nothing(self) -> None:
        """glibc: in an ERE, `*` `+` `?` with nothing before them are skipped, and a `)`
        right after them is then a literal byte, which leaves its `(` unmatched."""
        if self.extended and (self.laststart or self.after_anchor) and self.parens > 0:
            j = self.i
            while j < self.n and self.p[j] in b"*+?{":  # each skipped in turn
                j += 1
            if self.p[j:j + 1] == b")":
                self.error(EPAREN)

    def _folded(self, members: frozenset[int]) -> frozenset[int]:
        if not self.fold:
            return members
        extra = {b ^ 0x20 for b in members if b in UPPER or b in LOWER}
        return members | extra

    def _interval(self, backslash: bool) -> tuple | None:
        """At a `{` (`\\{` in BRE): REPMN, or None when it is a literal `{`."""
        p, n, start = self.p, self.n, self.i
        glibc_checks = not self.laststart and not self.after_anchor
        if glibc_checks:
            self._glibc_interval(start)
        # dfa.c's reading
        j, low, high = start, -1, -1
        while j < n and 0x30 <= p[j] <= 0x39:
            low = (p[j] - 0x30) if low < 0 else min(RE_DUP_MAX + 1, low * 10 + p[j] - 0x30)
            j += 1
        if j < n:
            if p[j] != 0x2C:  # ","
                high = low
            else:
                if low < 0:
                    low = 0
                j += 1
                while j < n and 0x30 <= p[j] <= 0x39:
                    high = (p[j] - 0x30) if high < 0 else min(RE_DUP_MAX + 1, high * 10 + p[j] - 0x30)
                    j += 1
        valid = True
        if backslash:
            if j < n and p[j] == 0x5C:
                j += 1
            else:
                valid = False
        if valid and j < n and p[j] == 0x7D:
            j += 1
        else:
            valid = False
        valid = valid and low >= 0 and (high < 0 or low <= high)
        if not valid and self.extended:
            return None  # a literal "{"
        if self.laststart and not self.extended:
            return None  # a literal "{" at the start of a BRE
        if not valid:
            self.error(BADBR)
        if high > RE_DUP_MAX:
            self.error(ESIZE)
        self.i = j
        self.laststart = False
        return (REPMN, low, None if high < 0 else high)

    def _glibc_interval(self, start: int) -> None:
        """regcomp's parse_dup_op: the refusals of an interval (ERE: a bad one is literal)."""
        p, n, ext = self.p, self.n, self.extended
        j = start

        def token() -> tuple[str, int]:
            nonlocal j
            if j >= n:
                return "end", 0
            c = p[j]
            if c == 0x5C and j + 1 < n:
                j += 2
                if not ext and p[j - 1] == 0x7D:
                    return "close", 0
                return "other", p[j - 1]
            j += 1
            if ext and c == 0x7D:
                return "close", 0
            return "char", c

        def number() -> tuple[int, str, int]:
            num = -1
            while True:
                kind, c = token()
                if kind == "end":
                    return -2, kind, c
                if kind == "close" or c == 0x2C:
                    return num, kind, c
                num = -2 if (kind != "char" or not 0x30 <= c <= 0x39 or num == -2) else (
                    c - 0x30 if num == -1 else min(RE_DUP_MAX + 1, num * 10 + c - 0x30))

        low, kind, c = number()
        if low == -1:
            if kind == "char" and c == 0x2C:
                low = 0
            else:
                self.error(BADBR)
        high = 0
        if low != -2:
            if kind == "close":
                high = low
            elif kind == "char" and c == 0x2C:
                high, kind, c = number()
            else:
                high = -2
        if low == -2 or high == -2:
            if not ext:
                self.error(EBRACE if kind == "end" else BADBR)
            return  # ERE: rolled back, a literal "{"
        if (high != -1 and low > high) or kind != "close":
            self.error(BADBR)
        if RE_DUP_MAX < (low if high == -1 else high):
            self.error(ESIZE)

    def _bracket(self) -> frozenset[int]:
        """A bracket expression after its `[`: glibc's refusals, dfa.c's members."""
        p, n = self.p, self.n
        if self.i >= n:
            self.error(BADPAT)
        members: set[int] = set()
        negated = p[self.i] == 0x5E
        if negated:
            self.i += 1
            if self.i >= n:
                self.error(BADPAT)
        first = True
        colon = 1 if p[self.i] == 0x3A else 0  # dfa.c's warning about [:space:]
        while True:
            if self.i >= n:
                self.error(EBRACK)
            if p[self.i] == 0x5D and not first:  # "]"
                self.i += 1
                break
            colon &= ~2
            start = self._bracket_element(first)
            first = False
            if self.i >= n:
                self.error(EBRACK)
            kind, value = start
            if kind in ("class", "equiv"):
                colon |= 8
                if kind == "class":
                    members |= value
                    continue
            if p[self.i] == 0x2D and kind != "class":  # "-"
                if self.i + 1 >= n:
                    self.error(EBRACK)
                if p[self.i + 1] != 0x5D:  # a range
                    self.i += 1
                    end = self._bracket_element(True)
                    colon |= 8
                    if kind == "equiv" or end[0] in ("class", "equiv"):
                        self.error(ERANGE)
                    low, high = value, end[1]
                    if low > high:
                        self.error(ERANGE)
                    members.update(range(low, high + 1))
                    continue
            if kind == "char":
                colon |= 2 if value == 0x3A else 4
            members.add(value)
        if colon == 7:
            self.error(CONFUSING)
        found = self._folded(frozenset(members))
        return ALL - found if negated else found

    def _bracket_element(self, accept_hyphen: bool) -> tuple[str, object]:
        p, n = self.p, self.n
        c = p[self.i]
        if c == 0x5B and self.i + 1 < n and p[self.i + 1] in b".=:":  # [. [= [:
            delim = p[self.i + 1]
            j = self.i + 2
            if j >= n:
                self.error(EBRACK)
            name_start = j
            while True:
                if j - name_start >= 32:
                    self.error(EBRACK)
                if j + 1 >= n:
                    self.error(EBRACK)
                if p[j] == delim and p[j + 1] == 0x5D:
                    break
                j += 1
            name = p[name_start:j]
            self.i = j + 2
            if delim == 0x3A:  # ":"
                if self.fold and name in (b"upper", b"lower"):
                    name = b"alpha"
                if name not in POSIX_CLASSES or name == b"word":
                    self.error(ECTYPE)
                return "class", POSIX_CLASSES[name]
            if len(name) != 1:
                self.error(ECOLLATE)
            return ("equiv" if delim == 0x3D else "char"), name[0]
        if c == 0x2D and not accept_hyphen:  # "-" in the middle: only before the "]"
            if not (self.i + 1 < n and p[self.i + 1] == 0x5D):
                self.error(ERANGE)
        self.i += 1
        return "char", c


class _Parser:
    """dfa.c's parser (regexp, branch, closure, atom) building a tree."""

    def __init__(self, pattern: bytes, extended: bool, fold: bool) -> None:
        self.lexer = _Lexer(pattern, extended, fold)
        self.groups = 0
        self.completed: set[int] = set()
        self.backrefs = False
        self.tok = self.lexer.lex()

    def next(self) -> None:
        self.tok = self.lexer.lex()

    def regexp(self) -> Node:
        initial = set(self.completed)
        accumulated: set[int] = set()
        branches = [self.branch()]
        while self.tok[0] == OR:
            accumulated |= self.completed
            self.completed = set(initial)  # glibc: a back-reference sees only its own alternative
            self.next()
            branches.append(self.branch())
        self.completed |= accumulated
        return branches[0] if len(branches) == 1 else ("alt", tuple(branches))

    def branch(self) -> Node:
        items = [self.closure()]
        while self.tok[0] not in (RPAREN, OR, END):
            items.append(self.closure())
        items = [item for item in items if item != EMPTY]
        if not items:
            return EMPTY
        return items[0] if len(items) == 1 else ("cat", tuple(items))

    def closure(self) -> Node:
        node = self.atom()
        anchor = node[0] == "assert"
        while self.tok[0] in (QMARK, STAR, PLUS, REPMN):
            kind = self.tok[0]
            if kind == REPMN:
                low, high = self.tok[1], self.tok[2]
            else:
                low, high = {QMARK: (0, 1), STAR: (0, None), PLUS: (1, None)}[kind]
            self.lexer.after_anchor = anchor
            self.next()
            node = _repeat(node, low, high)
        return node

    def atom(self) -> Node:
        tok = self.tok
        kind = tok[0]
        self.lexer.after_anchor = False
        if kind == CHAR:
            self.next()
            return ("set", tok[1])
        if kind == BACKREF:
            if tok[1] not in self.completed:
                raise PosixError(ESUBREG)
            self.backrefs = True
            self.next()
            return ("backref", tok[1])
        if kind == ANCHOR:
            self.lexer.after_anchor = True  # glibc: an interval right after it is not checked
            self.next()
            return ("assert", tok[1])
        if kind == LPAREN:
            self.groups += 1
            number = self.groups
            self.next()
            inner = self.regexp()
            if self.tok[0] != RPAREN:
                raise PosixError(EPAREN)
            self.completed.add(number)
            self.lexer.after_anchor = False
            self.next()
            return ("group", number, inner)
        return EMPTY  # an operator with nothing before it: it repeats the empty string


def _zero_width(node: Node) -> bool:
    kind = node[0]
    if kind in ("assert", "empty"):
        return True
    if kind in ("cat", "alt"):
        return all(_zero_width(item) for item in node[1])
    if kind == "rep":
        return _zero_width(node[1]) or node[3] == 0
    return False


def _repeat(node: Node, low: int, high: int | None) -> Node:
    if node == EMPTY:
        return EMPTY
    if node[0] in ("assert",) or (node[0] != "group" and _zero_width(node)):
        return EMPTY if low == 0 else node  # an anchor repeated: itself, or nothing
    return ("rep", node, low, high)


def parse(pattern: bytes, extended: bool, ignore_case: bool = False) -> Parsed:
    """The tree of one pattern (`extended`: ERE, else BRE); PosixError as GNU grep refuses it."""
    parser = _Parser(pattern, extended, ignore_case)
    tree = parser.regexp()
    if parser.tok[0] == RPAREN:
        raise PosixError(ERPAREN)
    if parser.tok[0] != END:
        raise PosixError(EPAREN)
    if parser.lexer.parens > 0:
        raise PosixError(EPAREN)
    return Parsed(tree, parser.groups, parser.backrefs, parser.lexer.stray_paren)


def parse_whole(pattern: bytes, extended: bool, ignore_case: bool, word: bool, line: bool) -> Parsed | None:
    """GNU grep's quirk with -w and -x: it wraps the pattern in its text, `^(PATTERN)$`
    (`(^|[^[:alnum:]_])(PATTERN)([^[:alnum:]_]|$)`), so that a stray ERE `)` closes its
    wrapper's group. The wrapped pattern's tree when that happens (the lines it selects
    are GNU's), else None (then -w and -x mean what they say)."""
    parsed = parse(pattern, extended, ignore_case)
    if not (extended and parsed.stray_paren and (word or line)):
        return None
    if line:
        pattern = b"^(" + pattern + b")$"
    if word:
        pattern = b"(^|[^[:alnum:]_])(" + pattern + b")([^[:alnum:]_]|$)"
    try:
        return parse(pattern, extended, ignore_case)
    except PosixError:
        return None


# -- Python's re and hyperscan --------------------------------------------------------


def _set_source(members: frozenset[int], newline_free: bool) -> bytes:
    members = members - {NEWLINE}
    if len(members) == 1:
        return b"\\x%02x" % next(iter(members))
    if ALL - members <= {NEWLINE} and members:
        return b"[^\\n]" if NEWLINE not in members else b"[\\x00-\\xff]"
    if not members:
        return b"(?!)"
    if len(members) > 128:
        return class_source((ALL - members) | {NEWLINE}, True)
    return class_source(members, False)


ASSERT_RE = {"bol": b"^", "eol": b"$", "bow": rb"\b(?=\w)", "eow": rb"\b(?<=\w)", "wb": rb"\b",
             "nwb": rb"(?:\B|^$)"}


def to_re(tree: Node, group_offset: int = 0) -> bytes:
    """The tree in Python's `re` syntax (MULTILINE), its groups numbered from `group_offset` + 1."""
    return _emit(tree, group_offset, False)


def to_hyperscan(tree: Node) -> bytes | None:
    """The tree in hyperscan's syntax, newline-free; None if it cannot say it
    (back-references, `\\<` `\\>` next to what may be no word byte)."""
    try:
        return _emit(tree, 0, True)
    except _NotExpressible:
        return None


class _NotExpressible(Exception):
    pass


def _emit(node: Node, offset: int, hs: bool) -> bytes:
    kind = node[0]
    if kind == "set":
        return _set_source(node[1], hs)
    if kind == "empty":
        return b""
    if kind == "cat":
        items = node[1]
        out = []
        for index, item in enumerate(items):
            if hs and item[0] == "assert" and item[1] in ("bow", "eow"):
                out.append(_word_edge(items, index))
            else:
                out.append(_emit(item, offset, hs))
        return b"".join(out)
    if kind == "alt":
        return b"(?:" + b"|".join(_emit(item, offset, hs) for item in node[1]) + b")"
    if kind == "group":
        inner = _emit(node[2], offset, hs)
        return b"(?:" + inner + b")" if hs else b"(" + inner + b")"
    if kind == "rep":
        inner = b"(?:" + _emit(node[1], offset, hs) + b")"
        low, high = node[2], node[3]
        if high is None:
            suffix = b"*" if low == 0 else b"+" if low == 1 else b"{%d,}" % low
        elif low == high:
            suffix = b"" if low == 1 else b"{%d}" % low
        else:
            suffix = b"?" if (low, high) == (0, 1) else b"{%d,%d}" % (low, high)
        return inner + suffix
    if kind == "backref":
        if hs:
            raise _NotExpressible
        return b"(?:\\%d)" % (node[1] + offset)
    if kind == "assert":
        if hs:
            # hyperscan 5.4 (the wheel's) misses some line ends with `$` in multi-line
            # mode (`[ab]$` on b".|.x?]a.\\n\\n(|_?_b\\n" finds nothing): `re` takes those
            if node[1] in ("bow", "eow", "eol"):
                raise _NotExpressible
            return {"bol": b"^", "eol": b"$", "wb": rb"\b", "nwb": rb"\B"}[node[1]]
        return ASSERT_RE[node[1]]
    raise AssertionError(kind)


def _word_edge(items: tuple, index: int) -> bytes:
    """`\\<` or `\\>` inside a concatenation for hyperscan: `\\b` when the byte after
    (`\\<`) or before (`\\>`) it is surely a word byte."""
    if items[index][1] == "bow":
        following = _first_bytes(items[index + 1:])
    else:
        following = _first_bytes(tuple(reversed(items[:index])), last=True)
    if following is None or not following or not following <= WORD:
        raise _NotExpressible
    return rb"\b"


def _first_bytes(items: tuple, last: bool = False) -> frozenset[int] | None:
    """The bytes the first (or last) byte matched by `items` can be; None if it may be none."""
    found: set[int] = set()
    for item in items:
        edge = _edge(item, last)
        if edge is None:
            return None
        members, nullable = edge
        found |= members
        if not nullable:
            return frozenset(found)
    return None


def _edge(node: Node, last: bool) -> tuple[frozenset[int], bool] | None:
    kind = node[0]
    if kind == "set":
        return node[1], False
    if kind == "empty":
        return frozenset(), True
    if kind == "assert":
        return None
    if kind == "group":
        return _edge(node[2], last)
    if kind == "rep":
        inner = _edge(node[1], last)
        if inner is None:
            return None
        return inner[0], inner[1] or node[2] == 0
    if kind == "alt":
        found, nullable = set(), False
        for item in node[1]:
            edge = _edge(item, last)
            if edge is None:
                return None
            found |= edge[0]
            nullable = nullable or edge[1]
        return frozenset(found), nullable
    if kind == "cat":
        items = reversed(node[1]) if last else node[1]
        found = set()
        for item in items:
            edge = _edge(item, last)
            if edge is None:
                return None
            found |= edge[0]
            if not edge[1]:
                return frozenset(found), False
        return frozenset(found), True
    return None  # a back-reference


__all__ = ["PosixError", "Parsed", "parse", "to_re", "to_hyperscan", "RE_DUP_MAX", "DIGIT"]
