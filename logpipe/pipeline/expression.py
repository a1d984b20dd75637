"""The expression language of --where (and --level's test): read, typed, evaluated.

    expression := or
    or         := and ( "or" and )*
    and        := not ( "and" not )*
    not        := "not" not | "(" expression ")" | test
    test       := key "?" | key op value
    op         := "=" | "==" | "!=" | "~" | "!~" | ">" | ">=" | "<" | "<="
    key        := part ( "." part )*          part := word | "quoted" | 'quoted'
    value      := "quoted" | 'quoted' | word   (a word ends at a blank or at a ")" it did not open)

`parse(text)` gives the syntax tree (`Test`, `Not`, `And`, `Or`, and `Level` for --level);
`compile_tree(tree, ignore_case)` a function of a line's fields (a dict, see
`logpipe.pipeline.fields`) that says whether the expression holds there.

Values compare as JSON gives them: `=` with a number matches a number of that value
(`42` is `42.0`), with a word or a quoted text a string equal to it (`-i`: ASCII case
folded), with `true`, `false`, `null` those; `!=` is `not =` (true when the key is
missing, as in jq); `~` searches a regex (Python's, ASCII classes) in a string or a
number's JSON text; `>`, `>=`, `<`, `<=` compare quantities: numbers, durations (`300ms`,
`1.5s`, `2m`, `1h30m`; in seconds) and sizes (`2MB` = 2e6 bytes, `2MiB` and `2M` = 2²⁰),
a field's string with a unit read the same way (`"1.3s"`; `"503"` is a string, not a
number, as in jq), a number without a unit in the other's unit (seconds, bytes); quoted
text compares strings in byte order. A comparison
with a missing key, or of values of other kinds, is false.
"""
from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable
from typing import NamedTuple

from .fields import LEVEL_KEYS, LEVELS, MISSING, Key, KeyError_, as_text, level_rank, lookup, walk

__all__ = ["WhereError", "Test", "Not", "And", "Or", "Level", "parse", "parse_level", "compile_tree", "quantity",
           "fold"]


class WhereError(ValueError):
    """An expression that cannot be read."""


# -- quantities -----------------------------------------------------------------------

_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_DURATION = re.compile(r"((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h|d))+")
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h|d)")
DURATIONS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0,
             "d": 86400.0}
SIZES = {"b": 1, "kb": 10 ** 3, "mb": 10 ** 6, "gb": 10 ** 9, "tb": 10 ** 12, "pb": 10 ** 15,
         "kib": 2 ** 10, "mib": 2 ** 20, "gib": 2 ** 30, "tib": 2 ** 40, "pib": 2 ** 50}
SIZE_LETTERS = {"K": 2 ** 10, "M": 2 ** 20, "G": 2 ** 30, "T": 2 ** 40}  # as --max-line-bytes reads them
_SIZE = re.compile(r"((?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?) ?([A-Za-z]{1,3})")


def quantity(value, literal: bool = False) -> tuple[float, str | None] | None:
    """(amount in base units, kind: None, "duration" or "size") of a field's value: a
    number, or a string with a unit (`300ms`, `1h30m`, `2MB`, `1.5 GiB`): a string is a
    string (`"503"` is no number, as in JSON), a unit says what it measures. `literal`: an
    expression's word, where `503` is the number. None for anything else."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value), None
    if not isinstance(value, str) or not value or len(value) > 64:
        return None
    text = value.strip()
    sign = 1.0
    if text[:1] in "+-":
        sign, text = (-1.0 if text[0] == "-" else 1.0), text[1:]
    if _NUMBER.fullmatch(text):
        return (sign * float(text), None) if literal else None
    if _DURATION.fullmatch(text):
        return sign * sum(float(n) * DURATIONS[unit] for n, unit in _DURATION_PART.findall(text)), "duration"
    m = _SIZE.fullmatch(text)
    if m is not None:
        unit = m.group(2)
        factor = SIZES.get(unit.lower()) if unit.lower().endswith("b") else SIZE_LETTERS.get(unit)
        if factor is not None:
            return sign * float(m.group(1)) * factor, "size"
    return None


# -- the syntax tree ----------------------------------------------------------------------


class Test(NamedTuple):
    key: Key
    op: str          # "=", "!=", "~", "!~", ">", ">=", "<", "<=", "?"
    value: object    # the literal (str, int, float, bool, None), a (amount, kind) quantity, or a regex text
    quoted: bool = False


class Not(NamedTuple):
    node: object


class And(NamedTuple):
    nodes: tuple


class Or(NamedTuple):
    nodes: tuple


class Level(NamedTuple):
    rank: int


_BLANK = re.compile(r"\s*")
_OPERATOR = re.compile(r"==|=|!=|!~|~|>=|>|<=|<")
_WORDS = {"and", "or", "not"}


class _Parser:
    def __init__(self, text: str) -> None:
        self.text, self.pos = text, 0

    def fail(self, what: str):
        raise WhereError(f"{what} (at column {self.pos + 1})")

    def blank(self) -> None:
        self.pos = _BLANK.match(self.text, self.pos).end()

    def word(self) -> str | None:
        """The keyword at the current position (and, or, not), without moving."""
        m = re.compile(r"(?i)(and|or|not)(?![\w.=!~<>?\"'])").match(self.text, self.pos)
        return m.group(1).lower() if m else None

    def parse(self) -> object:
        self.blank()
        if self.pos == len(self.text):
            self.fail("empty expression")
        node = self.disjunction()
        self.blank()
        if self.pos < len(self.text):
            self.fail(f"unexpected {self.text[self.pos:self.pos + 20]!r}")
        return node

    def disjunction(self):
        nodes = [self.conjunction()]
        while True:
            self.blank()
            if self.word() != "or":
                break
            self.pos += 2
            nodes.append(self.conjunction())
        return nodes[0] if len(nodes) == 1 else Or(tuple(nodes))

    def conjunction(self):
        nodes = [self.negation()]
        while True:
            self.blank()
            if self.word() != "and":
                break
            self.pos += 3
            nodes.append(self.negation())
        return nodes[0] if len(nodes) == 1 else And(tuple(nodes))

    def negation(self):
        self.blank()
        if self.pos >= len(self.text):
            self.fail("a test is missing at the end")
        if self.word() == "not":
            self.pos += 3
            return Not(self.negation())
        if self.text[self.pos] == "(":
            self.pos += 1
            node = self.disjunction()
            self.blank()
            if self.text[self.pos:self.pos + 1] != ")":
                self.fail("missing )")
            self.pos += 1
            return node
        return self.test()

    def test(self) -> Test:
        if self.word() in _WORDS:
            self.fail(f"a key is missing before {self.word()!r}")
        try:
            key, self.pos = Key.read(self.text, self.pos)
        except KeyError_ as err:
            self.fail(str(err))
        self.blank()
        if self.text[self.pos:self.pos + 1] == "?":
            self.pos += 1
            return Test(key, "?", None)
        m = _OPERATOR.match(self.text, self.pos)
        if m is None:
            self.fail(f"an operator (= != ~ !~ > >= < <= ?) is missing after {key.text!r}")
        op = "=" if m.group() == "==" else m.group()
        self.pos = m.end()
        self.blank()
        text, quoted = self.value()
        return _test(key, op, text, quoted, self)

    def value(self) -> tuple[str, bool]:
        text, pos = self.text, self.pos
        if pos >= len(text):
            self.fail("a value is missing at the end")
        quote = text[pos]
        if quote in "\"'":
            end, out = pos + 1, []
            while end < len(text) and text[end] != quote:
                if text[end] == "\\" and end + 1 < len(text) and text[end + 1] in (quote, "\\"):
                    end += 1
                out.append(text[end])
                end += 1
            if end >= len(text):
                self.fail("unterminated quote")
            self.pos = end + 1
            return "".join(out), True
        depth, end = 0, pos
        while end < len(text) and not text[end].isspace():
            if text[end] == "(":
                depth += 1
            elif text[end] == ")":
                if depth == 0:
                    break
                depth -= 1
            end += 1
        if end == pos:
            self.fail("a value is missing")
        self.pos = end
        return text[pos:end], False


def _test(key: Key, op: str, text: str, quoted: bool, parser: _Parser) -> Test:
    """A test with its literal typed: numbers and true/false/null unless quoted."""
    if op in ("~", "!~"):
        try:
            re.compile(text)
        except re.error as err:
            parser.fail(f"bad regex {text!r}: {err}")
        return Test(key, op, text, quoted)
    if op in (">", ">=", "<", "<="):
        if quoted:
            return Test(key, op, text, True)
        amount = quantity(text, literal=True)
        if amount is None:
            parser.fail(f"{text!r} is not a number, a duration (300ms, 1.5s) or a size (2MB); "
                        "quote it to compare text")
        return Test(key, op, amount)
    if not quoted:
        if _JSON_NUMBER.fullmatch(text):
            return Test(key, op, float(text) if any(c in text for c in ".eE") else int(text))
        if text in ("true", "false", "null"):
            return Test(key, op, {"true": True, "false": False, "null": None}[text])
    return Test(key, op, text, True)


def parse(text: str) -> object:
    """The syntax tree of one expression; WhereError if it cannot be read."""
    return _Parser(text).parse()


def parse_level(text: str) -> int:
    """--level's rank (in `fields.LEVELS`): a level word of any format (warn, warning, err,
    crit, E, ...) or a number (syslog severity 0-7, Bunyan/pino 10-60)."""
    from .fields import level_rank

    rank = level_rank(text.strip()) if text.strip() else None
    if rank is None:
        raise WhereError(f"{text!r} is not a level ({', '.join(LEVELS)}, or a synonym: warning, err, crit, ...)")
    return rank


# -- evaluation -----------------------------------------------------------------------

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def fold(text: str) -> str:
    """ASCII case folded, as grep's -i in the C locale."""
    return text.lower() if text.isascii() else text.translate(_ASCII_LOWER)


def _text_of(value) -> str | None:
    """What a regex is searched in: a string, or a number's or literal's JSON text (not
    null, an object or an array)."""
    if isinstance(value, str):
        return value
    return as_text(value) if isinstance(value, (int, float)) else None


_COMPARE = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}


def compile_tree(node, ignore_case: bool = False, attributes: dict[str, str] | None = None
                 ) -> Callable[[object], bool]:
    """`holds(values)`: whether the expression `node` holds on a line's fields, a dict; or
    with `attributes` (top-level key -> attribute name) on a struct holding those keys as
    attributes (MISSING where the line has none), as msgspec decodes a block of JSON lines."""
    getter = _dict_getter if attributes is None else functools.partial(_struct_getter, attributes)
    return _compile(node, ignore_case, getter)


def _dict_getter(parts: tuple[str, ...]) -> Callable:
    if len(parts) == 1:
        return operator.methodcaller("get", parts[0], MISSING)
    return functools.partial(lookup, key=parts)


def _struct_getter(attributes: dict[str, str], parts: tuple[str, ...]) -> Callable:
    """`lookup` on a struct of the top-level keys (the same order of tries: `user`, then the
    flattened `user.id`)."""
    if len(parts) == 1:
        return operator.attrgetter(attributes[parts[0]])
    tops = [(operator.attrgetter(attributes[".".join(parts[:end])]), end) for end in range(1, len(parts) + 1)]

    def get(found):
        for top, end in tops:
            value = top(found)
            if value is not MISSING:
                value = walk(value, parts, end)
                if value is not MISSING:
                    return value
        return MISSING

    return get


def _compile(node, ignore_case: bool, getter: Callable) -> Callable[[object], bool]:
    kind = type(node)
    if kind is And:
        tests = [_compile(n, ignore_case, getter) for n in node.nodes]
        return lambda values: all(test(values) for test in tests)
    if kind is Or:
        tests = [_compile(n, ignore_case, getter) for n in node.nodes]
        return lambda values: any(test(values) for test in tests)
    if kind is Not:
        test = _compile(node.node, ignore_case, getter)
        return lambda values: not test(values)
    if kind is Level:
        rank = node.rank
        found_in = [(key, getter((key,))) for key in LEVEL_KEYS]  # the first present is the line's level
        nested = getter(("log", "level"))  # ECS's, when no flat key holds it

        def level(values) -> bool:
            for key, get in found_in:
                value = get(values)
                if value is MISSING and key == "log.level":
                    value = nested(values)
                if value is not MISSING:
                    found = level_rank(value)
                    return found is not None and found >= rank
            return False

        return level
    return _compile_test(node, ignore_case, getter)


def _compile_test(test: Test, ignore_case: bool, getter: Callable) -> Callable[[object], bool]:
    parts, op, literal = test.key.parts, test.op, test.value
    get = getter(parts)

    if op == "?":
        return lambda values: get(values) is not MISSING
    if op in ("!=", "!~"):
        positive = _compile_test(test._replace(op=op[1:]), ignore_case, getter)
        return lambda values: not positive(values)
    if op == "~":
        regex = re.compile(literal, re.ASCII | (re.IGNORECASE if ignore_case else 0)).search

        def matches(values: dict) -> bool:
            text = _text_of(get(values))
            return text is not None and regex(text) is not None

        return matches
    if op == "=":
        if test.quoted:  # a string
            if ignore_case:
                wanted = fold(literal)
                return lambda values: type(value := get(values)) is str and fold(value) == wanted
            return lambda values: type(value := get(values)) is str and value == literal
        if literal is None or isinstance(literal, bool):
            return lambda values: get(values) is literal

        def equals(values: dict) -> bool:
            value = get(values)
            kind = type(value)
            return (kind is int or kind is float) and value == literal

        return equals
    compare = _COMPARE[op]
    if test.quoted:  # text in byte order
        wanted = fold(literal) if ignore_case else literal
        if ignore_case:
            return lambda values: type(value := get(values)) is str and compare(fold(value), wanted)
        return lambda values: type(value := get(values)) is str and compare(value, wanted)
    amount, unit = literal

    def compares(values) -> bool:
        value = get(values)
        kind = type(value)
        if kind is int or kind is float:
            return compare(value, amount)
        if kind is not str:
            return False
        found = quantity(value)  # a string with a unit
        return found is not None and (found[1] == unit or unit is None) and compare(found[0], amount)

    return compares
