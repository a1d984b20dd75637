"""The fields of a log line: JSON objects (also behind a prefix), logfmt, and text lines.

    >>> fields = parse_line(b'{"level":"error","user":{"id":42}}')
    >>> fields.format, lookup(fields.values, Key.parse("user.id"))
    ('json', 42)
    >>> field_value(b'ts=2026-11-30T17:53:34Z level=warn msg="slow query" duration=1.3s', "msg")
    'slow query'
    >>> field_value(b"2026-11-30 17:53:34,123 ERROR [main] request failed", "level")
    'ERROR'

Each line is read on its own (a file may mix formats), first format that fits:

1. **json**: the line, after leading blanks, starts with `{`: it is one JSON object (to
   its end), or a line without fields (bad JSON is not read as text);
2. **logfmt**: the line's first word is `key=value`; every word is then a pair or a bare
   key (which is `true`); a value written without quotes that reads as a JSON number is a
   number, `true`/`false` booleans, everything else a string;
3. **json** behind a prefix: a JSON object that starts within the first `PREFIX_MAX` bytes
   and runs to the line's end, after a prefix without a level word (a Docker or
   Kubernetes timestamp, `stdout F`, a syslog header, `web-1  | `); the prefix has no fields;
4. **text**: a timestamp in one of the formats of `timestamps` within the first `HEAD`
   bytes (or a syslog `<PRI>` at the line's start): fields `time` (the timestamp as
   written), `level` (the first level word among the `LEVEL_WORDS_AFTER` words after the
   timestamp, as written: `ERROR`, `[notice]` gives `notice`; glog's and logcat's letter;
   a `<PRI>`'s syslog keyword, `err` for `<3>`), `msg` (the rest of the line), and the
   `key=value` words of the rest, typed as logfmt's.

A line that fits none has no fields (None). Nothing here raises on bad input: bad JSON,
JSON nested about 1,000 levels deep, invalid UTF-8, NaN each have one outcome (see
`_json`). Values are Python objects as JSON gives them; strings from logfmt and text
lines are decoded from UTF-8 with invalid bytes kept as lone surrogates
(`surrogateescape`), so `shown()` gives back the line's own bytes.

`field_value(line, key)` is the one call for a dotted key's value in a line (issue 23's
summaries use it); `FieldReader` is the same for many lines with one `--time-format`.
"""
from __future__ import annotations

import math
import re
from typing import NamedTuple

from .levels import LEVEL_KEYS, LEVEL_WORDS, LEVELS, SYSLOG_KEYWORDS, level_rank, line_level
from .timeformats import FORMATS, HEAD, custom_format

__all__ = ["MISSING", "Key", "KeyError_", "Fields", "FieldReader", "parse_line", "lookup", "field_value", "split_keys",
           "standard_value", "level_rank", "line_level", "LEVELS", "LEVEL_KEYS", "shown", "as_text"]

PREFIX_MAX = 200         # a JSON object behind a prefix starts this near the line's start
LEVEL_WORDS_AFTER = 8    # words after a text line's timestamp where its level word may be

TIME_KEYS = ("time", "ts", "timestamp", "@timestamp", "@t", "t", "date", "datetime", "Timestamp", "TIME")
MESSAGE_KEYS = ("msg", "message", "@m", "@mt", "Message", "MESSAGE", "log", "text")
ALIASES = {"time": TIME_KEYS, "level": LEVEL_KEYS, "msg": MESSAGE_KEYS}


# -- keys -----------------------------------------------------------------------------

MISSING = type("Missing", (), {"__repr__": lambda self: "MISSING", "__bool__": lambda self: False,
                               "__reduce__": lambda self: "MISSING"})()  # a value that is not there


class KeyError_(ValueError):
    """A key that cannot be read (an unterminated quote, an empty part)."""


KEY_PART = re.compile(r"""[^\s.=!~<>?()"',]+|"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'""")


class Key(NamedTuple):
    """A dotted key: `user.id` is `id` inside `user` (or, failing that, the key `user.id`
    itself, as loggers that flatten write it); a part in quotes keeps its dots
    (`"service.name".version`); a part of digits indexes an array (`tags.0`)."""

    text: str
    parts: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> Key:
        key, end = cls.read(text, 0)
        if end != len(text):
            raise KeyError_(f"unexpected {text[end:]!r} after the key {text[:end]!r}")
        return key

    @classmethod
    def read(cls, text: str, pos: int) -> tuple[Key, int]:
        """The key that starts at `text[pos]`, and where it ends."""
        start, parts = pos, []
        while True:
            m = KEY_PART.match(text, pos)
            if m is None:
                if pos < len(text) and text[pos] in "\"'":
                    raise KeyError_(f"unterminated quote in the key {text[start:]!r}")
                raise KeyError_(f"a key is missing at {text[pos:pos + 10]!r}" if pos < len(text)
                                else "a key is missing at the end")
            quoted = m.group(1) if m.group(1) is not None else m.group(2)
            parts.append(m.group() if quoted is None else re.sub(r"\\(.)", r"\1", quoted))
            pos = m.end()
            if pos < len(text) and text[pos] == "." and pos + 1 < len(text) and text[pos + 1] not in " =!~<>?()":
                pos += 1
                continue
            return cls(text[start:pos], tuple(parts)), pos


def split_keys(text: str) -> tuple[str, ...]:
    """--fields' list: keys separated by commas (a comma inside quotes is part of a key),
    each checked (`Key.parse`)."""
    keys, pos = [], 0
    while True:
        while pos < len(text) and text[pos] in " \t":
            pos += 1
        key, end = Key.read(text, pos)
        keys.append(key.text)
        while end < len(text) and text[end] in " \t":
            end += 1
        if end == len(text):
            return tuple(keys)
        if text[end] != ",":
            raise KeyError_(f"unexpected {text[end:]!r} after the key {key.text!r} (keys are separated by commas)")
        pos = end + 1


def lookup(values: dict, key: Key | tuple):
    """The value of `key` in `values` (a line's fields), MISSING when it has none."""
    parts = key.parts if isinstance(key, Key) else key
    if len(parts) == 1:
        return values.get(parts[0], MISSING)
    return walk(values, parts, 0)


def walk(node, parts: tuple, i: int):
    """The value of `parts[i:]` inside `node` (MISSING if none): each part a key of an
    object (or, failing that, the next parts joined with dots: a flattened key), or a
    decimal index of an array."""
    if i == len(parts):
        return node
    if isinstance(node, dict):
        value = node.get(parts[i], MISSING)
        if value is not MISSING:
            found = walk(value, parts, i + 1)
            if found is not MISSING:
                return found
        for j in range(i + 2, len(parts) + 1):  # a flattened key: {"user.id": 42}
            value = node.get(".".join(parts[i:j]), MISSING)
            if value is not MISSING:
                found = walk(value, parts, j)
                if found is not MISSING:
                    return found
        return MISSING
    if isinstance(node, list) and parts[i].isdigit():
        index = int(parts[i])
        return walk(node[index], parts, i + 1) if index < len(node) else MISSING
    return MISSING


def standard_value(values: dict, name: str):
    """`time`, `level` or `msg` of a line whatever its format calls them (`ts`,
    `@timestamp`, `severity`, `message`, ...): the key itself if present, else the first of
    its aliases; any other key as `lookup` finds it."""
    value = lookup(values, Key.parse(name)) if not isinstance(name, Key) else lookup(values, name)
    text = name.text if isinstance(name, Key) else name
    if value is MISSING and text in ALIASES:
        for alias in ALIASES[text]:
            value = values.get(alias, MISSING)
            if value is MISSING and "." in alias:
                value = walk(values, tuple(alias.split(".")), 0)
            if value is not MISSING:
                break
    return value


# -- parsing --------------------------------------------------------------------------


class Fields(NamedTuple):
    format: str   # "json", "logfmt" or "text"
    values: dict


def _decoder():
    import msgspec

    return msgspec.json.Decoder().decode


_DECODE = _decoder()


def _json(text: bytes):
    """The JSON object `text` holds, or None. msgspec first (strict JSON, valid UTF-8);
    what it refuses goes to the standard library, which also reads NaN, Infinity and
    lone surrogate escapes, and takes invalid UTF-8 as lone surrogates. Duplicate keys:
    the last one wins (as jq, JavaScript, both parsers). Nested deeper than Python's
    recursion limit lets either parser go (about 1,000 levels), or not JSON: None."""
    try:
        value = _DECODE(text)
    except (ValueError, RecursionError):  # msgspec.DecodeError is a ValueError
        import json

        try:
            value = json.loads(text.decode("utf-8", "surrogateescape"))
        except (ValueError, RecursionError):
            return None
    return value if isinstance(value, dict) else None


def _struct_json(keys: tuple[str, ...]):
    """`_json` for these top-level keys only: msgspec decodes the line into a struct of
    them, skipping the rest unbuilt; what it refuses goes to `_json` (same values)."""
    from typing import Any

    import msgspec

    struct = msgspec.defstruct("Wanted", [(f"f{i}", Any, msgspec.UNSET) for i in range(len(keys))],
                               rename={f"f{i}": key for i, key in enumerate(keys)})
    decode, to_builtins = msgspec.json.Decoder(struct).decode, msgspec.to_builtins

    def read(text: bytes):
        try:
            return to_builtins(decode(text))
        except (ValueError, RecursionError):  # not an object, not strict JSON, too deep
            return _json(text)

    return read


_NUMBER = re.compile(rb"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_KEY = rb"[A-Za-z_@$][\w.\-/@$]*"  # a logfmt key as loggers write them (the first one of a line, a text line's)
_LOGFMT_FIRST = re.compile(rb"[ \t]*" + _KEY + rb"=")
_QUOTED = rb'"[^"\\]*(?:\\.[^"\\]*)*"?'  # to the closing quote, or the line's end
_LOGFMT_WORD = re.compile(rb'([^\s="]+)(=(?:' + _QUOTED + rb'|\S*))?')  # (key, "=value" or "")
_PAIR = re.compile(rb'(?<!\S)(' + _KEY + rb')=(' + _QUOTED + rb'|\S*)')
_ESCAPE = re.compile(rb'\\(?:u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|(.))', re.DOTALL)
_SIMPLE_ESCAPES = {b"n": "\n", b"t": "\t", b"r": "\r", b"b": "\b", b"f": "\f", b"0": "\0"}


def _text(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def _unquote(value: bytes) -> str:
    """A logfmt value written in quotes, with Go's escapes (\\" \\\\ \\n \\t \\uXXXX \\xNN)."""
    inner = value[1:-1] if len(value) > 1 and value.endswith(b'"') else value[1:]
    if b"\\" not in inner:
        return _text(inner)
    pieces, pos = [], 0
    for m in _ESCAPE.finditer(inner):
        pieces.append(_text(inner[pos:m.start()]))
        if m.group(1):
            pieces.append(chr(int(m.group(1), 16)))
        elif m.group(2):
            pieces.append(_text(bytes([int(m.group(2), 16)])))
        else:
            pieces.append(_SIMPLE_ESCAPES.get(m.group(3), _text(m.group(3))))
        pos = m.end()
    pieces.append(_text(inner[pos:]))
    return "".join(pieces)


def _typed(value: bytes | None):
    """A logfmt value: a bare key is true; quoted, a string; else a number, a boolean or a string."""
    if value is None:
        return True
    if value[:1] == b'"':
        return _unquote(value)
    if value and (value[0] in b"-0123456789") and _NUMBER.fullmatch(value):
        return float(value) if any(c in value for c in b".eE") else int(value)
    if value == b"true":
        return True
    if value == b"false":
        return False
    return _text(value)


def _logfmt(line: bytes, keys: tuple | None = None) -> dict:
    """A logfmt line's pairs (the last of a key wins); with `keys` ((name, its bytes) ...),
    only those keys' values are typed and kept."""
    pairs = dict(_LOGFMT_WORD.findall(line))
    if keys is None:
        return {_text(key): _typed(value[1:] if value else None) for key, value in pairs.items()}
    values = {}
    for name, raw in keys:
        value = pairs.get(raw)
        if value is not None:
            values[name] = _typed(value[1:] if value else None)
    return values


def _pairs(rest: bytes, values: dict) -> None:
    """The `key=value` words of a text line's message, for keys it does not have yet."""
    for m in _PAIR.finditer(rest):
        key = _text(m.group(1))
        if key not in values:
            values[key] = _typed(m.group(2))


_TRIM = b"[](){}<>:;,|=-\"'"
_WORDS = re.compile(rb"\S+")
_PRI = re.compile(rb"<(\d{1,3})>")
_GLOG = re.compile(rb"[IWEF]\d{4} ")
_LOGCAT = re.compile(rb"\s+\d+\s+\d+ ([VDIWEFA]) ")
_MSG_START = re.compile(rb"[\s\]:|,-]*")


def _level_word(data: bytes, pos: int, end: int) -> tuple[str, int, int] | None:
    """The first level word among the LEVEL_WORDS_AFTER words of `data[pos:end]`:
    (the word as written, where it starts and ends)."""
    for count, m in enumerate(_WORDS.finditer(data, pos, end)):
        if count == LEVEL_WORDS_AFTER:
            return None
        word = m.group().strip(_TRIM)
        if 2 < len(word) < 14 and word.lower().decode("ascii", "replace") in LEVEL_WORDS:
            return word.decode("ascii"), m.start(), m.end()
    return None


class FieldReader:
    """Reads the fields of lines (`read(line)` -> `Fields` or None); `time_format`
    (--time-format) sets the timestamp a text line is recognised by, as for --since.

    `keys`: the top-level keys wanted (None: all). Then a JSON line is decoded into a
    struct of those keys only (the others skipped, not built), and only those of a logfmt
    line are typed; `values` may then miss the others (a text line's are all there)."""

    def __init__(self, time_format: str | None = None, keys: tuple[str, ...] | None = None) -> None:
        formats = FORMATS if time_format is None else (custom_format(time_format),)
        self.time_format, self.keys = time_format, None if keys is None else tuple(sorted(set(keys)))
        self.stamp = re.compile(b"|".join(b"(?:" + fmt.regex.pattern + b")" for fmt in formats), re.MULTILINE)
        self.json = _json
        self.logfmt_keys = None
        if self.keys is not None:
            self.json = _struct_json(self.keys)
            self.logfmt_keys = tuple((key, key.encode("utf-8", "surrogateescape")) for key in self.keys)

    def __reduce__(self):
        return FieldReader, (self.time_format, self.keys)

    def read(self, line: bytes) -> Fields | None:
        """The fields of one line (without its newline)."""
        first = line[:1]
        if first == b"{" or (first in b" \t" and line.lstrip(b" \t")[:1] == b"{"):  # JSON, or no fields
            values = self.json(line)
            return None if values is None else Fields("json", values)
        if _LOGFMT_FIRST.match(line):
            return Fields("logfmt", _logfmt(line, self.logfmt_keys))
        brace = line.find(b"{", 0, PREFIX_MAX)
        if brace > 0 and _ends_with(line, b"}") and _level_word(line, 0, brace) is None:
            values = self.json(line[brace:])
            if values is not None:
                return Fields("json", values)
        return self._text(line)

    def _text(self, line: bytes) -> Fields | None:
        values = {}
        pri = _PRI.match(line)
        m = self.stamp.search(line, 0, HEAD)
        if m is None:
            if pri is None:
                return None
            rest = pri.end()
        else:
            values["time"] = _text(m.group())
            rest = m.end()
        level = None
        if pri is not None and int(pri.group(1)) < 192:
            level = SYSLOG_KEYWORDS[int(pri.group(1)) % 8]
        lettered = False  # glog's and logcat's level is a letter of the format itself
        if m is not None:
            if m.start() == 0 and _GLOG.match(line):
                level, lettered = chr(line[0]), True
                values["time"] = values["time"][1:]  # (the letter is glog's level, not its time)
            else:
                letter = _LOGCAT.match(line, m.end())
                if letter is not None:
                    level, rest, lettered = letter.group(1).decode(), letter.end(), True
        if not lettered:
            found = _level_word(line, rest, min(len(line), rest + 160))
            if found is not None:
                level, rest = found[0], found[2]
        if level is not None:
            values["level"] = level
        rest = _MSG_START.match(line, rest).end()
        values["msg"] = _text(line[rest:])
        if b"=" in line[rest:]:
            _pairs(line[rest:], values)
        return Fields("text", values)

    def value(self, line: bytes, key: Key | str, fmt: str | None = None):
        """`key`'s value in `line` (MISSING if none); `fmt` ("json", "logfmt", "text"):
        read the line in that format only (None: whichever fits, as `read`)."""
        if isinstance(key, str):
            key = Key.parse(key)
        fields = self.read(line) if fmt is None else self.read_as(line, fmt)
        return MISSING if fields is None else lookup(fields.values, key)

    def read_as(self, line: bytes, fmt: str) -> Fields | None:
        """The fields of `line` read in format `fmt` only."""
        if fmt == "json":
            brace = line.find(b"{")
            values = _json(line[brace:]) if 0 <= brace < PREFIX_MAX else None
            return None if values is None else Fields("json", values)
        if fmt == "logfmt":
            return Fields("logfmt", _logfmt(line)) if _LOGFMT_FIRST.match(line) else None
        if fmt == "text":
            return self._text(line)
        raise ValueError(f"no such format {fmt!r} (json, logfmt, text)")


def _ends_with(line: bytes, byte: bytes) -> bool:
    """Whether `line`, without trailing blanks, ends with `byte`."""
    end = len(line)
    while end and line[end - 1] in b" \t\r":
        end -= 1
    return line[end - 1:end] == byte


_READER: FieldReader | None = None


def parse_line(line: bytes) -> Fields | None:
    """The fields of one line, with the default timestamp formats."""
    global _READER
    if _READER is None:
        _READER = FieldReader()
    return _READER.read(line)


def field_value(line: bytes, key: Key | str, fmt: str | None = None):
    """The value of the dotted `key` in `line` (bytes, without its newline), MISSING when
    the line has no such field; `fmt` forces a format ("json", "logfmt", "text"). The
    stable entry point for code that needs one field of lines (summaries by a field)."""
    global _READER
    if _READER is None:
        _READER = FieldReader()
    return _READER.value(line, key, fmt)


# -- printing -------------------------------------------------------------------------

_TSV_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_TSV_SPECIAL = re.compile(r"[\\\t\n\r]")


def as_text(value) -> str | None:
    """A value as text: a string as it is, a number or a literal as JSON writes it (NaN
    as NaN), an object or array as compact JSON; None when MISSING."""
    if value is MISSING:
        return None
    if isinstance(value, str):
        return value
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (math.inf, -math.inf):
            return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")
        return repr(value)
    import json

    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=True)


def encoded(text: str) -> bytes:
    """Text back to the bytes it came from (lone surrogates from invalid UTF-8 included)."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate written as an escape in JSON
        return text.encode("utf-8", "surrogatepass")


def shown(value) -> bytes:
    """A value for --fields: its text with tab, newline, carriage return and backslash
    escaped (\\t \\n \\r \\\\, as jq's @tsv), so that each line stays one line of
    tab-separated columns; empty when MISSING."""
    text = as_text(value)
    if text is None:
        return b""
    if _TSV_SPECIAL.search(text):
        text = _TSV_SPECIAL.sub(lambda m: _TSV_ESCAPES[m.group()], text)
    return encoded(text)
