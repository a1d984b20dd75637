"""GNU grep's table-driven tests (spencer1, spencer2, bre.tests, ere.tests, vendored in
tests/data/gnu-grep/ with their notice) run through logpipe: -E for spencer1, spencer2 and
ere.tests (as GNU's drivers run them), -G for bre.tests. Each row is `status@pattern@input`:
the pattern searched in a one-line file must give that exit status (0 a match, 1 none, 2 an
error). Where GNU grep 3.8 itself gives another status than the table (rows GNU's own
suite does not run: spencer2, and the rows with a 4th field, Spencer's remark), logpipe
gives GNU grep 3.8's: those rows are listed below and in the README."""
from __future__ import annotations

import pytest

from conftest import search_with
from gnu import GREP, gnu_grep, table_rows
from logpipe.pipeline.patterns import PatternError

DIALECTS = {"spencer1.tests": "extended", "spencer2.tests": "extended", "bre.tests": "basic", "ere.tests": "extended"}
ROWS = [row for table in DIALECTS for row in table_rows(table)]

# Rows where GNU grep 3.8 gives another status than the table: GNU grep's status (checked
# against the installed grep by test_gnu_grep_gives_the_listed_status).
GNU_STATUS = {
    "spencer2.tests:14": 0,  # 'a)' on 'a)': table 2
    "spencer2.tests:15": 0,  # ')' on ')': table 2
    "spencer2.tests:16": 0,  # 'a)' on 'a)': table 2
    "spencer2.tests:118": 0,  # '{' on '{': table 2
    "spencer2.tests:119": 0,  # '{abc' on '{abc': table 2
    "spencer2.tests:120": 1,  # '{1' on 'BADRPT': table 2
    "spencer2.tests:122": 0,  # 'a{b' on 'a{b': table 2
    "spencer2.tests:129": 1,  # 'a{1' on 'EBRACE': table 2
    "spencer2.tests:131": 1,  # 'a{1a' on 'EBRACE': table 2
    "spencer2.tests:133": 1,  # 'a{1a}' on 'BADBR': table 2
    "spencer2.tests:139": 1,  # 'a{1,x}' on 'BADBR': table 2
    "spencer2.tests:141": 1,  # 'a{1,x' on 'EBRACE': table 2
    "spencer2.tests:145": 2,  # 'a{1,0}' on 'BADBR': table 1
    "spencer2.tests:177": 0,  # 'a*{b}' on 'a{b}': table 2
    "spencer2.tests:193": 2,  # 'a[3-1]c' on 'ERANGE': table 1
    "spencer2.tests:194": 2,  # 'a[1-3-5]c' on 'ERANGE': table 1
    "spencer2.tests:195": 0,  # 'a[[.-.]--]c' on 'a-c': table 1
    "spencer2.tests:200": 2,  # 'a[[.x.]' on 'EBRACK': table 1
    "spencer2.tests:201": 0,  # 'a[[.x.]]' on 'ax': table 1
    "spencer2.tests:202": 2,  # 'a[[.x,.]]' on 'ECOLLATE': table 1
    "spencer2.tests:203": 2,  # 'a[[.one.]]b' on 'a1b': table 1
    "spencer2.tests:204": 2,  # 'a[[.notdef.]]b' on 'ECOLLATE': table 1
    "spencer2.tests:205": 0,  # 'a[[.].]]b' on 'a]b': table 1
    "spencer2.tests:226": 0,  # 'a[[=b=]]c' on 'abc': table 1
    "spencer2.tests:230": 2,  # 'a[[=b=]' on 'EBRACK': table 1
    "spencer2.tests:231": 2,  # 'a[[=b,=]]' on 'ECOLLATE': table 1
    "spencer2.tests:232": 2,  # 'a[[=one=]]b' on 'a1b': table 1
    "bre.tests:17": 1,  # '\\(\\{1\\}a\\)' on 'BADRPT': table 2 (TO CORRECT)
    "bre.tests:19": 1,  # '^\\{1\\}' on 'BADRPT': table 2 (TO CORRECT)
    "bre.tests:35": 1,  # 'a\\(***\\)b' on 'BADRPT': table 2 (TO CORRECT)
    "bre.tests:38": 1,  # '***a' on 'BADRPT': table 2 (TO CORRECT)
    "bre.tests:59": 1,  # 'a\\{1\\}\\{1\\}' on 'BADRPT': table 2 (TO CORRECT)
    "bre.tests:60": 0,  # 'a*\\{1\\}' on 'BADRPT': table 2 (TO CORRECT)
    "bre.tests:61": 0,  # 'a\\{1\\}*' on 'BADRPT': table 2 (TO CORRECT)
    "ere.tests:22": 0,  # '|' on 'EMPTY': table 2 (NO ALTERNATION)
    "ere.tests:23": 0,  # '*' on 'BADRPT': table 2 (TO CORRECT)
    "ere.tests:24": 0,  # '+' on 'BADRPT': table 2 (TO CORRECT)
    "ere.tests:25": 0,  # '?' on 'BADRPT': table 2 (TO CORRECT)
    "ere.tests:28": 0,  # 'a||b' on 'EMPTY': table 2 (NO ALTERNATION)
    "ere.tests:29": 0,  # '|ab' on 'EMPTY': table 2 (NO ALTERNATION)
    "ere.tests:30": 0,  # 'ab|' on 'EMPTY': table 2 (NO ALTERNATION)
    "ere.tests:31": 1,  # '(|a)b' on 'EMPTY': table 2 (NO ALTERNATION)
    "ere.tests:32": 1,  # '(a|)b' on 'EMPTY': table 2 (NO ALTERNATION)
    "ere.tests:33": 1,  # '(*a)' on 'BADRPT': table 2 (TO CORRECT)
    "ere.tests:34": 1,  # '(+a)' on 'BADRPT': table 2 (TO CORRECT)
    "ere.tests:35": 1,  # '(?a)' on 'BADRPT': table 2 (TO CORRECT)
    "ere.tests:36": 1,  # '({1}a)' on 'BADRPT': table 2 (TO CORRECT)
    "ere.tests:37": 1,  # '(a|*b)' on 'BADRPT': table 2 (NO ALTERNATION)
    "ere.tests:38": 1,  # '(a|+b)' on 'BADRPT': table 2 (NO ALTERNATION)
    "ere.tests:39": 1,  # '(a|?b)' on 'BADRPT': table 2 (NO ALTERNATION)
    "ere.tests:40": 1,  # '(a|{1}b)' on 'BADRPT': table 2 (NO ALTERNATION)
    "ere.tests:41": 0,  # '^*' on 'BADRPT': table 2 (TO CORRECT)
    "ere.tests:42": 0,  # '^+' on 'BADRPT': table 2 (TO CORRECT)
    "ere.tests:43": 0,  # '^?' on 'BADRPT': table 2 (TO CORRECT)
    "ere.tests:44": 0,  # '^{1}' on 'BADRPT': table 2 (TO CORRECT)
    "ere.tests:50": 1,  # 'a\\bc' on 'abc': table 0 (TO CORRECT)
    "ere.tests:69": 0,  # '{1}' on 'BADRPT': table 2 (TO CORRECT)
    "ere.tests:81": 1,  # 'a{1,x' on 'EBRACE': table 2 (TO CORRECT)
    "ere.tests:82": 1,  # 'a{300}' on 'BADBR': table 2 (TO CORRECT)
    "ere.tests:91": 0,  # 'a**' on 'BADRPT': table 2 (TO CORRECT)
    "ere.tests:92": 1,  # 'a++' on 'BADRPT': table 2 (TO CORRECT)
    "ere.tests:93": 0,  # 'a??' on 'BADRPT': table 2 (TO CORRECT)
    "ere.tests:94": 0,  # 'a*+' on 'BADRPT': table 2 (TO CORRECT)
    "ere.tests:95": 0,  # 'a*?' on 'BADRPT': table 2 (TO CORRECT)
    "ere.tests:96": 0,  # 'a+*' on 'BADRPT': table 2 (TO CORRECT)
    "ere.tests:97": 0,  # 'a+?' on 'BADRPT': table 2 (TO CORRECT)
    "ere.tests:98": 0,  # 'a?*' on 'BADRPT': table 2 (TO CORRECT)
    "ere.tests:99": 0,  # 'a?+' on 'BADRPT': table 2 (TO CORRECT)
    "ere.tests:100": 1,  # 'a{1}{1}' on 'BADRPT': table 2 (TO CORRECT)
    "ere.tests:101": 0,  # 'a*{1}' on 'BADRPT': table 2 (TO CORRECT)
    "ere.tests:102": 1,  # 'a+{1}' on 'BADRPT': table 2 (TO CORRECT)
    "ere.tests:103": 0,  # 'a?{1}' on 'BADRPT': table 2 (TO CORRECT)
    "ere.tests:104": 0,  # 'a{1}*' on 'BADRPT': table 2 (TO CORRECT)
    "ere.tests:105": 1,  # 'a{1}+' on 'BADRPT': table 2 (TO CORRECT)
    "ere.tests:106": 0,  # 'a{1}?' on 'BADRPT': table 2 (TO CORRECT)
    "ere.tests:130": 2,  # 'a[[.one.]]b' on 'a1b': table 0 (TO CORRECT)
    "ere.tests:153": 2,  # 'a[[=one=]]b' on 'a1b': table 0 (TO CORRECT)
    "ere.tests:171": 1,  # 'aBc' on 'Abc': table 0 (TO CORRECT)
    "ere.tests:172": 1,  # 'a[Bc]*d' on 'abBCcd': table 0 (TO CORRECT)
    "ere.tests:173": 1,  # '0[[:upper:]]1' on '0a1': table 0 (TO CORRECT)
    "ere.tests:174": 1,  # '0[[:lower:]]1' on '0A1': table 0 (TO CORRECT)
    "ere.tests:176": 0,  # 'a[^b]c' on 'aBc': table 1 (TO CORRECT)
    "ere.tests:199": 1,  # 'aZb' on 'a': table 0 (TO CORRECT)
    "ere.tests:200": 2,  # '[[:<:]]a' on 'a': table 0 (TO CORRECT)
    "ere.tests:201": 2,  # '[[:<:]]a' on 'ba': table 1 (TO CORRECT)
    "ere.tests:202": 2,  # '[[:<:]]a' on '-a': table 0 (TO CORRECT)
    "ere.tests:203": 2,  # 'a[[:>:]]' on 'a': table 0 (TO CORRECT)
    "ere.tests:204": 2,  # 'a[[:>:]]' on 'ab': table 1 (TO CORRECT)
    "ere.tests:205": 2,  # 'a[[:>:]]' on 'a-': table 0 (TO CORRECT)
    "ere.tests:206": 2,  # '[[:<:]]a.c[[:>:]]' on 'axcd-dayc-dazce-abc': table 0 (TO CORRECT)
    "ere.tests:207": 2,  # '[[:<:]]a.c[[:>:]]' on 'axcd-dayc-dazce-abc-q': table 0 (TO CORRECT)
    "ere.tests:208": 2,  # '[[:<:]]a.c[[:>:]]' on 'axc-dayc-dazce-abc': table 0 (TO CORRECT)
    "ere.tests:209": 2,  # '[[:<:]]b.c[[:>:]]' on 'a_bxc-byc_d-bzc-q': table 0 (TO CORRECT)
    "ere.tests:210": 2,  # '[[:<:]].x..[[:>:]]' on 'y_xa_-_xb_y-_xc_-axdc': table 0 (TO CORRECT)
    "ere.tests:211": 2,  # '[[:<:]]a_b[[:>:]]' on 'x_a_b': table 1 (TO CORRECT)
}


def expected(row) -> int:
    return GNU_STATUS.get(row.id, row.status)


@pytest.fixture(scope="module")
def subjects(tmp_path_factory):
    """Each row's input as a one-line file."""
    root = tmp_path_factory.mktemp("tables")
    paths = {}
    for row in ROWS:
        path = root / row.id.replace(":", "-")
        path.write_bytes(row.subject + b"\n")
        paths[row.id] = path
    return paths


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_row_gives_the_status_of_gnu_grep(backend, subjects, row):
    try:
        result = search_with(backend)(row.pattern, subjects[row.id], syntax=DIALECTS[row.table])
    except PatternError as err:  # the command line prints "logpipe: " and this, and exits with 2
        assert expected(row) == 2, (row.pattern, row.subject, str(err))
        assert str(err).startswith(row.pattern.decode() + ": ") and "\n" not in str(err)
        return
    assert result.status == expected(row), (row.pattern, row.subject, result.err)
    assert result.err == b""
    assert result.out == (row.subject + b"\n" if result.status == 0 else b"")


def test_the_tables_are_all_there():
    counts = {table: sum(row.table == table for row in ROWS) for table in DIALECTS}
    assert counts == {"spencer1.tests": 144, "spencer2.tests": 317, "bre.tests": 64, "ere.tests": 221}


@pytest.mark.skipif(GREP is None, reason="GNU grep is not installed")
def test_gnu_grep_gives_the_listed_status():
    flags = {"extended": "-E", "basic": "-G"}
    wrong = [(row.id, expected(row)) for row in ROWS
             if gnu_grep([flags[DIALECTS[row.table]], "-e", row.pattern], row.subject + b"\n").returncode
             != expected(row)]
    assert wrong == []
