"""The pattern dialect: what grep, grep -P and rg users write, turned into Python's `re`
syntax, and (where it can be) into a newline-free pattern for the hyperscan engine.

What is translated, for both:
- POSIX bracket classes `[[:digit:]]`, `[[:alpha:]]`, `[[:space:]]`, ... (C locale, ASCII),
  negated ones `[[:^digit:]]` too; a bare `[:digit:]` is an error, as in GNU grep.
- every bracket class is rewritten as explicit byte ranges, so that no `[`, `--`, `&&`,
  `~~` or `||` inside it can raise Python's "Possible nested set" FutureWarning;
- inline flags anywhere, `a(?i)b|c` (PCRE: they apply to the end of the enclosing group,
  alternatives included), become scoped groups `a(?i:b)|(?i:c)`, which Python accepts
  anywhere, so that they work under -w, -x and with several patterns;
- `\\A` and `\\Z`, `\\z` mean the start and end of the line (`^`, `$`): a line is the subject;
- `{,n}` is `{0,n}` (Python's meaning; PCRE would read it as a literal), and
  `(?<name>...)` is Python's `(?P<name>...)`.

What only the hyperscan form changes: `.` and every class exclude the newline (`\\s`
becomes `[\\t\\v\\f\\r ]`, `[^a]` becomes `[^a\\n]`), so that a hyperscan match never
crosses a line. Patterns it cannot express exactly — backreferences, lookarounds,
atomic groups, possessive quantifiers, conditionals, `(?s)`, `(?x)`, a literal newline —
get no hyperscan form (`engine=None`) and are searched with `re`. Lookarounds also set
`confine`: such a pattern is run on each line alone, since in a block it could look at
the neighbouring lines.
"""
from __future__ import annotations

import re
from typing import NamedTuple

NEWLINE = 0x0A


def _bytes(*ranges: tuple[int, int] | str) -> frozenset[int]:
    found = set()
    for item in ranges:
        if isinstance(item, str):
            found.update(item.encode())
        else:
            found.update(range(item[0], item[1] + 1))
    return frozenset(found)


DIGIT = _bytes((0x30, 0x39))
UPPER = _bytes((0x41, 0x5A))
LOWER = _bytes((0x61, 0x7A))
WORD = DIGIT | UPPER | LOWER | {0x5F}
SPACE = _bytes(" \t\n\r\f\v")
ALL = frozenset(range(256))
POSIX_CLASSES = {
    b"alpha": UPPER | LOWER, b"digit": DIGIT, b"alnum": UPPER | LOWER | DIGIT, b"upper": UPPER, b"lower": LOWER,
    b"space": SPACE, b"blank": _bytes(" \t"), b"punct": _bytes((0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)),
    b"print": _bytes((0x20, 0x7E)), b"graph": _bytes((0x21, 0x7E)), b"cntrl": _bytes((0, 0x1F), (0x7F, 0x7F)),
    b"xdigit": DIGIT | _bytes("abcdefABCDEF"), b"word": WORD,
}
CLASS_ESCAPES = {b"d": DIGIT, b"w": WORD, b"s": SPACE, b"D": ALL - DIGIT, b"W": ALL - WORD, b"S": ALL - SPACE}
SIMPLE_ESCAPES = {b"n": 0x0A, b"t": 0x09, b"r": 0x0D, b"f": 0x0C, b"v": 0x0B, b"a": 0x07}
BARE_POSIX = re.compile(rb"\[:\^?(" + b"|".join(POSIX_CLASSES) + rb"):\]")
EMPTY_QUANTIFIER_START = re.compile(rb"\{,(\d+)\}")
FLAGS = re.compile(rb"\(\?([aiLmsux]*(?:-[imsx]+)?)([:)])")
QUANTIFIERS = frozenset(b"*+?}")


class DialectError(ValueError):
    """A pattern the dialect rejects outright (as GNU grep does)."""


class Translated(NamedTuple):
    regex: bytes            # for Python's re
    engine: bytes | None    # for hyperscan, newline-free; None: re only
    confine: bool           # has lookarounds: run on each line alone
    groups: int = 0         # capturing groups


BACKREFERENCE = re.compile(rb"\\([1-9][0-9]?)")
GROUP_NAME = re.compile(rb"\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>")
GROUP_USE = re.compile(rb"\(\?(?:P=|\()([A-Za-z_][A-Za-z0-9_]*|[0-9]+)\)")
WORD_BYTES = frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")


def class_source(members: frozenset[int], negated: bool) -> bytes:
    """`members` as a bracket class of `\\xNN` ranges (never a warning, never a nested set)."""
    parts, values = [], sorted(members)
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and values[j + 1] == values[j] + 1:
            j += 1
        if j == i:
            parts.append(b"\\x%02x" % values[i])
        elif j == i + 1:
            parts.append(b"\\x%02x\\x%02x" % (values[i], values[j]))
        else:
            parts.append(b"\\x%02x-\\x%02x" % (values[i], values[j]))
        i = j + 1
    return b"[" + (b"^" if negated else b"") + b"".join(parts) + b"]"


def _escape_byte(pattern: bytes, i: int) -> tuple[int | frozenset[int] | None, int]:
    """The escape at `pattern[i]` (a backslash): a byte, a set of bytes (`\\d`), or None
    (not one we read: let `re` judge it); and where it ends."""
    letter = pattern[i + 1:i + 2]
    if not letter:
        return None, i + 1
    if letter in CLASS_ESCAPES:
        return CLASS_ESCAPES[letter], i + 2
    if letter in SIMPLE_ESCAPES:
        return SIMPLE_ESCAPES[letter], i + 2
    if letter == b"b":  # inside a class: backspace
        return 0x08, i + 2
    if letter == b"x":
        digits = pattern[i + 2:i + 4]
        if len(digits) == 2 and all(chr(d) in "0123456789abcdefABCDEF" for d in digits):
            return int(digits, 16), i + 4
        return None, i + 2
    if letter == b"0" or (letter.isdigit() and pattern[i + 2:i + 4].isdigit() and len(pattern[i + 1:i + 4]) == 3):
        end = i + 2
        while end < len(pattern) and end < i + 4 and pattern[end:end + 1] in b"01234567":
            end += 1
        value = int(pattern[i + 1:end] or b"0", 8)
        return (value, end) if value < 256 else (None, end)
    if letter.isalnum():
        return None, i + 2
    return letter[0], i + 2


def _bracket(pattern: bytes, i: int) -> tuple[frozenset[int], bool, int] | None:
    """The bracket class opening at `pattern[i]`: its members, whether negated, and
    where it ends; None if it is not one this reader understands (then `re` judges it)."""
    j, size = i + 1, len(pattern)
    negated = pattern[j:j + 1] == b"^"
    if negated:
        j += 1
    members: set[int] = set()
    first = True
    while True:
        if j >= size:
            return None
        if pattern[j] == 0x5D and not first:  # "]"
            return frozenset(members), negated, j + 1
        first = False
        if pattern.startswith(b"[:", j):
            close = pattern.find(b":]", j + 2)
            if close < 0:
                return None
            name = pattern[j + 2:close]
            inverse = name.startswith(b"^")
            if inverse:
                name = name[1:]
            if name not in POSIX_CLASSES:
                raise DialectError(f"invalid character class [:{name.decode('latin-1')}:]")
            members |= (ALL - POSIX_CLASSES[name]) if inverse else POSIX_CLASSES[name]
            j = close + 2
            continue
        if pattern.startswith((b"[=", b"[."), j):  # [=a=], [.a.]: in the C locale, the byte itself
            delim = pattern[j + 1:j + 2]
            if pattern[j + 3:j + 5] != delim + b"]":
                raise DialectError("Invalid collation character")
            members.add(pattern[j + 2])
            j += 5
            continue
        low, j = _atom(pattern, j)
        if low is None:
            return None
        if isinstance(low, frozenset):
            members |= low
            continue
        if pattern[j:j + 1] == b"-" and j + 1 < size and pattern[j + 1] != 0x5D:
            high, j = _atom(pattern, j + 1)
            if not isinstance(high, int) or high < low:
                return None
            members.update(range(low, high + 1))
        else:
            members.add(low)


def _atom(pattern: bytes, j: int) -> tuple[int | frozenset[int] | None, int]:
    if pattern[j] == 0x5C:  # backslash
        return _escape_byte(pattern, j)
    return pattern[j], j + 1


def _word_edge_for_engine(pattern: bytes, i: int) -> bool:
    """Whether GNU's `\\<` (or `\\>`) at `pattern[i]` is hyperscan's `\\b`: the byte
    after it (before it) is surely a word byte: a letter, digit, `_` or `\\w`."""
    if pattern[i + 1:i + 2] == b"<":
        after = pattern[i + 2:i + 4]
        return after[:1] in (bytes([b]) for b in WORD_BYTES) or after == b"\\w"
    before = pattern[max(0, i - 3):i]
    if before.endswith(b"\\w") or before.endswith(b"\\w+"):
        return True
    return bool(before) and before[-1] in WORD_BYTES and not before[:-1].endswith(b"\\")


def translate(pattern: bytes, group_offset: int = 0, prefix: bytes = b"", word_edges: bool = True) -> Translated:
    """`pattern` in Python's syntax and, if it can be, hyperscan's (see the module's doc).

    With several patterns in one regex, each is translated with `group_offset` (the
    groups before it) and a `prefix` for its group names, so that its back-references
    still name its own groups. `word_edges`: read GNU's `\\<` and `\\>`."""
    out: list[bytes] = []     # for re
    hs: list[bytes] = []      # for hyperscan
    engine_ok, confine, groups = True, False, 0
    scopes: list[list[bytes]] = [[]]  # per open group: the inline-flag groups opened in it
    i, size, after_quantifier = 0, len(pattern), False

    def emit(regex: bytes, engine: bytes | None = None) -> None:
        out.append(regex)
        hs.append(regex if engine is None else engine)

    while i < size:
        byte = pattern[i]
        quantifier = False
        if byte == 0x5C:  # backslash
            letter = pattern[i + 1:i + 2]
            if letter in (b"A",):
                emit(b"^")
                i += 2
            elif letter in (b"Z", b"z"):
                engine_ok = False  # see the "$" below
                emit(b"$")
                i += 2
            elif letter in CLASS_ESCAPES:
                members = CLASS_ESCAPES[letter]
                emit(pattern[i:i + 2], pattern[i:i + 2] if NEWLINE not in members
                     else class_source(members - {NEWLINE}, False) if letter.islower()
                     else class_source((ALL - members) | {NEWLINE}, True))
                i += 2
            elif letter in (b"b", b"B"):
                emit(pattern[i:i + 2])
                i += 2
            elif letter in (b"<", b">") and word_edges:  # GNU's start and end of a word
                if not _word_edge_for_engine(pattern, i):
                    engine_ok = False
                emit(rb"\b(?=\w)" if letter == b"<" else rb"\b(?<=\w)", rb"\b")
                i += 2
            elif BACKREFERENCE.match(pattern, i) and not (len(pattern[i + 1:i + 4]) == 3 and pattern[i + 1:i + 4].isdigit()):
                number = BACKREFERENCE.match(pattern, i)
                engine_ok = False
                emit(b"(?:\\%d)" % (int(number.group(1)) + group_offset))
                i = number.end()
            else:
                value, end = _escape_byte(pattern, i)
                if value is None:  # a backreference, or an escape re will judge
                    engine_ok = False
                    emit(pattern[i:end])
                else:
                    if value == NEWLINE:
                        engine_ok = False
                    emit(pattern[i:end], b"\\x%02x" % value)
                i = end
        elif byte == 0x5B:  # "["
            bare = BARE_POSIX.match(pattern, i)
            if bare is not None:
                name = bare.group(0).decode("latin-1")
                raise DialectError(f"character class syntax is [{name}], not {name}")
            parsed = _bracket(pattern, i)
            if parsed is None:
                engine_ok = False
                end = _class_end(pattern, i)
                emit(_quiet_class(pattern[i:end]))
                i = end
            else:
                members, negated, end = parsed
                if negated:
                    emit(class_source(members | {NEWLINE}, True))
                elif members - {NEWLINE}:
                    emit(class_source(members - {NEWLINE}, False))
                else:  # only a newline: matches nothing inside a line
                    engine_ok = False
                    emit(class_source(members, False))
                i = end
        elif byte == 0x28:  # "("
            if pattern.startswith(b"(?", i):
                flags = FLAGS.match(pattern, i)
                if flags is not None and flags.group(1):
                    letters = flags.group(1).split(b"-")[0]
                    if b"s" in letters or b"x" in flags.group(1):
                        engine_ok = False
                    if flags.group(2) == b")":  # (?i): to the end of the enclosing group
                        opener = b"(?" + flags.group(1) + b":"
                        scopes[-1].append(opener)
                        emit(opener)
                    else:
                        scopes.append([])
                        emit(flags.group(0))
                    i = flags.end()
                    continue
                rest = pattern[i + 2:i + 4]
                if rest[:1] in (b"=", b"!") or rest in (b"<=", b"<!"):
                    confine, engine_ok = True, False
                    length = 3 if rest[:1] in (b"=", b"!") else 4
                elif GROUP_NAME.match(pattern, i):  # (?<name>...): Python spells it (?P<name>...)
                    named = GROUP_NAME.match(pattern, i)
                    groups += 1
                    emit(b"(?P<" + prefix + named.group(1) + b">")
                    scopes.append([])
                    i = named.end()
                    continue
                elif GROUP_USE.match(pattern, i):  # (?P=name), (?(1)...), (?(name)...)
                    used = GROUP_USE.match(pattern, i)
                    name = used.group(1)
                    name = b"%d" % (int(name) + group_offset) if name.isdigit() else prefix + name
                    engine_ok = False
                    head = used.group(0)[:3]
                    if head == b"(?(":
                        scopes.append([])
                        emit(b"(?(" + name + b")")
                    else:
                        emit(b"(?P=" + name + b")")
                    i = used.end()
                    continue
                elif rest[:1] == b"#":  # a comment
                    end = pattern.find(b")", i)
                    end = size if end < 0 else end + 1
                    out.append(pattern[i:end])
                    i = end
                    continue
                elif rest[:1] == b":":
                    length = 3
                else:  # (?P<name>, (?P=name), (?>...), (?(1)...): re's alone
                    if rest[:2] != b"P<":
                        engine_ok = False
                    length = 2
                scopes.append([])
                emit(pattern[i:i + length])
                i += length
                continue
            scopes.append([])
            groups += 1
            emit(b"(")
            i += 1
        elif byte == 0x29:  # ")"
            emit(b")" * len(scopes[-1]))
            if len(scopes) > 1:
                scopes.pop()
            emit(b")")
            i += 1
            quantifier = False
        elif byte == 0x7C:  # "|": the inline flags of this group go on in the next alternative
            emit(b")" * len(scopes[-1]) + b"|" + b"".join(scopes[-1]))
            i += 1
        elif byte == 0x7B:  # "{"
            empty_start = EMPTY_QUANTIFIER_START.match(pattern, i)
            if empty_start is not None:
                emit(b"{0," + empty_start.group(1) + b"}")
                i = empty_start.end()
                quantifier = True
            else:
                emit(pattern[i:i + 1])
                i += 1
        else:
            if byte == 0x2B and after_quantifier:  # possessive: a++
                engine_ok = False
            if byte == 0x24:  # hyperscan 5.4 misses some line ends with "$" in multi-line mode: re's
                engine_ok = False
            quantifier = byte in QUANTIFIERS
            emit(pattern[i:i + 1])
            i += 1
        after_quantifier = quantifier
    emit(b")" * len(scopes[0]))
    return Translated(b"".join(out), b"".join(hs) if engine_ok else None, confine, groups)


def _class_end(pattern: bytes, i: int) -> int:
    """Where a class this reader could not parse ends, by re's rules (or the pattern's end)."""
    j = i + 1
    if pattern[j:j + 1] == b"^":
        j += 1
    if pattern[j:j + 1] == b"]":
        j += 1
    while j < len(pattern):
        if pattern[j] == 0x5C:
            j += 2
            continue
        if pattern[j] == 0x5D:
            return j + 1
        j += 1
    return len(pattern)


def _quiet_class(source: bytes) -> bytes:
    """A class left to re, with the characters that make Python warn ("Possible nested
    set", set operations) escaped: their meaning in re today is the literal one anyway."""
    body, out, j = source[1:], [b"["], 0
    while j < len(body):
        if body[j] == 0x5C:
            out.append(body[j:j + 2])
            j += 2
            continue
        if body[j] == 0x5B or (body[j:j + 2] in (b"--", b"&&", b"~~", b"||")):
            out.append(b"\\" + body[j:j + 1])
        else:
            out.append(body[j:j + 1])
        j += 1
    return b"".join(out)
