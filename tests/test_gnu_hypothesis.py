"""-G and -E against GNU grep (the installed one; skipped when absent) on random patterns of
the POSIX grammar (with GNU's extensions) over random lines: the same lines selected, the
same exit status (an error where grep gives one), and with -o the same leftmost-longest
matches."""
from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import search_with
from gnu import GREP, gnu_grep
from logpipe.pipeline.patterns import PatternError

pytestmark = pytest.mark.skipif(GREP is None, reason="GNU grep is not installed")

LEAVES = (list("ab_-x") + ["\\.", "\\*", "[", "]", "{", "}", "(", ")", "|", "+", "?", "^", "$"]
          + ["[ab]", "[^a]", "[a-c]", "[[:alpha:]]", "[[:digit:]_]", "[]a]", "[^]x]", "[a-]", "[[:space:]]", "[.]"]
          + ["\\w", "\\W", "\\s", "\\S", "\\<", "\\>", "\\b", "\\B", ".", "\\1", "\\2"])
# GNU grep selects lines with dfa.c and finds -o's matches with glibc's regex, which read an
# operator right after an anchor (or a "{" opening an alternative) differently: no -o
# comparison for those, nor for -w/-x around a stray ")" (GNU wraps the pattern's text)
GNU_SPLIT_READINGS = re.compile(r"(\^|\$|\\[<>bB`'])(\*|\+|\?|\{|\\[+?{])|(^|\||\()\{")


def patterns(extended: bool):
    op = (lambda s: s) if extended else (lambda s: "\\" + s)

    def extend(inner):
        quantifier = st.sampled_from(["*", op("+"), op("?"), op("{2}"), op("{1,}"), op("{0,2}"), op("{,1}")])
        return st.one_of(st.tuples(inner, quantifier).map("".join),
                         st.lists(inner, min_size=2, max_size=4).map("".join),
                         st.tuples(inner, inner).map(lambda pair: pair[0] + op("|") + pair[1]),
                         inner.map(lambda x: op("(") + x + op(")")),
                         inner.map(lambda x: "^" + x), inner.map(lambda x: x + "$"))

    return st.recursive(st.sampled_from(LEAVES), extend, max_leaves=8)


def logpipe(backend: str, pattern: str, data: bytes, **options):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "lines"
        path.write_bytes(data)
        try:
            result = search_with(backend)(pattern.encode(), path, **options)
        except PatternError:
            return b"", 2
        return result.out, result.status


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.booleans(), st.data(), st.lists(st.text(alphabet="ab_- x.*(){}|+?^$[]", max_size=8), min_size=1, max_size=6),
       st.sampled_from([[], ["-i"], ["-w"], ["-x"]]))
def test_same_lines_and_matches_as_gnu_grep(extended, data, lines, flags):
    pattern = data.draw(patterns(extended))
    text = "".join(line + "\n" for line in lines).encode()
    dialect = ["-E" if extended else "-G"]
    gnu = gnu_grep([*dialect, *flags, "-e", pattern], text)
    options = {"syntax": "extended" if extended else "basic", "ignore_case": "-i" in flags,
               "word_regexp": "-w" in flags, "line_regexp": "-x" in flags}
    for backend in ("pull", "push"):
        out, status = logpipe(backend, pattern, text, **options)
        assert status == gnu.returncode, (pattern, text, gnu.stderr)
        assert out == (gnu.stdout if status != 2 else b""), (pattern, text)
    if gnu.returncode == 0 and not GNU_SPLIT_READINGS.search(pattern) and not (flags and ")" in pattern):
        gnu_only = gnu_grep([*dialect, "-o", *flags, "-e", pattern], text).stdout
        for backend in ("pull", "push"):
            assert logpipe(backend, pattern, text, only_matching=True, with_filename=False, **options)[0] == gnu_only
