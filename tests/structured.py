"""Structured logs for the --where/--level/--fields tests: trees of JSON lines and logfmt,
jq as the reference for JSON, and a reference logfmt reader and evaluator of our own,
written independently of logpipe's (a character loop, no regexes)."""
from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
from pathlib import Path

from helpers import write
from logpipe.demo import json_line, logfmt_line, service_events

JQ = shutil.which("jq")

# Lines jq reads as every JSON parser does, which a regex on the line would get wrong:
# other key orders and spacing, escapes, numbers written otherwise, duplicate keys,
# Bunyan's numbers and other spellings of levels, nested values of other types.
ODD_JSON_LINES = [
    b'{"msg":"key order","status":503,"level":"error","path":"/api/x"}',
    b'{ "level" : "error" , "status" : 500 , "path" : "/health/deep" }',
    b'{"level":"\\u0065rror","status":502,"path":"\\/health"}',
    b'{"level":"info","level":"error","status":200,"user":{"id":42}}',
    b'{"level":"error","status":5e2,"path":"/api/y","user":{"id":42.0}}',
    b'{"level":"ERROR","status":"503","user":{"id":"42"}}',
    b'{"level":50,"status":503,"msg":"bunyan error","user":{"id":42,"name":"x"}}',
    b'{"level":40,"msg":"bunyan warn"}',
    b'{"level":30,"msg":"bunyan info","status":599}',
    b'{"level":"WARNING","msg":"warning spelled out","user":{"id":[42]}}',
    b'{"level":"Warn","msg":"caf\xc3\xa9 \xe2\x98\x95 error","user":"42"}',
    b'{"level":"fatal","status":null,"user":{"id":42,"deeper":{"a":[1,{"b":2}]}}}',
    b'{"nested":{"level":"error"},"msg":"level only nested"}',
    b'{"level":"error","path":"/healthz","status":503,"msg":"tab\\there \\"quoted\\""}',
]


def jq_lines(expression: str, data: bytes) -> list:
    """What `jq -c 'select(EXPRESSION)'` selects in `data` (decompressed JSON lines), as
    parsed objects (jq re-writes the lines it prints)."""
    out = subprocess.run([JQ, "-c", f"select({expression})"], input=data, capture_output=True, check=True).stdout
    return [json.loads(line) for line in out.splitlines()]


# jq's reading of each --where / --level of the tests
JQ_OF = {
    "level=error": '.level == "error"',
    "status>=500 and not path~^/health": '(.status|type) == "number" and .status >= 500 '
                                         'and (((.path|type) == "string" and (.path|test("^/health"))) | not)',
    "user.id=42": '(.user|type) == "object" and (.user.id|type) == "number" and .user.id == 42',
    "--level warn": '(.level|type) as $t | if $t == "number" then .level >= 40 elif $t == "string" then '
                    '(.level|ascii_downcase) as $l | ["warn","warning","error","err","fatal","crit","critical",'
                    '"alert","emerg","panic","severe"] | any(. == $l) else false end',
}


def json_tree(root: Path) -> dict[str, bytes]:
    """A tree of JSON lines, plain and gzip: {relative name: decompressed content}."""
    contents = {}
    for name, codec, seed, count in (("svc/a.log", "plain", 1, 700), ("svc/b.log.gz", "gzip", 2, 900),
                                     ("svc/old/c.log.gz", "gzip", 3, 400)):
        data = b"".join(map(json_line, service_events(count, seed)))
        if name.startswith("svc/a"):
            data += b"\n".join(ODD_JSON_LINES) + b"\n"
        write(root / name, data, codec)
        contents[name] = data
    return contents


def logfmt_tree(root: Path) -> dict[str, bytes]:
    contents = {}
    for name, codec, seed, count in (("svc/a.log", "plain", 4, 800), ("svc/b.log.gz", "gzip", 5, 900)):
        data = b"".join(map(logfmt_line, service_events(count, seed)))
        if codec == "plain":
            data += (b'level=error status=503 path=/api/odd msg="quoted \\"inner\\" status=200" user.id=42\n'
                     b'time=x level=error status=600 path="/health check" user.id=42.0\n'
                     b'status=503 level=warn level=error bare path=/x\n'
                     b'level=ERROR status=503 user.id="42"\n')
        write(root / name, data, codec)
        contents[name] = data
    return contents


def by_file(output: bytes) -> dict[str, list[bytes]]:
    """`name:line` output lines grouped by file name (relative names)."""
    found: dict[str, list[bytes]] = {}
    for line in output.split(b"\n")[:-1]:
        name, _, rest = line.partition(b":")
        found.setdefault(name.decode(), []).append(rest)
    return found


# -- a reference logfmt reader and evaluator ---------------------------------------------


def reference_logfmt(line: bytes) -> dict:
    """key=value words; a quoted value with \\" and \\\\ escapes; an unquoted one that reads
    as a number is a number; a bare key is true; the last of a key wins."""
    text, pairs, i = line.decode(), {}, 0
    while i < len(text):
        while i < len(text) and text[i] == " ":
            i += 1
        start = i
        while i < len(text) and text[i] not in " =":
            i += 1
        key = text[start:i]
        if not key:
            i += 1
            continue
        if i < len(text) and text[i] == "=":
            i += 1
            if i < len(text) and text[i] == '"':
                i += 1
                value = []
                while i < len(text) and text[i] != '"':
                    if text[i] == "\\":
                        i += 1
                    value.append(text[i])
                    i += 1
                i += 1
                pairs[key] = "".join(value)
            else:
                start = i
                while i < len(text) and text[i] != " ":
                    i += 1
                word = text[start:i]
                pairs[key] = _number(word)
        else:
            pairs[key] = True
    return pairs


def _number(word: str):
    if re.fullmatch(r"-?(?:0|[1-9][0-9]*)", word):
        return int(word)
    if re.fullmatch(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?", word):
        return float(word)
    return {"true": True, "false": False}.get(word, word)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


RANKS = {"trace": 0, "debug": 1, "info": 2, "warn": 3, "warning": 3, "error": 4, "err": 4, "fatal": 5, "crit": 5}

# the reference's reading of each --where / --level of the tests, on a logfmt line's pairs
REFERENCE_OF = {
    "level=error": lambda d: d.get("level") == "error",
    "status>=500 and not path~^/health": lambda d: _is_number(d.get("status")) and d["status"] >= 500
    and not (isinstance(d.get("path"), str) and d["path"].startswith("/health")),
    "user.id=42": lambda d: _is_number(d.get("user.id")) and d["user.id"] == 42,
    "--level warn": lambda d: isinstance(d.get("level"), str) and RANKS.get(d["level"].lower(), -1) >= 3,
}


def where_options(expression: str) -> dict:
    """The SearchOptions fields of one of the tests' expressions."""
    if expression.startswith("--level "):
        return {"level": expression.split()[1]}
    return {"where": (expression,)}


def decompressed(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
