"""The printer's shared piece: records to bytes on stdout, never decoded.

Formats: grep's lines (with names, numbers, byte offsets, context separators, colour,
NUL after names), -o, -c, -l, -L, and ripgrep's JSON Lines (`rg --json`).
"""
from __future__ import annotations

import time
from typing import BinaryIO

from .pipeline.matching import Matcher
from .messages import Messages
from .records import BinaryMatch, FileEnd, Lines, LongLineMatch, Match, RecordMatch, StopSearch

MODES = ("lines", "only-matching", "count", "files-with-matches", "files-without-match", "quiet", "json")

# GNU grep's default GREP_COLORS: ms=01;31 mc=01;31 sl= cx= fn=35 ln=32 bn=32 se=36, each as
# SGR + "erase to end of line" (unless `ne`).
COLORS = {"match": b"01;31", "context_match": b"01;31", "selected_line": b"", "context_line": b"",
          "name": b"35", "number": b"32", "offset": b"32", "separator": b"36"}
GREP_COLOR_KEYS = {"ms": ("match",), "mc": ("context_match",), "mt": ("match", "context_match"),
                   "sl": ("selected_line",), "cx": ("context_line",), "fn": ("name",), "ln": ("number",),
                   "bn": ("offset",), "se": ("separator",)}


def paint(kind: str, text: bytes) -> bytes:
    return b"\x1b[" + COLORS[kind] + b"m\x1b[K" + text + b"\x1b[m\x1b[K"


def grep_colors(setting: str | None, invert: bool = False) -> tuple[dict, bool]:
    """GREP_COLORS as GNU grep reads it: `ms=01;31:mc=01;31:sl=:cx=:fn=35:ln=32:bn=32:se=36`,
    `mt=` for ms and mc, `rv` (swap sl and cx with -v), `ne` (no "erase to end of line");
    unknown or malformed entries are ignored. Returns the colours and whether to erase."""
    colors, erase, reverse = dict(COLORS), True, False
    for entry in (setting or "").split(":"):
        key, has_value, value = entry.partition("=")
        if key in GREP_COLOR_KEYS and has_value and all(c.isdigit() or c == ";" for c in value):
            for kind in GREP_COLOR_KEYS[key]:
                colors[kind] = value.encode("ascii")
        elif key == "ne" and not has_value:
            erase = False
        elif key == "rv" and not has_value:
            reverse = True
    if reverse and invert:
        colors["selected_line"], colors["context_line"] = colors["context_line"], colors["selected_line"]
    return colors, erase


def json_text(data: bytes) -> dict:
    """ripgrep's encoding of arbitrary bytes: text when valid UTF-8, else base64."""
    try:
        return {"text": data.decode("utf-8")}
    except UnicodeDecodeError:
        import base64

        return {"bytes": base64.b64encode(data).decode("ascii")}


def elapsed(seconds: float) -> dict:
    whole = int(seconds)
    return {"secs": whole, "nanos": int((seconds - whole) * 1e9), "human": f"{seconds:.6f}s"}


class Output:
    """Writes records in the chosen `mode` (one of MODES).

    `write` raises `StopSearch` when the search should end: after the first match in
    quiet mode (-q), or when the reader of our output has gone (a closed pipe, as with
    `| head -1`); `pipe_closed` then tells the caller to exit quietly. `matches` counts
    what decides the exit status: selected lines (or, with -L, files listed).
    """

    def __init__(self, stream: BinaryIO, *, mode: str = "lines", with_filename: bool = False,
                 line_number: bool = False, byte_offset: bool = False, null: bool = False, color: bool = False,
                 context: bool = False, matcher: Matcher | None = None, invert: bool = False,
                 messages: Messages | None = None, escape_names: bool = False,
                 colors: tuple[dict, bool] | None = None, max_count: int | None = None) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        self.stream = stream
        self.mode = mode
        self.with_filename = with_filename
        self.line_number = line_number
        self.byte_offset = byte_offset
        self.null = null
        self.color = color
        self.context = context and mode in ("lines", "only-matching")  # -o: only the "--" between groups
        self.matcher = matcher
        self.invert = invert
        self.messages = messages or Messages()
        self.escape_names = escape_names
        self.colors, erase = colors or (COLORS, True)  # GREP_COLORS
        self.max_count = max_count  # -m: JSON's bytes_searched stops where the search stopped
        self._sgr = (b"\x1b[", b"m\x1b[K", b"\x1b[m\x1b[K") if erase else (b"\x1b[", b"m", b"\x1b[m")
        self.matches = 0
        self.pipe_closed = False
        self.write_error: OSError | None = None  # e.g. a full disk: reported once, status 2
        self._last = None  # (name, line number) of the last line printed, for "--" between groups
        self._json_file = None  # per-file figures of the file being printed in JSON
        self._json_total = {"searches": 0, "searches_with_match": 0, "bytes_searched": 0, "bytes_printed": 0,
                            "matched_lines": 0, "matches": 0}
        self._started = time.perf_counter()
        # the plain case gets a format without branches
        self._plain = mode == "lines" and not (byte_offset or null or color or self.context or escape_names)
        self._plain_record = mode == "lines" and self.context and not (byte_offset or null or color or escape_names)

    # -- writing ---------------------------------------------------------------------

    def _out(self, data: bytes) -> None:
        try:
            written = self.stream.write(data)
            # A buffered writer can write part of a large chunk and say so instead of raising
            # (the reader left half way): write the rest, which raises if the pipe is gone.
            while written is not None and written < len(data):
                data = data[written:]
                written = self.stream.write(data)
        except BrokenPipeError:
            self.pipe_closed = True
            raise StopSearch from None
        except OSError as err:
            self.write_error = err
            raise StopSearch from None

    def _name(self, name: bytes) -> bytes:
        """A file name as printed: raw bytes into a pipe; on a terminal, control characters
        (newlines, escape sequences) are shown escaped, so a name cannot drive the terminal."""
        if self.escape_names and any(byte < 0x20 or byte == 0x7F for byte in name):
            return b"".join(b"\\x%02x" % byte if byte < 0x20 or byte == 0x7F else bytes([byte]) for byte in name)
        return name

    def _select(self) -> None:
        """A selected line (or a binary or over-long one): it counts for the exit status,
        and with -q it is the end of the search."""
        self.matches += 1
        if self.mode == "quiet":
            raise StopSearch

    def write(self, record) -> None:
        kind = record.__class__
        if kind is Match:
            if record.context:
                self._context_line(record)
                return
            self._select()
            if self._plain:
                parts = [record.name] if self.with_filename else []
                if self.line_number:
                    parts.append(b"%d" % record.line_number)
                parts.append(record.line)
                self._out(b":".join(parts) + b"\n")
            elif self.mode == "json":
                self._json_line(record, "match")
            else:
                self._selected_line(record)
        elif kind is Lines:
            self._lines(record)
        elif kind is FileEnd:
            self._file_end(record)
        elif kind is RecordMatch:
            self._record(record)
        elif kind is LongLineMatch:
            self._select()
            where = f"line {record.line_number}" if record.line_number else f"the line at byte {record.offset}"
            self.messages.error(record.name, f"{where} matches but is longer than --max-line-bytes: not printed")
        elif kind is BinaryMatch:
            self._select()
            self._out(b"Binary file " + self._name(record.name) + b" matches\n")

    def _lines(self, run: Lines) -> None:
        """A run of selected lines, formatted in a few bulk operations in the plain case."""
        if not self._plain or self.mode == "quiet":
            for match in run.matches():
                self.write(match)
            return
        data = bytes(run.data)
        if data[-1:] != b"\n":
            data += b"\n"
        lines = data.count(b"\n")
        self.matches += lines
        prefix = run.name + b":" if self.with_filename else b""
        if self.line_number:
            form = prefix.replace(b"%", b"%%") + b"%d:%s\n"
            data = b"".join(map(form.__mod__, zip(range(run.line_number, run.line_number + lines),
                                                    data[:-1].split(b"\n"))))
        elif prefix:
            data = prefix + data[:-1].replace(b"\n", b"\n" + prefix) + b"\n"
        self._out(data)

    def write_file_output(self, chunk: bytes, json_totals: dict | None = None, continued: bool = False) -> None:
        """Write one file's output, as a worker process formatted it with an Output
        like this one; "--" goes between files' context groups, as `write` would put it.
        `continued`: a later chunk of the same file's output (no separator before it)."""
        if continued:
            self._out(chunk)
            return
        if json_totals:
            for key, value in json_totals.items():
                self._json_total[key] += value
        if not chunk:
            return
        if self.context and self._last is not None:
            self._out((self._paint("separator", b"--") if self.color else b"--") + b"\n")
        self._last = (b"", -2)  # so that the next file's first group is separated too
        self._out(chunk)

    def begin_file(self) -> None:
        """A new file's output starts in a buffer of its own (a parallel search): its first
        context group is announced by a lone "--" write, which the printer replaces by
        `separate_group`."""
        self._last = (b"", -2)

    @property
    def separator(self) -> bytes:
        return (self._paint("separator", b"--") if self.color else b"--") + b"\n"

    def separate_group(self) -> None:
        """A file searched elsewhere starts a context group here: "--" if a group was
        printed before, as `write` would put it."""
        if self._last is not None:
            self._out(self.separator)
        self._last = (b"", -2)

    @property
    def json_totals(self) -> dict:
        return dict(self._json_total)

    def flush(self) -> None:
        if self.pipe_closed or self.write_error:
            return
        try:
            self.stream.flush()
        except BrokenPipeError:
            self.pipe_closed = True
        except OSError as err:
            self.write_error = err

    def finish(self) -> None:
        """End of the search: JSON's closing summary."""
        if self.mode == "json" and not self.pipe_closed:
            try:
                self._json({"type": "summary", "data": {
                    "elapsed_total": elapsed(time.perf_counter() - self._started), "stats": {
                        **self._json_total, "elapsed": elapsed(time.perf_counter() - self._started)}}})
            except StopSearch:
                pass

    # -- grep's lines ----------------------------------------------------------------

    def _prefix(self, record: Match, separator: bytes, offset: int) -> bytes:
        color = self.color
        sep = self._paint("separator", separator) if color else separator
        parts = []
        if self.with_filename:
            name = self._name(record.name)
            parts.append(self._paint("name", name) if color else name)
            parts.append(b"\0" if self.null else sep)
        if self.line_number:
            number = b"%d" % record.line_number
            parts += [self._paint("number", number) if color else number, sep]
        if self.byte_offset:
            number = b"%d" % offset
            parts += [self._paint("offset", number) if color else number, sep]
        return b"".join(parts)

    def _group_separator(self, record: Match) -> None:
        if self.context:
            last = self._last
            if last is not None and (last[0] != record.name or last[1] + 1 != record.line_number):
                self._out((self._paint("separator", b"--") if self.color else b"--") + b"\n")
            self._last = (record.name, record.line_number)

    def _paint(self, kind: str, text: bytes) -> bytes:
        color = self.colors[kind]
        if not color:
            return text
        start, middle, end = self._sgr
        return start + color + middle + text + end

    def _painted(self, line: bytes, selected: bool) -> bytes:
        """A whole line in colour, as GNU grep paints it: matches in ms (mc in context lines),
        the rest of the line in sl (cx); only lines that match have their matches painted."""
        colors = self.colors
        line_color = colors["selected_line" if selected else "context_line"]
        match_kind = "match" if selected else "context_match"
        start_sgr, middle, end_sgr = self._sgr
        line_start = start_sgr + line_color + middle if line_color else b""
        pieces, pos = [], 0
        if selected != self.invert and colors[match_kind]:
            for start, end in self.matcher.spans(line):
                pieces += [line_start, line[pos:start], self._paint(match_kind, line[start:end])]
                pos = end
        tail = len(line) - (line[-1:] == b"\r")  # grep leaves a \r before the newline unpainted
        if line_color and tail > pos:
            pieces += [line_start, line[pos:tail], end_sgr, line[tail:]]
        else:
            pieces.append(line[pos:])
        return b"".join(pieces)

    def _selected_line(self, record: Match) -> None:
        if self.mode == "only-matching":
            if not self.invert and not (self.with_filename or self.line_number or self.byte_offset or self.color
                                        or self.context):
                found = self.matcher.match_texts(record.line)  # no prefix: the matches joined in bulk
                if found:
                    found.append(b"")
                    self._out(b"\n".join(found))
            elif not self.invert:
                self._group_separator(record)
                self._out(b"".join(self._prefix(record, b":", record.offset + start)
                                   + (self._paint("match", record.line[start:end]) if self.color else record.line[start:end])
                                   + b"\n" for start, end in self.matcher.spans(record.line)))
            return
        self._group_separator(record)
        line = self._painted(record.line, True) if self.color else record.line
        self._out(self._prefix(record, b":", record.offset) + line + b"\n")

    def _record(self, record: RecordMatch) -> None:
        """A multi-line record: each of its lines as grep prints a line, matching lines
        (every line with -v) marked `:`, the others `-`; `--` between records that are
        not adjacent."""
        mode = self.mode
        if not record.context:
            self._select()
        elif mode != "lines" and mode != "json":
            return
        name, text, offset = record.name, record.text, record.offset
        if self._plain_record and b"\n" not in text:  # the common case, kept tight: a one-line record
            last, mark = self._last, b"-" if record.context else b":"
            self._last = (name, offset + len(text) + 1)
            if last is not None and (last[1] != offset or last[0] != name):
                self._out(b"--\n")  # a write of its own: a parallel printer may replace it (`begin_file`)
            parts = []
            if self.with_filename:
                parts += (name, mark)
            if self.line_number:
                parts += (b"%d" % record.line_number, mark)
            parts += (text, b"\n")
            self._out(b"".join(parts))
            return
        if mode == "json":
            self._json_record(record, "context" if record.context else "match")
            return
        marks = record.marks
        if mode == "only-matching":
            if not self.invert:
                for mark in marks:
                    end = record.text.find(b"\n", mark)
                    line = record.text[mark:end if end >= 0 else len(record.text)]
                    self._selected_line(Match(record.name, record.line_number + record.text.count(b"\n", 0, mark),
                                              record.offset + mark, line))
            return
        last, out = self._last, []
        if self.context and last is not None and (last[0] != name or last[1] != offset):
            self._out(self.separator)  # a write of its own: a parallel printer may replace it (`begin_file`)
        self._last = (name, offset + len(text) + 1)
        lines = text.split(b"\n") if b"\n" in text else [text]
        marked = frozenset(marks) if marks is not None and len(lines) > 1 else None
        pos, number = 0, record.line_number
        plain = not (self.color or self.byte_offset or self.null or self.escape_names)
        for line in lines:
            separator = b"-" if record.context or (marked is not None and pos not in marked) else b":"
            if plain:  # the common case, without building a Match per line
                prefix = name + separator if self.with_filename else b""
                if self.line_number:
                    prefix += b"%d" % number + separator
            else:
                prefix = self._prefix(Match(name, number, offset + pos, line), separator, offset + pos)
            out += (prefix, self._painted(line, separator == b":") if self.color else line, b"\n")
            pos, number = pos + len(line) + 1, number + 1
        self._out(b"".join(out))

    def _context_line(self, record: Match) -> None:
        if self.mode == "json":
            self._json_line(record, "context")
            return
        if self.mode != "lines":
            if self.mode == "only-matching" and not self.invert:
                self._group_separator(record)  # not printed, but it joins the groups as in grep
            return
        self._group_separator(record)
        line = self._painted(record.line, False) if self.color else record.line
        self._out(self._prefix(record, b"-", record.offset) + line + b"\n")

    def _file_end(self, end: FileEnd) -> None:
        mode = self.mode
        name = self._name(end.name)
        name = self._paint("name", name) if self.color else name
        terminator = b"\0" if self.null else b"\n"
        if mode == "count":
            self.matches += end.count
            if self.with_filename:
                self._out(name + (b"\0" if self.null else self._paint("separator", b":") if self.color else b":")
                          + b"%d\n" % end.count)
            else:
                self._out(b"%d\n" % end.count)
        elif mode == "files-with-matches" and end.count:
            self.matches += 1
            self._out(name + terminator)
        elif mode == "files-without-match":
            if end.count:  # the status says whether a line was selected, as grep >= 3.5
                self.matches += 1
            else:
                self._out(name + terminator)
        elif mode == "json":
            self._json_end(end)

    # -- ripgrep's JSON Lines --------------------------------------------------------

    def _json(self, message: dict) -> int:
        import json  # only JSON output pays for importing it

        data = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass") + b"\n"
        self._out(data)
        return len(data)

    def _json_figures(self, name: bytes) -> dict:
        """The figures of the file being printed; its `begin` message first, if new."""
        figures = self._json_file
        if figures is None or figures["name"] != name:
            figures = self._json_file = {"name": name, "started": time.perf_counter(), "printed": 0, "matches": 0,
                                         "pending": None, "end": 0}
            figures["printed"] += self._json({"type": "begin", "data": {"path": json_text(name)}})
        return figures

    def _json_line(self, record: Match, kind: str) -> None:
        figures = self._json_figures(record.name)
        spans = [] if kind == "context" and not self.invert else self.matcher.spans(record.line)
        if self.invert and kind == "match":
            spans = []
        if kind == "match":
            figures["matches"] += len(spans)
        # Held back until the next line or the file's end tells whether the line ends with a
        # newline (the last one of a file may not): "lines" holds the bytes as they are, as in rg.
        self._json_flush_line(figures, True)
        figures["pending"] = (record, kind, spans)
        if kind == "match":
            figures["end"] = record.offset + len(record.line) + 1

    def _json_flush_line(self, figures: dict, newline: bool) -> None:
        if figures["pending"] is None:
            return
        record, kind, spans = figures["pending"]
        figures["pending"] = None
        data = {"path": json_text(record.name), "lines": json_text(record.line + b"\n" if newline else record.line),
                "line_number": record.line_number, "absolute_offset": record.offset,
                "submatches": [{"match": json_text(record.line[s:e]), "start": s, "end": e} for s, e in spans]}
        if record.time is not None:  # the line's parsed time (logpipe's addition to rg's format)
            from .pipeline.timestamps import rfc3339

            data["time"] = rfc3339(record.time)
        figures["printed"] += self._json({"type": kind, "data": data})

    def _json_record(self, record: RecordMatch, kind: str) -> None:
        """One message for a whole record, as `rg --json -U` gives a multi-line match:
        `lines` holds the record, `submatches` are offsets in it."""
        figures = self._json_figures(record.name)
        text, spans = record.text, []
        if kind == "match" and record.marks:
            for mark in record.marks:
                end = text.find(b"\n", mark)
                end = end if end >= 0 else len(text)
                spans += [(mark + start, mark + stop) for start, stop in self.matcher.spans(text[mark:end])]
            figures["matches"] += len(spans)
        if kind == "match":
            figures["end"] = record.offset + len(text) + 1
        data = {"path": json_text(record.name), "lines": json_text(text + b"\n"),
                "line_number": record.line_number, "absolute_offset": record.offset,
                "submatches": [{"match": json_text(text[s:e]), "start": s, "end": e} for s, e in spans]}
        if record.time is not None:  # the record's first line's time (logpipe's addition to rg's format)
            from .pipeline.timestamps import rfc3339

            data["time"] = rfc3339(record.time)
        figures["printed"] += self._json({"type": kind, "data": data})

    def _json_end(self, end: FileEnd) -> None:
        total = self._json_total
        figures = self._json_file
        if figures is None or figures["name"] != end.name:
            return  # nothing printed for this file: no begin, no end, not in the summary (as ripgrep)
        self._json_file = None
        last = figures["pending"]
        self._json_flush_line(figures, last is None or last[0].offset + len(last[0].line) < end.bytes_searched)
        searched = end.bytes_searched
        if self.max_count is not None and end.count >= self.max_count:
            searched = min(searched, figures["end"])  # -m: up to the last selected line, as rg counts it
        stats = {"elapsed": elapsed(time.perf_counter() - figures["started"]), "searches": 1,
                 "searches_with_match": int(end.count > 0), "bytes_searched": searched,
                 "bytes_printed": figures["printed"], "matched_lines": end.count, "matches": figures["matches"]}
        self._json({"type": "end", "data": {"path": json_text(end.name), "binary_offset": None, "stats": stats}})
        total["searches"] += 1
        total["bytes_searched"] += searched
        total["searches_with_match"] += int(end.count > 0)
        total["bytes_printed"] += figures["printed"]  # the sum of the files' figures, as in rg
        total["matched_lines"] += end.count
        total["matches"] += figures["matches"]
