"""-P: Perl-compatible regexes with PCRE2 itself, when the optional `pcre2` package is
installed (`pip install 'logpipe[pcre]'`); else `matching` runs them with Python's `re`.

PCRE2 (with its JIT) is what GNU grep -P runs: its syntax and meaning exactly (`\\K`,
`(?|...)`, recursion, `\\Q...\\E`, Perl's classes), and 3 to 100 times faster than `re` on
the patterns hyperscan cannot take (lookarounds, back-references). The pattern comes
already translated by `dialect` (`\\A`, `\\Z` and `\\z` as the line's edges, POSIX classes
as byte ranges), all of which PCRE2 reads as the user's pattern meant. Like `re`'s, the
compiled object is searched over blocks in multi-line mode; `matching` checks again on
its line alone any hit that crosses a newline, and runs lookarounds line by line.
"""
from __future__ import annotations

import re


class PerlError(ValueError):
    """PCRE2 refuses the pattern; the message is PCRE2's, without the position."""


def compile_perl(source: bytes, flags: int):
    """`source` compiled by PCRE2 (multi-line; caseless if `flags` has re.IGNORECASE),
    or None when the `pcre2` package is not installed."""
    try:
        import pcre2
    except ImportError:
        return None
    options = pcre2.MULTILINE | (pcre2.IGNORECASE if flags & re.IGNORECASE else 0)
    try:
        return pcre2.compile(source, options)
    except pcre2.PatternError as err:
        message = str(getattr(err, "msg", err))
        raise PerlError(message.split("; ", 1)[-1]) from None
