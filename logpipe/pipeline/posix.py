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

from .dialect import ALL, NEWLINE, SPACE, WORD
from .posix_brackets import (ANCHOR, BACKREF, CHAR, EESCAPE, END, EPAREN, ERPAREN, ESUBREG, LPAREN, OR, PLUS,
                             QMARK, REPMN, RPAREN, STAR, BracketsAndBraces, PosixError)

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


class Parsed(NamedTuple):
    tree: Node
    groups: int          # capturing groups
    backrefs: bool
    stray_paren: bool = False  # an ERE `)` without its `(`, read as a literal byte




class _Lexer(BracketsAndBraces):
    """dfa.c's lexer, with glibc's refusals added where glibc refuses."""

    def __init__(self, pattern: bytes, extended: bool, fold: bool, glibc: bool = False) -> None:
        self.p, self.n, self.i = pattern, len(pattern), 0
        self.glibc = glibc  # glibc's reading where it differs from dfa.c's (back-references)
        self.extended, self.fold = extended, fold
        self.lasttok = END      # for BRE's `^`: an anchor only after the start, `\(` or `\|`
        self.laststart = True   # only zero-width things since the start, a `(` or a `|`
        self.after_anchor = False  # glibc: a repetition right after an anchor repeats nothing
        self.parens = 0
        self.stray_paren = False  # an ERE `)` read as a literal byte
        # GNU grep selects lines with dfa.c and checks the pattern with glibc, which read a `)`
        # right after repetitions of nothing differently (`_repeats_nothing`)
        self.literal_paren = -1  # where such a `)` is, a byte to glibc (a group's end to dfa.c)
        self.glibc_parens = 0  # the groups open in glibc's reading

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
            if self.glibc_parens and self.literal_paren >= 0:
                self.error(EPAREN)  # left open in glibc's reading (see `_repeats_nothing`)
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
            self.glibc_parens += 1
            self.laststart = True
            return (LPAREN,)
        elif ch == ")" and backslash != ext and not (self.glibc and self.literal_paren == self.i - 1):
            if self.literal_paren != self.i - 1 and self.glibc_parens:
                self.glibc_parens -= 1
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
        """In an ERE, `*` `+` `?` with nothing before them repeat nothing (dfa.c, which
        selects the lines), or are skipped and make a `)` right after them a literal byte
        (glibc, which checks the pattern): `(+)` is an unmatched "(" for glibc, and `(+))`
        selects the lines with a ")" (dfa.c's `()` and a stray `)`)."""
        if self.extended and (self.laststart or self.after_anchor) and self.parens > 0:
            j = self.i
            while j < self.n and self.p[j] in b"*+?{":  # each skipped in turn
                j += 1
            if self.p[j:j + 1] == b")":  # to glibc, `(+))` is `(\))` and `(+)` an unmatched "("
                self.literal_paren = j


class _Parser:
    """dfa.c's parser (regexp, branch, closure, atom) building a tree."""

    def __init__(self, pattern: bytes, extended: bool, fold: bool, glibc: bool = False) -> None:
        self.lexer = _Lexer(pattern, extended, fold, glibc)
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
    if parser.backrefs and parser.lexer.literal_paren >= 0:  # GNU grep matches these with glibc
        parser = _Parser(pattern, extended, ignore_case, glibc=True)
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


