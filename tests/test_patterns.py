"""Issue 18: patterns as GNU grep reads them (-G, -E, -P), each -e on its own, grep's errors,
leftmost-longest spans for -G/-E/-F, -NUM. Through the command line (click's CliRunner)."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from gnu import GREP, gnu_grep
from logpipe.cli import main


def grep(backend: str, *args: str, stdin: bytes, jobs: int = 1):
    result = CliRunner().invoke(main, ["grep", "--backend", backend, f"-j{jobs}", *args, "-"], input=stdin,
                                catch_exceptions=False)
    return result.stdout_bytes, result.stderr_bytes, result.exit_code


# (logpipe's arguments, input, GNU grep 3.8's output and status): the examples of issue 18,
# with the flag that selects GNU's dialect (GNU grep's default is -G)
EXAMPLES = [
    (["-G", "a\\|b"], b"a\nb\na|b\n", b"a\nb\na|b\n", 0),
    (["-G", "^a\\{2\\}$"], b"aa\n", b"aa\n", 0),
    (["-G", "a+b"], b"a+b\naab\n", b"a+b\n", 0),
    (["-G", "\\(.\\)\\(.\\).\\2\\1"], b"radar\n", b"radar\n", 0),
    (["-E", "-e", "(x)", "-e", "(y)\\1"], b"yy\n", b"yy\n", 0),
    (["\\<a\\>"], b"b a c\n<a>\n", b"b a c\n<a>\n", 0),
    (["-G", "\\<a\\>"], b"b a c\n<a>\nbab\n", b"b a c\n<a>\n", 0),
    (["-G", "[[=a=]]"], b"a\nb\n", b"a\n", 0),
    (["-G", "[[.a.]]"], b"a\nb\n", b"a\n", 0),
    (["[[=a=]]"], b"a\nb\n", b"a\n", 0),
    (["-E", "*a"], b"a\n*\nabc)\nb\n", b"a\nabc)\n", 0),
    (["-E", "a**"], b"a\n*\nb\n", b"a\n*\nb\n", 0),
    (["-E", "^*"], b"a\n*\nb\n", b"a\n*\nb\n", 0),
    (["-E", "a+*"], b"a\n*\n", b"a\n*\n", 0),
    (["-E", "a{1}{1}"], b"a\nb\na{1}{1}\n", b"a\na{1}{1}\n", 0),
    (["-E", "abc)"], b"abc)\nabc\n", b"abc)\n", 0),
    (["-G", "*a"], b"a\n*a\n", b"*a\n", 0),
    (["-G", "^*"], b"a\n*\n", b"*\n", 0),
    (["-G", "a+*"], b"a\naa+\na{1}{1}\n", b"a\naa+\na{1}{1}\n", 0),
    (["-G", "a{1}{1}"], b"a\na{1}{1}\n", b"a{1}{1}\n", 0),
    (["-G", "abc)"], b"abc)\nabc\n", b"abc)\n", 0),
    (["-o", "-E", "a+?"], b"aaa\n", b"aaa\n", 0),
    (["-E", "(?a)"], b"a\n(?a)\nb\n", b"a\n(?a)\n", 0),
]

ERRORS = [  # (arguments, the message after "logpipe: ")
    (["-E", "-e", "(a)", "-e", "\\1"], "\\1: Invalid back reference"),
    (["-e", "[", "-e", "]"], "[: Unmatched [, [^, [:, [., or [="),
    (["-G", "-e", "[", "-e", "]"], "[: Invalid regular expression"),
    (["-E", "a[[:alpha:]"], "a[[:alpha:]: Unmatched [, [^, [:, [., or [="),
    (["-E", "a{}"], "a{}: Invalid content of \\{\\}"),
    (["-E", "b{65536}"], "b{65536}: Regular expression too big"),
    (["-G", "a\\{1"], "a\\{1: Unmatched \\{"),
    (["-G", "\\(a"], "\\(a: Unmatched ( or \\("),
    (["-G", "a\\)"], "a\\): Unmatched ) or \\)"),
    (["-G", "[z-a]"], "[z-a]: Invalid range end"),
    (["-E", "[[:foo:]]"], "[[:foo:]]: Invalid character class name"),
    (["-G", "[[=ab=]]"], "[[=ab=]]: Invalid collation character"),
    (["-G", "[:space:]"], "[:space:]: character class syntax is [[:space:]], not [:space:]"),
    (["-G", "a\\"], "a\\: Trailing backslash"),
    (["(a"], "(a: Unmatched ( or \\("),
    (["-e", "ok", "-e", "(a)\\2"], "(a)\\2: Invalid back reference"),
]


@pytest.mark.parametrize("args,stdin,expected,status", EXAMPLES, ids=lambda v: repr(v) if isinstance(v, list) else "")
def test_issue_examples_select_what_gnu_grep_selects(backend, args, stdin, expected, status):
    out, err, code = grep(backend, *args, stdin=stdin)
    assert (out, code) == (expected, status)
    assert err == b""
    if GREP is not None and args[0] in ("-G", "-E", "-o"):
        gnu = gnu_grep(args, stdin)
        assert (gnu.stdout, gnu.returncode) == (expected, status)


@pytest.mark.parametrize("args,message", ERRORS, ids=lambda v: repr(v) if isinstance(v, list) else "")
def test_a_bad_pattern_is_one_line_naming_it_status_2_before_any_file(backend, tmp_path, args, message):
    missing = tmp_path / "not-there.log"
    result = CliRunner().invoke(main, ["grep", "--backend", backend, *args, str(missing)], catch_exceptions=False)
    assert result.exit_code == 2
    assert result.stdout_bytes == b""
    assert result.stderr_bytes.decode() == f"logpipe: {message}\n"  # and nothing about the missing file


def test_each_pattern_has_its_own_groups_with_several_patterns(backend):
    stdin = b"abab\nxyxy\nabxy\nzz\n"
    for syntax in ([], ["-E"], ["-P"]):
        out, _, code = grep(backend, *syntax, "-e", "(ab)\\1", "-e", "(xy)\\1", stdin=stdin)
        assert (out, code) == (b"abab\nxyxy\n", 0), syntax
    out, _, _ = grep(backend, "-G", "-e", "\\(ab\\)\\1", "-e", "\\(xy\\)\\1", stdin=stdin)
    assert out == b"abab\nxyxy\n"
    out, _, _ = grep(backend, "-e", "(?P<w>ab)(?P=w)", "-e", "(?P<w>xy)(?P=w)", stdin=stdin)
    assert out == b"abab\nxyxy\n"


@pytest.mark.parametrize("jobs", [1, 2])
def test_only_matching_is_leftmost_longest_for_G_E_F_and_leftmost_first_else(backend, jobs):
    for args, expected in [(["-E", "a|ab"], b"ab\n"), (["-G", "a\\|ab"], b"ab\n"), (["a|ab"], b"a\n"),
                           (["-P", "a|ab"], b"a\n"), (["-E", "(a|ab)(c|bcd)(d*)"], b"abcd\n"),
                           (["-E", "a*(ab)?b?"], b"aab\n")]:
        stdin = b"xabcd\n" if "bcd" in args[-1] else b"aab\n" if "b?" in args[-1] else b"xab\n"
        out, _, code = grep(backend, "-o", *args, stdin=stdin, jobs=jobs)
        assert (out, code) == (expected, 0), args
        if GREP is not None and args[0] in ("-E", "-G"):
            assert gnu_grep(["-o", *args], stdin).stdout == expected


def test_fixed_strings_give_the_longest_at_each_place_as_gnu_fgrep(backend):
    out, _, _ = grep(backend, "-F", "-o", "-e", "aa", "-e", "aaa", stdin=b"aaa\n")
    assert out == b"aaa\n"
    out, _, _ = grep(backend, "-F", "-o", "-e", "abcd", "-e", "c", "-e", "bce", stdin=b"abce\n")  # fgrep-longest
    assert out == b"bce\n"


def test_color_and_json_spans_follow_the_dialect(backend):
    out, _, _ = grep(backend, "--color=always", "-E", "a|ab", stdin=b"xab\n")
    assert b"\x1b[01;31m\x1b[Kab\x1b[m" in out
    out, _, _ = grep(backend, "--color=always", "a|ab", stdin=b"xab\n")
    assert b"\x1b[01;31m\x1b[Ka\x1b[m\x1b[Kb" in out
    out, _, _ = grep(backend, "--json", "-G", "x*\\(a\\|ab\\)", stdin=b"xab\n")
    assert b'"submatches":[{"match":{"text":"xab"},"start":0,"end":3}]' in out


def test_back_reference_spans_are_the_longest(backend):
    out, _, _ = grep(backend, "-o", "-E", "(a*)b\\1", stdin=b"aabaa aaba\n")
    assert out == b"aabaa\naba\n"


def test_perl_regexp_reads_pcre(backend):
    out, _, _ = grep(backend, "-o", "-P", "a+?", stdin=b"aaa\n")
    assert out == b"a\na\na\n"
    out, _, _ = grep(backend, "-P", "(?<=port )22\\b", stdin=b"port 22\nport 220\nsport22\n")
    assert out == b"port 22\n"
    out, _, _ = grep(backend, "-P", "-i", "(?-i:E)rror", stdin=b"Error\nerror\nERROR\n")
    assert out == b"Error\nERROR\n"


def test_the_last_of_G_E_P_wins(backend):
    assert grep(backend, "-E", "-G", "a+", stdin=b"aa\na+\n")[0] == b"a+\n"
    assert grep(backend, "-G", "-E", "a+", stdin=b"aa\na+\n")[0] == b"aa\na+\n"
    assert grep(backend, "-G", "-P", "-o", "a+?", stdin=b"aa\n")[0] == b"a\na\n"


def test_number_alone_is_context(backend):
    stdin = b"".join(b"%d\n" % i for i in range(1, 10))
    out, _, code = grep(backend, "-2", "5", stdin=stdin)
    assert (out, code) == (b"3\n4\n5\n6\n7\n", 0)
    assert grep(backend, "-1", "-n", "5", stdin=stdin)[0] == b"4-4\n5:5\n6-6\n"
    assert grep(backend, "-e", "-1", stdin=b"a-1\nb\n")[0] == b"a-1\n"  # a pattern, not a context
    assert grep(backend, "-m", "-1", "b", stdin=b"b\nb\n")[0] == b"b\nb\n"  # -m's value


def test_help_names_each_dialect():
    text = CliRunner().invoke(main, ["grep", "--help"]).output
    for flag in ("-G, --basic-regexp", "-E, --extended-regexp", "-P, --perl-regexp"):
        assert flag in text
    assert "leftmost-longest" in text
