"""The --where language against a reference: random expressions, written out as a user
would (keywords in any case, parentheses where precedence needs them and some where it
does not, blanks or none around operators), parsed and evaluated by logpipe, and the same
trees evaluated directly by the small interpreter below, on random fields."""
from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logpipe.pipeline.expression import WhereError, compile_tree, parse

KEYS = ["a", "b", "c.d", '"x.y"', "n"]
WORDS = ["error", "warn", "ab", "a_b", "/api/x", "x-y"]
REGEXES = ["^a", "b$", "x|y", "[0-9]+", "^/api", "rr"]
QUANTITIES = [("0", 0.0, None), ("42", 42.0, None), ("500", 500.0, None), ("-3", -3.0, None), ("1.5", 1.5, None),
              ("300ms", 0.3, "duration"), ("1.5s", 1.5, "duration"), ("2m", 120.0, "duration"),
              ("1h30m", 5400.0, "duration"), ("2KB", 2000.0, "size"), ("1MiB", 1048576.0, "size")]
VALUES = st.one_of(st.integers(-5, 600), st.sampled_from([0.5, 1.5, 42.0, 500.0, 1e20, 2.5e-3, float("nan")]),
                   st.sampled_from(WORDS + ["300ms", "2s", "90s", "1KB", "3MB", "zz", "", "42", "Error"]),
                   st.booleans(), st.none())


def fields():
    return st.fixed_dictionaries({}, optional={
        "a": VALUES, "b": VALUES, "n": VALUES, "x.y": VALUES,
        "c": st.one_of(st.fixed_dictionaries({}, optional={"d": VALUES}), VALUES)})


@st.composite
def leaves(draw):
    key = draw(st.sampled_from(KEYS))
    op = draw(st.sampled_from(["=", "!=", "~", "!~", ">", ">=", "<", "<=", "?"]))
    if op == "?":
        return ("test", key, op, None, None)
    if op in ("~", "!~"):
        return ("test", key, op, draw(st.sampled_from(REGEXES)), "regex")
    if op in ("=", "!="):
        choice = draw(st.sampled_from(["number", "word", "quoted"]))
        if choice == "number":
            return ("test", key, op, draw(st.sampled_from(["0", "42", "500", "-3", "1.5"])), "number")
        words = WORDS + ["Error"] if choice == "word" else WORDS + ["a b", 'q"q', "Error", "x)y", "and"]
        return ("test", key, op, draw(st.sampled_from(words)), choice)
    text, _, _ = draw(st.sampled_from(QUANTITIES))
    return ("test", key, op, text, "quantity")


def trees():
    return st.recursive(leaves(), lambda inner: st.one_of(
        st.tuples(st.just("not"), inner),
        st.tuples(st.sampled_from(["and", "or"]), inner, inner)), max_leaves=6)


PRECEDENCE = {"or": 1, "and": 2, "not": 3, "test": 4}


def written(tree, draw, parent: int = 0) -> str:
    kind = tree[0]
    if kind == "test":
        _, key, op, value, how = tree
        space = draw(st.sampled_from(["", " "]))
        if op == "?":
            text = key + "?"
        elif how == "quoted":
            text = f'{key}{space}{op}{space}"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        else:
            text = f"{key}{space}{op}{space}{value}"
    elif kind == "not":
        text = draw(st.sampled_from(["not", "NOT", "Not"])) + " " + written(tree[1], draw, PRECEDENCE["not"])
    else:
        word = draw(st.sampled_from([kind, kind.upper()]))
        text = f"{written(tree[1], draw, PRECEDENCE[kind])} {word} {written(tree[2], draw, PRECEDENCE[kind] + 1)}"
    if PRECEDENCE[kind] < parent or (kind != "test" and draw(st.booleans()) and parent):
        text = "(" + text + ")"
    return text


# -- the reference ------------------------------------------------------------------------

_UNITS = {"ms": (0.001, "duration"), "s": (1, "duration"), "m": (60, "duration"), "h": (3600, "duration"),
          "KB": (1000, "size"), "MB": (10 ** 6, "size"), "MiB": (2 ** 20, "size")}


def _value(fields: dict, key: str):
    if key.startswith('"'):
        return fields.get(key.strip('"'), KeyError)
    if "." in key:
        head, tail = key.split(".")
        inner = fields.get(head)
        if isinstance(inner, dict) and tail in inner:
            return inner[tail]
        return fields.get(key, KeyError)
    return fields.get(key, KeyError)


def _amount(value):
    """(amount, kind) of a field: a number, or a string with a unit; else None."""
    if isinstance(value, bool) or value is None or value is KeyError:
        return None
    if isinstance(value, (int, float)):
        return float(value), None
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m|h|KB|MB|MiB)", value) if isinstance(value, str) else None
    if m is None:
        return None
    factor, kind = _UNITS[m.group(2)]
    return float(m.group(1)) * factor, kind


def reference(tree, fields: dict) -> bool:
    kind = tree[0]
    if kind == "not":
        return not reference(tree[1], fields)
    if kind == "and":
        return reference(tree[1], fields) and reference(tree[2], fields)
    if kind == "or":
        return reference(tree[1], fields) or reference(tree[2], fields)
    _, key, op, literal, how = tree
    value = _value(fields, key)
    if op == "?":
        return value is not KeyError
    if op.startswith("!"):
        return not reference(("test", key, op[1:], literal, how), fields)
    if op == "~":
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, (int, float)) and value is not None:
            text = repr(value) if isinstance(value, float) else str(value)
            text = "NaN" if value != value else text
        elif isinstance(value, str):
            text = value
        else:
            return False
        return re.search(literal, text) is not None
    if op == "=":
        if how == "number":
            return isinstance(value, (int, float)) and not isinstance(value, bool) and value == float(literal)
        return isinstance(value, str) and value == literal
    amount = _amount(value)
    wanted = next((number, unit) for text, number, unit in QUANTITIES if text == literal)
    if amount is None or (amount[1] is not None and wanted[1] is not None and amount[1] != wanted[1]):
        return False
    if isinstance(value, str) and amount[1] is None:
        return False
    a, b = amount[0], wanted[0]
    return {">": a > b, ">=": a >= b, "<": a < b, "<=": a <= b}[op]


@settings(max_examples=400, deadline=None)
@given(trees(), st.lists(fields(), min_size=1, max_size=6), st.data())
def test_parsed_expressions_agree_with_the_reference(tree, records, data):
    text = written(tree, data.draw)
    holds = compile_tree(parse(text))
    for record in records:
        assert holds(record) == reference(tree, record), (text, record)


@pytest.mark.parametrize("text, message", [
    ("", "empty expression"), ("level=", "a value is missing"), ("level", "an operator"),
    ("(a=1", "missing )"), ("a=1)", "unexpected"), ("a=1 and", "a test is missing"),
    ('a="x', "unterminated quote"), ("a~(", "bad regex"), ("a>fast", "is not a number"),
    ("and=1 or", "a test is missing"), ("a=1 b=2", "unexpected"),
])
def test_bad_expressions_say_what_is_wrong(text, message):
    with pytest.raises(WhereError, match=re.escape(message)):
        parse(text)


# -- the search's shortcuts give the verdicts of a line-by-line evaluation ------------------


def _line(draw, record: dict, kinds: list[str]) -> bytes:
    """A record written as a JSON line (compact or spaced, escaped to ASCII or not, behind a
    prefix or not), as logfmt, or as a text line; or a line that is none of them."""
    import json

    from logpipe.demo import logfmt_line

    kind = draw(st.sampled_from(kinds))
    if kind in ("json", "ascii", "spaced", "prefixed"):
        separators = (", ", " : ") if kind == "spaced" else (",", ":")
        text = json.dumps(record, separators=separators, ensure_ascii=kind == "ascii", allow_nan=True).encode()
        return b"2026-11-30T12:00:00Z stdout F " + text if kind == "prefixed" else text
    if kind == "logfmt":
        flat = {k: v for k, v in record.items() if isinstance(v, (str, int)) and not isinstance(v, bool) and v != ""}
        return logfmt_line(flat or {"k": 1})[:-1]
    if kind == "text":
        level = draw(st.sampled_from(["ERROR", "warn", "Info", "", "<3>"]))
        return f"2026-05-01 10:00:0{draw(st.integers(0, 9))} {level} msg a={record.get('a', 1)}".encode()
    return draw(st.sampled_from([b"", b"{broken", b"plain words error", b"=x", b'{"a":NaN}', b"\xff\xfe"]))


@pytest.mark.parametrize("backend", ["pull", "push"])
@settings(max_examples=60, deadline=None)
@given(trees(), st.lists(fields(), min_size=1, max_size=80), st.sampled_from([None, "warn", "info", "error"]),
       st.sampled_from([7, 256 * 1024]), st.booleans(), st.sampled_from([["json"], ["json", "ascii", "spaced"],
                                                                          ["json", "ascii", "spaced", "prefixed",
                                                                           "logfmt", "text", "other"]]), st.data())
def test_search_selects_what_line_by_line_evaluation_selects(tmp_path_factory, backend, tree, records, level,
                                                            block_size, invert, kinds, data):
    from helpers import search_with, write
    from logpipe.pipeline.fields import FieldReader
    from logpipe.pipeline.where import Where

    text = written(tree, data.draw)
    lines = [_line(data.draw, record, kinds) for record in records]
    where = Where((text,), level)
    reader = FieldReader()

    def holds(line: bytes) -> bool:
        found = reader.read(line)
        return where.holds(found.values) if found is not None else where.without_fields

    expected = [line for line in lines if holds(line) != invert]
    log = write(tmp_path_factory.mktemp("lines") / "a.log", b"\n".join(lines) + b"\n")
    result = search_with(backend, block_size)(b"", log, patterns=(), where=(text,), level=level,
                                              invert_match=invert)
    assert result.out.split(b"\n")[:-1] == expected, text
