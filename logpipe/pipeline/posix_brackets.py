"""The parts of the POSIX lexer (`posix.py`) that read what is inside brackets and
braces: bracket expressions (`[a-z]`, `[[:alpha:]]`, `[[=a=]]`, `[[.a.]]`) and interval
counts (`{2,5}`, `\\{2,5\\}`), with glibc's refusals and messages."""
from __future__ import annotations

from .dialect import ALL, LOWER, POSIX_CLASSES, UPPER

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

# tokens of the lexer
END, CHAR, BACKREF, ANCHOR, STAR, PLUS, QMARK, REPMN, OR, LPAREN, RPAREN = range(11)


class PosixError(ValueError):
    """A pattern GNU grep refuses; the message is GNU grep's."""


class BracketsAndBraces:
    """Mixed into the lexer: reads `self.p` from `self.i`, raises with `self.error`."""

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
