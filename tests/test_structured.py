"""Structured logs (issue 22): --where, --level and --fields on JSON lines, logfmt and text
logs, with grep's options; jq (or a reference parser of the tests') says what is selected."""
from __future__ import annotations

import gzip
import json
import re
import time

import pytest

import logpipe.executors.workers
from helpers import CORPUS, search_with, write
from logpipe.demo import json_line, logfmt_line, service_events
from structured import (JQ, JQ_OF, REFERENCE_OF, by_file, decompressed, jq_lines, json_tree, logfmt_tree,
                        reference_logfmt, where_options)

EXPRESSIONS = ["level=error", "status>=500 and not path~^/health", "user.id=42", "--level warn"]


@pytest.fixture(params=[1, 2], ids=["j1", "j2"])
def threads(request, monkeypatch):
    """-j1, and -j2 with every file searched by a worker process."""
    monkeypatch.setattr(logpipe.executors.workers, "START_WORKERS_AFTER", 0.0)
    return request.param


@pytest.fixture(scope="module")
def json_logs(tmp_path_factory):
    root = tmp_path_factory.mktemp("json")
    return root, json_tree(root)


@pytest.fixture(scope="module")
def logfmt_logs(tmp_path_factory):
    root = tmp_path_factory.mktemp("logfmt")
    return root, logfmt_tree(root)


# -- the Done-when list: exactly what jq, or the reference, selects --------------------------


@pytest.mark.skipif(JQ is None, reason="jq is not installed")
@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_json_tree_selects_what_jq_selects(logpipe, threads, json_logs, expression, monkeypatch):
    root, contents = json_logs
    monkeypatch.chdir(root)
    result = logpipe(b"", "svc", patterns=(), threads=threads, **where_options(expression))
    assert result.err == b"" and result.status == 0
    found = by_file(result.out)
    for name, data in contents.items():
        expected = jq_lines(JQ_OF[expression], data)
        assert [json.loads(line) for line in found.get(name, [])] == expected, name
        assert all(line in data.split(b"\n") for line in found.get(name, []))  # bytes as they are
    assert sum(map(len, found.values())) > 10


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_logfmt_tree_selects_what_the_reference_selects(logpipe, threads, logfmt_logs, expression, monkeypatch):
    root, contents = logfmt_logs
    monkeypatch.chdir(root)
    result = logpipe(b"", "svc", patterns=(), threads=threads, **where_options(expression))
    assert result.err == b"" and result.status == 0
    found = by_file(result.out)
    test = REFERENCE_OF[expression]
    for name, data in contents.items():
        expected = [line for line in data.split(b"\n")[:-1] if test(reference_logfmt(line))]
        assert found.get(name, []) == expected, name
    assert sum(map(len, found.values())) > 10


def test_the_regex_way_misses_what_where_finds(search, json_logs, monkeypatch):
    """Why the option exists: the regex users write today misses other spellings."""
    root, _ = json_logs
    monkeypatch.chdir(root)
    regex = search(b'"level": ?"error"', "svc", count=True).out
    where = search(b"", "svc", patterns=(), where=("level=error",), count=True).out
    assert sum(int(n) for n in re.findall(rb":(\d+)", where)) > sum(int(n) for n in re.findall(rb":(\d+)", regex))


# -- with grep's options ------------------------------------------------------------------------


def _lines(n: int, seed: int = 11) -> bytes:
    return b"".join(map(json_line, service_events(n, seed)))


def test_pattern_and_where_must_both_match_and_v_inverts_the_whole(logpipe, tmp_path):
    data = _lines(400) + b"not json at all, error\n"
    log = write(tmp_path / "a.log", data)
    lines = data.split(b"\n")[:-1]
    both = logpipe(b"timeout", log, where=("level=error",))
    assert both.out.split(b"\n")[:-1] == [line for line in lines if b"timeout" in line and b'"level":"error"' in line]
    inverted = logpipe(b"timeout", log, where=("level=error",), invert_match=True)
    assert inverted.out.split(b"\n")[:-1] == [line for line in lines
                                               if not (b"timeout" in line and b'"level":"error"' in line)]
    alone = logpipe(b"", log, patterns=(), where=("level=error",), invert_match=True)
    assert b"not json at all, error" in alone.out  # a line without fields is not level=error
    assert alone.out.count(b"\n") == sum(1 for line in lines if b'"level":"error"' not in line)


@pytest.mark.parametrize("options", [{"count": True}, {"max_count": 3}, {"files_with_matches": True},
                                     {"files_without_match": True}, {"max_count": 2, "count": True},
                                     {"after_context": 1, "line_number": True}, {"before_context": 2, "max_count": 2},
                                     {"quiet": True}, {"byte_offset": True, "line_number": True}])
def test_counts_limits_and_context_count_what_where_selects(logpipe, tmp_path, options):
    data = _lines(300)
    (tmp_path / "d").mkdir()
    write(tmp_path / "d" / "a.log", data)
    write(tmp_path / "d" / "none.log", _lines(5, 3).replace(b'"error"', b'"info"').replace(b'"fatal"', b'"info"'))
    result = logpipe(b"", tmp_path / "d", patterns=(), where=("level=error",), **options)
    # the same search written as a pattern that selects exactly those lines here
    reference = logpipe(b'"level":"error"', tmp_path / "d", fixed_strings=True, **options)
    assert result == reference and result.status == 0


def test_records_are_selected_on_their_first_line(logpipe, tmp_path):
    log = write(tmp_path / "app.log", b"2026-05-01 10:00:00 INFO started\n"
                                      b"2026-05-01 10:00:01 ERROR request failed\n"
                                      b"java.lang.IllegalStateException: boom\n"
                                      b"\tat com.acme.Main.main(Main.java:10)\n"
                                      b"2026-05-01 10:00:02 WARN slow ERROR-free\n"
                                      b"\tat a.b(C.java:1)\n"
                                      b"2026-05-01 10:00:03 INFO done\n")
    result = logpipe(b"", log, patterns=(), level="error", records=True, line_number=True)
    assert result.out == (b"2:2026-05-01 10:00:01 ERROR request failed\n"
                          b"3-java.lang.IllegalStateException: boom\n"
                          b"4-\tat com.acme.Main.main(Main.java:10)\n")
    warned = logpipe(b"", log, patterns=(), level="warn", records=True, count=True)
    assert warned.out == b"2\n"
    frames = logpipe(b"at ", log, level="warn", records=True, invert_match=True, count=True)
    assert frames.out == b"2\n"  # -v: the two records that are not (warn or worse with a frame)


def test_time_bounds_and_sort_time_with_where(search, tmp_path):
    events = service_events(600, 5, (1796000000, 1796003600))
    write(tmp_path / "a.log", b"".join(map(json_line, events[::2])))
    write(tmp_path / "b.log.gz", b"".join(map(json_line, events[1::2])), "gzip")
    options = {"patterns": (), "where": ("level=error",), "tz": "UTC"}
    bounded = search(b"", tmp_path, since=1796001000.0, until=1796002000.0, with_filename=True, **options)
    low, high = (time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(bound)) for bound in (1796001000, 1796002000))
    expected = [json_line(e)[:-1] for e in events if e["level"] == "error" and low <= e["time"][:19] < high]
    assert sorted(line.split(b":", 1)[1] for line in bounded.out.split(b"\n")[:-1]) == sorted(expected)
    merged = search(b"", tmp_path, sort="time", with_filename=False, **options)
    assert merged.out.split(b"\n")[:-1] == [json_line(e)[:-1] for e in events if e["level"] == "error"]


def test_standard_input_and_urls_with_where(backend, tmp_path):
    import http.server

    from servers import serving

    data = _lines(200)
    write(tmp_path / "a.log.gz", data, "gzip")
    expected = b"".join(line + b"\n" for line in data.split(b"\n")[:-1] if b'"status":5' in line)
    handler = lambda *args: http.server.SimpleHTTPRequestHandler(*args, directory=str(tmp_path))  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    with serving(server) as base:
        remote = search_with(backend)(b"", f"{base}/a.log.gz", patterns=(), where=("status>=500",))
    assert remote.out == expected and remote.status == 0


def test_dask_cluster_prints_what_one_process_prints(backend, tmp_path):
    distributed = pytest.importorskip("distributed")
    for i in range(4):
        write(tmp_path / f"f{i}.log", _lines(150, i), "gzip" if i % 2 else "plain")
    options = {"patterns": (), "where": ("status>=500 and not path~^/health",), "line_number": True}
    one = search_with(backend)(b"", tmp_path, **options)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp",
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        dask = search_with(backend)(b"", tmp_path, dask=cluster.scheduler_address, **options)
    assert dask == one and one.out


# -- formats ------------------------------------------------------------------------------


TEXT_LOG = (b"2026-05-01 10:00:00,001 INFO [main] started\n"
            b"2026-05-01 10:00:01,002 WARN [db] slow query took=1.5s\n"
            b"2026-05-01 10:00:02,003 ERROR [http] request failed status=503\n"
            b"<3>Nov 30 17:53:34 web01 app: disk failing\n"
            b"<14>Nov 30 17:53:35 web01 app: all fine\n"
            b"E1130 17:53:34.123456    1234 main.go:42] cannot connect\n"
            b"I1130 17:53:35.123456    1234 main.go:43] connected, no error\n"
            b"03-17 16:13:38.811  1702  2395 W WindowManager: slow frame\n"
            b"03-17 16:13:38.812  1702  2395 D WindowManager: frame ok\n"
            b"[Sun Dec 04 04:47:44 2005] [error] mod_jk child in error state\n"
            b"[Sun Dec 04 04:47:45 2005] [notice] workerEnv.init() ok\n"
            b"    at a continuation line without a time, ERROR in it\n")


def test_level_reads_text_logs_level_words_letters_and_priorities(logpipe, tmp_path):
    log = write(tmp_path / "text.log", TEXT_LOG)
    warn = logpipe(b"", log, patterns=(), level="warning")
    assert [line.split()[0][:4] for line in warn.out.split(b"\n")[:-1]] == \
        [b"2026", b"2026", b"<3>N", b"E113", b"03-1", b"[Sun"]
    assert logpipe(b"", log, patterns=(), where=("level=ERROR",), count=True).out == b"1\n"
    assert logpipe(b"", log, patterns=(), where=("status>=500",)).out == TEXT_LOG.split(b"\n")[2] + b"\n"
    assert logpipe(b"", log, patterns=(), where=("took>1s",), count=True).out == b"1\n"


@pytest.mark.parametrize("spelling, rank", [("warn", 3), ("WARNING", 3), ("E", 4), ("3", 4), ("50", 4),
                                           ("crit", 5), ("trace", 0), ("info", 2)])
def test_level_synonyms_syslog_and_bunyan_numbers(search, tmp_path, spelling, rank):
    # (line, its rank): Bunyan/pino 10-60, syslog severities 0-7, other keys and spellings
    lines = [(b'{"level":%d}' % n, r) for n, r in ((10, 0), (20, 1), (30, 2), (35, 2), (40, 3), (50, 4), (60, 5))]
    lines += [(b'{"level":%d,"syslog":1}' % n, r) for n, r in enumerate((5, 5, 5, 4, 3, 2, 2, 1))]
    lines += [(b'{"severity":"WARNING"}', 3), (b"level=err x=1", 4), (b'{"lvl":"E"}', 4), (b'{"log":{"level":"fatal"}}', 5),
              (b'{"level":"Information"}', 2), (b'{"level":"dpanic"}', 5), (b'{"level":"chatty"}', -1), (b'{"x":1}', -1)]
    log = write(tmp_path / "n.log", b"".join(line + b"\n" for line, _ in lines))
    result = search(b"", log, patterns=(), level=spelling)
    assert result.out == b"".join(line + b"\n" for line, r in lines if r >= rank)


def test_json_behind_a_prefix_and_mixed_files(search, tmp_path):
    log = write(tmp_path / "k8s.log",
                b'2026-11-30T12:00:00.123456789Z stdout F {"level":"error","msg":"a"}\n'
                b'2026-11-30T12:00:01.000000000Z stderr F {"level":"info","msg":"error b"}\n'
                b'web-1  | {"level":"error","msg":"c"}\n'
                b'2026-11-30 12:00:02 ERROR text with json tail {"level":"info"}\n'
                b'ts=2026-11-30T12:00:03Z level=error msg=d\n')
    result = search(b"", log, patterns=(), where=("level=error",), fields=("msg",))
    assert result.out == b"a\nc\nd\n"
    assert search(b"", log, patterns=(), level="error", count=True).out == b"4\n"


# -- expressions ----------------------------------------------------------------------------------


@pytest.mark.parametrize("expression, expected", [
    ("duration>=1s", [1, 3]), ("duration<300ms", [0, 2]), ("size>1MB", [1, 2]), ("size>=2MiB", [2]),
    ("bytes>1.5K", [1]), ("n=1 or n=3", [1, 3]), ("not (n<2)", [2, 3]), ("n>0 and n<3", [1, 2]),
    ("msg~'^a.c$'", [0, 1]), ("msg!~^a", [3]), ("'we.ird'=yes", [3]), ("we.ird=deep", [2]),
    ("tags.1=b", [0]), ("ok=true", [1]), ("ok=false", [2]), ("none=null", [3]), ("none?", [3]),
    ("not none?", [0, 1, 2]), ("msg='a c'", [1]), ('msg="a\\"q"', [2]), ("msg>'b'", [3]), ("id=007", [0]),
    ("id=7", [1]), ("id='7'", [2]), ("n==1", [1]), ("NOT n=1 AND n<3", [0, 2]), ("x.y.z=1", [3]),
])
def test_the_expression_language(search, tmp_path, expression, expected):
    lines = [b'{"n":0,"duration":"120ms","size":"512kB","msg":"abc","tags":["a","b"],"id":"007"}',
             b'{"n":1,"duration":"1.5s","size":"1.5MB","bytes":2048,"msg":"a c","ok":true,"id":7}',
             b'{"n":2,"duration":"0.2s","size":"3MiB","msg":"a\\"q","ok":false,"id":"7","we":{"ird":"deep"}}',
             b'{"n":3,"duration":"1m30s","size":"10B","msg":"zed","none":null,"we.ird":"yes","x":{"y.z":1}}']
    log = write(tmp_path / "e.log", b"\n".join(lines) + b"\n")
    result = search(b"", log, patterns=(), where=(expression,))
    assert [int(m) for m in re.findall(rb'"n":(\d)', result.out)] == expected


def test_ignore_case_folds_values_not_keys(search, tmp_path):
    log = write(tmp_path / "c.log", b'{"level":"ERROR"}\n{"Level":"error"}\n{"level":"Error","msg":"Disk"}\n')
    assert search(b"", log, patterns=(), where=("level=error",)).out == b""
    assert search(b"", log, patterns=(), where=("level=error",), ignore_case=True).out.count(b"\n") == 2
    assert search(b"", log, patterns=(), where=("msg~^disk",), ignore_case=True).out.count(b"\n") == 1


def test_several_where_all_hold(search, tmp_path):
    log = write(tmp_path / "w.log", _lines(300))
    both = search(b"", log, patterns=(), where=("level=error", "status>=500"), count=True)
    one = search(b"", log, patterns=(), where=("level=error and status>=500",), count=True)
    assert both == one and int(both.out) > 0


# -- printing fields ------------------------------------------------------------------------------


def test_fields_prints_tab_separated_values_with_names_and_numbers(search, tmp_path):
    (tmp_path / "d").mkdir()
    write(tmp_path / "d" / "a.log", b'{"time":"t1","level":"error","msg":"tab\\there","user":{"id":42}}\n'
                                    b'{"ts":"t2","severity":"warn","message":"via aliases","user":{"id":7}}\n')
    write(tmp_path / "d" / "b.log", b'ts=t3 level=error msg="logfmt \\"too\\"" user.id=9\n'
                                    b"2026-05-01 10:00:02,003 ERROR [http] text line\n")
    result = search(b"", tmp_path / "d", patterns=(), level="warn", fields=("time", "level", "msg", "user.id"),
                    line_number=True)
    name = str(tmp_path / "d").encode()
    assert result.out == (name + b"/a.log:1:t1\terror\ttab\\there\t42\n"
                          + name + b"/a.log:2:t2\twarn\tvia aliases\t7\n"
                          + name + b'/b.log:1:t3\terror\tlogfmt "too"\t9\n'
                          + name + b"/b.log:2:2026-05-01 10:00:02,003\tERROR\t[http] text line\t\n")


def test_lines_are_printed_as_they_are_without_fields(search, tmp_path):
    data = b'{"level":"error","msg":"caf\xc3\xa9","bad":"\xff\xfe"}\r\n{"level":"error"  ,"x":1}\n'
    log = write(tmp_path / "raw.log", data)
    assert search(b"", log, patterns=(), where=("level=error",)).out == data


def test_json_messages_gain_the_parsed_fields(search, tmp_path):
    log = write(tmp_path / "j.log", b'{"level":"error","status":503,"user":{"id":42},"v":NaN,"b":"\xff"}\n'
                                    b"ts=1 level=error msg=x\n")
    messages = [json.loads(line) for line in search(b"", log, patterns=(), where=("level=error",),
                                                    json=True).out.split(b"\n")[:-1]]
    matches = [m["data"] for m in messages if m["type"] == "match"]
    assert matches[0]["format"] == "json" and matches[0]["fields"] == {
        "level": "error", "status": 503, "user": {"id": 42}, "v": None, "b": "\ufffd"}
    assert matches[1]["format"] == "logfmt" and matches[1]["fields"] == {"ts": 1, "level": "error", "msg": "x"}
    chosen = [json.loads(line) for line in search(b"", log, patterns=(), where=("level=error",), json=True,
                                                  fields=("user.id", "nope")).out.split(b"\n")[:-1]]
    assert [m["data"]["fields"] for m in chosen if m["type"] == "match"] == [{"user.id": 42}, {}]
    plain = search(b"error", log, json=True).out
    assert b'"fields"' not in plain  # ripgrep's format unchanged without --where/--level/--fields


# -- bad input: one defined behaviour each ------------------------------------------------------


def test_bad_json_deep_nesting_duplicates_invalid_utf8_and_nan(search, tmp_path):
    deep = b'{"level":"error","d":' + b"[" * 1000 + b"]" * 1000 + b"}"
    shallow = b'{"level":"error","d":' + b"[" * 500 + b"]" * 500 + b"}"
    lines = [b'{"level":"error", broken', deep, shallow, b'{"level":"info","level":"error"}',
             b'{"level":"error","msg":"\xff\xfe invalid"}', b'{"level":"error","x":NaN,"y":-Infinity}',
             b'{"level":"error","x":1} trailing', b"[1,2,3]", b'"error"', b"{}"]
    log = write(tmp_path / "bad.log", b"\n".join(lines) + b"\n")
    result = search(b"", log, patterns=(), where=("level=error",), line_number=True)
    assert result.err == b"" and result.status == 0
    # bad JSON, JSON nested 1,000 deep, trailing garbage: no fields; the rest read as JSON reads it
    assert [int(line.split(b":")[0]) for line in result.out.split(b"\n")[:-1]] == [3, 4, 5, 6]
    assert search(b"", log, patterns=(), where=("x>0",)).out == b""  # NaN compares false
    assert search(b"", log, patterns=(), where=("x?",), count=True).out == b"1\n"


def test_a_line_over_max_line_bytes_is_reported_not_read(search, tmp_path):
    big = b'{"level":"error","pad":"' + b"x" * 700_000 + b'"}\n'
    log = write(tmp_path / "big.log", b'{"level":"error","n":1}\n' + big + b'{"level":"error","n":3}\n')
    result = search(b"", log, patterns=(), where=("level=error",), max_line_bytes=65536, line_number=True)
    assert result.out.count(b"\n") == 2 and result.status == 2
    assert result.err == (b"logpipe: " + str(log).encode() + b": line 2 is longer than --max-line-bytes: its fields are not read "
                          b"(--where, --level), it is not selected\n")


def test_no_traceback_on_random_lines(search, tmp_path):
    import random

    rng = random.Random(3)
    pieces = [b"{", b"}", b'"level"', b":", b'"error"', b"=", b" ", b'"', b"\\", b"level=error", b"[", b"]",
              b"\xff", b"NaN", b"1e999", b"2026-05-01 10:00:00 ERROR", b"<3>", b",", b"\t", b"\r"]
    data = b"\n".join(b"".join(rng.choice(pieces) for _ in range(rng.randrange(1, 30))) for _ in range(3000))
    log = write(tmp_path / "fuzz.log", data)
    for options in ({"where": ("level=error",)}, {"level": "warn"}, {"where": ("not x?",), "fields": ("level",)},
                    {"where": ("a.b.c~x or n>1s",), "json": True}):
        result = search(b"", log, patterns=(), **options)
        assert result.status in (0, 1) and result.err == b"", options


# -- the text formats of the real logs ---------------------------------------------------------


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the loghub corpus is not here")
def test_real_logs_have_levels(search):
    expected = {"Apache_2k.log": 595, "Hadoop_2k.log": 960, "Zookeeper_2k.log": 1331, "HDFS_2k.log": 80}
    for name, count in expected.items():
        result = search(b"", CORPUS / name, patterns=(), level="warn", count=True)
        assert int(result.out) == count, name


def test_gz_and_plain_give_the_same(logpipe, tmp_path):
    data = b"".join(map(logfmt_line, service_events(500, 9)))
    plain, packed = write(tmp_path / "p.log", data), write(tmp_path / "p.log.gz", data, "gzip")
    for expression in EXPRESSIONS:
        options = where_options(expression)
        assert logpipe(b"", plain, patterns=(), **options).out == logpipe(b"", packed, patterns=(), **options).out
    assert decompressed(packed) == data and gzip.decompress(packed.read_bytes()) == data


# -- the command line ------------------------------------------------------------------------


def _invoke(*args):
    from click.testing import CliRunner

    from logpipe.cli import main

    return CliRunner().invoke(main, [str(arg) for arg in args], catch_exceptions=False)


def test_help_lists_where_level_fields_under_their_own_heading():
    text = _invoke("grep", "--help").stdout
    section = text[text.index("Structured logs:"):text.index("How to run:")]
    assert all(option in section for option in ("--where EXPR", "--level LEVEL", "--fields KEYS"))
    assert section.index("--where") < section.index("--level") < section.index("--fields")


def test_without_a_pattern_every_argument_is_a_path(backend, tmp_path):
    write(tmp_path / "timeout", b'{"level":"error","msg":"in a file named timeout"}\n')
    write(tmp_path / "b.log", b'{"level":"error","msg":"timeout"}\n{"level":"error","msg":"other"}\n')
    result = _invoke("grep", "--where", "level=error", "-h", tmp_path / "timeout", tmp_path / "b.log",
                     "--backend", backend)
    assert result.exit_code == 0 and result.stdout.count("\n") == 3
    with_pattern = _invoke("grep", "--level", "error", "-e", "timeout", "-c", tmp_path / "b.log", "--backend", backend)
    assert with_pattern.stdout == "1\n"
    positional = _invoke("grep", "timeout", tmp_path / "b.log", "--fields", "msg", "--backend", backend)
    assert positional.stdout == "timeout\n"  # without --where or --level, the first argument is PATTERN


@pytest.mark.parametrize("args, message", [
    (["--where", "level="], "--where 'level=': a value is missing at the end (at column 7)"),
    (["--where", "status>fast"], "is not a number, a duration (300ms, 1.5s) or a size (2MB)"),
    (["--level", "loud"], "--level: 'loud' is not a level"),
    (["--fields", 'a,"b'], "unterminated quote"),
    (["--where", "a=1", "--fields", "a", "-o"], "--fields cannot be used with --only-matching"),
])
def test_bad_expressions_levels_and_keys_are_usage_errors(tmp_path, args, message):
    result = _invoke("grep", *args, tmp_path)
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.stderr


def _readme_examples(section: str) -> list[tuple[str, str]]:
    """The `$ logpipe grep ...` commands of the README's code blocks in `section`, each with
    the output written under it."""
    examples = []
    for block in re.findall(r"```[a-z]*\n(.*?)```", section, re.DOTALL):
        for command, output in re.findall(r"^\$ (logpipe grep [^\n]*)\n(.*?)(?=^\$ |\Z)", block, re.DOTALL | re.MULTILINE):
            examples.append((command, output.rstrip("\n") + "\n" if output.strip() else ""))
    return examples


def test_readme_structured_examples_print_what_they_say(backend, tmp_path, monkeypatch):
    """The Structured logs section's worked examples, run as written (with `| head -N`
    taken as its first N lines): the text log's exactly, the demo tree's with its times
    masked (they are those of the day the tree is made)."""
    from pathlib import Path
    import shlex

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    start = readme.index("## Structured logs")
    section = readme[start:readme.index("\n## ", start)]  # to the next section
    app_log = re.search(r"\$ cat app.log\n(.*?)\n\n", section, re.DOTALL).group(1) + "\n"
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "app.log", app_log.encode())
    assert _invoke("demo", "demo-logs").exit_code == 0
    stamp = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
    examples = _readme_examples(section)
    assert len(examples) == 7  # 3 JSON, 2 logfmt, 2 text
    for command, expected in examples:
        words, head = shlex.split(command.split(" | ")[0]), None
        if " | head -" in command:
            head = int(command.rsplit("-", 1)[1])
        result = _invoke(*words[1:], "--backend", backend)
        out = result.stdout if head is None else "".join(result.stdout.splitlines(keepends=True)[:head])
        assert result.exit_code == 0, command
        assert stamp.sub("T", out) == stamp.sub("T", expected), command


@pytest.mark.parametrize("threads", ["-j1", "-j2"])
def test_json_fields_of_a_line_nested_hundreds_deep_do_not_end_the_search(backend, threads, tmp_path):
    """--json with --where: a line nested 500 levels (too deep to write its fields back)
    is printed without them, and the lines and files after it are still searched."""
    deep = b'{"level":"error","deep":' + b"[" * 500 + b"]" * 500 + b"}\n"
    write(tmp_path / "a.json", b'{"level":"error","n":1}\n' + deep + b'{"level":"error","n":3}\n')
    write(tmp_path / "b.json", b'{"level":"error","n":4}\n')
    result = _invoke("grep", "--json", "--where", "level=error", "--backend", backend, threads, tmp_path)
    messages = [json.loads(line) for line in result.stdout.splitlines()]
    matches = [m["data"] for m in messages if m["type"] == "match"]
    assert result.exit_code == 0 and "internal error" not in result.stderr, result.stderr
    assert [m["line_number"] for m in matches] == [1, 2, 3, 1]
    assert "fields" not in matches[1] and matches[2]["fields"] == {"level": "error", "n": 3}


def test_an_empty_pattern_file_with_where_selects_nothing_as_grep(backend, tmp_path):
    """-f FILE with no pattern in it selects no line (GNU grep -f /dev/null), --where or not:
    the expression narrows what the patterns select, it does not replace them."""
    write(tmp_path / "a.json", b'{"level":"error","n":1}\n{"level":"info","n":2}\n')
    write(tmp_path / "empty", b"")
    result = _invoke("grep", "-f", tmp_path / "empty", "--where", "level=error", "--backend", backend,
                     tmp_path / "a.json")
    assert (result.exit_code, result.stdout) == (1, "")
    given = _invoke("grep", "-e", "n", "--where", "level=error", "--backend", backend, tmp_path / "a.json")
    assert (given.exit_code, given.stdout) == (0, '{"level":"error","n":1}\n')
