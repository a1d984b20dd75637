"""Patterns as the user typed them, checked and compiled: each -e/-f pattern on its own
in its dialect (-G/-E through `posix`, the default dialect and -P through `dialect`),
GNU grep's words for what is wrong, literals told apart from regexes."""
from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from typing import NamedTuple

REGEX_METACHARACTERS = frozenset(b".^$*+?{}[]\\|()")
BRE_METACHARACTERS = frozenset(b".^$*[]\\")
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


def compile_regex(source: bytes, flags: int, syntax: str, patterns: list[bytes]):
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


def posix_patterns(split: list[bytes], extended: bool, ignore_case: bool, flags: int, word: bool,
           line: bool) -> tuple[list, bool, bool, list, bool]:
    """-G, -E: each pattern parsed and checked on its own, as GNU grep reads it: the
    translations, -w and -x as they stand after it, the trees, whether any back-reference."""
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
    return translated, word, line, trees, backrefs

def dialect_patterns(split: list[bytes], flags: int, syntax: str) -> list:
    """The default dialect and -P: each pattern translated and compiled on its own
    (its own groups, brackets, back-references), then joined with its groups renumbered."""
    from .dialect import DialectError, translate

    translated, offset = [], 0
    for number, pattern in enumerate(split):
        try:
            alone = translate(pattern, word_edges=syntax == "default")
        except DialectError as err:
            raise PatternError(f"{shown(pattern)}: {err}") from None
        compile_regex(alone.regex, flags, syntax, [pattern])  # its own errors, in its own words
        if len(split) > 1:
            alone = translate(pattern, offset, b"p%d_" % number, word_edges=syntax == "default")
        translated.append(alone)
        offset += alone.groups
    return translated


def split_patterns(patterns: bytes | str | Iterable[bytes | str]) -> list[bytes]:
    """The patterns as bytes, one a line: a pattern holding a newline is several, as in grep."""
    if isinstance(patterns, (bytes, str)):
        patterns = [patterns]
    split = []
    for pattern in patterns:
        if isinstance(pattern, str):
            pattern = pattern.encode("utf-8", "surrogateescape")
        split.extend(pattern.split(b"\n"))
    return split


class Compiled(NamedTuple):
    """Patterns that are not plain literals, compiled."""

    regex: re.Pattern
    engine: object | None   # hyperscan's line selector, when it can express every pattern
    confine: bool           # lookarounds: run on each line alone
    word: bool              # -w and -x as they stand (GNU's -w/-x around a stray ")" turns them off)
    line: bool
    flags: int
    trees: list | None      # -G, -E: the parsed trees, for leftmost-longest spans
    backrefs: bool


def compile_patterns(split: list[bytes], fixed: bool, syntax: str, ignore_case: bool, word: bool,
                     line: bool) -> Compiled:
    """Each pattern checked on its own in its dialect, then all joined into one regex (and
    one hyperscan database where it can express them); -w, -x around the whole."""
    from .engine import compile_lines

    trees, backrefs = None, False
    flags = re.MULTILINE | (re.IGNORECASE if ignore_case else 0)
    if fixed:
        from .dialect import Translated

        translated = [Translated(re.escape(p), re.escape(p), False) for p in split]
    elif syntax in ("basic", "extended"):
        translated, word, line, trees, backrefs = posix_patterns(
            split, syntax == "extended", ignore_case, flags, word, line)
    else:
        translated = dialect_patterns(split, flags, syntax)
    parts = [t.regex for t in translated]
    source = b"|".join(b"(?:" + part + b")" for part in parts) if len(parts) > 1 else parts[0]
    if word:
        source = rb"(?<!\w)(?:" + source + rb")(?!\w)"
    if line:
        source = b"^(?:" + source + b")$"
    # lookarounds could see the neighbouring lines of a block: such patterns run per line
    confine = any(t.confine for t in translated)
    regex = compile_regex(source, flags, syntax, split)
    engine = None  # a hyperscan database selecting lines, when it can express the patterns
    if not confine and all(t.engine is not None for t in translated):
        engine = compile_lines(tuple(t.engine for t in translated), ignore_case, word, line)
    return Compiled(regex, engine, confine, word, line, flags, trees, backrefs)
