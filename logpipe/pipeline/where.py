"""--where and --level as grep applies them: the expression compiled once per search
process, the bytes a line must hold for it to hold, and the selection of a block's lines.

`Where` works out what a line must contain for the expression to hold there: a
conjunction of clauses, each a set of needles (literal bytes, or a regex) of which a line
must hold one (`clauses`). `level=error` needs `error` (or a `\\u` escape, behind which
JSON may hide any character; or a syslog `<PRI>`, whose level is a keyword it does not
write); `status>=500` needs the key `status`; a `not` needs nothing. grep runs the engine
over each block for one clause (`block_patterns`, when there is no PATTERN) and checks the
others on the lines it finds before parsing them: only lines that can hold are parsed
(`line_test`, `selector`). Where most lines of a block hold what is needed, nothing is
looked for: a block of JSON lines is decoded in one call, into structs of only the keys
the expression reads (`block_selector`, msgspec's `decode_lines`).

Every shortcut gives the verdict a line-by-line parse (`fields.FieldReader.read`) and
evaluation (`expression.compile_tree`) would: the needles are necessary conditions only.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from itertools import accumulate

from .expression import And, Level, Not, Or, Test, WhereError, compile_tree, parse, parse_level
from .fields import FieldReader, Key
from .levels import LEVEL_LETTERS, LEVEL_WORDS
from .matching import DENSE, DENSE_SAMPLE

__all__ = ["Where", "WhereError"]

MAX_CLAUSES = 32   # an `or` of `and`s multiplies clauses: beyond this many, the rest are dropped (never wrong)
MAX_NEEDLES = 24   # a clause of more needles is dropped (it would select almost every line anyway)
UNICODE_ESCAPE = b"\\u"  # JSON may write any character of a key or a string as \uXXXX
TEXT_KEYS = ("time", "level", "msg")  # fields of text lines that are not written as key=value
PRI = rb"^<\d{1,3}>"  # a syslog priority at a line's start: text lines whose level is its keyword


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


def _at_least(number: int) -> bytes:
    """A regex of the decimal integers (no sign, no leading zero) at least `number`, as
    they start: more digits, or as many and one digit greater where the rest agree, or it."""
    digits = str(number)
    size = len(digits)
    choices = [rb"[1-9]\d{%d}" % size]
    for i, digit in enumerate(digits):
        if digit != "9":
            rest = size - i - 1
            choices.append(digits[:i].encode() + b"[%d-9]" % (int(digit) + 1) + (rb"\d{%d}" % rest if rest else b""))
    choices.append(digits.encode())
    return b"(?:" + b"|".join(choices) + b")"


def _value_clause(test: Test) -> list[tuple] | None:
    """For `key>N` and `key>=N` (N ≥ 1, in base units): the key's last part right before a
    value that can be that big: a number of enough digits or with an exponent, a quoted
    string or a word with a unit (which may hold any amount); or a \\u escape. None where
    this cannot be said (a text line's own fields, an array index, N < 1)."""
    amount = test.value[0]
    part = test.key.parts[-1]
    if test.quoted or test.op not in (">", ">=") or not amount >= 1 or amount > 1e18 or part.isdigit() \
            or (len(test.key.parts) == 1 and part in TEXT_KEYS) or _safe_runs(part) != [part.encode()]:
        return None
    value = (re.escape(part.encode()) + rb'"?[ \t\r]*[:=][ \t\r]*(?:"|' + _at_least(int(amount))
             + rb"|[-+.\d][^\s,}\]]*[A-Za-z\x80-\xff]|Infinity)")
    return [("value", value), ("literal", UNICODE_ESCAPE)]


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
    if test.op in (">", ">="):
        value = _value_clause(test)
        if value is not None:
            clauses.append(value)
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
        self.holds = compile_tree(self.tree, ignore_case)
        self.without_fields = self.holds({})  # the verdict on a line that has no fields
        self.clauses = [_dedupe(clause) for clause in _clauses(self.tree)]
        self.driving = _driving(self.clauses)  # the clause the engine looks for in whole blocks
        self.keys = tuple(sorted(_top_keys(self.tree)))
        self.reader = FieldReader(time_format, self.keys)
        attributes = {key: f"f{number}" for number, key in enumerate(self.keys)}
        self.holds_struct = compile_tree(self.tree, ignore_case, attributes)  # on `_block_decoder`'s structs

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

    def _checks(self, driven: bool) -> Callable[[bytes], bool] | None:
        """`passes(line)`: whether a line holds a needle of each clause (but the driving
        one's when `driven`: the engine found it); None when there is nothing to check."""
        checks = []
        for number, clause in enumerate(self.clauses):
            if driven and number == self.driving:
                continue
            literals = tuple(needle.lower() if self.ignore_case else needle for kind, needle in clause
                             if kind == "literal")
            regexes = tuple(re.compile(needle, re.MULTILINE | (re.IGNORECASE if self.ignore_case else 0)).search
                            for kind, needle in clause if kind != "literal")
            checks.append((literals, regexes))
        if not checks:
            return None
        fold_line = self.ignore_case and any(literals for literals, _ in checks)

        def passes(line: bytes) -> bool:
            folded = line.lower() if fold_line else line
            for literals, regexes in checks:
                if not (any(literal in folded for literal in literals) or any(search(line) for search in regexes)):
                    return False
            return True

        return passes

    def line_test(self, driven: bool) -> Callable[[bytes], bool]:
        """`test(line)`: whether the expression holds on `line`: its needles checked first
        (see `_checks`), and only a line holding them all is parsed."""
        passes, read, holds, without = self._checks(driven), self.reader.read, self.holds, self.without_fields

        def test(line: bytes) -> bool:
            if passes is not None and not passes(line):
                return False
            fields = read(line)
            return without if fields is None else holds(fields.values)

        return test

    def selector(self, driven: bool) -> Callable[[bytes, Iterable[tuple[int, int]]], list[tuple[int, int]]]:
        """`select(data, spans)`: the spans `(start, end)` of lines of `data` on which the
        expression holds, among `spans` (the lines grep found). Where many of them are
        JSON lines, all are decoded in one call (msgspec's `decode_lines`) into a struct
        of the keys the expression reads, the other keys skipped unparsed; a block that is
        not all JSON objects goes line by line (`line_test`), with the same verdicts."""
        test, passes, holds = self.line_test(driven), self._checks(driven), self.holds
        decode_lines, holds_struct = _block_decoder(self.keys), self.holds_struct

        def select(data: bytes, spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
            spans = spans if isinstance(spans, list) else list(spans)
            if len(spans) < BATCH:
                return [span for span in spans if test(data[span[0]:span[1]])]
            lines = [data[start:end] for start, end in spans]
            if passes is not None:
                kept = [i for i, line in enumerate(lines) if passes(line)]
                spans, lines = [spans[i] for i in kept], [lines[i] for i in kept]
            if lines and lines[0][:1] == b"{":
                try:
                    objects = decode_lines(b"\n".join(lines))
                except (ValueError, RecursionError):  # a line that is not a JSON object (or too deep)
                    objects = None
                if objects is not None and len(objects) == len(lines):  # (blank lines are skipped)
                    return [span for span, found in zip(spans, objects) if holds_struct(found)]
            read, without = self.reader.read, self.without_fields
            selected = []
            for span, line in zip(spans, lines):
                fields = read(line)
                if (without if fields is None else holds(fields.values)):
                    selected.append(span)
            return selected

        return select

    def block_selector(self) -> Callable[[bytes], list[tuple[int, int]] | None]:
        """`select(data)`: the spans of the lines of `data` on which the expression holds,
        when every line of the block is a JSON object, decoded in one call; None when
        they are not (the caller then looks line by line). For blocks where most lines
        hold what the expression needs: nothing is gained by looking for it first."""
        decode_lines, holds_struct = _block_decoder(self.keys), self.holds_struct

        def select(data: bytes) -> list[tuple[int, int]] | None:
            if data[:1] != b"{" and data[:256].lstrip(b" \t")[:1] != b"{":
                return None
            try:
                objects = decode_lines(data)
            except (ValueError, RecursionError):
                return None
            lines = data.split(b"\n")
            if data.endswith(b"\n"):
                lines.pop()
            if len(objects) != len(lines):  # blank lines (decode_lines skips them)
                return None
            chosen = [i for i, found in enumerate(objects) if holds_struct(found)]
            if not chosen:
                return []
            ends = list(accumulate(map(len, lines[:chosen[-1] + 1])))  # line i ends at ends[i] + i
            return [(ends[i] + i - len(lines[i]), ends[i] + i) for i in chosen]

        return select


    def selection(self, matcher, driven: bool) -> Selection:
        """What grep's `BlockSearch`/`RecordSearch` apply to the lines `matcher` finds
        (`driven`: the matcher looks for `block_patterns`, there is no PATTERN)."""
        return Selection(self, matcher, driven)


class Selection:
    """The expression applied by grep: `lines(data)` gives the spans of a block's lines
    that the matcher finds and on which the expression holds; `holds(line)` tests one line
    (a record's first)."""

    def __init__(self, where: Where, matcher, driven: bool) -> None:
        self.matcher = matcher
        self.holds = where.line_test(driven)
        self.select = where.selector(driven)
        self.select_block = where.block_selector() if driven else None  # (only the expression selects)

    def lines(self, data: bytes) -> list[tuple[int, int]]:
        if self.select_block is not None and self._dense(data):
            found = self.select_block(data)
            if found is not None:
                return found
        return self.select(data, self.matcher.lines(data))

    def _dense(self, data: bytes) -> bool:
        """Whether what the expression needs is on most lines of the block (judged on its
        first DENSE_SAMPLE bytes): every line is then tested, none looked for."""
        end = data.rfind(b"\n", 0, DENSE_SAMPLE) + 1 or len(data)
        sample = data[:end]
        return sum(1 for _ in self.matcher.lines(sample)) * DENSE >= (sample.count(b"\n") or 1)


BATCH = 16  # lines found in a block from which their JSON is decoded in one call


def _top_keys(node) -> set[str]:
    """The top-level keys of a JSON line that the expression can read (a dotted key's
    first part, and its flattened forms: `user`, `user.id` for `user.id`)."""
    kind = type(node)
    if kind in (And, Or):
        return set().union(*map(_top_keys, node.nodes))
    if kind is Not:
        return _top_keys(node.node)
    if kind is Level:
        from .fields import LEVEL_KEYS

        return set(LEVEL_KEYS) | {"log"}
    parts = node.key.parts
    return {".".join(parts[:end]) for end in range(1, len(parts) + 1)}


def _block_decoder(keys: tuple[str, ...]) -> Callable:
    """msgspec's decoder of newline-separated JSON objects into structs of only these
    top-level keys, as attributes f0, f1, ... in their order (MISSING where a line has none)."""
    from typing import Any

    import msgspec

    from .fields import MISSING

    struct = msgspec.defstruct("Needed", [(f"f{i}", Any, MISSING) for i in range(len(keys))],
                               rename={f"f{i}": name for i, name in enumerate(keys)})
    return msgspec.json.Decoder(struct).decode_lines


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
    \\u escape aside, rare in logs) is longest; a key before a big enough value (`value`)
    is rarer than the key alone, other regexes count as short."""
    best, best_score = None, -1
    for number, clause in enumerate(clauses):
        lengths = [len(needle) if kind == "literal" else 100 if kind == "value" else 1
                   for kind, needle in clause if needle != UNICODE_ESCAPE]
        score = min(lengths) if lengths else 0
        if score > best_score:
            best, best_score = number, score
    return best
