"""--where and --level: the expression a line's fields must satisfy, and the bytes it needs.

    expression := or
    or         := and ( "or" and )*
    and        := not ( "and" not )*
    not        := "not" not | "(" expression ")" | test
    test       := key "?" | key op value
    op         := "=" | "==" | "!=" | "~" | "!~" | ">" | ">=" | "<" | "<="
    key        := part ( "." part )*          part := word | "quoted" | 'quoted'
    value      := "quoted" | 'quoted' | word   (a word ends at a blank or at a ")" it did not open)

`Where` compiles the tests once per search into closures over a line's fields
(`logpipe.pipeline.fields`), and works out what a line must contain for the expression to
hold there: a conjunction of clauses, each a set of needles (literal bytes, or a regex) of
which a line must hold one (`clauses`). `level=error` needs `error` (or a `\\u` escape,
behind which JSON may hide any character); `status>=500` needs the key `status`; a `not`
needs nothing. grep runs the engine over each block for one clause (`block_patterns`,
when there is no PATTERN) and checks the others on the lines it finds before parsing
them (`line_test`): only lines that can hold are parsed.

Values compare as JSON gives them: `=` with a number matches a number of that value
(`42` is `42.0`), with a word or a quoted text a string equal to it (`-i`: ASCII case
folded), with `true`, `false`, `null` those; `!=` is `not =` (true when the key is
missing, as in jq); `~` searches a regex (Python's, ASCII classes) in a string or a
number's JSON text; `>`, `>=`, `<`, `<=` compare quantities: numbers, durations (`300ms`,
`1.5s`, `2m`, `1h30m`; in seconds) and sizes (`2MB` = 2e6 bytes, `2MiB` and `2M` = 2²⁰),
a field's string read the same way (`"1.3s"`, `"503"`), a number without a unit in the
other's unit (seconds, bytes); quoted text compares strings in byte order. A comparison
with a missing key, or of values of other kinds, is false.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from .fields import LEVEL_LETTERS, LEVEL_WORDS, LEVELS, MISSING, FieldReader, Key, KeyError_, line_level, lookup

__all__ = ["Where", "WhereError", "parse_level", "quantity"]

MAX_CLAUSES = 32   # an `or` of `and`s multiplies clauses: beyond this many, the rest are dropped (never wrong)
MAX_NEEDLES = 24   # a clause of more needles is dropped (it would select almost every line anyway)
UNICODE_ESCAPE = b"\\u"  # JSON may write any character of a key or a string as \uXXXX
TEXT_KEYS = ("time", "level", "msg")  # fields of text lines that are not written as key=value
PRI = rb"^<\d{1,3}>"  # a syslog priority at a line's start: text lines whose level is its keyword


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


def quantity(value) -> tuple[float, str | None] | None:
    """(amount in base units, kind: None, "duration" or "size") of a number, or of a
    string that reads as one (`503`, `1.5e3`, `300ms`, `1h30m`, `2MB`, `1.5 GiB`); None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value), None
    if not isinstance(value, str) or not value or len(value) > 64:
        return None
    text = value.strip()
    sign = 1.0
    if text[:1] in "+-":
        sign, text = (-1.0 if text[0] == "-" else 1.0), text[1:]
    if _NUMBER.fullmatch(text):
        return sign * float(text), None
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
        amount = quantity(text)
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
    """What a regex is searched in: a string, or a number's or literal's JSON text."""
    if isinstance(value, str):
        return value
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        from .fields import as_text

        return as_text(value)
    return None


_COMPARE = {">": lambda a, b: a > b, ">=": lambda a, b: a >= b, "<": lambda a, b: a < b,
            "<=": lambda a, b: a <= b}


def _compile(node, ignore_case: bool) -> Callable[[dict], bool]:
    kind = type(node)
    if kind is And:
        tests = [_compile(n, ignore_case) for n in node.nodes]
        return lambda values: all(test(values) for test in tests)
    if kind is Or:
        tests = [_compile(n, ignore_case) for n in node.nodes]
        return lambda values: any(test(values) for test in tests)
    if kind is Not:
        test = _compile(node.node, ignore_case)
        return lambda values: not test(values)
    if kind is Level:
        rank = node.rank

        def level(values: dict) -> bool:
            found = line_level(values)
            return found is not None and found >= rank

        return level
    return _compile_test(node, ignore_case)


def _compile_test(test: Test, ignore_case: bool) -> Callable[[dict], bool]:
    parts, op, literal = test.key.parts, test.op, test.value
    if len(parts) == 1:
        name = parts[0]

        def get(values: dict):
            return values.get(name, MISSING)
    else:
        def get(values: dict):
            return lookup(values, parts)

    if op == "?":
        return lambda values: get(values) is not MISSING
    if op in ("!=", "!~"):
        positive = _compile_test(test._replace(op=op[1:]), ignore_case)
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
            return lambda values: (value := get(values)) is literal
        return lambda values: type(value := get(values)) in (int, float) and value == literal
    compare = _COMPARE[op]
    if test.quoted:  # text in byte order
        wanted = fold(literal) if ignore_case else literal
        if ignore_case:
            return lambda values: type(value := get(values)) is str and compare(fold(value), wanted)
        return lambda values: type(value := get(values)) is str and compare(value, wanted)
    amount, unit = literal

    def compares(values: dict) -> bool:
        value = get(values)
        if type(value) in (int, float):
            return compare(value, amount)
        found = quantity(value)
        return found is not None and (found[1] == unit or found[1] is None or unit is None) \
            and compare(found[0], amount)

    return compares


# -- what a line must contain -------------------------------------------------------------


def _safe_runs(text: str) -> list[bytes]:
    """The stretches of `text` that JSON, logfmt and text lines all write as they are:
    printable ASCII but the quote, the backslash and the slash (JSON may escape them)."""
    runs, run = [], []
    for char in text:
        if " " <= char <= "~" and char not in "\"\\/":
            run.append(char)
        elif run:
            runs.append("".join(run))
            run = []
    if run:
        runs.append("".join(run))
    return [r.encode() for r in runs]


def _literal_clause(text: str) -> list[tuple] | None:
    """A clause for a key part or a string that must appear in the line: its longest
    safe stretch, or a \\u escape; None when nothing of it is sure to be written as is."""
    runs = _safe_runs(text)
    if not runs:
        return None
    return [("literal", max(runs, key=len)), ("literal", UNICODE_ESCAPE)]


def _key_clauses(key: Key) -> list[list[tuple]]:
    if len(key.parts) == 1 and key.parts[0] in TEXT_KEYS:
        return []  # a text line's time, level and msg are not written as key=value
    clauses = []
    for part in key.parts:
        if part.isdigit():
            continue  # an array index
        clause = _literal_clause(part)
        if clause is not None:
            clauses.append(clause)
    return clauses


def _level_clause(rank: int) -> list[tuple]:
    """What a line whose level is at least LEVELS[rank] holds: one of the level words (any
    case), a level key before a number or a letter, a syslog priority, glog's or logcat's
    letter; or a \\u escape."""
    words = sorted(word for word, value in LEVEL_WORDS.items() if value >= rank)
    words = [w for w in words if not any(other != w and other in w for other in words)]
    letters = "".join(sorted(letter for letter, value in LEVEL_LETTERS.items() if value >= rank
                             and letter in "VDIWEFA"))
    glog = "".join(letter for letter in "IWEF" if LEVEL_LETTERS[letter] >= rank)
    needles = [("regex", b"(?i:" + b"|".join(w.encode() for w in words) + b")"),
               ("regex", rb"(?i:lvl|level|severity|priority|@l)\w{0,5}\W{1,8}(?:\d|[A-Za-z]\b)"),
               ("regex", PRI), ("literal", UNICODE_ESCAPE)]
    if glog:
        needles.append(("regex", b"^[" + glog.encode() + rb"]\d{4} "))
    if letters:
        needles.append(("regex", rb"\d [" + letters.encode() + b"] "))
    return needles


def _clauses(node) -> list[list[tuple]]:
    """The expression's needs as clauses (conjunction of disjunctions of needles): every
    line on which it holds has, for each clause, one of its needles. [] needs nothing."""
    kind = type(node)
    if kind is And:
        return [clause for n in node.nodes for clause in _clauses(n)][:MAX_CLAUSES]
    if kind is Or:
        product = [[]]
        for n in node.nodes:
            need = _clauses(n)
            if not need:
                return []  # one side needs nothing: the whole needs nothing
            product = [a + b for a in product for b in need][:MAX_CLAUSES]
        return [clause for clause in product if len(clause) <= MAX_NEEDLES]
    if kind is Not:
        return []
    if kind is Level:
        return [_level_clause(node.rank)]
    test = node
    if test.op in ("!=", "!~"):
        return []
    clauses = _key_clauses(test.key)
    if test.op == "=" and test.quoted:
        value = _literal_clause(test.value)
        if value is not None:
            if test.key.parts == ("level",):
                value.append(("regex", PRI))  # a <PRI> text line's level is a keyword it does not write
            clauses.append(value)
    return clauses


class Where:
    """The --where expressions (all must hold) and --level, compiled once per search
    process (picklable: a worker compiles its own). `holds(values)` tests a line's fields;
    `line_test(driven)` is the test grep applies to the lines it found."""

    def __init__(self, expressions: tuple[str, ...] = (), level: str | int | None = None, *,
                 ignore_case: bool = False, time_format: str | None = None) -> None:
        self.expressions, self.level = tuple(expressions), level
        self.ignore_case, self.time_format = ignore_case, time_format
        nodes = []
        for text in self.expressions:
            try:
                nodes.append(parse(text))
            except WhereError as err:
                raise WhereError(f"--where {text!r}: {err}") from None
        if level is not None:
            try:
                nodes.append(Level(level if isinstance(level, int) else parse_level(level)))
            except WhereError as err:
                raise WhereError(f"--level: {err}") from None
        if not nodes:
            raise WhereError("no expression")
        self.tree = nodes[0] if len(nodes) == 1 else And(tuple(nodes))
        self.holds = _compile(self.tree, ignore_case)
        self.without_fields = self.holds({})  # the verdict on a line that has no fields
        self.clauses = [_dedupe(clause) for clause in _clauses(self.tree)]
        self.driving = _driving(self.clauses)  # the clause the engine looks for in whole blocks
        self.reader = FieldReader(time_format)

    def __reduce__(self):
        return _rebuild, (self.expressions, self.level, self.ignore_case, self.time_format)

    def block_patterns(self) -> tuple[tuple[bytes, ...], bool]:
        """(patterns, fixed) of which a line must match one: what grep looks for in each
        block when no PATTERN is given: literals (`fixed`) or patterns of logpipe's
        default dialect; `b""`, every line, when the expression needs nothing."""
        if self.driving is None:
            return (b"",), True
        clause = self.clauses[self.driving]
        if all(kind == "literal" for kind, _ in clause):
            return tuple(needle for _, needle in clause), True
        return tuple(re.escape(needle) if kind == "literal" else needle for kind, needle in clause), False

    def line_test(self, driven: bool) -> Callable[[bytes], bool]:
        """`test(line)`: whether the expression holds on `line`; the needles of each clause
        are checked first (but the driving clause's when `driven`: the engine found it),
        and only a line holding them all is parsed."""
        checks = []
        for number, clause in enumerate(self.clauses):
            if driven and number == self.driving:
                continue
            literals = tuple(needle.lower() if self.ignore_case else needle for kind, needle in clause
                             if kind == "literal")
            regexes = tuple(re.compile(needle, re.MULTILINE | (re.IGNORECASE if self.ignore_case else 0)).search
                            for kind, needle in clause if kind == "regex")
            checks.append((literals, regexes))
        read, holds, without = self.reader.read, self.holds, self.without_fields
        fold_line = self.ignore_case and any(literals for literals, _ in checks)

        def test(line: bytes) -> bool:
            if checks:
                folded = line.lower() if fold_line else line
                for literals, regexes in checks:
                    if not (any(literal in folded for literal in literals)
                            or any(search(line) for search in regexes)):
                        return False
            fields = read(line)
            return without if fields is None else holds(fields.values)

        return test


def _rebuild(expressions, level, ignore_case, time_format) -> Where:
    return Where(expressions, level, ignore_case=ignore_case, time_format=time_format)


def _dedupe(clause: list[tuple]) -> list[tuple]:
    seen, kept = set(), []
    for needle in clause:
        if needle not in seen:
            seen.add(needle)
            kept.append(needle)
    return kept


def _driving(clauses: list[list[tuple]]) -> int | None:
    """The clause whose needles are the rarest to meet: the one whose shortest needle (a
    \\u escape aside, rare in logs) is longest; regexes count as short."""
    best, best_score = None, -1
    for number, clause in enumerate(clauses):
        lengths = [len(needle) if kind == "literal" else 1 for kind, needle in clause if needle != UNICODE_ESCAPE]
        score = min(lengths) if lengths else 0
        if score > best_score:
            best, best_score = number, score
    return best
