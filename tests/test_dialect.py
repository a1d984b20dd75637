"""The pattern dialect grep and rg users write, and matching that stays inside the line."""
from __future__ import annotations

import io
import re
import subprocess
import sys
import warnings

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from helpers import Result, write
from logpipe.pipeline.dialect import translate
from logpipe.pipeline.matching import Matcher
from logpipe.options import SearchOptions
from logpipe.search import run

LOG = (b"Nov  3 12:00:01 host sshd[123]: Failed password for root from 10.0.0.7 port 22\n"
       b"Nov  3 12:00:02 host CRON[9]: session opened\n"
       b"ERROR: disk full\n"
       b"an error, no ERRORS here\n"
       b"   \tindented\n"
       b"blk_-1234567890123 replicated\n")


def search_patterns(backend: str, block_size: int, patterns: list[str], *paths, **options) -> Result:
    """Like conftest's `logpipe`, with several patterns (-e, -e, ...)."""
    out, err = io.BytesIO(), io.BytesIO()
    status = run(SearchOptions(patterns=tuple(p.encode() for p in patterns), paths=tuple(map(str, paths)),
                               backend=backend, block_size=block_size, **options), out, err)
    return Result(out.getvalue(), err.getvalue(), status)


@pytest.fixture
def log(tmp_path):
    return write(tmp_path / "app.log", LOG)


@pytest.mark.parametrize("pattern,expected", [
    ("[[:digit:]]{3}\\]", [1]),
    ("^[[:upper:]][[:lower:]]+ ", [1, 2]),
    ("^[[:space:]]+[[:alpha:]]+$", [5]),
    ("^[[:alpha:][:punct:]]+ [[:lower:]]+ [[:lower:]]+$", [3]),  # two classes in one bracket
    ("[[:^alpha:][:digit:]]rr", []),
    ("blk_-?[[:digit:]]{10,}", [6]),
    ("host [[:alnum:]]+\\[", [1, 2]),
    ("([0-9]{1,3}\\.){3}[0-9]{1,3}", [1]),
    ("\\d+\\.\\d+", [1]),
    ("\\bERROR\\b", [3]),
    ("\\w+\\[\\d+\\]", [1, 2]),
    ("\\s\\s3", [1, 2]),
])
def test_posix_classes_and_escapes_select_lines(logpipe, log, pattern, expected):
    result = logpipe(pattern, log, line_number=True)
    assert result.err == b""
    assert [int(line.split(b":")[0]) for line in result.lines] == expected
    assert logpipe(pattern, log, count=True).out == b"%d\n" % len(expected)
    assert logpipe(pattern, log, count=True, invert_match=True).out == b"%d\n" % (6 - len(expected))


def test_bare_posix_class_is_an_error_as_in_gnu_grep(log):
    done = subprocess.run([sys.executable, "-m", "logpipe", "grep", "--no-progress", "[:digit:]", str(log)],
                          capture_output=True)
    assert done.returncode == 2
    assert done.stderr == b"logpipe: [:digit:]: character class syntax is [[:digit:]], not [:digit:]\n"
    assert done.stdout == b""


@pytest.mark.parametrize("patterns,options,expected", [
    (["(?i)error"], {"word_regexp": True}, [3, 4]),
    (["(?i)errors"], {"word_regexp": True}, [4]),
    (["(?i)error: disk full"], {"line_regexp": True}, [3]),
    (["zzz", "(?i)CRON"], {}, [2]),
    (["(?i)disk", "root"], {"word_regexp": True}, [1, 3]),
    (["an (?i)ERROR"], {}, [4]),
    (["x|(?i)indented"], {}, [5]),  # the flag goes on to the end of its alternative
    (["(?i)an|nov"], {}, [1, 2, 4]),
    (["(?i:E)rror"], {}, [4]),
])
def test_inline_flags_under_word_line_and_several_patterns(backend, block_size, log, patterns, options, expected):
    result = search_patterns(backend, block_size, patterns, log, line_number=True, **options)
    assert result.err == b""
    assert [int(line.split(b":")[0]) for line in result.lines] == expected
    assert result.status == (0 if expected else 1)


def test_inline_flag_does_not_leak_into_the_alternative_before_it(logpipe, tmp_path):
    path = write(tmp_path / "a.log", b"A\nb\nB\n")
    assert logpipe("a|(?i)b", path).lines == [b"b", b"B"]


@pytest.mark.parametrize("pattern", ["[[a]", "[a-z&&b]", "[a--b]", "[x||y]", "[[:digit:][]", "[~~]"])
def test_no_python_warning_ever_reaches_stderr(pattern, tmp_path):
    path = write(tmp_path / "a.log", b"a[b\n")
    done = subprocess.run([sys.executable, "-W", "always", "-m", "logpipe", "grep", "--no-progress", pattern,
                           str(path)], capture_output=True)
    assert b"Warning" not in done.stderr
    assert done.returncode in (0, 1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Matcher(pattern.encode())
    assert caught == []


# -- matching stays inside the line --------------------------------------------------


@pytest.mark.parametrize("pattern,data,expected", [
    ("(?<=a\\s)b", b"xa\nb\n", b""),          # grep -P: nothing
    ("\\Ab", b"a\nb\n", b"b\n"),               # grep -P: b
    ("a\\Z", b"a\nab\n", b"a\n"),
    ("a\\z", b"a\nab\nba\n", b"a\nba\n"),
    ("(?<!a\\s)b", b"xa\nb\n", b"b\n"),
    ("a(?=\\s)", b"a\nb\na c\n", b"a c\n"),
    ("a(?!\\s)", b"a\nb\n", b"a\n"),
    ("(?<=\\n)b", b"a\nb\n", b""),
    ("b(?=\\nc)", b"b\nc\n", b""),
])
def test_lookarounds_and_anchors_see_only_their_line(logpipe, tmp_path, pattern, data, expected):
    path = write(tmp_path / "a.log", data)
    result = logpipe(pattern, path)
    assert result.out == expected
    assert result.err == b""
    assert result.status == (0 if expected else 1)


def test_count_of_start_anchor_is_every_line(logpipe, tmp_path):
    data = b"".join(b"line %d\n" % i for i in range(30000))  # several blocks at the normal size
    path = write(tmp_path / "a.log", data)
    assert logpipe("\\A", path, count=True).out == b"30000\n"
    assert logpipe("(?<![a-z])line", path, count=True).out == b"30000\n"
    assert logpipe("9\\Z", path, count=True).out == b"3000\n"


def test_lookaround_spans_for_only_matching_stay_in_the_line(logpipe, tmp_path):
    path = write(tmp_path / "a.log", b"xa\nb c\n")
    assert logpipe("(?<=\\s)\\w|\\Ab", path, only_matching=True).out == b"b\nc\n"


def test_only_matching_several_literals_on_a_long_line(backend, block_size, tmp_path):
    path = write(tmp_path / "a.log", b"r " * 200_000 + b"zzz r\n")
    result = search_patterns(backend, block_size, ["r", "zzz"], path, fixed_strings=True, only_matching=True)
    assert result.out == b"r\n" * 200_000 + b"zzz\nr\n"


# -- the engine selects what re selects ----------------------------------------------

PIECES = ["a", "b", " ", ".", "a*", "^", "$", "[ab]", "[^a]", "(a|b )", r"\s", r"\S", r"\w", r"\W", r"\d", r"\D",
          r"\b", r"\B", "b+", "a{2}", "a{,2}", "[[:alpha:]]", "[[:space:]]", "[[:^digit:]]", "1", "(?i)A", "\r",
          "(?i:B)", "x?", "|", "a+?", r"\.", "[0-9]{1,3}"]


def engine_available() -> bool:
    return Matcher(b"a.b").engine is not None


@pytest.mark.skipif(not engine_available(), reason="hyperscan is not installed")
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(pieces=["\\s"], data=b"a\n\nb ", options=(False, False, False))
@example(pieces=["[^a]"], data=b"a\na\n", options=(False, False, False))
@example(pieces=["a*"], data=b"\n\nb\n", options=(False, True, False))
@example(pieces=["a*"], data=b"1111111111111111\n\n", options=(False, False, True))  # -x, empty last line
@given(pieces=st.lists(st.sampled_from(PIECES), min_size=1, max_size=4),
       data=st.text("abAB 1.\r\n\t_", max_size=80).map(str.encode),
       options=st.tuples(st.booleans(), st.booleans(), st.booleans()))
def test_engine_selects_the_lines_re_selects(pieces, data, options):
    ignore_case, word, line = options
    pattern = "".join(pieces).encode()
    try:
        matcher = Matcher(pattern, ignore_case=ignore_case, word=word, line=line)
    except ValueError:
        return
    if matcher.engine is None:
        return
    # Python's \B never matches an empty string; PCRE's and hyperscan's match on an empty line
    assume(not (b"\\B" in pattern and (data.startswith(b"\n") or b"\n\n" in data or data.endswith(b"\n\n"))))
    source = translate(pattern).regex
    if word:
        source = rb"(?<!\w)(?:" + source + rb")(?!\w)"
    if line:
        source = b"^(?:" + source + b")$"
    regex = re.compile(source, re.IGNORECASE if ignore_case else 0)
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    starts = [0]
    for text in lines:
        starts.append(starts[-1] + len(text) + 1)
    expected = [(starts[i], starts[i] + len(text)) for i, text in enumerate(lines) if regex.search(text)]
    assert list(matcher.lines(data)) == expected
    re_only = Matcher(pattern, ignore_case=ignore_case, word=word, line=line)
    re_only.engine = None
    assert list(re_only.lines(data)) == expected
