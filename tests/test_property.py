"""Property: on random trees, both backends print exactly what a line-by-line reference prints."""
from __future__ import annotations

import os
import tempfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import COMPRESSORS, reference_grep, search_with

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
