"""Property: on random trees, both backends print exactly what a line-by-line reference prints."""
from __future__ import annotations

import os
import tempfile

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from helpers import COMPRESSORS, reference_grep, search_with

lines = st.lists(
    st.one_of(st.text("ab \r", max_size=8), st.text("ab", min_size=30, max_size=80)).map(str.encode),
    max_size=12,
)
contents = st.tuples(lines, st.booleans()).map(
    lambda pair: b"\n".join(pair[0]) + (b"\n" if pair[1] and pair[0] else b""))
files = st.dictionaries(
    st.sampled_from(["a.log", "b.gz", "c", ".hidden", "sub/d.log", "sub/e.zst", "sub/x/f"]),
    st.tuples(contents, st.sampled_from(sorted(COMPRESSORS))),
    max_size=5,
)
regex_pieces = st.sampled_from(["a", "b", " ", ".", "a*", "^", "$", "[ab]", "(a|b )", r"\s", "\r", "b+", "a{2}"])
patterns = st.one_of(
    st.tuples(st.text("ab \r", max_size=3), st.just(True)),
    st.tuples(st.lists(regex_pieces, min_size=1, max_size=3).map("".join), st.just(False)),
)


def path_order(name: str) -> list[bytes]:
    return [part.encode() for part in name.split("/")]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=files, pattern=patterns, block_size=st.integers(1, 64), max_count=st.none() | st.integers(0, 3))
def test_both_backends_print_what_the_reference_prints(tree, pattern, block_size, max_count):
    pattern, fixed = pattern[0].encode(), pattern[1]
    with tempfile.TemporaryDirectory() as root:
        expected = []
        for name in sorted(tree, key=path_order):
            data, codec = tree[name]
            path = os.path.join(root, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as out:
                out.write(COMPRESSORS[codec](data))
            found = reference_grep(pattern, data, fixed=fixed)[:max_count]
            expected += [b"%s:%d:%s\n" % (path.encode(), number, line) for number, line in found]
        for backend in ("pull", "push"):
            result = search_with(backend, block_size)(pattern, root, fixed_strings=fixed, line_number=True,
                                                      max_count=max_count)
            assert result.out == b"".join(expected), backend
            assert result.err == b""
            assert result.status == (0 if expected else 1)


@settings(max_examples=300, deadline=None)
@example(literals=[b"", b"a"], data=b"a\n", ignore_case=False)
@given(literals=st.lists(st.text("abAB \r", max_size=3).map(str.encode), min_size=1, max_size=3),
       data=st.text("abAB \r\n", max_size=60).map(str.encode), ignore_case=st.booleans())
def test_literal_fast_paths_select_what_re_selects(literals, data, ignore_case):
    """-i and alternations of literals skip `re`; lines and -o spans must not change. The
    spans of -F are GNU grep's: at the leftmost place, the longest literal (re does that
    when the longer alternatives come first)."""
    import re

    from logpipe.pipeline.matching import Matcher

    fast = Matcher(literals, fixed=True, ignore_case=ignore_case)
    assert fast.literals is not None
    found = Matcher(literals, fixed=True, ignore_case=ignore_case)
    found._literal_engine = None  # one literal by bytes.find, as without hyperscan
    longest_first = sorted(literals, key=len, reverse=True)
    regex = re.compile(b"|".join(re.escape(lit) for lit in longest_first), re.IGNORECASE if ignore_case else 0)
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    expected = [(starts[i], starts[i] + len(line)) for i, line in enumerate(lines) if regex.search(line)]
    assert list(fast.lines(data)) == expected
    assert list(found.lines(data)) == expected
    assert fast.count_lines(data) in (None, len(expected)) and found.count_lines(data) in (None, len(expected))
    for line in lines:
        assert fast.spans(line) == [m.span() for m in regex.finditer(line) if m.end() > m.start()]
        assert fast.match_texts(line) == [m.group() for m in regex.finditer(line) if m.end() > m.start()]
